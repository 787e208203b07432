"""Client mistakes the qBittorrent API answers with a status (400 bad params, 404 unknown, 409 conflict)."""

from __future__ import annotations


class TorrentError(Exception):
    """A client mistake the API answers with a qBittorrent status (400 bad params, 404 unknown, 409 conflict)."""

    status = 400


class TorrentNotFound(TorrentError):
    status = 404


class TorrentConflict(TorrentError):
    status = 409
