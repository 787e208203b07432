"""Sending alerts off the request and download paths: a bounded queue drained by one background thread.

`emit` only decides (collapse gate) and enqueues, so a slow or dead alert target never delays a request, a
download or the event loop. A target that fails is logged once per alert and not retried: the next real event
produces the next alert anyway, and a broken webhook must not pile up work.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from typing import TYPE_CHECKING

from anibridge.domain.alerts.collapse import AlertGate
from anibridge.domain.alerts.records import Alert

if TYPE_CHECKING:
    from anibridge.ports.notify import Notifier

log = logging.getLogger(__name__)


def render(alert: Alert, held_back: int) -> tuple[str, str]:
    """Title and body of the message; a collapsed burst is mentioned so the reader knows it repeated."""
    body = alert.body
    if held_back:
        body += f"\n({held_back} identical alert(s) held back since the last one)"
    return alert.title, body


class AlertDispatcher:
    """Collapses, queues and sends alerts; `start`/`stop` bracket the sending thread's life."""

    def __init__(self, notifier: Notifier, gate: AlertGate, max_queued: int = 100) -> None:
        self._notifier = notifier
        self._gate = gate
        self._queue: queue.Queue[tuple[Alert, int] | None] = queue.Queue(maxsize=max_queued)
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    @property
    def enabled(self) -> bool:
        return self._notifier.enabled

    def emit(self, alert: Alert) -> bool:
        """Queue the alert unless it is collapsed, alerts are off or the queue is full; never blocks."""
        if not self._notifier.enabled:
            return False
        held = self._gate.admit(alert)
        if held is None:
            log.debug("alert %s %r collapsed", alert.kind.value, alert.subject)
            return False
        try:
            self._queue.put_nowait((alert, held))
        except queue.Full:
            log.warning("alert queue full; dropped %s %r", alert.kind.value, alert.subject)
            return False
        return True

    async def start(self) -> None:
        if self._thread is None and self._notifier.enabled:
            self._thread = threading.Thread(target=self._drain, name="anibridge-alerts", daemon=True)
            self._thread.start()

    async def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass  # a daemon thread: it dies with the process
        # Joined off the event loop: a target in the middle of its timeout must not hold up shutdown's other steps.
        await asyncio.to_thread(thread.join, 5.0)

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self.send_now(*item)

    def send_now(self, alert: Alert, held_back: int = 0) -> bool:
        """Send in the calling thread (the sending thread, or `anibridge notify-test`); False when it failed."""
        title, body = render(alert, held_back)
        try:
            ok = self._notifier.send(title, body, failure=alert.failure)
        except Exception:  # noqa: BLE001 - an alert target must never take the sender down
            log.exception("alert %s %r: sending raised", alert.kind.value, alert.subject)
            ok = False
        if ok:
            self.sent += 1
            log.info("alert sent: %s %r", alert.kind.value, alert.subject)
        else:
            self.failed += 1
            log.warning("alert %s %r could not be delivered to every target (not retried)",
                        alert.kind.value, alert.subject)
        return ok
