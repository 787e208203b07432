"""sync/maindata (real rid diffs) and transfer/info, aggregated from the same torrent objects as torrents/info."""

from __future__ import annotations

import shutil
from typing import Any

from anibridge.delivery.qbittorrent.context import READ, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import JSON, Reply, as_json


def transfer_info(dl_speed: int, downloaded: int) -> dict[str, Any]:
    return {
        "connection_status": "connected",
        "dht_nodes": 0,
        "dl_info_data": downloaded,
        "dl_info_speed": dl_speed,
        "dl_rate_limit": 0,
        "up_info_data": 0,
        "up_info_speed": 0,
        "up_rate_limit": 0,
    }


def _free_space(call: Call) -> int:
    try:
        return shutil.disk_usage(call.ctx.download_dir).free
    except OSError:
        return 0


def server_state(call: Call, dl_speed: int, downloaded: int) -> dict[str, Any]:
    transfer = transfer_info(dl_speed, downloaded)
    return transfer | {
        "alltime_dl": transfer["dl_info_data"],
        "alltime_ul": 0,
        "average_time_queue": 0,
        "free_space_on_disk": _free_space(call),
        "global_ratio": "0.00",
        "last_external_address_v4": "",
        "last_external_address_v6": "",
        "queued_io_jobs": 0,
        "queueing": True,
        "read_cache_hits": "0",
        "read_cache_overload": "0",
        "refresh_interval": 1500,
        "total_buffers_size": 0,
        "total_peer_connections": 0,
        "total_queued_size": 0,
        "total_wasted_session": 0,
        "use_alt_speed_limits": False,
        "use_subcategories": False,
        "write_cache_overload": "0",
    }


async def _maindata(call: Call) -> Reply:
    listing = call.ctx.listing
    version, entries = await listing.versioned()
    dl_speed, downloaded, used_tags = listing.totals
    categories = {c.name: {"name": c.name, "savePath": c.save_path} for c in await call.ctx.service.labels.categories()}
    tags = await call.ctx.service.labels.tags_with(used_tags)
    rid = call.form.integer("rid", 0) or 0
    body = call.ctx.sync.answer(rid, version, entries, categories, tags, server_state(call, dl_speed, downloaded))
    return Reply(body=body, content_type=JSON)


async def _transfer_info(call: Call) -> Reply:
    await call.ctx.listing.versioned()
    dl_speed, downloaded, _tags = call.ctx.listing.totals
    return as_json(transfer_info(dl_speed, downloaded))


ENDPOINTS: dict[str, Endpoint] = {
    "sync/maindata": Endpoint(_maindata, READ),
    "transfer/info": Endpoint(_transfer_info, READ),
}
