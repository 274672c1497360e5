"""Keycloak on: the suite runs against a local issuer, and test clients present its tokens.

Registered from `tests/conftest.py`. The issuer is configured through the environment, so the
app under test and every uvicorn process the e2e tests start validate tokens against it. Every
test client (`client`, e2e requests, sockets) presents a token holding every role, with one
user per client address, so per-user limits treat addresses as users, as without Keycloak.
"""

import uuid
from collections.abc import Iterator

import pytest

from tests import support
from tests.auth.issuer import Issuer


@pytest.fixture(scope="session", autouse=True)
def issuer() -> Iterator[Issuer]:
    running = Issuer().start()
    with pytest.MonkeyPatch.context() as env:
        for name, value in running.env().items():
            env.setenv(name, value)
        support.use_tokens(lambda client: running.token(sub=user_at(client)))
        yield running
        support.use_tokens(lambda client: None)
    running.stop()


def user_at(client: str) -> str:
    """The test user behind a client address (a stable id, as Keycloak's `sub` is)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"test-client:{client}"))
