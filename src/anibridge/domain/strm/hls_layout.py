"""An HLS VOD rendition seen as one file: its parts in order, their plaintext sizes and the byte offsets.

Why: a media server decides direct play from an ffprobe of the `.strm` URL. On HLS input ffprobe's container
`bit_rate` is the playlist's own byte size over the duration, and Jellyfin never reads the `variant_bitrate` tag
that a master's BANDWIDTH becomes. Served as one stream — MPEG-TS segments back to back, or an fMP4 init section
followed by its fragments — the media probes like a file: size over duration is the real bitrate, and ranged
requests let ffprobe read the end (the TS duration) and players seek.

Pure text and arithmetic here; `hls_file` does the upstream requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from anibridge.domain.strm.probe_master import Variant, attributes, is_master, variants

AES_BLOCK = 16
TS_TYPE = "video/mp2t"
MP4_TYPE = "video/mp4"
_RESOLUTION = re.compile(r"(\d+)x(\d+)")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes "²", which int() then refuses


class NotAFile(ValueError):
    """The playlist cannot be served as one file (live, SAMPLE-AES, separate audio…); the proxy keeps the playlist."""


@dataclass(frozen=True, slots=True)
class Key:
    """AES-128 key reference of a part: the key's absolute URL and the 16-byte CBC IV."""

    url: str
    iv: bytes


@dataclass(frozen=True, slots=True)
class Part:
    """One upstream piece of the file: an init section or a media segment, maybe a byte range of its URL."""

    url: str
    offset: int | None = None  # start of EXT-X-BYTERANGE / BYTERANGE within `url`
    length: int | None = None  # its length: the stored size of the piece, known without asking
    key: Key | None = None
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class MediaPlaylist:
    parts: tuple[Part, ...]
    fragmented: bool  # an EXT-X-MAP init section comes first: fragmented MP4, else MPEG-TS


@dataclass(slots=True)
class Layout:
    """Parts with their served (plaintext) sizes; `starts[i]` is the file offset of part i."""

    parts: tuple[Part, ...]
    sizes: tuple[int, ...]
    content_type: str
    starts: tuple[int, ...] = field(init=False)
    total: int = field(init=False)

    def __post_init__(self) -> None:
        starts, at = [], 0
        for size in self.sizes:
            starts.append(at)
            at += size
        self.starts = tuple(starts)
        self.total = at

    @property
    def duration(self) -> float:
        return sum(p.duration for p in self.parts)

    def pieces(self, first: int, last: int) -> list[tuple[int, int, int]]:
        """(part index, first byte, last byte) within each part covering file bytes first..last (inclusive)."""
        out = []
        for index, (start, size) in enumerate(zip(self.starts, self.sizes, strict=True)):
            end = start + size - 1
            if size == 0 or end < first:
                continue
            if start > last:
                break
            out.append((index, max(first, start) - start, min(last, end) - start))
        return out


def pick_variant(text: str, base_url: str) -> str:
    """The variant a player takes by default: the highest BANDWIDTH, else the largest RESOLUTION, else the first.

    Raises NotAFile when the variant's audio lives in a separate rendition (the file would be silent).
    """
    found = variants(text, base_url)
    if not found:
        raise NotAFile("master without variants")

    def rank(v: Variant) -> tuple[int, int]:
        attrs = v.attributes
        bandwidth = attrs.get("BANDWIDTH", "")
        m = _RESOLUTION.fullmatch(attrs.get("RESOLUTION", ""))
        return (int(bandwidth) if bandwidth.isdigit() else 0, int(m.group(1)) * int(m.group(2)) if m else 0)

    best = max(found, key=rank)
    audio_group = best.attributes.get("AUDIO", "").strip('"')
    if audio_group and _has_separate_audio(text, audio_group):
        raise NotAFile("audio in a separate rendition")
    return best.url


def _has_separate_audio(text: str, group: str) -> bool:
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("#EXT-X-MEDIA:"):
            continue
        attrs = attributes(line)
        if attrs.get("TYPE") == "AUDIO" and attrs.get("GROUP-ID", "").strip('"') == group and "URI" in attrs:
            return True
    return False


def _byte_range(value: str, next_offset: int) -> tuple[int, int]:
    """(offset, length) of `length[@offset]`; without an offset the range follows the previous one."""
    length, _, offset = value.partition("@")
    if not length.strip().isdigit() or (offset and not offset.strip().isdigit()):
        raise NotAFile(f"bad byte range {value!r}")
    return (int(offset) if offset else next_offset), int(length)


def _iv(value: str | None, sequence: int) -> bytes:
    if value is None:
        return sequence.to_bytes(AES_BLOCK, "big")
    digits = value[2:] if value[:2].lower() == "0x" else value
    try:
        raw = bytes.fromhex(digits.rjust(32, "0"))
    except ValueError as ex:
        raise NotAFile("bad IV") from ex
    if len(raw) != AES_BLOCK:
        raise NotAFile("bad IV")
    return raw


