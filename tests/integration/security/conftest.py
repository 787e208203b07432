"""Shared settings of the security tests: every outbound base URL points at a closed loopback port, so a test
that starts a job or a search never reaches a real site (they fail fast with a connection refusal)."""

from __future__ import annotations

CLOSED = "http://127.0.0.1:9"
OFFLINE = {
    "ANIWORLD_BASE_URL": CLOSED,
    "STO_BASE_URL": CLOSED,
    "MEGAKINO_BASE_URL": CLOSED,
    "MEGAKINO_MIRRORS_URL": CLOSED + "/mirrors.txt",
    "SKYHOOK_BASE_URL": CLOSED,
    "HTTP_TIMEOUT_SECONDS": "2",
}
