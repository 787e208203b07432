"""Typed failures adapters raise through ports; the message always carries the cause."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class PortError(Exception):
    """Base of every failure that crosses a port."""


class NotFound(PortError):
    """The site or hoster answered, but the series, season, episode or file does not exist."""


class SiteUnavailable(PortError):
    """A catalogue site could not be reached or answered with an error/unknown layout."""


class SiteUnreachable(SiteUnavailable):
    """A catalogue site is known to be down (it failed and its retry time has not come): not asked again yet.
    Sits beside other SiteUnavailable kinds (gates, 5xx) so callers can tell "nothing was searched"."""


class ChallengeRequired(PortError):
    """A captcha/Turnstile/cookie challenge blocks the request; retrying later may help."""


class HosterUnavailable(PortError):
    """A video hoster failed to yield a playable direct URL."""


class MetadataUnavailable(PortError):
    """SkyHook (or another metadata source) failed."""


class DownloadFailed(PortError):
    """A download did not finish; `expired` says the direct URL stopped working (re-resolve once)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class DiskFull(DownloadFailed):
    """The download directory ran out of space: the download waits for space instead of failing the release."""


class DownloadThrottled(DownloadFailed):
    """The hoster answered 429 (rate limit): worth waiting a little before trying it again."""


class MediaRejected(DownloadFailed):
    """A download finished but its file is not the promised video (a text page, no video/audio, cut short)."""


class DownloadCancelled(PortError):
    """The job was cancelled while downloading."""


class GateKind(StrEnum):
    """What stands between us and a site's page; each needs a different remedy from the user."""

    DNS_BLOCK = "dns-block"  # the resolver answers a CUII notice instead of the site
    DDOS_GUARD = "ddos-guard"  # DDoS-Guard's browser check (403)
    CLOUDFLARE = "cloudflare"  # Cloudflare challenge ("Just a moment...", cf-mitigated: challenge)
    VERIFICATION = "verification"  # SerienStream's redirect gate (Turnstile / ALTCHA) or another captcha form
    RATE_LIMIT = "rate-limit"  # HTTP 429


_GATE_WORDS: dict[GateKind, str] = {
    GateKind.DNS_BLOCK: "blocked by your DNS resolver (CUII notice); use another resolver or the site's address",
    GateKind.DDOS_GUARD: "DDoS-Guard browser check; this address is flagged",
    GateKind.CLOUDFLARE: "Cloudflare challenge; needs a browser clearance",
    GateKind.VERIFICATION: "verification required",
    GateKind.RATE_LIMIT: "rate limited",
}


class SiteGated(ChallengeRequired):
    """A site (or its resolver) answered a gate instead of the page: which site, which gate, when to try again.

    The message is meant for users as it stands, e.g. "serienstream.to: verification required (turnstile),
    retry at 14:05". `retry_at` is timezone-aware (None: retrying will not help by itself, e.g. a DNS block).
    """

    def __init__(self, site: str, kind: GateKind, *, detail: str = "", retry_at: datetime | None = None,
                 url: str = "") -> None:
        self.site = site
        self.kind = kind
        self.detail = detail
        self.retry_at = retry_at
        self.url = url
        words = _GATE_WORDS[kind] + (f" ({detail})" if detail else "")
        when = f", retry at {retry_at.astimezone().strftime('%H:%M')}" if retry_at is not None else ""
        super().__init__(f"{site}: {words}{when}")
