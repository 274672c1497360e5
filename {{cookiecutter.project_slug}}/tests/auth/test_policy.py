"""Every route is either public or protected by a rule in `auth/policy.py`; nothing is forgotten."""

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route

from {{ cookiecutter.package_name }}.auth import policy
from {{ cookiecutter.package_name }}.auth.roles import Role
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.auth.conftest import MakeApp
from tests.auth.issuer import Issuer


def api_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(method, full route template) of every API route, through included routers."""
    return {
        (method, str(context.path_format))
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods or ()
    }


def test_every_api_route_has_an_access_rule(settings: Settings) -> None:
    operations = api_operations(create_app(settings))
    unlisted = {(method, route) for method, route in operations if route not in policy.PUBLIC_PATHS}
    assert unlisted - set(policy.HTTP) == set(), "add these routes to auth/policy.py"


def test_every_access_rule_names_an_existing_route(settings: Settings) -> None:
    operations = api_operations(create_app(settings))
    assert set(policy.HTTP) - operations == set(), "stale rules in auth/policy.py"


def test_every_other_http_route_is_explicitly_public(settings: Settings) -> None:
    others = {
        str(context.path_format)
        for context in iter_route_contexts(create_app(settings).routes)
        if isinstance(context.original_route, Route | Mount)
        and not isinstance(context.original_route, APIRoute)
    }
    assert others - policy.PUBLIC_PATHS == set(), "list these in auth/policy.py PUBLIC_PATHS"


def test_only_health_is_public_in_the_api() -> None:
    public = {route for (_, route), access in policy.HTTP.items() if access.public}
    assert public == {"/health/live", "/health/ready"}


def test_every_protected_rule_names_a_role() -> None:
    for key, access in policy.HTTP.items():
        assert access.public or access.roles, f"{key}: neither public nor role-protected"
        assert access.roles <= set(Role)


async def test_a_route_without_a_rule_is_refused_to_everyone(
    private_issuer: Issuer, make_app: MakeApp
) -> None:
    app, client = await make_app(private_issuer)

    async def unlisted() -> dict[str, str]:
        return {"secret": "data"}

    app.add_api_route("/api/v1/unlisted", unlisted)
    token = private_issuer.token()  # every role
    response = await client.get("/api/v1/unlisted", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "secret" not in response.text


def test_only_probes_and_scrapes_are_outside_the_gate(settings: Settings) -> None:
    # Included before the gate (main.py): a liveness probe runs no auth code. Every other API
    # route, including those of routers added later, passes `authorize`.
    ungated = {
        str(context.path_format)
        for context in iter_route_contexts(create_app(settings).routes)
        if isinstance(context.original_route, APIRoute)
        and not any(
            getattr(depends.dependency, "__name__", "") == "authorize"
            for depends in context.dependencies
        )
    }
    assert ungated == {"/health/live", "/health/ready", "/metrics"}


def test_app_is_reachable_only_through_the_policy(app: FastAPI) -> None:
    # The gate sits on the app's router: routers included later inherit it.
    gate = [d.dependency for d in app.router.dependencies]
    assert any(getattr(d, "__name__", "") == "authorize" for d in gate)


async def test_openapi_is_public(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/openapi.json")).status_code == 200
