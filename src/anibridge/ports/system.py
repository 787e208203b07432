"""Clock and file-store ports, so use cases are testable with a fake clock and a temp directory."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC."""
        ...

    def monotonic(self) -> float: ...


class FileStore(Protocol):
    """File operations confined to the download root; paths outside it raise ValueError."""

    @property
    def root(self) -> Path: ...

    def write_text_atomic(self, relative: str, content: str) -> Path: ...

    def rename_unique(self, source: Path, target_name: str, directory: str = "") -> Path:
        """Rename inside the root, into `directory` (relative to the root, created if missing);
        `name.2.ext`, `name.3.ext`, … when the target exists."""
        ...

    def size(self, path: Path) -> int | None:
        """The size of a regular file inside the root, None when there is none."""
        ...

    def rename_over(self, source: Path, target_name: str, directory: str = "") -> Path:
        """Rename inside the root, into `directory` (relative, created if missing), replacing a file of that
        name: one final file per release, never `name.2`."""
        ...

    def delete(self, path: Path) -> bool: ...

    def partials(self, stem: str) -> list[Path]: ...
