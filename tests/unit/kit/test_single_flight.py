"""SingleFlight: one task per key, callers may leave without cancelling it for the others."""

from __future__ import annotations

import asyncio

import pytest

from anibridge.domain.kit.single_flight import SingleFlight

pytestmark = pytest.mark.anyio


async def test_concurrent_callers_share_one_run_and_the_key_is_freed_after() -> None:
    flight: SingleFlight[str, int] = SingleFlight()
    runs = 0
    gate = asyncio.Event()

    async def work() -> int:
        nonlocal runs
        runs += 1
        await gate.wait()
        return runs

    callers = [asyncio.create_task(flight.do("k", work)) for _ in range(5)]
    await asyncio.sleep(0)
    assert flight.running("k")
    gate.set()
    assert await asyncio.gather(*callers) == [1] * 5
    assert not flight.running("k")
    assert await flight.do("k", work) == 2  # nothing remembered: the next call runs again


async def test_the_first_caller_leaving_does_not_cancel_the_work_for_the_others() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    gate = asyncio.Event()

    async def work() -> str:
        await gate.wait()
        return "done"

    leader = asyncio.create_task(flight.do("k", work))
    await asyncio.sleep(0)
    follower = asyncio.create_task(flight.do("k", work))
    await asyncio.sleep(0)
    leader.cancel()
    await asyncio.sleep(0)
    gate.set()
    assert await follower == "done"
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_failure_reaches_every_waiter_and_unawaited_failures_are_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    flight: SingleFlight[int, None] = SingleFlight()

    async def boom() -> None:
        await asyncio.sleep(0)
        raise ValueError("hoster said no")

    results = await asyncio.gather(flight.do(1, boom), flight.do(1, boom), return_exceptions=True)
    assert [type(r) for r in results] == [ValueError, ValueError]
    lonely = asyncio.create_task(flight.do(2, boom))
    await asyncio.sleep(0)
    lonely.cancel()  # nobody awaits key 2's failure any more
    await asyncio.sleep(0.01)
    assert "never retrieved" not in caplog.text
