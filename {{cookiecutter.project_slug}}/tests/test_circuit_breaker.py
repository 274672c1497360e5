"""The circuit breaker: closed -> open after repeated failures -> one trial -> closed or open."""

import pytest

from {{ cookiecutter.package_name }}.circuit_breaker import (
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def changes() -> list[CircuitState]:
    return []


@pytest.fixture
def breaker(clock: Clock, changes: list[CircuitState]) -> CircuitBreaker:
    return CircuitBreaker(
        "dependency",
        failure_threshold=3,
        reset_timeout=10.0,
        failures=(ConnectionError,),
        on_state_change=lambda _name, state: changes.append(state),
        clock=clock,
    )


def state_of(breaker: CircuitBreaker) -> CircuitState:
    """Read afresh each time (mypy would narrow `breaker.state` after an assert)."""
    return breaker.state


async def fail(breaker: CircuitBreaker, error: Exception | None = None) -> None:
    with pytest.raises(type(error or ConnectionError())):
        async with breaker.guard():
            raise error or ConnectionError("down")


async def succeed(breaker: CircuitBreaker) -> None:
    async with breaker.guard():
        pass


async def test_opens_after_the_threshold_of_failures_in_a_row(breaker: CircuitBreaker) -> None:
    for _ in range(2):
        await fail(breaker)
    assert state_of(breaker) is CircuitState.CLOSED
    await fail(breaker)
    assert state_of(breaker) is CircuitState.OPEN


async def test_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    await fail(breaker)
    await fail(breaker)
    await succeed(breaker)
    await fail(breaker)
    await fail(breaker)
    assert state_of(breaker) is CircuitState.CLOSED


async def test_open_breaker_rejects_without_running_the_call(breaker: CircuitBreaker) -> None:
    for _ in range(3):
        await fail(breaker)
    ran = False
    with pytest.raises(CircuitOpenError):
        async with breaker.guard():
            ran = True
    assert not ran


async def test_errors_that_are_not_failures_do_not_count(breaker: CircuitBreaker) -> None:
    for _ in range(5):
        await fail(breaker, ValueError("a bug, not an outage"))
    assert state_of(breaker) is CircuitState.CLOSED


async def test_after_the_timeout_one_trial_success_closes_it(
    breaker: CircuitBreaker, clock: Clock, changes: list[CircuitState]
) -> None:
    for _ in range(3):
        await fail(breaker)
    clock.now += 10.0
    assert state_of(breaker) is CircuitState.HALF_OPEN
    async with breaker.guard():
        with pytest.raises(CircuitOpenError):  # only one trial at a time
            async with breaker.guard():
                pass
    assert state_of(breaker) is CircuitState.CLOSED
    assert changes == [CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.CLOSED]


async def test_a_failed_trial_opens_it_again(breaker: CircuitBreaker, clock: Clock) -> None:
    for _ in range(3):
        await fail(breaker)
    clock.now += 10.0
    await fail(breaker)
    assert state_of(breaker) is CircuitState.OPEN
    clock.now += 9.0
    assert state_of(breaker) is CircuitState.OPEN


async def test_an_inconclusive_trial_frees_the_slot(breaker: CircuitBreaker, clock: Clock) -> None:
    for _ in range(3):
        await fail(breaker)
    clock.now += 10.0
    await fail(breaker, ValueError("not the dependency's fault"))
    await succeed(breaker)
    assert state_of(breaker) is CircuitState.CLOSED
