"""`db_pool_connections{state}` and `db_pool_max_connections`, kept by SQLAlchemy pool events."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from {{ cookiecutter.package_name }}.metrics import DB_POOL_MAX_CONNECTIONS, POOL_IDLE, POOL_IN_USE


def track_pool(engine: AsyncEngine, *, max_connections: int) -> None:
    """Publish the pool's counts each time a connection is checked out or back in.

    The listeners read `engine.pool` each time: `engine.dispose()` swaps in a new pool (which
    inherits the listeners), and the counts must be that one's.
    """
    DB_POOL_MAX_CONNECTIONS.set(max_connections)
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkout")
    def _checked_out(*_: Any) -> None:
        pool = sync_engine.pool
        if isinstance(pool, QueuePool):
            POOL_IN_USE.set(pool.checkedout())
            POOL_IDLE.set(pool.checkedin())

    @event.listens_for(sync_engine, "checkin")
    def _checked_in(*_: Any) -> None:
        pool = sync_engine.pool
        if isinstance(pool, QueuePool):
            # Fired just before the connection goes back: count it as back already. It joins
            # the idle ones unless the pool is full (an overflow connection is closed instead).
            POOL_IN_USE.set(pool.checkedout() - 1)
            POOL_IDLE.set(min(pool.checkedin() + 1, pool.size()))
