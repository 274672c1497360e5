"""The async engine and session factory, built once per process by the container."""

import time
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from {{ cookiecutter.package_name }}.metrics import DB_SLOW_QUERIES
from {{ cookiecutter.package_name }}.pool_metrics import track_pool
from {{ cookiecutter.package_name }}.settings import DatabaseSettings

logger = structlog.get_logger(__name__)

# SQLSTATEs that mean "the database cannot serve this now", not "the query is wrong":
# connection exceptions (08), statement timeout or cancel (57014), server shutting down or
# starting (57P0x), too many connections (53300), lock timeout (55P03).
_UNAVAILABLE_SQLSTATES = frozenset({"57014", "57P01", "57P02", "57P03", "53300", "55P03"})
SLOW_QUERY_TEXT_LIMIT = 500


def create_engine(settings: DatabaseSettings, application_name: str) -> AsyncEngine:
    server_settings = {"application_name": application_name}
    if settings.statement_timeout_ms:
        server_settings["statement_timeout"] = str(settings.statement_timeout_ms)
    engine = create_async_engine(
        settings.url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
        pool_recycle=settings.pool_recycle,
        # Instead of SQLAlchemy's pre-ping (BEGIN, a ping, ROLLBACK: three round trips per
        # checkout), `_replace_closed` below; reads retry on a new connection (unit_of_work.py).
        pool_pre_ping=False,
        echo=settings.echo,
        connect_args={"timeout": settings.connect_timeout, "server_settings": server_settings},
    )
    event.listen(engine.sync_engine, "checkout", _replace_closed)
    track_pool(engine, max_connections=settings.pool_size + settings.max_overflow)
    if settings.slow_query_ms:
        log_slow_queries(engine, threshold_ms=settings.slow_query_ms)
    return engine


def _replace_closed(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    """A pooled connection the server has closed (restart, idle timeout, terminated backend) is
    replaced on checkout by a new one, without a round trip: asyncpg has seen the socket close
    while the connection sat in the pool. See "Dealing with Disconnects" in SQLAlchemy's docs."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("connection closed by the server")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit: responses are built from them.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads outside a transaction, from the same pool: in AUTOCOMMIT the asyncpg
    driver sends no BEGIN and no ROLLBACK around the statements."""
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(autocommit, expire_on_commit=False, autoflush=False)


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database is down, unreachable, saturated or too slow.

    Such errors are worth a retry later (503); any other database error is a bug (500).
    """
    if isinstance(exc, PoolTimeoutError | OSError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    return sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES


def log_slow_queries(engine: AsyncEngine, *, threshold_ms: int) -> None:
    """One `slow_query` warning per statement slower than `threshold_ms` (text, never params),
    counted in `db_slow_queries_total`."""
    threshold = threshold_ms / 1000

    @event.listens_for(engine.sync_engine, "before_cursor_execute", named=True)
    def _start(conn: Connection, **_: Any) -> None:
        conn.info["query_started"] = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute", named=True)
    def _finish(conn: Connection, statement: str, **_: Any) -> None:
        started = conn.info.pop("query_started", None)
        elapsed = time.perf_counter() - (started or time.perf_counter())
        if elapsed >= threshold:
            DB_SLOW_QUERIES.inc()
            logger.warning(
                "slow_query",
                duration_ms=round(elapsed * 1000, 2),
                threshold_ms=threshold_ms,
                statement=" ".join(statement.split())[:SLOW_QUERY_TEXT_LIMIT],
            )
