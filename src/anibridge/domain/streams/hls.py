"""HLS playlist rewriting for the STRM proxy (URI lines and `URI=` attributes, RFC 8216).

Every URI a player would fetch — variant and segment lines, and the `URI` attribute of EXT-X-KEY, EXT-X-MAP,
EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, EXT-X-SESSION-KEY and the LL-HLS tags EXT-X-PART, EXT-X-PRELOAD-HINT,
EXT-X-RENDITION-REPORT — is resolved against the playlist URL and replaced by a proxy URL, so the media server
never talks to the hoster directly. Everything else stays byte-identical, including line endings, so tags we
do not know survive. One pass over the lines: linear in the playlist size.

Non-http(s) URIs (`data:`, `skd://` DRM key ids) are left alone: the proxy could not fetch them anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from anibridge.domain.streams.hls_playlist import resolve

HLS_CONTENT_TYPES = frozenset({
    "application/vnd.apple.mpegurl",
    "application/x-mpegurl",
    "audio/mpegurl",
    "audio/x-mpegurl",
})
URI_TAGS = frozenset({
    "#EXT-X-KEY",
    "#EXT-X-MAP",
    "#EXT-X-MEDIA",
    "#EXT-X-I-FRAME-STREAM-INF",
    "#EXT-X-SESSION-KEY",
    "#EXT-X-PART",
    "#EXT-X-PRELOAD-HINT",
    "#EXT-X-RENDITION-REPORT",
})
_URI_ATTR = re.compile(r'(?P<pre>[:,][ \t]*)URI=(?:"(?P<q>[^"]*)"|(?P<u>[^,\s"]*))')


def is_hls(content_type: str | None, url: str) -> bool:
    """Playlist by media type (before `;`) or by a `.m3u8`/`.m3u` path."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if ctype in HLS_CONTENT_TYPES:
        return True
    path = urlsplit(url).path.lower()
    return path.endswith(".m3u8") or path.endswith(".m3u")


_SIMPLE_RELATIVE = re.compile(r"[A-Za-z0-9_~%-][^:?#]*(?:\?[^#]*)?")


class _Joiner:
    """RFC 3986 resolution against one base, with a fast path for the common `seg123.ts` case.

    `urljoin` costs ~20 µs per call; a VOD playlist has thousands of segments. Plain relative names without
    dot segments are appended to the base directory directly, which is what `urljoin` returns for them.
    """

    def __init__(self, base_url: str) -> None:
        self._base = base_url
        parts = urlsplit(base_url)
        directory = parts.path.rsplit("/", 1)[0] + "/" if "/" in parts.path else "/"
        self._prefix = f"{parts.scheme}://{parts.netloc}{directory}" if parts.scheme and parts.netloc else None

    def __call__(self, uri: str) -> str | None:
        if uri.startswith(("https://", "http://")):
            authority = uri.split("/", 3)[2]
            if authority.isascii() and ":" not in authority and "[" not in authority:
                return uri  # nothing in it that urlsplit could refuse (a port, an IPv6 literal, NFKC tricks)
        if (self._prefix is not None and _SIMPLE_RELATIVE.fullmatch(uri) and "/." not in uri
                and not uri.startswith(".")):
            return self._prefix + uri
        absolute = resolve(self._base, uri)  # None for a URI no client can take: the line stays as written
        return absolute if absolute is not None and urlsplit(absolute).scheme.lower() in ("http", "https") else None


def _split_ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body):]


def rewrite_playlist(text: str, base_url: str, to_proxy: Callable[[str], str]) -> str:
    """Return the playlist with every fetchable URI replaced by `to_proxy(absolute_uri)`."""
    if not text:
        return text
    join = _Joiner(base_url)

    def convert(uri: str) -> str | None:
        absolute = join(uri.strip())
        if absolute is None:
            return None
        return to_proxy(absolute)

    def attr(m: re.Match[str]) -> str:
        quoted = m.group("q")
        raw = quoted if quoted is not None else m.group("u")
        new = convert(raw) if raw else None
        if new is None:
            return m.group(0)
        return f'{m.group("pre")}URI="{new}"' if quoted is not None else f'{m.group("pre")}URI={new}'

    out: list[str] = []
    for line in text.splitlines(keepends=True):
        body, ending = _split_ending(line)
        stripped = body.strip()
        if not stripped:
            out.append(line)
        elif stripped.startswith("#"):
            tag = stripped.split(":", 1)[0]
            out.append(_URI_ATTR.sub(attr, body) + ending if tag in URI_TAGS else line)
        else:
            new = convert(stripped)
            out.append(line if new is None else new + ending)
    return "".join(out)
