"""Which catalogue entries a TV search is about: the best match on every enabled site that has the show.

Sonarr expects every source's offer, so a show listed on AniWorld and s.to yields items from both (in the
catalogue order, CATALOG_SITES). Rules:

* Titles are tried in order (the query, then SkyHook's title and aliases). The first title that matches anything
  runs the resolver's full path (index, then the sites' search endpoints); the later titles only look for the
  sites still missing and only in the loaded indexes — a site-search round trip per alias would slow down every
  search for a show that simply is not on the other site.
* A site's best match must pass the title-score threshold (3.5). When some site matched the title *identically*, another
  site's merely similar title does not count: "Naruto" is exact on one site, and "Naruto Shippuden" on the other
  is a different show that would be released under the same TVDB title (a wrong grab).
* Megakino joins only when no episode site matched (the resolver's own rule; it is a film site first).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.titles import (
    ACCEPT_THRESHOLD,
    compact,
)

if TYPE_CHECKING:
    from anibridge.domain.catalog.lookup import (
        CatalogMatch,
        TitleLookup,
    )
    from anibridge.ports.metadata import Show

log = logging.getLogger(__name__)

@dataclass(slots=True)
class Located:
    """The catalogue entry a search is about, plus the SkyHook show when known (ids, episodes, absolutes)."""

    site: Site
    slug: str
    title: str
    show: Show | None = None
    show_looked_up: bool = False
    lookup: asyncio.Future[Show | None] | None = None



# Enough ranked hits that every site's best one is among them (each site contributes its best few).
RANKED_LIMIT = 50
# An identical title scores 8 (exact) + more; a title with all query tokens in another order reaches ~8.4 without
# the exact bonus — both are "the same title", anything lower is only similar.
IDENTICAL_SCORE = 8.0
_YEAR = re.compile(r"\(\s*(?:19|20)\d\d\s*\)")


async def locate_all(
    resolver: TitleLookup,
    sites: Sequence[Site],
    titles: Sequence[str],
    *,
    show: Show | None = None,
) -> list[Located]:
    """One Located per site that has the show, in `sites` order (empty when no title matches anywhere)."""
    best: dict[Site, CatalogMatch] = {}
    identical = False
    first = True
    for title in dict.fromkeys(t.strip() for t in titles if t and t.strip()):
        try:
            found = await resolver.search(title, limit=RANKED_LIMIT, fallbacks=first)
        except Exception:  # noqa: BLE001 - resolution failure = no match, logged
            log.exception("title resolution failed for %r", title)
            continue
        if not found:
            continue
        if not first and any(m.site is Site.MEGAKINO for m in found) != (Site.MEGAKINO in best):
            continue  # never mix Megakino with the episode sites
        first = False
        identical = identical or any(m.score >= IDENTICAL_SCORE for m in found)
        for match in found:  # ranked best first: the first hit per site is that site's best
            if match.site in best or match.score < ACCEPT_THRESHOLD:
                continue
            if identical and not _same_title(title, match):
                continue
            best[match.site] = match
        if all(s in best for s in sites if s is not Site.MEGAKINO) or Site.MEGAKINO in best:
            break
    order = {s: i for i, s in enumerate(sites)}
    ranked = sorted(best.values(), key=lambda m: order.get(m.site, len(order)))
    return [Located(m.site, m.slug, m.title, show, show is not None) for m in ranked]


def _same_title(title: str, match: CatalogMatch) -> bool:
    """Identical, or identical but for a "(2013)" year tag one site adds to tell remakes apart."""
    return match.score >= IDENTICAL_SCORE or compact(_YEAR.sub("", match.title)) == compact(_YEAR.sub("", title))
