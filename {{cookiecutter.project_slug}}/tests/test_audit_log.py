"""`AuditLog` on its own: bounded queue, batches, retries, drain on stop, retention."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from {{ cookiecutter.package_name }}.audit import AuditEntry, AuditLog
from {{ cookiecutter.package_name }}.models import AuditRecord
from {{ cookiecutter.package_name }}.settings import AuditSettings
from tests.support import TcpProxy, until


@pytest.fixture
def marker() -> str:
    """Tags this test's entries: the table is shared with every other test of the worker."""
    return uuid.uuid4().hex


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def proxied_engine(database_url: str, proxy: TcpProxy) -> AsyncIterator[AsyncEngine]:
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    engine = create_async_engine(url, connect_args={"timeout": 2})
    yield engine
    await engine.dispose()


def settings(**overrides: float) -> AuditSettings:
    return AuditSettings.model_validate({"flush_interval": 0, "retention_days": 0, **overrides})


def entry(marker: str, occurred_at: datetime | None = None) -> AuditEntry:
    when = occurred_at or datetime.now(UTC)
    return AuditEntry(action="test.action", status=200, request_id=marker, occurred_at=when)


async def stored(engine: AsyncEngine, marker: str) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).where(AuditRecord.request_id == marker)
        return int((await connection.execute(query)).scalar_one())


async def test_entries_are_written_in_batches(engine: AsyncEngine, marker: str) -> None:
    audit = AuditLog(engine, settings(batch_size=3))
    await audit.start()
    for _ in range(7):
        assert audit.record(entry(marker))
    await audit.flush()
    await audit.stop()
    assert await stored(engine, marker) == 7
    assert (audit.written, audit.dropped, audit.lost) == (7, 0, 0)


async def test_full_queue_drops_and_counts_without_waiting(
    engine: AsyncEngine, marker: str
) -> None:
    audit = AuditLog(engine, settings(queue_size=2))
    assert [audit.record(entry(marker)) for _ in range(3)] == [True, True, False]
    assert audit.dropped == 1
    await audit.start()
    await audit.stop()
    assert await stored(engine, marker) == 2


async def test_stop_drains_every_accepted_entry(engine: AsyncEngine, marker: str) -> None:
    # A long flush interval would hold a partial batch back: stopping must not wait for it.
    audit = AuditLog(engine, settings(batch_size=1000, flush_interval=60, drain_timeout=30))
    await audit.start()
    for _ in range(50):
        audit.record(entry(marker))
    await audit.stop()
    assert await stored(engine, marker) == 50
    assert not audit.record(entry(marker))  # stopped: refused and counted
    assert audit.dropped == 1


async def test_failed_batch_is_retried_until_the_database_is_back(
    proxied_engine: AsyncEngine, engine: AsyncEngine, proxy: TcpProxy, marker: str
) -> None:
    audit = AuditLog(proxied_engine, settings(write_retries=50))
    await audit.start()
    await proxy.cut()
    audit.record(entry(marker))
    await until(lambda: audit.failed_writes >= 1)
    await proxy.restore()
    await audit.flush()
    await audit.stop()
    assert await stored(engine, marker) == 1
    assert (audit.written, audit.lost) == (1, 0)


async def test_batch_is_counted_lost_when_retries_run_out(
    proxied_engine: AsyncEngine, proxy: TcpProxy, marker: str
) -> None:
    audit = AuditLog(proxied_engine, settings(write_retries=1))
    await audit.start()
    await proxy.cut()
    audit.record(entry(marker))
    audit.record(entry(marker))
    await audit.flush()
    await audit.stop()
    assert (audit.failed_writes, audit.lost, audit.written) == (2, 2, 0)


async def test_drain_gives_up_after_its_timeout_and_counts_the_loss(
    proxied_engine: AsyncEngine, proxy: TcpProxy, marker: str
) -> None:
    audit = AuditLog(proxied_engine, settings(write_retries=1000, drain_timeout=0.5))
    await audit.start()
    await proxy.cut()
    for _ in range(3):
        audit.record(entry(marker))
    await audit.stop()
    assert audit.lost == 3


async def test_retention_deletes_only_expired_entries(engine: AsyncEngine, marker: str) -> None:
    old, fresh = uuid.uuid4().hex, uuid.uuid4().hex
    audit = AuditLog(engine, settings(retention_days=30))
    audit.record(entry(old, occurred_at=datetime.now(UTC) - timedelta(days=31)))
    audit.record(entry(fresh, occurred_at=datetime.now(UTC) - timedelta(days=29)))
    await audit.start()
    await audit.flush()
    await audit.delete_expired()
    await audit.stop()
    assert (await stored(engine, old), await stored(engine, fresh)) == (0, 1)
