"""Read endpoints: torrents/info (filters, sort, paging), properties, files, trackers, categories, tags."""

from __future__ import annotations

from anibridge.delivery.qbittorrent.context import READ, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import JSON, QbitError, Reply, as_json
from anibridge.domain.qbittorrent.view import (
    Torrent,
    select,
    torrent_files,
    torrent_trackers,
)


def _hashes(raw: str | None) -> list[str] | None:
    if raw is None or raw.strip().lower() in ("", "all"):
        return None
    return [h.strip().lower() for h in raw.split("|") if h.strip()]


async def _info(call: Call) -> Reply:
    """Filters run on the cached objects; the answer joins their pre-encoded JSON and is itself cached per
    query until the listing changes (Sonarr polls the same `?category=` every minute)."""
    form = call.form
    version, entries = await call.ctx.listing.versioned()
    query = tuple(sorted((k, tuple(v)) for k, v in form.values.items()))
    cached = call.ctx.info_cache.get(query)
    if cached is not None and cached[0] == version:
        return Reply(body=cached[1], content_type=JSON)
    wanted = _hashes(form.get("hashes"))
    if wanted is not None:
        keep = set(wanted)
        entries = [e for e in entries if e.hash in keep]
    chosen = select(
        entries,
        lambda e: e.info,
        state_filter=form.text("filter", "all").strip() or "all",
        category=form.get("category"),
        tag=form.get("tag"),
        sort=form.get("sort") or None,
        reverse=form.boolean("reverse"),
        limit=form.integer("limit"),
        offset=form.integer("offset", 0) or 0,
    )
    body = b"[" + b",".join(e.info_json for e in chosen) + b"]"
    if len(call.ctx.info_cache) >= 32:
        call.ctx.info_cache.clear()
    call.ctx.info_cache[query] = (version, body)
    return Reply(body=body, content_type=JSON)


def _hash(call: Call) -> str:
    hash_ = call.form.get("hash")
    if not hash_ or not hash_.strip():
        raise QbitError(400, "Missing required parameter: hash")
    return hash_


async def _one(call: Call) -> tuple[Torrent, object]:
    found = await call.ctx.listing.one(_hash(call))
    if found is None:
        raise QbitError(404, "Not Found")
    return found


async def _properties(call: Call) -> Reply:
    properties = await call.ctx.listing.properties(_hash(call))
    if properties is None:
        raise QbitError(404, "Not Found")
    return as_json(properties)


async def _files(call: Call) -> Reply:
    info, _job = await _one(call)
    task = await call.ctx.service.get(info["hash"])
    files = torrent_files(info, None, task.options.file_priority)
    wanted = call.form.get("indexes")
    if wanted:
        # ASCII digits only (`²` passes str.isdigit() but not int()); no file has a 10-digit index.
        keep = {int(i) for i in (x.strip() for x in wanted.split("|")) if i.isascii() and i.isdigit() and len(i) < 10}
        files = [f for f in files if f["index"] in keep]
    return as_json(files)


async def _trackers(call: Call) -> Reply:
    info, _job = await _one(call)
    task = await call.ctx.service.get(info["hash"])
    return as_json(torrent_trackers(info, task.options.trackers))


async def _categories(call: Call) -> Reply:
    cats = await call.ctx.service.labels.categories()
    return as_json({c.name: {"name": c.name, "savePath": c.save_path} for c in cats})


async def _tags(call: Call) -> Reply:
    await call.ctx.listing.versioned()
    return as_json(await call.ctx.service.labels.tags_with(call.ctx.listing.totals[2]))


async def _count(call: Call) -> Reply:
    return as_json(len(await call.ctx.listing.torrents()))


ENDPOINTS: dict[str, Endpoint] = {
    "torrents/info": Endpoint(_info, READ),
    "torrents/properties": Endpoint(_properties, READ),
    "torrents/files": Endpoint(_files, READ),
    "torrents/trackers": Endpoint(_trackers, READ),
    "torrents/categories": Endpoint(_categories, READ),
    "torrents/tags": Endpoint(_tags, READ),
    "torrents/count": Endpoint(_count, READ),
}
