"""ALLOWED_HOSTS: other hosts get a 400 problem; probes by pod IP still get through."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import http_client, running_app

ALLOWED = ["api.example.com", "*.example.org"]


@pytest.fixture(scope="module")
async def hosted_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"allowed_hosts": ALLOWED})) as app:
        yield app


async def get(app: FastAPI, host: str, path: str = "/api/v1/items") -> httpx.Response:
    async with http_client(app) as client:
        return await client.get(path, headers={"Host": host})


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("api.example.com", id="listed"),
        pytest.param("api.example.com:8443", id="listed-with-port"),
        pytest.param("API.Example.COM", id="other-case"),
        pytest.param("eu.example.org", id="wildcard-subdomain"),
        pytest.param("a.b.example.org", id="wildcard-deeper-subdomain"),
    ],
)
async def test_allowed_hosts_are_served(hosted_app: FastAPI, host: str) -> None:
    assert (await get(hosted_app, host)).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("evil.example", id="unknown"),
        pytest.param("example.org", id="bare-domain-of-a-wildcard"),
        pytest.param("evilexample.org", id="suffix-without-dot"),
        pytest.param("api.example.com.evil.example", id="listed-name-as-prefix"),
        pytest.param("10.0.0.7:8000", id="ip-address"),
    ],
)
async def test_other_hosts_get_400_invalid_host_problem(hosted_app: FastAPI, host: str) -> None:
    response = await get(hosted_app, host)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_host"
    assert body["instance"] == "/api/v1/items"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_refusal_carries_the_security_headers(hosted_app: FastAPI) -> None:
    response = await get(hosted_app, "evil.example")
    assert response.status_code == 400
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics"])
async def test_probes_and_scrapes_that_address_the_pod_by_ip_are_served(
    hosted_app: FastAPI, path: str
) -> None:
    assert (await get(hosted_app, "10.42.0.17:8000", path)).status_code == 200


async def test_no_allowed_hosts_serve_any_host(app: FastAPI) -> None:
    # The suite's settings are development ones, without ALLOWED_HOSTS.
    assert (await get(app, "anything.example")).status_code == 200
