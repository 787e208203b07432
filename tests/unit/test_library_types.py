"""The public library API (`anibridge.domain.__all__`) follows one rule, checked here name by name.

The rule: arguments must already have the library's types. A plain string where an enum is expected, a bool
or str where a number is expected, raises TypeError at construction or call, naming the argument (and the
parse method to use); a value of the right type but unusable raises ValueError. Frozen records are hashable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import anibridge.domain as d

REF = d.EpisodeRef(d.Site.STO, "9-1-1", 1, 2, d.Language.GERMAN_DUB)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
JOB = d.Job("j1", REF, d.JobMode.DOWNLOAD, "t")
ENTRY = d.IndexEntry(d.Site.ANIWORLD, "slug", "Title")

# Per public name: calls that must raise TypeError (wrong type) and, where it applies, ValueError (bad value).
WRONG_TYPE: dict[str, list[Callable[[], Any]]] = {
    "EpisodeRef": [
        lambda: d.EpisodeRef("s.to", "x", 1, 1, d.Language.GERMAN_DUB),  # type: ignore[arg-type]
        lambda: d.EpisodeRef(d.Site.STO, "x", 1, 1, "German Dub"),  # type: ignore[arg-type]
        lambda: d.EpisodeRef(d.Site.STO, "x", "1", 1, d.Language.GERMAN_DUB),  # type: ignore[arg-type]
        lambda: d.EpisodeRef(d.Site.STO, "x", True, 1, d.Language.GERMAN_DUB),
        lambda: d.EpisodeRef(d.Site.STO, b"x", 1, 1, d.Language.GERMAN_DUB),  # type: ignore[arg-type]
    ],
    "Job": [
        lambda: d.Job("j", REF, "download", "t"),  # type: ignore[arg-type]
        lambda: d.Job("j", REF, d.JobMode.DOWNLOAD, "t", state="queued"),  # type: ignore[arg-type]
        lambda: d.Job("j", ("s.to", "x"), d.JobMode.DOWNLOAD, "t"),  # type: ignore[arg-type]
    ],
    "ClientTask": [
        lambda: d.ClientTask("h", "n", REF, NOW, mode="strm"),  # type: ignore[arg-type]
        lambda: d.ClientTask("h", "n", REF, "2026-01-01"),  # type: ignore[arg-type]
        lambda: d.ClientTask("h", "n", REF, NOW, tags=["a"]),  # type: ignore[arg-type]
    ],
    "Category": [lambda: d.Category(1), lambda: d.Category("c", None)],  # type: ignore[arg-type]
    "Availability": [lambda: d.Availability(REF, "yes", NOW)],  # type: ignore[arg-type]
    "StrmMapping": [lambda: d.StrmMapping(REF, "VOE", b"http://x", NOW)],  # type: ignore[arg-type]
    "ProgressUpdate": [lambda: d.ProgressUpdate("1", None, None, None, 0.0)],  # type: ignore[arg-type]
    "IndexEntry": [
        lambda: d.IndexEntry("aniworld.to", "s", "T"),  # type: ignore[arg-type]
        lambda: d.IndexEntry(d.Site.ANIWORLD, "s", "T", ["alt"]),  # type: ignore[arg-type]
    ],
    "TitleMatch": [lambda: d.TitleMatch(("s", "T"), 1.0, "T")],  # type: ignore[arg-type]
    "TitleIndex": [lambda: d.TitleIndex([("aniworld.to", "s", "T")])],  # type: ignore[list-item]
    "MagnetPayload": [
        lambda: d.MagnetPayload("h" * 40, "t", "s.to", "x", 1, 1, d.Language.GERMAN_DUB),  # type: ignore[arg-type]
        lambda: d.MagnetPayload("h" * 40, "t", d.Site.STO, "x", 1, 1, d.Language.GERMAN_DUB, mode="strm"),  # type: ignore[arg-type]
    ],
    "infohash": [
        lambda: d.infohash("x", 1, 1, "German Dub"),  # type: ignore[arg-type]
        lambda: d.infohash("x", 1, 1, d.Language.GERMAN_DUB, "strm"),  # type: ignore[arg-type]
        lambda: d.infohash("x", "1", 1, d.Language.GERMAN_DUB),  # type: ignore[arg-type]
    ],
    "build_magnet": [
        lambda: d.build_magnet(("s.to", "x"), "t"),  # type: ignore[arg-type]
        lambda: d.build_magnet(REF, "t", mode="strm"),  # type: ignore[arg-type]
        lambda: d.build_magnet(REF, None),  # type: ignore[arg-type]
    ],
    "parse_magnet": [lambda: d.parse_magnet(b"magnet:?xt=")],  # type: ignore[arg-type]
    "build_release_name": [
        lambda: d.build_release_name("X", 1, 1, 720, None, "German Dub"),  # type: ignore[arg-type]
        lambda: d.build_release_name("X", "1", 1),  # type: ignore[arg-type]
        lambda: d.build_release_name("X", 1, 1, strm="yes"),  # type: ignore[arg-type]
    ],
    "final_file_name": [lambda: d.final_file_name(None, "mp4")],  # type: ignore[arg-type]
    "compact": [lambda: d.compact(None)],  # type: ignore[arg-type]
    "match_tokens": [lambda: d.match_tokens(1)],  # type: ignore[arg-type]
    "score": [lambda: d.score("a", None)],  # type: ignore[arg-type]
    "transition": [
        lambda: d.transition(JOB, "downloading", NOW),  # type: ignore[arg-type]
        lambda: d.transition(JOB, d.JobState.DOWNLOADING, 0),  # type: ignore[arg-type]
    ],
    "qbit_state": [lambda: d.qbit_state("queued")],  # type: ignore[arg-type]
    "qbit_progress": [lambda: d.qbit_progress({"progress": 1})],  # type: ignore[arg-type]
    "stream_url": [lambda: d.stream_url("http://h", REF, None, "token", "s")],  # type: ignore[arg-type]
    "proxy_url": [lambda: d.proxy_url("http://h", "http://u", "token", "s", 0.0)],  # type: ignore[arg-type]
}
BAD_VALUE: dict[str, list[Callable[[], Any]]] = {
    "EpisodeRef": [
        lambda: d.EpisodeRef(d.Site.STO, "", 1, 1, d.Language.GERMAN_DUB),
        lambda: d.EpisodeRef(d.Site.STO, "x", -1, 1, d.Language.GERMAN_DUB),
        lambda: d.EpisodeRef(d.Site.STO, "x", 1, 10**7, d.Language.GERMAN_DUB),
        lambda: d.EpisodeRef(d.Site.STO, "x\x00y", 1, 1, d.Language.GERMAN_DUB),
    ],
    "Site": [lambda: d.Site("sto"), lambda: d.Site.parse("nowhere")],
    "Language": [lambda: d.Language("german dub"), lambda: d.Language.parse("klingon")],
    "JobMode": [lambda: d.JobMode("torrent")],
    "JobState": [lambda: d.JobState("paused")],
    "AuthMode": [lambda: d.AuthMode("basic")],
    "parse_magnet": [lambda: d.parse_magnet("magnet:?xt=urn:btih:nothex")],
    "stream_url": [lambda: d.stream_url("http://h", REF, None, d.AuthMode.TOKEN, "")],
    "proxy_url": [lambda: d.proxy_url("http://h", "http://u", d.AuthMode.APIKEY, "", 0.0)],
    "transition": [lambda: d.transition(JOB, d.JobState.COMPLETED, NOW)],
}
# Names the rule does not apply to: exceptions (raised, not built by callers) and a constant.
EXEMPT = {"IllegalTransition", "MagnetError", "SignatureError", "ACCEPT_THRESHOLD"}
# Enums are their own strict constructor (`Site("sto")` is a ValueError); they are covered by BAD_VALUE.
ENUMS = {"Site", "Language", "JobMode", "JobState", "AuthMode"}


def test_every_public_name_is_covered_by_the_rule() -> None:
    missing = set(d.__all__) - EXEMPT - ENUMS - set(WRONG_TYPE)
    assert not missing, f"add the new public names to WRONG_TYPE: {sorted(missing)}"
    assert ENUMS <= set(BAD_VALUE)


@pytest.mark.parametrize(
    "name, index", [(n, i) for n, calls in WRONG_TYPE.items() for i in range(len(calls))]
)
def test_wrong_types_raise_type_error(name: str, index: int) -> None:
    with pytest.raises(TypeError):
        WRONG_TYPE[name][index]()


@pytest.mark.parametrize("name, index", [(n, i) for n, calls in BAD_VALUE.items() for i in range(len(calls))])
def test_bad_values_raise_value_error(name: str, index: int) -> None:
    with pytest.raises(ValueError):
        BAD_VALUE[name][index]()


def test_the_four_reported_cases() -> None:
    with pytest.raises(TypeError, match=r"site must be Site.*Site\.parse"):
        d.EpisodeRef(site="s.to", slug="x", season=1, episode=1, language=d.Language.GERMAN_DUB)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="new_state"):
        d.transition(JOB, "downloading", NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Language.parse"):
        d.infohash("x", 1, 1, "german dub")  # type: ignore[arg-type]
    assert d.infohash("x", 1, 1, d.Language.parse("german dub")) == d.infohash("x", 1, 1, d.Language.GERMAN_DUB)
    with pytest.raises(ValueError, match="secret"):
        d.stream_url("http://h", REF, None, d.AuthMode.TOKEN, "")


def test_frozen_public_records_are_hashable() -> None:
    samples = [
        REF, ENTRY, d.Category("c"), d.TitleMatch(ENTRY, 1.0, "Title"),
        d.Availability(REF, True, NOW, extra={"k": "v"}),
        d.StrmMapping(REF, "VOE", "http://x", NOW, headers={"Referer": "r"}),
        d.ProgressUpdate(1, None, None, None, 0.0),
        d.parse_magnet(d.build_magnet(REF, "t", "VOE", d.JobMode.STRM)),
    ]
    for value in samples:
        params = getattr(type(value), "__dataclass_params__", None)
        assert params is not None and params.frozen, type(value).__name__
        assert hash(value) == hash(dataclasses.replace(value))
