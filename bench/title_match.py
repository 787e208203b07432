"""Title-matching benchmark: TitleIndex vs a difflib brute-force baseline over a 20,000-title catalogue.

Run: `.venv/bin/python bench/title_match.py [--titles 20000] [--queries 1000] [--baseline-queries 100]`.
The baseline scores every title with the same candidate-score formula but difflib's SequenceMatcher (what the reference
does); it is slow, so it runs on the first `--baseline-queries` queries only. Prints p50/p95 per query.
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import time

from anibridge.domain.catalog.identity import Site
from anibridge.domain.catalog.titles import (
    ACCEPT_THRESHOLD,
    IndexEntry,
    TitleIndex,
    compact,
    match_tokens,
)

_WORDS = (
    "dark silent eternal lost crimson hidden last golden broken wild iron little sacred frozen burning endless "
    "forgotten brave shining cursed blue black white secret final rising fallen savage magical quiet blade "
    "kingdom academy witch dragon knight hunter garden empire detective alchemist shadow moon summer tower "
    "prince princess ninja samurai spirit island voyage symphony chronicle legend heart sky planet sword demon "
    "idol café restaurant circus railway frontier ocean harvest galaxy library dunkle königreich hexe drache "
    "ritter jäger schatten mond sommer turm schwert herz himmel"
).split()
_FILL = ("the", "of", "no", "in", "another", "world", "season", "2", "ii", "movie", "zero", "der", "die", "und")
_SYL = ("ka ki ku ko sa shi su ta chi tsu na ni no ha hi ma mi mu ya yu ra ri ru wa ga ji zu do ba ryu kyo sho").split()


def _romaji(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(1, 3)))


def generate(count: int, seed: int = 20_000) -> list[IndexEntry]:
    rng = random.Random(seed)
    sites = list(Site)
    out = []
    for i in range(count):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.4:
            words.insert(rng.randint(0, len(words)), rng.choice(_FILL))
        if rng.random() < 0.3:
            words.append(_romaji(rng))
        title = " ".join(w.capitalize() for w in words)
        if rng.random() < 0.3:
            title += rng.choice((": The Beginning", " II", ": Season 2", " - Die Rückkehr", " in Another World"))
        alts = tuple(_romaji(rng).title() for _ in range(rng.randint(0, 2)))
        out.append(IndexEntry(sites[i % 2], f"t{i}-" + "-".join(words[:2]).lower(), title, alts))
    return out


def queries(entries: list[IndexEntry], n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        e = rng.choice(entries)
        words = e.title.split()
        out.append(rng.choice([
            e.title,
            e.title.lower(),
            " ".join(words[: max(1, len(words) - 1)]),
            e.title + " " + rng.choice(_WORDS),
            (e.alt_titles or (e.title,))[0],
            " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3))),
        ]))
    return out


def difflib_brute_force(prepared: list[tuple[frozenset[str], str]], query: str) -> float:
    q, qn = match_tokens(query), compact(query)
    best = 0.0
    for t, tn in prepared:
        if not q or not t or not tn:
            continue
        inter = len(q & t)
        if not inter:
            continue
        p, r = inter / len(t), inter / len(q)
        f1 = 2 * p * r / (p + r)
        ratio = difflib.SequenceMatcher(None, qn, tn).ratio() if f1 >= 0.2 else 0.0
        s = 8 * (qn == tn) + 1.5 * (qn in tn or tn in qn) + 3 * f1 + 2 * p + r + ratio
        best = max(best, s)
    return best if best >= ACCEPT_THRESHOLD else 0.0


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--titles", type=int, default=20_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--baseline-queries", type=int, default=100)
    args = ap.parse_args()

    entries = generate(args.titles)
    t0 = time.perf_counter()
    index = TitleIndex(entries)
    build_ms = (time.perf_counter() - t0) * 1000
    qs = queries(entries, args.queries)

    fast: list[float] = []
    hits = 0
    for q in qs:
        t = time.perf_counter()
        m = index.best_match(q)
        fast.append((time.perf_counter() - t) * 1000)
        hits += m is not None

    prepared = [(match_tokens(x), compact(x)) for e in entries for x in e.all_titles]
    slow: list[float] = []
    for q in qs[: args.baseline_queries]:
        t = time.perf_counter()
        difflib_brute_force(prepared, q)
        slow.append((time.perf_counter() - t) * 1000)

    titles = sum(len(e.all_titles) for e in entries)
    print(f"catalogue: {len(entries)} entries, {titles} title strings; index build {build_ms:.0f} ms")
    print(f"TitleIndex  : {len(fast)} queries  p50 {pct(fast, 50):.3f} ms  p95 {pct(fast, 95):.3f} ms  "
          f"max {max(fast):.3f} ms  matched {hits}")
    print(f"difflib b-f : {len(slow)} queries  p50 {pct(slow, 50):.3f} ms  p95 {pct(slow, 95):.3f} ms")
    print(f"speed-up    : p50 {pct(slow, 50) / pct(fast[: len(slow)], 50):.0f}x  "
          f"p95 {pct(slow, 95) / pct(fast[: len(slow)], 95):.0f}x (same queries)")


if __name__ == "__main__":
    main()
