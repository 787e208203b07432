"""Title matching as the reference AniBridge does it: normalisation, the candidate score and a fast per-catalogue index.

Score for query Q against title T (tokens q/t, compact forms qn/tn):
    0 if q, t or tn is empty or q∩t = ∅; else
    8·exact + 1.5·contains + 3·F1 + 2·precision + 1·recall + ratio   (max 16.5; the spec's "15.5" is an addition slip)
`ratio` is `rapidfuzz.distance.Indel.normalized_similarity(qn, tn)` = 2·LCS/(|qn|+|tn|), computed only
when F1 ≥ 0.2. The reference uses `difflib.SequenceMatcher(None, qn, tn).ratio()`; both are "2·matched /
total length" and agree for almost all title pairs, but difflib counts Ratcliff/Obershelp block matches
(never more than the LCS) and applies its popular-character junk heuristic above 200 characters, so ours can
be slightly higher on pathological strings. Titles are short, the acceptance threshold 3.5 is far from that
noise, and rapidfuzz is ~50× faster.

`TitleIndex` precomputes tokens and compact forms once. A query only scores titles sharing at least one
token (all others score 0 by definition) and skips those whose score upper bound, from token counts alone,
cannot reach the threshold (or the current top-`limit`) — so returned results equal brute-force scoring.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from anibridge.domain.catalog.identity import Site, require

ACCEPT_THRESHOLD = 3.5
STOP_WORDS = frozenset(
    "a an and das de del der die du el en et la le les los of the und y".split()
)
_WORD = re.compile(r"[^\W_]+")
_EPS = 1e-9


def match_tokens(text: str) -> frozenset[str]:
    """Lower-cased Unicode alphanumeric runs as a set, stop words removed unless nothing would remain."""
    require(text, str, "text")
    words = frozenset(_WORD.findall(text.lower()))
    kept = words - STOP_WORDS
    return kept if kept else words


def compact(text: str) -> str:
    """Lower-case concatenation of only the alphanumeric characters (`Kaguya-sama: Love` → `kaguyasamalove`)."""
    require(text, str, "text")
    return "".join(_WORD.findall(text.lower()))


def score_parts(q: frozenset[str], qn: str, t: frozenset[str], tn: str) -> float:
    """The candidate score (see the module docstring) from precomputed tokens and compact forms."""
    if not q or not t or not tn:
        return 0.0
    return _score_counted(len(q & t), len(q), len(t), qn, tn)


_similarity: Callable[[str, str], float] | None = None


def _indel_similarity(a: str, b: str) -> float:
    """rapidfuzz's Indel similarity, imported with the first title scored (it holds ~4 MB; an idle server scores
    nothing)."""
    global _similarity
    if _similarity is None:
        from rapidfuzz.distance import Indel

        _similarity = Indel.normalized_similarity
    return _similarity(a, b)


def _score_counted(inter: int, ql: int, tl: int, qn: str, tn: str) -> float:
    """The one formula every path uses, given |q∩t|, |q| and |t| (the index knows them without set ops)."""
    if inter == 0 or tl == 0 or not tn:
        return 0.0
    precision = inter / tl
    recall = inter / ql
    f1 = 2 * precision * recall / (precision + recall)
    ratio = (_similarity or _indel_similarity)(qn, tn) if f1 >= 0.2 else 0.0
    exact = 1.0 if qn == tn else 0.0
    contains = 1.0 if (qn in tn or tn in qn) else 0.0
    return 8 * exact + 1.5 * contains + 3 * f1 + 2 * precision + recall + ratio


def score(query: str, title: str) -> float:
    require(query, str, "query")
    require(title, str, "title")
    return score_parts(match_tokens(query), compact(query), match_tokens(title), compact(title))


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One catalogue slug with its main title and alternative titles."""

    site: Site
    slug: str
    title: str
    alt_titles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require(self.site, Site, "site", " (use Site.parse)")
        require(self.slug, str, "slug")
        require(self.title, str, "title")
        require(self.alt_titles, tuple, "alt_titles")

    @property
    def all_titles(self) -> tuple[str, ...]:
        return (self.title, *(a for a in self.alt_titles if a != self.title))


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """One ranked hit of a TitleIndex: the entry, its score and which of its titles scored it."""

    entry: IndexEntry
    score: float
    matched_title: str

    def __post_init__(self) -> None:
        require(self.entry, IndexEntry, "entry")
        require(self.score, (float, int), "score")
        require(self.matched_title, str, "matched_title")


@dataclass(slots=True)
class _Postings:
    entries: list[IndexEntry] = field(default_factory=list)
    site_rank: list[int] = field(default_factory=list)
    title_entry: list[int] = field(default_factory=list)
    title_text: list[str] = field(default_factory=list)
    title_tokens: list[frozenset[str]] = field(default_factory=list)
    title_compact: list[str] = field(default_factory=list)
    title_ntok: list[int] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    compact_ids: dict[str, list[int]] = field(default_factory=dict)


