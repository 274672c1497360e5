"""Test helpers that run real things: a uvicorn process, a TCP proxy that can be cut, a lock."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from inspect import isawaitable
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]

TokenProvider = Callable[[str], str | None]
_token_provider: TokenProvider = lambda client: None  # noqa: E731


def use_tokens(provider: TokenProvider) -> None:
    """Make every test client present a token (from `provider(client address)`): set for the
    session by the plugin that issues them, when the service requires one."""
    global _token_provider  # noqa: PLW0603 - one switch for the whole session
    _token_provider = provider


def client_token(client: str = "127.0.0.1") -> str | None:
    """The token a test client at this address presents, if the service requires one."""
    return _token_provider(client)


def client_headers(client: str = "127.0.0.1") -> dict[str, str]:
    token = client_token(client)
    return {"Authorization": f"Bearer {token}"} if token else {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A uvicorn process serving the app on 127.0.0.1, as in production."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def lines_with(self, text: str, wait: float = 10.0) -> list[str]:
        """Output lines holding `text`. An access line is written just after its response is
        sent, so give it a moment to land."""
        deadline = time.monotonic() + wait
        while True:
            lines = [line for line in self.output().splitlines() if text in line]
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)


@contextlib.contextmanager
def run_server(env: dict[str, str], log_dir: Path, *, timeout: float = 60.0) -> Iterator[Server]:
    """Start `python -m <package>` with `env` added to the environment; stop it with SIGTERM."""
    port = free_port()
    log = log_dir / f"server-{port}.log"
    inherited = dict(os.environ)
    # Each server would compile every import again: seconds of CPU on a busy CI machine.
    inherited.pop("PYTHONDONTWRITEBYTECODE", None)
    full_env = {
        **inherited,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ENVIRONMENT": "staging",
        "LOG_LEVEL": "INFO",
        **env,
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "{{ cookiecutter.package_name }}"],
            cwd=log_dir,  # away from the project's .env
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(port=port, process=process, log=log)
    try:
        _wait_until_live(server, timeout)
        yield server
    finally:
        stop_server(server)


def stop_server(server: Server, timeout: float = 15.0) -> int:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


def _wait_until_live(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.output()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/health/live", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server not live after {timeout}s:\n{server.output()}")


@dataclass
class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops connections and refuses new ones."""

    target_host: str
    target_port: int
    port: int = 0
    accepted: int = 0
    """Connections accepted so far: proves when a client did not even try."""
    _server: asyncio.Server | None = None
    _pipes: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port or 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and reset the open ones, like a dead host."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._pipes):
            task.cancel()
        if server is not None:
            # Only now: since Python 3.12 this also waits for the accepted connections to close.
            await server.wait_closed()

    async def restore(self) -> None:
        await self.start()

    async def stop(self) -> None:
        await self.cut()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        if self._server is None:  # cut while connecting upstream
            writer.transport.abort()
            up_writer.transport.abort()
            return
        self._writers.update({writer, up_writer})
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(_pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.transport.abort()


async def until(condition: Callable[[], bool | Awaitable[bool]], *, seconds: float = 15) -> None:
    """Poll `condition` (state moved by another task or process) until it holds.

    Raises `TimeoutError` after `seconds`: that is a hang, not a timing assertion.
    """
    async with asyncio.timeout(seconds):
        while True:
            result = condition()
            if await result if isawaitable(result) else result:
                return
            await asyncio.sleep(0.05)


class BackgroundProxy:
    """A `TcpProxy` on an event loop of its own thread: it keeps forwarding while the test
    blocks (e.g. waiting for a uvicorn process to start). Use it as a context manager."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.proxy = TcpProxy(target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.proxy.port

    def __enter__(self) -> "BackgroundProxy":
        self._thread.start()
        self._call(self.proxy.start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._call(self.proxy.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def cut(self) -> None:
        self._call(self.proxy.cut())

    def restore(self) -> None:
        self._call(self.proxy.restore())

    def _call(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)


def through_proxy(database_url: str, port: int) -> str:
    """`database_url` with its host and port replaced by a proxy's on 127.0.0.1."""
    url = make_url(database_url).set(host="127.0.0.1", port=port)
    return url.render_as_string(hide_password=False)


@dataclass
class TableLock:
    """An exclusive lock on a table, held by a connection of the test: the app's statements on
    that table wait (in flight) until the lock is released."""

    connection: Any  # asyncpg.Connection

    async def wait_for_waiters(self, count: int = 1) -> None:
        """Return once `count` other sessions are blocked on a lock in this database."""
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )

        async def enough() -> bool:
            # Inside a transaction the activity view is a snapshot: take a fresh one each time.
            await self.connection.execute("SELECT pg_stat_clear_snapshot()")
            return bool(await self.connection.fetchval(query) >= count)

        await until(enough)


@contextlib.asynccontextmanager
async def locked_table(database_url: str, table: str) -> AsyncIterator[TableLock]:
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield TableLock(connection)
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
