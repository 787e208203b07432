"""Mutating torrent endpoints (POST only): add, delete, categories, tags, limits, queue, stop/start."""

from __future__ import annotations

import logging

from anibridge.delivery.qbittorrent.context import WRITE, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import QbitError, Reply, done, ok, text
from anibridge.domain.qbittorrent.records import TaskOptions
from anibridge.domain.qbittorrent.service import (
    AddRequest,
    TorrentError,
    split_tags,
)

log = logging.getLogger(__name__)

TORRENT_FILES_REFUSED = ("anibridge adds only magnets from its own Torznab indexer; .torrent files cannot be added "
                         "(grab the release's magnet link instead)")

MAX_SPEED_LIMIT = 2**31 - 1
"""Bytes/s; qBittorrent keeps speed limits in an int."""

_REASONS_SHOWN = 3  # a request with 1,000 junk URLs still writes one short warning line
_REASON_CHARS = 120


def rejection_summary(rejected: list[tuple[str, str]], total: int) -> str:
    """`N of M url(s) rejected: first reasons (truncated) …`; the per-URL detail is logged at DEBUG by the domain."""
    reasons = [_clip(reason) for _url, reason in rejected[:_REASONS_SHOWN]]
    more = len(rejected) - len(reasons)
    tail = f"; … and {more} more" if more > 0 else ""
    return f"{len(rejected)} of {total} url(s) rejected: " + "; ".join(reasons) + tail


def _clip(reason: str) -> str:
    reason = " ".join(reason.split())  # no newlines from client input in the log
    return reason if len(reason) <= _REASON_CHARS else reason[: _REASON_CHARS - 1] + "…"


def _split_lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.replace("\r", "\n").split("\n") if line.strip()]


async def _add(call: Call) -> Reply:
    """`Ok.` when at least one magnet is known afterwards (re-adds included), else `Fails.` like qBittorrent."""
    form = call.form
    urls = [u for raw in form.all("urls") for u in _split_lines(raw)]
    if form.files:
        field_name, file_name, _data = form.files[0]
        log.warning("torrents/add: %d .torrent upload(s) refused (first: %s %.120s)", len(form.files),
                    field_name, file_name)
    if not urls:
        if form.files:
            raise QbitError(415, TORRENT_FILES_REFUSED)
        raise QbitError(400, "Missing required parameter: urls")
    stopped = form.boolean("stopped", form.boolean("paused", False))
    inactive = _seeding(form.integer("inactiveSeedingTimeLimit"))
    options = TaskOptions(
        dl_limit=min(max(0, form.integer("dlLimit", 0) or 0), MAX_SPEED_LIMIT),
        up_limit=min(max(0, form.integer("upLimit", 0) or 0), MAX_SPEED_LIMIT),
        seq_dl=form.boolean("sequentialDownload"),
        f_l_piece_prio=form.boolean("firstLastPiecePrio"),
        auto_tmm=form.boolean("autoTMM"),
        inactive_seeding_time_limit=-2 if inactive is None else inactive,
    )
    request = AddRequest(
        urls=urls,
        category=form.text("category"),
        tags=split_tags(form.text("tags")),
        stopped=stopped,
        ratio_limit=_ratio(form.number("ratioLimit")),
        seeding_time_limit=_seeding(form.integer("seedingTimeLimit")),
        save_path=form.text("savepath"),
        options=options,
    )
    result = await call.ctx.service.add(request)
    if result.rejected:
        log.warning("torrents/add: %s", rejection_summary(result.rejected, len(urls)))
    return ok() if result.ok else text("Fails.")


async def _delete(call: Call) -> Reply:
    form = call.form
    await call.ctx.service.delete(form.required("hashes"), form.boolean("deleteFiles"))
    return done()


async def _set_category(call: Call) -> Reply:
    await call.ctx.service.labels.set_category(call.form.required("hashes"), call.form.text("category"))
    return done()


async def _create_category(call: Call) -> Reply:
    await call.ctx.service.labels.create_category(call.form.text("category"), call.form.text("savePath"))
    return done()


async def _edit_category(call: Call) -> Reply:
    await call.ctx.service.labels.edit_category(call.form.text("category"), call.form.text("savePath"))
    return done()


