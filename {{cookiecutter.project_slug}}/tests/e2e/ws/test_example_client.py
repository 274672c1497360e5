"""The example client in the docs runs against the real server."""

import os
import subprocess
import sys

from tests.e2e.ws.conftest import ws_url
from tests.support import ROOT, Server, client_token


def test_example_client_runs_against_the_server(ws_server: Server) -> None:
    result = subprocess.run(  # noqa: S603 - our interpreter running our example
        [sys.executable, str(ROOT / "examples" / "ws_client.py"), ws_url(ws_server)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TOKEN": client_token() or ""},
    )
    assert result.returncode == 0, result.stderr
    assert "event items.created" in result.stdout
    assert "event items.deleted" in result.stdout
    assert "404 not_found" in result.stdout
