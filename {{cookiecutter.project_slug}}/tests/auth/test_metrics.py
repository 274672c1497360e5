"""Auth metrics: one outcome per gated request, key fetches by result, the JWKS breaker."""

import time

import httpx

from {{ cookiecutter.package_name }}.auth.roles import Role
from tests.auth.conftest import MakeApp, MakeValidator
from tests.auth.issuer import Issuer, SigningKey
from tests.scrape import Scrape, scrape

ITEMS = "/api/v1/items"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def outcomes(after: Scrape, before: Scrape, outcome: str) -> float:
    return after.growth(before, "auth_outcomes_total", transport="http", outcome=outcome)


async def test_metrics_need_no_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/metrics")
    assert response.status_code == 200
    assert "auth_outcomes_total" in response.text


async def test_each_gated_request_counts_one_outcome(
    anonymous: httpx.AsyncClient, issuer: Issuer
) -> None:
    stranger = issuer.token(key=SigningKey.rsa())  # signed by a key the realm does not have
    expired = issuer.token(exp=int(time.time()) - 600)
    reader = bearer(issuer.token(roles=[Role.READER]))
    before = await scrape(anonymous)
    assert (await anonymous.get(ITEMS)).status_code == 401
    assert (await anonymous.get(ITEMS, headers=bearer("not.a.token"))).status_code == 401
    assert (await anonymous.get(ITEMS, headers=bearer(stranger))).status_code == 401
    assert (await anonymous.get(ITEMS, headers=bearer(expired))).status_code == 401
    assert (await anonymous.post(ITEMS, json={"name": "x"}, headers=reader)).status_code == 403
    assert (await anonymous.get(ITEMS, headers=reader)).status_code == 200
    assert (await anonymous.get("/health/live")).status_code == 200  # public: no outcome
    after = await scrape(anonymous)

    assert outcomes(after, before, "missing") == 1
    assert outcomes(after, before, "invalid") == 2
    assert outcomes(after, before, "expired") == 1
    assert outcomes(after, before, "forbidden") == 1
    assert outcomes(after, before, "ok") == 1
    assert outcomes(after, before, "keys_unavailable") == 0


async def test_tokens_refused_for_want_of_keys_are_counted_apart(
    make_app: MakeApp, private_issuer: Issuer
) -> None:
    private_issuer.stop()  # Keycloak is down from the start: no key was ever fetched
    _, client = await make_app(private_issuer)
    before = await scrape(client)
    assert (await client.get(ITEMS, headers=bearer(private_issuer.token()))).status_code == 401
    after = await scrape(client)
    assert outcomes(after, before, "keys_unavailable") == 1


async def test_key_fetches_and_the_jwks_breaker_are_exported(
    make_validator: MakeValidator, private_issuer: Issuer, anonymous: httpx.AsyncClient
) -> None:
    before = await scrape(anonymous)
    validator = await make_validator(
        private_issuer, jwks_min_refetch_seconds=0, breaker_failures=1, breaker_reset_seconds=3600
    )
    private_issuer.stop()
    assert not await validator.keys.refresh()
    after = await scrape(anonymous)

    assert after.growth(before, "jwks_fetches_total", result="ok") == 1
    assert after.growth(before, "jwks_fetches_total", result="error") == 1
    assert after.value("circuit_breaker_state", breaker="jwks") == 2
    assert after.growth(before, "circuit_breaker_opens_total", breaker="jwks") == 1
