"""Logging configuration of the process: one format for anibridge's and uvicorn's lines, quiet outbound requests.

Why here and as a dictConfig: uvicorn installs its own handlers and formats unless told otherwise; configuring
its loggers (`uvicorn.error` and the access log) without handlers of their own, propagating to anibridge's root
handler, and starting uvicorn with `log_config=None` gives a log with one format. `LOG_FORMAT=json` writes one JSON object per line
(time, level, logger, message) for people who ship logs to Loki, Elasticsearch and the like.

httpx and httpcore log every outbound request at INFO ("HTTP Request: GET …"): the URLs carry signed redirect
tokens and hoster links, and one Prowlarr Test made hundreds of them. They are shown only with LOG_LEVEL=debug,
and then labelled DEBUG.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

from anibridge.delivery.asgi import ResponseAborted

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OUTBOUND_LOGGERS = ("httpx", "httpcore", "hpack")
SECRET_PAYLOAD_LOGGERS = ("selenium",)
"""Loggers that write whole request and response bodies at DEBUG: selenium logs every WebDriver command with its
parameters and answer, and the browser pass of the redirect gate hands the site's session cookies (a logged-in
account's among them) over such commands. They stay at WARNING even with LOG_LEVEL=debug."""
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
ACCESS_LOGGERS = ("uvicorn.access", "anibridge.access")
"""Loggers writing one line per HTTP request; an access log of anibridge's own belongs in this list."""
LogFormat = Literal["text", "json"]


class JsonFormatter(logging.Formatter):
    """One JSON object per record: `time` (UTC, ISO 8601), `level`, `logger`, `message` (+ `exception`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class OutboundAtDebug(logging.Filter):
    """Relabels the HTTP clients' INFO request lines as DEBUG (they only pass at LOG_LEVEL=debug anyway)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            record.levelno = logging.DEBUG
            record.levelname = logging.getLevelName(logging.DEBUG)
        return True


class MediaRequestsAtDebug(logging.Filter):
    """Access lines of successful STRM requests (every HLS segment, every seek) pass only at LOG_LEVEL=debug.

    A playback session gets one INFO line from the STRM resources instead; refused or failed STRM requests
    (status 400 and above) keep their access line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or "/strm/" not in record.getMessage():
            return True
        status = _status(record)
        if status is not None and status >= 400:
            return True
        record.levelno = logging.DEBUG
        record.levelname = logging.getLevelName(logging.DEBUG)
        return logging.getLogger().isEnabledFor(logging.DEBUG)


def _status(record: logging.LogRecord) -> int | None:
    """The HTTP status of an access record: anibridge's access log sets `status`, uvicorn passes it last."""
    status = getattr(record, "status", None)
    if isinstance(status, int):
        return status
    args = record.args
    if isinstance(args, tuple) and args and isinstance(args[-1], int):
        return args[-1]
    return None


class AbortedResponsesQuiet(logging.Filter):
    """Drops the server's traceback for a response the app aborted on purpose (see `asgi.ResponseAborted`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ResponseAborted))


def log_config(level: str, fmt: LogFormat = "text") -> dict[str, Any]:
    """The dictConfig for LOG_LEVEL/LOG_FORMAT (it replaces the root logger's handlers: apply it before anything
    else, such as the qBittorrent log ring, attaches one)."""
    root_level = level.upper()
    outbound_level = "DEBUG" if root_level == "DEBUG" else "WARNING"
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    loggers: dict[str, Any] = {
        # No handlers of their own: uvicorn's records travel to the root handler, in anibridge's format.
        # Level NOTSET: follow LOG_LEVEL even when an earlier uvicorn.Config in this process set its own.
        name: {"handlers": [], "propagate": True, "level": "NOTSET"} for name in UVICORN_LOGGERS
    }
    loggers["uvicorn.error"]["filters"] = ["aborted_responses_quiet"]
    for name in ACCESS_LOGGERS:
        loggers[name] = {"handlers": [], "propagate": True, "level": "NOTSET", "filters": ["media_requests_at_debug"]}
    for name in OUTBOUND_LOGGERS:
        loggers[name] = {"level": outbound_level, "filters": ["outbound_at_debug"], "propagate": True}
    for name in SECRET_PAYLOAD_LOGGERS:
        loggers[name] = {"level": "WARNING", "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,  # module loggers created at import time must keep working
        "filters": {
            "outbound_at_debug": {"()": f"{__name__}.OutboundAtDebug"},
            "media_requests_at_debug": {"()": f"{__name__}.MediaRequestsAtDebug"},
            "aborted_responses_quiet": {"()": f"{__name__}.AbortedResponsesQuiet"},
        },
        "formatters": {"anibridge": formatter},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "anibridge", "stream": "ext://sys.stderr"},
        },
        "root": {"level": root_level, "handlers": ["default"]},
        "loggers": loggers,
    }


def configure_logging(level: str, fmt: LogFormat = "text") -> dict[str, Any]:
    """Apply the configuration to this process and return it (for uvicorn)."""
    config = log_config(level, fmt)
    logging.config.dictConfig(config)
    for name in config["loggers"]:  # dictConfig leaves a logger that something else disabled disabled
        logging.getLogger(name).disabled = False
    return config
