"""Parsers against the hand-written skeletons of sites.md (independent of the fakes' own rendering)."""

from __future__ import annotations

from anibridge.adapters.sites import classic, v2
from anibridge.adapters.sites import megakino_pages as megakino
from anibridge.adapters.sites.aniworld import SLUG_IN_HREF as AW_SLUG
from anibridge.adapters.sites.html import parse
from anibridge.adapters.sites.http import looks_like_challenge
from anibridge.adapters.sites.megakino_domain import is_cookie_gate, is_sitemap, parse_mirrors
from anibridge.adapters.sites.sto import SLUG_IN_HREF as STO_SLUG
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)

AW_INDEX = """<div id="seriesContainer"><div class="genre"><div class="seriesGenreList"><h3>A</h3></div><ul>
<li><a data-alternative-title="Alt One, 'Alt Two'" href="/anime/stream/some-slug" title="Some Title Stream anschauen"> Some Title</a></li>
<li><a href="/anime/stream/other-slug" title="Other Stream anschauen">Other &#039;s</a></li>
<li><a href="/anime/stream/other-slug/staffel-1">Staffel 1</a></li>
</ul></div></div>"""

AW_SERIES = """<div class="series-title">
  <h1 itemprop="name" data-alternativetitles="Alt A, Alt B"><span>Some Title</span></h1>
  <small>(<span itemprop="startDate"><a href="/animes/jahr/2018">2018</a></span> -
         <span itemprop="endDate"><a href="/animes/jahr/2023">2023</a></span>)</small>
  <a class="imdb-link" data-imdb="tt0000000" href="https://www.imdb.com/title/tt0000000">IMDB</a></div>
<div class="hosterSiteDirectNav" id="stream">
  <ul><li><span><strong>Staffeln:</strong></span></li>
    <li><a href="/anime/stream/some-slug/filme" title="Alle Filme">Filme</a></li>
    <li><a class="active" href="/anime/stream/some-slug/staffel-1" title="Staffel 1">1</a></li>
    <li><a href="/anime/stream/some-slug/staffel-2" title="Staffel 2">2</a></li></ul>
  <ul><li><a href="/anime/stream/some-slug/staffel-1/episode-1" data-episode-id="2311" data-season-id="1">1</a></li></ul>
</div>
<table class="seasonEpisodesList"><tbody id="season1">
  <tr data-episode-id="2311" data-episode-season-id="1" itemprop="episode" itemscope itemtype="http://schema.org/Episode">
    <td class="season1EpisodeID"><meta itemprop="episodeNumber" content="1">
      <a itemprop="url" href="/anime/stream/some-slug/staffel-1/episode-1"> Folge 1 </a></td>
    <td class="seasonEpisodeTitle"><a href="/anime/stream/some-slug/staffel-1/episode-1">
      <strong>Deutscher Titel</strong> - <span>English Title [Episode 062]</span></a></td>
    <td class="editFunctions"><a href="#"><img class="flag" src="/public/img/german.svg" title="Deutsch/German"></a></td>
  </tr></tbody></table>"""

AW_EPISODE = """<div class="hosterSiteTitle" data-season="1"><h2><span class="episodeGermanTitle">Deutscher Titel</span>
  <small class="episodeEnglishTitle">English Title</small></h2></div>
<div class="hosterSiteVideo"><div class="changeLanguageBox">
    <img data-lang-key="1" src="/public/img/german.svg" title="Deutsch">
    <img data-lang-key="3" src="/public/img/japanese-german.svg" title="mit Untertitel Deutsch"></div>
  <ul class="row">
    <li class="col-md-3 col-xs-12 col-sm-6 episodeLink1001" data-lang-key="1" data-link-id="1001"
        data-link-target="/redirect/1001" data-external-embed="false"><div class="generateInlinePlayer">
        <a class="watchEpisode" itemprop="url" href="/redirect/1001" target="_blank"><i class="icon VOE" title="Hoster VOE"></i><h4>VOE</h4></a></div></li>
    <li class="col-md-3 col-xs-12 col-sm-6 episodeLink1002" data-lang-key="3" data-link-id="1002"
        data-link-target="/redirect/1002" data-external-embed="false" style="display: none;"><div>
        <a class="watchEpisode" itemprop="url" href="/redirect/1002" target="_blank"><h4>Filemoon</h4></a></div></li>
  </ul></div>"""

