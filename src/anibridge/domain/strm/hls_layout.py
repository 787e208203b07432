"""An HLS VOD rendition seen as one file: its parts in order, their plaintext sizes and the byte offsets.

Why: a media server decides direct play from an ffprobe of the `.strm` URL. On HLS input ffprobe's container
`bit_rate` is the playlist's own byte size over the duration, and Jellyfin never reads the `variant_bitrate` tag
that a master's BANDWIDTH becomes. Served as one stream — MPEG-TS segments back to back, or an fMP4 init section
followed by its fragments — the media probes like a file: size over duration is the real bitrate, and ranged
requests let ffprobe read the end (the TS duration) and players seek.

Pure text and arithmetic here, over the playlist as `streams/hls_playlist` reads it (the downloader reads it
the same way and refuses other things); `hls_file` does the upstream requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from anibridge.domain.streams import hls_playlist
from anibridge.domain.streams.hls_playlist import (
    AES_BLOCK,
    PlaylistError,
    Segment,
    best_variant,
    decimal,
    has_separate_audio,
    is_master,
    pkcs7_padding,
)

TS_TYPE = "video/mp2t"
MP4_TYPE = "video/mp4"


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
class FileParts:
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
    """The variant a player takes by default (`best_variant`).

    Raises NotAFile when the variant's audio lives in a separate rendition (the file would be silent).
    """
    best = best_variant(text, base_url)
    if best is None:
        raise NotAFile("master without variants")
    audio_group = best.attributes.get("AUDIO", "")
    if audio_group and has_separate_audio(text, audio_group):
        raise NotAFile("audio in a separate rendition")
    return best.url


def _part(segment: Segment) -> Part:
    offset, length = segment.byte_range if segment.byte_range is not None else (None, None)
    key = Key(segment.key.url, segment.iv()) if segment.key is not None else None
    return Part(segment.url, offset, length, key, max(segment.duration, 0.0))


def parse_media(text: str, base_url: str) -> FileParts:
    """The parts of a VOD media playlist in play order; NotAFile for anything one file cannot carry."""
    if is_master(text):
        raise NotAFile("a master, not a media playlist")
    try:
        playlist = hls_playlist.parse_media(text, base_url)
    except PlaylistError as ex:
        raise NotAFile(str(ex)) from None
    if not playlist.ended:
        raise NotAFile("live playlist (no EXT-X-ENDLIST)")
    for key in playlist.keys:
        if key.method != "NONE" and (key.method != "AES-128" or not key.url):
            raise NotAFile(f"encryption {key.method}")
    if any(not init.url for init in playlist.maps):
        raise NotAFile("EXT-X-MAP without URI")
    parts: list[Part] = []
    current_map: Part | None = None
    for segment in playlist.segments:
        if segment.init is not None and _part(segment.init) != current_map:
            current_map = _part(segment.init)
            parts.append(current_map)
        parts.append(_part(segment))
    if not any(p.duration > 0 for p in parts):
        raise NotAFile("no segments")
    return FileParts(tuple(parts), bool(playlist.maps))


def parse_range(header: str, total: int) -> tuple[int, int] | None | str:
    """The inclusive byte span a `Range` header asks of a `total`-byte file.

    None: serve the whole file (no header, several ranges, a unit we do not know). "unsatisfiable": answer 416.
    """
    value = header.strip()
    if not value.lower().startswith("bytes=") or "," in value:
        return None
    first_raw, sep, last_raw = value[6:].strip().partition("-")
    first_raw, last_raw = first_raw.strip(), last_raw.strip()
    first, last = decimal(first_raw), decimal(last_raw)
    # A number that is not one (or past 2**64) makes the header unreadable: the whole file, as for no header.
    if not sep or (first is None and last is None) or (first_raw and first is None) or (last_raw and last is None):
        return None
    if first is None:  # a suffix: the last N bytes
        assert last is not None
        if last == 0 or total == 0:
            return "unsatisfiable"
        return max(0, total - last), total - 1
    last = last if last is not None else total - 1
    if first >= total or last < first:
        return "unsatisfiable"
    return first, min(last, total - 1)


def padding(last_plain_block: bytes) -> int:
    """PKCS#7 padding length of a decrypted final block; NotAFile when it is not valid padding."""
    pad = pkcs7_padding(last_plain_block)
    if pad is None:
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
