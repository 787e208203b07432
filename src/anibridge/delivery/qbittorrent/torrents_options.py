"""Per-torrent settings (limits, flags, file priority), trackers, web seeds, peers and pieces.

Settings read back as set. Peers and pieces answer what qBittorrent answers for a torrent that has no swarm:
no peers, no piece hashes; piece states follow the one pseudo piece `properties` reports (pieces_num 1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import replace

from anibridge.delivery.qbittorrent.context import READ, WRITE, Call, Endpoint, Handler
from anibridge.delivery.qbittorrent.wire import QbitError, Reply, as_json, done, parse_bool
from anibridge.domain.qbittorrent.options import TorrentOptionsService
from anibridge.domain.qbittorrent.records import TaskOptions


async def _read_limits(call: Call, upload: bool) -> Reply:
    hashes = [h for h in call.form.required("hashes").split("|") if h.strip()]
    return as_json(await call.ctx.service.options.limits(hashes, upload))


async def _upload_limit(call: Call) -> Reply:
    return await _read_limits(call, True)


async def _download_limit(call: Call) -> Reply:
    return await _read_limits(call, False)


async def _set_limits(call: Call, upload: bool) -> Reply:
    limit = call.form.speed_limit()

    def change(o: TaskOptions) -> TaskOptions:
        return replace(o, up_limit=limit) if upload else replace(o, dl_limit=limit)

    await call.ctx.service.options.update(call.form.required("hashes"), change)
    return done()


async def _set_upload_limit(call: Call) -> Reply:
    return await _set_limits(call, True)


async def _set_download_limit(call: Call) -> Reply:
    return await _set_limits(call, False)


async def _toggle_sequential(call: Call) -> Reply:
    await call.ctx.service.options.update(call.form.required("hashes"), lambda o: replace(o, seq_dl=not o.seq_dl))
    return done()


async def _toggle_first_last(call: Call) -> Reply:
    def flip(o: TaskOptions) -> TaskOptions:
        return replace(o, f_l_piece_prio=not o.f_l_piece_prio)

    await call.ctx.service.options.update(call.form.required("hashes"), flip)
    return done()


async def _set_super_seeding(call: Call) -> Reply:
    value = parse_bool(call.form.required("value"))
    await call.ctx.service.options.update(call.form.required("hashes"), lambda o: replace(o, super_seeding=value))
    return done()


async def _set_auto_management(call: Call) -> Reply:
    value = parse_bool(call.form.required("enable"))
    await call.ctx.service.options.update(call.form.required("hashes"), lambda o: replace(o, auto_tmm=value))
    return done()


async def _file_prio(call: Call) -> Reply:
    form = call.form
    raw = form.required("priority")
    try:
        priority = int(raw)
    except ValueError:
        raise QbitError(400, "Priority must be an integer") from None
    await call.ctx.service.options.file_priority(form.required("hash"), form.required("id"), priority)
    return done()


# ------------------------------------------------------------------ trackers and web seeds
# Trackers and web seeds take the same parameters and differ only in the option they change, so each endpoint
# is one of two handler shapes bound to its TorrentOptionsService method.
UrlsChange = Callable[[TorrentOptionsService, str, str], Awaitable[None]]
UrlEdit = Callable[[TorrentOptionsService, str, str, str], Awaitable[None]]


def _change_urls(change: UrlsChange) -> Handler:
    """add*/remove*: one torrent's `hash` and its `urls`."""

    async def handler(call: Call) -> Reply:
        await change(call.ctx.service.options, call.form.required("hash"), call.form.required("urls"))
        return done()

    return handler


def _edit_url(edit: UrlEdit) -> Handler:
    """edit*: one torrent's `hash`, the URL to replace (`origUrl`) and its replacement (`newUrl`)."""

    async def handler(call: Call) -> Reply:
        form = call.form
        await edit(call.ctx.service.options, form.required("hash"), form.required("origUrl"), form.required("newUrl"))
        return done()

    return handler


async def _webseeds(call: Call) -> Reply:
    task = await call.ctx.service.get(call.form.required("hash"))
    return as_json([{"url": url} for url in task.options.webseeds])