STO_INDEX = """<ul class="series-list small">
  <li class="series-item" data-search="breaking bad"><a href="/serie/breaking-bad">Breaking Bad</a></li>
  <li class="series-item" data-search="grey's anatomy - die jungen ärzte|greys anatomy">
    <a href="/serie/grey-s-anatomy-die-jungen-aerzte">Grey's Anatomy - Die jungen Ärzte</a></li></ul>"""

STO_SEASON = """<section class="episode-section"><table class="episode-table"><tbody>
  <tr class="text-uppercase"><th>#</th></tr>
  <tr class="episode-row" onclick="window.location='/serie/some-slug/staffel-2/episode-1'">
    <th scope="row" class="episode-number-cell">1</th>
    <td class="episode-title-cell"><strong class="episode-title-ger" title="Deutscher Titel">Deutscher Titel</strong>
      <span class="episode-title-eng" title="English Title"> English Title </span></td>
    <td class="episode-language-cell">
      <svg class="watch-language svg-flag-german"><use href="#icon-flag-german"></use></svg>
      <svg class="watch-language svg-flag-english-german"><use href="#icon-flag-english-german"></use></svg></td>
  </tr></tbody></table></section>"""

STO_EPISODE = """<article><h2 class="h4 mb-1">S01E01: Deutscher Titel (English Title)</h2></article>
<div id="episode-links" class="row">
  <button type="button" class="link-box" data-link-id="1" data-play-url="/r?t=TOKEN_A" data-auto-embed="1"
          data-provider-name="VOE" data-language-label="Deutsch" data-language-id="1"><span>VOE</span></button>
  <button type="button" class="link-box" data-link-id="2" data-play-url="/r?t=TOKEN_B" data-auto-embed="0"
          data-provider-name="Provider" data-language-label="Deutsch" data-language-id="1"><span>Anbieter</span></button>
  <button type="button" class="link-box" data-language-label="Ger-Sub" data-provider-name="Vidoza"
          data-play-url="/r?t=TOKEN_C"><span>Vidoza</span></button>
  <button type="button" class="link-box" data-play-url="/r?t=TOKEN_D" data-provider-name="Provider"
          data-language-label="Englisch" data-language-id="2"><span>Anbieter</span></button>
</div>"""

MK_MOVIE = """<div class="pmovie__trailer"><iframe src="https://www.youtube.com/embed/x"></iframe></div>
<div class="pmovie__player tabs-block">
  <div class="tabs-block__select"><span>Voe</span><span>GXPlayer</span><span>Speedfiles</span></div>
  <div class="tabs-block__content"><iframe data-src="https://voe.example/abc123"></iframe></div>
  <div class="tabs-block__content d-none"><iframe data-src="https://watch.gxplayer.example/embed/xyz"></iframe></div>
  <div class="tabs-block__content d-none"><iframe data-src="https://speedfiles.example/x"></iframe></div>
</div>"""

MK_SEASON = """<div class="pmovie__series-select"><select class="se-select">
  <option value="ep1">Episode 1</option><option value="ep2">Episode 2</option></select></div>
<select id="ep2" class="mr-select"><option value="https://voe.example/e/bbb">Voe</option></select>
<select id="ep1" class="mr-select"><option value="https://voe.example/e/aaa">Voe</option></select>"""


def test_classic_index_alternatives_and_entities() -> None:
    items = {i.slug: i for i in classic.parse_index(parse(AW_INDEX), AW_SLUG)}
    assert set(items) == {"some-slug", "other-slug"}
    assert items["some-slug"].title == "Some Title" and items["some-slug"].alt_titles == ("Alt One", "Alt Two")
    assert items["other-slug"].title == "Other 's"


def test_classic_series_and_season() -> None:
    doc = parse(AW_SERIES)
    page = classic.parse_series(doc)
    assert page is not None
    assert (page.title, page.alt_titles, page.seasons, page.year, page.imdb_id) == (
        "Some Title", ("Alt A", "Alt B"), (0, 1, 2), 2018, "tt0000000")
    [row] = classic.parse_season(doc, 1)
    assert (row.episode, row.title_de, row.title_en, row.languages) == (1, "Deutscher Titel", "English Title [Episode 062]", ())


