"""Serve a baseline app with the uvicorn options of the generated `__main__.py`.

Run with the generated project's interpreter (same fastapi/starlette/uvicorn versions):
`<project>/.venv/bin/python serve.py <module>:app` with HOST, PORT and the WS_* limits in env.
"""

import os
import sys
from pathlib import Path

import uvicorn


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    options: dict[str, object] = {}
    if "WS_MAX_MESSAGE_BYTES" in os.environ:
        options["ws_max_size"] = int(os.environ["WS_MAX_MESSAGE_BYTES"])
    if "WS_PING_INTERVAL" in os.environ:
        options["ws_ping_interval"] = float(os.environ["WS_PING_INTERVAL"])
    if "WS_PING_TIMEOUT" in os.environ:
        options["ws_ping_timeout"] = float(os.environ["WS_PING_TIMEOUT"])
    uvicorn.run(
        sys.argv[1],
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ["PORT"]),
        workers=1,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=30,
        **options,  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
