"""Falcon resources of the dashboard. Every page needs `authorized(req)` (else the login page), every form a
valid CSRF token; bad input is a message on the page, never a 500."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import falcon
import falcon.asgi

from anibridge import __version__
from anibridge.delivery.dashboard.parts import DashboardParts
from anibridge.delivery.dashboard.search import SearchPages
from anibridge.delivery.dashboard.security import CSRF_FIELD, Csrf, add_security_headers
from anibridge.delivery.dashboard.views import counts, queue_rows
from anibridge.domain.qbittorrent.errors import TorrentError

if TYPE_CHECKING:
    import jinja2

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PAGES = ("/", "/queue", "/search", "/setup", "/settings", "/login", "/logout", "/static")
NAV = [("/", "Overview"), ("/queue", "Queue"), ("/search", "Search"), ("/setup", "Setup"), ("/settings", "Settings")]
CHECK_TIMEOUT = 30.0
AUTH_RECHECK_SECONDS = 30.0


def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value is escaped; nothing in the templates is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


class Pages:
    """Shared rendering, auth and CSRF for every dashboard resource."""

    def __init__(self, parts: DashboardParts) -> None:
        self.parts = parts
        self._env: jinja2.Environment | None = None
        self.csrf = Csrf(parts.csrf_secret)

    @property
    def env(self) -> jinja2.Environment:
        """Jinja2 and its template compiler load with the first page shown: most servers only ever answer *arr."""
        if self._env is None:
            self._env = _environment()
        return self._env

    def render(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, template: str, status: int = 200,
               **context: Any) -> None:
        resp.status = falcon.code_to_http_status(status)
        resp.content_type = falcon.MEDIA_HTML
        resp.set_header("Cache-Control", "no-store")
        page = self.env.get_template(template)
        resp.text = page.render(
            nav=NAV, path=req.path, csrf=self.csrf.token_for(req, resp), version=__version__,
            login_required=self.parts.login_required, **context,
        )

    def require_login(self, req: falcon.asgi.Request) -> None:
        if self.parts.authorized(req):
            return
        if req.method == "GET" and req.client_accepts("text/html") and not req.path.endswith(("/events", "/rows")):
            target = req.relative_uri if req.relative_uri.startswith("/") else "/"
            raise falcon.HTTPSeeOther(f"/login?next={quote(target, safe='')}")
        raise falcon.HTTPForbidden(title="Forbidden", description="log in first")

    async def form(self, req: falcon.asgi.Request) -> dict[str, str]:
        """The posted form, CSRF-checked; 403 on a missing or wrong token."""
        try:
            raw = await req.get_media()
        except (falcon.MediaMalformedError, falcon.HTTPUnsupportedMediaType):
            raw = {}
        form = {str(k): (v if isinstance(v, str) else str(v[0]) if isinstance(v, list) and v else "")
                for k, v in (raw or {}).items()} if isinstance(raw, dict) else {}
        if not self.csrf.valid(req, form.get(CSRF_FIELD, "")):
            log.info("dashboard: form to %s refused: missing or wrong CSRF token / foreign Origin", req.path)
            raise falcon.HTTPForbidden(title="Forbidden", description="the form expired; reload the page")
        return form


def _safe_next(raw: str | None) -> str:
    """Only local paths (no `//host`, no scheme): a login link must not redirect to another site."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw


class LoginPage:
    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        if not self._p.parts.login_required or self._p.parts.authorized(req):
            raise falcon.HTTPSeeOther(_safe_next(req.get_param("next")))
        self._p.render(req, resp, "login.html", next=_safe_next(req.get_param("next")), error="")

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        form = await self._p.form(req)
        target = _safe_next(form.get("next"))
        sid = self._p.parts.log_in(form.get("username", ""), form.get("password", ""))
        if sid is None:
            log.warning("dashboard login failed for user %r from %s", form.get("username", "")[:64],
                        req.remote_addr or "?")
            self._p.render(req, resp, "login.html", status=403, next=target,
                           error="Wrong user name or password.")
            return
        resp.set_cookie(self._p.parts.session_cookie, sid, path="/", http_only=True, secure=False,
                        same_site="Strict")
        raise falcon.HTTPSeeOther(target)


