"""SIGTERM during a write: the write finishes, its audit entry is stored, the process exits."""

import asyncio
import signal
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy.engine import make_url

from tests.support import Server, locked_table, run_server, until


async def audit_statuses(database_url: str, request_id: str) -> list[int]:
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        query = "SELECT status FROM audit_log WHERE request_id = $1"
        return [row["status"] for row in await connection.fetch(query, request_id)]
    finally:
        await connection.close()


async def refuses_new_connections(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http, asyncio.timeout(15):
        while True:
            try:
                await http.get("/health/live")
            except httpx.ConnectError:
                return
            await asyncio.sleep(0.05)


async def test_sigterm_lets_the_in_flight_write_finish_and_audits_it(
    server_env: dict[str, str],
    e2e_database_url: str,
    credentials: dict[str, str],
    tmp_path: Path,
) -> None:
    request_id = uuid.uuid4().hex
    headers = {**credentials, "X-Request-ID": request_id}
    env = {**server_env, "SHUTDOWN_TIMEOUT": "30", "DATABASE_STATEMENT_TIMEOUT_MS": "0"}
    with run_server(env, tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            async with locked_table(e2e_database_url, "items") as lock:
                item = {"name": f"shutdown-{request_id[:12]}"}
                write = asyncio.create_task(http.post("/api/v1/items", json=item, headers=headers))
                await lock.wait_for_waiters()  # the insert is in flight
                server.process.send_signal(signal.SIGTERM)
                await until(lambda: "Shutting down" in server.output())
                await refuses_new_connections(server)
                assert server.process.poll() is None  # still waiting for the request
            response = await write
        code = await asyncio.to_thread(server.process.wait, 30)
    assert response.status_code == 201, response.text
    # uvicorn re-raises the signal after a graceful shutdown, so the exit code names it.
    assert code in (0, -signal.SIGTERM), server.output()
    assert await audit_statuses(e2e_database_url, request_id) == [201]
    assert '"event":"audit_stopped"' in server.output()
    assert '"event":"shutdown_complete"' in server.output()
