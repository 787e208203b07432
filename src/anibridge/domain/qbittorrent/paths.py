"""Save paths: where a client asks a torrent's file to go, confined to the download root.

Clients name directories as *they* see them: Sonarr and FlexGet send paths under QBIT_PUBLIC_SAVE_PATH (the
container mapping), a user on the host may send the real DOWNLOAD_DIR path, and qBittorrent resolves relative
paths against the default save path. All three map to one directory relative to the download root, which is
what tasks and jobs store, so changing DOWNLOAD_DIR or the public mapping never strands a task. Anything that
would leave the root (another absolute path, `..`) is refused: anibridge writes nowhere else.
"""

from __future__ import annotations

import posixpath
import re

from anibridge.domain.qbittorrent.errors import TorrentConflict

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PathOutsideRoot(TorrentConflict):
    """409 like qBittorrent's "Cannot make save path"; the text says which root applies."""


class SavePaths:
    """Translate between client paths, directories relative to the download root, and reported paths."""

    def __init__(self, download_dir: str, reported_root: str) -> None:
        self._real = download_dir.rstrip("/") or "/"
        self._public = reported_root.rstrip("/") or "/"

    def relative(self, requested: str, refusal: str = "Cannot make save path") -> str:
        """The directory under the root that `requested` names ("" = the root); PathOutsideRoot otherwise."""
        path = requested.strip().replace("\\", "/")
        if not path:
            return ""
        if _CONTROL.search(path):
            raise PathOutsideRoot(f"{refusal}: invalid characters in the path")
        if path.startswith("/"):
            rest = self._strip_root(posixpath.normpath(path))
            if rest is None:
                raise PathOutsideRoot(f"{refusal}: {path[:200]} is outside the download directory {self._public}")
        else:
            rest = path
        normal = posixpath.normpath(rest)
        if normal in (".", ""):
            return ""
        if normal == ".." or normal.startswith("../") or normal.startswith("/"):
            raise PathOutsideRoot(f"{refusal}: {path[:200]} is outside the download directory {self._public}")
        return normal

    def _strip_root(self, path: str) -> str | None:
        for root in (self._public, self._real):
            if root == "/":
                return path.lstrip("/")
            if path == root:
                return ""
            if path.startswith(root + "/"):
                return path[len(root) + 1 :]
        return None

    def reported(self, relative: str) -> str:
        """The directory as clients see it (QBIT_PUBLIC_SAVE_PATH, else DOWNLOAD_DIR)."""
        return posixpath.join(self._public, relative) if relative else self._public

    def relative_of_real(self, real: str) -> str | None:
        """The directory of a real file path relative to the root (None if the file is outside it)."""
        directory = posixpath.dirname(real)
        if directory == self._real:
            return ""
        if directory.startswith(self._real + "/"):
            return directory[len(self._real) + 1 :]
        return None
