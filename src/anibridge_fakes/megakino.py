"""Fake Megakino (DataLife Engine) like the real site: cookie gate, mirrors.txt, sitemaps, movie and season posts.

Ungated: `/mirrors.txt`, `/sitemap.xml` (a `sitemapindex` over `/sitemaps/<part>.xml` children by default;
`app.sitemap_index = False` serves the flat `urlset`), `/index.php?yg=token` (sets the session cookie).
Everything else answers with the ~230-byte JS stub until the cookie is sent: posts
`/<category>/<id>-<slug>.html` (films: `.tabs-block__content iframe[data-src]`; series seasons:
`select.se-select` + `select#epN.mr-select`, emitted in reverse order so parsers must pair by id),
listings `/films/`, `/serials/`, search `/index.php?do=search&subaction=search&story=`.

Faults: `challenge` → the stub even with the cookie (gate never opens); `moved_to` → 301 everywhere except
mirrors.txt, which then lists the new base; `layout_changed` → renamed markup.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from anibridge_fakes.catalogue import Catalogue, Episode, Show
from anibridge_fakes.http import Request, Response
from anibridge_fakes.sitekit import EmbedUrl, SiteApp, esc, page

COOKIE = "dle_yg_token"
_UNGATED = ("/mirrors.txt", "/sitemap.xml")
_SITEMAP_PARTS = ("films", "serials", "other")


def _hoster_label(provider: str) -> str:
    return "Voe" if provider == "VOE" else provider


class MegakinoApp(SiteApp):
    moved_exempt = ("/mirrors.txt",)
    layout_renames = (
        ("data-src", "data-lazy"), ("mr-select", "host-select"), ("se-select", "episode-select"),
        ("tabs-block__content", "player-tab"), ("pmovie__player", "film-player"),
    )

    def __init__(self, catalogue: Catalogue, embed_url: EmbedUrl, name: str = "megakino") -> None:
        super().__init__(name)
        self.protection.site_host = "megakino.to"
        self.catalogue = catalogue
        self.embed_url = embed_url
        self.sitemap_index = True
        self.extra_mirrors: list[str] = []
        self._tokens: set[str] = set()
        self.route(r"/mirrors.txt")(self.mirrors)
        self.route(r"/sitemap.xml")(self.sitemap)
        self.route(r"/sitemaps/(?P<part>[a-z]+)\.xml")(self.sitemap_part)
        self.route(r"/index.php", methods="GET,POST")(self.index_php)
        self.route(r"/")(self.home)
        self.route(r"/(?P<category>[a-z]+)/")(self.listing)
        self.route(r"/(?P<category>[a-z]+)/(?P<id>\d+)-(?P<slug>[^/?#]+)\.html")(self.post)

    # -- gate -------------------------------------------------------------------------------------------------
    def _gated(self, request: Request) -> bool:
        if request.path in _UNGATED or request.path.startswith("/sitemaps/"):
            return False
        return not (request.path == "/index.php" and request.query.get("yg") == "token")

    def challenge_page(self, request: Request) -> Response | None:
        return self._stub(request) if self._gated(request) else None

    def dispatch(self, request: Request) -> Response:
        if not self.faults.moved_to and self._gated(request) and request.cookie(COOKIE) not in self._tokens:
            self.hits.append(request.path)
            return self._stub(request)
        return super().dispatch(request)

    @staticmethod
    def _stub(request: Request) -> Response:
        target = request.path + ("?" + "&".join(f"{k}={v}" for k, v in request.query.items()) if request.query else "")
        return Response.html(
            "<html><head><script>fetch('/index.php?yg=token', {credentials:'include'})"
            f".then(function(){{ location.replace('{esc(target)}') }})"
            ".catch(function(){ location.reload() })</script></head><body></body></html>"
        )

    def index_php(self, request: Request) -> Response:
        if request.query.get("yg") == "token":
            token = secrets.token_hex(16)
            self._tokens.add(token)
            return Response(200, b"ok", headers={"Set-Cookie": f"{COOKIE}={token}; path=/; HttpOnly"}, content_type="text/plain")
        if request.query.get("do") == "search":
            words = request.query.get("story", "").lower().split()
            hits = [s for s in self._shows() if words and all(w in f"{s.title} {' '.join(s.alt_titles)}".lower() for w in words)]
            return self._html("Suche", self._cards(hits))
        return self.home(request)

    # -- discovery ----------------------------------------------------------------------------------------------
    def mirrors(self, request: Request) -> Response:
        lines = ["# Megakino – aktuelle Domains", self.faults.moved_to or request.base_url, *self.extra_mirrors]
        return Response(200, ("\n".join(lines) + "\n").encode(), content_type="text/plain; charset=utf-8")

    def _shows(self) -> list[Show]:
        return [s for s in self.catalogue.shows if s.megakino_posts()]

    def _entries(self, part: str | None) -> list[tuple[str, date]]:
        out = []
        for show in self._shows():
            category = show.megakino_category
            bucket = category if category in ("films", "serials") else "other"
            if part is not None and bucket != part:
                continue
            for post_id, slug, season in show.megakino_posts():
                out.append((f"/{category}/{post_id}-{slug}.html", date(show.year, 6, 1) + timedelta(days=40 * season)))
        return out

    def _urlset(self, base: str, part: str | None) -> Response:
        urls = "\n".join(f"  <url><loc>{base}{esc(path)}</loc><lastmod>{when.isoformat()}</lastmod></url>"
                         for path, when in self._entries(part))
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               f"{urls}\n</urlset>\n")
        return Response(200, xml.encode(), content_type="application/xml; charset=utf-8")

    def sitemap(self, request: Request) -> Response:
        if not self.sitemap_index:
            return self._urlset(request.base_url, None)
        items = "\n".join(f"  <sitemap><loc>{request.base_url}/sitemaps/{part}.xml</loc><lastmod>2026-11-01T10:00:00+01:00</lastmod></sitemap>"
                          for part in _SITEMAP_PARTS)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               f"{items}\n</sitemapindex>\n")
        return Response(200, xml.encode(), content_type="application/xml; charset=utf-8")

    def sitemap_part(self, request: Request) -> Response:
        part = request.params["part"]
        return self._urlset(request.base_url, part) if part in _SITEMAP_PARTS else Response.not_found()

    # -- pages ------------------------------------------------------------------------------------------------
    def _html(self, title: str, body: str) -> Response:
        return Response.html(page(f"{title} » Megakino", body))

    def _cards(self, shows: list[Show]) -> str:
        cards = []
        for show in shows:
            for post_id, slug, season in show.megakino_posts():
                label = f"{show.title} - {season}. Staffel" if season else show.title
                cards.append(
                    f'<a class="poster grid-item" href="/{show.megakino_category}/{post_id}-{slug}.html">'
                    f'<div class="poster__img"><img data-src="/uploads/posts/{post_id}.webp" src="/templates/img/blank.gif" alt="{esc(label)}"></div>'
                    f'<div class="poster__label">HD</div><div class="poster__rating">7.{post_id % 10}</div>'
                    f'<h3 class="poster__title">{esc(label)}</h3><ul class="poster__subtitle">'
                    f"<li>USA, {show.year}</li><li>{'Serien' if season else 'Filme'} / Action</li></ul></a>")
        return '<div class="grid">' + "\n".join(cards) + "</div>"

    def home(self, request: Request) -> Response:
        return self._html("Megakino", self._cards(self._shows()))

    def listing(self, request: Request) -> Response:
        shows = [s for s in self._shows() if s.megakino_category == request.params["category"]]
        return self._html(request.params["category"].title(), self._cards(shows)) if shows else Response.not_found()

    def post(self, request: Request) -> Response:
        post_id, slug = int(request.params["id"]), request.params["slug"]
        for show in self._shows():
            for pid, pslug, season in show.megakino_posts():
                if pid == post_id and pslug == slug and show.megakino_category == request.params["category"]:
                    return self._html(show.title, self._post(request, show, pid, pslug, season))
        return Response.not_found()

    def _post(self, request: Request, show: Show, post_id: int, slug: str, season: int) -> str:
        heading = f"{show.title} - {season}. Staffel" if season else show.title
        alt = esc(show.alt_titles[0]) if show.alt_titles else esc(show.title)
        meta = f"""<link rel="canonical" href="{request.base_url}/{show.megakino_category}/{post_id}-{slug}.html">
