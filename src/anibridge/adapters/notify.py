"""Alerts through Apprise: one `NOTIFY_URLS` value reaches Discord, ntfy, Telegram, Gotify, e-mail, webhooks…

Apprise sends to each target once with its own timeouts and reports failure per target in its log; nothing
here retries (the alert dispatcher decides what to do with a failure: log it and move on).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

log = logging.getLogger(__name__)


class AppriseNotifier:
    """`urls`: Apprise URLs (`json://host:port/path`, `ntfy://topic`, `discord://id/token`, …)."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._urls = [u.strip() for u in urls if u.strip()]
        self._apprise: object | None = None
        self._bad: list[str] = []

    @property
    def enabled(self) -> bool:
        return bool(self._urls)

    def _client(self) -> object:
        """Built on first use: importing Apprise loads its plugins, which the server need not pay for at startup."""
        if self._apprise is None:
            import apprise

            client = apprise.Apprise()
            for url in self._urls:
                if not client.add(url):
                    self._bad.append(url)
                    log.warning("NOTIFY_URLS: Apprise does not understand %r; skipped", _redact(url))
            self._apprise = client
        return self._apprise

    def send(self, title: str, body: str, failure: bool = True) -> bool:
        import apprise

        client = self._client()
        assert isinstance(client, apprise.Apprise)
        if not len(client):
            return False
        kind = apprise.NotifyType.FAILURE if failure else apprise.NotifyType.INFO
        ok = bool(client.notify(title=title, body=body, notify_type=kind))
        return ok and not self._bad


def _redact(url: str) -> str:
    """Scheme and host only: Apprise URLs carry tokens and passwords."""
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].rpartition("@")[2]
    return f"{scheme}{sep}{host}/…" if sep else "(unparsable)"
