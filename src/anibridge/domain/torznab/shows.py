"""SkyHook lookups for searches: ids → show, title → show, and the specials title similarity."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import TYPE_CHECKING

from anibridge.domain.catalog.titles import score as title_score
from anibridge.ports.errors import PortError

if TYPE_CHECKING:
    from anibridge.domain.torznab.request import ExternalIds
    from anibridge.ports.metadata import MetadataPort, Show

log = logging.getLogger(__name__)

_PART = re.compile(r"\b(?:part|teil)\s*(\d+)", re.I)
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


class ShowLookup:
    """Resolves the show Sonarr means. Every SkyHook failure is logged and means "unknown" (fewer items)."""

    def __init__(self, metadata: MetadataPort) -> None:
        self._metadata = metadata

    async def by_ids(self, ids: ExternalIds) -> Show | None:
        """tvdbid directly; imdb/tmdb/tvmaze/rage through SkyHook's prefixed search terms (first hit with a tvdb id)."""
        try:
            if ids.tvdb is not None and ids.tvdb > 0:
                show = await self._metadata.show(ids.tvdb)
                if show is not None:
                    return show
            terms = []
            if ids.imdb:
                terms.append(f"imdb:tt{ids.imdb}")
            if ids.tmdb:
                terms.append(f"tmdb:{ids.tmdb}")
            if ids.tvmaze:
                terms.append(f"tvmaze:{ids.tvmaze}")
            if ids.rage:
                terms.append(f"tvrage:{ids.rage}")
            for term in terms:
                found = await self._metadata.search(term)
                hit = next((s for s in found if s.tvdb_id > 0), None)
                if hit is not None:
                    return await self._metadata.show(hit.tvdb_id) or hit
        except PortError as ex:
            log.warning("SkyHook id lookup failed for %s: %s", ids, ex)
        return None

    async def by_title(self, *titles: str) -> Show | None:
        """Best SkyHook search hit for any of the titles by the catalogue's candidate score (≥ 3.5), with episodes.

        The reference took the first result without any similarity check; a wrong show would give
        wrong season listings and absolute numbers, so a weak hit counts as unknown.
        """
        best: tuple[float, Show] | None = None
        for title in dict.fromkeys(t.strip() for t in titles if t and t.strip()):
            try:
                found = await self._metadata.search(title)
            except PortError as ex:
                log.warning("SkyHook search failed for %r: %s", title, ex)
                continue
            for show in found:
                value = max(title_score(title, t) for t in (show.title, *show.aliases))
                if value >= 3.5 and (best is None or value > best[0]):
                    best = (value, show)
            if best is not None:
                break
        if best is None:
            return None
        try:
            return await self._metadata.show(best[1].tvdb_id) or best[1]
        except PortError as ex:
            log.warning("SkyHook show %s failed: %s", best[1].tvdb_id, ex)
            return None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("`", "'").replace("[", " ").replace("]", " ")
    return _NON_WORD.sub(" ", text).lower().strip()


def similarity(left: str, right: str) -> float:
    """Asymmetric specials score: 0.55·overlap + 0.25·jaccard + 0.20·containment, ±0.30 for part numbers."""
    ln, rn = _normalise(left), _normalise(right)
    lt, rt = set(ln.split()), set(rn.split())
    if not ln or not rn or not lt or not rt:
        return 0.0
    common = len(lt & rt)
    value = 0.55 * common / len(lt) + 0.25 * common / len(lt | rt) + (0.20 if ln in rn or rn in ln else 0.0)
    lp = {int(x) for x in _PART.findall(left)}
    rp = {int(x) for x in _PART.findall(right)}
    if lp and rp:
        value += 0.30 if lp == rp else (-0.30 if not lp & rp else 0.0)
    return max(0.0, min(1.0, value))
