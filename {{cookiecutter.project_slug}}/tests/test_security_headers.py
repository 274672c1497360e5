"""Security headers: on every answer, errors included; the docs pages get a policy they can run
under, which allows exactly what FastAPI's pages load."""

from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from {{ cookiecutter.package_name }}.middleware.security_headers import API_POLICY
from {{ cookiecutter.package_name }}.settings import Environment, Settings
from tests.conftest import http_client, running_app

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "content-security-policy": API_POLICY,
}


@pytest.fixture(scope="module", autouse=True)
def test_routes(app: FastAPI) -> None:
    # Plain routes, outside the API and its dependencies: only the headers are under test.
    async def boom(request: Request) -> Response:
        raise RuntimeError("unhandled")

    async def own_policy(request: Request) -> Response:
        return JSONResponse({}, headers={"Content-Security-Policy": "sandbox"})

    app.add_route("/_test/headers-boom", boom)
    app.add_route("/_test/headers-own-policy", own_policy)


@pytest.fixture(scope="module")
async def staging_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"environment": Environment.STAGING})) as app:
        yield app


def assert_secured(response: httpx.Response) -> None:
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED


async def test_api_answers_carry_the_security_headers(client: httpx.AsyncClient) -> None:
    assert_secured(await client.get("/api/v1/items"))


async def test_error_problems_carry_the_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert_secured(response)


async def test_unhandled_error_problems_carry_the_security_headers(app: FastAPI) -> None:
    async with http_client(app) as client:
        response = await client.get("/_test/headers-boom")
    assert response.status_code == 500
    assert_secured(response)


async def test_a_header_the_route_sets_itself_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/_test/headers-own-policy")
    assert response.headers.get_list("content-security-policy") == ["sandbox"]
    assert response.headers["x-frame-options"] == "DENY"


async def test_no_hsts_in_development(client: httpx.AsyncClient) -> None:
    assert "strict-transport-security" not in (await client.get("/health/live")).headers


async def test_hsts_outside_development(staging_app: FastAPI, settings: Settings) -> None:
    async with http_client(staging_app) as client:
        response = await client.get("/health/live")
    assert response.headers["strict-transport-security"] == (
        f"max-age={settings.hsts_max_age_seconds}"
    )


def directives(policy: str) -> dict[str, list[str]]:
    parsed = (directive.split() for directive in policy.split(";") if directive.strip())
    return {name: sources for name, *sources in parsed}


class PageAssets(HTMLParser):
    """What a page loads, by the directive that governs it, and its inline scripts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.loads: dict[str, list[str]] = {"script-src": [], "style-src": [], "img-src": []}
        self.inline_scripts = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        rel, url = attributes.get("rel") or "", attributes.get("src") or attributes.get("href")
        if tag == "script":
            if url:
                self.loads["script-src"].append(url)
            else:
                self.inline_scripts += 1
        elif tag == "link" and url:
            self.loads["style-src" if rel == "stylesheet" else "img-src"].append(url)


def allows(sources: list[str], url: str) -> bool:
    """CSP matching of a full URL: the exact file, or a path prefix ending in `/`; the query
    string does not count."""
    path = url.split("?", 1)[0]
    return any(
        path == source or (source.endswith("/") and path.startswith(source)) for source in sources
    )


def unlisted_assets(page: httpx.Response) -> list[str]:
    policy = directives(page.headers["content-security-policy"])
    assets = PageAssets(page.text)
    assert assets.inline_scripts == 0 or "'unsafe-inline'" in policy["script-src"]
    return [
        url
        for directive, urls in assets.loads.items()
        for url in urls
        if not allows(policy.get(directive, []), url)
    ]


async def test_swagger_ui_may_load_what_its_page_loads(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert PageAssets(page.text).inline_scripts == 1  # FastAPI starts Swagger UI inline
    assert unlisted_assets(page) == []


async def test_swagger_ui_may_call_this_service(client: httpx.AsyncClient) -> None:
    policy = directives((await client.get("/docs")).headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert "'self'" in policy["connect-src"]  # the OpenAPI document, and "Try it out"


async def test_redoc_may_load_what_its_page_loads(client: httpx.AsyncClient) -> None:
    page = await client.get("/redoc")
    assert unlisted_assets(page) == []
    # Its search index runs in a worker built from a blob.
    assert directives(page.headers["content-security-policy"])["worker-src"] == ["blob:"]


async def test_docs_pages_still_refuse_to_be_framed(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/docs/oauth2-redirect", "/redoc"):
        response = await client.get(path)
        assert directives(response.headers["content-security-policy"])["frame-ancestors"] == [
            "'none'"
        ]
        assert response.headers["x-frame-options"] == "DENY"


async def test_swagger_login_popup_can_reach_back_to_the_docs_page(
    client: httpx.AsyncClient,
) -> None:
    docs = await client.get("/docs")
    redirect = await client.get("/docs/oauth2-redirect")
    assert docs.headers["cross-origin-opener-policy"] == "same-origin-allow-popups"
    assert redirect.headers["cross-origin-opener-policy"] == "unsafe-none"
    assert directives(redirect.headers["content-security-policy"])["script-src"] == [
        "'unsafe-inline'"
    ]
