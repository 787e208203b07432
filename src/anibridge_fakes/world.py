"""The whole fake internet anibridge talks to: hoster farm, AniWorld, s.to, Megakino (+ its next domain), SkyHook.

Everything listens on 127.0.0.1 ephemeral ports. `FakeWorld().start()` → `.env()` gives the anibridge
environment pointing at it; `.sites[...]` / `.hosters[...]` are the FakeServers whose `.app.faults` tests flip;
`.reset()` switches every fault off again.
"""

from __future__ import annotations

import importlib
import os
import threading
from types import TracebackType
from typing import Protocol

from anibridge.domain.catalog.identity import Site
from anibridge_fakes.aniworld import AniWorldApp
from anibridge_fakes.catalogue import Catalogue, load_catalogue
from anibridge_fakes.dns import FakeInternet
from anibridge_fakes.http import FakeServer
from anibridge_fakes.megakino import MegakinoApp
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.skyhook import SkyHookApp
from anibridge_fakes.sto import StoApp

BIG_INDEX_ENV = "ANIBRIDGE_FAKES_BIG_INDEX"
MEGAKINO_NEXT = "megakino-next"
SKYHOOK = "skyhook"


class HosterFarmLike(Protocol):
    """What the world needs of `anibridge_fakes.hosters.HosterFarm`."""

    servers: dict[str, FakeServer]

    def start(self) -> object: ...

    def stop(self) -> None: ...

    def embed_url(self, provider: str, video_id: str, kind: str = "mp4") -> str: ...


def _default_farm() -> HosterFarmLike:
    # Imported by name at start time: the hoster fakes are their own package, built alongside the sites.
    hosters = importlib.import_module("anibridge_fakes.hosters")
    farm: HosterFarmLike = hosters.HosterFarm()
    return farm


class FakeWorld:
    def __init__(self, farm: HosterFarmLike | None = None, big_index: bool | None = None,
                 catalogue: Catalogue | None = None) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.farm = farm
        self.big_index = os.environ.get(BIG_INDEX_ENV, "") not in ("", "0") if big_index is None else big_index
        self.sites: dict[str, FakeServer] = {}
        self.started = False
        self._internet: FakeInternet | None = None

    @property
    def hosters(self) -> dict[str, FakeServer]:
        return self.farm.servers if self.farm is not None else {}

    @property
    def skyhook(self) -> FakeServer:
        return self.sites[SKYHOOK]

    def _embed(self, provider: str, video_id: str, kind: str) -> str:
        assert self.farm is not None
        return self.farm.embed_url(provider, video_id, kind)

    def start(self) -> FakeWorld:
        if self.started:
            return self
        if self.farm is None:
            self.farm = _default_farm()
        self.farm.start()
        apps = {
            Site.ANIWORLD.value: AniWorldApp(self.catalogue, self._embed, big_index=self.big_index),
            Site.STO.value: StoApp(self.catalogue, self._embed),
            Site.MEGAKINO.value: MegakinoApp(self.catalogue, self._embed),
            MEGAKINO_NEXT: MegakinoApp(self.catalogue, self._embed, name=MEGAKINO_NEXT),
            SKYHOOK: SkyHookApp(self.catalogue),
        }
        self.sites = {key: FakeServer(app).start() for key, app in apps.items()}
        self.started = True
        return self

    def internet(self) -> FakeInternet:
        """Host names, CUII-blocking resolver, DoH server and notice pages for the started sites (made on demand)."""
        if self._internet is None:
            self._internet = FakeInternet({key: server.port for key, server in self.sites.items()})
        return self._internet

    def stop(self) -> None:
        """Stop everything in parallel (each server's shutdown waits out its poll interval)."""
        stoppers = [server.stop for server in self.sites.values()]
        if self._internet is not None:
            stoppers.append(self._internet.stop)
            self._internet = None
        if self.farm is not None:
            stoppers.append(self.farm.stop)
        threads = [threading.Thread(target=stop, daemon=True) for stop in stoppers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        self.sites = {}
        self.started = False

    def __enter__(self) -> FakeWorld:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def sto_app(self) -> StoApp:
        app = self.sites[Site.STO.value].app
        assert isinstance(app, StoApp)
        return app

    def megakino_app(self, key: str = Site.MEGAKINO.value) -> MegakinoApp:
        app = self.sites[key].app
        assert isinstance(app, MegakinoApp)
        return app

    def move_megakino(self) -> str:
        """Megakino moves: the configured base answers 301 to the next domain, its mirrors.txt lists it."""
        target = self.sites[MEGAKINO_NEXT].base_url
        self.sites[Site.MEGAKINO.value].app.faults.moved_to = target
        return target

    def reset(self) -> None:
        """All faults off, default sitemap form, hit logs cleared — for sites and hosters alike."""
        for server in [*self.sites.values(), *self.hosters.values()]:
            server.app.faults.reset()
            server.app.protection.reset()
            server.app.hits.clear()
        if Site.STO.value in self.sites:
            self.sto_app().gate = RedirectGate()
        for key in (Site.MEGAKINO.value, MEGAKINO_NEXT):
            if key in self.sites:
                self.megakino_app(key).sitemap_index = True

    def env(self) -> dict[str, str]:
        """anibridge environment variables pointing at the fakes (plus what the hoster farm adds)."""
        env = {
            "ANIWORLD_BASE_URL": self.sites[Site.ANIWORLD.value].base_url,
            "STO_BASE_URL": self.sites[Site.STO.value].base_url,
            "MEGAKINO_BASE_URL": self.sites[Site.MEGAKINO.value].base_url,
            "MEGAKINO_MIRRORS_URL": self.sites[Site.MEGAKINO.value].base_url + "/mirrors.txt",
            "SKYHOOK_BASE_URL": self.skyhook.base_url,
            "CATALOG_SITES": ",".join(s.value for s in Site),
            "STRM_PROXY_UPSTREAM_ALLOWLIST": "127.0.0.1,localhost",
        }
        farm_env = getattr(self.farm, "env", None)  # e.g. HOSTER_HOSTS: which loopback port is which hoster
        if callable(farm_env):
            env.update(farm_env())
        return env

    def describe(self) -> list[tuple[str, str]]:
        rows = [(key, server.base_url) for key, server in self.sites.items()]
        rows += [(f"hoster {name}", server.base_url) for name, server in sorted(self.hosters.items())]
        return rows
