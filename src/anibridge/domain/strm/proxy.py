"""STRM proxy use case: stable `/strm/stream` identities → a playable upstream response (no redirects).

Resolution goes memory → `StrmMappingRepo` → `StreamFinder.find`. Hoster URLs expire (typically after a few
hours) and are bound to our IP; when the upstream answers 403/404/410/429/451 or cannot be reached, the cached
mapping is dropped and the episode re-resolved once — if the failing URL was itself fresh, the failing hoster
is skipped first, since a brand-new URL failing means that hoster refuses us rather than that a token expired.

Playlists are rewritten so every child goes through `/strm/proxy` with the hoster's Referer/User-Agent carried
in the signed child URL; everything else is streamed straight through (the delivery layer owns the byte loop).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from anibridge.domain.kit.single_flight import SingleFlight
from anibridge.domain.streams.hls import (
    is_hls,
    rewrite_playlist,
)
from anibridge.domain.streams.hls_playlist import decimal, is_master, variants
from anibridge.domain.strm import probe_master
from anibridge.domain.strm.hls_file import LAYOUT_SECONDS, HlsFiles
from anibridge.domain.strm.hls_layout import parse_range
from anibridge.domain.strm.records import StrmMapping
from anibridge.domain.strm.urls import AuthMode, ChildSigner
from anibridge.ports.errors import NotFound
from anibridge.ports.upstream import UpstreamError, UpstreamRefused

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import EpisodeRef
    from anibridge.ports.repos import StrmMappingRepo
    from anibridge.ports.streams import StreamSource
    from anibridge.ports.system import Clock
    from anibridge.ports.upstream import MediaUpstreamPort, SegmentCipher, UpstreamResponse

log = logging.getLogger(__name__)

REFRESH_STATUSES = frozenset({403, 404, 410, 429, 451})
PASS_HEADERS = ("content-type", "content-length", "content-range", "accept-ranges", "etag", "last-modified")
HLS_TYPE = "application/vnd.apple.mpegurl"
MAX_PLAYLIST_BYTES = 16 * 1024 * 1024
MEASURE_SECONDS = 5.0  # a slow hoster may cost the probe a bitrate figure, never the playback
RATE_CACHE_SIZE = 256  # media playlists whose measured bitrate is remembered (probe, then play: measured once)


class StrmProxyError(Exception):
    """A request the proxy cannot serve; `status` and a short client-safe `reason`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ProxyOptions:
    public_base_url: str
    auth_mode: AuthMode
    secret: str
    child_ttl: int = 86400
    cache_ttl: int = 0
    hls_as_file: bool = True  # HLS answered as one ranged file (see `hls_file`); False: the rewritten playlist
    hls_layout_seconds: float = LAYOUT_SECONDS  # a request waits this long for a file layout, else gets the playlist


@dataclass(slots=True)
class ProxyReply:
    """What to send back: a complete `body`, or an open upstream `stream` the caller must close."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: UpstreamResponse | None = None


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def upstream_headers(client: Mapping[str, str], hoster: Mapping[str, str]) -> dict[str, str]:
    """Client Range/User-Agent, overridden by the hoster's required headers; never compressed media."""
    out: dict[str, str] = {}
    for name in ("Range", "User-Agent"):
        value = client.get(name) or client.get(name.lower())
        if value:
            out[name] = value
    for name, value in hoster.items():
        out[name] = value
    out["Accept-Encoding"] = "identity"
    return out


def _without_range(client: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in client.items() if k.lower() != "range"}


def filtered_headers(headers: Mapping[str, str], extra: tuple[str, ...] = ()) -> dict[str, str]:
    out = {}
    for name in PASS_HEADERS + extra:
        value = headers.get(name)
        if value is not None:
            out[name] = value
    out.setdefault("content-type", "application/octet-stream")
    return out


def _lacks_length(resp: UpstreamResponse) -> bool:
    """A 200 for a media file (not a playlist) whose size the hoster did not state."""
    return (resp.status == 200 and not resp.headers.get("content-length")
            and not is_hls(resp.headers.get("content-type"), resp.url))


