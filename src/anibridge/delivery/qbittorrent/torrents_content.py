"""Endpoints that name or move a torrent's file: rename, renameFile/renameFolder, setLocation, setSavePath,
setDownloadPath, recheck, reannounce and export (qBittorrent 5.1's parameter names and error texts)."""

from __future__ import annotations

from anibridge.delivery.qbittorrent.context import READ, WRITE, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import QbitError, Reply, done


async def _known(call: Call, hash_: str) -> None:
    await call.ctx.service.get(hash_)  # TorrentNotFound → 404


async def _rename(call: Call) -> Reply:
    await call.ctx.service.content.rename(call.form.required("hash"), call.form.required("name"))
    return done()


async def _rename_file(call: Call) -> Reply:
    form = call.form
    await call.ctx.service.content.rename_file(form.required("hash"), form.required("oldPath"), form.required("newPath"))
    return done()


async def _rename_folder(call: Call) -> Reply:
    """A torrent here is one file without folders, so every folder is unknown (qBittorrent's 409)."""
    form = call.form
    await _known(call, form.required("hash"))
    form.required("newPath")
    raise QbitError(409, f"No such folder: '{form.required('oldPath')}'.")


async def _set_location(call: Call) -> Reply:
    form = call.form
    await call.ctx.service.content.relocate(form.required("hashes"), form.required("location"),
                                            "Cannot make save path")
    return done()


async def _set_save_path(call: Call) -> Reply:
    form = call.form
    await call.ctx.service.content.relocate(form.required("id"), form.required("path"),
                                            "Cannot create target directory")
    return done()


async def _set_download_path(call: Call) -> Reply:
    form = call.form
    await call.ctx.service.options.set_download_path(form.required("id"), form.required("path"))
    return done()


async def _recheck(call: Call) -> Reply:
    await call.ctx.service.content.recheck(call.form.required("hashes"))
    return done()


async def _reannounce(call: Call) -> Reply:
    """There is no tracker to announce to; accepted like qBittorrent does for a torrent without trackers."""
    call.form.required("hashes")
    return done()


async def _export(call: Call) -> Reply:
    """Our hashes name releases, not bencoded info dictionaries, so no .torrent exists; qBittorrent answers a
    torrent without metadata the same way (409)."""
    await _known(call, call.form.required("hash"))
    raise QbitError(409, "Unable to export torrent file. Error: anibridge torrents have no .torrent file; "
                         "use their magnet_uri")


ENDPOINTS: dict[str, Endpoint] = {
    "torrents/rename": Endpoint(_rename, WRITE),
    "torrents/renameFile": Endpoint(_rename_file, WRITE),
    "torrents/renameFolder": Endpoint(_rename_folder, WRITE),
    "torrents/setLocation": Endpoint(_set_location, WRITE),
    "torrents/setSavePath": Endpoint(_set_save_path, WRITE),
    "torrents/setDownloadPath": Endpoint(_set_download_path, WRITE),
    "torrents/recheck": Endpoint(_recheck, WRITE),
    "torrents/reannounce": Endpoint(_reannounce, WRITE),
    "torrents/export": Endpoint(_export, READ),
}
