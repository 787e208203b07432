"""ALTCHA solve benchmark: the solver against a naive baseline, at s.to's live size (maxnumber 100,000).

Run: `.venv/bin/python bench/altcha_solve.py [--challenges 20]`.
Each challenge comes from the fake site's verifier with a random secret number (uniform in 0…maxnumber, as seen
live); the solver (salt hashed once, state copied per candidate) and the baseline (hash `salt + str(n)` from
scratch) search the same challenges. Prints per-solve p50/max for both, the worst case (n = maxnumber), and the
solver/baseline ratio; every solution is checked by the verifier so a wrong answer cannot look fast.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

from anibridge.adapters.sites.altcha import parse_challenge, solve
from anibridge_fakes.altcha import LIVE_MAXNUMBER, AltchaVerifier


def baseline(salt: str, challenge: str, maxnumber: int) -> int:
    for n in range(maxnumber + 1):
        if hashlib.sha256((salt + str(n)).encode()).hexdigest() == challenge:
            return n
    raise ValueError("no solution")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--challenges", type=int, default=20)
    args = parser.parse_args()
    verifier = AltchaVerifier(maxnumber=LIVE_MAXNUMBER)
    ours: list[float] = []
    naive: list[float] = []
    for _ in range(args.challenges):
        raw = verifier.create_challenge()
        challenge = parse_challenge(raw)
        started = time.perf_counter()
        solution = solve(challenge)
        ours.append(time.perf_counter() - started)
        ok, why = verifier.verify(solution.payload())
        assert ok, why
        started = time.perf_counter()
        assert baseline(challenge.salt, challenge.challenge, challenge.maxnumber) == solution.number
        naive.append(time.perf_counter() - started)
    worst = parse_challenge(verifier.create_challenge(number=LIVE_MAXNUMBER))
    started = time.perf_counter()
    solve(worst)
    worst_s = time.perf_counter() - started
    print(f"challenges: {args.challenges} (maxnumber {LIVE_MAXNUMBER}, SHA-256)")
    print(f"solver   p50 {statistics.median(ours) * 1000:7.1f} ms   max {max(ours) * 1000:7.1f} ms")
    print(f"baseline p50 {statistics.median(naive) * 1000:7.1f} ms   max {max(naive) * 1000:7.1f} ms")
    print(f"worst case (n = maxnumber): {worst_s * 1000:.1f} ms — time limit default 10 s")
    print(f"solver/baseline total time ratio: {sum(ours) / sum(naive):.2f}")


if __name__ == "__main__":
    main()
