"""`scripts/load.py` (make load) runs against a real server and reports zero errors."""

import subprocess
import sys

from tests.support import ROOT, Server

LOAD = [sys.executable, str(ROOT / "scripts" / "load.py")]


def test_load_script_reports_zero_errors(server: Server, credentials: dict[str, str]) -> None:
    headers = [f"--header={name}: {value}" for name, value in credentials.items()]
    args = ["--url", server.url, "--clients", "2", "--duration", "1", *headers]
    result = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [*LOAD, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "POST /items" in result.stdout


def test_load_script_refuses_addresses_off_this_machine() -> None:
    args = ["--url", "http://192.0.2.1:8000"]
    result = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [*LOAD, *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "only loopback" in result.stderr
