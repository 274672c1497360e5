"""TRUSTED_PROXIES: behind a trusted proxy the client is the address it forwards; nobody else
can choose their address or scheme."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from {{ cookiecutter.package_name }}.settings import RateLimitSettings, Settings
from tests.conftest import running_app

PROXIES = ["10.0.0.0/8"]
PROXY = "10.1.2.3"
CLIENT = "203.0.113.7"


async def client_as_seen(request: Request) -> Response:
    """What the app (rate limiter, access log, audit log) sees of the caller."""
    host = request.client.host if request.client else None
    return JSONResponse({"client": host, "scheme": request.url.scheme})


def with_probe(app: FastAPI) -> FastAPI:
    # A plain route, outside the API and its dependencies: only the middleware is under test.
    app.add_route("/_test/client", client_as_seen)
    return app


@pytest.fixture(scope="module")
async def proxied_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"trusted_proxies": PROXIES})) as app:
        yield with_probe(app)


@pytest.fixture(scope="module")
async def direct_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as app:  # the suite's settings trust no proxy
        yield with_probe(app)


async def call(
    app: FastAPI, peer: str, path: str = "/_test/client", **headers: str
) -> httpx.Response:
    """A request arriving from `peer`; headers given as `x_forwarded_for="..."`."""
    transport = httpx.ASGITransport(app=app, client=(peer, 50_000))
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path, headers=sent)


async def seen(app: FastAPI, peer: str, **headers: str) -> dict[str, str]:
    body: dict[str, str] = (await call(app, peer, **headers)).json()
    return body


async def test_trusted_proxy_forwards_the_client_address(proxied_app: FastAPI) -> None:
    assert (await seen(proxied_app, PROXY, x_forwarded_for=CLIENT))["client"] == CLIENT


async def test_client_is_the_right_most_address_that_is_no_proxy(proxied_app: FastAPI) -> None:
    # The client wrote the first entry itself; the proxies appended the others.
    chain = f"198.51.100.1, {CLIENT}, 10.9.9.9"
    assert (await seen(proxied_app, PROXY, x_forwarded_for=chain))["client"] == CLIENT


async def test_a_chain_of_proxies_only_starts_at_its_left_most(proxied_app: FastAPI) -> None:
    chain = "10.0.0.5, 10.0.0.6"
    assert (await seen(proxied_app, PROXY, x_forwarded_for=chain))["client"] == "10.0.0.5"


async def test_forwarded_entry_that_is_no_address_is_not_believed(proxied_app: FastAPI) -> None:
    chain = f"{CLIENT}, not-an-address"
    assert (await seen(proxied_app, PROXY, x_forwarded_for=chain))["client"] == PROXY


async def test_trusted_proxy_sets_the_scheme(proxied_app: FastAPI) -> None:
    assert (await seen(proxied_app, PROXY, x_forwarded_proto="https"))["scheme"] == "https"


async def test_ipv4_proxy_on_a_dual_stack_socket_is_trusted(proxied_app: FastAPI) -> None:
    peer = f"::ffff:{PROXY}"
    assert (await seen(proxied_app, peer, x_forwarded_for=CLIENT))["client"] == CLIENT


async def test_untrusted_peer_cannot_choose_its_address(proxied_app: FastAPI) -> None:
    peer = "198.51.100.20"
    assert (await seen(proxied_app, peer, x_forwarded_for=CLIENT))["client"] == peer


async def test_untrusted_peer_cannot_choose_the_scheme(proxied_app: FastAPI) -> None:
    assert (await seen(proxied_app, "198.51.100.20", x_forwarded_proto="https"))["scheme"] == "http"


async def test_without_trusted_proxies_forwarding_headers_are_ignored(direct_app: FastAPI) -> None:
    assert (await seen(direct_app, PROXY, x_forwarded_for=CLIENT))["client"] == PROXY


async def test_clients_behind_one_proxy_have_separate_rate_limit_budgets(
    settings: Settings,
) -> None:
    limited = settings.model_copy(
        update={
            "trusted_proxies": PROXIES,
            "rate_limit": RateLimitSettings(requests=1, window_seconds=3600),
        }
    )
    async with running_app(limited) as app:
        with_probe(app)
        first = [
            (await call(app, PROXY, x_forwarded_for="198.51.100.31")).status_code for _ in "ab"
        ]
        second = await call(app, PROXY, x_forwarded_for="198.51.100.32")
    assert first == [200, 429]
    assert second.status_code == 200
