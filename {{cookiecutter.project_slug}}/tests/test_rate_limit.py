"""The in-process limiter: exact admission counts and honest retry hints."""

import asyncio

from {{ cookiecutter.package_name }}.rate_limit import InProcessRateLimiter


async def test_admits_exactly_the_limit_then_refuses() -> None:
    limiter = InProcessRateLimiter()
    decisions = [await limiter.hit("k", limit=5, window=60) for _ in range(7)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    assert decisions[5].retry_after > 0


async def test_keys_are_independent() -> None:
    limiter = InProcessRateLimiter()
    assert (await limiter.hit("a", limit=1, window=60)).allowed
    assert (await limiter.hit("b", limit=1, window=60)).allowed
    assert not (await limiter.hit("a", limit=1, window=60)).allowed


async def test_capacity_returns_after_retry_after() -> None:
    limiter = InProcessRateLimiter()
    await limiter.hit("k", limit=2, window=0.2)
    await limiter.hit("k", limit=2, window=0.2)
    refused = await limiter.hit("k", limit=2, window=0.2)
    assert not refused.allowed
    await asyncio.sleep(refused.retry_after + 0.01)
    assert (await limiter.hit("k", limit=2, window=0.2)).allowed


async def test_key_table_is_bounded() -> None:
    limiter = InProcessRateLimiter(max_keys=10)
    for index in range(100):
        await limiter.hit(f"k{index}", limit=1, window=60)
    assert len(limiter._tat) <= 10


async def test_a_budget_of_one_admits_the_first_hit_and_refuses_the_second() -> None:
    limiter = InProcessRateLimiter()
    for index in range(200):  # float rounding at the window's edge must not refuse a first hit
        first = await limiter.hit(f"k{index}", limit=1, window=3600)
        second = await limiter.hit(f"k{index}", limit=1, window=3600)
        assert (first.allowed, first.remaining, second.allowed) == (True, 0, False)
