"""Rate limiting behind one interface: `RateLimiter.hit(key, ...) -> Decision`.

The in-process limiter here is per replica; a shared implementation can replace it in the
container without touching its callers.
"""

import math
import time
from typing import NamedTuple, Protocol


class Decision(NamedTuple):
    """What a hit decided. Immutable; a named tuple because one is built on every hit, and a
    frozen dataclass costs three to four times as much to build."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: float
    """Seconds until a hit would be allowed again (0 when allowed)."""
    reset_after: float
    """Seconds until the window is full again."""


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window: float) -> Decision:
        """Count one hit on `key`, allowing `limit` hits per `window` seconds."""
        ...


class InProcessRateLimiter:
    """GCRA (a sliding window without counters) kept in a dict, one per process."""

    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._tat: dict[str, float] = {}  # theoretical arrival time per key
        self._max_keys = max_keys

    async def hit(self, key: str, *, limit: int, window: float) -> Decision:
        now = time.monotonic()
        interval = window / limit
        tat = max(self._tat.get(key, now), now)
        # Compare the backlog (tat - now, exactly 0 for an idle key) rather than tat + interval
        # with now + window: float rounding must not refuse the first hit of a window.
        if tat - now > window - interval:
            return Decision(
                allowed=False,
                limit=limit,
                remaining=0,
                retry_after=tat - now - (window - interval),
                reset_after=tat - now,
            )
        if key not in self._tat and len(self._tat) >= self._max_keys:
            self._evict(now)
        new_tat = tat + interval
        self._tat[key] = new_tat
        remaining = max(0, math.floor((window - (new_tat - now)) / interval + 1e-9))
        return Decision(True, limit, remaining, 0.0, new_tat - now)

    def _evict(self, now: float) -> None:
        # Keys whose arrival time has passed hold no state worth keeping.
        expired = [key for key, tat in self._tat.items() if tat <= now]
        for key in expired or list(self._tat)[: len(self._tat) // 2]:
            del self._tat[key]
