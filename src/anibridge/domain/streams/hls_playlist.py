"""One reading of HLS playlists (RFC 8216) for every part that fetches HLS itself: segments, keys, variants.

The own downloader and the STRM proxy's "HLS as one file" mode both need a media playlist's segments with their
durations, byte ranges, AES-128 keys and initialisation sections, and a master's default variant. They differ
in what they accept — the downloader hands anything unusual to yt-dlp, the proxy keeps serving the playlist
instead — so the parser records what the playlist says and decides nothing: each consumer refuses what it
cannot do from this model. Only text that no consumer can read past raises PlaylistError: a URI no HTTP client
can take, a byte range that is not one, or an IV that is not hex (or a media sequence that is not a number, when
the IV is the sequence number) once a segment or map is encrypted with it. Where a line is unreadable but has an
obvious default (an EXTINF without a number, a media sequence that is not one, a byte range without an offset
that follows no range of its URI, an IV without its 0x) the default is used and the reason is kept in
`guesses`: the downloader refuses such a playlist, the proxy goes with it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_BYTERANGE = re.compile(r"\s*([0-9]+)\s*(?:@\s*([0-9]+))?\s*")
_IV = re.compile(r"(0[xX])?([0-9a-fA-F]{1,32})")
_RESOLUTION = re.compile(r"([0-9]{1,9})x([0-9]{1,9})")
_DURATION = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")  # decimal-floating-point: no sign, no exponent, no inf
_DECIMAL = re.compile(r"[0-9]{1,20}")
DECIMAL_MAX = 2**64 - 1  # RFC 8216 decimal-integer range
AES_BLOCK = 16


class PlaylistError(ValueError):
    """The playlist states something no reader can use (the message says what)."""


@dataclass(frozen=True, slots=True)
class Key:
    """An EXT-X-KEY: `url` absolute ("" when the tag has none); `iv` None means the segment's sequence number."""

    url: str
    iv: bytes | None
    method: str = "AES-128"
    """As written; METHOD=NONE (any case) is no key at all."""
    keyformat: str = "identity"


@dataclass(frozen=True, slots=True)
class Segment:
    """A media segment, or an EXT-X-MAP initialisation section (duration 0)."""

    url: str
    duration: float
    """EXTINF seconds as written: finite and ≥ 0 (0.0 when missing or unreadable)."""
    sequence: int
    byte_range: tuple[int, int] | None = None
    """(offset, length) inside the resource at `url`; None: the whole resource."""
    key: Key | None = None
    init: Segment | None = None
    """The EXT-X-MAP in force for this segment (for a map itself: None)."""
    discontinuity: bool = False
    gap: bool = False
    """EXT-X-GAP: the segment is announced missing and must not be fetched."""

    def iv(self) -> bytes:
        """The CBC initialisation vector: the key's own, else the sequence number as a 128-bit big-endian."""
        if self.key is not None and self.key.iv is not None:
            return self.key.iv
        # The reader keeps sequences within 2**64 - 1 plus the segment count; the modulo keeps any other
        # Segment (a plan's init section is sequence -1) from raising OverflowError here.
        return (self.sequence % (1 << 8 * AES_BLOCK)).to_bytes(AES_BLOCK, "big")


@dataclass(frozen=True, slots=True)
class MediaPlaylist:
    segments: tuple[Segment, ...]
    maps: tuple[Segment, ...]
    """Every EXT-X-MAP in playlist order, with the key in force at its line and the next sequence number."""
    keys: tuple[Key, ...]
    """Every EXT-X-KEY in playlist order, METHOD=NONE included (a segment's `key` is None for those)."""
    ended: bool
    """EXT-X-ENDLIST: a finished (VOD) playlist; without it the playlist is live and keeps growing."""
    guesses: tuple[str, ...]
    """Why a default stood in for an unreadable line, in playlist order; see the module docstring."""

    @property
    def seconds(self) -> float:
        return sum(s.duration for s in self.segments)


@dataclass(frozen=True, slots=True)
class Variant:
    """One `EXT-X-STREAM-INF` entry: the index of its tag line, its attributes and its absolute URL."""

    line: int
    attributes: dict[str, str]
    url: str


