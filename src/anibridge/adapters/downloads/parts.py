"""Which byte ranges of one file are fetched, in flight or still to do — pure bookkeeping, no I/O.

Hosters throttle each connection, so a progressive file is fetched as several Range requests at once. The plan
cuts the file into parts no larger than `max_part` (so connections are handed back between parts and other
downloads get their share of the total budget), lets workers claim parts in file order, and when no unclaimed
part is left it splits the largest remainder of a part in flight (the slowest connection no longer decides the
finish). A part only counts bytes its worker has already written, so a state saved at any moment is safe to
resume from after kill -9: at worst a few chunks are fetched twice.

The state is serialised as a small JSON sidecar beside the preallocated file; anything malformed or not matching
the file (other total length, other ETag) is rejected so a resume never mixes two files.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

STATE_VERSION = 1


@dataclass(slots=True)
class Part:
    """Bytes [start, end) of the file; `done` bytes from `start` are written."""

    start: int
    end: int
    done: int = 0
    claimed: bool = False

    @property
    def pos(self) -> int:
        return self.start + self.done

    @property
    def remaining(self) -> int:
        return max(0, self.end - self.pos)


@dataclass(frozen=True, slots=True)
class Window:
    """Where a worker writes the chunk it just read, and how much of it still belongs to its part."""

    offset: int
    keep: int


class PartPlan:
    """Thread-safe part bookkeeping for one file of known length (see the module docstring)."""

    def __init__(self, total: int, parts: list[Part], min_split: int, etag: str | None = None) -> None:
        if total <= 0:
            raise ValueError("a part plan needs a positive length")
        self.total = total
        self.etag = etag
        self._parts = parts
        self._min_split = max(1, min_split)
        self._lock = threading.Lock()

    @classmethod
    def new(cls, total: int, connections: int, max_part: int, min_split: int,
            etag: str | None = None, done_prefix: int = 0) -> PartPlan:
        """Equal parts, at least one per connection and none over `max_part`; the first `done_prefix` bytes are
        already on disk (a single-connection partial from an earlier attempt)."""
        done_prefix = min(max(0, done_prefix), total)
        parts: list[Part] = []
        if done_prefix:
            parts.append(Part(0, done_prefix, done_prefix))
        rest = total - done_prefix
        if rest > 0:
            count = max(1, connections, -(-rest // max(1, max_part)))
            count = min(count, max(1, rest // max(1, min_split)))
            size = -(-rest // count)
            start = done_prefix
            while start < total:
                end = min(total, start + size)
                parts.append(Part(start, end))
                start = end
        return cls(total, parts, min_split, etag)

    # -- worker side -------------------------------------------------------------------------------------------

    def claim(self) -> int | None:
        """Index of a part for a free connection: the first unclaimed one with bytes left, else the second half
        of the largest remainder in flight (if it is worth a new connection), else None."""
        with self._lock:
            for index, part in enumerate(self._parts):
                if not part.claimed and part.remaining > 0:
                    part.claimed = True
                    return index
            busiest = max((p for p in self._parts if p.claimed), key=lambda p: p.remaining, default=None)
            if busiest is None or busiest.remaining < 2 * self._min_split:
                return None
            middle = busiest.pos + busiest.remaining // 2
            self._parts.append(Part(middle, busiest.end, claimed=True))
            busiest.end = middle
            return len(self._parts) - 1

    def window(self, index: int, length: int) -> Window:
        """The offset for the next `length` bytes of part `index` and how many of them are still inside it
        (its end may have moved since the request was made: a steal gave the tail to another connection)."""
        with self._lock:
            part = self._parts[index]
            return Window(part.pos, max(0, min(length, part.end - part.pos)))

    def advance(self, index: int, written: int) -> bool:
        """Record `written` bytes as on disk; True while the part still wants bytes."""
        with self._lock:
            part = self._parts[index]
            part.done = min(part.end - part.start, part.done + max(0, written))
            return part.remaining > 0

    def release(self, index: int) -> None:
        """The worker stops on this part (finished, failed or cancelled); any rest can be claimed again."""
        with self._lock:
            self._parts[index].claimed = False

    def span(self, index: int) -> tuple[int, int]:
        """Byte range [pos, end) a worker asks the server for."""
        with self._lock:
            part = self._parts[index]
            return part.pos, part.end

    # -- coordinator side --------------------------------------------------------------------------------------

    @property
    def downloaded(self) -> int:
        with self._lock:
            return sum(p.done for p in self._parts)

    @property
    def complete(self) -> bool:
        with self._lock:
            return all(p.remaining == 0 for p in self._parts)

    def parts(self) -> list[Part]:
        """A snapshot copy (for tests and logging)."""
        with self._lock:
            return [Part(p.start, p.end, p.done, p.claimed) for p in self._parts]

    def to_json(self) -> str:
        with self._lock:
            parts = [[p.start, p.end, p.done] for p in self._parts if p.end > p.start]
        return json.dumps({"version": STATE_VERSION, "total": self.total, "etag": self.etag, "parts": parts})

    @classmethod
    def from_json(cls, text: str, min_split: int) -> PartPlan | None:
        """The saved plan, or None when the text is not a consistent state of this format."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return None
        total, etag, raw_parts = data.get("total"), data.get("etag"), data.get("parts")
        if not isinstance(total, int) or not _is_count(total) or total <= 0 or not isinstance(raw_parts, list):
            return None
        if etag is not None and not isinstance(etag, str):
            return None
        parts: list[Part] = []
        for raw in raw_parts:
            if not (isinstance(raw, list) and len(raw) == 3 and all(_is_count(x) for x in raw)):
                return None
            start, end, done = raw
            if not (start < end <= total and done <= end - start):
                return None
            parts.append(Part(start, end, done))
        if not _covers(parts, total):
            return None
        return cls(total, parts, min_split, etag)

    def matches(self, total: int, etag: str | None) -> bool:
        """Whether a server answer describes the same file this plan was made for."""
        return total == self.total and (self.etag is None or etag is None or etag == self.etag)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _covers(parts: list[Part], total: int) -> bool:
    """The parts tile [0, total) exactly: no gap a resume would silently leave as zeros, no overlap."""
    edge = 0
    for part in sorted(parts, key=lambda p: p.start):
        if part.start != edge:
            return False
        edge = part.end
    return edge == total
