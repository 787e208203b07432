"""An alert as the domain raises it; the notifier adapter turns it into a message on any Apprise service."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AlertKind(StrEnum):
    """What happened. Together with the subject it is the key identical alerts are collapsed by."""

    DOWNLOAD_FAILED = "download-failed"
    DOWNLOAD_COMPLETED = "download-completed"
    SITE_DOWN = "site-down"
    SITE_RECOVERED = "site-recovered"
    JOB_STUCK = "job-stuck"
    WORKERS_STOPPED = "workers-stopped"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Alert:
    """`subject` names the thing (a release, a site): one alert per (kind, subject) per collapse period."""

    kind: AlertKind
    subject: str
    title: str
    body: str
    failure: bool = True
    """Shown as a failure (Apprise's `failure` type) rather than information."""

    @property
    def key(self) -> tuple[AlertKind, str]:
        return (self.kind, self.subject)
