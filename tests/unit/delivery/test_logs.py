"""The logging configuration: one format for anibridge's and uvicorn's lines, JSON on request, quiet clients."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from anibridge.delivery import logs


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A buffer `configure()` points the handler at; the root logger's handlers and levels are restored after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name in (*logs.OUTBOUND_LOGGERS, *logs.UVICORN_LOGGERS, *logs.ACCESS_LOGGERS, *logs.SECRET_PAYLOAD_LOGGERS):
        logger = logging.getLogger(name)
        logger.filters.clear()
        logger.setLevel(logging.NOTSET)


def configure(buffer: io.StringIO, level: str, fmt: logs.LogFormat = "text") -> None:
    logs.configure_logging(level, fmt)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)


def _access(path: str, status: int) -> None:
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", path, "1.1", status)


def test_uvicorn_and_anibridge_lines_share_one_text_format(stream: io.StringIO) -> None:
    configure(stream, "info", "text")
    logging.getLogger("uvicorn.error").info("Started server process [1]")
    logging.getLogger("anibridge.x").warning("something %s", "odd")
    _access("/torznab/api?t=caps", 200)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(" INFO uvicorn.error: Started server process [1]")
    assert lines[1].endswith(" WARNING anibridge.x: something odd")
    assert lines[2].endswith(' INFO uvicorn.access: 127.0.0.1:5 - "GET /torznab/api?t=caps HTTP/1.1" 200')


def test_json_format_is_one_object_per_line(stream: io.StringIO) -> None:
    configure(stream, "info", "json")
    logging.getLogger("uvicorn.error").info("Uvicorn running")
    logging.getLogger("anibridge.y").error("bad\nthing")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("anibridge.z").exception("failed")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["level"], e["logger"], e["message"]) for e in entries] == [
        ("INFO", "uvicorn.error", "Uvicorn running"), ("ERROR", "anibridge.y", "bad\nthing"),
        ("ERROR", "anibridge.z", "failed")]
    assert all(e["time"].endswith("+00:00") and "T" in e["time"] for e in entries)
    assert "ValueError: boom" in entries[2]["exception"]


def test_outbound_requests_show_only_at_debug_and_as_debug(stream: io.StringIO) -> None:
    configure(stream, "info")
    logging.getLogger("httpx").info('HTTP Request: GET http://h/redirect/1?token=s "HTTP/1.1 200 OK"')
    logging.getLogger("httpx").warning("a real problem")
    assert stream.getvalue().splitlines()[-1].endswith("WARNING httpx: a real problem")
    assert "HTTP Request" not in stream.getvalue()
    configure(stream, "debug")
    logging.getLogger("httpx").info('HTTP Request: GET http://h/x "HTTP/1.1 200 OK"')
    assert ' DEBUG httpx: HTTP Request: GET http://h/x' in stream.getvalue()


def test_successful_strm_requests_leave_the_access_log_failures_stay(stream: io.StringIO) -> None:
    configure(stream, "info")
    _access("/strm/proxy/seg1.ts?u=http%3A%2F%2Fhoster%2Fseg1.ts&sig=abc", 200)
    _access("/strm/stream?site=aniworld.to&sig=abc", 206)
    _access("/strm/proxy?u=x&sig=bad", 403)
    _access("/api/v2/torrents/info", 200)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "403" in lines[0] and "/api/v2/torrents/info" in lines[1]
    configure(stream, "debug")
    _access("/strm/proxy/seg2.ts?u=x", 200)
    assert stream.getvalue().splitlines()[-1].split()[2] == "DEBUG"


def test_webdriver_commands_carrying_session_cookies_stay_out_of_a_debug_log(stream: io.StringIO) -> None:
    remote = pytest.importorskip("selenium.webdriver.remote.remote_connection")
    configure(stream, "debug")
    # What selenium writes for the browser pass's cookie handover (its own logger, its own format).
    cookies = {"cmd": "Network.setCookies", "params": {"cookies": [{"name": "laravel_session", "value": "s3cr3t"}]}}
    remote.LOGGER.debug("%s %s %s", "POST", "http://localhost:9515/session/1/goog/cdp/execute", str(cookies))
    remote.LOGGER.warning("chromedriver went away")
    logging.getLogger("anibridge.x").debug("our own debug line")
    text = stream.getvalue()
    assert "s3cr3t" not in text
    assert "chromedriver went away" in text and "our own debug line" in text
