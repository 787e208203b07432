"""The rest of WebAPI 2.11.4 that has nothing to act on in anibridge: RSS, search plugins, the torrent creator,
and app endpoints for mail, cookies, network interfaces, directory browsing and shutdown.

Each answers as a qBittorrent without feeds, plugins or creator tasks answers (empty lists and objects, 404 for
an unknown job id), or 409 with the reason when the request would need a feature anibridge does not have. A 404
for a known endpoint would read as "no such API" to clients that probe for features.
"""

from __future__ import annotations

import itertools
import os
import posixpath

from anibridge.delivery.qbittorrent.context import READ, WRITE, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import QbitError, Reply, as_json, done
from anibridge.domain.qbittorrent.paths import PathOutsideRoot

_search_ids = itertools.count(1)


def _refuse(reason: str, methods: frozenset[str] = WRITE) -> Endpoint:
    async def handler(call: Call) -> Reply:
        raise QbitError(409, reason)

    return Endpoint(handler, methods)


def _constant(value: object, methods: frozenset[str] = READ) -> Endpoint:
    async def handler(call: Call) -> Reply:
        return as_json(value)

    return Endpoint(handler, methods)


async def _accept(call: Call) -> Reply:
    return done()


# ------------------------------------------------------------------------------------------- search
async def _search_start(call: Call) -> Reply:
    """Accepted like qBittorrent does with no plugins: the job exists, is stopped and found nothing."""
    call.form.required("pattern")
    search_id = next(_search_ids)
    jobs = call.ctx.transfer.search_ids
    jobs[search_id] = call.form.text("pattern")[:200]
    while len(jobs) > 50:
        del jobs[min(jobs)]
    return as_json({"id": search_id})


def _search_id(call: Call) -> int:
    try:
        search_id = int(call.form.required("id"))
    except ValueError:
        raise QbitError(400, "Invalid search id") from None
    if search_id not in call.ctx.transfer.search_ids:
        raise QbitError(404, "Not Found")
    return search_id


async def _search_status(call: Call) -> Reply:
    wanted = call.form.get("id")
    ids = sorted(call.ctx.transfer.search_ids) if not wanted else [_search_id(call)]
    return as_json([{"id": i, "status": "Stopped", "total": 0} for i in ids])


async def _search_results(call: Call) -> Reply:
    _search_id(call)
    return as_json({"results": [], "status": "Stopped", "total": 0})


async def _search_stop(call: Call) -> Reply:
    _search_id(call)
    return done()


async def _search_delete(call: Call) -> Reply:
    call.ctx.transfer.search_ids.pop(_search_id(call), None)
    return done()


# ----------------------------------------------------------------------------------- torrent creator
async def _unknown_creator_task(call: Call) -> Reply:
    call.form.required("taskID")
    raise QbitError(404, "Not Found")


# ---------------------------------------------------------------------------------------------- app
async def _directory_content(call: Call) -> Reply:
    """Only inside the download directory, named as clients see it; anything else "does not exist"."""
    form = call.form
    requested = form.required("dirPath").strip()
    if not requested.startswith("/"):
        raise QbitError(400, "Invalid directory path")
    mode = form.text("mode", "all")
    if mode not in ("all", "dirs", "files"):
        raise QbitError(400, "Invalid mode, allowed values: all, dirs, files")
    paths = call.ctx.service.config.paths
    try:
        relative = paths.relative(requested)
    except PathOutsideRoot:  # same answer as a missing directory: reveal nothing outside the root
        raise QbitError(404, "Directory does not exist") from None
    real = os.path.join(call.ctx.service.config.download_dir, relative) if relative else \
        call.ctx.service.config.download_dir
    try:
        entries = sorted(os.scandir(real), key=lambda e: e.name)
    except OSError:
        raise QbitError(404, "Directory does not exist") from None
    shown = paths.reported(relative)
    out = []
    for entry in entries:
        if entry.name.startswith("."):
            continue  # partial downloads and temp files
        is_dir = entry.is_dir(follow_symlinks=False)
        if (mode == "dirs" and not is_dir) or (mode == "files" and is_dir):
            continue
        out.append(posixpath.join(shown, entry.name))
    return as_json(out)


ENDPOINTS: dict[str, Endpoint] = {
    "app/shutdown": _refuse("anibridge is not shut down through the qBittorrent API; stop its service instead"),
    "app/sendTestEmail": _refuse("E-mail notifications are not available in anibridge"),
    "app/cookies": _constant([]),
    "app/setCookies": Endpoint(_accept, WRITE),
    "app/networkInterfaceList": _constant([]),
    "app/networkInterfaceAddressList": _constant([]),
    "app/getDirectoryContent": Endpoint(_directory_content, READ),
    "rss/items": _constant({}),
    "rss/rules": _constant({}),
    "rss/matchingArticles": _constant({}),
    "rss/addFolder": _refuse("RSS is not available in anibridge; add its Torznab feed to Sonarr/Radarr/Prowlarr"),
    "rss/addFeed": _refuse("RSS is not available in anibridge; add its Torznab feed to Sonarr/Radarr/Prowlarr"),
    "rss/setFeedURL": _refuse("RSS is not available in anibridge"),
    "rss/removeItem": _refuse("RSS is not available in anibridge"),
    "rss/moveItem": _refuse("RSS is not available in anibridge"),
    "rss/refreshItem": _refuse("RSS is not available in anibridge"),
    "rss/markAsRead": _refuse("RSS is not available in anibridge"),
    "rss/setRule": _refuse("RSS is not available in anibridge"),
    "rss/renameRule": _refuse("RSS is not available in anibridge"),
    "rss/removeRule": _refuse("RSS is not available in anibridge"),
    "search/plugins": _constant([]),
    "search/start": Endpoint(_search_start, WRITE),
    "search/status": Endpoint(_search_status, READ),
    "search/results": Endpoint(_search_results, READ),
    "search/stop": Endpoint(_search_stop, WRITE),
    "search/delete": Endpoint(_search_delete, WRITE),
    "search/installPlugin": _refuse("Search plugins are not available in anibridge"),
    "search/uninstallPlugin": Endpoint(_accept, WRITE),
    "search/enablePlugin": Endpoint(_accept, WRITE),
    "search/updatePlugins": Endpoint(_accept, WRITE),
    "search/downloadTorrent": _refuse("Search plugins are not available in anibridge", READ),
    "torrentcreator/addTask": _refuse("anibridge cannot create torrents"),
    "torrentcreator/status": _constant([]),
    "torrentcreator/torrentFile": Endpoint(_unknown_creator_task, READ),
    "torrentcreator/deleteTask": Endpoint(_unknown_creator_task, WRITE),
}
