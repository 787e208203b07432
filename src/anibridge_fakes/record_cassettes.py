"""Record the vcrpy cassettes of every site adapter (and SkyHook) from the fake world: `make cassettes`.

The adapters talk to fixed hosts (`http://aniworld.test`, `http://sto.test`, `http://megakino.test`,
`http://skyhook.test`); a connection pool *below* vcrpy's patch point maps those hosts to the fakes' loopback
ports, so the cassettes hold stable URLs and replay without any server. Hoster embed URLs on the site pages are
fixed too (`http://voe.test/e/<id>`): site cassettes pin the page structure, not the hoster farm's ports.
Recordings are minimal — one pass over each page type. When `anibridge_fakes.record_hoster_cassettes` exists,
its `record_hosters(dir)` records the hoster cassettes into the same directory.

Usage: `python -m anibridge_fakes.record_cassettes [DIR]` (default `tests/cassettes`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import httpx

from anibridge.adapters.sites.aniworld import AniWorldCatalog
from anibridge.adapters.sites.megakino import MegakinoCatalog
from anibridge.adapters.sites.options import SiteOptions
from anibridge.adapters.sites.sto import StoCatalog
from anibridge.adapters.skyhook import SkyHookMetadata
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.ports.errors import ChallengeRequired
from anibridge.settings import Settings
from anibridge.wiring.catalog import site_options
from anibridge_fakes.cassette_kit import LoopbackPool, vcr_config
from anibridge_fakes.http import FakeServer
from anibridge_fakes.record_hoster_cassettes import record_hosters
from anibridge_fakes.world import SKYHOOK, FakeWorld

HOSTS: dict[str, str] = {
    "aniworld.test": Site.ANIWORLD.value,
    "sto.test": Site.STO.value,
    "megakino.test": Site.MEGAKINO.value,
    "skyhook.test": SKYHOOK,
}
BASE = {key: f"http://{host}" for host, key in HOSTS.items()}


def cassette_settings() -> Settings:
    """The settings both the recorder and the replay tests use (fixed hosts, no disk index)."""
    return Settings.model_validate({
        "aniworld_base_url": BASE[Site.ANIWORLD.value],
        "sto_base_url": BASE[Site.STO.value],
        "megakino_base_url": BASE[Site.MEGAKINO.value],
        "skyhook_base_url": BASE[SKYHOOK],
        "http_timeout_seconds": 5,
        "provider_redirect_retries": 0,
    })


def cassette_site(settings: Settings, site: Site) -> SiteOptions:
    """A site's options for recording and replay: the fixed host, and no title index on disk."""
    return replace(site_options(settings, site), data_dir=None)


class _UrlOnlyFarm:
    """Hoster embed URLs on fixed `.test` hosts; the site cassettes never fetch hosters."""

    servers: dict[str, FakeServer] = {}

    def start(self) -> object:
        return self

    def stop(self) -> None:
        return None

    def embed_url(self, provider: str, video_id: str, kind: str = "mp4") -> str:
        return f"http://{provider.lower()}.test/e/{video_id}"


def loopback_client(world: FakeWorld) -> httpx.AsyncClient:
    ports = {host: world.sites[key].port for host, key in HOSTS.items()}
    transport = httpx.AsyncHTTPTransport()
    transport._pool = LoopbackPool(ports)  # noqa: SLF001 - the one seam below vcrpy's patched method
    return httpx.AsyncClient(transport=transport)


async def record_aniworld(client: httpx.AsyncClient, settings: Settings) -> None:
    aw = AniWorldCatalog(client, cassette_site(settings, Site.ANIWORLD))
    await aw.index()
    await aw.search("one punch")
    await aw.series("attack-on-titan")
    await aw.season("attack-on-titan", 1)
    await aw.season("attack-on-titan", 0)
    detail = await aw.episode("attack-on-titan", 1, 1)
    await aw.embed_url(detail.hosters[0])
    await aw.new_episodes()


async def record_sto(client: httpx.AsyncClient, settings: Settings) -> None:
    sto = StoCatalog(client, cassette_site(settings, Site.STO))
    await sto.index()
    await sto.search("9-1-1")
    await sto.series("breaking-bad")
    await sto.season("breaking-bad", 1)
    detail = await sto.episode("breaking-bad", 1, 1)
    await sto.embed_url(next(h for h in detail.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB))
    protected = await sto.episode("breaking-bad", 1, 2)
    try:
        await sto.embed_url(next(h for h in protected.hosters if h.provider == "VOE" and h.language is Language.GERMAN_DUB))
    except ChallengeRequired:
        pass
    await sto.series("the-walking-dead")
    classic = await sto.episode("the-walking-dead", 1, 1)
    await sto.embed_url(classic.hosters[0])


async def record_megakino(client: httpx.AsyncClient, settings: Settings) -> None:
    mk = MegakinoCatalog(client, cassette_site(settings, Site.MEGAKINO))
    await mk.index()
    await mk.series("avengers-endgame")
    await mk.episode("avengers-endgame", 0, 0)
    await mk.season("reacher-2-staffel", 2)
    await mk.episode("reacher-2-staffel", 2, 2)
    await mk.search("avengers")


async def record_skyhook(client: httpx.AsyncClient, settings: Settings) -> None:
    sky = SkyHookMetadata(client, settings.skyhook_base_url)
    await sky.search("Breaking Bad")
    await sky.search("imdb:tt0903747")
    await sky.show(81189)
    await sky.show(1)


SCENARIOS: dict[str, Callable[[httpx.AsyncClient, Settings], Awaitable[None]]] = {
    "aniworld.yaml": record_aniworld,
    "sto.yaml": record_sto,
    "megakino.yaml": record_megakino,
    "skyhook.yaml": record_skyhook,
}


async def _record_all(world: FakeWorld, directory: Path) -> None:
    recorder = vcr_config(directory, "all")
    settings = cassette_settings()
    for name, scenario in SCENARIOS.items():
        (directory / name).unlink(missing_ok=True)
        async with loopback_client(world) as client:
            with recorder.use_cassette(name):
                await scenario(client, settings)
        print(f"recorded {directory / name} ({(directory / name).stat().st_size} bytes)")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0] if args else "tests/cassettes").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    with FakeWorld(farm=_UrlOnlyFarm(), big_index=False) as world:
        asyncio.run(_record_all(world, directory))
    record_hosters(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
