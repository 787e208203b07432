"""sync/maindata with a real response id: full update for rid 0/unknown, key-level diffs afterwards.

Each answer remembers, under a new rid, which rendered torrent objects it showed (rendered torrents are
immutable, so object identity is their version) plus categories, tags and server state. A client sending that
rid back gets only what changed since: new torrents in full, changed ones as changed keys, `torrents_removed`,
`categories_removed`, `tags_removed`. A bounded number of snapshots is kept; an evicted rid gets a full update,
as qBittorrent does for an unknown rid. Answers are assembled from the pre-encoded torrent JSON.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from anibridge.domain.qbittorrent.listing import (
    RenderedTorrent,
    encode,
)

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    torrents: dict[str, RenderedTorrent]
    categories: dict[str, Json]
    tags: frozenset[str]
    server_state: Json


class MainDataSync:
    """Thread-safe rid bookkeeping shared by all sessions (rids are global and strictly increasing)."""

    def __init__(self, keep: int = 32) -> None:
        self._keep = keep
        self._rid = 0
        self._snapshots: OrderedDict[int, _Snapshot] = OrderedDict()
        self._lock = threading.Lock()
        self._full_body: tuple[int, bytes] | None = None

    def answer(
        self,
        client_rid: int,
        version: int,
        torrents: Sequence[RenderedTorrent],
        categories: Mapping[str, Json],
        tags: Sequence[str],
        server_state: Json,
    ) -> bytes:
        snap = _Snapshot(
            torrents={t.hash: t for t in torrents},
            categories={name: dict(c) for name, c in categories.items()},
            tags=frozenset(tags),
            server_state=dict(server_state),
        )
        with self._lock:
            old = self._snapshots.get(client_rid) if client_rid > 0 else None
            self._rid += 1
            rid = self._rid
            self._snapshots[rid] = snap
            while len(self._snapshots) > self._keep:
                self._snapshots.popitem(last=False)
        if old is None:
            head = encode({
                "categories": snap.categories,
                "full_update": True,
                "rid": rid,
                "server_state": snap.server_state,
                "tags": sorted(snap.tags),
                "trackers": {},
            })
            cached = self._full_body
            if cached is not None and cached[0] == version:
                body = cached[1]
            else:
                body = b",".join(b'"' + t.hash.encode() + b'":' + t.sync_json for t in torrents)
                self._full_body = (version, body)
            return head[:-1] + b',"torrents":{' + body + b"}}"
        return _diff(rid, old, snap)


def _diff(rid: int, old: _Snapshot, new: _Snapshot) -> bytes:
    out: Json = {"rid": rid}
    full: list[RenderedTorrent] = []
    partial: dict[str, Json] = {}
    for hash_, now in new.torrents.items():
        before = old.torrents.get(hash_)
        if before is None:
            full.append(now)
        elif before is not now:
            delta = {
                k: v for k, v in now.info.items()
                if k != "hash" and (before.info.get(k) != v or type(before.info.get(k)) is not type(v))
            }
            if delta:
                partial[hash_] = delta
    removed = [h for h in old.torrents if h not in new.torrents]
    if removed:
        out["torrents_removed"] = removed
    cats = {n: c for n, c in new.categories.items() if old.categories.get(n) != c}
    if cats:
        out["categories"] = cats
    cats_removed = [n for n in old.categories if n not in new.categories]
    if cats_removed:
        out["categories_removed"] = cats_removed
    if new.tags - old.tags:
        out["tags"] = sorted(new.tags - old.tags)
    if old.tags - new.tags:
        out["tags_removed"] = sorted(old.tags - new.tags)
    state = {k: v for k, v in new.server_state.items() if old.server_state.get(k) != v}
    if state:
        out["server_state"] = state
    encoded = encode(out)
    if not full and not partial:
        return encoded
    parts = [encode(t.hash) + b":" + t.sync_json for t in full]
    parts += [encode(h) + b":" + encode(d) for h, d in partial.items()]
    return encoded[:-1] + b',"torrents":{' + b",".join(parts) + b"}}"
