"""A real ALTCHA v1 ("legacy PoW") server: signed challenges, strict verification, single use, optional expiry.

What SerienStream's `/api/inline/verify-init` hands out and its `POST /r` checks. Wire format, as the public
ALTCHA v1 library and widget define it:

- challenge JSON: `{"algorithm": "SHA-256", "challenge": hex(H(salt + str(number))), "maxnumber": N,
  "salt": <hex>[?expires=<unix s>&], "signature": hex(HMAC_H(key, challenge))}` — the key is lowercase
  `maxnumber` as s.to sends it (the Python library emits `maxNumber`; widgets accept both).
- payload (form field `altcha`): `base64(JSON{algorithm, challenge, number, salt, signature[, took]})`.
- verification: all five fields present, algorithm allowed, salt's `expires` not past, H(salt + number) equals
  the challenge and the HMAC of the challenge equals the signature. The library keeps no record of spent
  challenges; replay refusal is the site's job, so this fake refuses any challenge seen before.

The number is drawn uniformly from 0…maxnumber, as the solutions seen on the live site were.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from anibridge.adapters.clock import SystemClock
from anibridge.ports.system import Clock

HASHES: dict[str, Callable[..., Any]] = {
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-512": hashlib.sha512,
}
LIVE_MAXNUMBER = 100_000  # what s.to hands out; tests may ask for less to keep the browser-side solve short


def _digest(algorithm: str, data: str) -> str:
    return str(HASHES[algorithm](data.encode()).hexdigest())


def _sign(algorithm: str, key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), HASHES[algorithm]).hexdigest()


@dataclass
class AltchaVerifier:
    """Issues and checks v1 challenges. `expires_in=None` gives s.to's short salt without an `expires` parameter."""

    hmac_key: bytes = b"fake-serienstream-altcha-key"
    algorithm: str = "SHA-256"
    maxnumber: int = LIVE_MAXNUMBER
    expires_in: float | None = None
    clock: Clock = field(default_factory=SystemClock)
    issued: int = 0
    _spent: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create_challenge(self, number: int | None = None) -> dict[str, object]:
        """A fresh challenge; `number` pins the secret (tests), otherwise uniform in 0…maxnumber."""
        salt = secrets.token_hex(10)  # 20 chars, the length seen on s.to
        if self.expires_in is not None:
            salt += f"?expires={int(self.clock.now().timestamp() + self.expires_in)}&"
        secret = secrets.randbelow(self.maxnumber + 1) if number is None else number
        challenge = _digest(self.algorithm, salt + str(secret))
        self.issued += 1
        return {
            "algorithm": self.algorithm,
            "challenge": challenge,
            "maxnumber": self.maxnumber,
            "salt": salt,
            "signature": _sign(self.algorithm, self.hmac_key, challenge),
        }

    def verify(self, payload: str) -> tuple[bool, str]:
        """(accepted, reason). A payload is accepted once; the second use of its challenge is refused."""
        try:
            data = json.loads(base64.b64decode(payload, validate=True))
        except (ValueError, binascii.Error):
            return False, "payload is not base64 JSON"
        if not isinstance(data, dict):
            return False, "payload is not a JSON object"
        missing = [k for k in ("algorithm", "challenge", "number", "salt", "signature") if k not in data]
        if missing:
            return False, "missing " + ", ".join(missing)
        algorithm, challenge, salt = str(data["algorithm"]), str(data["challenge"]), str(data["salt"])
        if algorithm not in HASHES or algorithm != self.algorithm:
            return False, f"algorithm {algorithm!r} not allowed"
        expires = _salt_expires(salt)
        if expires is not None and expires < self.clock.now().timestamp():
            return False, "Altcha payload expired"
        number = data["number"]
        if isinstance(number, bool) or not isinstance(number, int):
            return False, "number is not an integer"
        if not hmac.compare_digest(_digest(algorithm, salt + str(number)), challenge):
            return False, "wrong number"
        if not hmac.compare_digest(_sign(algorithm, self.hmac_key, challenge), str(data["signature"])):
            return False, "bad signature"
        with self._lock:
            if challenge in self._spent:
                return False, "challenge already used"
            self._spent.add(challenge)
        return True, "ok"


def _salt_expires(salt: str) -> int | None:
    _, _, params = salt.partition("?")
    raw = parse_qs(params).get("expires") or parse_qs(params).get("expire")
    try:
        return int(raw[0]) if raw else None
    except ValueError:
        return 0  # an unreadable expiry counts as expired


def solve_for_tests(challenge: dict[str, object]) -> str:
    """A payload for `challenge`, found by brute force — for fake-side tests that must not import the client."""
    algorithm, salt, target = str(challenge["algorithm"]), str(challenge["salt"]), str(challenge["challenge"])
    maxnumber = challenge.get("maxnumber", LIVE_MAXNUMBER)
    for n in range(int(maxnumber) + 1 if isinstance(maxnumber, int) else LIVE_MAXNUMBER + 1):
        if _digest(algorithm, salt + str(n)) == target:
            body = {"algorithm": algorithm, "challenge": target, "number": n, "salt": salt,
                    "signature": challenge["signature"]}
            return base64.b64encode(json.dumps(body).encode()).decode()
    raise ValueError("no solution within maxnumber")
