"""The real process: served by uvicorn, JSON logs, graceful stop."""

import json
import signal
from pathlib import Path

import httpx

from tests.support import Server, client_headers, run_server, stop_server


def test_served_app_answers_and_logs_one_json_access_line(server: Server) -> None:
    response = httpx.get(f"{server.url}/health/live", headers={"X-Request-ID": "e2e-probe-1"})
    assert response.status_code == 200
    lines = server.lines_with("e2e-probe-1")
    assert len(lines) == 1, server.output()
    record = json.loads(lines[0])
    assert record["event"] == "request"
    assert record["status"] == 200
    assert record["route"] == "/health/live"
    assert record["request_id"] == "e2e-probe-1"


def test_item_round_trip_over_a_real_socket(server: Server) -> None:
    created = httpx.post(
        f"{server.url}/api/v1/items", json={"name": "e2e-round-trip"}, headers=client_headers()
    )
    assert created.status_code == 201
    fetched = httpx.get(f"{server.url}{created.headers['location']}", headers=client_headers())
    assert fetched.json()["name"] == "e2e-round-trip"


def test_sigterm_stops_the_server_cleanly(server_env: dict[str, str], tmp_path: Path) -> None:
    with run_server(server_env, tmp_path) as running:
        code = stop_server(running)
    # uvicorn re-raises the signal after a graceful shutdown, so the exit code names it.
    assert code in (0, -signal.SIGTERM), running.output()
    assert '"event":"shutdown"' in running.output()
    assert "Application shutdown complete" in running.output()
