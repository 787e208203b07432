"""HosterFarm: every fake hoster on its own loopback server (its own "domain"), VOE with a second mirror host."""

from __future__ import annotations

import threading
from pathlib import Path

from anibridge_fakes.hosters import doodstream, filemoon, gxplayer, jwplayer, loadx, streamtape, vidoza, voe
from anibridge_fakes.hosters.common import make_code
from anibridge_fakes.http import App, FakeServer
from anibridge_fakes.media import MediaSet, ensure_media

VOE_MIRROR = "VOE-mirror"
_EMBED_PATHS = {
    "VOE": "/e/{code}",
    "Vidoza": "/embed-{code}.html",
    "Filemoon": "/e/{code}",
    "Doodstream": "/e/{code}",
    "Streamtape": "/e/{code}",
    "Vidmoly": "/embed-{code}.html",
    "Luluvdo": "/e/{code}",
    "LoadX": "/e/{code}",
    "GXPlayer": "/watch/{code}",
}
PROVIDERS = tuple(_EMBED_PATHS)


class HosterFarm:
    """Start/stop all fake hosters; `embed_url` gives the embed page a catalogue page links to."""

    def __init__(self, media_dir: Path | None = None) -> None:
        self._media_dir = media_dir
        self._media: MediaSet | None = None
        self.servers: dict[str, FakeServer] = {}
        # Optional fixed public names per server (e.g. `http://voe.test`) for recordings; default: loopback URL.
        self.public_base: dict[str, str] = {}
        embed, mirror = voe.build_apps(self.media, lambda: self.base_url(VOE_MIRROR))
        self.apps: dict[str, App] = {
            "VOE": embed,
            VOE_MIRROR: mirror,
            "Vidoza": vidoza.build_app(self.media),
            "Filemoon": filemoon.build_app(self.media),
            "Doodstream": doodstream.build_app(self.media),
            "Streamtape": streamtape.build_app(self.media),
            "Vidmoly": jwplayer.build_vidmoly(self.media),
            "Luluvdo": jwplayer.build_luluvdo(self.media),
            "LoadX": loadx.build_app(self.media),
            "GXPlayer": gxplayer.build_app(self.media),
        }

    def media(self) -> MediaSet:
        if self._media is None:
            self._media = ensure_media(self._media_dir)
        return self._media

    def start(self) -> HosterFarm:
        if self.servers:
            return self
        self.media()  # build (or find) the cached media before anyone asks for it
        self.servers = {name: FakeServer(app).start() for name, app in self.apps.items()}
        return self

    def stop(self) -> None:
        """Stop all servers in parallel (each shutdown waits for its serve loop's poll interval)."""
        stoppers = [threading.Thread(target=server.stop) for server in self.servers.values()]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(timeout=5)
        self.servers = {}

    def embed_url(self, provider: str, video_id: str, kind: str = "mp4") -> str:
        if provider not in _EMBED_PATHS:
            raise ValueError(f"unknown provider {provider!r}; fakes exist for {', '.join(PROVIDERS)}")
        if provider not in self.servers and provider not in self.public_base:
            raise RuntimeError("HosterFarm.start() first")
        return self.base_url(provider) + _EMBED_PATHS[provider].format(code=make_code(video_id, kind))

    def base_url(self, name: str) -> str:
        return self.public_base.get(name) or self.servers[name].base_url

    def reset_faults(self) -> None:
        for app in self.apps.values():
            app.faults.reset()
            app.protection.reset()
            app.hits.clear()

    def host_map(self) -> str:
        """`Provider=host:port` pairs so anibridge recognises the fakes by host (env HOSTER_HOSTS)."""
        return ",".join(f"{name}={s.base_url.split('://', 1)[1]}" for name, s in self.servers.items() if name in _EMBED_PATHS)

    def env(self) -> dict[str, str]:
        return {"HOSTER_HOSTS": self.host_map()}