def decimal(value: str) -> int | None:
    """A decimal-integer as a playlist or a header writes it (ASCII digits, at most 2**64-1); None otherwise.

    `str.isdigit()` also takes "²" and "٣", and `int()` refuses some of those and any text past 4300 digits:
    every number read from hoster text goes through here so that odd text is a decision, not a ValueError.
    """
    text = value.strip()
    if _DECIMAL.fullmatch(text) is None:
        return None
    number = int(text)
    return number if number <= DECIMAL_MAX else None


def resolve(base_url: str, uri: str) -> str | None:
    """`uri` made absolute against `base_url`; None when either is no URL an HTTP client can take.

    `urljoin` raises ValueError on an unclosed IPv6 host (`http://[::1`), and `urlsplit` on a port that is not
    one (`:99999`, `:x`) or a host that NFKC-normalises into a delimiter: a hoster's typo must not escape.
    """
    try:
        absolute = urljoin(base_url, uri)
        _ = urlsplit(absolute).port
    except ValueError:
        return None
    return absolute


def attributes(line: str) -> dict[str, str]:
    """The attribute list after a tag's colon, quotes removed."""
    _, _, rest = line.partition(":")
    return {m.group(1): m.group(2).strip('"') for m in _ATTR.finditer(rest)}


def is_master(text: str) -> bool:
    return "#EXT-X-STREAM-INF" in text


def pkcs7_padding(last_plain_block: bytes) -> int | None:
    """The PKCS#7 padding length of a decrypted final AES block; None when it is not valid padding."""
    if len(last_plain_block) != AES_BLOCK:
        return None
    pad = last_plain_block[-1]
    if not 1 <= pad <= AES_BLOCK or last_plain_block[-pad:] != bytes([pad]) * pad:
        return None
    return pad


def variants(text: str, base_url: str) -> list[Variant]:
    out: list[Variant] = []
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        if not raw.strip().startswith("#EXT-X-STREAM-INF"):
            continue
        for j in range(i + 1, len(lines)):
            uri = lines[j].strip()
            if uri and not uri.startswith("#"):
                url = resolve(base_url, uri)
                if url is not None:  # a variant no client can fetch is no choice
                    out.append(Variant(i, attributes(raw.strip()), url))
                break
    return out


def best_variant(text: str, base_url: str) -> Variant | None:
    """The variant a player or downloader takes by default: the highest BANDWIDTH, else the largest RESOLUTION,
    else the first; None for a text without variants."""

    def rank(v: Variant) -> tuple[int, int]:
        bandwidth = decimal(v.attributes.get("BANDWIDTH", ""))
        size = _RESOLUTION.fullmatch(v.attributes.get("RESOLUTION", ""))
        return (bandwidth or 0, int(size.group(1)) * int(size.group(2)) if size else 0)

    return max(variants(text, base_url), key=rank, default=None)


def has_separate_audio(text: str, group: str | None = None) -> bool:
    """Whether an EXT-X-MEDIA audio rendition has its own URI (of audio group `group`; None: of any group).

    Such audio is not in the variant's segments: taking the variant alone gives a silent video.
    """
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("#EXT-X-MEDIA:"):
            continue
        attrs = attributes(line)
        if attrs.get("TYPE") == "AUDIO" and "URI" in attrs and group in (None, attrs.get("GROUP-ID")):
            return True
    return False


def _byte_range(value: str) -> tuple[int, int | None]:
    """(length, offset or None) of `length[@offset]`."""
    match = _BYTERANGE.fullmatch(value)
    length = decimal(match.group(1)) if match else None
    offset = decimal(match.group(2)) if match and match.group(2) is not None else None
    if match is None or length is None or (match.group(2) is not None and offset is None):
        raise PlaylistError(f"unreadable byte range {value[:40]!r}")
    return length, offset


def _iv(value: str) -> tuple[bytes | None, bool]:
    """The IV bytes (None: not hex at all) and whether it was written as the format asks (with 0x)."""
    match = _IV.fullmatch(value.strip())
    if match is None:
        return None, False
    return bytes.fromhex(match.group(2).rjust(32, "0")), match.group(1) is not None


