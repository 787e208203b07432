"""Release names (`Series.SxxEyy.Quality.SOURCE.Codec.Lang-GROUP`) and final file names, kept byte-compatible
so Sonarr's parser and grab history keep working after switching from the reference implementation."""

from __future__ import annotations

import re
import unicodedata

from anibridge.domain.catalog.identity import Language, require

STRM_SUFFIX = " [STRM]"

_NON_ALNUM_ASCII = re.compile(r"[^A-Za-z0-9]+")
_FILE_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_FILE_NAME_BYTES = 240
"""File systems allow 255 bytes per name; the rest is room for FileStore's collision suffix (`.2`)."""

_LANG_TAGS: dict[str, str] = {
    Language.GERMAN_DUB.value: "GER",
    Language.GERMAN_SUB.value: "GER.SUB",
    Language.ENGLISH_SUB.value: "ENG.SUB",
    Language.ENGLISH_DUB.value: "ENG",
    "Deutsch": "GER",
}


def sanitize_series(text: str) -> str:
    """Every run of non-ASCII-alphanumerics becomes one dot; no leading/trailing dots (umlauts separate)."""
    return _NON_ALNUM_ASCII.sub(".", text).strip(".")


def quality_tag(height: int | None) -> str:
    """Height bucket; unknown or below 480 is `SD`."""
    if not height or height <= 0:
        return "SD"
    for limit in (2160, 1440, 1080, 720, 480):
        if height >= limit:
            return f"{limit}p"
    return "SD"


def codec_tag(vcodec: str | None) -> str:
    """Map a codec string (`avc1.64001f`, `hevc`, `av01…`) to the scene tag; unknown counts as H264.

    Beyond the reference, the RFC 6381 HEVC tags `hvc1`/`hev1` (in HLS CODECS and MP4s) count as H265.
    """
    low = (vcodec or "").lower()
    if any(k in low for k in ("hevc", "h265", "x265", "hvc1", "hev1")):
        return "H265"
    if "av01" in low or "av1" in low:
        return "AV1"
    if "vp9" in low:
        return "VP9"
    return "H264"


def language_tag(language: Language | str) -> str:
    """Known labels map to GER/GER.SUB/ENG.SUB/ENG; any other label is sanitised like a series title."""
    label = language.value if isinstance(language, Language) else str(language)
    tag = _LANG_TAGS.get(label)
    return tag if tag is not None else sanitize_series(label)


def episode_tag(season: int | None, episode: int | None) -> str:
    """`SxxEyy` with at least two digits each; empty unless both are given."""
    if season is None or episode is None:
        return ""
    return f"S{season:02d}E{episode:02d}"


def build_release_name(
    title: str,
    season: int | None = None,
    episode: int | None = None,
    height: int | None = None,
    vcodec: str | None = None,
    language: Language = Language.GERMAN_DUB,
    group: str = "ANIWORLD",
    source_tag: str = "WEB",
    year: int | None = None,
    strm: bool = False,
) -> str:
    """`<Series>.<SxxEyy>.<Quality>.<SOURCE>.<Codec>.<Lang>-<GROUP>[ [STRM]]`.

    Specials: the caller passes the alias numbering Sonarr asked for (e.g. S00E05); movies pass no
    season/episode and may pass `year`, which is appended to the title before sanitising.
    """
    require(title, str, "title")
    for name, value in (("season", season), ("episode", episode), ("height", height), ("year", year)):
        require(value, (int, type(None)), name)
    require(vcodec, (str, type(None)), "vcodec")
    require(language, Language, "language", " (use Language.parse)")
    require(group, str, "group")
    require(source_tag, str, "source_tag")
    require(strm, bool, "strm")
    display = f"{title} {year}" if year is not None else title
    parts = [
        sanitize_series(display),
        episode_tag(season, episode),
        quality_tag(height),
        source_tag,
        codec_tag(vcodec),
        language_tag(language),
    ]
    name = ".".join(p for p in parts if p)
    grp = group.strip().upper()
    if grp:
        name = f"{name}-{grp}"
    return name + STRM_SUFFIX if strm else name


def strip_strm(name: str) -> str:
    """Remove every ` [STRM]` marker (the file on disk never carries it)."""
    return name.replace(STRM_SUFFIX, "").strip()


def _invisible(ch: str) -> bool:
    """Format characters (bidi overrides such as U+202E, zero-width spaces and joiners, BOM) and line/paragraph
    separators: they make `進撃\u202egnp.exe` display as another name than the one on disk."""
    return unicodedata.category(ch) in ("Cf", "Zl", "Zp")


def strip_invisible(text: str) -> str:
    return "".join(ch for ch in text if not _invisible(ch))


def sanitize_file_name(name: str) -> str:
    """Each run of characters Windows/Samba reject (`\\ / : * ? " < > |`, control characters) becomes one `_`;
    invisible characters go; leading dots go (no hidden files, and never the `.anibridge-<id>.<hoster>` temp-file
    pattern another job's partial-file cleanup deletes)."""
    return _FILE_UNSAFE.sub("_", strip_invisible(name)).strip().lstrip(". ").strip()


def final_file_name(dn: str, ext: str) -> str | None:
    """File name for a finished download named after the magnet's `dn`: sanitised, plus the extension.

    `ext` is the temp file's extension with or without the dot. Returns None when `dn` is empty after
    stripping ` [STRM]` (the caller then falls back to building a name). Collision numbering (`.2`, `.3`)
    needs the filesystem and is the FileStore's job.
    """
    require(dn, str, "dn")
    require(ext, str, "ext")
    base = sanitize_file_name(strip_strm(dn))
    if not base:
        return None
    dot_ext = ext.lower() if not ext or ext.startswith(".") else "." + ext.lower()
    if dot_ext and base.lower().endswith(dot_ext):
        base, dot_ext = base[: -len(dot_ext)], base[-len(dot_ext):]  # keep the dn's own spelling of it
    room = MAX_FILE_NAME_BYTES - len(dot_ext.encode("utf-8"))
    if len(base.encode("utf-8")) > room:  # an over-long dn must not make the final rename fail (ENAMETOOLONG)
        base = base.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip()
    return base + dot_ext
