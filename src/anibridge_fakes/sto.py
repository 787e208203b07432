"""Fake SerienStream (s.to), v2 layout, plus classic-layout (pre-2026) pages for shows marked so.

v2 routes: `/serien[?by=alpha|genre]`, `/api/search/suggest?term=`, `/serie/<slug>[/staffel-N[/episode-M]]`
(`staffel-0` = films), `/r?t=<token>` → 302 to the hoster embed, or the Turnstile page for protected offers,
`/serienkalender` (each show's newest episode aired in the past days, plus upcoming episodes of continuing shows).
Classic routes: `/serien-alphabet`, `/serie/stream/<slug>[/staffel-N[/episode-M]|/filme[/film-K]]`,
`/redirect/<id>`. A classic show's v2 URLs answer 301 to its classic URLs and vice versa (half-migrated site).

Faults: `challenge` → `/r` answers with the Turnstile page; other pages with Cloudflare's "Just a moment"
403 interstitial. `layout_changed` → renamed markup.
Protections (all off by default): `app.gate` — the 2026 redirect gate with its tiers, bridge page, ALTCHA and
Turnstile (`anibridge_fakes.redirect_gate`); `app.protection` — DDoS-Guard front, bursts, 429, moved hosts
(`anibridge_fakes.gates`).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta

from anibridge.domain.catalog.identity import Site
from anibridge_fakes import classic, gate_scripts, redirect_gate, sto_pages, turnstile
from anibridge_fakes.catalogue import Catalogue, Show
from anibridge_fakes.http import Request, Response
from anibridge_fakes.redirect_gate import RedirectGate
from anibridge_fakes.sitekit import EmbedUrl, SiteApp, page

SITE = Site.STO

TURNSTILE_PAGE = page(
    "Stream wird vorbereitet | SerienStream (S.to)",
    '<div class="modal show" id="captcha-modal"><div class="modal-body">'
    "<p>Stream wird vorbereitet … bitte bestätige kurz, dass du ein Mensch bist (captcha).</p>"
    '<form class="captcha-form" method="post" action="/r/verify">'
    '<div class="cf-turnstile" data-sitekey="0x4AAAAAAAfake" data-callback="onTurnstile"></div>'
    '<button class="btn btn-primary" type="submit">Weiter</button></form></div></div>',
    head='<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>',
)
CLOUDFLARE_PAGE = page(
    "Just a moment...",
    '<div id="cf-wrapper"><h1>serienstream.to</h1><p>Checking if the site connection is secure</p>'
    '<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f00" data-cf="cf_chl_opt"></script></div>',
)


def _suggest_tokens(text: str) -> list[str]:
    """Suggest matching tokens: `/` and `'` join (9/11 → 911), other punctuation separates (9-1-1 → 9 1 1)."""
    return re.findall(r"\w+", re.sub(r"[/']", "", text.lower()))


class StoApp(SiteApp):
    layout_renames = (
        ("data-play-url", "data-stream"), ("data-provider-name", "data-host"), ("episode-row", "ep-line"),
        ("series-item", "show-entry"), ('href="/serie/', 'href="/show/'), ("window.location='/serie/", "window.location='/show/"),
        ("data-lang-key", "data-language"), ("data-alternative-title", "data-aliases"), ("episode-title-ger", "ep-de"),
    )

    def __init__(self, catalogue: Catalogue, embed_url: EmbedUrl) -> None:
        super().__init__("sto")
        self.catalogue = catalogue
        self.embed_url = embed_url
        self.gate = RedirectGate()  # the `/r?t=` redirect gate (tiers, bridge page, POST /r); off until switched on
        self.protection.site_host = "serienstream.to"
        self._register()

    def challenge_page(self, request: Request) -> Response | None:
        if request.path == "/r":
            return Response.html(TURNSTILE_PAGE)
        return Response.html(CLOUDFLARE_PAGE, status=403)

    def _register(self) -> None:
        slug = r"/serie/(?P<slug>[^/?#]+)"
        classic_slug = r"/serie/stream/(?P<slug>[^/?#]+)"
        self.route(r"/serien")(self.index)
        self.route(r"/serien-alphabet")(self.classic_index)
        self.route(r"/api/search/suggest")(self.suggest)
        self.route(r"/serienkalender")(self.calendar)
        self.route(classic_slug + r"(?P<rest>(/staffel-\d+(/episode-\d+)?|/filme(/film-\d+)?)?)/?")(self.classic_page)
        self.route(slug + r"/?")(self.series)
        self.route(slug + r"/staffel-(?P<season>\d+)/?")(self.season)
        self.route(slug + r"/staffel-(?P<season>\d+)/episode-(?P<episode>\d+)/?")(self.episode)
        self.route(r"/r")(self.play)
        self.route(r"/r", methods="POST")(self.submit)
        self.route(redirect_gate.VERIFY_INIT_PATH)(lambda r: self.gate.verify_init(r))
        self.route(turnstile.SCRIPT_PATH)(lambda r: self.gate.turnstile.script())
        self.route(turnstile.CHALLENGE_PATH)(lambda r: self.gate.turnstile_challenge(r))
        self.route(redirect_gate.GATE_JS_PATH)(lambda r: self.gate.gate_js())
        self.route(gate_scripts.ALTCHA_JS_PATH)(lambda r: self.gate.altcha_js())
        self.route(r"/login")(lambda r: self.gate.login_page(r))
        self.route(r"/login", methods="POST")(lambda r: self.gate.login(r))
        self.route(r"/account")(lambda r: self.gate.account_page(r))
        self.route(r"/redirect/(?P<link>\d+)")(self.classic_redirect)

    def _shows(self) -> list[Show]:
        return self.catalogue.on(SITE)

    def _html(self, title: str, body: str, canonical: str) -> Response:
        head = (f'<meta name="csrf-token" content="{secrets.token_hex(20)}">'
                f'<link rel="canonical" href="{canonical}">')
        return Response.html(page(f"{title} | SerienStream (S.to)", body, head=head))

    # -- index and search -------------------------------------------------------------------------------------
    def index(self, request: Request) -> Response:
        shows = self._shows()
        body = sto_pages.index(shows, {s.key: s.slugs[SITE] for s in shows}, request.query.get("by") == "alpha")
        return self._html("Alle Serien", body, "/serien")

    def classic_index(self, request: Request) -> Response:
        entries = [(s.slugs[SITE], sto_pages.display_title(s), tuple(a for a in (s.title, *s.alt_titles) if a != s.title_de))
                   for s in self._shows()]
        return Response.html(page("Serien von A-Z | S.to", classic.alphabet(entries, "serie/stream")))

    def suggest(self, request: Request) -> Response:
        term = _suggest_tokens(request.query.get("term", ""))
        shows = []
        for show in self._shows():
            names = [show.title_de, show.title, *show.alt_titles]
            if term and any(all(any(t.startswith(q) for t in _suggest_tokens(n)) for q in term) for n in names):
                shows.append({"name": sto_pages.display_title(show), "url": f"/serie/{show.slugs[SITE]}"})
        return Response.json(json.dumps({"shows": shows[:10], "people": [], "genres": []}))

    def calendar(self, request: Request) -> Response:
        """Newest episode of each show, one day apart going back from today; continuing shows' next one tomorrow."""
        today = datetime.now(UTC).replace(hour=20, minute=15, second=0, microsecond=0) - timedelta(days=1)
        shows = [s for s in self._shows() if s.numbered_seasons]
        shows.sort(key=lambda s: (s.status != "continuing", -s.year))
        entries: list[sto_pages.CalendarEntry] = []
        for age, show in enumerate(shows):
            slug = show.slugs[SITE]
            base = f"/serie/stream/{slug}" if show.sto_layout == "classic" else f"/serie/{slug}"
            last = show.numbered_seasons[-1]
            ep = show.seasons[last][-1]
            entries.append((show, base, last, ep, ep.number, today - timedelta(days=age)))
            if show.status == "continuing":
                entries.append((show, base, last, None, ep.number + 1, today + timedelta(days=2)))
        return self._html("Serienkalender", sto_pages.calendar(entries), "/serienkalender")

    # -- v2 pages ---------------------------------------------------------------------------------------------
    def _v2_show(self, request: Request) -> tuple[Show | None, Response | None]:
        show = self.catalogue.by_slug(SITE, request.params["slug"])
        if show is None:
            return None, Response.not_found()
        if show.sto_layout == "classic":
            tail = request.path.split(f"/serie/{request.params['slug']}", 1)[1].replace("/staffel-0", "/filme")
            return None, Response.redirect(f"/serie/stream/{request.params['slug']}{tail}", status=301)
        return show, None

    def series(self, request: Request) -> Response:
        show, other = self._v2_show(request)
        if show is None:
            return other or Response.not_found()
        slug = show.slugs[SITE]
        return self._html(sto_pages.display_title(show), sto_pages.series(show, slug), f"/serie/{slug}")

    def season(self, request: Request) -> Response:
        show, other = self._v2_show(request)
        if show is None:
            return other or Response.not_found()
        number = int(request.params["season"])
        if number not in show.seasons or (number == 0 and show.kind == "movie"):
            return Response.not_found()
        slug = show.slugs[SITE]
        return self._html(f"{sto_pages.display_title(show)} Staffel {number}", sto_pages.season(show, slug, number),
                          f"/serie/{slug}/staffel-{number}")

    def episode(self, request: Request) -> Response:
        show, other = self._v2_show(request)
        if show is None:
            return other or Response.not_found()
        season, number = int(request.params["season"]), int(request.params["episode"])
        ep = show.episode(season, number)
        if ep is None:
            return Response.not_found()
        slug = show.slugs[SITE]
        page_ = self._html(f"{sto_pages.display_title(show)} S{season:02d}E{number:02d}", sto_pages.episode(show, slug, ep),
                           f"/serie/{slug}/staffel-{season}/episode-{number}")
        if self.gate.active and isinstance(page_.body, bytes):
            return self.gate.decorate_episode(request, page_.body.decode())
        return page_

    def play(self, request: Request) -> Response:
        link = sto_pages.read_token(request.query.get("t", ""))
        offer = self.catalogue.offers_by_link.get(link) if link is not None else None
        if offer is None:
            return Response.not_found()
        if offer.protected:
            return Response.html(TURNSTILE_PAGE)
        if self.gate.active:
            return self.gate.get_r(request, offer.link_id, self.embed_url(offer.provider, offer.video_id, offer.kind))
        return Response.redirect(self.embed_url(offer.provider, offer.video_id, offer.kind))

    def submit(self, request: Request) -> Response:
        """`POST /r`: the gate's form (CSRF, token, ALTCHA, Turnstile) → the hoster, or the failure page."""
        return self.gate.post_r(request, sto_pages.read_token, self._hoster_of)

    def _hoster_of(self, link_id: int) -> str | None:
        offer = self.catalogue.offers_by_link.get(link_id)
        return self.embed_url(offer.provider, offer.video_id, offer.kind) if offer is not None else None

    # -- classic pages ----------------------------------------------------------------------------------------
    def classic_page(self, request: Request) -> Response:
        slug = request.params["slug"]
        show = self.catalogue.by_slug(SITE, slug)
        rest = request.params.get("rest", "")
        if show is None:
            return Response.not_found()
        if show.sto_layout != "classic":
            return Response.redirect(f"/serie/{slug}{rest.replace('/filme/film-', '/staffel-0/episode-').replace('/filme', '/staffel-0')}", status=301)
        base = f"/serie/stream/{slug}"
        title = sto_pages.display_title(show)
        m = re.fullmatch(r"(?:/staffel-(\d+)(?:/episode-(\d+))?|/filme(?:/film-(\d+))?)?", rest)
        assert m is not None
        season = 0 if rest.startswith("/filme") else int(m.group(1) or (show.numbered_seasons or [0])[0])
        number = m.group(2) or m.group(3)
        if number is not None:
            ep = show.episode(season, int(number))
            if ep is None:
                return Response.not_found()
            return Response.html(page(f"{title} | S.to", classic.episode_page(show, base, title, ep, classic.STO_CLASSIC_KEYS)))
        if season not in show.seasons:
            return Response.not_found()
        return Response.html(page(f"{title} | S.to", classic.series_page(show, base, title, season)))

    def classic_redirect(self, request: Request) -> Response:
        offer = self.catalogue.offers_by_link.get(int(request.params["link"]))
        if offer is None:
            return Response.not_found()
        return Response.redirect(self.embed_url(offer.provider, offer.video_id, offer.kind))
