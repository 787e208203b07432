"""Which catalogue sites answer: last contact and result per site, and a circuit breaker for sites that are down.

Why: with every site unreachable (German ISPs block these sites by DNS), each Torznab Test/RSS request waited for
every site to fail again (~210 ms, about 5 requests/s), and an empty feed looked like success. Now a site that
failed is not asked again until its retry time (doubling from `base_retry` up to `max_retry` while it keeps
failing), its requests fail at once with the remembered cause, and `/health`, Torznab and the CLI can say which
site is unreachable and why instead of "no match".

SiteUnavailable counts as a failure (the site did not answer usefully: DNS, connect, timeout, 5xx), and so does
a gate that stands in front of the whole site (a CUII DNS block, DDoS-Guard, Cloudflare, a rate limit): nothing
can be searched there either. A 404 (NotFound) is an answer, and SerienStream's verification gate guards only
its hoster redirects (searches still work), so neither marks a site down; neither does a gate met while
following a hoster link (`embed_url`).

`ObservedCatalog` tells it every catalogue call's outcome and asks it (`blocked`) before each call.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from anibridge.domain.catalog.observed import Outcome
from anibridge.ports.errors import GateKind, MetadataUnavailable, SiteGated, SiteUnavailable

if TYPE_CHECKING:
    from anibridge.domain.catalog.identity import Site
    from anibridge.domain.catalog.observed import SiteCall
    from anibridge.ports.metadata import MetadataPort, Show

_T = TypeVar("_T")

DNS_MARKERS = ("name or service not known", "nodename nor servname", "temporary failure in name resolution",
               "no address associated", "getaddrinfo", "name resolution")


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """One site as last seen. `up` is None before the first contact."""

    site: str
    up: bool | None
    last_contact: datetime | None
    last_result: str
    failures: int
    retry_in: float


class _State:
    __slots__ = ("cause", "failures", "last_contact", "last_ok", "retry_at", "up")

    def __init__(self) -> None:
        self.up: bool | None = None
        self.cause = ""
        self.failures = 0
        self.retry_at = 0.0
        self.last_contact: datetime | None = None
        self.last_ok: float | None = None


class SiteReachability:
    """Shared by every request: cheap, loop-only bookkeeping (no locks needed on one event loop)."""

    def __init__(self, sites: Sequence[Site | str], *, base_retry: float = 10.0, max_retry: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._states = {str(site): _State() for site in sites}
        self._base = base_retry
        self._max = max_retry
        self._monotonic = monotonic
        self._now = now

    @property
    def sites(self) -> list[str]:
        return list(self._states)

    def _state(self, site: Site | str) -> _State:
        return self._states.setdefault(str(site), _State())

    def record_ok(self, site: Site | str) -> None:
        state = self._state(site)
        state.up, state.cause, state.failures, state.retry_at = True, "", 0, 0.0
        state.last_contact = self._now()
        state.last_ok = self._monotonic()

    def record_failure(self, site: Site | str, cause: str) -> None:
        state = self._state(site)
        state.up = False
        state.cause = _without_site_prefix(str(site), cause)
        state.failures += 1
        state.retry_at = self._monotonic() + min(self._max, self._base * 2 ** (state.failures - 1))
        state.last_contact = self._now()

    def observe(self, call: SiteCall) -> None:
        """A catalogue call's outcome (see the module's doc for what counts). A call the breaker itself refused
        changes nothing: the site was not asked, so its retry time stays."""
        if call.outcome is Outcome.ANSWERED:
            if call.proves_contact:
                self.record_ok(call.site)
        elif call.outcome is Outcome.FAILED and _is_outage(call):
            self.record_failure(call.site, str(call.error))

    def blocked(self, site: Site | str) -> str | None:
        """The reason a request to `site` is refused without asking it (breaker open), else None."""
        state = self._state(site)
        if state.up is not False:
            return None
        left = state.retry_at - self._monotonic()
        if left <= 0:
            return None  # retry time reached: this request probes the site again
        return f"{site} unreachable: {state.cause} (next try in {left:.0f} s)"

    def down(self, site: Site | str) -> bool:
        return self._state(site).up is False

    def cause(self, site: Site | str) -> str:
        return self._state(site).cause

    def all_down(self, sites: Sequence[Site | str] | None = None) -> bool:
        """Every given (default: every known) site failed on its last contact."""
        names = [str(s) for s in sites] if sites is not None else self.sites
        return bool(names) and all(self.down(name) for name in names)

    def none_answering(self, sites: Sequence[Site | str] | None = None, within: float = 600.0) -> bool:
        """No site is up with an answer in the last `within` seconds, and at least one is known down: nothing
        could be asked. A site never contacted yet does not count as answering."""
        names = [str(s) for s in sites] if sites is not None else self.sites
        now = self._monotonic()
        answering = any(
            (st := self._state(n)).up is True and st.last_ok is not None and now - st.last_ok <= within for n in names
        )
        return not answering and any(self.down(n) for n in names)

    def unreachable_message(self, sites: Sequence[Site | str] | None = None) -> str:
        names = [str(s) for s in sites] if sites is not None else self.sites
        return "; ".join(f"{name} unreachable: {self.cause(name)}" for name in names if self.down(name))

    def statuses(self) -> list[SiteStatus]:
        now = self._monotonic()
        return [
            SiteStatus(name, s.up, s.last_contact, "ok" if s.up else (s.cause or "not contacted yet"),
                       s.failures, max(0.0, s.retry_at - now) if s.up is False else 0.0)
            for name, s in self._states.items()
        ]


def is_dns_failure(cause: str) -> bool:
    lowered = cause.lower()
    return any(marker in lowered for marker in DNS_MARKERS)


def _is_outage(call: SiteCall) -> bool:
    error = call.error
    if isinstance(error, SiteUnavailable):
        return True
    return (isinstance(error, SiteGated) and error.kind is not GateKind.VERIFICATION
            and not call.follows_hoster_link)


def _without_site_prefix(site: str, cause: str) -> str:
    return cause.removeprefix(f"{site}: ").strip() or "unavailable"


class ObservedMetadata:
    """A MetadataPort (SkyHook) whose answers are recorded for /health; never refused (searches fall back)."""

    def __init__(self, inner: MetadataPort, reachability: SiteReachability, name: str = "skyhook") -> None:
        self._inner = inner
        self._reach = reachability
        self._name = name

    async def _observe(self, call: Callable[[], Awaitable[_T]]) -> _T:
        try:
            result = await call()
        except MetadataUnavailable as ex:
            self._reach.record_failure(self._name, str(ex))
            raise
        self._reach.record_ok(self._name)
        return result

    async def search(self, term: str) -> Sequence[Show]:
        return await self._observe(lambda: self._inner.search(term))

    async def show(self, tvdb_id: int) -> Show | None:
        return await self._observe(lambda: self._inner.show(tvdb_id))
