"""Alerts: the site board every catalogue call reports to (the catalogue wiring hands it to the sites' observing
wrapper), Apprise as the notifier, the collapse gate, the background sender and the watch that turns queue and
site state into alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from anibridge.adapters.clock import SystemClock
from anibridge.adapters.notify import AppriseNotifier
from anibridge.domain.alerts.collapse import AlertGate
from anibridge.domain.alerts.dispatch import AlertDispatcher
from anibridge.domain.alerts.sites import SiteBoard
from anibridge.domain.alerts.watch import AlertWatch, WatchPolicy
from anibridge.domain.catalog.identity import Site

if TYPE_CHECKING:
    from anibridge.ports.repos import JobRepo
    from anibridge.ports.system import Clock
    from anibridge.settings import Settings


def build_site_board(clock: Clock, settings: Settings) -> SiteBoard:
    return SiteBoard(clock, [Site.parse(raw) for raw in settings.catalog_sites])


def build_dispatcher(settings: Settings, clock: Clock) -> AlertDispatcher:
    gate = AlertGate(settings.notify_repeat_minutes * 60, clock.monotonic)
    return AlertDispatcher(AppriseNotifier(settings.notify_urls), gate)


def standalone_dispatcher(settings: Settings) -> AlertDispatcher:
    """For `anibridge notify-test`, which sends at once and needs no container."""
    return build_dispatcher(settings, SystemClock())


def watch_policy(settings: Settings) -> WatchPolicy:
    return WatchPolicy(
        site_down_seconds=settings.notify_site_down_minutes * 60,
        job_stuck_seconds=settings.notify_job_stuck_minutes * 60,
        notify_completed=settings.notify_on_complete,
    )


def build_alert_watch(
    settings: Settings, clock: Clock, jobs: JobRepo, board: SiteBoard, dispatcher: AlertDispatcher,
    workers_problem: Callable[[], str | None],
) -> AlertWatch:
    return AlertWatch(jobs, board, clock, dispatcher.emit, watch_policy(settings), workers_problem=workers_problem)
