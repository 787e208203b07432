"""NotifierPort: where alerts go (Apprise in production: Discord, ntfy, Telegram, Gotify, e-mail, webhooks)."""

from __future__ import annotations

from typing import Protocol


class Notifier(Protocol):
    @property
    def enabled(self) -> bool:
        """False when no target is configured: alerts are then not even queued."""
        ...

    def send(self, title: str, body: str, failure: bool = True) -> bool:
        """Deliver one message to every target; blocking, bounded by the targets' timeouts. True when all
        targets accepted it. Never retries (the caller decides); should not raise."""
        ...
