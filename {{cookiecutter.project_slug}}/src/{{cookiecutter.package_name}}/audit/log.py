"""`AuditLog`: a bounded queue in front of batched inserts, so auditing never slows a request."""

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.audit.entry import AuditEntry
from {{ cookiecutter.package_name }}.metrics import (
    AUDIT_DROPPED,
    AUDIT_LOST,
    AUDIT_QUEUE_DEPTH,
    AUDIT_WRITTEN,
)
from {{ cookiecutter.package_name }}.models.audit import AuditRecord
from {{ cookiecutter.package_name }}.settings import AuditSettings

logger = structlog.get_logger(__name__)

RETRY_DELAY = 0.2  # doubles after each failed attempt
MAX_RETRY_DELAY = 5.0
DROP_LOG_INTERVAL = 10.0  # at most one `audit_entries_dropped` line per interval
CLEANUP_CHUNK = 5_000  # rows per delete, so retention never holds long locks


class AuditLog:
    def __init__(self, engine: AsyncEngine, settings: AuditSettings) -> None:
        self._engine = engine
        self._settings = settings
        self._queue: asyncio.Queue[AuditEntry] = asyncio.Queue(settings.queue_size)
        self._tasks: list[asyncio.Task[None]] = []
        self._draining = False
        self._stopped = False
        self._writing = 0  # entries of the batch being written
        self._last_drop_log = -DROP_LOG_INTERVAL
        self.dropped = 0  # refused: the queue was full
        self.written = 0
        self.failed_writes = 0  # attempts; a batch that succeeds on retry counted them too
        self.lost = 0  # accepted, then given up on: retries exhausted or drain timed out

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def record(self, entry: AuditEntry) -> bool:
        """Queue `entry` without waiting; when the queue is full (or stopped), drop and count it."""
        try:
            if self._stopped:
                raise asyncio.QueueFull
            self._queue.put_nowait(entry)
        except asyncio.QueueFull:
            self.dropped += 1
            AUDIT_DROPPED.inc()
            now = time.monotonic()
            if now - self._last_drop_log >= DROP_LOG_INTERVAL:
                self._last_drop_log = now
                logger.warning("audit_entries_dropped", total=self.dropped)
            return False
        AUDIT_QUEUE_DEPTH.set(self._queue.qsize())
        return True

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._write_forever(), name="audit-writer"))
        if self._settings.retention_days:
            self._tasks.append(asyncio.create_task(self._clean_forever(), name="audit-retention"))

    async def flush(self) -> None:
        """Wait until every entry accepted so far is written (or given up on)."""
        await self._queue.join()

    async def stop(self) -> None:
        """Write what was accepted (for up to `drain_timeout` seconds), then stop the tasks."""
        self._draining = True
        try:
            async with asyncio.timeout(self._settings.drain_timeout):
                await self._queue.join()
        except TimeoutError:
            left = self._queue.qsize() + self._writing
            self.lost += left
            AUDIT_LOST.inc(left)
            logger.error("audit_drain_timeout", lost=left)
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        logger.info("audit_stopped", written=self.written, dropped=self.dropped, lost=self.lost)

    async def delete_expired(self) -> int:
        """Delete entries older than the retention period, in chunks; return how many."""
        cutoff = datetime.now(UTC) - timedelta(days=self._settings.retention_days)
        expired = (
            select(AuditRecord.id)
            .where(AuditRecord.occurred_at < cutoff)
            .limit(CLEANUP_CHUNK)
            .with_for_update(skip_locked=True)  # replicas clean side by side without waiting
        )
        deleted = 0
        while True:
            async with self._engine.begin() as connection:
                result = await connection.execute(
                    delete(AuditRecord).where(AuditRecord.id.in_(expired.scalar_subquery()))
                )
            deleted += result.rowcount
            if result.rowcount < CLEANUP_CHUNK:
                return deleted

    async def _write_forever(self) -> None:
        while True:
            batch = await self._next_batch()
            AUDIT_QUEUE_DEPTH.set(self._queue.qsize())
            self._writing = len(batch)
            try:
                await self._write(batch)
            finally:
                self._writing = 0
                for _ in batch:
                    self._queue.task_done()

    async def _next_batch(self) -> list[AuditEntry]:
        """The first entry, then whatever arrives within `flush_interval`, up to `batch_size`."""
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self._settings.flush_interval
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(deadline):
                while len(batch) < self._settings.batch_size:
                    if self._queue.empty() and self._draining:
                        break
                    batch.append(await self._queue.get())
        return batch

    async def _write(self, batch: list[AuditEntry]) -> None:
        delay = RETRY_DELAY
        for attempt in range(1, self._settings.write_retries + 2):
            try:
                async with self._engine.begin() as connection:
                    await connection.execute(insert(AuditRecord), [e.row() for e in batch])
            except Exception as exc:  # any failure: retry, then count the loss
                self.failed_writes += 1
                logger.warning(
                    "audit_write_failed",
                    attempt=attempt,
                    entries=len(batch),
                    error=type(exc).__name__,
                    reason=str(getattr(exc, "orig", None) or exc)[:200],
                )
                if attempt > self._settings.write_retries:
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY)
            else:
                self.written += len(batch)
                AUDIT_WRITTEN.inc(len(batch))
                return
        self.lost += len(batch)
        AUDIT_LOST.inc(len(batch))
        logger.error("audit_entries_lost", entries=len(batch))

    async def _clean_forever(self) -> None:
        while True:
            try:
                deleted = await self.delete_expired()
            except Exception:
                logger.exception("audit_cleanup_failed")
            else:
                if deleted:
                    logger.info("audit_entries_expired", deleted=deleted)
            await asyncio.sleep(self._settings.cleanup_interval)
