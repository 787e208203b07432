"""Schema migrations for the command line (`serve` migrates before uvicorn starts; `migrate`; `check`)."""

from __future__ import annotations

from anibridge.adapters.sql.migrations import LATEST_VERSION, current_version
from anibridge.adapters.sql.opening import DatabaseProblem, migrate_url
from anibridge.settings import Settings

__all__ = ["LATEST_VERSION", "DatabaseProblem", "current_version", "migrate"]


def migrate(settings: Settings) -> list[int]:
    """Apply pending migrations to the configured database; DatabaseProblem carries one line for the user."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return migrate_url(settings.effective_database_url)
