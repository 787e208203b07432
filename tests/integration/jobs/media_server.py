"""A loopback HTTP server for yt-dlp tests: Range support, optional throttling, Referer gate, forced statuses.

Why not the fake hosters: these tests need to control bandwidth and failures per request to exercise the
downloader's cancel, resume and expiry paths directly.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class ServerState:
    root: Path
    bytes_per_sec: int = 0
    required_referer: str | None = None
    forced_status: dict[str, int] = field(default_factory=dict)
    failing: dict[str, int] = field(default_factory=dict)  # path → how many more requests get a 500
    range_requests: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # every GET/HEAD path in arrival order
    bytes_sent: int = 0
    # Bytes per Range header: a cancelled request's thread may still be writing, so counts are per request.
    sent_by_range: dict[str, int] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: ServerState

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        state = self.state
        path = self.path.split("?", 1)[0].lstrip("/")
        state.paths.append(path)
        status = state.forced_status.get(path)
        if status is None and state.failing.get(path, 0) > 0:
            state.failing[path] -= 1
            status = 500
        if status is None and state.required_referer and self.headers.get("Referer") != state.required_referer:
            status = 403
        target = (state.root / path).resolve()
        if status is None and (state.root.resolve() not in target.parents or not target.is_file()):
            status = 404
        if status is not None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = target.read_bytes()
        start, end = 0, len(data) - 1
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            state.range_requests.append(rng)
            first, _, last = rng[6:].partition("-")
            start = int(first or 0)
            end = int(last) if last else end
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            self.send_response(200)
        ctype = {"mp4": "video/mp4", "m3u8": "application/vnd.apple.mpegurl", "ts": "video/mp2t"}
        self.send_header("Content-Type", ctype.get(target.suffix.lstrip("."), "application/octet-stream"))
        self.send_header("Accept-Ranges", "bytes")
        body = data[start : end + 1]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        chunk = 16 * 1024
        try:
            for offset in range(0, len(body), chunk):
                piece = body[offset : offset + chunk]
                self.wfile.write(piece)
                state.bytes_sent += len(piece)
                if rng:
                    state.sent_by_range[rng] = state.sent_by_range.get(rng, 0) + len(piece)
                if state.bytes_per_sec:
                    time.sleep(len(piece) / state.bytes_per_sec)
        except (BrokenPipeError, ConnectionResetError):
            pass


class MediaServer:
    def __init__(self, root: Path) -> None:
        self.state = ServerState(root=root)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{path}"

    def __enter__(self) -> MediaServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def make_media(root: Path) -> None:
    """A 4 s 320x240 H.264 MP4 (faststart) and single-variant HLS of it: MPEG-TS, AES-128 encrypted, fMP4, and
    byte ranges of one file."""
    root.mkdir(parents=True, exist_ok=True)
    src = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=4",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=4"]
    enc = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-b:v", "400k", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-b:a", "64k", "-shortest"]
    run = ["ffmpeg", "-v", "error", "-y"]
    subprocess.run([*run, *src, *enc, "-movflags", "+faststart", str(root / "clip.mp4")], check=True)
    hls = root / "hls"
    hls.mkdir(exist_ok=True)
    subprocess.run([*run, "-i", str(root / "clip.mp4"), "-c", "copy", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", "-hls_segment_filename", str(hls / "seg%d.ts"),
                    str(hls / "index.m3u8")], check=True)
    aes = root / "hls-aes"  # AES-128 segments, key served beside the playlist (relative URI)
    aes.mkdir(exist_ok=True)
    (aes / "key.bin").write_bytes(bytes(range(16)))
    (aes / "keyinfo").write_text(f"key.bin\n{aes / 'key.bin'}\n")
    subprocess.run([*run, "-i", str(root / "clip.mp4"), "-c", "copy", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", "-hls_key_info_file", str(aes / "keyinfo"),
                    "-hls_segment_filename", str(aes / "seg%d.ts"), str(aes / "index.m3u8")], check=True)
    fmp4 = root / "hls-fmp4"  # fragmented MP4 segments behind an EXT-X-MAP initialisation section
    fmp4.mkdir(exist_ok=True)
    subprocess.run([*run, "-i", str(root / "clip.mp4"), "-c", "copy", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
                    "-hls_segment_filename", str(fmp4 / "seg%d.m4s"), str(fmp4 / "index.m3u8")], check=True)
    split = root / "hls-split"  # video and audio as separate renditions of a master (yt-dlp merges them)
    split.mkdir(exist_ok=True)
    for kind, keep in (("video", "0:v"), ("audio", "0:a")):
        subprocess.run([*run, "-i", str(root / "clip.mp4"), "-map", keep, "-c", "copy", "-f", "hls", "-hls_time",
                        "1", "-hls_list_size", "0", "-hls_segment_filename", str(split / f"{kind}%d.ts"),
                        str(split / f"{kind}.m3u8")], check=True)
    (split / "index.m3u8").write_text(
        '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="de",DEFAULT=YES,URI="audio.m3u8"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS="avc1.42c01e,mp4a.40.2",AUDIO="aud"\nvideo.m3u8\n')
    ranges = root / "hls-ranges"  # one file, every segment an EXT-X-BYTERANGE of it
    ranges.mkdir(exist_ok=True)
    subprocess.run([*run, "-i", str(root / "clip.mp4"), "-c", "copy", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", "-hls_flags", "single_file", str(ranges / "index.m3u8")], check=True)


def ffprobe(path: Path) -> dict[str, object]:
    import json

    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,height,codec_name",
                          "-show_entries", "format=duration", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out)
    return result
