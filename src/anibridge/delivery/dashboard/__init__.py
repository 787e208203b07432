"""The web dashboard at `/`: overview, queue and history, search, setup values and the effective settings.

Server-rendered (Jinja2, autoescaped), a little JavaScript for live progress and copy buttons, no build step.
"""

from anibridge.delivery.dashboard.parts import DashboardParts, SetupSection
from anibridge.delivery.dashboard.routes import register

__all__ = ["DashboardParts", "SetupSection", "register"]
