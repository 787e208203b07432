"""`GET /jobs?limit=`: the most recent jobs as JSON, what `anibridge --server URL jobs` prints.

The qBittorrent view lists only what an *arr app added; this lists every job (also those from the JSON job API
and `anibridge download`), newest first, behind the qBittorrent login.
"""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from anibridge.delivery.auth import AccessPolicy, login_required
from anibridge.delivery.jobs.resource import job_snapshot
from anibridge.domain.jobs.records import Job
from anibridge.ports.repos import JobRepo

MAX_LIMIT = 500


def job_listing(job: Job) -> dict[str, Any]:
    """The job API's snapshot plus what a listing needs: the episode and when the job was created."""
    return {
        **job_snapshot(job),
        "episode": job.ref.label,
        "created_at": job.created_at.isoformat() if job.created_at else None,
    }


@falcon.before(login_required)  # the access policy every state route shares (login, CSRF, Host, ban)
class JobListResource:
    def __init__(self, job_repo: JobRepo, access: AccessPolicy) -> None:
        self._jobs = job_repo
        self.access = access

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        limit = req.get_param_as_int("limit", min_value=1, max_value=MAX_LIMIT, default=20)
        resp.media = [job_listing(job) for job in await self._jobs.list_recent(limit)]
