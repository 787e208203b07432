"""SQLAlchemy persistence: SQLite by default, PostgreSQL by URL."""
