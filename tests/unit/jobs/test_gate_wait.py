"""A job that meets a site's gate waits for it (saying so in its message) instead of failing; the wait is bounded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site
from anibridge.domain.jobs.download import GateWait, find_stream
from anibridge.domain.jobs.records import Job, JobMode
from anibridge.ports.errors import DownloadFailed, GateKind, SiteGated
from anibridge.ports.streams import DirectStream

pytestmark = pytest.mark.anyio

START = datetime(2026, 9, 1, 14, 0, tzinfo=UTC)


@dataclass
class GatedFinder:
    """Answers the gate until `lifts_at`, then a stream; `retry_at` is what the site says."""

    now: Callable[[], datetime]
    lifts_at: datetime
    kind: GateKind = GateKind.VERIFICATION
    retry: timedelta | None = timedelta(minutes=5)
    asked: int = 0

    async def find(self, ref: EpisodeRef, preferred: str | None = None,
                   exclude: frozenset[str] = frozenset()) -> DirectStream:
        self.asked += 1
        if self.now() < self.lifts_at:
            raise SiteGated("serienstream.to", self.kind, detail="turnstile",
                            retry_at=self.now() + self.retry if self.retry is not None else None)
        return DirectStream("http://127.0.0.1:9/v.mp4", "VOE")


@dataclass
class Waiting:
    now_: datetime = START
    notices: list[str] = field(default_factory=list)
    slept: list[float] = field(default_factory=list)

    def now(self) -> datetime:
        return self.now_

    async def notice(self, text: str) -> None:
        self.notices.append(text)

    async def sleep(self, seconds: float, is_cancelled: Callable[[], bool]) -> None:
        self.slept.append(seconds)
        self.now_ += timedelta(seconds=seconds)

    def gate_wait(self, limit: float) -> GateWait:
        return GateWait(limit, self.now, self.sleep)


def _job() -> Job:
    return Job(id="j1", ref=EpisodeRef(Site.STO, "breaking-bad", 1, 2, Language.GERMAN_DUB), mode=JobMode.DOWNLOAD,
               release_title="Breaking.Bad.S01E02")


async def test_a_gated_job_waits_until_the_retry_time_and_then_completes() -> None:
    w = Waiting()
    finder = GatedFinder(w.now, lifts_at=START + timedelta(minutes=12))
    stream = await find_stream(finder, _job(), None, lambda: False, (), gate_wait=w.gate_wait(3600),
                              on_wait=w.notice)
    assert stream.provider == "VOE" and finder.asked == 4
    assert w.slept == [300.0, 300.0, 300.0]
    assert w.notices[0].startswith("waiting for serienstream.to: verification required (turnstile), retry at ")
    assert w.notices[-1] == ""  # cleared once the stream is found


async def test_the_wait_is_bounded_then_the_job_fails_with_the_reason() -> None:
    w = Waiting()
    finder = GatedFinder(w.now, lifts_at=START + timedelta(days=1))
    with pytest.raises(DownloadFailed, match=r"gave up after waiting 20 min: serienstream.to: verification required"):
        await find_stream(finder, _job(), None, lambda: False, (), gate_wait=w.gate_wait(1200), on_wait=w.notice)
    assert sum(w.slept) == 1200


async def test_a_dns_block_does_not_pass_by_waiting() -> None:
    w = Waiting()
    finder = GatedFinder(w.now, lifts_at=START + timedelta(days=1), kind=GateKind.DNS_BLOCK, retry=None)
    with pytest.raises(DownloadFailed, match="CUII"):
        await find_stream(finder, _job(), None, lambda: False, (), gate_wait=w.gate_wait(3600))
    assert w.slept == []


async def test_without_gate_waiting_the_gate_fails_at_once() -> None:
    finder = GatedFinder(lambda: START, lifts_at=START + timedelta(days=1))
    with pytest.raises(DownloadFailed, match="verification required"):
        await find_stream(finder, _job(), None, lambda: False, ())


def test_the_waiting_reason_shows_as_the_torrents_comment() -> None:
    from dataclasses import replace

    from anibridge.domain.jobs.records import JobState
    from anibridge.domain.qbittorrent.view import error_text

    waiting = replace(_job(), state=JobState.DOWNLOADING,
                      message="waiting for serienstream.to: verification required (turnstile), retry at 14:05")
    assert error_text(waiting) == "anibridge: " + waiting.message
    assert error_text(replace(waiting, message="")) == ""
