"""StreamFinder ordering, fallback and error contract with in-memory catalogue and resolvers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.streams.finder import StreamFinder
from anibridge.ports.catalog import EpisodeDetail, EpisodeListing, HosterLink, NewEpisode, SeriesDetail, SeriesEntry
from anibridge.ports.errors import ChallengeRequired, HosterUnavailable, NotFound, PortError
from anibridge.ports.streams import DirectStream

DE, EN = Language.GERMAN_DUB, Language.ENGLISH_SUB
REF = EpisodeRef(Site.ANIWORLD, "show", 1, 2, DE)


class MemoryCatalog:
    def __init__(self, hosters: Sequence[HosterLink], embed_errors: dict[str, PortError] | None = None) -> None:
        self.hosters = tuple(hosters)
        self.embed_errors = embed_errors or {}
        self.episodes_asked = 0

    @property
    def site(self) -> Site:
        return Site.ANIWORLD

    async def index(self) -> Sequence[SeriesEntry]:
        return []

    async def search(self, query: str) -> Sequence[SeriesEntry]:
        return []

    async def series(self, slug: str) -> SeriesDetail:
        return SeriesDetail(Site.ANIWORLD, slug, slug)

    async def season(self, slug: str, season: int) -> Sequence[EpisodeListing]:
        return []

    async def episode(self, slug: str, season: int, episode: int) -> EpisodeDetail:
        self.episodes_asked += 1
        if slug == "missing":
            raise NotFound("no such series")
        langs = tuple(dict.fromkeys(h.language for h in self.hosters))
        return EpisodeDetail(Site.ANIWORLD, slug, season, episode, None, None, langs, self.hosters)

    async def embed_url(self, link: HosterLink) -> str:
        if link.url in self.embed_errors:
            raise self.embed_errors[link.url]
        return link.url.replace("redirect", "embed")

    async def new_episodes(self) -> Sequence[NewEpisode]:
        return []


class MemoryResolver:
    def __init__(self, name: str, host: str, fail: PortError | None = None, hang: bool = False) -> None:
        self.name, self.host, self.fail, self.hang = name, host, fail, hang
        self.calls: list[str] = []

    @property
    def provider(self) -> str:
        return self.name

    def handles(self, embed_url: str) -> bool:
        return self.host in embed_url

    async def resolve(self, embed_url: str) -> DirectStream:
        self.calls.append(embed_url)
        if self.hang:
            await asyncio.sleep(30)
        if self.fail is not None:
            raise self.fail
        return DirectStream(f"https://cdn.{self.host}/v.mp4", self.name, {"Referer": f"https://{self.host}/"})


def link(provider: str, lang: Language = DE, host: str | None = None) -> HosterLink:
    return HosterLink(provider, lang, f"https://site/redirect/{host or provider.lower()}")


def finder(catalog: MemoryCatalog, *resolvers: MemoryResolver, order: Sequence[str] = ("VOE", "Filemoon", "Vidoza"),
           timeout: float | None = None) -> StreamFinder:
    return StreamFinder({Site.ANIWORLD: catalog}, list(resolvers), order, attempt_timeout=timeout)


@pytest.mark.anyio
async def test_follows_provider_order_and_preferred_first() -> None:
    voe, vidoza = MemoryResolver("VOE", "voe"), MemoryResolver("Vidoza", "vidoza")
    cat = MemoryCatalog([link("Vidoza"), link("VOE")])
    assert (await finder(cat, voe, vidoza).find(REF)).provider == "VOE"
    assert (await finder(cat, voe, vidoza).find(REF, preferred="vidoza")).provider == "Vidoza"


@pytest.mark.anyio
async def test_falls_back_and_lists_every_cause() -> None:
    voe = MemoryResolver("VOE", "voe", fail=HosterUnavailable("VOE: page answered HTTP 503"))
    moon = MemoryResolver("Filemoon", "filemoon", fail=ChallengeRequired("Filemoon: captcha"))
    vidoza = MemoryResolver("Vidoza", "vidoza")
    cat = MemoryCatalog([link("VOE"), link("Filemoon"), link("Vidoza")])
    stream = await finder(cat, voe, moon, vidoza).find(REF)
    assert stream.provider == "Vidoza" and voe.calls and moon.calls
    vidoza.fail = NotFound("Vidoza: file removed")
    with pytest.raises(HosterUnavailable) as err:
        await finder(cat, voe, moon, vidoza).find(REF)
    msg = str(err.value)
    assert "HTTP 503" in msg and "captcha" in msg and "file removed" in msg


@pytest.mark.anyio
async def test_language_not_offered_is_not_found_and_tries_no_hoster() -> None:
    voe = MemoryResolver("VOE", "voe")
    cat = MemoryCatalog([link("VOE", EN)])
    with pytest.raises(NotFound, match="English Sub"):
        await finder(cat, voe).find(REF)
    assert voe.calls == []
    with pytest.raises(NotFound):
        await finder(cat, voe).find(EpisodeRef(Site.STO, "show", 1, 1, DE))  # site not enabled


@pytest.mark.anyio
async def test_catalogue_errors_propagate() -> None:
    with pytest.raises(NotFound, match="no such series"):
        await finder(MemoryCatalog([link("VOE")]), MemoryResolver("VOE", "voe")).find(EpisodeRef(Site.ANIWORLD, "missing", 1, 1, DE))


@pytest.mark.anyio
async def test_redirect_challenge_moves_on_to_next_hoster() -> None:
    cat = MemoryCatalog([link("VOE"), link("Vidoza")], embed_errors={"https://site/redirect/voe": ChallengeRequired("turnstile")})
    assert (await finder(cat, MemoryResolver("VOE", "voe"), MemoryResolver("Vidoza", "vidoza")).find(REF)).provider == "Vidoza"


@pytest.mark.anyio
async def test_exclude_unknown_order_and_placeholder_names() -> None:
    voe, lulu = MemoryResolver("VOE", "voe"), MemoryResolver("Luluvdo", "luluvdo")
    # "Provider" is s.to's placeholder label: the resolver is found by the embed host instead.
    cat = MemoryCatalog([link("Provider", host="luluvdo"), link("VOE")])
    f = finder(cat, voe, lulu)
    assert [h.provider for h in await f.candidates(REF)] == ["VOE", "Provider"]
    assert (await f.find(REF, exclude=frozenset({"voe"}))).provider == "Luluvdo"
    with pytest.raises(HosterUnavailable, match="VOE: excluded"):
        await finder(MemoryCatalog([link("VOE")]), voe).find(REF, exclude=frozenset({"VOE"}))
    with pytest.raises(HosterUnavailable, match="no resolver"):
        await finder(MemoryCatalog([link("Mystery")]), voe).find(REF)


@pytest.mark.anyio
async def test_remembers_last_good_provider_per_show() -> None:
    voe = MemoryResolver("VOE", "voe", fail=HosterUnavailable("down"))
    vidoza = MemoryResolver("Vidoza", "vidoza")
    f = finder(MemoryCatalog([link("VOE"), link("Vidoza")]), voe, vidoza)
    await f.find(REF)
    voe.calls.clear()
    assert (await f.find(REF.with_language(DE))).provider == "Vidoza"
    assert voe.calls == []  # the show's last good hoster went first
    assert (await f.find(REF, preferred="VOE")).provider == "Vidoza" and voe.calls  # explicit preference wins


@pytest.mark.anyio
async def test_attempt_timeout_bounds_a_hanging_hoster() -> None:
    slow, vidoza = MemoryResolver("VOE", "voe", hang=True), MemoryResolver("Vidoza", "vidoza")
    f = finder(MemoryCatalog([link("VOE"), link("Vidoza")]), slow, vidoza, timeout=0.05)
    assert (await f.find(REF)).provider == "Vidoza"
    f2 = finder(MemoryCatalog([link("VOE")]), slow, timeout=0.05)
    with pytest.raises(HosterUnavailable, match="no answer within"):
        await f2.find(REF)
