"""The download directory as /health reports it: there, writable, and with room for the next episode.

Blocking (mkdir, statvfs, a test file written and removed): callers run it on a thread. The statuses are /health's
words: `down` when downloads cannot be written at all, `degraded` when they wait for space.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OK, DEGRADED, DOWN = "ok", "degraded", "down"


@dataclass(frozen=True, slots=True)
class DiskCheck:
    """The download directory and the free space below which downloads wait (DOWNLOAD_MIN_FREE_MB)."""

    path: Path
    min_free_bytes: int


def disk_state(check: DiskCheck) -> dict[str, Any]:
    """Blocking (statvfs, a tiny write): run through `asyncio.to_thread`."""
    info: dict[str, Any] = {"path": str(check.path), "min_free_bytes": check.min_free_bytes}
    try:
        check.path.mkdir(parents=True, exist_ok=True)  # as every download does; a vanished volume shows here
        usage = shutil.disk_usage(check.path)
    except OSError as ex:
        return info | {"status": DOWN, "detail": f"not accessible: {ex.strerror or ex}"}
    info["free_bytes"] = usage.free
    probe = check.path / f".anibridge-health-{uuid.uuid4().hex[:8]}"
    try:
        with open(probe, "wb"):
            pass
        writable = True
    except OSError as ex:
        writable = False
        info["detail"] = f"not writable: {ex.strerror or ex}"
    finally:
        try:
            os.unlink(probe)
        except OSError:
            pass
    info["writable"] = writable
    if not writable:
        return info | {"status": DOWN}
    if usage.free < check.min_free_bytes:
        return info | {"status": DEGRADED, "detail": f"only {usage.free // 2**20} MiB free (minimum "
                                                      f"{check.min_free_bytes // 2**20} MiB); downloads wait"}
    return info | {"status": OK}
