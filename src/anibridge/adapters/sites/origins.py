"""Which origin of a catalogue site to ask: the configured base, then its mirrors in order; the winner remembered.

The sites move: SerienStream's `s.to` stopped resolving in July 2026 (it lives at `serienstream.to`, then
`serienstream.cx`, then its origin IP), AniWorld has `aniworld.to`, `aniworld.cc` and its IP. German ISPs block
some names by DNS, and DDoS-Guard or Cloudflare may stand in front of one name but not another. So every site has
an ordered list of origins; a request goes to the last one that worked, moves down the list on a DNS failure, a
refused connection or a front/DNS gate, and the primary is tried again after `primary_retry_seconds` so a
recovered main domain wins back. The winner is persisted in DATA_DIR, so a restart does not begin with a
timeout on a dead name.

Only the origin changes: the site's identity (`s.to` in magnets, rows and release names) never does. An origin
whose host is an IP address is asked with `Host: <primary host>`, as a browser with a hosts-file entry would.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

LEGACY_HOSTS: dict[str, str] = {"s.to": "serienstream.to"}
"""Names given up by their owner: configured bases on them are rewritten to the current name, never requested."""


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{parts.port}" if parts.port else "")


def is_ip_host(url: str) -> bool:
    try:
        ipaddress.ip_address(urlsplit(url).hostname or "")
    except ValueError:
        return False
    return True


def modernise(base: str) -> str:
    """A base on a legacy host (`https://s.to`) moved onto the current name, keeping scheme and port."""
    parts = urlsplit(base.strip())
    new = LEGACY_HOSTS.get((parts.hostname or "").lower())
    if new is None:
        return base.strip().rstrip("/")
    log.warning("%s no longer resolves; using %s instead (set the base URL to a current domain)", parts.hostname, new)
    netloc = new + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl().rstrip("/")


class SiteOrigins:
    """The ordered origins (base URLs, a path allowed) of one site and which one is active. Thread-safe; cheap to ask on every request."""

    def __init__(self, site: str, primary: str, mirrors: Sequence[str] = (), *, state_file: Path | None = None,
                 primary_retry_seconds: float = 600.0, clock: Callable[[], float] = time.time) -> None:
        self.site = site
        ordered: list[str] = []
        for raw in (primary, *mirrors):
            if not raw.strip():
                continue
            base = modernise(raw)
            if base not in ordered and urlsplit(base).hostname:
                ordered.append(base)
        self.origins: tuple[str, ...] = tuple(ordered)
        self.primary = self.origins[0]
        self.primary_host = urlsplit(self.primary).netloc
        self._file = state_file
        self._retry = primary_retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._active = self.primary
        self._since = clock()
        self._load()

    @property
    def active(self) -> str:
        return self._active

    def base_of(self, url: str) -> str | None:
        """The origin (base URL) `url` lies under, or None."""
        for base in self.origins:
            if url == base or url.startswith((base + "/", base + "?")):
                return base
        return None

    def covers(self, url: str) -> bool:
        """True when `url` is on one of this site's origins (so it may be answered by another one)."""
        return self.base_of(url) is not None

    def candidates(self) -> list[str]:
        """Origins to try, best first: the active one (the primary first again once its retry is due), then the rest."""
        with self._lock:
            active, since = self._active, self._since
        order = [active, *[o for o in self.origins if o != active]]
        if active != self.primary and self._clock() - since >= self._retry:
            order.remove(self.primary)
            order.insert(0, self.primary)
        return order

    def host_header(self, origin: str) -> str | None:
        """`Host` to send to an origin given as an IP address (the primary's name); None for named origins."""
        return self.primary_host if is_ip_host(origin) else None

    def rewrite(self, url: str, origin: str) -> str:
        """`url` moved onto `origin` (the part after its own base kept)."""
        base = self.base_of(url)
        return url if base is None else origin + url[len(base):]

    def succeeded(self, origin: str) -> None:
        """`origin` answered a page: it becomes (or stays) the active one."""
        with self._lock:
            if origin == self._active:
                if origin != self.primary:
                    self._since = self._clock()  # the primary is retried `primary_retry_seconds` after each check
                return
            if origin not in self.origins:
                return
            log.warning("%s: now using %s (was %s)", self.site, origin, self._active)
            self._active, self._since = origin, self._clock()
        self._save()

    def failed(self, origin: str, reason: str) -> None:
        """`origin` did not answer; a failed retry of the primary waits another `primary_retry_seconds`."""
        log.info("%s: origin %s failed (%s)", self.site, origin, reason)
        with self._lock:
            if origin == self.primary and self._active != self.primary:
                self._since = self._clock()

    def _load(self) -> None:
        if self._file is None:
            return
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        active = data.get("active") if isinstance(data, dict) else None
        since = data.get("since") if isinstance(data, dict) else None
        if isinstance(active, str) and active in self.origins:
            self._active = active
            self._since = float(since) if isinstance(since, (int, float)) else self._clock()

    def _save(self) -> None:
        if self._file is None:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"site": self.site, "active": self._active, "since": self._since}),
                           encoding="utf-8")
            tmp.replace(self._file)
        except OSError as ex:
            log.warning("%s: could not remember the active origin in %s: %s", self.site, self._file, ex)


def state_path(data_dir: Path | None, site: str) -> Path | None:
    """Where a site's active origin is remembered (None: in memory only)."""
    if data_dir is None:
        return None
    return data_dir / f"origin-{site.replace('/', '_')}.json"
