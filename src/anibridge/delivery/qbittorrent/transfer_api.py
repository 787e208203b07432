"""transfer/* besides `info`: global speed limits, the alternative-speed switch and peer bans.

Limits read back as set (clients check them) but are not applied: downloads come from hosters and follow
DOWNLOAD_RATE_LIMIT_BYTES_PER_SEC. There are no peers, so a ban has nothing to act on.
"""

from __future__ import annotations

from anibridge.delivery.qbittorrent.context import READ, WRITE, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import QbitError, Reply, as_json, done, text


async def _download_limit(call: Call) -> Reply:
    return text(str(call.ctx.transfer.dl_limit))


async def _upload_limit(call: Call) -> Reply:
    return text(str(call.ctx.transfer.up_limit))


async def _set_download_limit(call: Call) -> Reply:
    call.ctx.transfer.dl_limit = call.form.speed_limit()
    return done()


async def _set_upload_limit(call: Call) -> Reply:
    call.ctx.transfer.up_limit = call.form.speed_limit()
    return done()


async def _speed_limits_mode(call: Call) -> Reply:
    return as_json(1 if call.ctx.transfer.alt_speed else 0)


async def _set_speed_limits_mode(call: Call) -> Reply:
    raw = call.form.required("mode")
    if raw.strip() not in ("0", "1"):
        raise QbitError(400, "'mode' value is invalid")
    call.ctx.transfer.alt_speed = raw.strip() == "1"
    return done()


async def _toggle_speed_limits_mode(call: Call) -> Reply:
    call.ctx.transfer.alt_speed = not call.ctx.transfer.alt_speed
    return done()


async def _ban_peers(call: Call) -> Reply:
    call.form.required("peers")
    return done()


ENDPOINTS: dict[str, Endpoint] = {
    "transfer/downloadLimit": Endpoint(_download_limit, READ),
    "transfer/uploadLimit": Endpoint(_upload_limit, READ),
    "transfer/setDownloadLimit": Endpoint(_set_download_limit, WRITE),
    "transfer/setUploadLimit": Endpoint(_set_upload_limit, WRITE),
    "transfer/speedLimitsMode": Endpoint(_speed_limits_mode, READ),
    "transfer/setSpeedLimitsMode": Endpoint(_set_speed_limits_mode, WRITE),
    "transfer/toggleSpeedLimitsMode": Endpoint(_toggle_speed_limits_mode, WRITE),
    "transfer/banPeers": Endpoint(_ban_peers, WRITE),
}
