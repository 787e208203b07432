"""Pieces every fake hoster shares: video codes, the signed media CDN with Range support, challenge pages.

Video codes are stateless so cassettes, the demo and tests in other processes agree on them: the last letter
names the media kind (m = mp4, h = hls, a = hls-aes, f = hls-fmp4) and codes starting with `gone` answer 404
like a removed upload (hoster-specific prefixes: `legacy` = Filemoon without API, `maint` = VOE maintenance
page, `hop` = Vidmoly JS bounce). Direct media URLs carry their issue time and an HMAC, so `faults.expire_after` can
answer 403 for old ones exactly as real CDNs do for expired tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from pathlib import Path

from anibridge_fakes.http import App, Request, Response
from anibridge_fakes.media import KINDS, MediaSet

KIND_LETTER = {"mp4": "m", "hls": "h", "hls-aes": "a", "hls-fmp4": "f"}
LETTER_KIND = {v: k for k, v in KIND_LETTER.items()}
SECRET = b"anibridge-fake-hoster"
MOBILE_FIREFOX = "Mozilla/5.0 (Android 15; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0"

HeaderCheck = Callable[[Request], str | None]  # returns a reason to refuse, or None


def make_code(video_id: str, kind: str) -> str:
    if kind not in KIND_LETTER:
        raise ValueError(f"unknown media kind {kind!r}; allowed: {', '.join(KIND_LETTER)}")
    base = re.sub(r"[^A-Za-z0-9]", "", video_id) or "video"
    return base + KIND_LETTER[kind]


def kind_of(code: str) -> str:
    return LETTER_KIND.get(code[-1:], "mp4")


def is_gone(code: str) -> bool:
    return code.startswith("gone")


def sign(*parts: str) -> str:
    return hmac.new(SECRET, "|".join(parts).encode(), hashlib.sha256).hexdigest()[:20]


def challenge_page() -> Response:
    """What Cloudflare's managed challenge looks like to a plain HTTP client (403 + Turnstile markers)."""
    body = (
        "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
        '<div class="main-wrapper"><h1>Checking your browser</h1>'
        '<form id="captcha-form" method="POST"><div class="cf-turnstile" data-sitekey="0x4AAAAAAA"></div>'
        "</form></div></body></html>"
    )
    return Response.html(body, status=403)


def gone_page() -> Response:
    return Response.html("<html><head><title>File not found</title></head><body>File was deleted</body></html>", 404)


_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".txt": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".bin": "application/octet-stream",
}


def serve_file(request: Request, path: Path, content_type: str | None = None) -> Response:
    """A file with byte-range support: 200 / 206 with Content-Range, 416 for unsatisfiable ranges."""
    data = path.read_bytes()
    size = len(data)
    ctype = content_type or _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    headers = {"Accept-Ranges": "bytes"}
    raw = request.header("range").strip()
    if not raw:
        return Response(200, data, headers=headers, content_type=ctype)
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", raw)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return Response(416, b"", headers={**headers, "Content-Range": f"bytes */{size}"}, content_type=ctype)
    if m.group(1) == "":
        start, end = max(0, size - int(m.group(2))), size - 1
    else:
        start = int(m.group(1))
        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    if start >= size or start > end:
        return Response(416, b"", headers={**headers, "Content-Range": f"bytes */{size}"}, content_type=ctype)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(206, data[start : end + 1], headers=headers, content_type=ctype)



def issued_now() -> str:
    """The issue time a media URL carries, in milliseconds: whole seconds made a fresh URL look up to 1 s old, so
    `faults.expire_after=1` sometimes refused a URL handed out a moment before."""
    return str(int(time.time() * 1000))

