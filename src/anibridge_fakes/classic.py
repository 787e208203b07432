"""HTML of the "classic" template family (AniWorld today, s.to before 2026-01), tag for tag as the sites serve it.

One renderer serves both sites: they differ only in the stream path (`anime/stream` vs `serie/stream`) and in
what the numeric language keys mean (AniWorld 2 = English Sub, classic s.to 2 = English Dub).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from anibridge.domain.catalog.identity import Language
from anibridge_fakes.catalogue import Episode, Show
from anibridge_fakes.sitekit import esc

ANIWORLD_KEYS: dict[Language, int] = {
    Language.GERMAN_DUB: 1, Language.ENGLISH_SUB: 2, Language.GERMAN_SUB: 3, Language.ENGLISH_DUB: 4,
}
STO_CLASSIC_KEYS: dict[Language, int] = {Language.GERMAN_DUB: 1, Language.ENGLISH_DUB: 2, Language.GERMAN_SUB: 3}
_FLAGS: dict[Language, tuple[str, str]] = {
    Language.GERMAN_DUB: ("/public/img/german.svg", "Deutsch"),
    Language.ENGLISH_SUB: ("/public/img/japanese-english.svg", "mit Untertitel Englisch"),
    Language.GERMAN_SUB: ("/public/img/japanese-german.svg", "mit Untertitel Deutsch"),
    Language.ENGLISH_DUB: ("/public/img/english.svg", "Englisch"),
}


def alphabet(entries: Iterable[tuple[str, str, tuple[str, ...]]], stream_path: str) -> str:
    """`div#seriesContainer` with one `div.genre` per first letter; entries = (slug, title, alt titles)."""
    groups: dict[str, list[str]] = {}
    for slug, title, alts in sorted(entries, key=lambda e: e[1].lower()):
        letter = title[:1].upper() if title[:1].isalpha() else "#"
        alt_attr = f' data-alternative-title="{esc(", ".join(alts))}"' if alts else ""
        groups.setdefault(letter, []).append(
            f'<li><a{alt_attr} href="/{stream_path}/{esc(slug)}" title="{esc(title)} Stream anschauen">{esc(title)}</a></li>'
        )
    parts = ['<div id="seriesContainer">']
    for letter in sorted(groups):
        parts.append(f'<div class="genre"><div class="seriesGenreList"><h3>{esc(letter)}</h3></div><ul>')
        parts.extend(groups[letter])
        parts.append("</ul></div>")
    parts.append("</div>")
    return "\n".join(parts)


def _years(show: Show) -> str:
    end = (f' - <span itemprop="endDate"><a href="/animes/jahr/{show.end_year}">{show.end_year}</a></span>'
           if show.end_year else " - Heute")
    return f'<small>(<span itemprop="startDate"><a href="/animes/jahr/{show.year}">{show.year}</a></span>{end})</small>'


def _nav(show: Show, base: str, current_season: int, episodes: tuple[Episode, ...]) -> str:
    seasons = ['<ul>', "<li><span><strong>Staffeln:</strong></span></li>"]
    if show.specials:
        active = ' class="active"' if current_season == 0 else ""
        seasons.append(f'<li><a{active} href="{base}/filme" title="Alle Filme">Filme</a></li>')
    for n in show.numbered_seasons:
        active = ' class="active"' if n == current_season else ""
        seasons.append(f'<li><a{active} href="{base}/staffel-{n}" title="Staffel {n}">{n}</a></li>')
    seasons.append("</ul>")
    eps = ["<ul>", "<li><span><strong>Episoden:</strong></span></li>"]
    for ep in episodes:
        eps.append(f'<li><a href="{_ep_href(base, ep)}" data-episode-id="{ep.episode_id}" data-season-id="{ep.season}" '
                   f'title="{_ep_label(ep)}">{ep.number}</a></li>')
    eps.append("</ul>")
    return f'<div class="hosterSiteDirectNav" id="stream">\n{"".join(seasons)}\n{"".join(eps)}\n</div>'


def _ep_href(base: str, ep: Episode) -> str:
    return f"{base}/filme/film-{ep.number}" if ep.season == 0 else f"{base}/staffel-{ep.season}/episode-{ep.number}"


def _ep_label(ep: Episode) -> str:
    return f"Film {ep.number}" if ep.season == 0 else f"Staffel {ep.season} Episode {ep.number}"


def english_title(show: Show, ep: Episode) -> str:
    if show.absolute_in_titles and ep.absolute is not None:
        return f"{ep.title_en} [Episode {ep.absolute:03d}]"
    return ep.title_en


def _header(show: Show, title: str) -> str:
    imdb = (f'<a class="imdb-link" data-imdb="{esc(show.imdb_id)}" href="https://www.imdb.com/title/{esc(show.imdb_id)}">IMDB</a>'
            if show.imdb_id else "")
    seasons = len(show.numbered_seasons)
    return f"""<div class="series-title">
  <h1 itemprop="name" title="Animes Stream: {esc(title)}" data-alternativetitles="{esc(", ".join(show.alt_titles))}"><span>{esc(title)}</span></h1>
  {_years(show)}
  <div class="fsk fsk12" data-fsk="12">Ab: <span>12</span></div>
  {imdb}
