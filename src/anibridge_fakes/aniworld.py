"""Fake AniWorld (aniworld.to, classic layout) serving the shared catalogue.

Routes: `/animes-alphabet`, `/animes`, `GET|POST /ajax/seriesSearch`, `POST /ajax/search`,
`/anime/stream/<slug>[/staffel-N[/episode-M]|/filme[/film-K]]`, `/redirect/<id>` (302 to the hoster embed),
`/neue-episoden`.

sites.md names `/neue-episoden` but not its markup; the fake uses the classic template's list style:
`div.newEpisodeList > div.row > a[href=/anime/stream/<slug>/staffel-N/episode-M]` holding
`strong` (series title), `span.listTag` ("S01 E05"), one `img.flag[data-lang-key]` per language and
`span.elementFloatRight` (date `dd.mm.yyyy`).

Faults: `challenge` → DDoS-Guard 403 page (and a 200 captcha body without redirect on `/redirect/`);
`layout_changed` → renamed classes/attributes/paths the parsers do not know.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import parse_qs

from anibridge.domain.catalog.identity import Site
from anibridge_fakes import classic
from anibridge_fakes.catalogue import Catalogue, Show
from anibridge_fakes.http import Request, Response
from anibridge_fakes.index_gen import generate_index
from anibridge_fakes.sitekit import EmbedUrl, SiteApp, esc, page

SITE = Site.ANIWORLD
STREAM = "anime/stream"

DDOS_GUARD_PAGE = page(
    "DDoS-Guard",
    '<div id="ddg-challenge"><h1>Checking your browser before accessing aniworld.to</h1>'
    '<p>DDoS protection by DDoS-Guard</p><script src="/.well-known/ddos-guard/check?context=free_splash"></script></div>',
)
CAPTCHA_PAGE = page(
    "Captcha",
    '<div class="captcha-container"><h2>Bitte bestätige, dass du kein Roboter bist</h2>'
    '<form class="captcha-form" method="post"><div class="g-recaptcha" data-sitekey="fake"></div>'
    '<button type="submit">Weiter</button></form></div>',
)


class AniWorldApp(SiteApp):
    layout_renames = (
        ("data-lang-key", "data-language"), ("data-link-target", "data-href"), ("episodeLink", "streamLink"),
        ("seasonEpisodesList", "episodeGrid"), ("changeLanguageBox", "langSwitch"), ("hosterSiteVideo", "playerBox"),
        ("seriesContainer", "catalogList"), ("/anime/stream/", "/anime/watch/"), ("<h4>", "<h5>"), ("</h4>", "</h5>"),
        ("data-alternative-title", "data-aliases"), ("episodeGermanTitle", "titleDe"), ("season0", "specials"),
    )

    def __init__(self, catalogue: Catalogue, embed_url: EmbedUrl, big_index: bool = False) -> None:
        super().__init__("aniworld")
        self.protection.site_host = "aniworld.to"
        self.catalogue = catalogue
        self.embed_url = embed_url
        self.big_index = big_index
        self._register()

    def challenge_page(self, request: Request) -> Response | None:
        if request.path.startswith("/redirect/"):
            return Response.html(CAPTCHA_PAGE)
        return Response.html(DDOS_GUARD_PAGE, status=403)

    def _show(self, request: Request) -> Show | None:
        return self.catalogue.by_slug(SITE, request.params["slug"])

    def _base(self, show: Show) -> str:
        return f"/{STREAM}/{show.slugs[SITE]}"

    def _register(self) -> None:
        slug = r"/anime/stream/(?P<slug>[^/?#]+)"
        self.route(r"/animes-alphabet")(self.alphabet)
        self.route(r"/animes")(self.genres)
        self.route(r"/ajax/seriesSearch", methods="GET,POST")(self.series_search)
        self.route(r"/ajax/search", methods="POST")(self.legacy_search)
        self.route(slug + r"/?")(self.series)
        self.route(slug + r"/staffel-(?P<season>\d+)/?")(self.season)
        self.route(slug + r"/filme/?")(self.films)
        self.route(slug + r"/staffel-(?P<season>\d+)/episode-(?P<episode>\d+)/?")(self.episode)
        self.route(slug + r"/filme/film-(?P<episode>\d+)/?")(self.film)
        self.route(r"/redirect/(?P<link>\d+)")(self.redirect)
        self.route(r"/neue-episoden")(self.new_episodes)

    # -- index and search -------------------------------------------------------------------------------------
    def index_entries(self) -> list[tuple[str, str, tuple[str, ...]]]:
        entries = [(s.slugs[SITE], s.title, (s.title_de, *s.alt_titles) if s.title_de != s.title else s.alt_titles)
                   for s in self.catalogue.on(SITE)]
        if self.big_index:
            entries += [(e.slug, e.title, e.alt_titles) for e in generate_index()]
        return entries

    def alphabet(self, request: Request) -> Response:
        body = classic.alphabet(self.index_entries(), STREAM)
        return Response.html(page("Animes von A-Z | AniWorld.to", body))

    def genres(self, request: Request) -> Response:
        """`/animes`: genre groups; a show appears under each of its genres (clients dedupe by slug)."""
        parts = ['<div id="seriesContainer">']
        for genre, kinds in (("Action", ("anime",)), ("Abenteuer", ("anime",)), ("Drama", ("anime", "series"))):
            shows = [s for s in self.catalogue.on(SITE) if s.kind in kinds and (genre != "Abenteuer" or s.year % 2)]
            parts.append(f'<div class="genre"><div class="seriesGenreList"><h3>{genre}</h3></div><ul>')
            parts += [f'<li><a data-alternative-title="{esc(", ".join(s.alt_titles))}" href="/{STREAM}/{s.slugs[SITE]}" '
                      f'title="{esc(s.title)} Stream anschauen">{esc(s.title)}</a></li>' for s in shows]
            parts.append("</ul></div>")
        parts.append("</div>")
        return Response.html(page("Alle Animes | AniWorld.to", "\n".join(parts)))

    def _matches(self, keyword: str) -> list[Show]:
        words = keyword.lower().split()
        hits = []
        for show in self.catalogue.on(SITE):
            hay = " ".join((show.title, show.title_de, *show.alt_titles)).lower()
            if words and all(w in hay for w in words):
                hits.append(show)
        return hits

    @staticmethod
    def _keyword(request: Request) -> str:
        if request.method == "POST":
            form = parse_qs(request.body.decode(errors="replace"))
            return (form.get("keyword") or [""])[0]
        return request.query.get("keyword", "")

    def series_search(self, request: Request) -> Response:
        out = []
        for s in self._matches(self._keyword(request)):
            years = f"({s.year} - {s.end_year})" if s.end_year else f"({s.year})"
            out.append({"name": s.title, "link": s.slugs[SITE], "description": s.overview,
                        "cover": f"/public/img/cover/{s.slugs[SITE]}-stream-cover-abc_150x225.jpg",
                        "productionYear": years})
        return Response.json(json.dumps(out))

    def legacy_search(self, request: Request) -> Response:
        out = []
        keyword = self._keyword(request)
        for s in self._matches(keyword):
            out.append({"title": f"<em>{esc(s.title)}</em>", "description": s.overview, "link": self._base(s)})
            first = s.episode(1, 1)
            if first:
                out.append({"title": f"{esc(s.title)} Folge 1", "description": "",
                            "link": f"{self._base(s)}/staffel-1/episode-1"})
        return Response.json(json.dumps(out))

    # -- series, seasons, episodes ----------------------------------------------------------------------------
    def _page(self, show: Show, title: str, body: str) -> Response:
        return Response.html(page(f"{title} | AniWorld.to", body))

    def series(self, request: Request) -> Response:
        show = self._show(request)
        if show is None:
            return Response.not_found()
        first = show.numbered_seasons[0] if show.numbered_seasons else 0
        return self._page(show, show.title, classic.series_page(show, self._base(show), show.title, first))

    def season(self, request: Request) -> Response:
        show = self._show(request)
        season = int(request.params["season"])
        if show is None or season not in show.numbered_seasons:
            return Response.not_found()
        return self._page(show, f"{show.title} Staffel {season}", classic.series_page(show, self._base(show), show.title, season))

    def films(self, request: Request) -> Response:
        show = self._show(request)
        if show is None or not show.specials:
            return Response.not_found()
        return self._page(show, f"{show.title} Filme", classic.series_page(show, self._base(show), show.title, 0))

    def _episode(self, request: Request, season: int) -> Response:
        show = self._show(request)
        ep = show.episode(season, int(request.params["episode"])) if show else None
        if show is None or ep is None:
            return Response.not_found()
        body = classic.episode_page(show, self._base(show), show.title, ep, classic.ANIWORLD_KEYS)
        return self._page(show, f"{show.title} {ep.title_de}", body)

    def episode(self, request: Request) -> Response:
        season = int(request.params["season"])
        return self._episode(request, season) if season > 0 else Response.not_found()

    def film(self, request: Request) -> Response:
        return self._episode(request, 0)

    def redirect(self, request: Request) -> Response:
        offer = self.catalogue.offers_by_link.get(int(request.params["link"]))
        if offer is None:
            return Response.not_found()
        return Response.redirect(self.embed_url(offer.provider, offer.video_id, offer.kind))

    def new_episodes(self, request: Request) -> Response:
        """The newest episode of each show on the site, newest first, dated relative to today."""
        rows = []
        today = date.today()
        shows = [s for s in self.catalogue.on(SITE) if s.numbered_seasons]
        shows.sort(key=lambda s: (s.status != "continuing", -s.year))
        for age, show in enumerate(shows):
            last = show.numbered_seasons[-1]
            ep = show.seasons[last][-1]
            flags = "".join(f'<img class="flag" data-lang-key="{classic.ANIWORLD_KEYS[lang]}" src="{classic.flag(lang)[0]}" '
                            f'title="{classic.flag(lang)[1]}">' for lang in ep.languages)
            when = (today - timedelta(days=age)).strftime("%d.%m.%Y")
            rows.append(f'<div class="row"><a href="{self._base(show)}/staffel-{last}/episode-{ep.number}">'
                        f'<strong>{esc(show.title)}</strong> <span class="listTag bigListTag blue2">S{last:02d} E{ep.number:02d}</span>'
                        f'{flags}<span class="elementFloatRight">{when}</span></a></div>')
        body = '<div class="newEpisodeList"><div class="col-md-12">\n' + "\n".join(rows) + "\n</div></div>"
        return Response.html(page("Neue Episoden | AniWorld.to", body))