class StrmProxy:
    def __init__(
        self,
        finder: StreamSource,
        mappings: StrmMappingRepo,
        upstream: MediaUpstreamPort,
        clock: Clock,
        options: ProxyOptions,
        cipher: SegmentCipher | None = None,
    ) -> None:
        self._finder = finder
        self._mappings = mappings
        self._upstream = upstream
        self._clock = clock
        self.options = options
        self._memory: dict[tuple[EpisodeRef, str], StrmMapping] = {}
        self._resolving: SingleFlight[tuple[EpisodeRef, str], StrmMapping] = SingleFlight()
        # Measured per media playlist URL; None remembers "not measurable" so a hoster that refuses ranged
        # requests costs the extra requests once per URL, not on every play.
        self._rates: dict[str, probe_master.Rate | None] = {}
        self._files = HlsFiles(upstream, cipher, layout_seconds=options.hls_layout_seconds)

    # -- resolution cache -------------------------------------------------------------------------------
    def _fresh(self, mapping: StrmMapping) -> bool:
        ttl = self.options.cache_ttl
        if ttl <= 0:
            return True
        age = (_aware(self._clock.now()) - _aware(mapping.resolved_at)).total_seconds()
        return age <= ttl

    async def _cached(self, ref: EpisodeRef, hint: str) -> StrmMapping | None:
        mapping = self._memory.get((ref, hint))
        if mapping is not None and self._fresh(mapping):
            return mapping
        mapping = await self._mappings.get(ref, hint)
        if mapping is not None and self._fresh(mapping):
            self._memory[(ref, hint)] = mapping
            return mapping
        return None

    async def _resolve(self, ref: EpisodeRef, hint: str, exclude: frozenset[str] = frozenset()) -> StrmMapping:
        """Single flight per identity: players starting one episode together trigger one hoster resolution."""
        return await self._resolving.do((ref, hint), lambda: self._resolve_now(ref, hint, exclude))

    async def _refresh(self, ref: EpisodeRef, hint: str, failed: StrmMapping, exclude: frozenset[str]) -> StrmMapping:
        """Drop the failing mapping and resolve again, unless a concurrent request already replaced it."""
        current = self._memory.get((ref, hint))
        if current is not None and current.resolved_url != failed.resolved_url:
            return current
        await self.invalidate(ref, hint)
        return await self._resolve(ref, hint, exclude)

    async def _resolve_now(self, ref: EpisodeRef, hint: str, exclude: frozenset[str]) -> StrmMapping:
        try:
            stream = await self._finder.find(ref, preferred=hint or None, exclude=exclude)
        except NotFound as ex:
            raise StrmProxyError(404, "episode not offered") from ex
        except Exception as ex:  # noqa: BLE001 - every hoster failure is the same 502 to the player
            if exclude:
                return await self._resolve_now(ref, hint, frozenset())
            log.warning("strm: resolution of %s failed: %s", ref, ex)
            raise StrmProxyError(502, "upstream resolution failed") from ex
        mapping = StrmMapping(
            ref=ref, provider_hint=hint, resolved_url=stream.url, resolved_at=self._clock.now(),
            provider_used=stream.provider, headers=dict(stream.headers),
        )
        self._memory[(ref, hint)] = mapping
        await self._mappings.put(mapping)
        return mapping

    async def invalidate(self, ref: EpisodeRef, hint: str) -> None:
        self._memory.pop((ref, hint), None)
        await self._mappings.delete(ref, hint)

    # -- requests ----------------------------------------------------------------------------------------
    async def _open(self, method: str, url: str, headers: dict[str, str]) -> UpstreamResponse | None:
        try:
            return await self._upstream.open(method, url, headers)
        except UpstreamError as ex:
            log.info("strm: upstream %s failed: %s", url.split("?", 1)[0], ex)
            return None

    async def stream(self, ref: EpisodeRef, provider: str | None, method: str,
                     client: Mapping[str, str], refreshed: bool = False) -> ProxyReply:
        """Serve `/strm/stream`: resolve (cached), open upstream, refresh once on expiry-like failures."""
        hint = provider or ""
        mapping = await self._cached(ref, hint)
        from_cache = mapping is not None
        if mapping is None:
            mapping = await self._resolve(ref, hint)
        resp = await self._open(method, mapping.resolved_url, upstream_headers(client, mapping.headers))
        if resp is None or resp.status in REFRESH_STATUSES:
            log.info("strm: %s answered %s, re-resolving %s", mapping.provider_used,
                     "no response" if resp is None else resp.status, ref)
            if resp is not None:
                await resp.aclose()
            failed = frozenset({mapping.provider_used}) if (not from_cache and mapping.provider_used) else frozenset()
            mapping = await self._refresh(ref, hint, mapping, failed)
            resp = await self._open(method, mapping.resolved_url, upstream_headers(client, mapping.headers))
            if resp is None:
                raise StrmProxyError(502, "upstream request failed")
        # 416: the player's Range hit the playlist; 405/501: a CDN that answers no HEAD for playlists.
        if (self.options.hls_as_file and resp.status in (200, 206, 416, *((405, 501) if method == "HEAD" else ()))
                and is_hls(resp.headers.get("content-type"), resp.url)):
            as_file = await self._as_file(ref, hint, mapping, resp, method, client, refreshed)
            if as_file is not None:
                return as_file
            resp = await self._open(method, mapping.resolved_url, upstream_headers(client, mapping.headers))
            if resp is None:
                raise StrmProxyError(502, "upstream request failed")
        if method == "GET" and _lacks_length(resp) and not any(k.lower() == "range" for k in client):
            sized = await self._sized(resp.url, client, mapping.headers)
            if sized is not None:
                await resp.aclose()
                return sized
        return await self._reply(resp, method, client, mapping.headers, top=True)

    async def _as_file(self, ref: EpisodeRef, hint: str, mapping: StrmMapping, resp: UpstreamResponse,
                       method: str, client: Mapping[str, str], refreshed: bool) -> ProxyReply | None:
        """The HLS stream as one file with the client's Range applied; None keeps it a playlist.

        The top playlist answered, but its segments may still refuse us (their tokens expire apart from the
        playlist's): the first part is opened before any header goes out, and a refusal drops the layout and
        re-resolves the episode once, as a refused top URL does.
        """
        await resp.aclose()
        # Keyed by the resolved URL, not the URL it redirects to: a hoster that redirects to a freshly tokened
        # CDN URL on every request would otherwise cost a discovery per request.
        top = mapping.resolved_url
        found = await self._files.layout(top, mapping.headers)
        if found is None:
            return None
        layout = found.layout
        headers = {"content-type": layout.content_type, "accept-ranges": "bytes"}
        asked = next((v for k, v in client.items() if k.lower() == "range"), "")
        span = parse_range(asked, layout.total) if asked else None
        if span == "unsatisfiable":
            headers["content-range"] = f"bytes */{layout.total}"
            return ProxyReply(416, headers)
        status, first, last = 200, 0, layout.total - 1
        if isinstance(span, tuple):
            status, (first, last) = 206, span
            headers["content-range"] = f"bytes {first}-{last}/{layout.total}"
        headers["content-length"] = str(last - first + 1)
        if method == "HEAD":
            return ProxyReply(status, headers)
        body = self._files.body(found, first, last, mapping.headers, headers, status)
        try:
            refused = await body.start()
        except UpstreamError as ex:
            log.info("strm: first segment of %s failed: %s", ref, ex)
            refused = 0
        if refused is None:
            return ProxyReply(status, headers, stream=body)
        await body.aclose()
        self._files.forget(top)
        if refreshed or (refused and refused not in REFRESH_STATUSES):
            raise StrmProxyError(502, "upstream segment request failed")
        log.info("strm: a segment of %s answered %s, re-resolving", ref, refused or "no response")
        await self._refresh(ref, hint, mapping, frozenset())
        return await self.stream(ref, hint or None, method, client, refreshed=True)

    async def _sized(self, url: str, client: Mapping[str, str], hoster_headers: Mapping[str, str]) -> ProxyReply | None:
        """The whole file as a 200 that carries its length, from a `bytes=0-` request; None when the hoster
        will not say. Without a length ffprobe reports no bitrate (Jellyfin then transcodes) and cannot seek."""
        ranged = await self._open("GET", url, upstream_headers({**client, "Range": "bytes=0-"}, hoster_headers))
        if ranged is None:
            return None
        span, _, total = ranged.headers.get("content-range", "").partition("/")
        size = decimal(total)
        if ranged.status != 206 or not size or span.strip() != f"bytes 0-{size - 1}":
            await ranged.aclose()
            return None
        headers = filtered_headers(ranged.headers, ("content-encoding",))
        headers.pop("content-range", None)
        headers["content-length"] = str(size)
        headers["accept-ranges"] = "bytes"
        return ProxyReply(200, headers, stream=ranged)

    async def child(self, url: str, method: str, client: Mapping[str, str],
                    hoster_headers: Mapping[str, str]) -> ProxyReply:
        """Serve `/strm/proxy`: one signed upstream URL (segment, key, variant playlist); no refresh."""
        try:
            resp = await self._upstream.open(method, url, upstream_headers(client, hoster_headers))
        except UpstreamRefused as ex:
            raise StrmProxyError(400, ex.reason) from ex
        except UpstreamError as ex:
            raise StrmProxyError(502, "upstream request failed") from ex
        return await self._reply(resp, method, client, hoster_headers)

    async def _reply(self, resp: UpstreamResponse, method: str, client: Mapping[str, str],
                     hoster_headers: Mapping[str, str], top: bool = False) -> ProxyReply:
        if method == "HEAD":
            return await self._head(resp, client, hoster_headers, top)
        if resp.status in (206, 416) and is_hls(resp.headers.get("content-type"), resp.url):
            # The player's Range hit a playlist: the rewrite needs all of it, and the 200 we answer must carry
            # all of it (a ranged playlist used to come back as a truncated 200; a bad Range as a 416).
            url = resp.url
            await resp.aclose()
            whole = await self._open("GET", url, upstream_headers(_without_range(client), hoster_headers))
            if whole is None:
                raise StrmProxyError(502, "upstream request failed")
            resp = whole
        if resp.status in (200, 206) and is_hls(resp.headers.get("content-type"), resp.url):
            return await self._playlist(resp, hoster_headers, top)
        return ProxyReply(resp.status, filtered_headers(resp.headers, ("content-encoding",)), stream=resp)

    async def _head(self, resp: UpstreamResponse, client: Mapping[str, str],
                    hoster_headers: Mapping[str, str], top: bool = False) -> ProxyReply:
        if resp.status not in (405, 501) and not (top and _lacks_length(resp)):
            await resp.aclose()
            headers = filtered_headers(resp.headers)
            if resp.status == 200 and is_hls(resp.headers.get("content-type"), resp.url):
                # A GET would return the rewritten playlist: the upstream's length and ETag do not describe it,
                # and no length at all came out as "Content-Length: 0" (Falcon's HEAD default). Rewrite it once
                # to report the true length (playlists are small).
                whole = await self._open("GET", resp.url, upstream_headers(_without_range(client), hoster_headers))
                if whole is None:
                    return ProxyReply(resp.status, {"content-type": HLS_TYPE})
                if whole.status != 200:
                    await whole.aclose()
                    return ProxyReply(whole.status, {"content-type": HLS_TYPE})
                rewritten = await self._playlist(whole, hoster_headers, top)
                return ProxyReply(200, rewritten.headers)
            return ProxyReply(resp.status, headers)
        url = resp.url
        await resp.aclose()
        probe_headers = upstream_headers(client, hoster_headers)
        asked_range = "Range" in probe_headers
        probe_headers.setdefault("Range", "bytes=0-0")
        probe = await self._open("GET", url, probe_headers)
        if probe is None:
            raise StrmProxyError(502, "upstream request failed")
        await probe.aclose()
        headers = filtered_headers(probe.headers)
        status = probe.status
        total = decimal(headers.get("content-range", "").rpartition("/")[2])
        if not asked_range and status == 206 and total is not None:
            # The 1-byte probe stands in for a HEAD of the whole resource: report its full size.
            status = 200
            headers.pop("content-range", None)
            headers["content-length"] = str(total)
        return ProxyReply(status, headers)

    async def _playlist(self, resp: UpstreamResponse, hoster_headers: Mapping[str, str],
                        top: bool = False) -> ProxyReply:
        if not self.options.public_base_url.strip():
            await resp.aclose()
            raise StrmProxyError(500, "STRM_PUBLIC_BASE_URL is required for STRM proxy URLs")
        try:
            raw = await resp.read(MAX_PLAYLIST_BYTES)
        except UpstreamError as ex:
            raise StrmProxyError(502, "upstream playlist unreadable") from ex
        finally:
            await resp.aclose()
        charset = "utf-8"
        for part in (resp.headers.get("content-type") or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            text = raw.decode(charset, errors="replace")
        except LookupError:
            text = raw.decode("utf-8", errors="replace")
        o = self.options
        signer = ChildSigner(o.public_base_url, o.auth_mode, o.secret, self._clock.now().timestamp(),
                             o.child_ttl, hoster_headers)
        if top:
            try:
                text = await asyncio.wait_for(self._with_bitrate(text, resp.url, hoster_headers), MEASURE_SECONDS)
            except TimeoutError:
                log.info("strm: measuring the bitrate of %s took too long; serving it as it is",
                         resp.url.split("?", 1)[0])
        body = rewrite_playlist(text, resp.url, signer).encode("utf-8")
        headers = {"content-type": HLS_TYPE, "content-length": str(len(body))}
        if resp.headers.get("last-modified"):
            headers["last-modified"] = resp.headers["last-modified"]
        return ProxyReply(200, headers, body=body)

    # -- bitrate for probes ------------------------------------------------------------------------------
    async def _with_bitrate(self, text: str, url: str, hoster_headers: Mapping[str, str]) -> str:
        """The top playlist as a master whose variants all carry BANDWIDTH (see `probe_master` for why).

        A bare media playlist becomes a one-variant master; a master's variants without BANDWIDTH get one.
        When nothing can be measured the hoster's text goes out unchanged: playback matters more than a figure.
        """
        if probe_master.is_media(text):
            found = await self._media_rate(url, text, hoster_headers)
            return text if found is None else probe_master.synthetic_master(url, found)
        if not is_master(text):
            return text
        missing = [v for v in variants(text, url) if probe_master.lacks_bandwidth(v)]
        if not missing:
            return text
        rates = await asyncio.gather(*(self._variant_rate(v.url, hoster_headers) for v in missing))
        filled = {v.line: r for v, r in zip(missing, rates, strict=True) if r is not None}
        return probe_master.with_bandwidth(text, filled) if filled else text

    def _remember(self, url: str, found: probe_master.Rate | None) -> None:
        if len(self._rates) >= RATE_CACHE_SIZE:
            self._rates.pop(next(iter(self._rates)))
        self._rates[url] = found

    async def _variant_rate(self, url: str, hoster_headers: Mapping[str, str]) -> probe_master.Rate | None:
        if url in self._rates:
            return self._rates[url]
        resp = await self._open("GET", url, upstream_headers({}, hoster_headers))
        if resp is None:
            return None
        try:
            if resp.status != 200:
                return None
            text = (await resp.read(MAX_PLAYLIST_BYTES)).decode("utf-8", errors="replace")
        except UpstreamError:
            return None
        finally:
            await resp.aclose()
        return await self._media_rate(url, text, hoster_headers) if probe_master.is_media(text) else None

    async def _media_rate(self, url: str, text: str, hoster_headers: Mapping[str, str]) -> probe_master.Rate | None:
        if url in self._rates:
            return self._rates[url]
        picked = probe_master.sample(probe_master.segments(text, url))
        sizes = await asyncio.gather(*(self._segment_size(s, hoster_headers) for s in picked))
        found = probe_master.rate([(s, n) for s, n in zip(picked, sizes, strict=True) if n is not None])
        self._remember(url, found)
        return found

    async def _segment_size(self, segment: probe_master.Segment, hoster_headers: Mapping[str, str]) -> int | None:
        """Bytes of one segment: its byte range, else the total of a 1-byte ranged GET (closed at once)."""
        if segment.size is not None:
            return segment.size
        resp = await self._open("GET", segment.url, upstream_headers({"Range": "bytes=0-0"}, hoster_headers))
        if resp is None:
            return None
        try:
            if resp.status == 206:
                return decimal(resp.headers.get("content-range", "").rpartition("/")[2])
            return decimal(resp.headers.get("content-length", "")) if resp.status == 200 else None
        finally:
            await resp.aclose()
