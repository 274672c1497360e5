"""Fixtures for the auth tests: a private issuer (that a test may stop), validators, apps."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from {{ cookiecutter.package_name }}.auth.lifespan import open_token_validator
from {{ cookiecutter.package_name }}.auth.tokens import TokenValidator
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.auth.issuer import Issuer

MakeValidator = Callable[..., Awaitable[TokenValidator]]
MakeApp = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
def private_issuer() -> Iterator[Issuer]:
    """An issuer of this test only, so stopping or rotating it affects nothing else."""
    issuer = Issuer(realm="private-realm").start()
    yield issuer
    issuer.stop()


@pytest.fixture
async def make_validator(settings: Settings) -> AsyncIterator[MakeValidator]:
    """`await make_validator(issuer, **keycloak_settings)`: built as the container builds it."""
    async with AsyncExitStack() as stack:

        async def make(issuer: Issuer, **overrides: Any) -> TokenValidator:
            configured = settings.model_copy(update={"keycloak": issuer.settings(**overrides)})
            return await open_token_validator(configured, stack)

        yield make


@pytest.fixture
async def anonymous(app: FastAPI, db: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends no credentials unless a test adds them."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def make_app(settings: Settings) -> AsyncIterator[MakeApp]:
    """`await make_app(issuer, **keycloak_settings)`: an app of its own (real lifespan) that
    trusts `issuer`, and a client; for tests that change the app or stop its issuer."""
    async with AsyncExitStack() as stack:

        async def make(issuer: Issuer, **overrides: Any) -> tuple[FastAPI, httpx.AsyncClient]:
            configured = settings.model_copy(update={"keycloak": issuer.settings(**overrides)})
            app = create_app(configured)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            await stack.enter_async_context(client)
            return app, client

        yield make
