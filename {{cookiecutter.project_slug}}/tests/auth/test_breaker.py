"""The circuit breaker in front of JWKS fetches."""

from {{ cookiecutter.package_name }}.auth.breaker import BreakerState, CircuitBreaker


def state(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_the_threshold_of_failures_in_a_row() -> None:
    breaker = CircuitBreaker("test", failure_threshold=3, reset_seconds=30, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    assert state(breaker) is BreakerState.CLOSED
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    assert not breaker.allows_call()


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker("test", failure_threshold=2, reset_seconds=30, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert state(breaker) is BreakerState.CLOSED


def test_open_breaker_lets_one_trial_through_after_the_reset_time() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("test", failure_threshold=1, reset_seconds=30, clock=clock)
    breaker.record_failure()
    clock.now = 30.0
    assert state(breaker) is BreakerState.HALF_OPEN
    assert breaker.allows_call()


def test_failed_trial_reopens_and_successful_trial_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("test", failure_threshold=5, reset_seconds=30, clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.now = 30.0
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    clock.now = 60.0
    breaker.record_success()
    assert state(breaker) is BreakerState.CLOSED
