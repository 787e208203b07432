"""The watch turns queue and site state into alerts: new failures (not old ones), stuck jobs, completed
downloads when asked, a site down past the threshold and its recovery, stopped workers."""

from __future__ import annotations

import pytest

from anibridge.adapters.memory import InMemoryJobRepo
from anibridge.domain.alerts.collapse import AlertGate
from anibridge.domain.alerts.dispatch import AlertDispatcher, render
from anibridge.domain.alerts.records import Alert, AlertKind
from anibridge.domain.alerts.sites import SiteBoard
from anibridge.domain.alerts.watch import AlertWatch, WatchPolicy
from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.catalog.observed import ObservedCatalog
from anibridge.domain.jobs.records import Job, JobMode, JobState
from anibridge.ports.errors import ChallengeRequired, NotFound, SiteUnavailable
from tests.fakes import FakeClock

pytestmark = pytest.mark.anyio


def _job(n: int, clock: FakeClock) -> Job:
    ref = EpisodeRef(Site.STO, "dark", 1, n, Language.GERMAN_DUB)
    return Job(id=f"job{n}", ref=ref, mode=JobMode.DOWNLOAD, release_title=f"Dark.S01E{n:02d}",
               created_at=clock.now(), updated_at=clock.now())


def _watch(clock: FakeClock, policy: WatchPolicy = WatchPolicy(site_down_seconds=600, job_stuck_seconds=900),
           problem: str | None = None) -> tuple[InMemoryJobRepo, SiteBoard, AlertWatch, list[Alert]]:
    jobs = InMemoryJobRepo(clock)
    board = SiteBoard(clock, [Site.STO, Site.ANIWORLD])
    emitted: list[Alert] = []
    watch = AlertWatch(jobs, board, clock, emitted.append, policy, workers_problem=lambda: problem)
    return jobs, board, watch, emitted


async def _fail(jobs: InMemoryJobRepo, job_id: str, reason: str) -> None:
    await jobs.transition(job_id, frozenset({JobState.QUEUED, JobState.DOWNLOADING}), JobState.FAILED,
                          message=reason)


async def test_only_failures_after_the_first_look_are_announced() -> None:
    clock = FakeClock()
    jobs, _board, watch, emitted = _watch(clock)
    await jobs.add(_job(1, clock))
    await _fail(jobs, "job1", "old failure")
    await jobs.add(_job(2, clock))
    assert await watch.tick() == []  # the first look learns job1 as already failed
    await _fail(jobs, "job2", "every hoster failed: VOE 503")
    alerts = await watch.tick()
    assert [(a.kind, a.subject) for a in alerts] == [(AlertKind.DOWNLOAD_FAILED, "Dark.S01E02")]
    assert "every hoster failed: VOE 503" in alerts[0].body
    assert await watch.tick() == []  # announced once


async def test_completed_downloads_only_when_asked() -> None:
    clock = FakeClock()
    for notify, expected in ((False, []), (True, [AlertKind.DOWNLOAD_COMPLETED])):
        jobs, _board, watch, _ = _watch(clock, WatchPolicy(notify_completed=notify))
        await jobs.add(_job(1, clock))
        await watch.tick()
        await jobs.transition("job1", frozenset({JobState.QUEUED}), JobState.COMPLETED, result_path="/d/x.mp4")
        assert [a.kind for a in await watch.tick()] == expected


async def test_a_download_without_progress_is_stuck() -> None:
    clock = FakeClock()
    jobs, _board, watch, _ = _watch(clock)
    await jobs.add(_job(1, clock))
    await jobs.transition("job1", frozenset({JobState.QUEUED}), JobState.DOWNLOADING)
    await watch.tick()
    clock.advance(899)
    assert await watch.tick() == []
    clock.advance(2)
    assert [a.kind for a in await watch.tick()] == [AlertKind.JOB_STUCK]


async def test_site_down_after_the_threshold_then_recovered_once() -> None:
    clock = FakeClock()
    _jobs, board, watch, _ = _watch(clock)
    board.failed(Site.STO, "HTTP 503")
    clock.advance(599)
    assert await watch.tick() == []
    clock.advance(2)
    board.failed(Site.STO, "HTTP 503")  # still failing: the outage started at the first failure
    down = await watch.tick()
    assert [(a.kind, a.subject) for a in down] == [(AlertKind.SITE_DOWN, "s.to")]
    assert "unreachable" in down[0].title and "HTTP 503" in down[0].body
    assert await watch.tick() == []  # said once
    board.reached(Site.STO)
    assert [a.kind for a in await watch.tick()] == [AlertKind.SITE_RECOVERED]
    assert await watch.tick() == []