class TitleIndex:
    """Immutable search structure over the catalogue entries of one or several sites.

    Ranking is deterministic: score descending, then site order (`site_order`, default first appearance),
    then index order (position in `entries`).
    """

    def __init__(self, entries: Iterable[IndexEntry], site_order: Sequence[Site] | None = None) -> None:
        p = _Postings()
        order: dict[Site, int] = {s: i for i, s in enumerate(site_order or ())}
        for entry in entries:
            require(entry, IndexEntry, "entry")
            if entry.site not in order:
                order[entry.site] = len(order)
            eidx = len(p.entries)
            p.entries.append(entry)
            p.site_rank.append(order[entry.site])
            for text in entry.all_titles:
                toks = match_tokens(text)
                tid = len(p.title_text)
                p.title_entry.append(eidx)
                p.title_text.append(text)
                p.title_tokens.append(toks)
                comp = compact(text)
                p.title_compact.append(comp)
                p.compact_ids.setdefault(comp, []).append(tid)
                p.title_ntok.append(len(toks))
                for tok in toks:
                    p.postings.setdefault(tok, []).append(tid)
        self._p = p

    def __len__(self) -> int:
        return len(self._p.entries)

    def _scores(self, query: str, threshold: float, limit: int | None) -> dict[int, tuple[float, int]]:
        """entry index → (best score, title id) for the entries that can be in the top `limit` (all if None).

        Candidates are grouped by (shared tokens, title tokens), which fixes the score bound without the
        character terms; groups are visited best bound first and the walk stops once no remaining group can
        reach the current `limit`-th best score (ties are still visited, since site/index order breaks them).
        """
        p = self._p
        q = match_tokens(query)
        qn = compact(query)
        if not q:
            return {}
        counts: Counter[int] = Counter()
        for tok in q:
            posting = p.postings.get(tok)
            if posting:
                counts.update(posting)
        ql = len(q)
        ntok = p.title_ntok
        tcomp = p.title_compact
        groups: dict[tuple[int, int], list[int]] = {}
        for tid, c in counts.items():
            key = (c, ntok[tid])
            members = groups.get(key)
            if members is None:
                groups[key] = [tid]
            else:
                members.append(tid)
        best: dict[int, tuple[float, int]] = {}

        def consider(tid: int, c: int) -> None:
            s = _score_counted(c, ql, ntok[tid], qn, tcomp[tid])
            if s < threshold:
                return
            eidx = p.title_entry[tid]
            prev = best.get(eidx)
            if prev is None or s > prev[0] or (s == prev[0] and tid < prev[1]):
                best[eidx] = (s, tid)

        for tid in p.compact_ids.get(qn, ()):
            if tid in counts:  # exact compact match can still share no token (score 0 then)
                consider(tid, counts[tid])
        ranked_groups = []
        for (c, tl), members in groups.items():
            # 3·F1 + 2·P + R + max ratio (1), with F1 = 2c/(|q|+|t|).
            base = 3 * (2 * c / (ql + tl)) + 2 * c / tl + c / ql + 1.0 + _EPS
            ranked_groups.append((base, c, members))
        ranked_groups.sort(key=lambda g: -g[0])
        for base, c, members in ranked_groups:
            bound = base + 1.5
            if bound < threshold:
                break
            if limit is not None and len(best) >= limit:
                kth = heapq.nlargest(limit, (v[0] for v in best.values()))[-1]
                if bound < kth:
                    break
            need_contains = base < threshold
            for tid in members:
                tn = tcomp[tid]
                if tn == qn:
                    continue  # already scored as exact
                if need_contains and not (qn in tn or tn in qn):
                    continue
                consider(tid, c)
        return best

    def ranked(self, query: str, limit: int | None = 10, threshold: float = ACCEPT_THRESHOLD) -> list[TitleMatch]:
        """Entries scoring ≥ threshold, best first; equal to brute-force scoring for those entries."""
        p = self._p
        best = self._scores(query, threshold, limit)
        order = sorted(best, key=lambda e: (-best[e][0], p.site_rank[e], e))
        if limit is not None:
            order = order[:limit]
        return [TitleMatch(p.entries[e], best[e][0], p.title_text[best[e][1]]) for e in order]

    def best_match(self, query: str, threshold: float = ACCEPT_THRESHOLD) -> TitleMatch | None:
        found = self.ranked(query, limit=1, threshold=threshold)
        return found[0] if found else None

    def brute_force(self, query: str, threshold: float = ACCEPT_THRESHOLD) -> list[TitleMatch]:
        """Reference path: score every title; used by tests to prove the index prunes nothing it should keep."""
        p = self._p
        q, qn = match_tokens(query), compact(query)
        best: dict[int, tuple[float, int]] = {}
        for tid, eidx in enumerate(p.title_entry):
            s = score_parts(q, qn, p.title_tokens[tid], p.title_compact[tid])
            if s >= threshold and (eidx not in best or s > best[eidx][0]):
                best[eidx] = (s, tid)
        order = sorted(best, key=lambda e: (-best[e][0], p.site_rank[e], e))
        return [TitleMatch(p.entries[e], best[e][0], p.title_text[best[e][1]]) for e in order]
