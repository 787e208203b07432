"""Recognise a gate before parsing: DNS block (CUII), DDoS-Guard, Cloudflare, SerienStream's redirect gate, 429.

A gate page parsed as a catalogue page yields "no episodes" or "no hoster" — the wrong diagnosis, and a job that
fails for good when waiting would have helped. `classify` looks at status, headers, the start of the body and
the URL and returns a typed `Gate` (or None for a normal page); `Gate.error()` is the `SiteGated` to raise.

Markers, as the sites serve them in 2026:
- CUII (German ISPs' DNS block): the resolver answers a CNAME to notice.cuii.info, whose page names the
  "Clearingstelle Urheberrecht im Internet". Only whole phrases count: short tokens also occur in minified JS.
- DDoS-Guard (AniWorld, SerienStream): 403 with `server: ddos-guard`, a ~900-byte page loading scripts from
  `/.well-known/ddos-guard/`. Healthy pages and plain 404s carry the same server header: only 403/503 count.
- Cloudflare (Megakino, VOE): `cf-mitigated: challenge` on every challenge page; older/other shapes show
  `<title>Just a moment...</title>`, `/cdn-cgi/challenge-platform/`, `_cf_chl_opt`. The bare word
  "cloudflare" is not a marker (healthy pages name it in CSP headers).
- SerienStream redirect gate: the episode page carries `#episode-redirect-gate-root` with
  `data-redirect-gate-tier` (`turnstile`, `turnstile_altcha`); the page itself is still usable, only `/r?t=`
  is gated. A gated `/r?t=` answers 200 "Stream wird vorbereitet..." with a `frameBridge` postMessage and a fresh
  `var t = "<token>"` (or, less often, 410); a rejected `POST /r` answers `var err = "…"`. A 200 page whose
  `var t` is an off-site URL is the *success* shape, not a gate.
- Rate limit: 429 (+ `Retry-After`). No site has been seen sending it; it is recognised all the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from anibridge.ports.errors import GateKind, SiteGated

DEFAULT_RETRY_SECONDS = 300.0  # back-off when the site names no time (what other clients settled on)
BODY_PREFIX = 20_000  # gate pages are small; markers sit near the top of anything longer

CUII_PHRASES = (
    "clearingstelle urheberrecht im internet",
    "notice.cuii.info",
    "der zugang zu der von ihnen aufgerufenen",
    "der zugriff auf diese website wurde",
    "aus urheberrechtlichen gründen gesperrt",
    "aus urheberrechtlichen gründen nicht verfügbar",
    "aufgrund einer urheberrechtlichen",
    "diese website wurde gesperrt",
    "diese domain wurde aus rechtlichen",
    "access to this website has been blocked",
    "has been blocked pursuant to",
    "site blocked by court order",
)
CUII_HOSTS = ("cuii.info",)
_CF_BODY = (
    re.compile(r"<title>\s*just a moment", re.I),
    re.compile(r"<title>\s*attention required", re.I),
    re.compile(r"/cdn-cgi/challenge-platform/", re.I),
    re.compile(r"\b_?cf_chl_", re.I),
)
_GATE_ROOT = re.compile(r"""<[^>]*\bid=["']episode-redirect-gate-root["'][^>]*>""", re.I)
_GATE_TIER = re.compile(r"""data-redirect-gate-tier=["']([^"']*)["']""", re.I)
_ALTCHA_URL = re.compile(r"""data-altcha-challenge-url=["']([^"']*)["']""", re.I)
_VAR_T = re.compile(r"""\bvar\s+t\s*=\s*("(?:[^"\\]|\\.)*")""")
_VAR_ERR = re.compile(r"""\bvar\s+err\s*=\s*("(?:[^"\\]|\\.)*")""")
_BRIDGE_TITLE = re.compile(r"<title>\s*stream wird vorbereitet", re.I)
_META_REFRESH = re.compile(r"""<meta[^>]+http-equiv=["']?refresh["']?[^>]*content=["'][^"']*?url=['"]?([^'">\s]+)""", re.I)
_STO_TOKEN_PATH = re.compile(r"^/r/?$")  # SerienStream's `/r?t=`; AniWorld's `/redirect/<id>` 410 means gone


@dataclass(frozen=True)
class Gate:
    """One recognised gate. `blocking` False: the page is still usable (an episode page announcing its tier)."""

    site: str
    kind: GateKind
    retry_at: datetime | None
    detail: str = ""
    status: int = 0
    url: str = ""
    blocking: bool = True

    def error(self) -> SiteGated:
        return SiteGated(self.site, self.kind, detail=self.detail, retry_at=self.retry_at, url=self.url)


@dataclass(frozen=True)
class RedirectGate:
    """SerienStream's gate as announced on an episode page: tier and (for ALTCHA) where to fetch a challenge."""

    tier: str
    altcha_url: str | None


def site_name(url: str) -> str:
    """The host a user knows the site by (`serienstream.to`), without port or `www.`."""
    host = (urlsplit(url).hostname or url).lower()
    return host[4:] if host.startswith("www.") else host


def retry_after(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """`Retry-After` as seconds or an HTTP date; None when absent or unreadable."""
    raw = _header(headers, "retry-after").strip()
    if not raw:
        return None
    if raw.isdigit():
        return now + timedelta(seconds=int(raw))
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def classify(status: int, headers: Mapping[str, str], body: str | bytes, url: str, *, site: str | None = None,
             now: datetime | None = None, default_retry: float = DEFAULT_RETRY_SECONDS) -> Gate | None:
    """The gate this response is, or None for a page to parse. `headers` may use any letter case."""
    now = now or datetime.now(UTC)
    name = site or site_name(url)
    text = (body[:BODY_PREFIX].decode("utf-8", "replace") if isinstance(body, bytes) else body[:BODY_PREFIX])
    lowered = text.lower()
    told = retry_after(headers, now)
    later = told or now + timedelta(seconds=default_retry)

    def gate(kind: GateKind, detail: str = "", retry: datetime | None = later, blocking: bool = True) -> Gate:
        return Gate(name, kind, retry, detail, status, url, blocking)

    if (urlsplit(url).hostname or "").lower().endswith(CUII_HOSTS) or any(p in lowered for p in CUII_PHRASES):
        return gate(GateKind.DNS_BLOCK, retry=None)
    if status == 429:
        return gate(GateKind.RATE_LIMIT, "HTTP 429")
    server = _header(headers, "server").lower()
    if _header(headers, "cf-mitigated").lower() == "challenge":
        return gate(GateKind.CLOUDFLARE, f"HTTP {status}")
    if status in (403, 503) and (server.startswith("ddos-guard") or "ddos-guard" in lowered):
        return gate(GateKind.DDOS_GUARD, f"HTTP {status}")
    if any(rx.search(text) for rx in _CF_BODY):
        return gate(GateKind.CLOUDFLARE, f"HTTP {status}")
    if status == 410 and _STO_TOKEN_PATH.match(urlsplit(url).path):
        return gate(GateKind.VERIFICATION, "redirect refused, HTTP 410")
    bridge = read_bridge(text, url)
    if bridge is not None and bridge[0] == "token":
        return gate(GateKind.VERIFICATION, "stream wird vorbereitet")
    if bridge is not None and bridge[0] == "error":
        return gate(GateKind.VERIFICATION, f"rejected: {bridge[1]}" if bridge[1] else "rejected")
    if ("cf-turnstile" in lowered and "captcha-form" in lowered) or (
        "stream wird vorbereitet" in lowered and "captcha" in lowered
    ) or ("g-recaptcha" in lowered and "captcha-form" in lowered):
        return gate(GateKind.VERIFICATION, "captcha")
    announced = redirect_gate(text, url)
    if announced is not None and announced.tier not in ("", "none"):
        return gate(GateKind.VERIFICATION, announced.tier, blocking=False)
    return None


def redirect_gate(body: str, page_url: str) -> RedirectGate | None:
    """The tier SerienStream's episode page announces for `/r`, or None when the page has no gate root."""
    m = _GATE_ROOT.search(body)
    if m is None:
        return None
    tag = m.group(0)
    tier = _GATE_TIER.search(tag)
    altcha = _ALTCHA_URL.search(tag)
    return RedirectGate(
        tier.group(1).strip().lower() if tier else "",
        urljoin(page_url, altcha.group(1).replace("&amp;", "&")) if altcha else None,
    )


def read_bridge(body: str, url: str) -> tuple[str, str] | None:
    """What a `/r` answer page says: ("hoster", URL) on success, ("token", fresh token) when the gate asks for
    verification, ("error", message) when a submission was refused; None for anything else."""
    err = _VAR_ERR.search(body)
    if err is not None:
        message = _js_string(err.group(1))
        if message:
            return "error", message
    t = _VAR_T.search(body)
    if t is None:
        refresh = _META_REFRESH.search(body)  # some clients also met a meta refresh to the hoster
        if refresh is not None:
            target = urljoin(url, refresh.group(1).replace("&amp;", "&"))
            if site_name(target) != site_name(url):
                return "hoster", target
        if _BRIDGE_TITLE.search(body) or "framebridge" in body.lower():
            return "token", ""
        return None
    value = _js_string(t.group(1))
    if re.match(r"https?://", value, re.I) and site_name(value) != site_name(url):
        return "hoster", value
    if value.startswith("//"):
        return "hoster", "https:" + value
    return "token", value


def _js_string(literal: str) -> str:
    try:
        value = json.loads(literal)
    except ValueError:
        return literal.strip('"')
    return value if isinstance(value, str) else ""


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""
