"""The body limit through uvicorn, over a raw socket: the 413 arrives while the client is still
sending, so the server answered without waiting for (or reading) the rest."""

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.support import Server, client_headers, run_server

LIMIT = 1024


@pytest.fixture(scope="module")
def limited_server(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = {**server_env, "MAX_REQUEST_BODY_BYTES": str(LIMIT)}
    with run_server(env, tmp_path_factory.mktemp("limited")) as running:
        yield running


def request_head(server: Server, framing: str) -> bytes:
    lines = [
        "POST /api/v1/items HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Content-Type: application/json",
        framing,
        *(f"{name}: {value}" for name, value in client_headers().items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def send_unfinished(server: Server, *parts: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `parts` and never finish the body; return the answer the server sends anyway."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for part in parts:
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):  # the server closes after a 413
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (h.partition(": ") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


def chunk(size: int) -> bytes:
    return f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"


def test_declared_length_over_the_limit_gets_413_before_the_body_is_sent(
    limited_server: Server,
) -> None:
    head = request_head(limited_server, f"Content-Length: {10 * LIMIT}")
    status, headers, body = send_unfinished(limited_server, head)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["code"] == "payload_too_large"


def test_chunked_upload_gets_413_as_soon_as_it_crosses_the_limit(limited_server: Server) -> None:
    head = request_head(limited_server, "Transfer-Encoding: chunked")
    # LIMIT + 1 bytes in two chunks, and no last chunk: the upload is still going on.
    status, headers, body = send_unfinished(
        limited_server, head, chunk(LIMIT // 2), chunk(LIMIT // 2 + 1)
    )
    assert status == 413
    assert headers["connection"] == "close"
    assert json.loads(body)["code"] == "payload_too_large"


def test_chunked_upload_within_the_limit_is_served(limited_server: Server) -> None:
    data = json.dumps({"name": "e2e-chunked-upload"}).encode()
    response = httpx.post(  # an iterator body goes chunked, without Content-Length
        f"{limited_server.url}/api/v1/items",
        content=iter([data[:10], data[10:]]),
        headers={"Content-Type": "application/json", **client_headers()},
    )
    assert response.status_code == 201
