"""The CLI as a client of a running anibridge: `jobs`, `download` and `search` beside a server or the demo.

Why: a second terminal used to open its own DATA_DIR, so `anibridge jobs` said "no jobs" while the demo (in a
temporary DATA_DIR) was downloading. Now the CLI talks HTTP to the server named by `--server URL` or
ANIBRIDGE_SERVER, or to the one answering `/health` on 127.0.0.1:ANIBRIDGE_PORT; `--local` (or
ANIBRIDGE_SERVER=local) keeps it on DATA_DIR. It logs in like Sonarr does, with the same QBIT_* credentials.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from anibridge.settings import Settings

LOCAL = "local"
PROBE_SECONDS = 0.5
"""How long the CLI waits for a local server's /health before working on DATA_DIR itself."""


class RemoteError(Exception):
    """One line for the user: what went wrong talking to the server, and what to do about it."""


def add_options(parser: argparse.ArgumentParser) -> None:
    """`--server` and `--local` on the main parser (they apply to jobs, download and search)."""
    parser.add_argument("--server", metavar="URL", default=None,
                        help="talk to the anibridge at URL for jobs/download/search (default: ANIBRIDGE_SERVER, "
                             "else http://127.0.0.1:ANIBRIDGE_PORT when it answers)")
    parser.add_argument("--local", action="store_true",
                        help="never talk to a server: jobs/download/search work on DATA_DIR in this process")


def add_command_options(parser: argparse.ArgumentParser) -> None:
    """The same options after the command (`anibridge jobs --server URL`); unset there, the global ones count."""
    parser.add_argument("--server", metavar="URL", default=argparse.SUPPRESS,
                        help="talk to the anibridge at URL (see `anibridge --help`)")
    parser.add_argument("--local", action="store_true", default=argparse.SUPPRESS,
                        help="work on DATA_DIR in this process, never through a server")


def choose_server(args: argparse.Namespace, settings: Settings) -> str | None:
    """The server's base URL, or None to work locally."""
    if getattr(args, "local", False):
        return None
    configured = (getattr(args, "server", None) or settings.anibridge_server).strip()
    if configured.lower() == LOCAL:
        return None
    if configured:
        return configured.rstrip("/")
    found = f"http://127.0.0.1:{settings.anibridge_port}"
    if not _is_anibridge(found):
        return None
    print(f"using the anibridge running at {found} (--local to work on DATA_DIR instead)", file=sys.stderr)
    return found


def _is_anibridge(base: str) -> bool:
    import httpx

    try:
        body = httpx.get(f"{base}/health", timeout=PROBE_SECONDS).json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and "status" in body and "version" in body and "database" in body


class Remote:
    """A logged-in HTTP session with one server; use as a context manager."""

    def __init__(self, base: str, settings: Settings) -> None:
        self.base = base
        self._settings = settings
        self._client: httpx.Client | None = None

    def __enter__(self) -> Remote:
        import httpx

        self._client = httpx.Client(base_url=self.base, timeout=max(30.0, self._settings.http_timeout_seconds * 4))
        try:
            self._login()
        except BaseException:
            self._client.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()

    def _login(self) -> None:
        s = self._settings
        api_key = s.qbit_api_key.get_secret_value()
        if api_key:
            self.client.headers["Authorization"] = f"Bearer {api_key}"
            return
        password = s.qbit_password.get_secret_value()
        if not s.qbit_username and not password:
            return
        reply = self._send("POST", "/api/v2/auth/login", data={"username": s.qbit_username, "password": password})
        if reply.text.strip() != "Ok.":
            raise RemoteError(f"{self.base} refused the login of {s.qbit_username!r}: QBIT_USERNAME/QBIT_PASSWORD "
                              "here must match the server's")

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            raise RuntimeError("use Remote as a context manager")
        return self._client

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            reply = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as ex:
            raise RemoteError(f"cannot reach {self.base}: {ex or type(ex).__name__}") from None
        if reply.status_code in (401, 403):
            raise RemoteError(f"{self.base} wants a login: set QBIT_USERNAME/QBIT_PASSWORD or QBIT_API_KEY "
                              "to the server's values")
        if reply.status_code == 404 and path.startswith(("/jobs", "/catalog")) and "detail" not in reply.text:
            raise RemoteError(f"{self.base} does not offer {path.split('?')[0]}: is it an older anibridge?")
        return reply

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = self._send(method, path, **kwargs)
        try:
            body = reply.json()
        except ValueError:
            raise RemoteError(f"{self.base}{path}: answered {reply.status_code} without JSON") from None
        if reply.status_code >= 400:
            detail = body.get("detail") or body.get("description") if isinstance(body, dict) else None
            raise RemoteError(f"{self.base}: {detail or f'HTTP {reply.status_code}'}")
        return body
