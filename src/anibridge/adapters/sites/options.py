"""What a catalogue adapter needs from the configuration, as plain values (adapters never read Settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from anibridge.adapters.sites.pacing import PacingOptions

if TYPE_CHECKING:
    from anibridge.adapters.sites.sto_gate import GateBrowser


@dataclass(frozen=True, slots=True)
class AccountLogin:
    """A site account to log in with. The password stays out of `repr`, so no log line or traceback shows it."""

    email: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """One site's origin and timings. `data_dir` None keeps the title index in memory only (tests, tools)."""

    base_url: str
    timeout: float = 15.0
    data_dir: Path | None = None
    index_ttl_seconds: float = 24 * 3600.0
    redirect_timeout: float = 10.0
    redirect_retries: int = 1
    mirrors_url: str = ""
    """Megakino only: an extra mirrors.txt for domain discovery (empty = BASE_URL/mirrors.txt)."""
    mirrors: tuple[str, ...] = ()
    """Further origins of the same site, in the order to try them after `base_url` (AniWorld, SerienStream)."""
    primary_retry_seconds: float = 600.0
    """While a mirror is active, `base_url` is tried again after this long."""
    pacing: PacingOptions | None = None
    """Request budgets and cool-downs; None: unpaced (tests, tools)."""
    account: AccountLogin | None = None
    """SerienStream only: an account to log in with (one report says it lowers the redirect gate's tier)."""
    gate_browser: GateBrowser | None = None
    """SerienStream only: the real browser that passes a Turnstile redirect gate; None: the gate is waited out."""
    gate_hint: str = ""
    """SerienStream only: what would pass a Turnstile gate, told in the waiting reason when there is no browser."""
