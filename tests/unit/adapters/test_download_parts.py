"""Part planning, work stealing, resume state and the connection budget of the ranged downloader (no I/O)."""

from __future__ import annotations

import json
import threading

import pytest

from anibridge.adapters.downloads.budget import ConnectionBudget, RateLimiter
from anibridge.adapters.downloads.parts import PartPlan

MiB = 1024 * 1024


def _tiles(plan: PartPlan) -> list[tuple[int, int]]:
    return sorted((p.start, p.end) for p in plan.parts())


def _fill(plan: PartPlan, index: int) -> None:
    pos, end = plan.span(index)
    window = plan.window(index, end - pos)
    plan.advance(index, window.keep)


def test_new_plan_tiles_the_file_with_one_part_per_connection_at_least() -> None:
    plan = PartPlan.new(100 * MiB, connections=4, max_part=32 * MiB, min_split=2 * MiB)
    tiles = _tiles(plan)
    assert len(tiles) == 4 and tiles[0][0] == 0 and tiles[-1][1] == 100 * MiB
    assert all(a[1] == b[0] for a, b in zip(tiles, tiles[1:]))
    assert plan.downloaded == 0 and not plan.complete


def test_parts_never_exceed_max_part_so_connections_are_handed_back() -> None:
    plan = PartPlan.new(200 * MiB, connections=4, max_part=32 * MiB, min_split=2 * MiB)
    assert len(plan.parts()) == 7
    assert max(e - s for s, e in _tiles(plan)) <= 32 * MiB


def test_small_file_is_one_part() -> None:
    plan = PartPlan.new(300_000, connections=8, max_part=32 * MiB, min_split=2 * MiB)
    assert _tiles(plan) == [(0, 300_000)]


def test_sequential_prefix_from_an_earlier_single_connection_attempt_counts_as_done() -> None:
    plan = PartPlan.new(10 * MiB, connections=2, max_part=32 * MiB, min_split=MiB, done_prefix=4 * MiB)
    assert plan.downloaded == 4 * MiB
    first = plan.claim()
    assert first is not None and plan.span(first)[0] == 4 * MiB  # the done prefix is never claimed


def test_claims_go_in_file_order_then_steal_half_of_the_largest_remainder() -> None:
    plan = PartPlan.new(16 * MiB, connections=2, max_part=32 * MiB, min_split=MiB)
    a, b = plan.claim(), plan.claim()
    assert (a, b) == (0, 1)
    plan.advance(0, 2 * MiB)  # part 0: 6 MiB left; part 1: 8 MiB left
    stolen = plan.claim()
    assert stolen is not None
    assert plan.span(stolen) == (12 * MiB, 16 * MiB)  # second half of part 1's remainder
    assert plan.span(1) == (8 * MiB, 12 * MiB)
    assert _tiles(plan)[-1] == (12 * MiB, 16 * MiB)


def test_no_steal_when_the_rest_is_too_small_for_a_new_connection() -> None:
    plan = PartPlan.new(3 * MiB, connections=1, max_part=32 * MiB, min_split=2 * MiB)
    assert plan.claim() == 0
    assert plan.claim() is None


def test_window_clips_a_chunk_at_a_part_end_moved_by_a_steal() -> None:
    plan = PartPlan.new(8 * MiB, connections=1, max_part=32 * MiB, min_split=MiB)
    assert plan.claim() == 0
    assert plan.claim() == 1  # steal: part 0 now ends at 4 MiB
    plan.advance(0, 4 * MiB - 1000)
    window = plan.window(0, 64 * 1024)
    assert window.offset == 4 * MiB - 1000 and window.keep == 1000
    assert plan.advance(0, window.keep) is False  # part done: the worker stops reading
    _fill(plan, 1)
    assert plan.complete and plan.downloaded == 8 * MiB


def test_released_part_is_claimed_again_from_its_position() -> None:
    plan = PartPlan.new(4 * MiB, connections=1, max_part=32 * MiB, min_split=4 * MiB)
    index = plan.claim()
    assert index == 0
    plan.advance(0, 1234)
    plan.release(0)  # the connection broke
    again = plan.claim()
    assert again == 0 and plan.span(0) == (1234, 4 * MiB)


