"""The reference's small JSON job API (`/downloader/download`, `/jobs/{id}`), kept for scripts that used it.

Better than the reference: a `site` field (the reference always used aniworld.to), `mode=strm`, a DELETE that
really cancels, JSON (not Python-repr) server-sent events, and a 404 for unknown jobs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import falcon
import falcon.asgi

from anibridge.delivery.auth import AccessPolicy, login_required
from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
    is_valid_slug,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
)
from anibridge.domain.releases.magnets import MAX_SLUG_LEN
from anibridge.domain.streams.providers import KNOWN_PROVIDERS

if TYPE_CHECKING:
    from anibridge.domain.jobs.scheduler import JobScheduler
    from anibridge.ports.repos import JobRepo

log = logging.getLogger(__name__)

_CANONICAL_PROVIDERS = {p.lower(): p for p in KNOWN_PROVIDERS}


def job_snapshot(job: Job) -> dict[str, Any]:
    """The nine fields the reference reports (plus the mode and provider, which scripts find useful)."""
    return {
        "id": job.id,
        "status": job.state.value,
        "progress": round(job.progress, 2),
        "downloaded_bytes": job.downloaded_bytes,
        "total_bytes": job.total_bytes,
        "speed": job.speed,
        "eta": job.eta,
        "message": job.message,
        "result_path": job.result_path,
        "mode": job.mode.value,
        "provider": job.provider_used or job.provider,
    }


def _invalid(detail: str) -> falcon.HTTPError:
    log.info("legacy download request rejected: %s", detail)
    return falcon.HTTPUnprocessableEntity(title="Invalid request", description=detail)


_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""Job ids are uuid hex; anything else (a NUL that PostgreSQL refuses, 10,000 characters) cannot name a job."""


def _plausible_id(job_id: str) -> bool:
    return _JOB_ID.fullmatch(job_id) is not None


def _not_found(resp: falcon.asgi.Response) -> None:
    resp.status = falcon.HTTP_404
    resp.media = {"detail": "job not found"}


MAX_NUMBER = 999_999
"""Largest season/episode accepted (the same bound magnets have)."""


