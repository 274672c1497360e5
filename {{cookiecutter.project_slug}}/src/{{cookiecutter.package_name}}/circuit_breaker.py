"""A circuit breaker: after repeated failures, fail fast instead of waiting on a dead dependency.

closed (calls go through) -> `failure_threshold` failures in a row -> open (calls fail at once
with `CircuitOpenError`) -> after `reset_timeout` -> half-open (one trial call; success closes,
failure opens again). `name` labels the breaker's `circuit_breaker_state` and
`circuit_breaker_opens_total` series, so each owner gives its breaker a name of its own.
"""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from enum import IntEnum

import structlog

from {{ cookiecutter.package_name }}.metrics import breaker_created, breaker_state_changed

logger = structlog.get_logger(__name__)


class CircuitState(IntEnum):
    """Values double as the state gauge: 0 closed, 1 half-open, 2 open."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitOpenError(Exception):
    """The breaker is open: the dependency was not called."""


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 5.0,
        failures: tuple[type[BaseException], ...] = (OSError, TimeoutError),
        on_state_change: Callable[[str, CircuitState], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._failures = failures
        self._on_state_change = on_state_change
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failure_count = 0
        self._opened_at = 0.0
        self._trial_running = False
        breaker_created(name)

    @property
    def state(self) -> CircuitState:
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self._reset_timeout
        ):
            return CircuitState.HALF_OPEN
        return self._state

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Run the block through the breaker; only the `failures` exception types count."""
        trial = self._admit()
        try:
            yield
        except self._failures:
            self._record_failure()
            raise
        except BaseException:
            # Not the dependency's fault (a bug, a cancellation): the trial proved nothing.
            if trial:
                self._trial_running = False
            raise
        else:
            self._record_success()

    def _admit(self) -> bool:
        state = self.state
        if state is CircuitState.CLOSED:
            return False
        if state is CircuitState.HALF_OPEN and not self._trial_running:
            self._set_state(CircuitState.HALF_OPEN)
            self._trial_running = True
            return True
        raise CircuitOpenError(f"{self.name} circuit is open")

    def _record_failure(self) -> None:
        self._failure_count += 1
        if self._state is CircuitState.HALF_OPEN or self._failure_count >= self._threshold:
            self._opened_at = self._clock()
            self._trial_running = False
            self._set_state(CircuitState.OPEN)

    def _record_success(self) -> None:
        self._failure_count = 0
        self._trial_running = False
        self._set_state(CircuitState.CLOSED)

    def _set_state(self, state: CircuitState) -> None:
        if state is self._state:
            return
        self._state = state
        log = logger.warning if state is CircuitState.OPEN else logger.info
        log("circuit_state_changed", circuit=self.name, state=state.name.lower())
        # The gauge follows transitions: an open breaker past its reset timeout reads 2 until
        # its trial call starts (`state` says half-open already; nothing has changed yet).
        breaker_state_changed(self.name, state)
        if self._on_state_change is not None:
            self._on_state_change(self.name, state)
