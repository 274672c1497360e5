"""uvicorn processes on 127.0.0.1: started in their own process group, always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (/proc/<pid>/stat)."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        # After the command name: state is field 3, utime 14 and stime 15 (1-based).
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for pid {self.pid}")


class Fleet:
    """Every process the bench started; `stop_all` runs in a `finally`."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.servers: list[Server] = []

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        port: int,
        ready_path: str = "/",
        timeout: float = 60.0,
    ) -> Server:
        log = self.run_dir / f"{name}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                list(command),
                cwd=self.run_dir,  # away from a project's .env
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole
            )
        server = Server(name=name, port=port, process=process, log=log)
        self.servers.append(server)
        try:
            _wait_until_serving(server, ready_path, timeout)
        except BaseException:
            self.stop(server)
            raise
        return server

    def stop(self, server: Server, timeout: float = 15.0) -> None:
        process = server.process
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        else:
            _signal_group(process.pid, signal.SIGKILL)  # anything it left behind
        with contextlib.suppress(ValueError):
            self.servers.remove(server)

    def stop_all(self) -> None:
        for server in reversed(list(self.servers)):
            self.stop(server)

    @contextlib.contextmanager
    def running(self, name: str, command: Sequence[str], **kwargs: object) -> Iterator[Server]:
        server = self.start(name, command, **kwargs)  # type: ignore[arg-type]
        try:
            yield server
        finally:
            self.stop(server)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _wait_until_serving(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.process.returncode}:\n{server.output()}"
            )
        try:
            response = httpx.get(server.url + path, timeout=1.0)
        except httpx.HTTPError as exc:
            last_error = str(exc)
        else:
            if response.status_code < 500:
                return
            last_error = f"HTTP {response.status_code}"
        time.sleep(0.1)
    raise TimeoutError(
        f"{server.name} not serving {path} after {timeout}s ({last_error}):\n{server.output()}"
    )
