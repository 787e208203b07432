"""A Torznab consumer that applies Sonarr's, Radarr's and Prowlarr's parsing rules (caps, feed, errors, titles).

Re-implemented from the rules in our notes, strict where the apps are strict: a rule the apps would enforce
raises `Rejected` (whole page) or marks the item rejected with the reason, so tests can say "every item would be
accepted" and mean it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl

from lxml import etree

TORZNAB_NS = "http://torznab.com/schemas/2015/feed"
TORRENT_TYPES = ("application/x-bittorrent", "application/x-bittorrent;x-scheme-handler/magnet")


class Rejected(Exception):
    """The whole response would fail in Sonarr/Prowlarr ("Unable to connect to indexer" or similar)."""


class IndexerError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


@dataclass
class Caps:
    default_limit: int
    max_limit: int
    searching: dict[str, tuple[bool, list[str]]]
    category_ids: set[int]
    parents: dict[int, set[int]]

    def supports(self, function: str, param: str) -> bool:
        available, params = self.searching.get(function, (False, []))
        return available and param in params


@dataclass
class Item:
    title: str
    guid: str
    published: datetime
    url: str
    size: int
    categories: list[int]
    attrs: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def attr(self, name: str) -> str | None:
        values = self.attrs.get(name.lower())
        return values[0] if values else None


def _check_error(root: etree._Element) -> None:
    err = root if root.tag == "error" else root.find(".//error")
    if err is not None:
        code, desc = err.get("code"), err.get("description")
        if code is None or desc is None or not code.lstrip("-").isdigit():
            raise Rejected("error element without integer code and description")
        raise IndexerError(int(code), desc)


def parse_xml(body: bytes, content_type: str) -> etree._Element:
    if "text/html" in content_type:
        raise Rejected(f"HTML answer ({content_type})")
    try:
        return etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, recover=False))
    except etree.XMLSyntaxError as ex:
        raise Rejected(f"malformed XML: {ex}") from None


def parse_caps(body: bytes, content_type: str) -> Caps:
    root = parse_xml(body, content_type)
    _check_error(root)
    if root.tag != "caps":
        raise Rejected(f"caps root is <{root.tag}>")
    limits = root.find("limits")
    default = maximum = 100
    if limits is not None:
        try:
            default, maximum = int(limits.get("default")), int(limits.get("max"))  # int.Parse: both required
        except (TypeError, ValueError):
            raise Rejected("limits without integer default/max") from None
    searching: dict[str, tuple[bool, list[str]]] = {}
    for el in root.find("searching") if root.find("searching") is not None else []:
        if el.get("available") is None:
            raise Rejected(f"<{el.tag}> without available")
        params = el.get("supportedParams")
        searching[el.tag] = (el.get("available") == "yes", params.split(",") if params is not None else ["q"])
    ids: set[int] = set()
    parents: dict[int, set[int]] = {}
    for cat in root.iter("category"):
        if cat.get("name") is None:
            raise Rejected("category without name")
        pid = int(cat.get("id"))  # int.Parse
        ids.add(pid)
        parents[pid] = set()
        for sub in cat.iter("subcat"):
            if sub.get("name") is None:
                raise Rejected("subcat without name")
            ids.add(int(sub.get("id")))
            parents[pid].add(int(sub.get("id")))
    return Caps(default, maximum, searching, ids, parents)


def sonarr_test_capabilities(caps: Caps) -> bool:
    """S: Torznab.cs TestCapabilities."""
    if caps.supports("search", "q"):
        return True
    tv = caps.searching.get("tv-search", (False, []))
    return tv[0] and any(p in tv[1] for p in ("q", "tvdbid", "rid")) and "season" in tv[1] and "ep" in tv[1]


def radarr_test_capabilities(caps: Caps, categories: set[int]) -> bool:
    if not categories & caps.category_ids:
        return False
    movie = caps.searching.get("movie-search", (False, []))
    return caps.supports("search", "q") or (movie[0] and any(p in movie[1] for p in ("q", "tmdbid", "imdbid")))


def prowlarr_test_capabilities(caps: Caps) -> bool:
    tv = caps.searching.get("tv-search", (False, []))
    return caps.supports("search", "q") or (tv[0] and "season" in tv[1] and "ep" in tv[1])


def expand(caps: Caps, requested: set[int]) -> set[int]:
    out = set(requested)
    for cat in requested:
        out |= caps.parents.get(cat, set())
    return out


def parse_feed(body: bytes, content_type: str, caps: Caps, requested: set[int] | None = None) -> list[Item]:
    """Items after Sonarr's/Prowlarr's parsers and validity checks; items with `problems` would be dropped."""
    root = parse_xml(body, content_type)
    _check_error(root)
    if root.tag != "rss" or root.find("channel") is None:
        raise Rejected(f"feed root is <{root.tag}>")
    items: list[Item] = []
    seen: set[str] = set()
    enclosure_types: list[str] = []
    for node in root.find("channel").findall("item"):
        problems: list[str] = []
        title = (node.findtext("title") or "").strip()
        if not title:
            problems.append("empty title")
        guid = node.findtext("guid") or ""
        pub = node.findtext("pubDate")
        if not pub:
            raise Rejected("item without pubDate (UnsupportedFeedException)")
        try:
            published = parsedate_to_datetime(pub)
        except (TypeError, ValueError):
            problems.append(f"unparsable pubDate {pub!r}")
            published = datetime.min
        enc = node.find("enclosure")
        if enc is None or not enc.get("url"):
            problems.append("no enclosure url")
            url, length = "", 0
        else:
            url = enc.get("url")
            enclosure_types.append(enc.get("type") or "")
            if enc.get("type") not in TORRENT_TYPES:
                problems.append(f"enclosure type {enc.get('type')}")
            length = int(enc.get("length") or 0)
        attrs: dict[str, list[str]] = {}
        for a in node.findall(f"{{{TORZNAB_NS}}}attr"):
            attrs.setdefault((a.get("name") or "").lower(), []).append(a.get("value") or "")
        size = int(attrs["size"][0]) if "size" in attrs else length
        for name in ("seeders", "peers", "leechers", "tvdbid", "tmdbid", "imdb"):
            for value in attrs.get(name, []):
                if not value.isdigit():
                    problems.append(f"{name}={value!r} is not an integer")
        if "seeders" in attrs and attrs["seeders"][0].isdigit() and int(attrs["seeders"][0]) < 1:
            problems.append("seeders < 1 (MinimumSeeders)")
        cats = [int(c) for c in attrs.get("category", []) if c.isdigit()] or [
            int(c.text) for c in node.findall("category") if (c.text or "").isdigit()
        ]
        if not [c for c in cats if c in caps.category_ids]:
            problems.append("No categories provided (Prowlarr)")
        if requested and not set(cats) & expand(caps, requested):
            problems.append(f"categories {cats} outside requested {sorted(requested)}")
        if any(c not in caps.category_ids for c in cats):
            problems.append(f"category {cats} not in caps")
        if size <= 0:
            problems.append("no size (Prowlarr)")
        magnet = attrs.get("magneturl", [url])[0]
        problems += magnet_problems(magnet, attrs.get("infohash", [None])[0])
        if guid in seen:
            continue  # de-duplicated by guid, like Sonarr and Prowlarr
        seen.add(guid)
        items.append(Item(title, guid, published, url, size, cats, attrs, problems))
    if enclosure_types and all(t == "application/x-nzb" for t in enclosure_types):
        raise Rejected("usenet feed")
    return items


def magnet_problems(magnet: str, infohash: str | None) -> list[str]:
    """MonoTorrent: `magnet:?`, one `xt=urn:btih:` with 40 hex (or 32 base32) chars; infohash attr matches."""
    if not magnet.startswith("magnet:?"):
        return [f"not a magnet: {magnet[:40]}"]
    pairs = parse_qsl(magnet[len("magnet:?"):], keep_blank_values=True)
    xts = [v for k, v in pairs if k == "xt"]
    if len(xts) != 1 or not re.fullmatch(r"urn:btih:[0-9a-fA-F]{40}", xts[0]):
        return [f"bad xt {xts}"]
    if infohash is not None and infohash != xts[0][9:].lower():
        return ["infohash attr differs from the magnet"]
    if not any(k == "dn" and v for k, v in pairs):
        return ["magnet without dn"]
    return []


@dataclass
class ParsedTitle:
    series: str
    season: int | None
    episodes: list[int]
    absolute: list[int]
    quality: str
    german: bool
    year: int | None = None


_STD = re.compile(r"^(?P<title>.+?)[. _-]+S(?P<s>\d{1,4})E(?P<e>\d{1,4})(?:-?E(?P<e2>\d{1,4}))?(?=[. _-]|$)", re.I)
_ABS = re.compile(r"^(?:\[[^\]]+\]\s*)?(?P<title>.+?)\s+-\s+(?P<abs>\d{2,4})(?=\s|$|\[)")
_MOVIE = re.compile(r"^(?P<title>.+?)[. _(]+(?P<year>(?:19|20)\d{2})(?=[. _)-]|$)")
_QUALITY = re.compile(r"\b(2160p|1440p|1080p|720p|576p|480p)\b", re.I)


def parse_release_title(title: str) -> ParsedTitle | None:
    """Sonarr's essentials: series + SxxEyy (or anime ` - 105`), quality token, German unless a SUB marker follows."""
    name = title.replace(" [STRM]", "")
    quality = (_QUALITY.search(name).group(1).lower() + ".web") if _QUALITY.search(name) else "sd.web"
    german = bool(re.search(r"(?:^|[. _-])(?:GER|German|GER[. ]DUB)(?:[. _-]|$)", name)) and not re.search(
        r"(?:^|[. _-])GER[. _-]?(?:ENG[. _-])?SUB", name, re.I
    )
    m = _STD.match(name)
    if m:
        episodes = [int(m.group("e"))] + ([int(m.group("e2"))] if m.group("e2") else [])
        return ParsedTitle(_series(m.group("title")), int(m.group("s")), episodes, [], quality, german)
    m = _ABS.match(name)
    if m:
        return ParsedTitle(_series(m.group("title")), None, [], [int(m.group("abs"))], quality, german)
    m = _MOVIE.match(name)
    if m:
        return ParsedTitle(_series(m.group("title")), None, [], [], quality, german, int(m.group("year")))
    return None


def _series(raw: str) -> str:
    return re.sub(r"[._]+", " ", raw).strip()


def clean_title(title: str) -> str:
    """Sonarr's CleanSeriesTitle essentials: lower-case alphanumerics only, diacritics and a leading `the` dropped."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("&", "and")
    text = re.sub(r"^the\b", "", text)
    return re.sub(r"[^a-z0-9]", "", text)


def sonarr_query_title(title: str) -> str:
    """SearchCriteriaBase clean title as Sonarr sends it in `q` (leading The removed, & → and, punctuation → spaces)."""
    text = re.sub(r"^The\s+", "", title).replace("&", "and").replace("'", "").replace(".", "")
    return re.sub(r"\s+", " ", re.sub(r"[^\w]+", " ", text)).strip()
