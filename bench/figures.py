"""Each figure: start the subject and its baseline, warm both, then alternate runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import statistics
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from websockets.asyncio.client import ClientConnection

from bench import wsload, wsraw
from bench.httpload import run_load
from bench.issuer import TokenIssuer
from bench.project import REDIS_URL, Database, Project, Render
from bench.servers import Fleet, Server, free_port
from bench.stats import Better, Figure, alternating, percentile

BASELINES = Path(__file__).resolve().parent / "baselines"
T = TypeVar("T")

# Limits of the service raised so that the load is never rejected (the limiters still run).
# 1,000,000 per 60 s (16,667/s sustained) is far above one process's rate; a far larger one makes
# the GCRA interval (window / limit) vanish next to Redis's clock in ms and the script fail.
UNLIMITED = {
    "RATE_LIMIT_REQUESTS": "1000000",
    "RATE_LIMIT_WINDOW_SECONDS": "60",
    "WS_MAX_CONNECTIONS": "100000",
    "WS_MAX_CONNECTIONS_PER_CLIENT": "100000",
    "WS_CONNECTS_PER_MINUTE": "1000000",
    "WS_MESSAGE_RATE": "1000000000",
    "WS_SEND_QUEUE_SIZE": "100000",
}


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """uvloop when installed (as the servers use): the client must cost less than the server."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


class NoEventError(RuntimeError):
    pass


@dataclass
class Options:
    rounds: int = 5
    seconds: float = 3.0
    warmup: float = 1.0
    http_connections: int = 32
    ws_connections: int = 16
    held_connections: int = 1000
    broadcast_samples: int = 100
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Sample:
    value: float
    cpu_per_unit: float | None = None


