"""ALTCHA v1 proof of work, solved in code: SerienStream's redirect gate asks for one before `POST /r`.

The challenge JSON (from the gate's `verify-init` URL) is `{algorithm, challenge, maxnumber, salt, signature}`;
the answer is the decimal `n` in 0…maxnumber with `hex(H(salt + str(n))) == challenge`, sent as
`base64(JSON{algorithm, challenge, number, salt, signature})` in the form field `altcha`. s.to uses SHA-256 and
maxnumber 100 000, so a solve is at most 100 001 hashes: tens of milliseconds, but CPU work all the same — run it
through `solve_async`, which moves it off the event loop and bounds it in time.

Nothing here talks to the network: parsing and solving are pure so they can be tested against any verifier.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio

from anibridge.ports.errors import ChallengeRequired

_HASHES: dict[str, Callable[..., Any]] = {"SHA-1": hashlib.sha1, "SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512}
DEFAULT_MAXNUMBER = 100_000  # clients default to this when the key is absent, as s.to's value is
HARD_MAXNUMBER = 10_000_000  # refuse challenges that would keep a core busy for minutes
DEFAULT_TIME_LIMIT = 10.0


class AltchaError(ChallengeRequired):
    """The challenge could not be read or solved (bad JSON, unknown algorithm, no solution, out of time)."""


@dataclass(frozen=True)
class AltchaChallenge:
    algorithm: str
    challenge: str
    salt: str
    signature: str
    maxnumber: int


@dataclass(frozen=True)
class AltchaSolution:
    challenge: AltchaChallenge
    number: int
    took_ms: int

    def payload(self) -> str:
        """The `altcha` form value. `took` is left out, as every working s.to client does."""
        body = {
            "algorithm": self.challenge.algorithm,
            "challenge": self.challenge.challenge,
            "number": self.number,
            "salt": self.challenge.salt,
            "signature": self.challenge.signature,
        }
        return base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()


def parse_challenge(raw: str | bytes | Mapping[str, object]) -> AltchaChallenge:
    """Read the challenge JSON; `maxnumber` and `maxNumber` are both accepted (the widget reads either)."""
    data: object
    if isinstance(raw, Mapping):
        data = raw
    else:
        try:
            data = json.loads(raw)
        except ValueError as ex:
            raise AltchaError(f"ALTCHA challenge is not JSON ({ex})") from None
    if not isinstance(data, Mapping):
        raise AltchaError("ALTCHA challenge is not a JSON object")
    fields = {k: data.get(k) for k in ("algorithm", "challenge", "salt", "signature")}
    missing = [k for k, v in fields.items() if not isinstance(v, str) or not v]
    if missing:
        raise AltchaError("ALTCHA challenge lacks " + ", ".join(missing))
    algorithm = str(fields["algorithm"]).upper()
    if algorithm not in _HASHES:
        raise AltchaError(f"ALTCHA algorithm {fields['algorithm']!r} is not supported")
    raw_max = data.get("maxnumber", data.get("maxNumber", DEFAULT_MAXNUMBER))
    if isinstance(raw_max, bool) or not isinstance(raw_max, int | str):
        raise AltchaError(f"ALTCHA maxnumber {raw_max!r} is not a number")
    try:
        maxnumber = int(raw_max)
    except ValueError:
        raise AltchaError(f"ALTCHA maxnumber {raw_max!r} is not a number") from None
    if not 0 <= maxnumber <= HARD_MAXNUMBER:
        raise AltchaError(f"ALTCHA maxnumber {maxnumber} is out of range (0…{HARD_MAXNUMBER})")
    return AltchaChallenge(algorithm, str(fields["challenge"]).lower(), str(fields["salt"]), str(fields["signature"]), maxnumber)


def solve(challenge: AltchaChallenge, *, time_limit: float = DEFAULT_TIME_LIMIT,
          monotonic: Callable[[], float] = time.monotonic) -> AltchaSolution:
    """Brute-force n in 0…maxnumber; AltchaError when none matches or `time_limit` seconds pass first."""
    started = monotonic()
    deadline = started + time_limit
    factory = _HASHES[challenge.algorithm]
    prefix = factory(challenge.salt.encode())  # the salt is hashed once; each candidate copies that state
    target = challenge.challenge
    for n in range(challenge.maxnumber + 1):
        h = prefix.copy()
        h.update(str(n).encode())
        if h.hexdigest() == target:
            return AltchaSolution(challenge, n, int((monotonic() - started) * 1000))
        if n & 0x3FFF == 0x3FFF and monotonic() > deadline:
            raise AltchaError(f"ALTCHA not solved within {time_limit:g}s (gave up at n={n})")
    raise AltchaError(f"ALTCHA has no solution in 0…{challenge.maxnumber} (wrong salt or challenge?)")


async def solve_async(challenge: AltchaChallenge, *, time_limit: float = DEFAULT_TIME_LIMIT) -> AltchaSolution:
    """`solve` in a worker thread, so downloads and API requests keep running while it hashes."""
    return await anyio.to_thread.run_sync(lambda: solve(challenge, time_limit=time_limit))
