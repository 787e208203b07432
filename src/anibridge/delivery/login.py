"""The login check of the JSON endpoints the CLI uses against a running server (`GET /jobs`, `/catalog/search`).

They reveal what the qBittorrent API reveals, so they take the same credentials: a qBittorrent session cookie
(`POST /api/v2/auth/login`) or `Authorization: Bearer <QBIT_API_KEY>`, and nothing when no credentials are
configured. 403 (as qBittorrent answers) with a JSON reason otherwise.
"""

from __future__ import annotations

import falcon
import falcon.asgi

from anibridge.delivery.qbittorrent.auth import COOKIE, Sessions


def logged_in(sessions: Sessions, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> bool:
    """True when the request may proceed; otherwise the 403 answer is already written."""
    if sessions.authorized(req.cookies.get(COOKIE), req.get_header("Authorization")):
        return True
    resp.status = falcon.HTTP_403
    resp.media = {"detail": "log in first: a qBittorrent session cookie (POST /api/v2/auth/login) "
                            "or Authorization: Bearer <QBIT_API_KEY>"}
    return False
