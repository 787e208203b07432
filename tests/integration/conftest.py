"""Fixtures shared across the integration tiers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.sql.conftest import PG_URL, pg_schema_url


@pytest.fixture(params=["sqlite", "postgresql"])
def app_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """DATABASE_URL for a whole app under test: "" keeps the default SQLite file in DATA_DIR; PostgreSQL gets a
    fresh schema (skipped when ANIBRIDGE_TEST_PG_URL is unset)."""
    if request.param == "sqlite":
        yield ""
        return
    if not PG_URL:
        pytest.skip("ANIBRIDGE_TEST_PG_URL is not set")
    with pg_schema_url() as url:
        yield url
