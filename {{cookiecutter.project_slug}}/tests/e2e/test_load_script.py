"""`scripts/load.py` (make load) runs against a real server and reports zero errors."""

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT, Server, run_server

LOAD_SCRIPT = ROOT / "scripts" / "load.py"
LOAD = [sys.executable, str(LOAD_SCRIPT)]


def scenario_server_env() -> dict[str, str]:
    """What the script's client kinds ask of the server they load (`SERVER_ENV`), as `--serve`
    applies it: per-client limits lifted so that a run measures the service, not its limits."""
    spec = importlib.util.spec_from_file_location("load_script", LOAD_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    env: dict[str, str] = {}
    for scenario in module.scenarios():
        env |= getattr(scenario, "SERVER_ENV", {})
    return env


@pytest.fixture(scope="module")
def load_server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    log_dir: Path = tmp_path_factory.mktemp("load-server")
    with run_server({**server_env, **scenario_server_env()}, log_dir) as running:
        yield running


def test_load_script_reports_zero_errors(load_server: Server, credentials: dict[str, str]) -> None:
    headers = [f"--header={name}: {value}" for name, value in credentials.items()]
    args = ["--url", load_server.url, "--clients", "2", "--duration", "1", *headers]
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
