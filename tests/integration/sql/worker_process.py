"""Child process for the multi-process tests: claims jobs or applies migrations, prints JSON on stdout.

Usage: python -m tests.integration.sql.worker_process (claim|migrate) URL BARRIER_DIR [CLAIMERS]
Each child connects, creates BARRIER_DIR/ready-<pid>, then waits for BARRIER_DIR/go, so their work really
overlaps even when one of them was slow to start (a loaded machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import apply_migrations
from anibridge.adapters.sql.repos import SqlJobRepo
from anibridge.domain.jobs.records import JobState


async def claim_all(db: Database, prefix: str, claimers: int) -> list[str]:
    repo = SqlJobRepo(db)
    lease = datetime.now(UTC) + timedelta(hours=1)

    async def claimer(n: int) -> list[str]:
        got: list[str] = []
        while (job := await repo.claim_next(f"{prefix}/{n}", lease)) is not None:
            got.append(job.id)
            done = await repo.transition(job.id, frozenset({JobState.DOWNLOADING}), JobState.COMPLETED)
            assert done is not None, f"lost job {job.id} after claiming it"
        return got

    results = await asyncio.gather(*(claimer(n) for n in range(claimers)))
    return [i for r in results for i in r]


def main(argv: list[str]) -> int:
    mode, url, barrier = argv[0], argv[1], Path(argv[2])
    claimers = int(argv[3]) if len(argv) > 3 else 4
    db = Database(url, pool_threads=claimers)
    with db.engine.connect():
        pass  # connect before the start signal so both children begin on equal terms
    (barrier / f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal within 60 s")
        time.sleep(0.005)
    if mode == "migrate":
        out: object = apply_migrations(db.engine)
    else:
        out = asyncio.run(claim_all(db, f"pid{time.time_ns()}", claimers))
    db.dispose()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