def _int_field(body: dict[str, Any], name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or value is None:
        raise _invalid(f"{name} is required and must be an integer >= 0")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():  # not "²"
        value = int(value.strip())
    if not isinstance(value, int) or value < 0:
        raise _invalid(f"{name} must be an integer >= 0, got {value!r}")
    if value > MAX_NUMBER:  # the job tables' INTEGER columns would overflow (500 from the database)
        raise _invalid(f"{name} must be at most {MAX_NUMBER}, got {value}")
    return value


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a string")
    if not _storable(value):
        raise _invalid(f"{name} must be printable text")
    return value.strip() or None


def _storable(value: str) -> bool:
    """Valid UTF-8 without control characters: a lone surrogate (`\ud800`) cannot be encoded for the database and
    PostgreSQL refuses NUL in text columns."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 32 or ord(c) == 127 for c in value)


_LINK = re.compile(
    r"/(?:anime/stream|serie(?:/stream)?)/(?P<slug>[A-Za-z0-9-]+)"
    r"(?:/staffel-(?P<season>\d+)/episode-(?P<episode>\d+)|/filme/film-(?P<film>\d+))?/?$"
)


def _from_link(body: dict[str, Any]) -> None:
    """Accept the reference's `link` (an AniWorld/s.to episode URL) by filling slug/season/episode/site."""
    link = _optional_str(body, "link")
    if link is None:
        return
    parts = urlsplit(link)
    match = _LINK.search(parts.path)
    if match is None:
        raise _invalid(f"link is not an episode URL: {link!r}")
    body.setdefault("slug", match["slug"])
    if match["film"] is not None:
        body.setdefault("season", 0)
        body.setdefault("episode", int(match["film"]))
    elif match["season"] is not None:
        body.setdefault("season", int(match["season"]))
        body.setdefault("episode", int(match["episode"]))
    if "site" not in body:
        body["site"] = Site.STO.value if parts.path.startswith("/serie") else Site.ANIWORLD.value


def parse_download_request(body: object) -> tuple[EpisodeRef, JobMode, str, str | None]:
    """Validate the POST body into (ref, mode, release title, provider); raise 422 with the reason."""
    if not isinstance(body, dict):
        raise _invalid("body must be a JSON object")
    _from_link(body)
    slug = _optional_str(body, "slug")
    if slug is None:
        raise _invalid("slug (or link) is required")
    if len(slug) > MAX_SLUG_LEN or not is_valid_slug(slug):  # column width; `../` or `?` would steer site URLs
        raise _invalid(f"slug must be at most {MAX_SLUG_LEN} lowercase letters, digits and hyphens")
    try:
        site = Site.parse(_optional_str(body, "site") or Site.ANIWORLD.value)
        language = Language.parse(_optional_str(body, "language") or Language.GERMAN_DUB.value)
    except ValueError as ex:
        raise _invalid(str(ex)) from None
    default_episode = 0 if site is Site.MEGAKINO else None
    season = _int_field(body, "season", default_episode)
    episode = _int_field(body, "episode", default_episode)
    provider_raw = _optional_str(body, "provider")
    provider = None
    if provider_raw is not None:
        provider = _CANONICAL_PROVIDERS.get(provider_raw.lower())
        if provider is None:
            raise _invalid(f"unknown provider {provider_raw!r} (allowed: {', '.join(KNOWN_PROVIDERS)})")
    mode_raw = (_optional_str(body, "mode") or "download").lower()
    try:
        mode = JobMode(mode_raw)
    except ValueError:
        raise _invalid(f"mode must be 'download' or 'strm', got {mode_raw!r}") from None
    try:
        ref = EpisodeRef(site, slug, season, episode, language)
    except ValueError as ex:
        raise _invalid(str(ex)) from None
    return ref, mode, _optional_str(body, "title_hint") or "", provider


@falcon.before(login_required)
class DownloadResource:
    def __init__(self, scheduler: JobScheduler, access: AccessPolicy) -> None:
        self._scheduler = scheduler
        self.access = access

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            body = await req.get_media()
        except (falcon.MediaMalformedError, RecursionError, UnicodeDecodeError):  # deep nesting, bad UTF-8
            raise _invalid("body is not valid JSON") from None
        ref, mode, title, provider = parse_download_request(body)
        job = await self._scheduler.submit(ref, mode, title, provider)
        resp.media = {"job_id": job.id}


@falcon.before(login_required)
class JobResource:
    def __init__(self, job_repo: JobRepo, scheduler: JobScheduler, access: AccessPolicy) -> None:
        self._jobs = job_repo
        self._scheduler = scheduler
        self.access = access

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, job_id: str) -> None:
        job = await self._jobs.get(job_id) if _plausible_id(job_id) else None
        if job is None:
            _not_found(resp)
            return
        resp.media = job_snapshot(job)

    async def on_delete(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, job_id: str) -> None:
        job = await self._scheduler.cancel(job_id) if _plausible_id(job_id) else None
        if job is None:
            _not_found(resp)
            return
        if job.state is JobState.CANCELLED:
            status = "cancelled"
        elif job.state.is_terminal:
            status = "not-running"
        else:
            status = "cancelling"
        resp.media = {"status": status, "job": job_snapshot(job)}


@falcon.before(login_required)
class JobEventsResource:
    """`text/event-stream` of JSON snapshots whenever the job changes, until it ends or the client leaves."""

    def __init__(self, job_repo: JobRepo, access: AccessPolicy, poll_seconds: float = 0.5,
                 keepalive_seconds: float = 15.0) -> None:
        self._jobs = job_repo
        self.access = access
        self._poll = poll_seconds
        self._keepalive = keepalive_seconds

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, job_id: str) -> None:
        job = await self._jobs.get(job_id) if _plausible_id(job_id) else None
        if job is None:
            _not_found(resp)
            return
        resp.set_header("Cache-Control", "no-cache")
        resp.set_header("X-Accel-Buffering", "no")
        resp.sse = self._events(job_id)

    async def _events(self, job_id: str) -> AsyncIterator[falcon.asgi.SSEvent | None]:
        last: str | None = None
        quiet = 0.0
        while True:
            job = await self._jobs.get(job_id)
            if job is None:
                yield falcon.asgi.SSEvent(event="error", json={"detail": "job not found"})
                return
            payload = json.dumps(job_snapshot(job), separators=(",", ":"))
            if payload != last:
                last, quiet = payload, 0.0
                yield falcon.asgi.SSEvent(data=payload.encode("utf-8"))
            elif quiet >= self._keepalive:
                quiet = 0.0
                yield None  # Falcon sends a ping comment: keeps proxies from closing an idle stream
            if job.state.is_terminal:
                return
            await asyncio.sleep(self._poll)
            quiet += self._poll


def register(app: falcon.asgi.App[Any, Any], job_repo: JobRepo, scheduler: JobScheduler,
             access: AccessPolicy) -> None:
    """The routes, behind the same login as the qBittorrent API (they start downloads and reveal paths)."""
    app.add_route("/downloader/download", DownloadResource(scheduler, access))
    app.add_route("/jobs/{job_id}", JobResource(job_repo, scheduler, access))
    app.add_route("/jobs/{job_id}/events", JobEventsResource(job_repo, access))
