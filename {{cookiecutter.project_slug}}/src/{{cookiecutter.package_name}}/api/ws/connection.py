"""One client socket: a bounded send queue drained by its own writer task, and a bounded close.

Nothing that sends to a connection ever waits for its client: `push` queues or, when the queue
is full, drops the client (close 4000). A slow reader therefore never stalls a broadcast.
"""

import asyncio
import contextvars
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.api.ws.close_codes import CloseCode
from {{ cookiecutter.package_name }}.api.ws.identity import Identity

logger = structlog.get_logger(__name__)


class Connection:
    def __init__(
        self,
        websocket: WebSocket,
        identity: Identity,
        *,
        send_queue_size: int,
        close_timeout: float,
        on_slow_consumer: Callable[["Connection"], None] = lambda _: None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.websocket = websocket
        self.identity = identity
        self.topics: set[str] = set()
        self.close_code: int | None = None
        self._queue: asyncio.Queue[str] = asyncio.Queue(send_queue_size)
        self._close_timeout = close_timeout
        self._on_slow_consumer = on_slow_consumer
        self._closing = False
        self._finished = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writer: asyncio.Task[None] | None = None
        self._context = contextvars.copy_context()

    @property
    def closing(self) -> bool:
        return self._closing

    def push(self, frame: str) -> None:
        if self._closing:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._on_slow_consumer(self)
            self._spawn(self.close(CloseCode.SLOW_CONSUMER, "send queue overflow", flush=False))

    async def run(self, reader: Coroutine[Any, Any, None]) -> None:
        """Write queued frames while `reader` reads; return once either side ends it."""
        # The connection's log context (its id, the handshake's request id) for every task it
        # starts, even one a broadcast starts from an HTTP request's context.
        self._context = contextvars.copy_context()
        self._writer = self._spawn(self._write())
        reading = self._spawn(reader)
        reading.add_done_callback(lambda _: self._finished.set())
        try:
            await self._finished.wait()
        finally:
            tasks = {self._writer, reading, *self._tasks}
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    logger.error("ws_connection_task_failed", exc_info=result)

    async def close(self, code: int, reason: str = "", *, flush: bool = True) -> None:
        """Send what is queued (if `flush`), then a close frame, within the close timeout."""
        if self._closing:
            return
        self._closing = True
        self.close_code = code
        try:
            async with asyncio.timeout(self._close_timeout):
                if flush and self._writer is not None and not self._writer.done():
                    await self._queue.join()
                if self._writer is not None:
                    self._writer.cancel()
                await self.websocket.close(code, reason)
        except TimeoutError:
            logger.warning("ws_close_timed_out", close_code=code)
        except Exception as exc:  # the client is already gone: nothing left to tell it
            logger.debug("ws_close_failed", close_code=code, error=type(exc).__name__)
        finally:
            self._finished.set()

    def disconnected(self, code: int) -> None:
        """The client closed (or lost) the connection."""
        self._closing = True
        if self.close_code is None:
            self.close_code = code

    async def _write(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                await self.websocket.send_text(frame)
            except Exception:  # the client went away mid-send; the reader sees it too
                self._closing = True
                self._finished.set()
                return
            finally:
                self._queue.task_done()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine, context=self._context.copy())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
