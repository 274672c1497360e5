"""A lean WebSocket client for round-trip throughput, so that the client is not the bottleneck.

The `websockets` client spends about twice the CPU per round trip that a raw Starlette echo
server does; driving the echo baseline with it would measure the client. This one speaks just
enough RFC 6455 over an asyncio Protocol: the upgrade handshake, text frames masked with a zero
key (servers accept any key), unfragmented server frames, pong on ping.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.stats import percentile

_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA
_ZERO_MASK = b"\x00\x00\x00\x00"


def client_frame(payload: bytes, opcode: int = _TEXT) -> bytes:
    """A final, masked frame; with a zero key the masked payload is the payload itself."""
    head = bytes([0x80 | opcode])
    length = len(payload)
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", length)
    return head + _ZERO_MASK + payload


def parse_frames(buffer: bytearray) -> list[tuple[int, bytes]]:
    """Remove every complete (unmasked, server) frame from `buffer`: [(opcode, payload)]."""
    frames = []
    while len(buffer) >= 2:
        opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                break
            length, start = struct.unpack_from("!H", buffer, 2)[0], 4
        elif length == 127:
            if len(buffer) < 10:
                break
            length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
        if len(buffer) < start + length:
            break
        frames.append((opcode, bytes(buffer[start : start + length])))
        del buffer[: start + length]
    return frames


@dataclass
class _Lockstep(asyncio.Protocol):
    """One connection: handshake, optional first frame, then one request in flight at a time."""

    path: str
    host: str
    make_frame: Callable[[int], bytes]
    check: Callable[[bytes], None]
    first_frame: bytes | None
    ready: asyncio.Future[None]
    done: asyncio.Future[None]
    running: bool = False
    count: int = 0
    latencies: list[float] = field(default_factory=list)
    _buffer: bytearray = field(default_factory=bytearray)
    _upgraded: bool = False
    _awaiting_first: bool = False
    _sent_at: float = 0.0
    _transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._upgraded:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self._fail(ConnectionError(f"upgrade refused: {head.splitlines()[0]!r}"))
                return
            self._upgraded = True
            if self.first_frame is not None:
                self._awaiting_first = True
                self._write(self.first_frame)
            else:
                self.ready.set_result(None)
        for opcode, payload in parse_frames(self._buffer):
            self._frame(opcode, payload)

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode == _PING:
            self._write(client_frame(payload, _PONG))
            return
        if opcode == _CLOSE:
            code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else None
            self._fail(ConnectionError(f"server closed the connection ({code}): {payload[2:]!r}"))
            return
        if opcode == _PONG:
            return
        if self._awaiting_first:
            self._awaiting_first = False
            if b'"error"' in payload:
                self._fail(ConnectionError(f"first frame refused: {payload[:300]!r}"))
            else:
                self.ready.set_result(None)
            return
        now = time.perf_counter()
        self.latencies.append(now - self._sent_at)
        try:
            self.check(payload)
        except Exception as exc:
            self._fail(exc)
            return
        self.count += 1
        self.send_next()

    def send_next(self) -> None:
        if not self.running:
            if not self.done.done():
                self.done.set_result(None)
            return
        self._sent_at = time.perf_counter()
        self._write(self.make_frame(self.count))

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _fail(self, exc: BaseException) -> None:
        for future in (self.ready, self.done):
            if not future.done():
                future.set_exception(exc)
                # Whoever awaits it sees the error; nobody else should log it as "never retrieved".
                future.add_done_callback(lambda f: f.exception())
        if self._transport is not None:
            self._transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("connection closed"))

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(client_frame(struct.pack("!H", 1000), _CLOSE))
            self._transport.close()


@dataclass
class RoundTrips:
    count: int
    seconds: float
    p50: float
    p99: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds


async def round_trips(
    port: int,
    path: str,
    *,
    seconds: float,
    connections: int,
    make_frame: Callable[[int], bytes],
    check: Callable[[bytes], None],
    first_frame: Callable[[int], bytes | None] = lambda _: None,
) -> RoundTrips:
    """`connections` clients on 127.0.0.1:`port`, one request in flight each, `seconds` long."""
    loop = asyncio.get_running_loop()
    clients: list[_Lockstep] = []
    try:
        for index in range(connections):
            client = _Lockstep(
                path=path,
                host=f"127.0.0.1:{port}",
                make_frame=make_frame,
                check=check,
                first_frame=first_frame(index),
                ready=loop.create_future(),
                done=loop.create_future(),
            )
            await loop.create_connection(lambda c=client: c, "127.0.0.1", port)  # type: ignore[misc]
            clients.append(client)
        await asyncio.wait_for(asyncio.gather(*(c.ready for c in clients)), 15)
        started = time.perf_counter()
        for client in clients:
            client.running = True
            client.send_next()
        await asyncio.sleep(seconds)
        for client in clients:
            client.running = False
        await asyncio.wait_for(asyncio.gather(*(c.done for c in clients)), 15)
        elapsed = time.perf_counter() - started
    finally:
        for client in clients:
            client.close()
    latencies = [value for client in clients for value in client.latencies]
    return RoundTrips(
        count=sum(c.count for c in clients),
        seconds=elapsed,
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
    )
