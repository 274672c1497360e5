"""The shared rate limiter: GCRA in one Lua script, so every replica counts against one budget.

Redis keeps one number per key, the theoretical arrival time (TAT), and its clock (`TIME`) is the
only clock, so replicas with skewed clocks still agree. Same arithmetic as `InProcessRateLimiter`.
"""

import structlog
from redis.asyncio import Redis

from {{ cookiecutter.package_name }}.circuit_breaker import CircuitBreaker, CircuitOpenError
from {{ cookiecutter.package_name }}.errors import ServiceUnavailableError
from {{ cookiecutter.package_name }}.rate_limit import Decision
from {{ cookiecutter.package_name }}.redis.client import UNAVAILABLE
from {{ cookiecutter.package_name }}.redis.metrics import (
    RATE_LIMIT_BACKEND_FAILURES,
    RATE_LIMIT_ERRORS,
)
from {{ cookiecutter.package_name }}.settings import FailMode

logger = structlog.get_logger(__name__)

# KEYS[1] the key; ARGV[1] limit; ARGV[2] window in ms.
# Returns {allowed (0/1), remaining, retry_after_ms, reset_after_ms}.
GCRA = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
if tat - now > window - interval then
  return {0, 0, math.ceil(tat - now - (window - interval)), math.ceil(tat - now)}
end
local new_tat = tat + interval
-- %.17g: the exact double (tostring keeps 14 digits, a tenth of a ms here, which could make
-- `remaining` one short). At least 1 ms: with a huge limit, the interval is lost in `now`.
local ttl = math.max(1, math.ceil(new_tat - now))
redis.call('SET', KEYS[1], string.format('%.17g', new_tat), 'PX', ttl)
local remaining = math.max(0, math.floor((window - (new_tat - now)) / interval + 1e-9))
return {1, remaining, 0, math.ceil(new_tat - now)}
"""


class RateLimiterUnavailableError(ServiceUnavailableError):
    code = "rate_limiter_unavailable"


class RedisRateLimiter:
    """When Redis is unreachable, `fail_mode` decides: open admits, closed raises a 503 error."""

    def __init__(
        self, client: Redis, breaker: CircuitBreaker, *, prefix: str, fail_mode: FailMode
    ) -> None:
        self._script = client.register_script(GCRA)
        self._breaker = breaker
        self._prefix = f"{prefix}rl:"
        self._fail_mode = fail_mode
        self._backend_failures = RATE_LIMIT_BACKEND_FAILURES.labels(fail_mode.value)

    async def hit(self, key: str, *, limit: int, window: float) -> Decision:
        try:
            async with self._breaker.guard():
                allowed, remaining, retry_ms, reset_ms = await self._script(
                    keys=[self._prefix + key], args=[limit, round(window * 1000, 3)]
                )
        except CircuitOpenError:
            return self._unavailable(limit)
        except UNAVAILABLE as exc:
            RATE_LIMIT_ERRORS.inc()
            logger.warning(
                "rate_limiter_unavailable", fail_mode=self._fail_mode.value, error=repr(exc)
            )
            return self._unavailable(limit)
        return Decision(
            allowed=bool(allowed),
            limit=limit,
            remaining=int(remaining),
            retry_after=retry_ms / 1000,
            reset_after=reset_ms / 1000,
        )

    def _unavailable(self, limit: int) -> Decision:
        self._backend_failures.inc()
        if self._fail_mode is FailMode.CLOSED:
            raise RateLimiterUnavailableError(
                "The rate limiter is unavailable; retry shortly.", headers={"Retry-After": "5"}
            )
        # Fail open: admitted without counting; the headers say the full budget is left.
        return Decision(
            allowed=True, limit=limit, remaining=limit, retry_after=0.0, reset_after=0.0
        )
