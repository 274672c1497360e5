"""One client socket: a bounded send queue drained by its own writer task, and a bounded close.
Both are made with the first frame that has to wait: an idle connection holds neither.

Nothing that sends to a connection from elsewhere ever waits for its client: `push` queues or,
when the queue is full, drops the client (close 4000). A slow reader therefore never stalls a
broadcast. Only the connection's own reader may wait for its client, when it `reply`s: a client
that does not read its replies stops being read itself. A client that has not taken a single
frame for a whole idle timeout is dropped too (4000), subscribed or not.
"""

import asyncio
import contextvars
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from starlette.types import Message
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
        idle_timeout: float,
        on_slow_consumer: Callable[["Connection"], None] = lambda _: None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.websocket = websocket
        self.identity = identity
        self.topics: set[str] = set()
        self.close_code: int | None = None
        self._send_queue_size = send_queue_size
        # Made, with the writer task, on the first `push`: ~4 KiB a connection (four deques, a
        # task and its frame) that most connections, which never get a broadcast, do not need.
        self._queue: asyncio.Queue[str] | None = None
        # Held while a frame is written, by the writer task or by the reader (`reply`): frames
        # go out whole and in order, and the close frame comes last.
        self._sending = asyncio.Lock()
        self._close_timeout = close_timeout
        self._idle_timeout = idle_timeout
        self._on_slow_consumer = on_slow_consumer
        self._closing = False
        self._finished = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writer: asyncio.Task[None] | None = None
        self._context = contextvars.copy_context()
        self._waiting_since: float | None = None  # loop time the reader began to wait, if it is
        self._expired = False
        self._frames_started = 0  # frames whose writing began: a stuck one is still the last
        self._stuck_frame: int | None = None  # the frame being written at an idle check
        self._stuck_since = 0.0  # loop time that check saw it
        self._idle_timer: asyncio.TimerHandle | None = None
        self._expiry_timer: asyncio.TimerHandle | None = None

    @property
    def closing(self) -> bool:
        return self._closing

    def push(self, frame: str) -> None:
        if self._closing:
            return
        if self._queue is None:
            self._queue = asyncio.Queue(self._send_queue_size)
            self._writer = self._spawn(self._write(self._queue))
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._on_slow_consumer(self)
            self._spawn(self.close(CloseCode.SLOW_CONSUMER, "send queue overflow", flush=False))

    async def reply(self, frame: str) -> None:
        """Answer the client's own message. With nothing queued or being written the reader
        writes it itself, sparing a wake-up of the writer task per message; else it is queued
        behind the rest, so frames keep their order."""
        queued = self._queue is not None and not self._queue.empty()
        if self._closing or self._sending.locked() or queued:
            self.push(frame)
            return
        await self._sending.acquire()  # `async with` would cost two more coroutines a reply
        try:
            await self._send(frame)
        finally:
            self._sending.release()

    async def receive(self) -> Message | None:
        """The client's next message, or None once the connection's identity has expired (the
        connection is then closed). Time spent waiting here is what the idle timeout counts."""
        if self._expired:
            await self.close(CloseCode.EXPIRED, "identity expired")
            return None
        self._waiting_since = asyncio.get_running_loop().time()
        message = await self.websocket.receive()
        self._waiting_since = None
        return message

    async def run(self, reader: Coroutine[Any, Any, None]) -> None:
        """Read with `reader` (and write what gets queued) until either side ends it."""
        # The connection's log context (its id, the handshake's request id) for every task it
        # starts, even one a broadcast starts from an HTTP request's context.
        self._context = contextvars.copy_context()
        self._watch()
        reading = self._spawn(reader)
        reading.add_done_callback(lambda _: self._finished.set())
        try:
            await self._finished.wait()
        finally:
            for timer in (self._idle_timer, self._expiry_timer):
                if timer is not None:
                    timer.cancel()
            tasks = {reading, *self._tasks}  # the writer, if there is one, among them
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
                writing = self._writer is not None and not self._writer.done()
                if flush and writing and self._queue is not None:
                    await self._queue.join()
                if self._writer is not None:
                    self._writer.cancel()
                async with self._sending:  # a reply being written goes out whole first
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

    async def _write(self, queue: asyncio.Queue[str]) -> None:
        while True:
            frame = await queue.get()
            try:
                async with self._sending:
                    await self._send(frame)
            finally:
                queue.task_done()

    async def _send(self, frame: str) -> None:
        self._frames_started += 1
        try:
            await self.websocket.send_text(frame)
        except Exception:  # the client went away mid-send; the reader sees it too
            self._closing = True
            self._finished.set()

    def _watch(self) -> None:
        """Start the idle and expiry timers: one of each per connection, rather than a timeout
        around every receive (which costs a timer armed and cancelled per message)."""
        loop = asyncio.get_running_loop()
        self._idle_timer = loop.call_later(self._idle_timeout, self._check_idle)
        expires_at = self.identity.expires_at
        if expires_at is not None:
            left = max(0.0, expires_at - time.time())
            self._expiry_timer = loop.call_later(left, self._check_expiry)

    def _check_idle(self) -> None:
        # Re-armed lazily: the reader only notes when it starts waiting; the timer, when it
        # fires, closes a reader that has waited long enough or sets itself for when it will.
        loop = asyncio.get_running_loop()
        since = self._waiting_since
        if since is not None and loop.time() - since >= self._idle_timeout:
            self._spawn(self.close(CloseCode.IDLE_TIMEOUT, "idle timeout"))
            return
        writing = self._frames_started if self._sending.locked() else None
        if writing != self._stuck_frame:
            self._stuck_frame, self._stuck_since = writing, loop.time()
        elif writing is not None and loop.time() - self._stuck_since >= self._idle_timeout:
            # One frame has waited for the client for an idle timeout: its socket takes
            # nothing (and a reply stuck so holds the reader too).
            self._on_slow_consumer(self)
            self._spawn(self.close(CloseCode.SLOW_CONSUMER, "not reading", flush=False))
            return
        start = loop.time() if since is None else since
        self._idle_timer = loop.call_at(start + self._idle_timeout, self._check_idle)

    def _check_expiry(self) -> None:
        # A reader busy with a message answers it first; `receive` then closes.
        self._expired = True
        if self._waiting_since is not None:
            self._spawn(self.close(CloseCode.EXPIRED, "identity expired"))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine, context=self._context.copy())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
