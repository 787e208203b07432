"""Which site gates a piece of work met, for work that swallows site failures on purpose (a Torznab search).

A search asks several sites and treats a failing one as "no items from there" — right for one broken page, but
when every answer was a gate (DNS block, DDoS-Guard, SerienStream's verification) an empty feed hides the
reason. Code that swallows a PortError calls `note(ex)`; the caller that wants to know wraps its work in
`collecting()` and reads the gates afterwards. A context variable, so concurrent requests never mix (tasks
started inside inherit the same list).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from anibridge.ports.errors import SiteGated

_met: ContextVar[list[SiteGated] | None] = ContextVar("anibridge_gates_met", default=None)


def note(error: BaseException) -> None:
    """Remember `error` when it is a site gate and someone is collecting; otherwise nothing."""
    gates = _met.get()
    if gates is not None and isinstance(error, SiteGated):
        gates.append(error)


@contextmanager
def collecting() -> Iterator[list[SiteGated]]:
    gates: list[SiteGated] = []
    token = _met.set(gates)
    try:
        yield gates
    finally:
        _met.reset(token)


def describe(gates: list[SiteGated]) -> str:
    """One line per site (the first gate each met), e.g. "serienstream.to: verification required (turnstile),
    retry at 14:05"."""
    seen: dict[str, str] = {}
    for gate in gates:
        seen.setdefault(gate.site, str(gate))
    return "; ".join(seen.values())
