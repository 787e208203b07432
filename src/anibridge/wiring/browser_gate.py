"""The optional browser pass of SerienStream's Turnstile gate (BROWSER_GATE=chromium): built, described, checked.

Off by default: it needs Chromium, chromedriver and selenium, none of which a plain install has. When it is asked
for but something is missing, the service still starts; the startup line, `anibridge check` and /health name
what is missing, and a gated grab waits with the same reason.
"""

from __future__ import annotations

from collections.abc import Callable

from anibridge.adapters.resolving import DohResolver, parse_pairs
from anibridge.adapters.sites.browser_gate import ChromiumGate
from anibridge.adapters.sites.chromium import ChromiumPaths, chromium_version, installation_problem
from anibridge.settings import Settings

GATE_HINT = "BROWSER_GATE=chromium would pass it"
"""Told in the waiting reason of a Turnstile gate while the browser pass is off."""


def enabled(settings: Settings) -> bool:
    return settings.browser_gate == "chromium"


def chromium_paths(settings: Settings) -> ChromiumPaths:
    return ChromiumPaths(settings.chromium_path, settings.chromedriver_path)


def build_gate_browser(settings: Settings) -> ChromiumGate | None:
    """The browser pass, or None when BROWSER_GATE is off. Built even when Chromium is missing: each pass then
    fails with the cause, and the grab waits (the service never refuses to start over an optional part)."""
    if not enabled(settings):
        return None
    addresses = GateAddresses.of(settings)
    return ChromiumGate(chromium_paths(settings), time_limit=settings.browser_gate_timeout_seconds,
                        proxies=parse_pairs(settings.site_proxies),
                        resolve=addresses.resolve if addresses else None,
                        close_resolve=addresses.aclose if addresses else None)


class GateAddresses:
    """The address the HTTP client reaches a host at (SITE_ADDRESSES, then DOH_URL): the browser must use the
    same, or a DNS-blocked name would show it the block page instead of the site. The DoH client is made at the
    first name it is asked for and closed with the gate (its connections must not outlive the service)."""

    def __init__(self, pinned: dict[str, str], doh_url: str, timeout: float) -> None:
        self._pinned = pinned
        self._doh_url = doh_url
        self._timeout = timeout
        self.doh: DohResolver | None = None

    @classmethod
    def of(cls, settings: Settings) -> GateAddresses | None:
        """None when neither SITE_ADDRESSES nor DOH_URL is set (the system resolver is the client's too)."""
        pinned = parse_pairs(settings.site_addresses)
        doh_url = settings.doh_url.strip()
        if not pinned and not doh_url:
            return None
        return cls(pinned, doh_url, min(settings.http_timeout_seconds, 5.0))

    async def resolve(self, host: str) -> str | None:
        if host in self._pinned:
            return self._pinned[host]
        if not self._doh_url:
            return None
        if self.doh is None:
            self.doh = DohResolver(self._doh_url, timeout=self._timeout)
        return await self.doh.resolve(host)

    async def aclose(self) -> None:
        if self.doh is not None:
            await self.doh.aclose()


def gate_hint(settings: Settings) -> str:
    return "" if enabled(settings) else GATE_HINT


def installation(settings: Settings) -> str | None:
    """Why BROWSER_GATE=chromium cannot work here (None: it can, or it is off)."""
    return installation_problem(chromium_paths(settings)) if enabled(settings) else None


def startup_warning(settings: Settings) -> str | None:
    problem = installation(settings)
    if problem is None:
        return None
    return (f"BROWSER_GATE=chromium, but the browser is {problem}; SerienStream's Turnstile gate will be waited "
            "out instead (the image has it with the build argument WITH_BROWSER=1)")


def health_state(settings: Settings) -> Callable[[], dict[str, str]]:
    """For /health: whether the browser pass is off, ready, or asked for but not installed."""
    if not enabled(settings):
        state = {"status": "off", "detail": "BROWSER_GATE=off: SerienStream's Turnstile tier is waited out"}
    else:
        problem = installation(settings)
        state = {"status": "degraded", "detail": f"BROWSER_GATE=chromium, but {problem}"} if problem else \
            {"status": "ok", "detail": f"chromium at {settings.chromium_path}"}
    return lambda: dict(state)


async def check(gate: ChromiumGate | None, settings: Settings) -> str:
    """`anibridge check`: start the browser for real and open a blank page (proves Chromium and chromedriver
    match); raises with the cause when it cannot. The browser is the service's own: its idle timer closes it."""
    import asyncio

    if gate is None:
        return "off (BROWSER_GATE=off): SerienStream's Turnstile tier is waited out, never passed"
    problem = installation(settings)
    if problem is not None:
        raise RuntimeError(f"BROWSER_GATE=chromium, but {problem}")
    version = await asyncio.to_thread(chromium_version, gate.worker.paths)
    agent = await gate.worker.run(lambda driver: str(driver.execute_script("return navigator.userAgent")), (),
                                  limit=min(gate.time_limit, 30.0))
    return f"{version} starts headless with {settings.chromedriver_path} ({'ok' if agent else 'no page'})"
