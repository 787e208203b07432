"""`anibridge download` and `anibridge jobs`: the job machinery from a terminal, with or without the server.

Beside a running server (`--server URL`, ANIBRIDGE_SERVER, or one answering on 127.0.0.1:ANIBRIDGE_PORT) both
go through its HTTP API: `download` queues the job there and follows it, `jobs` lists the server's jobs.
Otherwise (or with `--local`):

`download` records the job in the same database the server uses (so `jobs` and the qBittorrent view show it)
but runs it in this process under its own worker id and lease: a server on the same database leaves it
alone while the lease is renewed and takes it over only if this process dies. Ctrl-C cancels the job.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TextIO

from anibridge.delivery.cli.remote import add_command_options
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
    parse_number,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.jobs.scheduler import new_job_id
from anibridge.domain.releases.magnets import (
    MagnetError,
    parse_magnet,
)
from anibridge.ports.streams import DownloadProgress

if TYPE_CHECKING:
    from anibridge.settings import Settings
    from anibridge.wiring.container import Container


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    commands: dict[str, Callable[[argparse.Namespace, Settings], int]],
) -> None:
    """Add `download` and `jobs` to the `anibridge` command."""
    commands["download"] = download_command
    commands["jobs"] = jobs_command
    p = sub.add_parser("download", help="download one episode now (MAGNET, or SITE SLUG SEASON EPISODE)")
    p.add_argument("target", nargs="+", metavar="MAGNET | SITE SLUG SEASON EPISODE")
    p.add_argument("--language", "-l", default="German Dub", help="language variant (default German Dub)")
    p.add_argument("--provider", "-p", default=None, help="preferred hoster (default: PROVIDER_ORDER)")
    p.add_argument("--title", default=None, help="release title used as the file name")
    p.add_argument("--strm", action="store_true", help="write a .strm file instead of downloading")
    add_command_options(p)
    j = sub.add_parser("jobs", help="list recent jobs (of the running server, if one answers)")
    j.add_argument("--limit", "-n", type=int, default=20)
    add_command_options(j)


def _target(args: argparse.Namespace) -> tuple[EpisodeRef, str, str | None, JobMode]:
    """(ref, release title, provider, mode) from a magnet or SITE SLUG S E; ValueError with the reason."""
    mode = JobMode.STRM if args.strm else JobMode.DOWNLOAD
    if len(args.target) == 1:
        try:
            magnet = parse_magnet(args.target[0])
        except MagnetError as ex:
            raise ValueError(f"not a usable magnet: {ex}") from None
        mode = JobMode.STRM if magnet.is_strm or args.strm else JobMode.DOWNLOAD
        return magnet.ref, args.title or magnet.title, args.provider or magnet.provider, mode
    if len(args.target) != 4:
        raise ValueError("expected MAGNET or SITE SLUG SEASON EPISODE")
    site_raw, slug, season, episode = args.target
    try:
        numbers = parse_number(season, "season"), parse_number(episode, "episode")
    except ValueError:
        raise ValueError(f"season and episode must be integers, got {season!r} {episode!r}") from None
    ref = EpisodeRef(Site.parse(site_raw), slug, *numbers, Language.parse(args.language))
    return ref, args.title or "", args.provider, mode


def _human(n: float | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class ProgressView:
    """A redrawn bar on a TTY; otherwise one plain line per 10 % (or per 8 MiB when the size is unknown)."""

    def __init__(self, out: TextIO, tty: bool | None = None, width: int = 30) -> None:
        self._out = out
        self._tty = out.isatty() if tty is None else tty
        self._width = width
        self._last_step = -1
        self._drawn = False

    def update(self, job_id: str, sample: DownloadProgress) -> None:
        total = sample.total_bytes
        pct = min(100.0, sample.downloaded_bytes * 100.0 / total) if total else None
        speed = f"{_human(sample.speed)}/s" if sample.speed else "-"
        eta = f"eta {sample.eta}s" if sample.eta is not None else ""
        if self._tty:
            filled = int(self._width * (pct or 0) / 100)
            bar = "#" * filled + "-" * (self._width - filled)
            pct_text = f"{pct:5.1f}%" if pct is not None else "  ?  "
            line = f"\r[{bar}] {pct_text} {_human(sample.downloaded_bytes)}/{_human(total)} {speed} {eta}"
            self._out.write(line.ljust(78))
            self._drawn = True
        else:
            step = int(pct // 10) if pct is not None else sample.downloaded_bytes // (8 << 20)
            if step == self._last_step:
                return
            self._last_step = step
            where = f"{pct:.0f}%" if pct is not None else _human(sample.downloaded_bytes)
            self._out.write(f"{job_id[:8]} {where} {_human(sample.downloaded_bytes)} {speed} {eta}\n")
        self._out.flush()

    def finish(self) -> None:
        if self._drawn:
            self._out.write("\n")
            self._out.flush()


async def _run_download(args: argparse.Namespace, settings: Settings) -> int:
    from anibridge.wiring.container import create_container
    from anibridge.wiring.jobs import LEASE_SECONDS

    try:
        ref, title, provider, mode = _target(args)
    except ValueError as ex:
        print(f"anibridge download: {ex}", file=sys.stderr)
        return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.downloads_path.mkdir(parents=True, exist_ok=True)
    container = create_container(settings)
    database = container.database()
    await database.startup()
    view = ProgressView(sys.stderr)
    try:
        runner = container.foreground_job_runner(on_sample=view.update)
        repo, clock = container.job_repo(), container.clock()
        worker = f"cli-{os.getpid()}/0"
        now = clock.now()
        job = Job(id=new_job_id(), ref=ref, mode=mode, release_title=title, provider=provider,
                  state=JobState.DOWNLOADING, worker=worker, lease_until=now + timedelta(seconds=LEASE_SECONDS),
                  attempts=1, created_at=now, updated_at=now)
        await repo.add(job)
        print(f"job {job.id}: {ref.label} ({mode.value})", file=sys.stderr)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, runner.signal_cancel, job.id)
        try:
            await runner.run(job, worker)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
        final = await repo.get(job.id)
        if final is not None and final.state is JobState.COMPLETED and mode is JobMode.DOWNLOAD:
            view.update(job.id, DownloadProgress(final.downloaded_bytes, final.total_bytes, None, 0))
        view.finish()
    finally:
        await _close(container)
        await database.shutdown()
    if final is None or final.state is not JobState.COMPLETED:
        state = final.state.value if final else "missing"
        print(f"anibridge download: {state}: {final.message if final else ''}", file=sys.stderr)
        return 130 if final is not None and final.state is JobState.CANCELLED else 1
    print(final.result_path)
    return 0


async def _close(container: Container) -> None:
    try:
        await container.http_client().aclose()
        gate = container.gate_browser()  # the optional browser of the redirect gate (None: off)
        if gate is not None:
            await gate.aclose()
    except Exception:  # noqa: BLE001 - best effort on exit
        pass


async def _list_jobs(args: argparse.Namespace, settings: Settings) -> int:
    from anibridge.delivery.jobs.listing import job_listing
    from anibridge.wiring.container import create_container

    container = create_container(settings)
    database = container.database()
    await database.startup()
    try:
        jobs = await container.job_repo().list_recent(max(1, args.limit))
    finally:
        await database.shutdown()
    return _print_jobs([job_listing(job) for job in jobs])


def _print_jobs(rows: list[dict[str, Any]]) -> int:
    """One line per job, from the JSON listing (`GET /jobs`) or the same fields read locally."""
    if not rows:
        print("no jobs")
        return 0
    for row in rows:
        created = str(row.get("created_at") or "?")
        when = created[:16].replace("T", " ")
        detail = (row.get("result_path") if row.get("status") == JobState.COMPLETED.value else row.get("message")) or ""
        print(f"{row['id']}  {when}  {row['status']:<11} {float(row['progress']):5.1f}%  {row['mode']:<8} "
              f"{row['episode']}  {detail}")
    return 0


def _remote_jobs(server: str, args: argparse.Namespace, settings: Settings) -> int:
    from anibridge.delivery.cli.remote import Remote

    with Remote(server, settings) as remote:
        rows = remote.json("GET", "/jobs", params={"limit": max(1, args.limit)})
    return _print_jobs(rows)


def _remote_download(server: str, args: argparse.Namespace, settings: Settings) -> int:
    """Submit the job to the server's queue and follow it; Ctrl-C cancels it there."""
    from anibridge.delivery.cli.remote import Remote

    try:
        ref, title, provider, mode = _target(args)
    except ValueError as ex:
        print(f"anibridge download: {ex}", file=sys.stderr)
        return 2
    body = {"site": ref.site.value, "slug": ref.slug, "season": ref.season, "episode": ref.episode,
            "language": ref.language.value, "provider": provider, "mode": mode.value, "title_hint": title or None}
    view = ProgressView(sys.stderr)
    with Remote(server, settings) as remote:
        job_id = str(remote.json("POST", "/downloader/download", json=body)["job_id"])
        print(f"job {job_id}: {ref.label} ({mode.value}) on {server}", file=sys.stderr)
        try:
            snapshot = _follow(remote, job_id, view)
        except KeyboardInterrupt:
            remote.json("DELETE", f"/jobs/{job_id}")
            view.finish()
            print(f"anibridge download: cancelled job {job_id}", file=sys.stderr)
            return 130
    view.finish()
    if snapshot["status"] != JobState.COMPLETED.value:
        print(f"anibridge download: {snapshot['status']}: {snapshot.get('message') or ''}", file=sys.stderr)
        return 130 if snapshot["status"] == JobState.CANCELLED.value else 1
    print(snapshot["result_path"])
    return 0


