"""Blocking file work (renames, fsync'd `.strm` writes, deletes, partial listings) runs off the event loop thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.memory import InMemoryStrmMappingRepo
from anibridge.domain.jobs.download import EpisodeDownload, temp_stem
from anibridge.domain.jobs.records import Job, JobMode
from anibridge.domain.jobs.strm_files import StrmWriter
from anibridge.ports.errors import DownloadFailed
from tests.fakes import RunningClock
from tests.integration.jobs.episode import REF, TITLE
from tests.unit.jobs.fakes import FakeDownloader, FakeFinder

pytestmark = pytest.mark.anyio


class ThreadRecordingFileStore(LocalFileStore):
    """The real store, noting which thread each blocking call ran on."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.calls: list[tuple[str, int]] = []

    def write_text_atomic(self, relative: str, content: str) -> Path:
        self.calls.append(("write", threading.get_ident()))
        return super().write_text_atomic(relative, content)

    def rename_unique(self, source: Path, target_name: str, directory: str = "") -> Path:
        self.calls.append(("rename", threading.get_ident()))
        return super().rename_unique(source, target_name, directory)

    def rename_over(self, source: Path, target_name: str, directory: str = "") -> Path:
        self.calls.append(("rename", threading.get_ident()))
        return super().rename_over(source, target_name, directory)

    def delete(self, path: Path) -> bool:
        self.calls.append(("delete", threading.get_ident()))
        return super().delete(path)

    def partials(self, stem: str) -> list[Path]:
        self.calls.append(("partials", threading.get_ident()))
        return super().partials(stem)


async def test_download_with_a_hoster_switch_does_its_file_work_in_worker_threads(tmp_path: Path) -> None:
    files = ThreadRecordingFileStore(tmp_path)
    (tmp_path / f"{temp_stem('ab12', 'VOE')}.mp4.part").write_bytes(b"x")  # a stale partial of the hoster that is about to fail
    downloader = FakeDownloader(failures={"VOE": [DownloadFailed("VOE: 404")]})
    job = Job("ab12", REF, JobMode.DOWNLOAD, TITLE, provider="VOE")
    result = await EpisodeDownload(FakeFinder(), downloader, files).run(job, lambda p: None, lambda: False)
    assert result.path == tmp_path / f"{TITLE}.mp4" and result.provider == "Filemoon"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{TITLE}.mp4"]
    kinds = {kind for kind, _ in files.calls}
    assert {"partials", "delete", "rename"} <= kinds
    loop_thread = threading.get_ident()
    assert all(thread != loop_thread for _, thread in files.calls), files.calls


async def test_strm_write_runs_in_a_worker_thread(tmp_path: Path) -> None:
    files = ThreadRecordingFileStore(tmp_path)
    writer = StrmWriter(FakeFinder(), files, InMemoryStrmMappingRepo(), RunningClock())
    result = await writer.run(Job("cd34", REF, JobMode.STRM, TITLE), lambda: False)
    assert result.path.suffix == ".strm" and result.path.read_text().startswith("http://127.0.0.1:9/VOE/")
    assert [kind for kind, _ in files.calls] == ["write", "rename"]
    assert all(thread != threading.get_ident() for _, thread in files.calls)
