"""`python -m {{ cookiecutter.package_name }}`: serve the app with uvicorn."""

import uvicorn

from {{ cookiecutter.package_name }}.settings import Settings, get_settings
from {{ cookiecutter.package_name }}.worker_metrics import multiprocess_metrics


def main() -> None:
    settings = get_settings()
    # Workers are separate processes: their metrics meet in a directory they all write to.
    with multiprocess_metrics(settings.web_concurrency):
        serve(settings)


def serve(settings: Settings) -> None:
    uvicorn.run(
        "{{ cookiecutter.package_name }}.main:app",
        host=settings.host,
        port=settings.port,
        workers=settings.web_concurrency,
        log_config=None,  # logging is configured by the app, through structlog
        access_log=False,  # our middleware writes the one access line per request
        server_header=False,
        # X-Forwarded-* are read by ProxyHeadersMiddleware alone, from TRUSTED_PROXIES only.
        proxy_headers=False,
        # In-flight requests get this long after SIGTERM; then the lifespan drains and closes.
        timeout_graceful_shutdown=settings.shutdown_timeout,
{%- if cookiecutter.use_websockets %}
        # Bigger frames are refused by the server (close 1009) before the app buffers them.
        ws_max_size=settings.ws.max_message_bytes,
        ws_ping_interval=settings.ws.ping_interval,
        ws_ping_timeout=settings.ws.ping_timeout,
{%- endif %}
    )


if __name__ == "__main__":
    main()
