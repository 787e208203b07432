"""An HLS media playlist as a download plan: every segment's absolute URL, byte range and AES-128 key.

The own HLS downloader fetches exactly what this plan lists; anything it cannot download faithfully raises
UnsupportedPlaylist with the reason, and the caller hands the stream to yt-dlp instead: a live or event
playlist (no EXT-X-ENDLIST: it keeps growing), SAMPLE-AES or a key format other than `identity` (DRM), a
changing or encrypted EXT-X-MAP, EXT-X-GAP, non-http(s) URIs, and masters whose audio is a separate rendition
(that needs a merge of two downloads).

`fingerprint` identifies the stream's layout independently of its URLs: hosters sign every URL with a token
that changes each time the embed page is resolved, so a resumed download must recognise its segments by their
order, durations and byte ranges, not by their URLs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_BYTERANGE = re.compile(r"(\d+)(?:@(\d+))?")
_IV = re.compile(r"0[xX]([0-9a-fA-F]{1,32})")


class UnsupportedPlaylist(Exception):
    """The playlist needs something only yt-dlp does (or is not a playlist at all); the message says what."""


@dataclass(frozen=True, slots=True)
class SegmentKey:
    """AES-128 (CBC, PKCS#7) key of a segment; `iv` None means the segment's media sequence number."""

    url: str
    iv: bytes | None


@dataclass(frozen=True, slots=True)
class Segment:
    url: str
    duration: float
    sequence: int
    byte_range: tuple[int, int] | None = None
    """(offset, length) inside the resource at `url`; None: the whole resource."""
    key: SegmentKey | None = None

    def iv(self) -> bytes:
        """The CBC initialisation vector: the key's own, else the sequence number as a 128-bit big-endian."""
        if self.key is not None and self.key.iv is not None:
            return self.key.iv
        return self.sequence.to_bytes(16, "big")


@dataclass(frozen=True, slots=True)
class MediaPlaylist:
    segments: tuple[Segment, ...]
    init: Segment | None
    """The EXT-X-MAP (fMP4 initialisation section) that goes before the first segment, if any."""

    @property
    def seconds(self) -> float:
        return sum(s.duration for s in self.segments)

    def fingerprint(self) -> str:
        """Same for the same stream resolved again (URLs carry changing tokens); see the module docstring."""
        digest = hashlib.sha256()
        for item in ((self.init,) if self.init else ()) + self.segments:
            digest.update(f"{item.sequence}|{item.duration:.3f}|{item.byte_range}|{item.key is not None};"
                          .encode())
        return digest.hexdigest()[:32]


def attributes(line: str) -> dict[str, str]:
    """The attribute list after a tag's colon, quotes removed."""
    _, _, rest = line.partition(":")
    return {m.group(1): m.group(2).strip('"') for m in _ATTR.finditer(rest)}


def is_master(text: str) -> bool:
    return "#EXT-X-STREAM-INF" in text


def check_master(text: str) -> None:
    """Raises UnsupportedPlaylist when a variant's audio is a separate rendition (two downloads and a merge)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-MEDIA:"):
            attrs = attributes(line)
            if attrs.get("TYPE") == "AUDIO" and attrs.get("URI"):
                raise UnsupportedPlaylist("the audio is a separate rendition")


def _absolute(base_url: str, uri: str) -> str:
    url = urljoin(base_url, uri.strip())
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise UnsupportedPlaylist(f"a URI that is not http(s): {uri[:60]!r}")
    return url


def _byte_range(value: str, previous_end: int | None) -> tuple[int, int]:
    match = _BYTERANGE.fullmatch(value.strip())
    if match is None:
        raise UnsupportedPlaylist(f"unreadable byte range {value[:40]!r}")
    length = int(match.group(1))
    if match.group(2) is not None:
        return int(match.group(2)), length
    if previous_end is None:
        raise UnsupportedPlaylist("a byte range without offset that follows no range of the same URI")
    return previous_end, length


def _key(line: str, base_url: str) -> SegmentKey | None:
    attrs = attributes(line)
    method = attrs.get("METHOD", "NONE").upper()
    if method == "NONE":
        return None
    if method != "AES-128":
        raise UnsupportedPlaylist(f"encryption method {method}")
    if attrs.get("KEYFORMAT", "identity") != "identity":
        raise UnsupportedPlaylist(f"key format {attrs['KEYFORMAT'][:40]}")
    if not attrs.get("URI"):
        raise UnsupportedPlaylist("an AES-128 key without URI")
    iv = None
    if "IV" in attrs:
        match = _IV.fullmatch(attrs["IV"])
        if match is None:
            raise UnsupportedPlaylist(f"unreadable IV {attrs['IV'][:40]!r}")
        iv = bytes.fromhex(match.group(1).rjust(32, "0"))
    return SegmentKey(_absolute(base_url, attrs["URI"]), iv)


def parse_media_playlist(text: str, base_url: str) -> MediaPlaylist:
    """The download plan of a finished (VOD) media playlist; raises UnsupportedPlaylist (see the module)."""
    if not text.lstrip("\ufeff").startswith("#EXTM3U"):
        raise UnsupportedPlaylist("not an HLS playlist")
    if is_master(text):
        raise UnsupportedPlaylist("a master playlist, not a media playlist")
    sequence = 0
    duration: float | None = None
    pending_range: str | None = None
    key: SegmentKey | None = None
    init: Segment | None = None
    ended = False
    last_end: dict[str, int] = {}
    segments: list[Segment] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            tag = line.split(":", 1)[0]
            value = line.partition(":")[2]
            if tag == "#EXT-X-MEDIA-SEQUENCE":
                if not value.strip().isdigit():
                    raise UnsupportedPlaylist("unreadable media sequence")
                sequence = int(value)
            elif tag == "#EXTINF":
                try:
                    duration = float(value.split(",", 1)[0])
                except ValueError:
                    raise UnsupportedPlaylist(f"unreadable duration {value[:40]!r}") from None
            elif tag == "#EXT-X-BYTERANGE":
                pending_range = value
            elif tag == "#EXT-X-KEY":
                key = _key(line, base_url)
            elif tag == "#EXT-X-MAP":
                if init is not None or segments:
                    raise UnsupportedPlaylist("the initialisation section changes mid-stream")
                if key is not None:
                    raise UnsupportedPlaylist("an encrypted initialisation section")
                attrs = attributes(line)
                if not attrs.get("URI"):
                    raise UnsupportedPlaylist("EXT-X-MAP without URI")
                url = _absolute(base_url, attrs["URI"])
                span = _byte_range(attrs["BYTERANGE"], None) if "BYTERANGE" in attrs else None
                init = Segment(url, 0.0, -1, span)
            elif tag == "#EXT-X-GAP":
                raise UnsupportedPlaylist("a gap (EXT-X-GAP)")
            elif tag == "#EXT-X-ENDLIST":
                ended = True
            continue
        url = _absolute(base_url, line)
        span = None
        if pending_range is not None:
            span = _byte_range(pending_range, last_end.get(url))
            last_end[url] = span[0] + span[1]
        segments.append(Segment(url, duration or 0.0, sequence, span, key))
        sequence += 1
        duration, pending_range = None, None
    if not ended:
        raise UnsupportedPlaylist("a live playlist (no EXT-X-ENDLIST)")
    if not segments:
        raise UnsupportedPlaylist("a playlist without segments")
    return MediaPlaylist(tuple(segments), init)