class MediaCdn:
    """Signed media URLs `/cdn/<sig>/<issued>/<kind>/<file>` served by one hoster app (its "CDN host")."""

    def __init__(self, app: App, media: Callable[[], MediaSet], check: HeaderCheck | None = None,
                 prefix: str = "cdn", owner: App | None = None) -> None:
        self.app = app
        self.owner = owner or app  # whose `faults.broken_media` applies (VOE's media sits on its mirror host)
        self.media = media
        self.check = check
        self.prefix = prefix
        app.route(rf"/{prefix}/(?P<sig>\w+)/(?P<issued>\d+)/(?P<kind>[\w-]+)/(?P<name>[\w.]+)")(self._serve)

    def url(self, base_url: str, kind: str, name: str | None = None) -> str:
        issued = issued_now()
        target = name or entry_file(kind)
        return f"{base_url}/{self.prefix}/{sign(kind, issued)}/{issued}/{kind}/{target}"

    def expired(self, issued: str) -> bool:
        limit = self.app.faults.expire_after
        return limit is not None and time.time() - int(issued) / 1000 > limit

    def _serve(self, request: Request) -> Response:
        p = request.params
        if not hmac.compare_digest(p["sig"], sign(p["kind"], p["issued"])):
            return Response(403, b"bad signature", content_type="text/plain")
        return self.serve_media(request, p["kind"], p["issued"], p["name"])

    def serve_media(self, request: Request, kind: str, issued: str, name: str) -> Response:
        if self.expired(issued):
            return Response(403, b"token expired", content_type="text/plain")
        if self.check is not None:
            reason = self.check(request)
            if reason:
                return Response(403, reason.encode(), content_type="text/plain")
        if kind not in KINDS:
            return Response.not_found()
        path = self.media().file(kind, "master.m3u8" if name == "master.txt" else name)
        if path is None:
            return Response.not_found()
        broken = broken_media(self.owner.faults.broken_media, path)
        if broken is not None:
            return broken
        ctype = _CONTENT_TYPES[".m3u8"] if name.endswith(".txt") else None
        return serve_file(request, path, ctype)


NOT_FOUND_PAGE = (b"<!DOCTYPE html><html><head><title>File not found</title></head>"
                  b"<body><h1>File not found</h1><p>The file you were looking for could not be found.</p></body></html>")
BROKEN_MEDIA = ("html-segments", "html-as-video", "html-all", "truncated")


def broken_media(mode: str | None, path: Path) -> Response | None:
    """The broken answer a `faults.broken_media` mode gives for `path`, or None to serve it intact.

    All of them answer 200, which is why a downloader cannot tell from the status: "html-segments" replaces HLS
    segments by an HTML page, "html-as-video" serves that page as `video/mp4`, "truncated" sends the first half
    of an MP4 without Content-Length and then closes the connection; "html-all" does both HTML modes (whatever
    kind of media the hoster serves, it is broken).
    """
    if mode is None:
        return None
    if mode not in BROKEN_MEDIA:
        raise ValueError(f"unknown broken_media mode {mode!r}; allowed: {', '.join(BROKEN_MEDIA)}")
    segment = path.suffix in (".ts", ".m4s")
    if mode in ("html-segments", "html-all") and segment:
        return Response(200, NOT_FOUND_PAGE, content_type="text/html; charset=utf-8")
    if mode in ("html-as-video", "html-all") and path.suffix == ".mp4":
        return Response(200, NOT_FOUND_PAGE, content_type="video/mp4")
    if mode == "truncated" and path.suffix == ".mp4":
        data = path.read_bytes()
        return Response(200, iter([data[: len(data) // 2]]), content_type="video/mp4")  # no Content-Length
    return None


def entry_file(kind: str) -> str:
    return "1080p.mp4" if kind == "mp4" else "master.m3u8"


def require_referer(prefix_of: Callable[[Request], str]) -> HeaderCheck:
    """Refuse media requests whose Referer does not start with the hoster's own origin."""

    def check(request: Request) -> str | None:
        if not request.header("referer").startswith(prefix_of(request)):
            return f"referer required: {prefix_of(request)}"
        return None

    return check


def code_page(app: App, pattern: str) -> Callable[[Callable[[Request, str], Response]], None]:
    """Register an embed page handler that first applies challenge / gone rules shared by all hosters."""

    def deco(fn: Callable[[Request, str], Response]) -> None:
        def handler(request: Request) -> Response:
            code = request.params["code"]
            if app.faults.challenge and app.faults.applies(request.path):
                return challenge_page()
            if is_gone(code):
                return gone_page()
            return fn(request, code)

        app.route(pattern)(handler)

    return deco
