"""HTTP: 401 with a Bearer challenge without a valid token, 403 without the role, exactly."""

import time

import httpx
import pytest
from structlog.contextvars import merge_contextvars
from structlog.stdlib import add_logger_name
from structlog.testing import capture_logs

from {{ cookiecutter.package_name }}.auth.roles import Role
from tests.auth.conftest import MakeApp
from tests.auth.issuer import REALM, Issuer, SigningKey

ITEMS = "/api/v1/items"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_request_without_token_gets_401_with_a_bearer_challenge(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get(ITEMS)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == f'Bearer realm="{REALM}"'
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["status"] == 401
    assert body["request_id"] == response.headers["x-request-id"]


async def test_other_authorization_schemes_count_as_no_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get(ITEMS, headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == f'Bearer realm="{REALM}"'


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer two tokens"])
async def test_malformed_authorization_header_gets_401_invalid_request(
    anonymous: httpx.AsyncClient, header: str
) -> None:
    response = await anonymous.get(ITEMS, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_request"
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


async def test_expired_token_gets_401_invalid_token(
    anonymous: httpx.AsyncClient, issuer: Issuer
) -> None:
    response = await anonymous.get(ITEMS, headers=bearer(issuer.token(exp=int(time.time()) - 600)))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response.headers["www-authenticate"] == (
        f'Bearer realm="{REALM}", error="invalid_token", '
        'error_description="The access token has expired."'
    )


async def test_token_signed_by_an_unknown_key_gets_401_not_500(
    anonymous: httpx.AsyncClient, issuer: Issuer
) -> None:
    response = await anonymous.get(ITEMS, headers=bearer(issuer.token(key=SigningKey.rsa())))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_valid_token_with_the_role_gets_200(
    anonymous: httpx.AsyncClient, issuer: Issuer
) -> None:
    response = await anonymous.get(ITEMS, headers=bearer(issuer.token(roles=[Role.READER])))
    assert response.status_code == 200


async def test_missing_role_gets_403_problem(anonymous: httpx.AsyncClient, issuer: Issuer) -> None:
    reader = bearer(issuer.token(roles=[Role.READER]))
    response = await anonymous.post(ITEMS, json={"name": "not-allowed"}, headers=reader)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "insufficient_role"
    assert "writer" in response.json()["detail"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_token_without_roles_gets_403_even_for_reads(
    anonymous: httpx.AsyncClient, issuer: Issuer
) -> None:
    response = await anonymous.get(ITEMS, headers=bearer(issuer.token(roles=[])))
    assert response.status_code == 403


async def test_authentication_comes_before_request_validation(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.post(ITEMS, json={"unexpected": True})
    assert response.status_code == 401


async def test_health_and_docs_need_no_token(anonymous: httpx.AsyncClient) -> None:
    for path in ("/health/live", "/health/ready", "/openapi.json", "/docs"):
        assert (await anonymous.get(path)).status_code == 200, path


async def test_openapi_documents_security_on_protected_operations_only(
    anonymous: httpx.AsyncClient,
) -> None:
    schema = (await anonymous.get("/openapi.json")).json()
    assert {"bearer", "keycloak"} <= set(schema["components"]["securitySchemes"])
    listing = schema["paths"][ITEMS]["get"]
    assert listing["security"] == [{"bearer": []}, {"keycloak": []}]
    assert {"401", "403"} <= set(listing["responses"])
    assert "security" not in schema["paths"]["/health/live"]["get"]


async def test_access_log_names_the_user_and_never_the_token(
    anonymous: httpx.AsyncClient, issuer: Issuer
) -> None:
    token = issuer.token(roles=[Role.READER])
    with capture_logs(processors=[merge_contextvars, add_logger_name]) as events:
        await anonymous.get(ITEMS, headers=bearer(token))
    lines = [event for event in events if event["logger"] == "access"]
    assert lines[-1]["user_id"] == issuer.claims()["sub"]
    assert all(token not in str(event) for event in events)


async def test_rejected_request_logs_the_reason(
    anonymous: httpx.AsyncClient, issuer: Issuer
) -> None:
    with capture_logs(processors=[merge_contextvars, add_logger_name]) as events:
        await anonymous.get(ITEMS, headers=bearer(issuer.token(aud="elsewhere")))
    lines = [event for event in events if event["logger"] == "access"]
    assert lines[-1]["auth_error"] == "audience"
    assert "user_id" not in lines[-1]


async def test_cached_keys_serve_requests_while_keycloak_is_down(
    private_issuer: Issuer, make_app: MakeApp
) -> None:
    _, client = await make_app(private_issuer, jwks_max_age_seconds=0.001)
    private_issuer.stop()
    token = private_issuer.token(roles=[Role.READER])
    response = await client.get(ITEMS, headers=bearer(token))
    assert response.status_code == 200
    unknown = await client.get(ITEMS, headers=bearer(private_issuer.token(key=SigningKey.rsa())))
    assert unknown.status_code == 401


async def test_readiness_does_not_depend_on_keycloak(
    private_issuer: Issuer, make_app: MakeApp
) -> None:
    _, client = await make_app(private_issuer)
    private_issuer.stop()
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert "keycloak" not in response.json()["checks"]


async def test_service_starts_while_keycloak_is_down_and_recovers(
    private_issuer: Issuer, make_app: MakeApp
) -> None:
    private_issuer.stop()
    _, client = await make_app(private_issuer, jwks_min_refetch_seconds=0)
    token = private_issuer.token(roles=[Role.READER])
    assert (await client.get(ITEMS, headers=bearer(token))).status_code == 401
    private_issuer.start()
    assert (await client.get(ITEMS, headers=bearer(token))).status_code == 200
