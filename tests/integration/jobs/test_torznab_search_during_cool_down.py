"""Sonarr's searches while SerienStream sits behind a front anibridge cannot pass (its DDoS-Guard page, 403):
what anibridge already found for a show is answered again; a show it never found gets the Torznab error naming
the site and the gate.

The availability cache is set to expire within milliseconds, so the second search cannot be answered by the
ordinary per-episode cache: only the stale-if-error answer of the search path can produce the releases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from anibridge_fakes.world import FakeWorld
from tests.integration.jobs.test_sonarr_through_site_protection import TORZNAB, Conductor, anibridge

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def tvsearch(c: Conductor, q: str, season: int, episode: int) -> tuple[bytes, list[tuple[str, str]]]:
    r = await c.simulate_get("/torznab/api", params={"t": "tvsearch", "q": q, "season": str(season),
                                                     "ep": str(episode)})
    assert r.status_code == 200, r.text
    root = etree.fromstring(r.content)  # valid XML either way: an RSS feed or a Torznab <error>
    items = [(item.findtext("title") or "",
              next((a.get("value") or "" for a in item.iter(TORZNAB) if a.get("name") == "magneturl"), ""))
             for item in root.iter("item")]
    return r.content, items


async def test_a_search_seen_before_answers_from_cache_while_the_site_is_gated(fake_world: FakeWorld,
                                                                               tmp_path: Path) -> None:
    port = fake_world.internet().site_ports["s.to"]
    async with anibridge(fake_world, tmp_path, STO_BASE_URL=f"http://serienstream.to:{port}",
                         SITE_ADDRESSES="serienstream.to=127.0.0.1", SITE_COOLDOWN_SECONDS="600",
                         AVAILABILITY_TTL_HOURS="0.0000001") as c:
        rss = await c.simulate_get("/torznab/api", params={"t": "tvsearch", "cat": "5030,5040"})
        assert b"<item>" in rss.content, rss.text  # healthy: the site's new episodes
        _body, healthy = await tvsearch(c, "Breaking Bad", 1, 2)
        assert healthy and all(magnet.startswith("magnet:") for _title, magnet in healthy), healthy

        fake_world.sto_app().protection.front = "ddos-guard"  # every page: 403 DDoS-Guard, no code passes it
        _body, gated = await tvsearch(c, "Breaking Bad", 1, 2)
        assert gated == healthy  # the same releases, same titles and magnets (Sonarr's guids stay stable)
        assert any(h.startswith("ddos-guard") for h in fake_world.sto_app().protection.hits)  # the site was asked

        # Asked again within the cool-down (the site is not asked at all now): still the known releases.
        _body, cooling = await tvsearch(c, "Breaking Bad", 1, 2)
        assert cooling == healthy

        body, never_seen = await tvsearch(c, "Dark", 1, 1)
        assert never_seen == []
        assert b"<error" in body and b"serienstream.to" in body, body

        # Sonarr's RSS sync (no query) gains nothing from old items: it keeps being told about the outage.
        rss = await c.simulate_get("/torznab/api", params={"t": "tvsearch", "cat": "5030,5040"})
        assert b"<error" in rss.content and b"serienstream.to" in rss.content, rss.text
