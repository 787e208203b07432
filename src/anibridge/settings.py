"""Typed settings read once from the environment; names and defaults follow the reference where they exist.

The declarations read like a pydantic model and validate like one (settings_fields.py says how), but a server
started with ordinary values never imports pydantic.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from anibridge.domain.streams.providers import KNOWN_PROVIDERS
from anibridge.settings_fields import (
    CsvList,
    Field,
    FieldInfo,
    Rules,
    SecretStr,
    full_values,
    pydantic_model,
    quick_values,
)

KNOWN_SITES = ("aniworld.to", "s.to", "megakino")


class Settings:
    """Every variable anibridge reads. Field names upper-cased are the environment variable names.

    `Settings(**values)` validates like a frozen pydantic model that ignores unknown names; a bad value raises
    pydantic's ValidationError (load_settings turns it into one line per variable).
    """

    model_fields: ClassVar[dict[str, FieldInfo]]

    anibridge_host: str = Field("0.0.0.0", description="Bind address of the HTTP server.")
    anibridge_port: int = Field(8000, ge=1, le=65535, description="Bind port of the HTTP server.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Log level (debug, info, warning, error). Outbound HTTP requests are logged only at debug."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log format: text, or json (one object per line: time, level, logger, message)."
    )
    anibridge_server: str = Field(
        "", description="For the CLI (jobs, download, search): URL of a running anibridge to talk to; empty = "
        "use http://127.0.0.1:ANIBRIDGE_PORT when it answers, else work on DATA_DIR directly; local = always DATA_DIR."
    )
    data_dir: Path = Field(Path("./data"), description="App data: SQLite database, index caches, generated media.")
    download_dir: Path | None = Field(None, description="Where media and .strm files are written (default DATA_DIR/downloads).")
    database_url: str = Field("", description="SQLAlchemy URL; empty = SQLite file DATA_DIR/anibridge.db. postgresql://… for several instances.")

    catalog_sites: CsvList = Field(list(KNOWN_SITES), description="Enabled catalogue sites, in search order.")
    aniworld_base_url: str = Field("https://aniworld.to", description="AniWorld base URL (mirrors, fakes).")
    sto_base_url: str = Field("https://serienstream.to", description="SerienStream base URL (s.to stopped resolving in July 2026; a legacy https://s.to is read as serienstream.to).")
    sto_mirrors: CsvList = Field(
        ["https://serienstream.cx", "http://186.2.175.5"],
        description="Further SerienStream origins, tried in order on a DNS/connection failure or a DDoS-Guard/Cloudflare/CUII gate; an IP is asked with Host: <base host>. Empty = none.",
    )
    sto_email: str = Field(
        "", description="E-mail of an optional SerienStream account; logged in, the redirect gate may ask less (a single report: a lower tier). Empty = anonymous."
    )
    sto_password: SecretStr = Field(SecretStr(""), description="Password of the STO_EMAIL account (never logged; a wrong one is reported and anibridge goes on anonymously).")
    aniworld_mirrors: CsvList = Field(
        ["https://aniworld.cc", "http://186.2.175.111"],
        description="Further AniWorld origins, tried in order like STO_MIRRORS. Empty = none.",
    )
    site_primary_retry_seconds: float = Field(600.0, ge=0, description="While a mirror is in use, the base URL is tried again after this long.")
    site_addresses: CsvList = Field(
        [], description="Connect to an address while TLS SNI and Host stay the name (like curl --resolve): host=ip, e.g. serienstream.to=186.2.175.5. Gets around DNS blocks."
    )
    doh_url: str = Field("", description="DNS-over-HTTPS JSON endpoint (e.g. https://cloudflare-dns.com/dns-query) used to resolve the catalogue hosts; empty = system resolver.")
    site_proxies: CsvList = Field(
        [], description="Outbound proxy per host for sites and hosters (httpx and yt-dlp): host=http://… or host=socks5://…; *=… for every other host. HTTP(S)_PROXY/ALL_PROXY/NO_PROXY are honoured too."
    )
    site_page_budget_per_minute: int = Field(40, ge=0, description="Catalogue page requests per site and minute (0 = unlimited); more wait their turn.")
    site_resolve_budget: int = Field(4, ge=0, description="Hoster-link resolutions (s.to /r, AniWorld /redirect; searches' probes, downloads and STRM plays alike) per site per SITE_RESOLVE_WINDOW_SECONDS (0 = unlimited); users report gates after 5-10 in a row, so bursts stay at 4.")
    site_resolve_window_seconds: float = Field(180.0, gt=0, description="Window of SITE_RESOLVE_BUDGET (4 per 180 s: about 1.3 a minute, a 12-episode season in 6 minutes).")
    site_cooldown_seconds: float = Field(900.0, ge=0, description="Cool-down of a site after a 403 burst or a gate that names no retry time.")
    gate_wait_max_minutes: float = Field(120.0, ge=0, description="How long a job waits in total for a site's gate to lift before it fails with the reason.")
    browser_gate: Literal["off", "chromium"] = Field(
        "off", description="chromium: pass SerienStream's Turnstile redirect gate with a headless Chromium (needs "
        "chromium, chromium-driver and the browser-gate extra; image build arg WITH_BROWSER=1); off: such a gate is waited out.")
    chromium_path: str = Field("/usr/bin/chromium", description="The Chromium binary BROWSER_GATE=chromium starts.")
    chromedriver_path: str = Field("/usr/bin/chromedriver", description="The chromedriver matching CHROMIUM_PATH.")
    browser_gate_timeout_seconds: float = Field(60.0, gt=0, description="How long one browser pass of the gate may take before it counts as failed.")
    megakino_base_url: str = Field("https://megakino1.to", description="Megakino base URL used when domain discovery fails.")
    megakino_mirrors_url: str = Field("", description="Extra mirrors.txt URL for Megakino domain discovery (empty = BASE_URL/mirrors.txt).")
    skyhook_base_url: str = Field("https://skyhook.sonarr.tv", description="SkyHook (Sonarr metadata) base URL.")
    index_refresh_hours: float = Field(24.0, ge=0, description="Catalogue title index TTL; stale indexes are served while one refresh runs.")
    http_timeout_seconds: float = Field(15.0, gt=0, description="Timeout for every outbound request to sites, hosters and SkyHook.")
    site_retry_seconds: float = Field(
        10.0, ge=0, description="A site that failed is not asked again for this long (doubling up to 5 min while it keeps failing); 0 = ask on every request."
    )

    source_tag: str = Field(
        "WEB-DL",
        description="Source token in release names (`WEB-DL` is read as WEB-DL by Sonarr and Radarr at every resolution and codec).",
    )
    release_group: str = Field("aniworld", description="Generic release group.")
    release_group_aniworld: str = Field("", description="Release group for aniworld.to (default RELEASE_GROUP).")
    release_group_sto: str = Field("sto", description="Release group for s.to.")
    release_group_megakino: str = Field("megakino", description="Release group for megakino.")

    indexer_name: str = Field("AniBridge Torznab", description="Torznab channel title.")
    indexer_api_key: SecretStr = Field(SecretStr(""), description="If set, Torznab requests must carry this apikey.")
    torznab_cat_anime: int = Field(5070, description="Torznab category for anime/TV items.")
    torznab_cat_movie: int = Field(2000, description="Torznab category for movie items.")
    torznab_fake_seeders: int = Field(999, ge=1, description="Seeders reported per item.")
    torznab_fake_leechers: int = Field(787, ge=0, description="Leechers reported per item.")
    torznab_return_test_result: bool = Field(True, description="Answer empty-query Test requests with a synthetic item.")
    torznab_test_title: str = Field("AniBridge Connectivity Test", description="Synthetic Test item title.")
    torznab_test_slug: str = Field("connectivity-test", description="Synthetic Test item slug.")
    torznab_test_season: int = Field(1, ge=0, description="Synthetic Test item season.")
    torznab_test_episode: int = Field(1, ge=0, description="Synthetic Test item episode.")
    torznab_test_language: str = Field("German Dub", description="Synthetic Test item language.")
    torznab_season_search_mode: Literal["fast", "strict"] = Field("fast", description="fast: list a season without quality probes; strict: probe each episode.")
    torznab_season_search_max_episodes: int = Field(60, ge=1, description="Strict mode ceiling when the season page lists nothing.")
    torznab_season_search_max_consecutive_misses: int = Field(3, ge=1, description="Strict mode stops after this many unavailable episodes in a row.")
    torznab_stale_max_hours: float = Field(24.0, ge=0, description="While a site is gated or cooling down, a search answers what it found before, up to this age; 0 = off.")
    torznab_probe_concurrency: int = Field(8, ge=1, le=64, description="Concurrent probes during a season search.")
    availability_ttl_hours: float = Field(24.0, description="Freshness of the per-episode availability cache; <= 0 = always fresh.")

    specials_metadata_enabled: bool = Field(True, description="Map AniWorld /filme entries to Sonarr S00 specials via SkyHook.")
    specials_match_confidence_threshold: float = Field(0.5, ge=0, le=1, description="Title similarity needed to map a special.")

    provider_order: CsvList = Field(
        ["VOE", "Filemoon", "Streamtape", "Vidmoly", "Doodstream", "LoadX", "Luluvdo", "Vidoza"],
        description="Hoster fallback order (case-insensitive, canonical names).",
    )
    provider_redirect_timeout_seconds: float = Field(12.0, ge=1, description="Timeout for following redirect tokens.")
    provider_redirect_retries: int = Field(2, ge=0, description="Extra attempts for redirect resolution.")
    hoster_hosts: CsvList = Field(
        [], description="Extra hoster hosts as Provider=host[:port] (new mirror domains, test fakes); hosts are also recognised by name hints."
    )

    max_concurrency: int = Field(3, ge=1, le=64, description="Download worker count.")
    download_rate_limit_bytes_per_sec: int = Field(0, ge=0, description="Per-download bandwidth cap; 0 = unlimited.")
    download_connections: int = Field(8, ge=1, le=32, description="Connections one download opens at once (Range parts of a file, HLS segments in flight); hosters throttle each connection.")
    download_connections_total: int = Field(24, ge=1, le=256, description="Hoster connections all downloads together may hold; each download always gets one.")
    downloads_ttl_hours: float = Field(0.0, ge=0, description="If > 0, finished media older than this is deleted.")
    verify_min_duration_seconds: float = Field(
        1.0, ge=0, description="A finished download with less video than this is refused (broken file); ffprobe checks every download."
    )
    download_min_free_mb: int = Field(
        500, ge=0, description="Free space below this in the download directory: /health degraded and downloads wait."
    )
    delete_files_on_torrent_delete: bool = Field(True, description="Delete files on torrents/delete even when deleteFiles=false.")

    qbit_username: str = Field("", description="qBittorrent API user; empty with empty password = no login needed.")
    qbit_password: SecretStr = Field(SecretStr(""), description="qBittorrent API password.")
    qbit_api_key: SecretStr = Field(SecretStr(""), description="If set, `Authorization: Bearer <key>` needs no login (Sonarr's API Key field).")
    qbit_public_save_path: str = Field("", description="Save path reported to *arr apps (container path mapping).")
    qbit_session_timeout_seconds: int = Field(3600, ge=1, description="Idle lifetime of a qBittorrent API login session.")
    web_ui_domain_list: CsvList = Field(["*"], description="Host header names the qBittorrent API and job API answer (`*` wildcards; `*` = any); set it to the names you reach anibridge by (DNS-rebinding defence).")
    web_ui_max_auth_fail_count: int = Field(5, ge=0, description="Failed logins (or wrong API keys) from one IP before it is banned; 0 = never ban.")
    web_ui_ban_duration: int = Field(3600, ge=1, description="Seconds a client IP stays banned after too many failed logins.")

    notify_urls: CsvList = Field([], description="Apprise URLs alerts go to (comma-separated: ntfy://, discord://, tgram://, gotify://, mailto://, json://…); empty = no alerts.")
    notify_on_complete: bool = Field(False, description="Also send an alert for every completed download.")
    notify_site_down_minutes: float = Field(10.0, gt=0, description="Alert when a site has been unreachable or challenging for this long (and again when it recovers).")
    notify_job_stuck_minutes: float = Field(30.0, gt=0, description="Alert when a running download has made no progress for this long.")
    notify_repeat_minutes: float = Field(60.0, ge=0, description="Identical alerts (same kind and subject) are sent at most once per this period.")

    strm_files_mode: Literal["no", "both", "only"] = Field("no", description="Torznab STRM items: no, both, only.")
    strm_proxy_mode: Literal["direct", "proxy"] = Field("direct", description="direct: hoster URL in .strm; proxy: signed anibridge URL.")
    strm_public_base_url: str = Field("", description="External base URL of anibridge for proxy URLs (required with proxy mode).")
    strm_proxy_auth: Literal["none", "token", "apikey"] = Field("token", description="Proxy URL auth: none, token (HMAC), apikey.")
    strm_proxy_secret: SecretStr = Field(SecretStr(""), description="HMAC key / API key of the STRM proxy.")
    strm_proxy_upstream_allowlist: CsvList = Field([], description="Hosts that bypass the proxy's SSRF guard.")
    strm_proxy_cache_ttl_seconds: int = Field(0, ge=0, description="TTL of resolved stream URLs; 0 = until they fail.")
    strm_proxy_token_ttl_seconds: int = Field(86400, ge=60, description="Lifetime of signed playlist child URLs.")
    strm_hls_as_file: Literal["file", "playlist"] = Field("file", description="HLS streams in proxy mode: file = one ranged MPEG-TS/MP4 stream (Jellyfin reads its real bitrate); playlist = the rewritten playlist.")
    strm_hls_layout_seconds: float = Field(8.0, gt=0, description="How long the first request of an HLS stream waits for its file layout (a size request per segment); past it that request gets the playlist and the layout is learnt in the background for the next one.")

    def __init__(self, **values: Any) -> None:
        given = {name: value for name, value in values.items() if name in self.model_fields}
        hints = _hints()
        parsed = quick_values(self.model_fields, hints, _RULES, given)
        if parsed is None:  # an unusual spelling, a Python value or a broken rule: pydantic decides and explains
            parsed = full_values(_full_model(), given)
        for name, value in parsed.items():
            object.__setattr__(self, name, value)

    @classmethod
    def model_validate(cls, values: Mapping[str, Any]) -> Settings:
        return cls(**values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Settings are frozen: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and all(getattr(self, n) == getattr(other, n) for n in self.model_fields)

    __hash__ = None  # type: ignore[assignment]  # lists inside: as unhashable as the pydantic model was

    def __repr__(self) -> str:
        return "Settings(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.model_fields) + ")"

    @property
    def downloads_path(self) -> Path:
        return self.download_dir if self.download_dir is not None else self.data_dir / "downloads"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'anibridge.db').resolve()}"

    def release_group_for(self, site: str) -> str:
        groups = {
            "aniworld.to": self.release_group_aniworld or self.release_group,
            "s.to": self.release_group_sto,
            "megakino": self.release_group_megakino,
        }
        return groups.get(site, self.release_group).strip().upper()


Settings.model_fields = {name: value for name, value in vars(Settings).items() if isinstance(value, FieldInfo)}
for _name in Settings.model_fields:
    delattr(Settings, _name)  # instances hold the values; the class keeps only the declarations


def _canonical_providers(value: list[str]) -> list[str]:
    canon = {p.lower(): p for p in KNOWN_PROVIDERS}
    out: list[str] = []
    for item in value:
        name = canon.get(item.lower())
        if name is None:
            raise ValueError(f"unknown provider {item!r}; allowed: {', '.join(KNOWN_PROVIDERS)}")
        if name not in out:
            out.append(name)
    return out


def _known_sites(value: list[str]) -> list[str]:
    out: list[str] = []
    for item in value:
        site = item.lower()
        if site not in KNOWN_SITES:
            raise ValueError(f"unknown site {item!r}; allowed: {', '.join(KNOWN_SITES)}")
        if site not in out:
            out.append(site)
    return out


def _strm_proxy_complete(settings: Any) -> None:
    """Proxy mode writes URLs media servers must reach and the proxy must verify: fail at startup, not at play."""
    if settings.strm_proxy_mode != "proxy":
        return
    base = settings.strm_public_base_url.strip()
    if not base.lower().startswith(("http://", "https://")):
        raise ValueError(
            f"STRM_PROXY_MODE=proxy needs STRM_PUBLIC_BASE_URL (an http(s) URL media servers reach), got {base!r}"
        )
    if settings.strm_proxy_auth != "none" and not settings.strm_proxy_secret.get_secret_value():
        raise ValueError(
            f"STRM_PROXY_MODE=proxy with STRM_PROXY_AUTH={settings.strm_proxy_auth} needs STRM_PROXY_SECRET"
            " (or set STRM_PROXY_AUTH=none)"
        )


_RULES = Rules(
    lowercase=("log_level", "log_format", "browser_gate", "torznab_season_search_mode", "strm_files_mode", "strm_proxy_mode",
               "strm_proxy_auth", "strm_hls_as_file"),
    after={"provider_order": _canonical_providers, "catalog_sites": _known_sites},
    whole=_strm_proxy_complete,
)


_cache: dict[str, Any] = {}


def _hints() -> dict[str, Any]:
    if "hints" not in _cache:
        hints = typing.get_type_hints(Settings, include_extras=True)
        _cache["hints"] = {name: hints[name] for name in Settings.model_fields}
    return typing.cast(dict[str, Any], _cache["hints"])


def _full_model() -> Any:
    if "model" not in _cache:
        _cache["model"] = pydantic_model("Settings", Settings.model_fields, _hints(), _RULES)
    return _cache["model"]


class SettingsError(Exception):
    """One human line naming the variable, the value and what is allowed."""


def env_name(field: str) -> str:
    return field.upper()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the environment; raise SettingsError with one line per bad variable."""
    env = os.environ if environ is None else environ
    raw: dict[str, str] = {}
    for name in Settings.model_fields:
        value = env.get(env_name(name))
        if value is not None and not (value == "" and name in _EMPTY_MEANS_DEFAULT):
            raw[name] = value
    try:
        return Settings.model_validate(raw)
    except ValueError as ex:
        from pydantic import ValidationError  # loaded already: only the full check raises

        if not isinstance(ex, ValidationError):
            raise
        problems = []
        for err in ex.errors():
            if not err["loc"]:  # a rule spanning several variables names them in its message
                problems.append(_allowed("", err))
                continue
            field = str(err["loc"][0])
            value = raw.get(field, "")
            problems.append(f"invalid {env_name(field)}={value!r}: {_allowed(field, err)}")
        raise SettingsError("; ".join(problems)) from None


