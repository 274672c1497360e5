"""One session per HTTP request or message; commands commit through it."""

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.events import Event, EventPublisher

logger = structlog.get_logger(__name__)


class UnitOfWork:
    def __init__(self, session: AsyncSession, events: EventPublisher) -> None:
        self.session = session
        self._events = events
        self._pending: list[Event] = []
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

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
        await self.session.rollback()
