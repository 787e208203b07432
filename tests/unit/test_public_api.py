"""The library surface of `anibridge.domain`: documented, importable, nothing missing or extra."""

from __future__ import annotations

import importlib

import anibridge.domain as domain

DOCUMENTED = {
    # identity and records
    "EpisodeRef", "Site", "Language", "Job", "JobMode", "JobState", "ProgressUpdate", "ClientTask", "Category",
    "Availability", "StrmMapping",
    # magnets
    "infohash", "build_magnet", "parse_magnet", "MagnetPayload", "MagnetError",
    # naming
    "build_release_name", "final_file_name",
    # matching
    "ACCEPT_THRESHOLD", "IndexEntry", "TitleMatch", "TitleIndex", "compact", "match_tokens", "score",
    # jobs
    "IllegalTransition", "transition", "qbit_state", "qbit_progress",
    # STRM URLs
    "AuthMode", "SignatureError", "stream_url", "proxy_url",
}


def test_all_matches_documented_set() -> None:
    assert set(domain.__all__) == DOCUMENTED
    assert len(domain.__all__) == len(set(domain.__all__))


def test_every_name_importable() -> None:
    fresh = importlib.reload(domain)
    for name in fresh.__all__:
        assert getattr(fresh, name) is not None, name
        exec(f"from anibridge.domain import {name}", {})


def test_library_use_without_server() -> None:
    ref = domain.EpisodeRef(domain.Site.STO, "9-1-1", 1, 2, domain.Language.GERMAN_DUB)
    title = domain.build_release_name("9-1-1", 1, 2, 720, "h264", ref.language, group="STO", strm=True)
    assert domain.parse_magnet(domain.build_magnet(ref, title, "VOE", domain.JobMode.STRM)).ref == ref
