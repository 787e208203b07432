"""Telling a text answer from media by its first bytes, so a hoster's "File not found" page is refused at once.

Hosters and their CDNs answer a removed or blocked file with 200 and an HTML page, sometimes even labelled
`video/mp4`; HLS segment URLs do the same. Media containers start with binary signatures (MP4 `ftyp`/`styp`/
`moof` boxes, MPEG-TS sync bytes, Matroska's EBML id) and encrypted segments look random, so a head made only of
printable text, or starting with a markup tag, is never video.
"""

from __future__ import annotations

HEAD_BYTES = 512
"""How many leading bytes the check needs at most (fewer are enough for a short page)."""

_MARKUP_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<script", b"<title", b"<div", b"<h1",
                  b"<p>", b"{", b"[")
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


MIN_DECIDING_BYTES = 16


def text_body_reason(head: bytes, *, complete: bool = False) -> str | None:
    """Why `head` (the first bytes of a download) is a text page and not media, or None when it may be media.

    Fewer than MIN_DECIDING_BYTES of an unfinished body are undecided (None): an MPEG-TS stream starts with the
    printable sync byte `G`. `complete` says the body ended, so a short text is judged as it is.
    """
    if not head or (len(head) < MIN_DECIDING_BYTES and not complete):
        return None
    sample = head[:HEAD_BYTES]
    stripped = sample.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if stripped.startswith(_MARKUP_STARTS):
        return f"the hoster sent a text/HTML page instead of video ({_preview(sample)})"
    if sample.startswith(b"#EXTM3U"):
        return None  # a playlist is the input of an HLS download, never its result: the verifier decides
    if all(byte in _TEXT_BYTES for byte in sample) or (len(sample) >= 64 and _is_utf8_text(sample)):
        return f"the hoster sent text instead of video ({_preview(sample)})"
    return None


def _is_utf8_text(sample: bytes) -> bool:
    """Printable UTF-8 (umlauts allowed); random or compressed bytes are almost never valid UTF-8."""
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        try:  # the sample may end inside a multi-byte character
            text = sample[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def _preview(sample: bytes) -> str:
    text = " ".join(sample.decode("utf-8", "replace").split())
    return repr(text[:60] + ("…" if len(text) > 60 else ""))