async def _remove_categories(call: Call) -> Reply:
    """qBittorrent separates names with newlines; the `|` of older bridges is accepted too."""
    raw = call.form.text("categories")
    await call.ctx.service.labels.remove_categories(_split_lines(raw.replace("|", "\n")))
    return done()


async def _add_tags(call: Call) -> Reply:
    await call.ctx.service.labels.add_tags(call.form.required("hashes"), split_tags(call.form.text("tags")))
    return done()


async def _set_tags(call: Call) -> Reply:
    await call.ctx.service.labels.set_tags(call.form.required("hashes"), split_tags(call.form.required("tags")))
    return done()


async def _remove_tags(call: Call) -> Reply:
    await call.ctx.service.labels.remove_tags(call.form.required("hashes"), split_tags(call.form.text("tags")))
    return done()


async def _create_tags(call: Call) -> Reply:
    await call.ctx.service.labels.create_tags(split_tags(call.form.text("tags")))
    return done()


async def _delete_tags(call: Call) -> Reply:
    await call.ctx.service.labels.delete_tags(split_tags(call.form.text("tags")))
    return done()


MAX_RATIO, MAX_SEEDING_MINUTES = 9998.0, 525600
"""qBittorrent's own ceilings (Torrent::MAX_RATIO / MAX_SEEDING_TIME); larger values are clamped as qB does,
which also keeps them inside the 32-bit column PostgreSQL has for them (2**31 used to be a 500 DataError)."""


def _ratio(value: float | None) -> float | None:
    return None if value is None else max(-2.0, min(value, MAX_RATIO))  # -2 global, -1 unlimited


def _seeding(value: int | None) -> int | None:
    return None if value is None else max(-2, min(value, MAX_SEEDING_MINUTES))


async def _set_share_limits(call: Call) -> Reply:
    form = call.form
    ratio = _ratio(form.number("ratioLimit"))
    seeding = _seeding(form.integer("seedingTimeLimit"))
    inactive = _seeding(form.integer("inactiveSeedingTimeLimit"))  # qB ≥ 4.6; Sonarr does not send it
    if ratio is None or seeding is None:
        raise QbitError(400, "Missing required parameter: ratioLimit/seedingTimeLimit")
    await call.ctx.service.set_share_limits(form.required("hashes"), ratio, seeding, inactive)
    return done()


def _prio(how: str) -> Endpoint:
    async def handler(call: Call) -> Reply:
        await call.ctx.service.move_priority(call.form.required("hashes"), how)
        return done()

    return Endpoint(handler, WRITE)


async def _force_start(call: Call) -> Reply:
    await call.ctx.service.set_force_start(call.form.required("hashes"), call.form.boolean("value"))
    return done()


async def _stop(call: Call) -> Reply:
    await call.ctx.service.stop(call.form.required("hashes"))
    return done()


async def _start(call: Call) -> Reply:
    await call.ctx.service.start(call.form.required("hashes"))
    return done()


ENDPOINTS: dict[str, Endpoint] = {
    "torrents/add": Endpoint(_add, WRITE),
    "torrents/delete": Endpoint(_delete, WRITE),
    "torrents/setCategory": Endpoint(_set_category, WRITE),
    "torrents/createCategory": Endpoint(_create_category, WRITE),
    "torrents/editCategory": Endpoint(_edit_category, WRITE),
    "torrents/removeCategories": Endpoint(_remove_categories, WRITE),
    "torrents/addTags": Endpoint(_add_tags, WRITE),
    "torrents/removeTags": Endpoint(_remove_tags, WRITE),
    "torrents/setTags": Endpoint(_set_tags, WRITE),
    "torrents/createTags": Endpoint(_create_tags, WRITE),
    "torrents/deleteTags": Endpoint(_delete_tags, WRITE),
    "torrents/setShareLimits": Endpoint(_set_share_limits, WRITE),
    "torrents/topPrio": _prio("top"),
    "torrents/bottomPrio": _prio("bottom"),
    "torrents/increasePrio": _prio("increase"),
    "torrents/decreasePrio": _prio("decrease"),
    "torrents/setForceStart": Endpoint(_force_start, WRITE),
    "torrents/stop": Endpoint(_stop, WRITE),
    "torrents/start": Endpoint(_start, WRITE),
    "torrents/pause": Endpoint(_stop, WRITE),
    "torrents/resume": Endpoint(_start, WRITE),
}

__all__ = ["ENDPOINTS", "TorrentError"]
