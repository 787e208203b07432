"""Job lifecycle and qBittorrent state mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.lifecycle import (
    IllegalTransition,
    allowed_sources,
    transition,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.qbittorrent.records import ClientTask
from anibridge.domain.qbittorrent.states import qbit_progress, qbit_state

NOW = datetime(2026, 1, 1, tzinfo=UTC)
REF = EpisodeRef(Site.ANIWORLD, "x", 1, 1, Language.GERMAN_DUB)

LEGAL = {
    (JobState.QUEUED, JobState.DOWNLOADING),
    (JobState.QUEUED, JobState.CANCELLED),
    (JobState.DOWNLOADING, JobState.COMPLETED),
    (JobState.DOWNLOADING, JobState.FAILED),
    (JobState.DOWNLOADING, JobState.CANCELLED),
    (JobState.DOWNLOADING, JobState.QUEUED),
}


def job(state: JobState = JobState.QUEUED, **kw: object) -> Job:
    return Job(id="j1", ref=REF, mode=JobMode.DOWNLOAD, release_title="X", state=state, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("old", "new"), list(product(JobState, JobState)))
def test_transition_table(old: JobState, new: JobState) -> None:
    if (old, new) in LEGAL:
        out = transition(job(old), new, NOW)
        assert out.state is new and out.updated_at == NOW
    else:
        with pytest.raises(IllegalTransition, match=f"{old.value} -> {new.value}"):
            transition(job(old), new, NOW)


def test_transition_side_effects_and_purity() -> None:
    j = job(JobState.DOWNLOADING, total_bytes=10, downloaded_bytes=3, worker="w", message="m")
    done = transition(j, JobState.COMPLETED, NOW)
    assert (done.progress, done.downloaded_bytes) == (100.0, 10)
    assert j.state is JobState.DOWNLOADING  # input untouched
    requeued = transition(j, JobState.QUEUED, NOW)
    assert requeued.worker is None and requeued.lease_until is None
    started = transition(job(), JobState.DOWNLOADING, NOW)
    assert started.attempts == 1 and started.message is None


def test_allowed_sources() -> None:
    assert allowed_sources(JobState.CANCELLED) == {JobState.QUEUED, JobState.DOWNLOADING}
    assert allowed_sources(JobState.DOWNLOADING) == {JobState.QUEUED}


def test_qbit_states() -> None:
    task = ClientTask(hash="h", name="n", ref=REF, added_on=NOW)
    stopped = ClientTask(hash="h", name="n", ref=REF, added_on=NOW, stopped=True)
    assert qbit_state(None) == "queuedDL"
    assert qbit_state(None, stopped) == "stoppedDL"
    assert qbit_state(job(), task) == "queuedDL"
    assert qbit_state(job(), stopped) == "stoppedDL"
    assert qbit_state(job(JobState.DOWNLOADING)) == "downloading"
    assert qbit_state(job(JobState.COMPLETED)) == "stoppedUP"
    assert qbit_state(job(JobState.FAILED)) == "error"
    assert qbit_state(job(JobState.CANCELLED)) == "stoppedDL"
    assert "stalledDL" not in {qbit_state(job(s)) for s in JobState}


def test_qbit_progress() -> None:
    assert qbit_progress(None) == 0.0
    assert qbit_progress(job(JobState.DOWNLOADING, progress=42.0)) == pytest.approx(0.42)
    assert qbit_progress(job(JobState.DOWNLOADING, progress=1.0, total_bytes=200, downloaded_bytes=50)) == 0.25
    # Only a completed job reads 1.0: @ctrl/qbittorrent calls progress 1.0 finished before the file is final.
    assert qbit_progress(job(JobState.DOWNLOADING, progress=250.0)) < 1.0
    assert qbit_progress(job(JobState.DOWNLOADING, total_bytes=200, downloaded_bytes=200)) < 1.0
    assert qbit_progress(job(JobState.COMPLETED, progress=0.0)) == 1.0