<meta property="og:image" content="/uploads/posts/{post_id}.webp">
<article class="pmovie"><input type="hidden" id="post_id" name="post_id" value="{post_id}">
<h1>{esc(heading)}</h1><meta itemprop="name" content="{esc(heading)}">
<div class="pmovie__original-title" itemprop="alternativeHeadline">{alt}</div>
<div class="pmovie__year">USA, {show.year}, 120 min</div>
<div class="pmovie__genres" itemprop="genre">{'Serien' if season else 'Filme'} / Action / Drama</div>
<div class="pmovie__poster"><img data-src="/uploads/posts/{post_id}.webp" src="/templates/img/blank.gif" alt=""></div>
<div class="pmovie__subrating pmovie__subrating--kp">7.{post_id % 10}</div>
<div class="page__text" itemprop="description">{esc(show.overview)}</div>
<div class="pmovie__trailer"><iframe src="https://www.youtube.com/embed/trailer{post_id}" allowfullscreen></iframe></div>"""
        if season == 0:
            return meta + "\n" + self._movie_player(show.seasons[0][0]) + "\n</article>"
        return meta + "\n" + self._season_selects(show.seasons.get(season, ())) + "\n</article>"

    def _movie_player(self, ep: Episode) -> str:
        tabs = "".join(f"<span>{esc(_hoster_label(o.provider))}</span>" for o in ep.offers)
        contents = "\n".join(
            f'  <div class="tabs-block__content{" d-none" if i else ""}"><iframe data-src="{esc(self.embed_url(o.provider, o.video_id, o.kind))}" '
            f'src="about:blank" allowfullscreen></iframe></div>' for i, o in enumerate(ep.offers))
        return f'<div class="pmovie__player tabs-block">\n  <div class="tabs-block__select">{tabs}</div>\n{contents}\n</div>'

    def _season_selects(self, episodes: tuple[Episode, ...]) -> str:
        options = "".join(f'<option value="ep{ep.number}">Episode {ep.number}</option>' for ep in episodes)
        selects = []
        for ep in reversed(episodes):
            opts = "".join(f'<option value="{esc(self.embed_url(o.provider, o.video_id, o.kind))}">{esc(_hoster_label(o.provider))}</option>'
                           for o in ep.offers)
            style = "" if ep.number == 1 else ' style="display:none"'
            selects.append(f'<select id="ep{ep.number}" class="mr-select"{style}>{opts}</select>')
        return (f'<div class="pmovie__series-select"><select class="se-select">{options}</select>\n'
                + "\n".join(selects) + "</div>")
