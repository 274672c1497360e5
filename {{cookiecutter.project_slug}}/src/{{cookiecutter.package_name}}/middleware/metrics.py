"""RED metrics of every HTTP request: count and duration per route template, and in-flight.

`EdgeMiddleware` counts each request once, with the status it was answered with (500 if the app
raised). It runs outside the error and rate-limit middleware, so 500 and 429 answers are counted
too. Scrapes of `/metrics` are not counted: they would only measure Prometheus.
"""

from prometheus_client import Counter, Histogram
from starlette.types import Scope

from {{ cookiecutter.package_name }}.metrics import (
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    HTTP_REQUESTS_IN_FLIGHT,
)

UNMATCHED = "unmatched"
"""The route of a request no route matched (a 404): raw paths never become labels."""
OTHER_METHOD = "other"
# Clients may send any method token; the label keeps to these and `other`.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SCRAPE_PATH = "/metrics"


class RequestMetrics:
    def __init__(self) -> None:
        # Label children by key: a dict lookup per request instead of `.labels()`, which joins
        # and validates the values and takes a lock. The keys are bounded (methods, routes,
        # statuses), and so are these dicts.
        self._requests: dict[tuple[str, str, int], Counter] = {}
        self._durations: dict[tuple[str, str], Histogram] = {}

    @staticmethod
    def counts(scope: Scope) -> bool:
        return bool(scope["path"] != SCRAPE_PATH)

    @staticmethod
    def started() -> None:
        HTTP_REQUESTS_IN_FLIGHT.inc()

    def finished(self, scope: Scope, route: str | None, status: int, seconds: float) -> None:
        HTTP_REQUESTS_IN_FLIGHT.dec()
        method = scope["method"]
        if method not in METHODS:
            method = OTHER_METHOD
        route = route or UNMATCHED
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
