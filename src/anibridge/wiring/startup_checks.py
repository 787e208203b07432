"""Checks run before the server starts, so a bad installation fails at once with one line naming the cause.

Why: a read-only or missing DOWNLOAD_DIR used to be noticed only by the first download, which failed ("all
hosters failed … Read-only file system") and was blocklisted by Sonarr; a misspelled variable (`QBIT_USER`,
`ANIBRIDGE_PROT`, `DOWNLOADS_DIR`) was silently ignored and its default used.
"""

from __future__ import annotations

import difflib
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from anibridge.settings import Settings, env_name

OUR_PREFIXES = ("ANIBRIDGE_", "QBIT_", "STRM_", "ANIWORLD_", "STO_", "MEGAKINO_", "SKYHOOK_")
"""Variables starting like this are meant for anibridge even when nothing else about them matches."""
NOT_SETTINGS = frozenset({"ANIBRIDGE_FAKES_CACHE", "ANIBRIDGE_TEST_PG_URL", "ANIBRIDGE_FAKES_BIG_INDEX"})
"""Variables of the test fakes and the test suite: ours, but not settings."""


def directory_problem(variable: str, path: Path) -> str | None:
    """One line naming `variable` when `path` cannot be created or written, else None (the directory exists)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as ex:
        return f"{variable}={path} cannot be created: {ex.strerror or ex}"
    if not path.is_dir():
        return f"{variable}={path} is not a directory"
    probe = path / f".anibridge-write-test-{uuid.uuid4().hex[:8]}"
    try:
        probe.write_bytes(b"")
    except OSError as ex:
        return f"{variable}={path} is not writable: {ex.strerror or ex}"
    finally:
        probe.unlink(missing_ok=True)
    return None


def directories_problem(settings: Settings) -> str | None:
    """The first unusable directory among DATA_DIR and DOWNLOAD_DIR (which defaults to DATA_DIR/downloads)."""
    download_variable = "DOWNLOAD_DIR" if settings.download_dir is not None else "DOWNLOAD_DIR (default DATA_DIR/downloads)"
    for variable, path in (("DATA_DIR", settings.data_dir), (download_variable, settings.downloads_path)):
        problem = directory_problem(variable, path)
        if problem:
            return problem
    return None


def known_names() -> frozenset[str]:
    return frozenset(env_name(field) for field in Settings.model_fields)


def unknown_variables(environ: Mapping[str, str], known: Iterable[str] | None = None) -> list[str]:
    """Warnings for variables that look like one of ours but are not: a close misspelling of a known name, or
    our prefix on an unknown name. Other variables (PATH, HOME, …) are none of our business."""
    names = frozenset(known) if known is not None else known_names()
    warnings = []
    for variable in sorted(environ):
        upper = variable.upper()
        if variable in names or upper in NOT_SETTINGS:
            continue
        close = difflib.get_close_matches(upper, names, n=1, cutoff=0.8)
        if close:
            warnings.append(f"{variable} is not an anibridge setting (ignored); did you mean {close[0]}?")
        elif upper.startswith(OUR_PREFIXES):
            warnings.append(f"{variable} is not an anibridge setting (ignored)")
    return warnings


def environment_warnings(environ: Mapping[str, str] | None = None) -> list[str]:
    return unknown_variables(os.environ if environ is None else environ)
