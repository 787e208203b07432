"""Typed failures adapters raise through ports; the message always carries the cause."""

from __future__ import annotations


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
