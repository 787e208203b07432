"""The optional browser pass of SerienStream's Turnstile gate (BROWSER_GATE=chromium): built, described, checked.

Off by default: it needs Chromium, chromedriver and selenium, none of which a plain install has. When it is asked
for but something is missing, the service still starts; the startup line, `anibridge check` and /health name
what is missing, and a gated grab waits with the same reason.
"""

from __future__ import annotations

from collections.abc import Callable

from anibridge.adapters.resolving import DohResolver, parse_pairs
from anibridge.adapters.sites.browser_gate import ChromiumGate, Resolve
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
    return ChromiumGate(chromium_paths(settings), time_limit=settings.browser_gate_timeout_seconds,
                        proxies=parse_pairs(settings.site_proxies), resolve=_resolver(settings))


def _resolver(settings: Settings) -> Resolve | None:
    """The address the HTTP client reaches a host at (SITE_ADDRESSES, then DOH_URL): the browser must use the
    same, or a DNS-blocked name would show it the block page instead of the site."""
    pinned = parse_pairs(settings.site_addresses)
    doh_url = settings.doh_url.strip()
    if not pinned and not doh_url:
        return None
    doh: list[DohResolver] = []

    async def resolve(host: str) -> str | None:
        if host in pinned:
            return pinned[host]
        if not doh_url:
            return None
        if not doh:
            doh.append(DohResolver(doh_url, timeout=min(settings.http_timeout_seconds, 5.0)))
        return await doh[0].resolve(host)

    return resolve


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
