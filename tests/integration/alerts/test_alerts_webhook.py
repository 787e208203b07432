"""Alerts end to end through real Apprise to a loopback webhook (`json://127.0.0.1:PORT/`): a failed download,
a site outage past the threshold and its recovery (the real s.to adapter against the fake s.to with a 503
fault), and a burst of identical failures collapsed into one alert."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from anibridge.adapters.memory import InMemoryJobRepo
from anibridge.adapters.notify import AppriseNotifier
from anibridge.adapters.sites.sto import StoCatalog
from anibridge.domain.alerts.collapse import AlertGate
from anibridge.domain.alerts.dispatch import AlertDispatcher
from anibridge.domain.alerts.sites import SiteBoard
from anibridge.domain.alerts.watch import AlertWatch, WatchPolicy
from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.catalog.observed import ObservedCatalog
from anibridge.domain.jobs.records import Job, JobMode, JobState
from anibridge.ports.errors import PortError
from anibridge_fakes.http import FakeServer
from anibridge_fakes.sto import StoApp
from tests.fakes import FakeClock
from tests.integration.sites.conftest import fake_embed, site_options
from tests.webhook import Webhook

pytestmark = pytest.mark.anyio


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as hook:
        yield hook


@pytest.fixture(scope="module")
def sto_server() -> Iterator[FakeServer]:
    from anibridge_fakes.catalogue import load_catalogue

    server = FakeServer(StoApp(load_catalogue(), fake_embed)).start()
    yield server
    server.stop()


def _job(n: int, clock: FakeClock) -> Job:
    ref = EpisodeRef(Site.STO, "dark", 1, n, Language.GERMAN_DUB)
    return Job(id=f"job{n}", ref=ref, mode=JobMode.DOWNLOAD, release_title=f"Dark.S01E{n:02d}.GER-STO",
               created_at=clock.now(), updated_at=clock.now())


async def _pipeline(webhook: Webhook, clock: FakeClock, board: SiteBoard) -> tuple[
        InMemoryJobRepo, AlertDispatcher, AlertWatch]:
    jobs = InMemoryJobRepo(clock)
    dispatcher = AlertDispatcher(AppriseNotifier([webhook.url]), AlertGate(3600, clock.monotonic))
    watch = AlertWatch(jobs, board, clock, dispatcher.emit, WatchPolicy(site_down_seconds=300))
    await dispatcher.start()
    return jobs, dispatcher, watch


async def test_failed_download_and_a_collapsed_burst(webhook: Webhook) -> None:
    clock = FakeClock()
    jobs, dispatcher, watch = await _pipeline(webhook, clock, SiteBoard(clock))
    try:
        await watch.tick()
        await jobs.add(_job(1, clock))
        await jobs.transition("job1", frozenset({JobState.QUEUED}), JobState.FAILED,
                              message="every hoster failed: VOE answered 503")
        await watch.tick()
        (first,) = webhook.wait_for(1)
        assert first["title"] == "anibridge: download failed: Dark.S01E01.GER-STO"
        assert "VOE answered 503" in first["message"] and first["type"] == "failure"

        # A burst: the same release fails again and again (retries, Sonarr re-grabs) — one alert only.
        for attempt in range(2, 8):
            job = _job(attempt, clock)
            job.release_title = "Dark.S01E05.GER-STO"
            await jobs.add(job)
            await jobs.transition(job.id, frozenset({JobState.QUEUED}), JobState.FAILED, message=f"try {attempt}")
            await watch.tick()
        await dispatcher.stop()  # drains what was queued
        titles = [r["title"] for r in webhook.received]
        assert titles.count("anibridge: download failed: Dark.S01E05.GER-STO") == 1
        assert len(webhook.received) == 2
    finally:
        await dispatcher.stop()


async def test_site_outage_and_recovery(webhook: Webhook, sto_server: FakeServer) -> None:
    clock = FakeClock()
    board = SiteBoard(clock, [Site.STO])
    jobs, dispatcher, watch = await _pipeline(webhook, clock, board)
    async with httpx.AsyncClient() as client:
        sto = ObservedCatalog(StoCatalog(client, site_options(sto_server.base_url)), [board])
        try:
            await sto.series("dark")
            await watch.tick()
            sto_server.app.faults.status = 503
            for _ in range(3):
                with pytest.raises(PortError):
                    await sto.series("dark")
                clock.advance(120)
                await watch.tick()
            (down,) = webhook.wait_for(1)
            assert down["title"] == "anibridge: s.to unreachable"
            assert "503" in down["message"] or "unavailable" in down["message"].lower()

            sto_server.app.faults.reset()
            await sto.series("dark")
            await watch.tick()
            received = webhook.wait_for(2)
            assert received[1]["title"] == "anibridge: s.to is back" and received[1]["type"] == "info"
            assert len(received) == 2
        finally:
            sto_server.app.faults.reset()
            await dispatcher.stop()


async def test_a_failing_target_is_logged_not_retried(webhook: Webhook, caplog: pytest.LogCaptureFixture) -> None:
    webhook.status = 500
    clock = FakeClock()
    jobs, dispatcher, watch = await _pipeline(webhook, clock, SiteBoard(clock))
    await watch.tick()
    await jobs.add(_job(1, clock))
    await jobs.transition("job1", frozenset({JobState.QUEUED}), JobState.FAILED, message="x")
    await watch.tick()
    await dispatcher.stop()
    assert len(webhook.received) == 1  # one try
    assert dispatcher.failed == 1
    assert "not retried" in caplog.text


def test_notify_test_command_sends_one(webhook: Webhook, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from anibridge.delivery.cli.main import main

    monkeypatch.setenv("NOTIFY_URLS", webhook.url)
    assert main(["notify-test"]) == 0
    (received,) = webhook.wait_for(1)
    assert received["title"] == "anibridge: test alert" and received["type"] == "info"
    assert "sent a test alert to 1 target(s)" in capsys.readouterr().out
    webhook.status = 500
    assert main(["notify-test"]) == 1
    monkeypatch.setenv("NOTIFY_URLS", "")
    assert main(["notify-test"]) == 2
