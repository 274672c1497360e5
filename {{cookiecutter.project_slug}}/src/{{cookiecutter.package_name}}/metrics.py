"""The service's core Prometheus metrics, and `exposition()`, the text `GET /metrics` serves.

Names and labels are a contract with the dashboards and alerts under `monitoring/`: change them
together. Label values come from fixed sets (route templates, never raw paths or client input);
the sets known in advance are created here, so their series exist from the first scrape.
With several worker processes, `PROMETHEUS_MULTIPROC_DIR` puts prometheus_client in its
multiprocess mode (`python -m {{ cookiecutter.package_name }}` sets it up): every gauge says how
its workers' values combine, and a scrape of any worker reports them all.
"""

import contextlib
import os
import re
import struct
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from {{ cookiecutter.package_name }}.worker_metrics import MULTIPROC_DIR_ENV

# `*_created` series double the output, and no panel or alert reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

APP_INFO = Gauge(
    "app_info",
    "Always 1; the labels say which version runs in which environment.",
    ["version", "environment"],
    multiprocess_mode="livemax",
)

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request to the end of the response, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_REQUESTS_IN_FLIGHT = Gauge(
    "http_requests_in_flight",
    "HTTP requests being handled now.",
    multiprocess_mode="livesum",
)

DB_POOL_CONNECTIONS = Gauge(
    "db_pool_connections",
    "Database connections in the pool: `in_use` (checked out) or `idle`.",
    ["state"],
    multiprocess_mode="livesum",
)
DB_POOL_MAX_CONNECTIONS = Gauge(
    "db_pool_max_connections",
    "Most database connections the pool may open (pool size + max overflow).",
    multiprocess_mode="livesum",
)
DB_SLOW_QUERIES = Counter("db_slow_queries_total", "Statements slower than DATABASE_SLOW_QUERY_MS.")
DB_UNAVAILABLE = Counter(
    "db_unavailable_total",
    "Requests and messages answered 503 because the database was unavailable.",
)

DEPENDENCY_UP = Gauge(
    "dependency_up",
    "1 when the dependency answered its last readiness check, else 0.",
    ["dependency"],
    # One worker that cannot reach it is enough to report it down.
    multiprocess_mode="livemin",
)

AUDIT_QUEUE_DEPTH = Gauge(
    "audit_queue_depth",
    "Audit entries waiting to be written.",
    multiprocess_mode="livesum",
)
AUDIT_ENTRIES = Counter(
    "audit_entries_total",
    "Audit entries by outcome: `written`, `dropped` (queue full), `lost` (write failed).",
    ["outcome"],
)

RATE_LIMIT_REJECTIONS = Counter(
    "rate_limit_rejections_total",
    "Requests, messages or connections refused by a rate limit.",
    ["scope"],
)

CIRCUIT_BREAKER_STATE = Gauge(
    "circuit_breaker_state",
    "Circuit breaker state: 0 closed, 1 half-open (a trial call), 2 open.",
    ["breaker"],
    multiprocess_mode="livemax",
)
CIRCUIT_BREAKER_OPENS = Counter(
    "circuit_breaker_opens_total", "Times a circuit breaker opened.", ["breaker"]
)
BREAKER_OPEN = 2

# Created here, so these series exist from the first scrape.
POOL_IN_USE = DB_POOL_CONNECTIONS.labels("in_use")
POOL_IDLE = DB_POOL_CONNECTIONS.labels("idle")
AUDIT_WRITTEN = AUDIT_ENTRIES.labels("written")
AUDIT_DROPPED = AUDIT_ENTRIES.labels("dropped")
AUDIT_LOST = AUDIT_ENTRIES.labels("lost")
HTTP_RATE_LIMITED = RATE_LIMIT_REJECTIONS.labels("http")


def publish_app_info(version: str, environment: str) -> None:
    APP_INFO.clear()
    APP_INFO.labels(version, environment).set(1)


def breaker_created(name: str) -> None:
    """Start the breaker's series at closed and no opens, before anything happens to it."""
    CIRCUIT_BREAKER_STATE.labels(name).set(0)
    CIRCUIT_BREAKER_OPENS.labels(name)


def breaker_state_changed(name: str, state: int) -> None:
    CIRCUIT_BREAKER_STATE.labels(name).set(state)
    if state == BREAKER_OPEN:
        CIRCUIT_BREAKER_OPENS.labels(name).inc()


def exposition() -> bytes:
    """This process's metrics, or in multiprocess mode those of every live and past worker."""
    directory = os.environ.get(MULTIPROC_DIR_ENV)
    if not directory:
        return generate_latest(REGISTRY)
    forget_dead_workers(Path(directory))
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    for _ in range(SCRAPE_ATTEMPTS - 1):
        # Files change under the scrape: another worker's scrape removes a dead worker's file
        # between listing and reading, a worker just started has not written its header yet.
        with contextlib.suppress(FileNotFoundError, struct.error):
            return generate_latest(registry)
    return generate_latest(registry)


SCRAPE_ATTEMPTS = 3


# `gauge_livesum_1234.db`: the live gauges of worker 1234, which must vanish when it dies.
_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def forget_dead_workers(directory: Path) -> None:
    """Drop the live gauges of workers that are gone (crashed, or restarted by uvicorn).

    uvicorn gives the app no hook in the parent when a worker dies, so every scrape checks:
    counters of dead workers stay (totals never go back), their in-flight gauges do not.
    """
    pids = set()
    for path in directory.glob("gauge_live*.db"):
        if match := _LIVE_GAUGE_FILE.fullmatch(path.name):
            pids.add(int(match[1]))
    for pid in pids - {os.getpid()}:
        if not _alive(pid):
            # Workers scrape concurrently: another one may be removing the same files.
            with contextlib.suppress(FileNotFoundError):
                mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
