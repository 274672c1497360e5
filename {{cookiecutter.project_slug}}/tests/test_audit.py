"""HTTP writes land in the audit log: route template, status, resource, actor, request id."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from {{ cookiecutter.package_name }}.audit import AuditEntry, redact
{%- if cookiecutter.use_keycloak %}
from {{ cookiecutter.package_name }}.auth import policy
{%- endif %}
from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.models import AuditRecord
from {{ cookiecutter.package_name }}.request_context import actor_scope, set_actor


@pytest.fixture(scope="module", autouse=True)
def acting_route(app: FastAPI) -> Iterator[None]:
    def act_as(name: str) -> None:  # sync: FastAPI runs it in a worker thread
        set_actor(name)

    app.add_api_route("/_test/act-as/{name}", act_as, methods=["POST"], status_code=204)
    route = app.router.routes[-1]
{%- if cookiecutter.use_keycloak %}
    # A route is closed until the policy table lists it; this one exists only in this module.
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(policy.HTTP, ("POST", "/_test/act-as/{name}"), policy.PUBLIC)
        yield
{%- else %}
    yield
{%- endif %}
    app.router.routes.remove(route)


async def audited(container: Container, request_id: str) -> list[AuditRecord]:
    await container.audit.flush()
    async with container.session_factory() as session:
        query = select(AuditRecord).where(AuditRecord.request_id == request_id)
        return list((await session.scalars(query)).all())


def request_id() -> dict[str, str]:
    return {"X-Request-ID": uuid.uuid4().hex}


async def test_create_is_audited_with_route_status_and_new_resource_id(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = request_id()
    response = await client.post("/api/v1/items", json={"name": "audited"}, headers=headers)
    [entry] = await audited(container, headers["X-Request-ID"])
    assert entry.action == "POST /api/v1/items"
    assert entry.status == 201
    assert entry.outcome == "success"
    assert entry.resource_id == response.json()["id"]
    assert entry.actor is None  # anonymous
    assert entry.client_ip == "127.0.0.1"


async def test_update_names_the_route_template_and_the_path_id(
    client: httpx.AsyncClient, container: Container
) -> None:
    created = (await client.post("/api/v1/items", json={"name": "to-rename"})).json()
    headers = request_id()
    await client.patch(f"/api/v1/items/{created['id']}", json={"name": "b"}, headers=headers)
    [entry] = await audited(container, headers["X-Request-ID"])
    assert entry.action == "PATCH /api/v1/items/{item_id}"
    assert entry.resource_id == created["id"]
    assert entry.details == {"path": f"/api/v1/items/{created['id']}"}


async def test_rejected_write_is_audited_as_rejected(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = request_id()
    missing = uuid.uuid4()
    response = await client.delete(f"/api/v1/items/{missing}", headers=headers)
    assert response.status_code == 404
    [entry] = await audited(container, headers["X-Request-ID"])
    assert (entry.status, entry.outcome) == (404, "rejected")


async def test_reads_and_unknown_routes_are_not_audited(
    client: httpx.AsyncClient, container: Container
) -> None:
    read, unknown = request_id(), request_id()
    await client.get("/api/v1/items", headers=read)
    await client.post("/no/such/route", headers=unknown)
    assert await audited(container, read["X-Request-ID"]) == []
    assert await audited(container, unknown["X-Request-ID"]) == []


async def test_secrets_in_the_query_are_redacted(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = request_id()
    await client.post("/api/v1/items?Token=abc&page=2", json={"name": "q"}, headers=headers)
    [entry] = await audited(container, headers["X-Request-ID"])
    assert entry.details is not None
    assert entry.details["query"] == {"Token": "[redacted]", "page": "2"}


async def test_actor_set_inside_the_request_is_recorded(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = request_id()
    response = await client.post("/_test/act-as/alice", headers=headers)
    assert response.status_code == 204
    [entry] = await audited(container, headers["X-Request-ID"])
    assert entry.actor == "alice"
    assert entry.action == "POST /_test/act-as/{name}"


def test_entry_from_context_takes_the_current_actor() -> None:
    with actor_scope():
        set_actor("bob")
        entry = AuditEntry.from_context("items.create", 200, resource_id="42")
    assert (entry.actor, entry.action, entry.outcome) == ("bob", "items.create", "success")
    assert AuditEntry.from_context("items.create", 503).actor is None


@pytest.mark.parametrize(
    "key", ["password", "PASSWORD", "new_password", "X-Api-Key", "client_secret", "Authorization"]
)
def test_sensitive_keys_are_redacted_at_any_depth(key: str) -> None:
    details: dict[str, Any] = {"outer": [{"inner": {key: "s3cret"}}], key: "s3cret", "name": "ok"}
    assert redact(details) == {
        "outer": [{"inner": {key: "[redacted]"}}],
        key: "[redacted]",
        "name": "ok",
    }


def test_redaction_makes_any_value_storable() -> None:
    assert redact({"n": float("nan"), "s": "a\x00b", "u": "\ud800", "o": object}) == {
        "n": "nan",
        "s": "ab",
        "u": "?",
        "o": "<class 'object'>",
    }
