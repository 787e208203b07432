"""A qBittorrent API world on in-memory repositories: real use cases, real JobScheduler (no workers), real files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import falcon.asgi

from anibridge.adapters.files import LocalFileStore
from anibridge.adapters.memory import InMemoryClientTaskRepo, InMemoryJobRepo, InMemoryRegrabRepo
from anibridge.delivery.qbittorrent import QbitContext, register
from anibridge.delivery.qbittorrent.auth import Sessions
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.jobs.records import (
    JobMode,
    JobState,
    ProgressUpdate,
)
from anibridge.domain.jobs.scheduler import JobScheduler
from anibridge.domain.qbittorrent.listing import TorrentListing
from anibridge.domain.qbittorrent.service import (
    ClientConfig,
    TorrentService,
)
from anibridge.domain.qbittorrent.sync import MainDataSync
from anibridge.domain.releases.magnets import build_magnet
from anibridge.ports.repos import ClientTaskRepo, JobRepo
from tests.fakes import FakeClock


def ref(episode: int = 1, lang: Language = Language.GERMAN_DUB, slug: str = "kaguya-sama") -> EpisodeRef:
    return EpisodeRef(Site.ANIWORLD, slug, 1, episode, lang)


def magnet(episode: int = 1, mode: JobMode | None = None, slug: str = "kaguya-sama",
           published_at: datetime | None = None) -> str:
    title = f"Kaguya-sama.S01E{episode:02d}.1080p.WEB.H264.GER-ANIWORLD"
    return build_magnet(ref(episode, slug=slug), title, provider="VOE", mode=mode, published_at=published_at)


@dataclass
class World:
    clock: FakeClock
    tasks: ClientTaskRepo
    jobs: JobRepo
    scheduler: JobScheduler
    service: TorrentService
    listing: TorrentListing
    files: LocalFileStore
    root: Path
    ctx: QbitContext
    regrabs: InMemoryRegrabRepo = field(default_factory=InMemoryRegrabRepo)

    async def finish(self, hash_: str, *, fail: str | None = None) -> Path:
        """Drive the task's job like a worker would: claim, progress, then complete (file written) or fail."""
        task = await self.tasks.get(hash_)
        assert task is not None and task.job_id
        job = await self.jobs.transition(task.job_id, frozenset({JobState.QUEUED}), JobState.DOWNLOADING)
        assert job is not None
        await self.jobs.record_progress(job.id, ProgressUpdate(500, 1000, 250.0, 2, 50.0), self.clock.now())
        folder = self.root / job.target_dir if job.target_dir else self.root
        path = folder / f"{task.name}.mp4"
        if fail:
            await self.jobs.transition(job.id, frozenset({JobState.DOWNLOADING}), JobState.FAILED, message=fail)
            return path
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 1000)
        await self.jobs.transition(
            job.id, frozenset({JobState.DOWNLOADING}), JobState.COMPLETED, result_path=str(path), provider_used="VOE"
        )
        return path


def build_world(
    tmp_path: Path,
    *,
    public: str = "/downloads",
    username: str = "",
    password: str = "",
    api_key: str = "",
    delete_files: bool = False,
    repos: Callable[[FakeClock], tuple[ClientTaskRepo, JobRepo]] | None = None,
) -> World:
    """In-memory repositories unless `repos(clock)` supplies others (the SQL ones in integration tests)."""
    clock = FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    root = tmp_path / "dl"
    root.mkdir(exist_ok=True)
    tasks, jobs = repos(clock) if repos is not None else (InMemoryClientTaskRepo(), InMemoryJobRepo(clock))
    scheduler = JobScheduler(jobs, clock)
    config = ClientConfig(download_dir=str(root), public_save_path=public, delete_files_on_delete=delete_files)
    files = LocalFileStore(root)
    regrabs = InMemoryRegrabRepo()
    service = TorrentService(tasks, jobs, scheduler, clock, config, files, regrabs)
    listing = TorrentListing(tasks, jobs, clock, config)
    sessions = Sessions(username, password, timeout_seconds=60, clock=clock.monotonic, api_key=api_key)
    ctx = QbitContext(service, listing, MainDataSync(), sessions, root)
    return World(clock, tasks, jobs, scheduler, service, listing, files, root, ctx, regrabs)


def make_app(ctx: QbitContext) -> falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response]:
    app: falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response] = falcon.asgi.App()
    app.resp_options.secure_cookies_by_default = False
    register(app, ctx)
    return app