@dataclass
class Bench:
    """What every figure needs: the project, its database, the issuer, the processes."""

    project: Project
    database: Database
    fleet: Fleet
    options: Options
    item_ids: list[str]
    issuer: TokenIssuer | None = None
    redis_prefix: str = field(default_factory=lambda: f"bench-{secrets.token_hex(4)}:")
    notes: list[str] = field(default_factory=list)

    # -- processes ------------------------------------------------------------------------

    def service_env(self, **extra: str) -> dict[str, str]:
        env = self.project.env(
            {
                "ENVIRONMENT": "production",
                "LOG_LEVEL": "INFO",
                "HOST": "127.0.0.1",
                "WEB_CONCURRENCY": "1",
                "DATABASE_URL": self.database.sqlalchemy_url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CORS_ORIGINS": "http://127.0.0.1",
                **UNLIMITED,
            }
        )
        if self.project.options["use_redis"]:
            env.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=self.redis_prefix)
        if self.issuer is not None:
            env.update(
                KEYCLOAK_URL=self.issuer.url,
                KEYCLOAK_REALM=self.issuer.realm,
                KEYCLOAK_AUDIENCE=self.issuer.audience,
                KEYCLOAK_CLIENT_ID=self.issuer.client_id,
            )
        env.update(self.options.env)
        env.update(extra)
        return env

    @contextlib.contextmanager
    def service(self, name: str, **extra_env: str) -> Iterator[Server]:
        port = free_port()
        env = {**self.service_env(**extra_env), "PORT": str(port)}
        command = [str(self.project.python), "-m", self.project.package]
        with self.fleet.running(name, command, env=env, port=port, ready_path="/health/live") as s:
            yield s

    @contextlib.contextmanager
    def baseline(self, name: str, app: str, ready_path: str = "/") -> Iterator[Server]:
        port = free_port()
        env = {
            **self.service_env(),
            "PORT": str(port),
            "BENCH_ASYNCPG_DSN": self.database.asyncpg_dsn,
        }
        command = [str(self.project.python), str(BASELINES / "serve.py"), app]
        with self.fleet.running(name, command, env=env, port=port, ready_path=ready_path) as s:
            yield s

    # -- helpers --------------------------------------------------------------------------

    def token(self, subject: str = "bench-user") -> str | None:
        if self.issuer is None:
            return None
        return self.issuer.token(subject, roles=self.project_roles())

    def project_roles(self) -> list[str]:
        roles_file = self.project.path / "src" / self.project.package / "auth" / "roles.py"
        if roles_file.exists():
            found = re.findall(r'^\s+[A-Z_]+ = "([\w.-]+)"', roles_file.read_text(), re.M)
            if found:
                return found
        return ["reader", "writer"]

    def auth_headers(self) -> dict[str, str]:
        token = self.token()
        return {"Authorization": f"Bearer {token}"} if token else {}

    def paired(
        self,
        figure: Figure,
        subject: Callable[[], Sample],
        baseline: Callable[[], Sample],
        warmup: Callable[[], None] | None = None,
    ) -> None:
        if warmup is not None:
            warmup()
        for order in alternating(self.options.rounds):
            for side in order:
                sample = subject() if side == "s" else baseline()
                values = figure.values if side == "s" else figure.baselines
                cpu = figure.cpu_values if side == "s" else figure.cpu_baselines
                values.append(sample.value)
                if sample.cpu_per_unit is not None:
                    cpu.append(sample.cpu_per_unit)

    def http_sample(
        self, server: Server, path: str, seconds: float, headers: Mapping[str, str] | None = None
    ) -> Sample:
        before = server.cpu_seconds()
        result = run_load(
            server.url + path,
            seconds=seconds,
            connections=self.options.http_connections,
            headers=headers or {},
        )
        cpu = server.cpu_seconds() - before
        return Sample(result.rate, cpu / result.requests if result.requests else None)

    # -- figures --------------------------------------------------------------------------

    def http_live(self) -> Figure:
        figure = Figure(
            name="HTTP /health/live",
            unit="req/s",
            baseline_name="bare FastAPI",
            target=0.80,
            target_text=">= 0.80",
        )
        opts = self.options
        with (
            self.service("service-live") as ours,
            self.baseline("bare-http", "bare_http:app") as bare,
        ):

            def warm() -> None:
                self.http_sample(ours, "/health/live", opts.warmup)
                self.http_sample(bare, "/health/live", opts.warmup)

            self.paired(
                figure,
                lambda: self.http_sample(ours, "/health/live", opts.seconds),
                lambda: self.http_sample(bare, "/health/live", opts.seconds),
                warm,
            )
        return figure

    def _same_item(self, ours: Server, theirs: Server, path: str) -> None:
        """Both must answer 200 with the same item before their speed means anything."""
        mine = httpx.get(ours.url + path, headers=self.auth_headers(), timeout=5)
        base = httpx.get(theirs.url + path, timeout=5)
        if mine.status_code != 200 or base.status_code != 200:
            raise RuntimeError(
                f"GET {path}: service {mine.status_code} {mine.text[:200]!r}, "
                f"baseline {base.status_code} {base.text[:200]!r}"
            )
        if (mine.json()["id"], mine.json()["name"]) != (base.json()["id"], base.json()["name"]):
            raise RuntimeError(f"service and baseline disagree: {mine.text} vs {base.text}")

    def items_get(self, *, cached: bool) -> Figure:
        item_path = f"/api/v1/items/{self.item_ids[0]}"
        auth = " (authenticated)" if self.issuer else ""
        if cached:
            figure = Figure(
                name=f"HTTP GET item, cache hits{auth}",
                unit="req/s",
                baseline_name="FastAPI + asyncpg",
                target=1.0,
                target_text="> 1.00",
            )
            if not self.project.has("cache.py"):
                figure.skipped = "the service has no read cache (cache.py) yet"
                return figure
            extra: dict[str, str] = {}
        else:
            figure = Figure(
                name=f"HTTP GET item{auth}",
                unit="req/s",
                baseline_name="FastAPI + asyncpg",
                target=0.70,
                target_text=">= 0.70",
            )
            # Every request reads PostgreSQL: the read cache (if any) is turned off.
            extra = {"REDIS_CACHE_TTL_SECONDS": "0"} if self.project.has("cache.py") else {}
        opts = self.options
        headers = self.auth_headers()
        name = "service-items-cached" if cached else "service-items"
        with (
            self.service(name, **extra) as ours,
            self.baseline("asyncpg-items", "asyncpg_items:app") as theirs,
        ):
            self._same_item(ours, theirs, item_path)

            def warm() -> None:
                self.http_sample(ours, item_path, opts.warmup, headers)
                self.http_sample(theirs, item_path, opts.warmup)

            self.paired(
                figure,
                lambda: self.http_sample(ours, item_path, opts.seconds, headers),
                lambda: self.http_sample(theirs, item_path, opts.seconds),
                warm,
            )
        return figure

    def _auth_frame(self, index: int) -> bytes | None:
        if not self.ws_needs_auth():
            return None
        token = self.token(f"bench-user-{index}")
        if token is None:
            return None
        return json.dumps({"type": "auth", "token": token}).encode()

    def _auth_ws_frame(self, index: int) -> bytes | None:
        """The `auth` message framed for `wsraw`, which writes its first frame as it is given."""
        payload = self._auth_frame(index)
        return None if payload is None else wsraw.client_frame(payload)

    _ws_auth: bool | None = None

    def ws_needs_auth(self) -> bool:
        """Whether `/ws` wants an `auth` frame first: asked once, of a running service.

        Keycloak on makes the bench authenticate, but only a service that asks for it can be
        given one: a `ping` sent first is answered by a service that admits anonymous sockets.
        """
        if self.issuer is None:
            return False
        if self._ws_auth is None:
            with self.service("ws-auth-probe") as server:
                self._ws_auth = not run_async(self._ping_answered(server))
            if not self._ws_auth:
                self.notes.append(
                    "Keycloak is on but `/ws` answered a `ping` sent before any `auth` frame: "
                    "the WebSocket figures ran on unauthenticated connections."
                )
        return self._ws_auth

    @staticmethod
    async def _ping_answered(server: Server) -> bool:
        async with wsload.held_connections(server.ws_url + "/ws", 1) as (connection,):
            await connection.send('{"id":"probe","type":"ping","data":{}}')
            try:
                reply = await asyncio.wait_for(connection.recv(), 5)
            except Exception:
                return False  # closed or silent: it waits for credentials
        return '"error"' not in str(reply)

    def ws_sample(
        self, server: Server, seconds: float, frame: Callable[[int], bytes], *, auth: bool
    ) -> Sample:
        def check(payload: bytes) -> None:
            if b'"error"' in payload:
                raise RuntimeError(f"error frame: {payload[:300]!r}")

        if auth:
            self.ws_needs_auth()  # the probe runs its own event loop: before this one starts
        before = server.cpu_seconds()
        result = run_async(
            wsraw.round_trips(
                server.port,
                "/ws",
                seconds=seconds,
                connections=self.options.ws_connections,
                make_frame=frame,
                check=check,
                first_frame=self._auth_ws_frame if auth else lambda _: None,
            )
        )
        cpu = server.cpu_seconds() - before
        return Sample(result.rate, cpu / result.count if result.count else None)

    def ws_auth_label(self, text: str) -> str:
        websockets = self.project.options["use_websockets"]
        return text if websockets and self.ws_needs_auth() else ""

    def ws_round_trips(self) -> Figure:
        auth = self.ws_auth_label(" (authenticated)")
        figure = Figure(
            name=f"WS ping round trips{auth}",
            unit="msg/s",
            baseline_name="raw Starlette echo",
            target=0.60,
            target_text=">= 0.60",
        )
        if not self.project.options["use_websockets"]:
            figure.skipped = "the service has no WebSocket endpoint (api/ws) yet"
            return figure

        def frame(n: int) -> bytes:
            return wsraw.client_frame(b'{"id":"%d","type":"ping","data":{}}' % n)

        opts = self.options
        with self.service("service-ws") as ours, self.baseline("ws-echo", "ws_echo:app") as echo:

            def warm() -> None:
                self.ws_sample(ours, opts.warmup, frame, auth=True)
                self.ws_sample(echo, opts.warmup, frame, auth=False)

            self.paired(
                figure,
                lambda: self.ws_sample(ours, opts.seconds, frame, auth=True),
                lambda: self.ws_sample(echo, opts.seconds, frame, auth=False),
                warm,
            )
        return figure

    async def _handshake(self, connection: ClientConnection, index: int) -> None:
        frame = self._auth_frame(index)  # the probe already ran (outside any event loop)
        if frame is None:
            return
        await connection.send(frame.decode())
        reply = await asyncio.wait_for(connection.recv(), 10)
        if '"error"' in str(reply):
            raise RuntimeError(f"auth refused: {reply!r}")

    def _rss_per_connection(self, server: Server, count: int, *, auth: bool) -> float:
        url = server.ws_url + "/ws"
        handshake = self._handshake if auth else None

        async def measure() -> float:
            async with wsload.held_connections(url, 20, handshake=handshake):
                pass  # warm: the first connections allocate the code paths' caches
            await asyncio.sleep(0.5)
            before = server.rss_kib()
            async with wsload.held_connections(url, count, handshake=handshake):
                await asyncio.sleep(1.0)
                after = server.rss_kib()
            return (after - before) / count

        return run_async(measure())

    def ws_memory(self) -> Figure:
        count = self.options.held_connections
        auth = self.ws_auth_label("authenticated ")
        figure = Figure(
            name=f"{count:,} {auth}WS connections, RSS per connection",
            unit="KiB",
            better=Better.LOWER,
            baseline_name="raw Starlette echo",
            note="one fresh process per side; VmRSS after the connections opened minus before",
        )
        if not self.project.options["use_websockets"]:
            figure.skipped = "the service has no WebSocket endpoint (api/ws) yet"
            return figure
        with self.service("service-ws-memory") as ours:
            figure.values.append(self._rss_per_connection(ours, count, auth=True))
        with self.baseline("ws-echo-memory", "ws_echo:app") as echo:
            figure.baselines.append(self._rss_per_connection(echo, count, auth=False))
        return figure

    def broadcast(self) -> list[Figure]:
        figures = [
            Figure(
                name=f"cross-replica broadcast {label}",
                unit="ms",
                better=Better.LOWER,
                baseline_name="same replica",
                note="HTTP POST on replica B -> event frame on a socket of replica A, "
                "vs both on A; includes the insert and commit",
            )
            for label in ("p50", "p99")
        ]
        if not (self.project.options["use_websockets"] and self.project.options["use_redis"]):
            for figure in figures:
                figure.skipped = "needs WebSockets and Redis"
            return figures
        if not self.project.has("api/ws/broadcaster.py"):
            for figure in figures:
                figure.skipped = "the service has no broadcaster yet"
            return figures
        self.ws_needs_auth()
        cross: list[float] = []
        same: list[float] = []
        with self.service("replica-a") as a, self.service("replica-b") as b:
            # One event on A alone first: it proves the protocol before any timing counts.
            run_async(self._push_latencies(a, a, samples=1))
            try:
                run_async(self._push_latencies(a, b, samples=1))
            except NoEventError as exc:
                for figure in figures:
                    figure.skipped = f"events do not cross replicas ({exc})"
                return figures
            for order in alternating(self.options.rounds):
                for side in order:
                    writer = b if side == "s" else a
                    samples = cross if side == "s" else same
                    samples += run_async(self._push_latencies(a, writer))
        for figure, fraction in zip(figures, (0.5, 0.99), strict=True):
            figure.values.append(percentile(cross, fraction) * 1000)
            figure.baselines.append(percentile(same, fraction) * 1000)
            figure.note += f"; {len(cross)} + {len(same)} events"
        return figures

    async def _push_latencies(
        self, listener: Server, writer: Server, samples: int | None = None
    ) -> list[float]:
        if samples is None:
            samples = max(1, self.options.broadcast_samples // self.options.rounds)
        arrived: dict[str, float] = {}
        latencies: list[float] = []
        async with wsload.held_connections(
            listener.ws_url + "/ws", 1, handshake=self._handshake
        ) as (connection,):
            await connection.send(
                json.dumps({"id": "sub", "type": "subscribe", "data": {"topic": "items"}})
            )
            reply = await asyncio.wait_for(connection.recv(), 10)
            if '"error"' in str(reply):
                raise RuntimeError(f"subscribe refused: {reply!r}")

            async def listen() -> None:
                async for message in connection:
                    now = time.perf_counter()
                    for match in re.finditer(r"bench-bcast-[0-9a-f]+", str(message)):
                        arrived.setdefault(match[0], now)

            listener_task = asyncio.create_task(listen())
            try:
                async with httpx.AsyncClient(
                    base_url=writer.url, headers=self.auth_headers(), timeout=10
                ) as client:
                    for _ in range(samples):
                        name = f"bench-bcast-{secrets.token_hex(6)}"
                        sent = time.perf_counter()
                        response = await client.post("/api/v1/items", json={"name": name})
                        response.raise_for_status()
                        deadline = time.perf_counter() + 5
                        while name not in arrived and time.perf_counter() < deadline:
                            await asyncio.sleep(0.0005)
                        if name not in arrived:
                            raise NoEventError(
                                f"no event for an item created on {writer.name} "
                                f"reached {listener.name} within 5 s"
                            )
                        latencies.append(arrived[name] - sent)
            finally:
                listener_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener_task
        return latencies


def render_figure(renders: list[Render]) -> Figure:
    cpu = statistics.median(r.cpu_seconds for r in renders)
    return Figure(
        name="template: render one project",
        unit="s",
        better=Better.LOWER,
        values=[r.seconds for r in renders],
        target=2.0,
        target_text="< 2 s",
        note=f"`python -m cookiecutter --no-input` of the defaults, hooks included, wall time "
        f"(median of {len(renders)}); its CPU time (user + system, a busy machine inflates it "
        f"less) was {cpu:.2f} s",
    )


def matrix_figure(seconds: float | None, source: str) -> Figure:
    figure = Figure(
        name="template: full test matrix",
        unit="s",
        better=Better.LOWER,
        note=source,
    )
    if seconds is None:
        figure.skipped = source
    else:
        figure.values.append(seconds)
    return figure


def env_pairs(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--env expects KEY=VALUE, got {pair!r}")
        env[key] = value
    return env


def os_env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