class LogoutAction:
    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        await self._p.form(req)
        self._p.parts.log_out(req.cookies.get(self._p.parts.session_cookie))
        resp.unset_cookie(self._p.parts.session_cookie, path="/")
        raise falcon.HTTPSeeOther("/login" if self._p.parts.login_required else "/")


class OverviewPage:
    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        health, rows = await asyncio.gather(self._p.parts.health_snapshot(),
                                            queue_rows(self._p.parts.torrents, self._p.parts.jobs))
        failures = [r for r in rows if r.state == "failed"][:8]
        self._p.render(req, resp, "overview.html", health=health, counts=counts(rows), failures=failures)


class QueuePage:
    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        rows = await queue_rows(self._p.parts.torrents, self._p.parts.jobs)
        notice = {"added": "Added to the queue.", "done": "Done.", "exists": "Already in the queue."}.get(
            req.get_param("msg") or "", "")
        self._p.render(req, resp, "queue.html", rows=rows, notice=notice, error=req.get_param("error") or "")


class QueueRows:
    """The table body alone: the page's script swaps it in when the set of tasks changes."""

    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        rows = await queue_rows(self._p.parts.torrents, self._p.parts.jobs)
        self._p.render(req, resp, "queue_rows.html", rows=rows)


class QueueEvents:
    """`text/event-stream`: the live fields of every row whenever something changed (polled once a second)."""

    def __init__(self, pages: Pages, poll_seconds: float = 1.0, keepalive_seconds: float = 15.0,
                 max_seconds: float = 3600.0) -> None:
        self._p = pages
        self._poll = poll_seconds
        self._keepalive = keepalive_seconds
        self._max = max_seconds

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        resp.set_header("Cache-Control", "no-cache")
        resp.set_header("X-Accel-Buffering", "no")
        resp.sse = self._events(req)

    async def _events(self, req: falcon.asgi.Request) -> AsyncIterator[falcon.asgi.SSEvent | None]:
        last = ""
        quiet = 0.0
        started = checked = time.monotonic()
        while time.monotonic() - started < self._max:  # the browser reconnects and is asked to log in again
            if time.monotonic() - checked >= AUTH_RECHECK_SECONDS:
                checked = time.monotonic()
                if not self._p.parts.authorized(req):  # logged out (or the session expired) meanwhile
                    return
            try:
                rows = await queue_rows(self._p.parts.torrents, self._p.parts.jobs)
                payload = json.dumps({"rows": [r.live() for r in rows]}, separators=(",", ":"))
            except Exception:  # noqa: BLE001 - a database hiccup: say nothing this round
                log.exception("dashboard: queue events could not read the queue")
                payload = last
            if payload != last:
                last, quiet = payload, 0.0
                yield falcon.asgi.SSEvent(event="queue", data=payload.encode())
            elif quiet >= self._keepalive:
                quiet = 0.0
                yield None
            await asyncio.sleep(self._poll)
            quiet += self._poll


