"""RED metrics of every HTTP request: count and duration per route template, and in-flight."""

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.metrics import (
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    HTTP_REQUESTS_IN_FLIGHT,
)
from {{ cookiecutter.package_name }}.middleware.routes import route_template

UNMATCHED = "unmatched"
"""The route of a request no route matched (a 404): raw paths never become labels."""
OTHER_METHOD = "other"
# Clients may send any method token; the label keeps to these and `other`.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SCRAPE_PATH = "/metrics"


class MetricsMiddleware:
    """Counts each request once, with the status it was answered with (500 if the app raised).

    Runs outside the error and rate-limit middleware, so 500 and 429 answers are counted too.
    Scrapes of `/metrics` are not counted: they would only measure Prometheus.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Label children by key: a dict lookup per request instead of `.labels()`, which joins
        # and validates the values and takes a lock. The keys are bounded (methods, routes,
        # statuses), and so are these dicts.
        self._requests: dict[tuple[str, str, int], Counter] = {}
        self._durations: dict[tuple[str, str], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == SCRAPE_PATH:
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        HTTP_REQUESTS_IN_FLIGHT.inc()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_recording_status)
        except BaseException:
            status = 500  # even after a started response: the client got a broken one
            raise
        finally:
            HTTP_REQUESTS_IN_FLIGHT.dec()
            self._record(scope, status, time.perf_counter() - start)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"]
        if method not in METHODS:
            method = OTHER_METHOD
        route = route_template(scope) or UNMATCHED
        counter = self._requests.get((method, route, status))
        if counter is None:
            counter = HTTP_REQUESTS.labels(method, route, str(status))
            self._requests[method, route, status] = counter
        counter.inc()
        histogram = self._durations.get((method, route))
        if histogram is None:
            histogram = HTTP_REQUEST_DURATION.labels(method, route)
            self._durations[method, route] = histogram
        histogram.observe(seconds)
