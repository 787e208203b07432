"""The `anibridge` command line: serve, config, migrate, check, catalogue look-ups, jobs and the offline demo."""
