"""HTML of SerienStream's 2026 "v2" layout, tag for tag as the live site serves it (index, series, season, episode).

The calendar (`/serienkalender`) is known by its path only, not its markup: the markup here is an assumption
built from the documented pieces (v2 episode URLs, the season page's `svg-flag-*` language flags) plus the air
time each calendar entry shows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import quote

from anibridge.domain.catalog.identity import Language
from anibridge_fakes.catalogue import Episode, Offer, Show
from anibridge_fakes.sitekit import esc

STO_IDS: dict[Language, int] = {Language.GERMAN_DUB: 1, Language.ENGLISH_DUB: 2, Language.GERMAN_SUB: 3}
LABELS: dict[Language, str] = {Language.GERMAN_DUB: "Deutsch", Language.ENGLISH_DUB: "Englisch", Language.GERMAN_SUB: "Ger-Sub"}
FLAG_CLASS: dict[Language, str] = {
    Language.GERMAN_DUB: "german", Language.ENGLISH_DUB: "english", Language.GERMAN_SUB: "english-german",
}
_KEY = b"fake-serienstream-app-key"


def make_token(link_id: int) -> str:
    """A Laravel-encrypted-looking token (`{"iv","value","mac","tag"}` JSON, base64). Opaque to clients."""
    iv = base64.b64encode(hashlib.sha256(f"iv{link_id}".encode()).digest()[:16]).decode()
    value = base64.b64encode(f"{link_id}:{hashlib.md5(str(link_id).encode()).hexdigest()}".encode()).decode()
    mac = hmac.new(_KEY, (iv + value).encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(json.dumps({"iv": iv, "value": value, "mac": mac, "tag": ""}).encode()).decode()


def read_token(token: str) -> int | None:
    try:
        data = json.loads(base64.b64decode(token, validate=True))
        expected = hmac.new(_KEY, (data["iv"] + data["value"]).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, data["mac"]):
            return None
        return int(base64.b64decode(data["value"]).decode().split(":", 1)[0])
    except (ValueError, KeyError, TypeError):
        return None


def play_url(offer: Offer) -> str:
    return "/r?t=" + quote(make_token(offer.link_id), safe="")


def display_title(show: Show) -> str:
    return show.title_de


def search_string(show: Show) -> str:
    """`data-search`: lower-cased title plus alternative spellings, `|`-separated."""
    names = dict.fromkeys(n.lower() for n in (show.title_de, show.title, *show.alt_titles))
    return " | ".join(names)


def index(shows: list[Show], slug_of: dict[str, str], by_letter: bool) -> str:
    ordered = sorted(shows, key=lambda s: display_title(s).lower())
    groups: dict[str, list[Show]] = {}
    for show in ordered:
        first = display_title(show)[:1].upper()
        groups.setdefault(first if first.isalpha() else "0-9" if by_letter else "", []).append(show)
    if not by_letter:
        groups = {"": ordered}
    parts = ['<div class="container-fluid series-index">']
    for letter, members in sorted(groups.items()):
        if letter:
            parts.append(f'<h3 class="letter-heading h5 mt-4" id="letter-{esc(letter)}">{esc(letter)}</h3>')
        parts.append('<ul class="series-list small">')
        parts += [f'<li class="series-item" data-search="{esc(search_string(s))}">\n  '
                  f'<a href="/serie/{esc(slug_of[s.key])}">{esc(display_title(s))}</a></li>' for s in members]
        parts.append("</ul>")
    parts.append("</div>")
    return "\n".join(parts)


def _header(show: Show, heading_class: str, heading: str) -> str:
    imdb = f' · <a href="https://www.imdb.com/title/{esc(show.imdb_id)}/" target="_blank">IMDb</a>' if show.imdb_id else ""
    return f"""<div class="backdrop-picture"><img alt="Backdrop" data-src="/media/images/channel/desktop/{esc(show.key)}-bd?format=jpg" src="data:image/gif;base64,R0lGOD"></div>