class _Reader:
    """The state a media playlist carries from line to line."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sequence = 0
        self.duration = 0.0
        self.pending_range: str | None = None
        self.discontinuity = self.gap = False
        self.key: Key | None = None
        self.key_error: str | None = None
        """Why the key in force has no usable IV: raised once a segment or map would need it."""
        self.sequence_error: str | None = None
        """Why the media sequence is a guess: raised once a key without IV needs the sequence as its IV."""
        self.init: Segment | None = None
        self.ended = False
        self.last_end: dict[str, int] = {}
        self.segments: list[Segment] = []
        self.maps: list[Segment] = []
        self.keys: list[Key] = []
        self.guesses: list[str] = []

    def url(self, uri: str) -> str:
        absolute = resolve(self.base_url, uri)
        if absolute is None:
            raise PlaylistError(f"unreadable URI {uri[:60]!r}")
        return absolute

    def span(self, value: str, url: str | None) -> tuple[int, int]:
        """(offset, length); without an offset the range follows the previous one of `url` (None: there is none)."""
        length, offset = _byte_range(value)
        if offset is None:
            offset = self.last_end.get(url) if url is not None else None
            if offset is None:
                self.guesses.append("a byte range without offset that follows no range of the same URI")
                offset = 0
        return offset, length

    def encryption(self) -> Key | None:
        if self.key_error is not None:
            raise PlaylistError(self.key_error)
        if self.key is not None and self.key.iv is None and self.sequence_error is not None:
            raise PlaylistError(self.sequence_error)
        return self.key

    def tag(self, line: str) -> None:
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-MEDIA-SEQUENCE":
            sequence = decimal(value)
            self.sequence_error = None if sequence is not None else f"unreadable media sequence {value[:40]!r}"
            if self.sequence_error is not None:
                self.guesses.append(self.sequence_error)
            self.sequence = sequence or 0
        elif tag == "#EXTINF":
            written = value.split(",", 1)[0].strip()
            # float() also takes "inf", "nan", "-3" and "1e9": no duration of a segment that can be summed
            duration = float(written) if _DURATION.fullmatch(written) else math.nan
            self.duration = duration if math.isfinite(duration) else 0.0
            if not math.isfinite(duration):
                self.guesses.append(f"unreadable duration {value[:40]!r}")
        elif tag == "#EXT-X-BYTERANGE":
            self.pending_range = value
        elif tag == "#EXT-X-KEY":
            attrs = attributes(line)
            method = attrs.get("METHOD", "NONE")
            encrypted = method.upper() != "NONE"
            iv, self.key_error = None, None
            if encrypted and "IV" in attrs:
                iv, proper = _iv(attrs["IV"])
                if not proper:
                    self.guesses.append(f"unreadable IV {attrs['IV'][:40]!r}")
                if iv is None:
                    self.key_error = self.guesses[-1]
            url = self.url(attrs["URI"].strip()) if attrs.get("URI") else ""
            found = Key(url, iv, method, attrs.get("KEYFORMAT", "identity"))
            self.keys.append(found)
            self.key = found if encrypted else None
        elif tag == "#EXT-X-MAP":
            attrs = attributes(line)
            url = self.url(attrs["URI"].strip()) if attrs.get("URI") else ""
            span = self.span(attrs["BYTERANGE"], None) if "BYTERANGE" in attrs else None
            self.init = Segment(url, 0.0, self.sequence, span, self.encryption())
            self.maps.append(self.init)
        elif tag == "#EXT-X-DISCONTINUITY":
            self.discontinuity = True
        elif tag == "#EXT-X-GAP":
            self.gap = True
        elif tag == "#EXT-X-ENDLIST":
            self.ended = True

    def uri(self, line: str) -> None:
        url = self.url(line)
        span = None
        if self.pending_range is not None:
            span = self.span(self.pending_range, url)
            self.last_end[url] = span[0] + span[1]
        self.segments.append(Segment(url, self.duration, self.sequence, span, self.encryption(), self.init,
                                     self.discontinuity, self.gap))
        self.sequence += 1
        self.duration, self.pending_range, self.discontinuity, self.gap = 0.0, None, False, False


def parse_media(text: str, base_url: str) -> MediaPlaylist:
    """What a media playlist says, URIs resolved against `base_url` (the URL it came from after redirects)."""
    reader = _Reader(base_url)
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            reader.tag(line)
        elif line:
            reader.uri(line)
    return MediaPlaylist(tuple(reader.segments), tuple(reader.maps), tuple(reader.keys), reader.ended,
                         tuple(reader.guesses))