async def test_a_short_blip_raises_nothing() -> None:
    clock = FakeClock()
    _jobs, board, watch, _ = _watch(clock)
    board.failed(Site.ANIWORLD, "timeout")
    clock.advance(60)
    board.reached(Site.ANIWORLD)
    clock.advance(1000)
    assert await watch.tick() == []


async def test_a_challenge_is_named_as_such() -> None:
    clock = FakeClock()
    _jobs, board, watch, _ = _watch(clock)
    board.failed(Site.STO, "challenge: captcha", challenged=True)
    clock.advance(700)
    (alert,) = await watch.tick()
    assert "challenging" in alert.title


async def test_stopped_workers_are_reported() -> None:
    clock = FakeClock()
    _jobs, _board, watch, _ = _watch(clock, problem="1 of 3 download worker(s) stopped")
    assert [a.kind for a in await watch.tick()] == [AlertKind.WORKERS_STOPPED]


class _Catalog:
    site = Site.STO

    def __init__(self) -> None:
        self.error: Exception | None = None

    async def _answer(self) -> list[object]:
        if self.error is not None:
            raise self.error
        return []

    async def index(self) -> list[object]:
        return await self._answer()

    async def search(self, query: str) -> list[object]:
        return await self._answer()


async def test_observed_catalog_reports_each_outcome() -> None:
    clock = FakeClock()
    board = SiteBoard(clock, [Site.STO])
    inner = _Catalog()
    catalog = ObservedCatalog(inner, [board])  # type: ignore[arg-type]
    await catalog.index()
    assert board.snapshot()[0].state == "unknown"  # a cached index proves nothing
    await catalog.search("dark")
    assert board.snapshot()[0].state == "ok"
    inner.error = SiteUnavailable("HTTP 502")
    with pytest.raises(SiteUnavailable):
        await catalog.search("dark")
    status = board.snapshot()[0]
    assert status.state == "down" and status.last_error == "HTTP 502"
    inner.error = ChallengeRequired("turnstile")
    with pytest.raises(ChallengeRequired):
        await catalog.index()
    assert board.snapshot()[0].challenged
    inner.error = NotFound("no such show")
    with pytest.raises(NotFound):
        await catalog.search("x")
    assert board.snapshot()[0].state == "ok"  # the site answered


class _Notifier:
    def __init__(self, ok: bool = True, enabled: bool = True) -> None:
        self.ok = ok
        self.enabled = enabled
        self.sent: list[tuple[str, str, bool]] = []

    def send(self, title: str, body: str, failure: bool = True) -> bool:
        self.sent.append((title, body, failure))
        if self.ok is None:
            raise RuntimeError("target exploded")
        return self.ok


async def test_dispatcher_collapses_sends_in_background_and_survives_failing_targets() -> None:
    clock = FakeClock()
    notifier = _Notifier(ok=False)
    dispatcher = AlertDispatcher(notifier, AlertGate(600, clock.monotonic))
    await dispatcher.start()
    alert = Alert(AlertKind.DOWNLOAD_FAILED, "x", "t", "b")
    assert dispatcher.emit(alert) is True
    assert dispatcher.emit(alert) is False  # collapsed
    await dispatcher.stop()  # drains the queue, then the thread ends
    assert len(notifier.sent) == 1 and dispatcher.failed == 1  # failed once, not retried
    notifier.ok = None  # type: ignore[assignment]
    assert dispatcher.send_now(alert) is False  # an exception is a failure, not a crash


async def test_alerts_off_queue_nothing() -> None:
    dispatcher = AlertDispatcher(_Notifier(enabled=False), AlertGate(0, FakeClock().monotonic))
    assert dispatcher.emit(Alert(AlertKind.TEST, "t", "t", "b")) is False


def test_render_mentions_held_back_alerts() -> None:
    alert = Alert(AlertKind.DOWNLOAD_FAILED, "x", "title", "body")
    assert render(alert, 0) == ("title", "body")
    assert "3 identical" in render(alert, 3)[1]