<div class="show-header-wrapper"><div class="container-fluid">
  <img data-src="/media/images/channel/desktop/{esc(show.key)}-a1b2?format=jpg" src="data:image/gif;base64,R0lGOD" alt="{esc(display_title(show))}">
  <h1 class="{heading_class}">{heading}</h1>
  <p class="small text-muted"><a href="/jahr/{show.year}">{show.year}</a> · FSK 12{imdb}</p>
  <span class="description-text">{esc(show.overview)}</span>
  <ul class="list-unstyled">
    <li class="series-group"><strong class="me-1">Genre:</strong><a class="link-light" href="/genre/{esc(show.kind)}">{esc(show.kind.title())}</a></li>
    <li class="series-group"><strong class="me-1">Land:</strong><a class="link-light" href="/land/usa">USA</a><span class="extra-items d-none"><a class="link-light" href="/land/de">Deutschland</a></span></li>
  </ul>
</div></div>"""


def _season_nav(show: Show, slug: str, current: int | None) -> str:
    pills = []
    seasons = ([0] if show.specials else []) + show.numbered_seasons
    for n in seasons:
        active = " bg-primary" if n == current else ""
        label = "Filme" if n == 0 else str(n)
        pills.append(f'<li class="nav-item"><a class="alphabet-link nav-link{active}" data-season-pill="{n}" '
                      f'href="/serie/{esc(slug)}/staffel-{n}">{label}</a></li>')
    return '<nav id="season-nav"><ul class="nav nav-pills">' + "".join(pills) + "</ul></nav>"


def series(show: Show, slug: str) -> str:
    return _header(show, "h2 mb-1 fw-bold", esc(display_title(show))) + "\n" + _season_nav(show, slug, None)


def season(show: Show, slug: str, number: int) -> str:
    rows = ['<tr class="text-uppercase"><th>#</th><th>Titel</th><th>Stream</th><th>Sprache</th></tr>']
    nav = []
    for ep in show.seasons.get(number, ()):
        href = f"/serie/{slug}/staffel-{number}/episode-{ep.number}"
        logos = "".join(f'<img class="watch-link" src="/storage/providers/{esc(p.lower())}.svg" alt="{esc(p)}">'
                        for p in dict.fromkeys(o.provider for o in ep.offers if not o.placeholder))
        flags = "".join(f'<svg class="watch-language svg-flag-{FLAG_CLASS[lang]}"><use href="#icon-flag-{FLAG_CLASS[lang]}"></use></svg>'
                        for lang in ep.languages if lang in FLAG_CLASS)
        rows.append(
            f'<tr class="episode-row" onclick="window.location=\'{href}\'">\n'
            f'  <th scope="row" class="episode-number-cell">{ep.number}</th>\n'
            f'  <td class="episode-title-cell"><strong class="episode-title-ger" title="{esc(ep.title_de)}">{esc(ep.title_de)}</strong>\n'
            f'    <span class="episode-title-eng" title="{esc(ep.title_en)}"> {esc(ep.title_en)} </span></td>\n'
            f'  <td class="episode-watch-cell">{logos}</td>\n'
            f'  <td class="episode-language-cell">{flags}</td>\n</tr>'
        )
        nav.append(f'<li><a href="{href}">{ep.number}</a></li>')
    return (_header(show, "h2 mb-1 fw-bold", esc(display_title(show))) + "\n" + _season_nav(show, slug, number) + "\n"
            + '<section class="episode-section"><table class="episode-table"><tbody>\n' + "\n".join(rows)
            + "\n</tbody></table></section>\n" + '<nav id="episode-nav"><ul class="list-inline">' + "".join(nav) + "</ul></nav>")


def _button(offer: Offer) -> str:
    lang = offer.language
    common = (f'type="button" class="link-box btn btn-dark w-100 text-start gap-2" data-link-id="{offer.link_id}" '
              f'data-play-url="{play_url(offer)}"')
    flag = f'<svg class="watch-language small ms-auto"><use href="#icon-flag-{FLAG_CLASS[lang]}"></use></svg>'
    if offer.placeholder:
        inner = f'<button {common} data-auto-embed="0" data-provider-name="Provider" data-language-label="{LABELS[lang]}" ' \
                f'data-language-id="{STO_IDS[lang]}">\n      <span class="text-white ms-1">Anbieter</span>\n      {flag}\n    </button>'
    else:
        name = esc(offer.provider)
        inner = f'<button {common} data-auto-embed="1" data-provider-name="{name}" data-language-label="{LABELS[lang]}" ' \
                f'data-language-id="{STO_IDS[lang]}">\n      <img src="/storage/providers/{name.lower()}.svg" alt="{name}" ' \
                f'title="{name}" class="watch-link small">\n      <span class="text-white ms-1">{name}</span>\n      {flag}\n    </button>'
    return ('<div class="col-12 col-sm-6 col-md-6 col-lg-4 col-xxxl-3"><div class="link-wrapper position-relative">\n    '
            + inner + "</div></div>")


def episode(show: Show, slug: str, ep: Episode) -> str:
    offers = [o for o in ep.offers if o.language in STO_IDS]
    groups: dict[Language, list[Offer]] = {}
    for o in offers:
        groups.setdefault(o.language, []).append(o)
    links = ['<div id="episode-links" class="row">']
    for lang, members in groups.items():
        links.append(f'<div class="col-12"><h5 class="h6 mt-2 ms-1 text-muted">{LABELS[lang]}</h5></div>')
        links += [_button(o) for o in members]
    links.append("</div>")
    default = next((o for o in offers if not o.placeholder), offers[0] if offers else None)
    player = (f'<iframe id="player-iframe" name="player-iframe" src="{play_url(default)}" allowfullscreen></iframe>\n'
              f'<span id="player-meta-suffix">{LABELS[default.language]} {esc(default.provider)}</span>') if default else ""
    code = f"S{ep.season:02d}E{ep.number:02d}"
    article = (f'<article class="episode-article">\n<h2 class="h4 mb-1">{code}: {esc(ep.title_de)} ({esc(ep.title_en)})</h2>\n'
               f'{player}\n' + "\n".join(links) + "\n</article>")
    mount = (f'<script>window.__reactMountQueue = window.__reactMountQueue || []; window.__reactMountQueue.push('
             f'{{"component":"Comments","props":{{"seriesId":{show.tvdb_id or 0},"episodeId":{ep.episode_id}}}}});</script>')
    return _header(show, "h2 fw-bold mb-1", esc(display_title(show))) + "\n" + _season_nav(show, slug, ep.season) + "\n" + article + "\n" + mount


CalendarEntry = tuple[Show, str, int, Episode | None, int, datetime]  # show, href base, season, episode, number, airs


def calendar(entries: list[CalendarEntry]) -> str:
    """`/serienkalender`: one `li.calendar-entry` per episode under its day; upcoming ones carry no flags."""
    days: dict[str, list[str]] = {}
    for show, base, season_no, ep, number, airs in sorted(entries, key=lambda e: e[5], reverse=True):
        flags = "".join(f'<svg class="watch-language svg-flag-{FLAG_CLASS[lang]}"><use href="#icon-flag-{FLAG_CLASS[lang]}"></use></svg>'
                        for lang in (ep.languages if ep is not None else ()) if lang in FLAG_CLASS)
        days.setdefault(airs.strftime("%d.%m.%Y"), []).append(
            f'<li class="calendar-entry"><time datetime="{airs.isoformat(timespec="minutes")}">{airs:%H:%M}</time>'
            f'<a href="{base}/staffel-{season_no}/episode-{number}"><strong class="series-title">{esc(display_title(show))}</strong>'
            f' <span class="badge">S{season_no:02d}E{number:02d}</span></a>{flags}</li>'
        )
    sections = [f'<section class="calendar-day"><h3 class="h5">{day}</h3><ul class="list-unstyled">{"".join(items)}</ul></section>'
                for day, items in days.items()]
    return '<div class="container-fluid serienkalender"><h1 class="h3">Serienkalender</h1>' + "".join(sections) + "</div>"
