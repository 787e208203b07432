"""The `/api/v2/{scope}/{method}` dispatcher: 404 text for unknown endpoints, 405 for a wrong method,
403 without a valid session, qBittorrent-style plain-text errors for everything the use cases reject."""

from __future__ import annotations

import logging

import falcon
import falcon.asgi

from anibridge.delivery.qbittorrent import (
    app_api,
    extras_api,
    log_api,
    sync_api,
    torrents_content,
    torrents_options,
    torrents_read,
    torrents_write,
    transfer_api,
)
from anibridge.delivery.qbittorrent.auth import COOKIE
from anibridge.delivery.qbittorrent.context import Call, Endpoint, QbitContext
from anibridge.delivery.qbittorrent.forms import read_form
from anibridge.delivery.qbittorrent.wire import TEXT, QbitError, Reply, text
from anibridge.domain.qbittorrent.service import TorrentError

log = logging.getLogger(__name__)

ENDPOINTS: dict[str, Endpoint] = {
    **app_api.ENDPOINTS,
    **torrents_read.ENDPOINTS,
    **torrents_write.ENDPOINTS,
    **sync_api.ENDPOINTS,
    **torrents_content.ENDPOINTS,
    **torrents_options.ENDPOINTS,
    **log_api.ENDPOINTS,
    **transfer_api.ENDPOINTS,
    **extras_api.ENDPOINTS,
}


class ApiV2Resource:
    def __init__(self, ctx: QbitContext) -> None:
        self._ctx = ctx

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, scope: str, method: str) -> None:
        await self._dispatch(req, resp, f"{scope}/{method}")

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, scope: str, method: str) -> None:
        await self._dispatch(req, resp, f"{scope}/{method}")

    async def _dispatch(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, name: str) -> None:
        endpoint = ENDPOINTS.get(name)
        sid = _session_id(req, self._ctx)
        try:
            if endpoint is None:
                raise QbitError(404, "Not Found")
            if req.method not in endpoint.methods:
                raise QbitError(405, "Method Not Allowed")
            assert self._ctx.access is not None  # filled in by QbitContext.__post_init__
            denial = self._ctx.access.check(req, public=endpoint.public)
            if denial is not None:
                raise QbitError(denial.status, denial.text)
            form = await read_form(req)
            reply = await endpoint.handler(Call(self._ctx, form, sid, req.remote_addr or "?"))
        except QbitError as ex:
            if ex.status not in (401, 403, 404):
                log.info("qBittorrent API %s %s answered %d: %s", req.method, name, ex.status, ex.text)
            reply = text(ex.text, ex.status)
        except TorrentError as ex:
            log.info("qBittorrent API %s rejected: %s", name, ex)
            reply = text(str(ex), ex.status)
        _render(resp, reply)


def _session_id(req: falcon.asgi.Request, ctx: QbitContext) -> str | None:
    """The valid one of the `SID` cookies sent (a browser may hold a stale one beside it), else the last one."""
    values = req.get_cookie_values(COOKIE) or []
    for value in values:
        if ctx.sessions.valid(value):
            return value
    return values[-1] if values else None


def _render(resp: falcon.asgi.Response, reply: Reply) -> None:
    resp.status = falcon.code_to_http_status(reply.status)
    resp.content_type = reply.content_type
    resp.data = reply.body
    for name, value, max_age in reply.cookies:
        if max_age == 0:
            resp.unset_cookie(name, path="/")
        else:
            resp.set_cookie(name, value, path="/", http_only=True, secure=False, same_site="Strict")


async def not_found_sink(req: falcon.asgi.Request, resp: falcon.asgi.Response | None, **_kwargs: object) -> None:
    if resp is None:  # a WebSocket request: nothing to answer
        return
    resp.status = falcon.HTTP_404
    resp.content_type = TEXT
    resp.data = b"Not Found"


def register(app: falcon.asgi.App[falcon.asgi.Request, falcon.asgi.Response], ctx: QbitContext) -> None:
    app.add_route("/api/v2/{scope}/{method}", ApiV2Resource(ctx))
    app.add_sink(not_found_sink, "/api/v2")
