"""ALLOWED_HOSTS through uvicorn: a handshake for another host is refused with 403."""

from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus

from tests.e2e.ws.conftest import call, connect
from tests.support import Server, run_server


@pytest.fixture(scope="module")
def hosted_server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = {**server_env, "ALLOWED_HOSTS": "api.example.com"}
    with run_server(env, tmp_path_factory.mktemp("hosted")) as running:
        yield running


def ws_url_for(host: str, server: Server) -> str:
    return f"ws://{host}:{server.port}/ws"


async def test_handshake_for_an_allowed_host_is_accepted(hosted_server: Server) -> None:
    # Connect to 127.0.0.1, while the handshake's Host names the URL's host.
    url = ws_url_for("api.example.com", hosted_server)
    async with connect(url, host="127.0.0.1", port=hosted_server.port) as ws:
        assert (await call(ws, "ping"))["data"] == {}


async def test_handshake_for_another_host_gets_403(hosted_server: Server) -> None:
    url = ws_url_for("evil.example", hosted_server)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, host="127.0.0.1", port=hosted_server.port):
            pass
    assert refused.value.response.status_code == 403
