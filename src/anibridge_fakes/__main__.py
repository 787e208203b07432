"""`python -m anibridge_fakes`: run the fake world in the foreground and print its URLs and anibridge env."""

from __future__ import annotations

import argparse
import sys
import time

from anibridge_fakes.world import FakeWorld


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m anibridge_fakes", description=__doc__)
    parser.add_argument("--big-index", action="store_true", help="serve a 20,000-title AniWorld alphabet page")
    args = parser.parse_args(argv)
    world = FakeWorld(big_index=True if args.big_index else None).start()
    try:
        for name, url in world.describe():
            print(f"{name:24} {url}")
        print("\n# anibridge environment:")
        for key, value in world.env().items():
            print(f"export {key}={value}")
        print("\nCtrl-C stops the fakes.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        world.stop()


if __name__ == "__main__":
    sys.exit(main())