def parse_media(text: str, base_url: str) -> MediaPlaylist:
    """The parts of a VOD media playlist in play order; NotAFile for anything one file cannot carry."""
    if is_master(text):
        raise NotAFile("a master, not a media playlist")
    if "#EXT-X-ENDLIST" not in text:
        raise NotAFile("live playlist (no EXT-X-ENDLIST)")
    parts: list[Part] = []
    sequence = 0
    key: tuple[str, str | None] | None = None  # (absolute URL, IV attribute)
    current_map: Part | None = None
    map_pending = False
    duration: float | None = None
    byte_range: str | None = None
    next_offset: dict[str, int] = {}
    fragmented = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            value = line.split(":", 1)[1].strip()
            sequence = int(value) if value.isdigit() else 0
        elif line.startswith("#EXT-X-KEY:"):
            attrs = attributes(line)
            method = attrs.get("METHOD", "NONE")
            if method == "NONE":
                key = None
            elif method == "AES-128" and attrs.get("URI"):
                key = (urljoin(base_url, attrs["URI"].strip('"')), attrs.get("IV"))
            else:
                raise NotAFile(f"encryption {method}")
        elif line.startswith("#EXT-X-MAP:"):
            attrs = attributes(line)
            uri = attrs.get("URI", "").strip('"')
            if not uri:
                raise NotAFile("EXT-X-MAP without URI")
            offset = length = None
            if "BYTERANGE" in attrs:
                offset, length = _byte_range(attrs["BYTERANGE"].strip('"'), 0)
            map_key = Key(key[0], _iv(key[1], sequence)) if key is not None else None
            found = Part(urljoin(base_url, uri), offset, length, map_key)
            if found != current_map:
                current_map, map_pending, fragmented = found, True, True
        elif line.startswith("#EXTINF:"):
            try:
                duration = float(line[8:].split(",", 1)[0])
            except ValueError:
                duration = None
        elif line.startswith("#EXT-X-BYTERANGE:"):
            byte_range = line[17:].strip()
        elif line and not line.startswith("#"):
            url = urljoin(base_url, line)
            offset = length = None
            if byte_range is not None:
                offset, length = _byte_range(byte_range, next_offset.get(url, 0))
                next_offset[url] = offset + length
            if map_pending and current_map is not None:
                parts.append(current_map)
                map_pending = False
            part_key = Key(key[0], _iv(key[1], sequence)) if key is not None else None
            parts.append(Part(url, offset, length, part_key, max(duration or 0.0, 0.0)))
            sequence += 1
            duration, byte_range = None, None
    if not any(p.duration > 0 for p in parts):
        raise NotAFile("no segments")
    return MediaPlaylist(tuple(parts), fragmented)


def parse_range(header: str, total: int) -> tuple[int, int] | None | str:
    """The inclusive byte span a `Range` header asks of a `total`-byte file.

    None: serve the whole file (no header, several ranges, a unit we do not know). "unsatisfiable": answer 416.
    """
    value = header.strip()
    if not value.lower().startswith("bytes=") or "," in value:
        return None
    first_raw, sep, last_raw = value[6:].strip().partition("-")
    first_raw, last_raw = first_raw.strip(), last_raw.strip()
    if not sep or not (_DIGITS.fullmatch(first_raw) or _DIGITS.fullmatch(last_raw)):
        return None
    if (first_raw and not _DIGITS.fullmatch(first_raw)) or (last_raw and not _DIGITS.fullmatch(last_raw)):
        return None
    if not first_raw:  # a suffix: the last N bytes
        count = int(last_raw)
        if count == 0 or total == 0:
            return "unsatisfiable"
        return max(0, total - count), total - 1
    first = int(first_raw)
    last = int(last_raw) if last_raw else total - 1
    if first >= total or last < first:
        return "unsatisfiable"
    return first, min(last, total - 1)


def padding(last_plain_block: bytes) -> int:
    """PKCS#7 padding length of a decrypted final block; NotAFile when it is not valid padding."""
    if len(last_plain_block) != AES_BLOCK:
        raise NotAFile("short final block")
    pad = last_plain_block[-1]
    if not 1 <= pad <= AES_BLOCK or last_plain_block[-pad:] != bytes([pad]) * pad:
        raise NotAFile("bad PKCS#7 padding")
    return pad


def cipher_span(first: int, last: int) -> tuple[int, int, int]:
    """For plaintext bytes first..last of a CBC part: (first ciphertext byte to fetch, last one, bytes to drop).

    The block before the first wanted block is fetched too: it is that block's IV (none before block 0, whose IV
    is the part's own).
    """
    block = first // AES_BLOCK
    fetch_from = (block - 1) * AES_BLOCK if block > 0 else 0
    fetch_to = (last // AES_BLOCK) * AES_BLOCK + AES_BLOCK - 1
    return fetch_from, fetch_to, first - block * AES_BLOCK
