"""`app/*` and `auth/*`: versions, build info, the preferences Sonarr's Test inspects, login/logout."""

from __future__ import annotations

from typing import Any

from anibridge.delivery.qbittorrent import auth
from anibridge.delivery.qbittorrent.context import APP_VERSION, READ, WEBAPI_VERSION, WRITE, Call, Endpoint
from anibridge.delivery.qbittorrent.wire import Reply, as_json, done, text
from anibridge.domain.qbittorrent.service import GLOBAL_MAX_RATIO

BUILD_INFO = {"bitness": 64, "boost": "1.86.0", "libtorrent": "2.0.11.0", "openssl": "3.0.15", "qt": "6.7.3", "zlib": "1.3.1"}


def preferences(save_path: str, username: str = "admin") -> dict[str, Any]:
    """The values Sonarr/Radarr read: DHT on, queueing on, and a global share limit of ratio 0 with action
    "stop" (never "remove", which fails Sonarr's Test): torrents left on "use global" (-2) have then reached
    their limit when finished, so Sonarr moves their files and deletes them."""
    return {
        "add_stopped_enabled": False,
        "add_to_top_of_queue": False,
        "alt_dl_limit": 0,
        "alt_up_limit": 0,
        "auto_delete_mode": 0,
        "auto_tmm_enabled": False,
        "category_changed_tmm_enabled": False,
        "create_subfolder_enabled": True,
        "dht": True,
        "dl_limit": 0,
        "dont_count_slow_torrents": False,
        "excluded_file_names_enabled": False,
        "export_dir": "",
        "export_dir_fin": "",
        "incomplete_files_ext": False,
        "listen_port": 6881,
        "locale": "en",
        "lsd": False,
        "max_active_downloads": 3,
        "max_active_torrents": 5,
        "max_active_uploads": 3,
        "max_connec": 500,
        "max_connec_per_torrent": 100,
        "max_inactive_seeding_time": -1,
        "max_inactive_seeding_time_enabled": False,
        "max_ratio": GLOBAL_MAX_RATIO,
        "max_ratio_act": 0,
        "max_ratio_enabled": True,
        "max_seeding_time": -1,
        "max_seeding_time_enabled": False,
        "pex": False,
        "preallocate_all": False,
        "queueing_enabled": True,
        "save_path": save_path,
        "scan_dirs": {},
        "start_paused_enabled": False,
        "temp_path": save_path.rstrip("/") + "/temp",
        "temp_path_enabled": False,
        "torrent_changed_tmm_enabled": True,
        "torrent_content_layout": "Original",
        "up_limit": 0,
        "upnp": False,
        "use_https": False,
        "web_ui_address": "*",
        "web_ui_clickjacking_protection_enabled": True,
        "web_ui_csrf_protection_enabled": False,
        "web_ui_host_header_validation_enabled": False,
        "web_ui_port": 8080,
        "web_ui_session_timeout": 3600,
        "web_ui_username": username,
    }


async def _version(call: Call) -> Reply:
    return text(APP_VERSION)


async def _webapi_version(call: Call) -> Reply:
    return text(WEBAPI_VERSION)


async def _build_info(call: Call) -> Reply:
    return as_json(BUILD_INFO)


async def _preferences(call: Call) -> Reply:
    return as_json(preferences(call.ctx.service.config.reported_save_path, call.ctx.sessions.username or "admin"))


async def _set_preferences(call: Call) -> Reply:
    """Accepted and ignored: anibridge's behaviour is configured through its environment."""
    return done()


async def _default_save_path(call: Call) -> Reply:
    return text(call.ctx.service.config.reported_save_path)


async def _login(call: Call) -> Reply:
    return auth.login(call.ctx.sessions, call.form, call.peer)


async def _logout(call: Call) -> Reply:
    return auth.logout(call.ctx.sessions, call.sid)


ENDPOINTS: dict[str, Endpoint] = {
    "app/version": Endpoint(_version, READ),
    "app/webapiVersion": Endpoint(_webapi_version, READ),
    "app/buildInfo": Endpoint(_build_info, READ),
    "app/preferences": Endpoint(_preferences, READ),
    "app/setPreferences": Endpoint(_set_preferences, WRITE),
    "app/defaultSavePath": Endpoint(_default_save_path, READ),
    "auth/login": Endpoint(_login, WRITE, public=True),
    "auth/logout": Endpoint(_logout, WRITE),
}
