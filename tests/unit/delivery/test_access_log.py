"""One access-log format with secrets masked and control characters escaped; OPTIONS is 405 everywhere.

Regressions: uvicorn's access log printed `apikey=<INDEXER_API_KEY>`, the STRM apikey and STRM signatures in
clear; a newline or terminal escape in a Torznab `q` was written raw into the log; `OPTIONS` answered 200 with
an `Allow` list on every path.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from anibridge.delivery.access_log import EscapingFilter, escape, masked_query
from anibridge.settings import load_settings
from anibridge.wiring.app import build_app
from anibridge.wiring.container import create_container

pytestmark = pytest.mark.anyio

KEY = "Sup3rS3cretIndexerKey"


@pytest.fixture
async def client(tmp_path: Path) -> httpx.AsyncClient:
    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "INDEXER_API_KEY": KEY})
    transport = httpx.ASGITransport(app=build_app(create_container(settings)))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "anibridge.access"]


async def test_access_log_masks_secrets_and_escapes_controls(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with client:
        await client.get("/torznab/api", params={"t": "caps", "apikey": KEY, "q": "a\nFAKE 200\x1b[31m\u202e"})
        await client.get("/strm/proxy", params={"u": "http://cdn/x.m3u8", "sig": "deadbeefcafe1234", "exp": "9",
                                                "apikey": "strmkey123"})
        await client.get("/api/v2/auth/login", params={"username": "admin", "password": "hunter2"})
        await client.get("/torznab/api", params={"t": "tvsearch", "cat": "x", "apikey": KEY, "q": "a\nb"})
    lines = _access_lines(caplog)
    assert len(lines) == 4, lines
    text = "\n".join(lines)
    for secret in (KEY, "deadbeefcafe1234", "strmkey123", "hunter2"):
        assert secret not in text
    assert all("\n" not in line and "\x1b" not in line and "\u202e" not in line for line in lines)
    assert "apikey=***" in lines[0] and "\\x0aFAKE 200\\x1b[31m\\u202e" in lines[0]
    assert lines[0].startswith("127.0.0.1:") and '"GET /torznab/api?' in lines[0] and " 200 " in lines[0]
    assert "sig=***" in lines[1] and "exp=9" in lines[1]
    # anibridge's own Torznab line is masked and escaped the same way
    torznab = [r.getMessage() for r in caplog.records if r.name.startswith("anibridge.delivery.torznab")]
    assert torznab and all(KEY not in m and "\n" not in m for m in torznab)


def test_escaping_filter_and_helpers() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "q=%s", ("a\r\nb\u200b",), None)
    assert EscapingFilter().filter(record) and record.getMessage() == "q=a\\x0d\\x0ab\\u200b"
    assert escape("a\\b") == "a\\b" and escape(escape("\n\u200b")) == escape("\n\u200b")  # idempotent
    assert masked_query("Token=x&PASSWORD=y&q=z") == "Token=***&PASSWORD=***&q=z"


@pytest.mark.parametrize(("path", "content_type"), [("/api/v2/torrents/info", "text/plain"),
                                                    ("/torznab/api", "application/xml"),
                                                    ("/jobs/x", "application/json"), ("/health", "application/json"),
                                                    ("/strm/stream", "application/json")])
async def test_options_is_405_in_the_clients_format(client: httpx.AsyncClient, path: str, content_type: str) -> None:
    async with client:
        result = await client.options(path)
    assert result.status_code == 405 and "allow" not in result.headers
    assert result.headers["content-type"].startswith(content_type)


def test_serve_turns_uvicorns_access_log_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn

    from anibridge.delivery.cli import main as cli

    seen: dict[str, object] = {}

    def fake_run(self: uvicorn.Server) -> None:
        seen["access_log"] = self.config.access_log
        seen["server_header"] = self.config.server_header

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    root = logging.getLogger()
    before = {h: list(h.filters) for h in root.handlers}
    try:
        assert cli.main(["serve", "--port", "9"]) == 0
    finally:  # main() configures logging for the process: leave other tests' handlers as they were
        for handler in root.handlers:
            handler.filters[:] = before.get(handler, [])
    assert seen == {"access_log": False, "server_header": False}
