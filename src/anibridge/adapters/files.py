"""The download directory behind the FileStore port: atomic writes, collision-free renames, confined deletes.

Everything the *arr apps or media servers may read appears in one step (temp file + fsync + os.replace), so
they never see half a `.strm` or half a video under its final name. Paths outside the root are refused.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

_INSTANCE_FILE = "instance-id"


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    @property
    def root(self) -> Path:
        return self._root

    def _inside(self, path: Path) -> Path:
        resolved = (path if path.is_absolute() else self._root / path).resolve()
        if resolved != self._root and self._root not in resolved.parents:
            raise ValueError(f"path {str(path)!r} is outside the download directory {str(self._root)!r}")
        return resolved

    def write_text_atomic(self, relative: str, content: str) -> Path:
        target = self._inside(Path(relative))
        if target == self._root:
            raise ValueError("refusing to write the download directory itself")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(target.parent)
        return target

    def _rename_ends(self, source: Path, target_name: str, directory: str) -> tuple[Path, Path, Path]:
        """Source, target folder (created when missing) and target of a rename, each inside the root; the target
        must be a plain file name."""
        src = self._inside(source)
        if "/" in target_name or "\\" in target_name or target_name in ("", ".", ".."):
            raise ValueError(f"invalid target file name {target_name!r}")
        folder = self._inside(self._root / directory) if directory else self._root
        if folder != self._root:
            folder.mkdir(parents=True, exist_ok=True)
        return src, folder, self._inside(folder / target_name)

    def rename_unique(self, source: Path, target_name: str, directory: str = "") -> Path:
        """Rename `source` to `target_name` in `directory` (relative to the root, created when missing);
        `stem.2.ext`, `stem.3.ext`… while the name is taken.

        `os.link` claims the name atomically (fails if it exists), so two jobs finishing at once cannot
        overwrite each other; filesystems without hard links fall back to an exists-check + replace.
        """
        src, folder, first = self._rename_ends(source, target_name, directory)
        if first == src:
            return src
        stem, ext = _split_ext(target_name)
        for n in range(1, 10_000):
            candidate = first if n == 1 else folder / f"{stem}.{n}{ext}"
            if candidate == src:
                return src
            try:
                os.link(src, candidate)
            except FileExistsError:
                continue
            except OSError:
                if candidate.exists():
                    continue
                os.replace(src, candidate)
                _fsync_dir(candidate.parent)
                return candidate
            os.unlink(src)
            _fsync_dir(candidate.parent)
            return candidate
        raise OSError(f"no free name for {target_name!r}")

    def rename_over(self, source: Path, target_name: str, directory: str = "") -> Path:
        """Atomic `os.replace` into `directory` (relative to the root, created when missing): a file already under
        that name (an earlier copy of the same release) is replaced in one step, so neither a second copy nor a
        moment without the file exists."""
        src, _, target = self._rename_ends(source, target_name, directory)
        if target != src:
            os.replace(src, target)
            _fsync_dir(target.parent)
        return target

    def size(self, path: Path) -> int | None:
        target = self._inside(path)
        try:
            return target.stat().st_size if target.is_file() else None
        except OSError:
            return None

    def delete(self, path: Path) -> bool:
        target = self._inside(path)
        if target == self._root or not target.is_file():
            return False
        target.unlink(missing_ok=True)
        return True

    def partials(self, stem: str) -> list[Path]:
        """Files in the root whose name starts with `stem.` (partials, fragments, finished temp files)."""
        if "/" in stem or not stem:
            return []
        prefix = f"{stem}."
        return sorted(p for p in self._root.iterdir() if p.is_file() and p.name.startswith(prefix)) \
            if self._root.is_dir() else []


def _split_ext(name: str) -> tuple[str, str]:
    match = re.fullmatch(r"(.+?)(\.[A-Za-z0-9]{1,5})", name)
    return (match.group(1), match.group(2)) if match else (name, "")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_instance_id(data_dir: Path) -> str:
    """A stable id for this installation (DATA_DIR/instance-id), so a restart recognises its own stale jobs."""
    path = data_dir / _INSTANCE_FILE
    try:
        value = path.read_text(encoding="ascii").strip()
        if re.fullmatch(r"[0-9a-f]{12}", value):
            return value
    except OSError:
        pass
    value = uuid.uuid4().hex[:12]
    data_dir.mkdir(parents=True, exist_ok=True)
    LocalFileStore(data_dir).write_text_atomic(_INSTANCE_FILE, value + "\n")
    return value