</div>
<div class="seriesCoverBox"><img data-src="/public/img/cover/{esc(show.key)}-stream-cover_220x330.jpg" src="data:image/gif;base64,R0lGOD" alt="{esc(title)}"></div>
<p class="seri_des" data-full-description="{esc(show.overview)}">{esc(show.overview[:60])}…</p>
<div class="genres"><ul data-main-genre="{esc(show.kind)}">
  <li><a class="genreButton clearbutton" itemprop="genre" href="/genre/{esc(show.kind)}">{esc(show.kind.title())}</a></li>
</ul></div>
<meta itemprop="numberOfSeasons" content="{seasons}">"""


def _table(show: Show, base: str, season: int, episodes: tuple[Episode, ...]) -> str:
    rows = []
    for ep in episodes:
        href = _ep_href(base, ep)
        number = (f'<meta itemprop="episodeNumber" content="{ep.number}"><a itemprop="url" href="{href}"> '
                  f'{"Film" if season == 0 else "Folge"} {ep.number} </a>')
        icons = "".join(f'<i class="icon {esc(p)}" title="{esc(p)}"></i>' for p in dict.fromkeys(o.provider for o in ep.offers))
        legend = "".join(f'<img class="flag" src="{src}" title="{label}">' for src, label in list(_FLAGS.values())[:3])
        rows.append(
            f'<tr data-episode-id="{ep.episode_id}" data-episode-season-id="{ep.number}" itemprop="episode" itemscope '
            f'itemtype="http://schema.org/Episode">\n'
            f'  <td class="season{season}EpisodeID">{number}</td>\n'
            f'  <td class="seasonEpisodeTitle"><a href="{href}"><strong>{esc(ep.title_de)}</strong> - '
            f'<span>{esc(english_title(show, ep))}</span></a></td>\n'
            f'  <td><a href="{href}">{icons}</a></td>\n'
            f'  <td class="editFunctions"><a href="{href}">{legend}</a></td>\n</tr>'
        )
    return f'<table class="seasonEpisodesList"><tbody id="season{season}">\n' + "\n".join(rows) + "\n</tbody></table>"


def series_page(show: Show, base: str, title: str, season: int) -> str:
    """Series page (season = the first numbered season) and season pages (`/staffel-N`, `/filme` = 0)."""
    episodes = show.seasons.get(season, ())
    return "\n".join([_header(show, title), _nav(show, base, season, episodes), _table(show, base, season, episodes)])


def episode_page(show: Show, base: str, title: str, ep: Episode, keys: Mapping[Language, int]) -> str:
    """Language box + one `li[data-lang-key][data-link-target]` per (hoster, language) offer."""
    offers = [o for o in ep.offers if o.language in keys]
    languages = list(dict.fromkeys(o.language for o in offers))
    imgs = "\n".join(
        f'    <img data-lang-key="{keys[lang]}" src="{_FLAGS[lang][0]}" title="{_FLAGS[lang][1]}" alt="{_FLAGS[lang][1]}, Sprache">'
        for lang in languages
    )
    first = languages[0] if languages else None
    items = []
    for o in offers:
        hidden = "" if o.language is first else ' style="display: none;"'
        items.append(
            f'    <li class="col-md-3 col-xs-12 col-sm-6 episodeLink{o.link_id}" data-lang-key="{keys[o.language]}" '
            f'data-link-id="{o.link_id}" data-link-target="/redirect/{o.link_id}" data-external-embed="false"{hidden}>\n'
            f'      <div class="generateInlinePlayer"><a class="watchEpisode" itemprop="url" href="/redirect/{o.link_id}" '
            f'target="_blank"><i class="icon {esc(o.provider)}" title="Hoster {esc(o.provider)}"></i><h4>{esc(o.provider)}</h4>'
            f'<div class="hosterSiteVideoButton">Video öffnen</div></a></div>\n    </li>'
        )
    inline = f'<div class="inSiteWebStream"><iframe src="/redirect/{offers[0].link_id}"></iframe></div>' if offers else ""
    siblings = show.seasons.get(ep.season, ())
    return f"""{_header(show, title)}
{_nav(show, base, ep.season, siblings)}
<div class="hosterSiteTitle" data-season="{ep.season}">
  <h2><span class="episodeGermanTitle">{esc(ep.title_de)}</span>
      <small class="episodeEnglishTitle">{esc(english_title(show, ep))}</small></h2>
  <p class="descriptionSpoiler" itemprop="description">{esc(ep.title_en)}: {esc(show.overview)}</p>
</div>
<div class="hosterSiteVideo">
  <div class="changeLanguageBox">
{imgs}
  </div>
  <ul class="row">
{chr(10).join(items)}
  </ul>
</div>
{inline}"""


def flag(lang: Language) -> tuple[str, str]:
    return _FLAGS[lang]
