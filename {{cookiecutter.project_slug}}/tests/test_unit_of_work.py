"""The unit of work: writes in one transaction, reads outside it unless it is open, and a read
retried once on a connection the server dropped."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.db import create_read_session_factory, create_session_factory
from {{ cookiecutter.package_name }}.events import DiscardingPublisher
from {{ cookiecutter.package_name }}.unit_of_work import UnitOfWork


@pytest.fixture
async def uow(container: Container) -> AsyncIterator[UnitOfWork]:
    # The engine's own factories: these tests look at transactions, so none is joined.
    engine = container.engine
    unit = UnitOfWork(
        create_session_factory(engine), create_read_session_factory(engine), DiscardingPublisher()
    )
    yield unit
    await unit.close()


async def in_transaction(session: AsyncSession) -> bool:
    await session.execute(text("SELECT 1"))
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    return bool(driver.is_in_transaction())


async def test_a_read_outside_a_transaction_sends_no_begin(uow: UnitOfWork) -> None:
    assert await uow.read(in_transaction) is False


async def test_a_read_joins_the_open_transaction(uow: UnitOfWork) -> None:
    await uow.session.execute(text("SELECT 1"))
    assert await uow.read(in_transaction) is True


def dropped_connection() -> DBAPIError:
    return DBAPIError("SELECT 1", None, ConnectionResetError(), connection_invalidated=True)


async def test_a_read_is_retried_once_on_a_dropped_connection(uow: UnitOfWork) -> None:
    attempts: list[int] = []

    async def flaky(session: AsyncSession) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise dropped_connection()
        return int(await session.scalar(text("SELECT 42")) or 0)

    assert await uow.read(flaky) == 42
    assert len(attempts) == 2


async def test_a_read_failing_twice_raises(uow: UnitOfWork) -> None:
    async def dead(session: AsyncSession) -> None:
        raise dropped_connection()

    with pytest.raises(DBAPIError):
        await uow.read(dead)


async def test_other_errors_are_not_retried(uow: UnitOfWork) -> None:
    attempts: list[int] = []

    async def wrong(session: AsyncSession) -> None:
        attempts.append(1)
        await session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError):
        await uow.read(wrong)
    assert len(attempts) == 1
