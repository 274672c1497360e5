"""A small circuit breaker: after repeated failures, stop calling a dependency for a while."""

import time
from collections.abc import Callable
from enum import IntEnum

from {{ cookiecutter.package_name }}.metrics import breaker_created, breaker_state_changed


class BreakerState(IntEnum):
    """The value is what the `circuit_breaker_state` gauge reports."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    """Opens after `failure_threshold` failures in a row; after `reset_seconds` lets one call try.

    The caller serializes calls (the JWKS cache holds a lock), so half-open needs no trial count.
    `name` labels its `circuit_breaker_state` and `circuit_breaker_opens_total` series.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._reported = BreakerState.CLOSED
        breaker_created(name)

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self.reset_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allows_call(self) -> bool:
        state = self.state
        self._report(state)  # an open breaker past its reset time lets this call try
        return state is not BreakerState.OPEN

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._report(BreakerState.CLOSED)

    def record_failure(self) -> None:
        self._failures += 1
        if self.state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            self._report(BreakerState.OPEN)

    def _report(self, state: BreakerState) -> None:
        if state is not self._reported:
            self._reported = state
            breaker_state_changed(self.name, state)