class QueueAction:
    """retry / cancel / delete / delete-files on one row; answers with a redirect back to the queue."""

    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        form = await self._p.form(req)
        action, key = form.get("action", ""), form.get("key", "")
        kind, _, ident = key.partition(":")
        parts = self._p.parts
        try:
            if kind == "t" and ident:
                if action == "retry":
                    await parts.torrents.start(ident)
                elif action == "cancel":
                    await parts.torrents.stop(ident)
                elif action in ("delete", "delete-files"):
                    await parts.torrents.delete(ident, delete_files=action == "delete-files")
                else:
                    raise ValueError(f"unknown action {action!r}")
            elif kind == "j" and ident:
                job = await parts.jobs.get(ident)
                if job is None:
                    raise ValueError("that job no longer exists")
                if action == "retry":
                    await parts.scheduler.submit(job.ref, job.mode, job.release_title, job.provider)
                elif action == "cancel":
                    await parts.scheduler.cancel(job.id)
                else:
                    raise ValueError("jobs started through the job API can be retried or cancelled only")
            else:
                raise ValueError("no task chosen")
        except (ValueError, TorrentError) as ex:
            raise falcon.HTTPSeeOther(f"/queue?error={quote(str(ex)[:200], safe='')}") from None
        log.info("dashboard: %s on %s", action, key)
        raise falcon.HTTPSeeOther("/queue?msg=done")


class SetupPage:
    def __init__(self, pages: Pages) -> None:
        self._p = pages

    def _base(self, req: falcon.asgi.Request) -> str:
        """The address the browser used (through a reverse proxy: the one it forwarded), without a trailing /."""
        return req.forwarded_prefix.rstrip("/")

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        self._render(req, resp, None)

    def _render(self, req: falcon.asgi.Request, resp: falcon.asgi.Response,
                results: list[tuple[str, bool, str]] | None) -> None:
        names = [name for name, _ in self._p.parts.checks()]
        self._p.render(req, resp, "setup.html", sections=self._p.parts.setup(self._base(req)), check_names=names,
                       results=results)

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Run the checks of `anibridge check` (all, or the one named) and show each line."""
        self._p.require_login(req)
        form = await self._p.form(req)
        wanted = form.get("check", "all")
        checks = [(n, run) for n, run in self._p.parts.checks() if wanted in ("all", n)]
        results = await asyncio.gather(*(_timed(run) for _, run in checks))
        self._render(req, resp, [(name, ok, detail) for (name, _), (ok, detail) in zip(checks, results)])


async def _timed(run: Any) -> tuple[bool, str]:
    started = time.monotonic()
    try:
        detail = await asyncio.wait_for(run(), CHECK_TIMEOUT)
    except TimeoutError:
        return False, f"no answer within {CHECK_TIMEOUT:.0f} s"
    except Exception as ex:  # noqa: BLE001 - every failure is a line of the report
        return False, f"{type(ex).__name__}: {ex}"
    return True, f"{detail} ({time.monotonic() - started:.1f} s)"


class SettingsPage:
    def __init__(self, pages: Pages) -> None:
        self._p = pages

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        self._p.require_login(req)
        self._p.render(req, resp, "settings.html", rows=self._p.parts.settings_rows)


class SecurityHeaders:
    """Middleware: CSP and friends on every dashboard response (pages, fragments, events, static files)."""

    async def process_response(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: object,
                               req_succeeded: bool) -> None:
        path = req.path
        if path == "/" or any(path == p or path.startswith(p + "/") for p in PAGES[1:]):
            add_security_headers(resp)


def register(app: falcon.asgi.App[Any, Any], parts: DashboardParts) -> None:
    pages = Pages(parts)
    app.add_middleware(SecurityHeaders())
    app.add_route("/", OverviewPage(pages))
    app.add_route("/login", LoginPage(pages))
    app.add_route("/logout", LogoutAction(pages))
    app.add_route("/queue", QueuePage(pages))
    app.add_route("/queue/rows", QueueRows(pages))
    app.add_route("/queue/events", QueueEvents(pages))
    app.add_route("/queue/action", QueueAction(pages))
    search = SearchPages(pages)
    app.add_route("/search", search, suffix="titles")
    app.add_route("/search/show", search, suffix="show")
    app.add_route("/search/grab", search, suffix="grab")
    app.add_route("/setup", SetupPage(pages))
    app.add_route("/settings", SettingsPage(pages))
    app.add_static_route("/static", str(HERE / "static"))
