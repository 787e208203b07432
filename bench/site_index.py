"""Site index figures on the 20,000-title fake AniWorld: fetch+parse, disk reload, resolver preparation and
per-query latency through TitleLookup (index pass). Prints numbers; asserts nothing.

Run: `PYTHONPATH=src .venv/bin/python bench/site_index.py`
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

from anibridge.adapters.sites.aniworld import AniWorldCatalog
from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.lookup import TitleLookup
from anibridge.settings import Settings
from anibridge.wiring.catalog import site_options
from anibridge_fakes.aniworld import AniWorldApp
from anibridge_fakes.catalogue import load_catalogue
from anibridge_fakes.http import FakeServer


async def run(base: str) -> None:
    data = Path(tempfile.mkdtemp())
    settings = Settings.model_validate({"aniworld_base_url": base, "http_timeout_seconds": 60})
    async with httpx.AsyncClient() as client:
        t = time.perf_counter()
        entries = await AniWorldCatalog(client, replace(site_options(settings, Site.ANIWORLD), data_dir=data)).index()
        cold = time.perf_counter() - t
        t = time.perf_counter()
        catalog = AniWorldCatalog(client, replace(site_options(settings, Site.ANIWORLD), data_dir=data))
        await catalog.index()
        warm = time.perf_counter() - t
        resolver = TitleLookup({catalog.site: catalog})
        t = time.perf_counter()
        await resolver.search("warm up")
        prepare = time.perf_counter() - t
        titles = [e.title for e in entries[:: max(1, len(entries) // 1000)]][:1000]
        samples = []
        for title in titles:
            t = time.perf_counter()
            await resolver.search(title, limit=5)
            samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    size = (data / "index-aniworld.to.json").stat().st_size
    print(f"titles in index:                 {len(entries)}")
    print(f"cold load (fetch + parse + save): {cold:.2f} s")
    print(f"restart load from disk:           {warm * 1000:.0f} ms  ({size / 1e6:.1f} MB JSON)")
    print(f"resolver index preparation:       {prepare:.2f} s (once per index version, off the event loop)")
    print(f"query latency over {len(samples)} titles: p50 {statistics.median(samples):.2f} ms, "
          f"p95 {samples[int(len(samples) * 0.95) - 1]:.2f} ms")


def main() -> None:
    server = FakeServer(AniWorldApp(load_catalogue(), lambda p, v, k: f"https://{p.lower()}.invalid/e/{v}", big_index=True))
    server.start()
    try:
        asyncio.run(run(server.base_url))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