_EMPTY_MEANS_DEFAULT = {"anibridge_host", "anibridge_port", "data_dir", "download_dir", "log_level", "log_format"}


def _allowed(field: str, err: Any) -> str:
    info = Settings.model_fields.get(field)
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if info is not None and info.description:
        return f"{msg} ({info.description.rstrip('.')})"
    return msg


def describe(settings: Settings) -> list[tuple[str, str]]:
    """Effective configuration for `anibridge config`: defaults applied, paths resolved, secrets masked."""
    rows: list[tuple[str, str]] = []
    # What the process will really use, not what was typed: a relative DATA_DIR resolved against the working
    # directory, the download directory it falls back to, the SQLite file an empty DATABASE_URL means.
    effective: dict[str, str] = {
        "data_dir": str(settings.data_dir.resolve()),
        "download_dir": str(settings.downloads_path.resolve()),
        "database_url": _mask_url_password(settings.effective_database_url),
    }
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name in effective:
            shown = effective[name]
        elif isinstance(value, SecretStr):
            shown = "********" if value.get_secret_value() else ""
        elif name == "notify_urls":  # Apprise URLs carry tokens and passwords: show only where they point
            shown = ",".join(_mask_notify_url(str(v)) for v in value)
        elif isinstance(value, list):
            shown = ",".join(str(v) for v in value)
        elif value is None:
            shown = ""
        else:
            shown = str(value)
        rows.append((env_name(name), shown))
    return rows


def _mask_url_password(url: str) -> str:
    """`postgresql://user:secret@host/db` → `postgresql://user:********@host/db`."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}"


def _mask_notify_url(url: str) -> str:
    """`discord://id/token` → `discord://id/********`; `json://user:pw@host/path` → `json://host/********`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "********"
    host, slash, path = rest.partition("/")
    host = host.rpartition("@")[2]
    return f"{scheme}://{host}" + ("/********" if slash and path else "")
