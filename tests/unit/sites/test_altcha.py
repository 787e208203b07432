"""ALTCHA v1 solver against the fake site's verifier: accepted once, refused on replay, expiry, bad input."""

from __future__ import annotations

import base64
import json

import pytest

from anibridge.adapters.sites.altcha import AltchaError, parse_challenge, solve, solve_async
from anibridge.ports.errors import ChallengeRequired
from anibridge_fakes.altcha import AltchaVerifier
from tests.fakes import FakeClock


def test_solution_is_accepted_once_and_refused_on_replay() -> None:
    verifier = AltchaVerifier(maxnumber=5000)
    challenge = parse_challenge(json.dumps(verifier.create_challenge(number=4321)))
    solution = solve(challenge)
    assert solution.number == 4321
    payload = solution.payload()
    decoded = json.loads(base64.b64decode(payload))
    assert set(decoded) == {"algorithm", "challenge", "number", "salt", "signature"}
    assert verifier.verify(payload) == (True, "ok")
    assert verifier.verify(payload) == (False, "challenge already used")


def test_live_sized_challenge_with_random_number() -> None:
    verifier = AltchaVerifier()  # maxnumber 100000, as s.to hands out
    raw = verifier.create_challenge()
    assert raw["maxnumber"] == 100_000 and len(str(raw["salt"])) == 20 and "?" not in str(raw["salt"])
    assert verifier.verify(solve(parse_challenge(raw)).payload())[0]


def test_expired_salt_is_refused() -> None:
    clock = FakeClock()
    verifier = AltchaVerifier(maxnumber=100, expires_in=60, clock=clock)
    raw = verifier.create_challenge(number=7)
    assert "?expires=" in str(raw["salt"]) and str(raw["salt"]).endswith("&")
    payload = solve(parse_challenge(raw)).payload()
    clock.advance(61)
    assert verifier.verify(payload) == (False, "Altcha payload expired")


def test_tampered_payloads_are_refused() -> None:
    verifier = AltchaVerifier(maxnumber=100)
    raw = verifier.create_challenge(number=42)
    good = json.loads(base64.b64decode(solve(parse_challenge(raw)).payload()))

    def encoded(**changes: object) -> str:
        return base64.b64encode(json.dumps({**good, **changes}).encode()).decode()

    assert verifier.verify(encoded(number=43)) == (False, "wrong number")
    assert verifier.verify(encoded(signature="0" * 64)) == (False, "bad signature")
    assert verifier.verify(encoded(algorithm="SHA-1"))[0] is False
    assert verifier.verify("not base64!")[0] is False
    assert verifier.verify(base64.b64encode(b'{"algorithm":"SHA-256"}').decode())[0] is False
    assert verifier.verify(encoded())[0] is True  # the untampered one still passes afterwards


@pytest.mark.parametrize("algorithm", ["SHA-1", "SHA-512"])
def test_other_algorithms(algorithm: str) -> None:
    verifier = AltchaVerifier(algorithm=algorithm, maxnumber=300)
    raw = verifier.create_challenge(number=299)
    assert verifier.verify(solve(parse_challenge(raw)).payload())[0]


def test_maxnumber_spellings_and_default() -> None:
    raw = AltchaVerifier(maxnumber=10).create_challenge(number=3)
    camel = {k: v for k, v in raw.items() if k != "maxnumber"} | {"maxNumber": 10}
    assert parse_challenge(camel).maxnumber == 10
    absent = {k: v for k, v in raw.items() if k != "maxnumber"}
    assert parse_challenge(absent).maxnumber == 100_000


@pytest.mark.parametrize("raw", [
    "no json", "[]", '{"algorithm":"SHA-256"}',
    '{"algorithm":"MD5","challenge":"a","salt":"b","signature":"c"}',
    '{"algorithm":"SHA-256","challenge":"a","salt":"b","signature":"c","maxnumber":"lots"}',
    '{"algorithm":"SHA-256","challenge":"a","salt":"b","signature":"c","maxnumber":1e12}',
    '{"algorithm":"SHA-256","challenge":"a","salt":"b","signature":"c","maxnumber":100000000}',
])
def test_unreadable_challenges_raise_a_challenge_error(raw: str) -> None:
    with pytest.raises(AltchaError) as info:
        parse_challenge(raw)
    assert isinstance(info.value, ChallengeRequired)


def test_no_solution_within_maxnumber() -> None:
    raw = AltchaVerifier(maxnumber=1000).create_challenge(number=999)
    with pytest.raises(AltchaError, match="no solution"):
        solve(parse_challenge({**raw, "maxnumber": 500}))


def test_time_limit_is_honoured_without_waiting() -> None:
    ticks = iter(range(0, 10_000_000, 5))  # every clock read advances 5 "seconds"
    raw = AltchaVerifier(maxnumber=1_000_000).create_challenge(number=999_999)
    with pytest.raises(AltchaError, match="within 1s"):
        solve(parse_challenge(raw), time_limit=1, monotonic=lambda: float(next(ticks)))


@pytest.mark.anyio
async def test_async_solve_runs_in_a_worker_thread() -> None:
    verifier = AltchaVerifier(maxnumber=2000)
    solution = await solve_async(parse_challenge(verifier.create_challenge(number=1999)))
    assert verifier.verify(solution.payload())[0]
