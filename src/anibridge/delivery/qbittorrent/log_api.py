"""log/main (anibridge's own recent log records, qBittorrent's shape) and log/peers (no peers, so empty)."""

from __future__ import annotations

from anibridge.delivery.qbittorrent.context import READ, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import Reply, as_json, parse_bool

_TYPES = (("normal", 1), ("info", 2), ("warning", 4), ("critical", 8))


async def _main(call: Call) -> Reply:
    """Filters `normal`/`info`/`warning`/`critical` (default all) and `last_known_id` (default -1)."""
    form = call.form
    wanted = frozenset(code for name, code in _TYPES if parse_bool(form.get(name), True))
    try:
        last = int(form.text("last_known_id", "-1").strip() or "-1")
    except ValueError:
        last = -1  # qBittorrent treats an unparsable id as "everything"
    if call.ctx.logs is None:
        return as_json([])
    lines = call.ctx.logs.since(last, wanted)
    return as_json([{"id": ln.id, "message": ln.message, "timestamp": ln.timestamp, "type": ln.type} for ln in lines])


async def _peers(call: Call) -> Reply:
    return as_json([])


ENDPOINTS: dict[str, Endpoint] = {
    "log/main": Endpoint(_main, READ),
    "log/peers": Endpoint(_peers, READ),
}
