"""The start-up banner `serve` and `demo` print: what to type into Prowlarr, Sonarr and Radarr, and where files go.

Why: a first start used to print nothing useful, and every value a user needs for the *arr forms (the Torznab
URL and API path, the qBittorrent host/port and whether it wants a login, the path Sonarr will be told) was
scattered over the settings table. One function builds those lines from Settings, for both commands.
"""

from __future__ import annotations

from dataclasses import dataclass

from anibridge.settings import Settings

ALL_INTERFACES = {"0.0.0.0", "::", "[::]", ""}


@dataclass(frozen=True, slots=True)
class Address:
    """Where the server listens and the URL a browser on this machine (or a container beside it) uses."""

    host: str
    port: int

    @property
    def reachable_host(self) -> str:
        return "127.0.0.1" if self.host in ALL_INTERFACES else self.host

    @property
    def base(self) -> str:
        return f"http://{self.reachable_host}:{self.port}"


def qbit_login(settings: Settings) -> str:
    """Whether Sonarr/Radarr must fill in credentials, and which variables decide it."""
    password = bool(settings.qbit_username or settings.qbit_password.get_secret_value())
    api_key = bool(settings.qbit_api_key.get_secret_value())
    if password and api_key:
        return (f"login required: username {settings.qbit_username!r} + QBIT_PASSWORD, "
                "or the API Key field = QBIT_API_KEY")
    if password:
        return f"login required: username {settings.qbit_username!r} + the password in QBIT_PASSWORD"
    if api_key:
        return "login required: the API Key field = QBIT_API_KEY (no username/password)"
    return "no login: leave username and password empty (set QBIT_USERNAME/QBIT_PASSWORD to require one)"


def arr_setup_lines(settings: Settings, address: Address) -> list[str]:
    """The Prowlarr/Sonarr/Radarr form values (shared by `serve` and `demo`)."""
    base = address.base
    key = "INDEXER_API_KEY's value" if settings.indexer_api_key.get_secret_value() else "(none — leave empty)"
    cats = f"{settings.torznab_cat_anime} (TV/Anime), {settings.torznab_cat_movie} (Movies)"
    lines = [
        "Prowlarr: Indexers → Add → Generic Torznab",
        f"  URL {base}/torznab   API Path /api   API Key {key}   Categories {cats}",
        "Sonarr / Radarr without Prowlarr: Settings → Indexers → Torznab, same URL and API path.",
        "Sonarr / Radarr download client: Settings → Download Clients → qBittorrent",
        f"  Host {address.reachable_host}   Port {address.port}   Category tv-sonarr (Sonarr) / radarr (Radarr)",
        f"  {qbit_login(settings)}",
    ]
    if address.host in ALL_INTERFACES:
        lines.append(f"  (listening on all interfaces: from another container use this host's name, e.g. "
                     f"http://anibridge:{address.port}/torznab)")
    return lines


def storage_lines(settings: Settings) -> list[str]:
    """Where data and files go, and the path Sonarr/Radarr are told (they must see the same files there)."""
    downloads = settings.downloads_path.resolve()
    reported = settings.qbit_public_save_path or str(downloads)
    source = "QBIT_PUBLIC_SAVE_PATH" if settings.qbit_public_save_path else "the download directory"
    strm = f"STRM files {settings.strm_files_mode} (STRM_FILES_MODE), URLs {settings.strm_proxy_mode}"
    if settings.strm_proxy_mode == "proxy":
        strm += f" via {settings.strm_public_base_url} (auth {settings.strm_proxy_auth})"
    return [
        f"DATA_DIR      {settings.data_dir.resolve()}",
        f"DOWNLOAD_DIR  {downloads}",
        f"reported to Sonarr/Radarr as {reported}  ({source})",
        f"sites         {', '.join(settings.catalog_sites) or '(none — CATALOG_SITES is empty)'}",
        f"STRM          {strm}",
    ]


def server_banner(settings: Settings, address: Address, title: str = "anibridge") -> str:
    """The banner `serve` prints once before the server starts."""
    lines = [
        "",
        f"{title} — listening on {address.host or '0.0.0.0'}:{address.port}   (health: {address.base}/health)",
        "",
        *arr_setup_lines(settings, address),
        "",
        *storage_lines(settings),
        "",
    ]
    return "\n".join(lines)
