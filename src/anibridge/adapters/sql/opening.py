"""Opening a database just to migrate it, with one clear line for the user when that fails."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from anibridge.adapters.sql.database import Database
from anibridge.adapters.sql.migrations import SchemaTooNew, apply_migrations


class DatabaseProblem(Exception):
    """The database cannot be opened or migrated; the message is one line for the user (no traceback)."""


def migrate_url(url: str) -> list[int]:
    """Open the database at `url` just long enough to migrate it, for `serve` (before uvicorn, so an unusable
    database is one clear line and exit 1 instead of a lifespan traceback) and `migrate`."""
    try:
        database = Database(url, pool_threads=1)
    except ImportError as ex:  # postgresql:// without the optional driver
        raise DatabaseProblem(f"{ex} (install the driver: pip install 'anibridge[postgres]')") from None
    except SQLAlchemyError as ex:
        raise DatabaseProblem(f"invalid DATABASE_URL: {ex}") from None
    try:
        return apply_migrations(database.engine)
    except (SchemaTooNew, SQLAlchemyError, OSError) as ex:
        lines = str(ex).strip().splitlines()
        raise DatabaseProblem(lines[0] if lines else type(ex).__name__) from None
    finally:
        database.dispose()
