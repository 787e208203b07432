"""Property-based fuzzing of every surface, in-process against the Falcon ASGI app on the fake world.

Each surface gets arbitrary input in its own wire format and must answer without a 5xx, in its client's format:
Torznab always a well-formed XML document (`rss`, `caps` or `error`) with HTTP 200; the qBittorrent API plain
text or JSON (urlencoded and multipart bodies, every form field it reads); the JSON job API JSON objects; the
STRM routes JSON errors; magnets `Ok.`/`Fails.`. After each qBittorrent call the torrent list and sync data
still load (the database is consistent), and at the end no file exists outside DATA_DIR and no media outside
the download directory.

`make test` runs a bounded number of examples per surface (ANIBRIDGE_FUZZ_EXAMPLES, default 25); set it higher
for a longer hunt, e.g. `ANIBRIDGE_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/fuzz`.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import falcon.testing
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from anibridge.delivery.qbittorrent.resource import ENDPOINTS
from anibridge.settings import load_settings
from anibridge.wiring.app import build_falcon_app
from anibridge.wiring.container import create_container

EXAMPLES = int(os.environ.get("ANIBRIDGE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("ANIBRIDGE_FUZZ_RANDOM") is None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text that tends to break things: digits of other scripts, huge numbers, NUL and controls, surrogate escapes,
# bidi/zero-width characters, path tricks and the service's own keywords.
NASTY = st.sampled_from(["\u00b2", "\u2460", "9" * 4301, "-1", "1e309", "nan", "inf", "\x00", "\n", "\r\n",
                         "\x1b[31m", "\u202e", "\u200b", "../..", "/etc", "..", "%00", "all", "true", "True", "|",
                         "a" * 300, "", " ", "0", "999999999999999999999", "\ud800".encode("utf-8", "surrogatepass")
                         .decode("utf-8", "replace"), "German Dub", "aniworld.to", "kaguya-sama-love-is-war"])
TEXT = st.one_of(NASTY, st.text(max_size=40), st.text(alphabet=string.digits + "-.|,", max_size=12))

TORZNAB_NAMES = ["t", "q", "cat", "offset", "limit", "season", "ep", "tvdbid", "tmdbid", "imdbid", "rid",
                 "tvmazeid", "apikey", "extended", "attrs"]
QBIT_FIELDS = ["hash", "hashes", "urls", "category", "categories", "tags", "tag", "savePath", "paused", "stopped",
               "deleteFiles", "filter", "sort", "reverse", "limit", "offset", "rid", "indexes", "ratioLimit",
               "seedingTimeLimit", "value", "username", "password", "rename", "contentLayout", "skip_checking"]
STRM_NAMES = ["site", "slug", "s", "e", "lang", "provider", "u", "exp", "sig", "apikey"]
HEX = "0123456789abcdef"
MEDIA_SUFFIXES = {".mp4", ".mkv", ".ts", ".m4a", ".webm", ".strm", ".ytdl"}


@dataclass
class Served:
    portal: BlockingPortal
    client: falcon.testing.ASGIConductor
    root: Path
    data_dir: Path
    download_dir: Path

    def call(self, method: str, path: str, **kwargs: Any) -> falcon.testing.Result:
        result: falcon.testing.Result = self.portal.call(lambda: self.client.simulate_request(method, path, **kwargs))
        assert result.status_code < 500, (method, path, kwargs, result.status_code, result.text[:300])
        return result


@pytest.fixture(scope="module")
def served(fake_world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("fuzz")
    data_dir = root / "data"
    env = {**fake_world.env(), "DATA_DIR": str(data_dir), "MAX_CONCURRENCY": "1",
           "STRM_PROXY_MODE": "proxy", "STRM_PUBLIC_BASE_URL": "http://127.0.0.1:1", "STRM_PROXY_AUTH": "token",
           "STRM_PROXY_SECRET": "fuzz-secret", "TORZNAB_SEASON_SEARCH_MAX_EPISODES": "3"}
    container = create_container(load_settings(env))
    with start_blocking_portal() as portal:
        client = falcon.testing.ASGIConductor(build_falcon_app(container))
        with portal.wrap_async_context_manager(client):
            yield Served(portal, client, root, data_dir, container.settings().downloads_path)
        container.database().dispose()
    _no_file_outside_the_roots(root, data_dir, container.settings().downloads_path)


def _no_file_outside_the_roots(root: Path, data_dir: Path, download_dir: Path) -> None:
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        assert path.is_relative_to(data_dir), path
        if path.suffix.lower() in MEDIA_SUFFIXES or ".part" in path.name:
            assert path.resolve().is_relative_to(download_dir.resolve()), path


def _consistent(served: Served) -> None:
    info = served.call("GET", "/api/v2/torrents/info")
    assert info.status_code == 200
    assert all(len(row["hash"]) == 40 and set(row["hash"]) <= set(HEX) for row in info.json)
    assert served.call("GET", "/api/v2/sync/maindata").status_code == 200


# ------------------------------------------------------------------------------------------------ Torznab


@FUZZ
@given(params=st.dictionaries(st.one_of(st.sampled_from(TORZNAB_NAMES), st.text(max_size=8)), TEXT, max_size=6),
       function=st.sampled_from(["search", "tvsearch", "movie", "caps", "", "bogus", "TVSEARCH"]))
def test_torznab_answers_wellformed_xml(served: Served, params: dict[str, str], function: str) -> None:
    query = {"t": function, **{k: v for k, v in params.items() if k.lower() != "t"}}
    result = served.call("GET", "/torznab/api", query_string=urlencode(query))
    assert result.status_code == 200
    assert result.headers["content-type"].startswith(("application/rss+xml", "application/xml"))
    root = etree.fromstring(result.content)
    assert root.tag in ("rss", "caps", "error")


# ------------------------------------------------------------------------------------------------ qBittorrent

MAGNET_KEYS = ["xt", "dn", "aw_slug", "aw_s", "aw_e", "aw_lang", "aw_site", "aw_provider", "aw_mode", "sto_slug", "tr"]


@st.composite
def magnets(draw: st.DrawFn) -> str:
    """Mostly-valid magnets with one or more fields replaced by something odd."""
    fields = {"xt": "urn:btih:" + draw(st.text(alphabet=HEX + "ABCDEFXYZ", min_size=38, max_size=41)),
              "dn": draw(st.one_of(st.just("Show.S01E01.GER"), TEXT)),
              "aw_slug": draw(st.one_of(st.just("kaguya-sama-love-is-war"), TEXT)),
              "aw_s": draw(st.one_of(st.just("1"), TEXT)), "aw_e": draw(st.one_of(st.just("1"), TEXT)),
              "aw_lang": draw(st.one_of(st.just("German Dub"), TEXT))}
    extra = draw(st.dictionaries(st.sampled_from(MAGNET_KEYS), TEXT, max_size=2))
    return "magnet:?" + urlencode({**fields, **extra})


@FUZZ
@given(endpoint=st.sampled_from(sorted(ENDPOINTS)), method=st.sampled_from(["GET", "POST"]),
       form=st.dictionaries(st.sampled_from(QBIT_FIELDS), st.one_of(TEXT, magnets()), max_size=5),
       multipart=st.booleans())
def test_qbittorrent_forms(served: Served, endpoint: str, method: str, form: dict[str, str], multipart: bool) -> None:
    path = f"/api/v2/{endpoint}"
    if method == "GET":
        result = served.call("GET", path, query_string=urlencode(form))
    elif multipart:
        boundary = "fuzzb0undary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in form.items()]
        body = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8", "surrogatepass")
        result = served.call("POST", path, body=body,
                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    else:
        result = served.call("POST", path, body=urlencode(form).encode(),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert result.headers["content-type"].startswith(("text/plain", "application/json")), result.headers
    if endpoint == "torrents/add" and result.status_code == 200:
        assert result.text in ("Ok.", "Fails.")
    _consistent(served)


@FUZZ
@given(urls=st.lists(magnets(), min_size=1, max_size=3), category=TEXT)
def test_magnets(served: Served, urls: list[str], category: str) -> None:
    result = served.call("POST", "/api/v2/torrents/add", params={"urls": "\n".join(urls), "category": category})
    assert (result.status_code, result.text) in {(200, "Ok."), (200, "Fails.")} or result.status_code in (400, 409)
    _consistent(served)


# ------------------------------------------------------------------------------------------------ JSON job API

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children,
                                                                                max_size=3)),
    max_leaves=10,
)
JOB_FIELDS = ["slug", "link", "site", "season", "episode", "language", "provider", "mode", "title_hint"]


@FUZZ
@given(body=st.one_of(st.dictionaries(st.sampled_from(JOB_FIELDS), JSON_VALUES, max_size=6), JSON_VALUES),
       raw=st.one_of(st.none(), st.binary(max_size=40), st.sampled_from([b"[" * 50_000, b'{"slug":"\\ud800"}'])))
def test_job_api(served: Served, body: Any, raw: bytes | None) -> None:
    payload = raw if raw is not None else json.dumps(body).encode()
    result = served.call("POST", "/downloader/download", body=payload, headers={"Content-Type": "application/json"})
    assert result.headers["content-type"].startswith("application/json")
    assert isinstance(result.json, dict)
    if result.status_code == 200:
        job_id = result.json["job_id"]
        assert served.call("GET", f"/jobs/{job_id}").json["id"] == job_id
        served.call("DELETE", f"/jobs/{job_id}")
    else:
        assert {"title", "description"} <= set(result.json)


@FUZZ
@given(job_id=TEXT.filter(lambda s: "/" not in s and "?" not in s and "#" not in s), method=st.sampled_from(
    ["GET", "DELETE"]))
def test_job_ids(served: Served, job_id: str, method: str) -> None:
    from urllib.parse import quote

    result = served.call(method, "/jobs/" + quote(job_id.encode("utf-8", "surrogatepass"), safe=""))
    assert result.status_code in (404, 200, 405) and isinstance(result.json, (dict, list))  # "" lists the jobs


# ------------------------------------------------------------------------------------------------ STRM


@FUZZ
@given(path=st.sampled_from(["/strm/stream", "/strm/proxy", "/strm/proxy/seg.ts"]), method=st.sampled_from(
    ["GET", "HEAD"]), params=st.dictionaries(st.sampled_from(STRM_NAMES), TEXT, max_size=7))
def test_strm_params(served: Served, path: str, method: str, params: dict[str, str]) -> None:
    result = served.call(method, path, query_string=urlencode(params))
    assert result.status_code in (400, 401, 403, 404, 410, 422), result.text[:200]
    if method == "GET":
        assert result.headers["content-type"].startswith("application/json") and "detail" in result.json
