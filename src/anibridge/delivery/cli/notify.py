"""`anibridge notify-test`: send one alert to every NOTIFY_URLS target now, to see that alerts arrive."""

from __future__ import annotations

import argparse
import socket
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by `anibridge --help`, which must not load pydantic
    from anibridge.settings import Settings


def register(sub: Any, commands: dict[str, Any]) -> None:
    sub.add_parser("notify-test", help="send a test alert to every NOTIFY_URLS target")
    commands["notify-test"] = _notify_test


def _notify_test(args: argparse.Namespace, settings: Settings) -> int:
    from anibridge.domain.alerts.records import Alert, AlertKind
    from anibridge.wiring.alerts import standalone_dispatcher

    dispatcher = standalone_dispatcher(settings)
    if not dispatcher.enabled:
        print("anibridge notify-test: NOTIFY_URLS is empty; set it to one or more Apprise URLs "
              "(e.g. ntfy://my-topic, discord://id/token, json://host:port/path)", file=sys.stderr)
        return 2
    alert = Alert(AlertKind.TEST, "test", "anibridge: test alert",
                  f"Alerts from anibridge on {socket.gethostname()} arrive here.", failure=False)
    if dispatcher.send_now(alert):
        print(f"sent a test alert to {len(settings.notify_urls)} target(s)")
        return 0
    print("anibridge notify-test: at least one target did not accept the alert (see the log above)",
          file=sys.stderr)
    return 1
