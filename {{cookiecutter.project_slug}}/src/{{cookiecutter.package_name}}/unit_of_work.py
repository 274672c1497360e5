"""One unit of work per HTTP request or message; commands commit through it.

Sessions are opened on first use: a request served from the cache opens none. Writes get one
transaction (`session`); reads outside it (`read`) run on a session without a transaction, so
an uncached read costs the database one round trip, not BEGIN, SELECT, ROLLBACK.
"""

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.db import is_unavailable
from {{ cookiecutter.package_name }}.events import Event, EventPublisher

logger = structlog.get_logger(__name__)


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        read_session_factory: async_sessionmaker[AsyncSession],
        events: EventPublisher,
    ) -> None:
        self._session_factory = session_factory
        self._read_session_factory = read_session_factory
        self._session: AsyncSession | None = None
        self._read_session: AsyncSession | None = None
        self._events = events
        self._pending: list[Event] = []
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    @property
    def session(self) -> AsyncSession:
        """The session of this unit's transaction, begun on first use; `commit` ends it."""
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    async def read[T](self, query: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `query`, which must only read, and return its result.

        Inside this unit's transaction once one is open (the query sees its writes), otherwise
        on a session in autocommit: no BEGIN/ROLLBACK round trips, each statement sees what is
        committed, as in the READ COMMITTED transaction it replaces. A read is safe to repeat,
        so a connection PostgreSQL dropped (a restart) costs a retry on a new one, not a 503.
        """
        if self._session is not None:
            return await query(self._session)
        if self._read_session is None:
            self._read_session = self._read_session_factory()
        try:
            return await query(self._read_session)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            logger.info("read_retried", error=type(exc.orig).__name__)
        # The pool has thrown away the dead connection and every older one: this gets a new one.
        await self._read_session.rollback()
        return await query(self._read_session)

    def record(self, event: Event) -> None:
        """Publish `event` once the transaction has committed, never before."""
        self._pending.append(event)

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        await self.session.commit()
        pending, self._pending = self._pending, []
        callbacks, self._after_commit = self._after_commit, []
        # The data is committed: a failing side effect is logged, not turned into an error.
        for callback in callbacks:
            try:
                await callback()
            except Exception:
                logger.exception("after_commit_failed")
        for event in pending:
            try:
                await self._events.publish(event)
            except Exception:
                logger.exception("event_publish_failed", event_type=event.type)

    async def rollback(self) -> None:
        self._pending.clear()
        self._after_commit.clear()
        if self._session is not None:
            await self._session.rollback()

    async def close(self) -> None:
        """Close the sessions opened; anything not committed is rolled back."""
        for session in (self._session, self._read_session):
            if session is None:
                continue
            try:
                await session.close()
            except Exception as exc:
                # The connection died after the work was done (the answer may be sent already):
                # the pool discards it, and the request's outcome stands.
                if not is_unavailable(exc):
                    raise
                logger.warning("session_close_failed", error=type(exc).__name__)