REMOTE_POLL_SECONDS = 1.0
TERMINAL = {JobState.COMPLETED.value, JobState.FAILED.value, JobState.CANCELLED.value}


def _follow(remote: Any, job_id: str, view: ProgressView) -> dict[str, Any]:
    while True:
        snapshot: dict[str, Any] = remote.json("GET", f"/jobs/{job_id}")
        view.update(job_id, DownloadProgress(int(snapshot.get("downloaded_bytes") or 0), snapshot.get("total_bytes"),
                                             snapshot.get("speed"), snapshot.get("eta")))
        if snapshot["status"] in TERMINAL:
            return snapshot
        time.sleep(REMOTE_POLL_SECONDS)


def _through_server(args: argparse.Namespace, settings: Settings, remote: Callable[..., int]) -> int | None:
    """Run `remote` against the chosen server (None when the command should work locally)."""
    from anibridge.delivery.cli.remote import RemoteError, choose_server

    server = choose_server(args, settings)
    if server is None:
        return None
    try:
        return remote(server, args, settings)
    except RemoteError as ex:
        print(f"anibridge {args.command}: {ex}", file=sys.stderr)
        return 1


def download_command(args: argparse.Namespace, settings: Settings) -> int:
    started = time.monotonic()
    code = _through_server(args, settings, _remote_download)
    if code is None:
        code = asyncio.run(_run_download(args, settings))
    if code == 0:
        print(f"done in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return code


def jobs_command(args: argparse.Namespace, settings: Settings) -> int:
    code = _through_server(args, settings, _remote_jobs)
    return asyncio.run(_list_jobs(args, settings)) if code is None else code
