"""Record the hoster adapters' vcrpy cassettes from the fake hoster farm (called by `make cassettes`).

Like the site recorder, adapters talk to fixed hosts (`http://voe.test`, `http://filemoon.test`, …) and a
connection pool below vcrpy's patch point sends those to the fakes' loopback ports, so the cassettes hold
stable URLs and replay with no server. Only the extraction requests are recorded (embed pages, APIs,
pass_md5 …), never media bodies. Usage: `python -m anibridge_fakes.record_hoster_cassettes [DIR]`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx

from anibridge.ports.errors import NotFound
from anibridge.settings import Settings
from anibridge.wiring.streams import build_resolvers
from anibridge_fakes.cassette_kit import LoopbackPool, vcr_config
from anibridge_fakes.hosters.farm import PROVIDERS, HosterFarm

SUBDIR = "hosters"
KIND = {"VOE": "hls", "Filemoon": "hls", "Vidmoly": "hls-aes", "Luluvdo": "hls-fmp4", "LoadX": "hls", "GXPlayer": "hls",
        "Vidoza": "mp4", "Doodstream": "mp4", "Streamtape": "mp4"}
# The (video id, kind) pairs each cassette holds: a normal file, a removed one, and Filemoon's legacy page.
SCENARIOS: dict[str, list[tuple[str, str]]] = {p: [("cas1", KIND[p]), ("gone1", KIND[p])] for p in PROVIDERS}
SCENARIOS["Filemoon"].append(("legacy1", "hls"))


def host_of(name: str) -> str:
    return f"{name.lower()}.test"


def cassette_settings() -> Settings:
    return Settings.model_validate({"http_timeout_seconds": 5, "megakino_base_url": "http://megakino.test"})


def cassette_farm() -> HosterFarm:
    """A farm whose public names are the fixed `.test` hosts (not started: enough for `embed_url` shapes)."""
    farm = HosterFarm()
    farm.public_base = {name: f"http://{host_of(name)}" for name in farm.apps}
    return farm


def cassette_embed(provider: str, video_id: str, kind: str) -> str:
    return cassette_farm().embed_url(provider, video_id, kind)


def cassette_name(provider: str) -> str:
    return f"{SUBDIR}/{provider.lower()}.yaml"


async def _record(farm: HosterFarm, directory: Path) -> None:
    ports = {host_of(name): server.port for name, server in farm.servers.items()}
    recorder = vcr_config(directory, "all")
    for provider in PROVIDERS:
        (directory / cassette_name(provider)).unlink(missing_ok=True)
        transport = httpx.AsyncHTTPTransport()
        transport._pool = LoopbackPool(ports)  # noqa: SLF001 - the one seam below vcrpy's patched method
        async with httpx.AsyncClient(transport=transport) as client:
            resolver = next(r for r in build_resolvers(client, cassette_settings()) if r.provider == provider)
            with recorder.use_cassette(cassette_name(provider)):
                for video_id, kind in SCENARIOS[provider]:
                    try:
                        stream = await resolver.resolve(cassette_embed(provider, video_id, kind))
                    except NotFound:
                        continue
                    print(f"  {provider}: {stream.url}")
        print(f"recorded {directory / cassette_name(provider)}")


def record_hosters(cassette_dir: Path | str) -> None:
    directory = Path(cassette_dir).resolve()
    (directory / SUBDIR).mkdir(parents=True, exist_ok=True)
    farm = cassette_farm().start()
    try:
        asyncio.run(_record(farm, directory))
    finally:
        farm.stop()


if __name__ == "__main__":
    record_hosters(sys.argv[1] if len(sys.argv) > 1 else "tests/cassettes")
