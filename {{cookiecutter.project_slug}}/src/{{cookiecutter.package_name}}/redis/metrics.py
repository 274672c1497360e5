"""Redis metrics: errors by the component that met them, cache results, limiter fallbacks."""

from prometheus_client import Counter

REDIS_ERRORS = Counter(
    "redis_errors_total",
    "Redis calls that failed (unreachable, timed out), by the component that made them.",
    ["component"],
)
CACHE_REQUESTS = Counter(
    "cache_requests_total",
    "Read cache lookups: `hit`, `miss`, or `error` (Redis failed or its breaker is open).",
    ["result"],
)
RATE_LIMIT_BACKEND_FAILURES = Counter(
    "rate_limit_backend_failures_total",
    "Rate limit decisions taken without Redis, by fail mode (`open` admits, `closed` refuses).",
    ["mode"],
)

RATE_LIMIT_ERRORS = REDIS_ERRORS.labels("rate_limit")
CACHE_ERRORS = REDIS_ERRORS.labels("cache")
READINESS_ERRORS = REDIS_ERRORS.labels("readiness")
CACHE_HITS = CACHE_REQUESTS.labels("hit")
CACHE_MISSES = CACHE_REQUESTS.labels("miss")
CACHE_FAILURES = CACHE_REQUESTS.labels("error")
for _mode in ("open", "closed"):
    RATE_LIMIT_BACKEND_FAILURES.labels(_mode)