# ------------------------------------------------------------------ peers and pieces
def _peer_ok(peer: str) -> bool:
    host, sep, port = peer.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def _add_peers(call: Call) -> Reply:
    """No swarm to connect a peer to: every valid peer counts as failed, per torrent, as qBittorrent reports."""
    form = call.form
    peers = form.required("peers").split("|")
    if not any(_peer_ok(p) for p in peers):
        raise QbitError(400, "No valid peers were specified")
    tasks = await call.ctx.service.resolve(form.required("hashes"))
    return as_json({t.hash: {"added": 0, "failed": len(peers)} for t in tasks})


async def _piece_hashes(call: Call) -> Reply:
    await call.ctx.service.get(call.form.required("hash"))
    return as_json([])


async def _piece_states(call: Call) -> Reply:
    """One pseudo piece (as `properties` counts them): 2 downloaded, 1 downloading, 0 not yet."""
    found = await call.ctx.listing.one(call.form.required("hash"))
    if found is None:
        raise QbitError(404, "Not Found")
    info, _job = found
    if not info["size"]:
        return as_json([])
    if info["progress"] >= 1.0:
        return as_json([2])
    return as_json([1 if info["state"] in ("downloading", "forcedDL") else 0])


async def _ssl_parameters(call: Call) -> Reply:
    await call.ctx.service.get(call.form.required("hash"))
    return as_json({"ssl_certificate": "", "ssl_private_key": "", "ssl_dh_params": ""})


async def _set_ssl_parameters(call: Call) -> Reply:
    """SSL torrents need a swarm; qBittorrent refuses parameters it cannot use with 400 (bad data)."""
    await call.ctx.service.get(call.form.required("hash"))
    raise QbitError(400, "SSL parameters are not supported for anibridge torrents")


async def _torrent_peers(call: Call) -> Reply:
    """sync/torrentPeers: never any peers, so a full update first and bare `rid` answers after it."""
    await call.ctx.service.get(call.form.required("hash"))
    rid = call.form.integer("rid", 0) or 0
    if rid > 0:
        return as_json({"rid": rid + 1})
    return as_json({"full_update": True, "peers": {}, "rid": 1, "show_flags": True})


ENDPOINTS: dict[str, Endpoint] = {
    "torrents/uploadLimit": Endpoint(_upload_limit, READ),
    "torrents/downloadLimit": Endpoint(_download_limit, READ),
    "torrents/setUploadLimit": Endpoint(_set_upload_limit, WRITE),
    "torrents/setDownloadLimit": Endpoint(_set_download_limit, WRITE),
    "torrents/toggleSequentialDownload": Endpoint(_toggle_sequential, WRITE),
    "torrents/toggleFirstLastPiecePrio": Endpoint(_toggle_first_last, WRITE),
    "torrents/setSuperSeeding": Endpoint(_set_super_seeding, WRITE),
    "torrents/setAutoManagement": Endpoint(_set_auto_management, WRITE),
    "torrents/filePrio": Endpoint(_file_prio, WRITE),
    "torrents/addTrackers": Endpoint(_change_urls(TorrentOptionsService.add_trackers), WRITE),
    "torrents/editTracker": Endpoint(_edit_url(TorrentOptionsService.edit_tracker), WRITE),
    "torrents/removeTrackers": Endpoint(_change_urls(TorrentOptionsService.remove_trackers), WRITE),
    "torrents/webseeds": Endpoint(_webseeds, READ),
    "torrents/addWebSeeds": Endpoint(_change_urls(TorrentOptionsService.add_webseeds), WRITE),
    "torrents/editWebSeed": Endpoint(_edit_url(TorrentOptionsService.edit_webseed), WRITE),
    "torrents/removeWebSeeds": Endpoint(_change_urls(TorrentOptionsService.remove_webseeds), WRITE),
    "torrents/addPeers": Endpoint(_add_peers, WRITE),
    "torrents/pieceHashes": Endpoint(_piece_hashes, READ),
    "torrents/pieceStates": Endpoint(_piece_states, READ),
    "torrents/SSLParameters": Endpoint(_ssl_parameters, READ),
    "torrents/setSSLParameters": Endpoint(_set_ssl_parameters, WRITE),
    "sync/torrentPeers": Endpoint(_torrent_peers, READ),
}