def test_classic_episode_languages_and_hosters() -> None:
    page = classic.parse_episode(parse(AW_EPISODE), Site.ANIWORLD, "https://aniworld.example/anime/stream/x/staffel-1/episode-1")
    assert page.languages == (Language.GERMAN_DUB, Language.GERMAN_SUB)
    assert [(h.provider, h.language, h.url) for h in page.hosters] == [
        ("VOE", Language.GERMAN_DUB, "https://aniworld.example/redirect/1001"),
        ("Filemoon", Language.GERMAN_SUB, "https://aniworld.example/redirect/1002"),
    ]
    assert (page.title_de, page.title_en) == ("Deutscher Titel", "English Title")


def test_sto_v2_index_season_and_buttons() -> None:
    items = {i.slug: i for i in v2.parse_index(parse(STO_INDEX), STO_SLUG)}
    assert items["grey-s-anatomy-die-jungen-aerzte"].alt_titles == ("greys anatomy",)
    [row] = v2.parse_season(parse(STO_SEASON), 2)
    assert (row.season, row.episode, row.title_de, row.title_en) == (2, 1, "Deutscher Titel", "English Title")
    assert row.languages == (Language.GERMAN_DUB, Language.GERMAN_SUB)
    doc = parse(STO_EPISODE)
    links = v2.parse_play_buttons(doc, Site.STO, "https://serienstream.example/serie/x/staffel-1/episode-1")
    assert [(h.provider, h.language, h.url) for h in links] == [
        ("VOE", Language.GERMAN_DUB, "https://serienstream.example/r?t=TOKEN_A"),
        ("Vidoza", Language.GERMAN_SUB, "https://serienstream.example/r?t=TOKEN_C"),
    ]
    assert v2.button_languages(doc, Site.STO) == (Language.GERMAN_DUB, Language.GERMAN_SUB, Language.ENGLISH_DUB)
    assert v2.parse_episode_titles(doc) == ("Deutscher Titel", "English Title")


def test_megakino_movie_tabs_and_season_selects() -> None:
    pairs = megakino.movie_tabs(parse(MK_MOVIE))
    hosters = [h for n, u in pairs if (h := megakino.hoster(n, u)) is not None]
    assert [(h.provider, h.url) for h in hosters] == [
        ("VOE", "https://voe.example/e/abc123"), ("GXPlayer", "https://watch.gxplayer.example/embed/xyz")]
    doc = parse(MK_SEASON)
    assert megakino.episode_numbers(doc) == [1, 2]
    assert megakino.season_of("reacher-4-staffel") == 4 and megakino.season_of("the-penguin-staffel-2") == 2
    assert megakino.season_of("the-boys-3-stafffel") == 3 and megakino.slug_title("avengers-endgame") == "Avengers Endgame"


def test_megakino_discovery_helpers() -> None:
    assert parse_mirrors("# comment\nhttps://megakino.new/path\nmegakino.alt\n<b>x</b>\nnot a host\n") == [
        "https://megakino.new", "https://megakino.alt"]
    assert parse_mirrors("<!doctype html><html></html>") == []
    assert is_sitemap(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>')
    assert not is_sitemap(b"<html><body>urlset</body></html>")
    assert is_cookie_gate("<script>fetch('/index.php?yg=token', {credentials:'include'})</script>")


def test_challenge_markers() -> None:
    assert looks_like_challenge("<html><head><title>Just a moment...</title>")
    assert looks_like_challenge('<div class="cf-turnstile"></div><form class="captcha-form">')
    assert looks_like_challenge("<p>Stream wird vorbereitet</p> captcha")
    assert not looks_like_challenge(AW_EPISODE)


def test_a_page_without_any_element_parses_as_an_empty_document() -> None:
    # lxml refuses these with "Document is empty"; a site (or its gate) answering one must not crash a caller
    # that relies on parse() never raising (the account login, every catalogue page).
    for text in ("<!-- blocked -->", '<?xml version="1.0"?>', "\n<!---->\n"):
        assert parse(text).tag == "html" and len(parse(text)) == 0, text
