"""Run inside the container by scripts/image-test.sh (standard library only): drive anibridge like Sonarr does.

    python3 - health PORT        print GET /health
    python3 - grab PORT QUERY    Torznab search, add the first item's magnet through the qBittorrent API, wait until
                                 it is downloaded; print "HASH STATE CONTENT_PATH"
    python3 - list PORT          print "HASH STATE CONTENT_PATH" per torrent the qBittorrent API lists
"""

from __future__ import annotations

import json
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

TORZNAB_NS = "{http://torznab.com/schemas/2015/feed}"
DONE_STATES = {"uploading", "stalledUP", "pausedUP", "stoppedUP", "queuedUP", "forcedUP"}
GRAB_TIMEOUT_SECONDS = 180


def get(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=60) as resp:
        body: bytes = resp.read()
        return body


def torrents(base: str) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = json.loads(get(base, "/api/v2/torrents/info"))
    return listed


def line(torrent: dict[str, object]) -> str:
    return f"{torrent['hash']} {torrent['state']} {torrent.get('content_path', '')}"


def first_magnet(feed: bytes) -> str:
    for item in ET.fromstring(feed).iter("item"):
        for attr in item.iter(TORZNAB_NS + "attr"):
            if attr.get("name") == "magneturl" and attr.get("value"):
                return str(attr.get("value"))
    raise SystemExit(f"no item with a magnet link in the Torznab answer: {feed[:300]!r}")


def grab(base: str, query: str) -> None:
    feed = get(base, "/torznab/api?" + urllib.parse.urlencode({"t": "search", "q": query}))
    magnet = first_magnet(feed)
    infohash = urllib.parse.parse_qs(urllib.parse.urlsplit(magnet).query)["xt"][0].rsplit(":", 1)[-1].lower()
    form = urllib.parse.urlencode({"urls": magnet, "category": "tv-sonarr"}).encode()
    with urllib.request.urlopen(base + "/api/v2/torrents/add", data=form, timeout=60) as resp:
        answer = resp.read().decode()
    if answer.strip() != "Ok.":
        raise SystemExit(f"torrents/add answered {answer!r}")
    deadline = time.monotonic() + GRAB_TIMEOUT_SECONDS
    state = "not listed"
    while time.monotonic() < deadline:
        for torrent in torrents(base):
            if torrent["hash"] == infohash:
                state = str(torrent["state"])
                if state in DONE_STATES:
                    print(line(torrent))
                    return
                if state == "error":
                    raise SystemExit(f"download failed: {line(torrent)}")
        time.sleep(1)
    raise SystemExit(f"{infohash} still {state} after {GRAB_TIMEOUT_SECONDS} s")


def main(argv: list[str]) -> None:
    command, port = argv[0], argv[1]
    base = f"http://127.0.0.1:{port}"
    if command == "health":
        print(get(base, "/health").decode())
    elif command == "grab":
        grab(base, argv[2])
    elif command == "list":
        for torrent in torrents(base):
            print(line(torrent))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
