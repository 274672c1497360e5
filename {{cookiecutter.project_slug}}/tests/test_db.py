"""The engine's guards: statement timeout, slow-query log, errors classified for clients."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.testing import capture_logs

from {{ cookiecutter.package_name }}.db import create_engine, is_unavailable
from {{ cookiecutter.package_name }}.settings import DatabaseSettings


@pytest.fixture
async def strict_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(
        DatabaseSettings(url=database_url, statement_timeout_ms=100, slow_query_ms=10),
        application_name="test-db",
    )
    yield engine
    await engine.dispose()


async def test_statement_timeout_is_a_database_unavailable_error(
    strict_engine: AsyncEngine,
) -> None:
    with pytest.raises(DBAPIError) as raised:
        async with strict_engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(2)"))
    assert is_unavailable(raised.value)


async def test_a_wrong_query_is_a_bug_not_unavailability(strict_engine: AsyncEngine) -> None:
    with pytest.raises(ProgrammingError) as raised:
        async with strict_engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))
    assert not is_unavailable(raised.value)


def test_refused_connection_is_unavailability() -> None:
    assert is_unavailable(ConnectionRefusedError(111, "refused"))


async def test_slow_statement_is_logged_without_parameters(strict_engine: AsyncEngine) -> None:
    with capture_logs() as events:
        async with strict_engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(0.05), :secret"), {"secret": "hunter2"})
            await connection.execute(text("SELECT 1"))
    slow = [e for e in events if e.get("event") == "slow_query"]
    assert len(slow) == 1, events
    assert slow[0]["statement"].startswith("SELECT pg_sleep(0.05)")
    assert "hunter2" not in str(slow[0])
