"""Deterministic generator of a big catalogue index (default 20,000 titles) for title-matching load and benches.

Titles look like real listings: English or German main titles, seasons/sequels ("II", "Season 2", "Movie"),
subtitles after a colon, and romanised Japanese alternative titles — so token overlap, stop words and
near-duplicates stress a matcher the way the real AniWorld alphabet page (~2,500) and s.to (~10,900) do.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_ADJ = ("Dark", "Silent", "Eternal", "Lost", "Crimson", "Hidden", "Last", "Golden", "Broken", "Wild", "Iron",
        "Little", "Sacred", "Frozen", "Burning", "Endless", "Forgotten", "Brave", "Shining", "Cursed", "Blue",
        "Black", "White", "Secret", "Final", "Rising", "Fallen", "Savage", "Magical", "Quiet")
_NOUN = ("Blade", "Kingdom", "Academy", "Witch", "Dragon", "Knight", "Hunter", "Garden", "Empire", "Detective",
         "Alchemist", "Shadow", "Moon", "Summer", "Tower", "Prince", "Princess", "Ninja", "Samurai", "Spirit",
         "Island", "Voyage", "Symphony", "Chronicle", "Legend", "Heart", "Sky", "Planet", "Sword", "Demon",
         "Idol", "Café", "Restaurant", "Circus", "Railway", "Frontier", "Ocean", "Harvest", "Galaxy", "Library")
_TAIL = ("", "", "", "", " II", " 2", ": Season 2", " Zero", " Origins", ": The Movie", " Reborn", " Next",
         ": Final Season", " Kai", " Brotherhood", " R", " X", " Returns")
_SUBTITLE = ("", "", "", "", ": The Beginning", ": A Tale of Two Worlds", " – Requiem", ": Beyond the Gate",
             ": Der Anfang", " - Die Rückkehr", ": Kapitel Eins", " of the Seven Seas", " in Another World",
             " and the Last Promise", " at the End of Time")
_GERMAN = {"Dark": "Dunkle", "Lost": "Verlorene", "Kingdom": "Königreich", "Academy": "Akademie", "Witch": "Hexe",
           "Dragon": "Drache", "Knight": "Ritter", "Hunter": "Jäger", "Garden": "Garten", "Empire": "Imperium",
           "Shadow": "Schatten", "Moon": "Mond", "Summer": "Sommer", "Tower": "Turm", "Sword": "Schwert",
           "Heart": "Herz", "Sky": "Himmel", "Ocean": "Ozean", "Library": "Bibliothek"}
_SYLLABLES = ("ka", "ki", "ku", "ko", "sa", "shi", "su", "ta", "chi", "tsu", "na", "ni", "no", "ha", "hi", "ma",
              "mi", "mu", "ya", "yu", "ra", "ri", "ru", "wa", "ga", "ji", "zu", "do", "ba", "ryu", "kyo", "sho")


@dataclass(frozen=True, slots=True)
class IndexEntry:
    slug: str
    title: str
    alt_titles: tuple[str, ...]


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _romaji(rng: random.Random) -> str:
    words = [("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))).capitalize() for _ in range(rng.randint(1, 3))]
    particle = rng.choice(("", " no", " wa", " to"))
    return words[0] + particle + (" " + " ".join(words[1:]) if len(words) > 1 else "")


@lru_cache(maxsize=4)
def generate_index(count: int = 20_000, seed: int = 20_000) -> tuple[IndexEntry, ...]:
    """`count` unique titles (unique slugs), identical for the same (count, seed) on every machine (cached)."""
    rng = random.Random(seed)
    out: list[IndexEntry] = []
    seen: set[str] = set()
    attempt = 0
    while len(out) < count:
        attempt += 1
        adj, noun = rng.choice(_ADJ), rng.choice(_NOUN)
        shape = rng.random()
        if shape < 0.35:
            base = f"The {adj} {noun}"
        elif shape < 0.6:
            base = f"{adj} {noun}"
        elif shape < 0.8:
            base = f"{noun} of the {adj} {rng.choice(_NOUN)}"
        else:
            base = f"{_romaji(rng)} {noun}"
        title = base + rng.choice(_SUBTITLE) + rng.choice(_TAIL)
        slug = slugify(title)
        if slug in seen:
            title = f"{title} ({1990 + attempt % 36})"
            slug = slugify(title)
            if slug in seen:
                continue
        seen.add(slug)
        alts: list[str] = []
        if rng.random() < 0.7:
            alts.append(_romaji(rng))
        if rng.random() < 0.4:
            alts.append(" ".join(_GERMAN.get(word, word) for word in base.split()))
        if rng.random() < 0.2:
            alts.append(title.replace(":", "").replace("The ", ""))
        out.append(IndexEntry(slug, title, tuple(alts)))
    return tuple(out)
