"""SIGTERM: every open socket gets a close frame, then the process exits."""

import signal
from pathlib import Path

from tests.e2e.ws.conftest import call, close_code, connect, ws_url
from tests.support import run_server, stop_server


async def test_sigterm_closes_every_socket_with_1012_or_1001(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    with run_server(server_env, tmp_path) as running:
        async with connect(ws_url(running)) as idle, connect(ws_url(running)) as subscriber:
            await call(idle, "ping")
            await call(subscriber, "subscribe", {"topic": "items"})
            running.process.send_signal(signal.SIGTERM)
            codes = {await close_code(idle), await close_code(subscriber)}
        exit_code = stop_server(running)
    # uvicorn sends 1012 itself before the app's shutdown; the lifespan sends 1001 to any left.
    assert codes <= {1001, 1012}, codes
    assert exit_code in (0, -signal.SIGTERM), running.output()
    assert running.output().count('"event":"ws_disconnected"') == 2