def test_state_round_trip_resumes_done_bytes_and_unclaims_everything() -> None:
    plan = PartPlan.new(10 * MiB, connections=3, max_part=32 * MiB, min_split=MiB, etag='"abc"')
    plan.claim()
    plan.advance(0, 5000)
    loaded = PartPlan.from_json(plan.to_json(), min_split=MiB)
    assert loaded is not None
    assert loaded.downloaded == 5000 and loaded.total == 10 * MiB and loaded.etag == '"abc"'
    assert not any(p.claimed for p in loaded.parts())
    assert loaded.claim() == 0 and loaded.span(0)[0] == 5000


def test_state_matches_only_the_same_file() -> None:
    plan = PartPlan.new(1000, connections=1, max_part=MiB, min_split=10, etag='"v1"')
    assert plan.matches(1000, '"v1"') and plan.matches(1000, None)
    assert not plan.matches(1001, '"v1"') and not plan.matches(1000, '"v2"')


@pytest.mark.parametrize("text", [
    "", "not json", "[]", '{"version": 99, "total": 10, "parts": [[0, 10, 0]]}',
    '{"version": 1, "total": 10, "parts": [[0, 5, 0]]}',  # a gap would be left as zeros
    '{"version": 1, "total": 10, "parts": [[0, 6, 0], [5, 10, 0]]}',  # overlap
    '{"version": 1, "total": 10, "parts": [[0, 10, 11]]}',  # more done than the part holds
    '{"version": 1, "total": 10, "parts": [[0, 10, -1]]}',
    '{"version": 1, "total": true, "parts": [[0, 1, 0]]}',
    '{"version": 1, "total": 10, "etag": 5, "parts": [[0, 10, 0]]}',
    '{"version": 1, "total": 0, "parts": []}',
])
def test_malformed_or_inconsistent_state_is_rejected(text: str) -> None:
    assert PartPlan.from_json(text, min_split=1) is None


def test_saved_state_never_claims_more_than_advance_recorded() -> None:
    plan = PartPlan.new(4 * MiB, connections=2, max_part=MiB, min_split=MiB // 4)
    for _ in range(4):
        index = plan.claim()
        assert index is not None
        plan.advance(index, 1000)
    data = json.loads(plan.to_json())
    assert sum(done for _, _, done in data["parts"]) == 4000 == plan.downloaded


def test_budget_gives_first_connections_priority_over_extra_ones() -> None:
    budget = ConnectionBudget(3)
    assert budget.acquire(first=True, timeout=0)
    assert budget.acquire(first=False, timeout=0)
    assert budget.acquire(first=False, timeout=0)
    got: list[bool] = []
    thread = threading.Thread(target=lambda: got.append(budget.acquire(first=True, timeout=30)))
    thread.start()
    while budget.waiting_first == 0:  # the second download is queued for its first connection
        thread.join(0.001)
    budget.release()
    # The freed slot belongs to the waiting download, whether or not its thread has woken up yet.
    assert not budget.acquire(first=False, timeout=0)
    thread.join()
    assert got == [True] and budget.in_use == 3


def test_budget_timeout_returns_false_without_a_slot() -> None:
    budget = ConnectionBudget(1)
    assert budget.acquire(first=True, timeout=0)
    assert not budget.acquire(first=True, timeout=0)
    budget.release()
    assert budget.in_use == 0


def test_rate_limiter_asks_for_the_wait_that_keeps_the_rate() -> None:
    now = [0.0]
    slept: list[float] = []
    limiter = RateLimiter(1_000_000, clock=lambda: now[0], sleep=slept.append)
    limiter.take(250_000)  # the burst allowance
    assert slept == []
    limiter.take(500_000)
    assert slept == [pytest.approx(0.5)]
    now[0] += 2.0  # idle time refills only up to the burst
    assert limiter.delay_for(250_000) == 0.0
    assert limiter.delay_for(100_000) == pytest.approx(0.1)
