"""Release names and final file names, written so Sonarr's and Radarr's title parser reads them as intended:
the series title it cleans to the same string as its own series title, the quality, the language and the site's
release group.

Differences from the reference, each because the reference's form was misread:
- Letters with accents are transliterated (`Pokémon` → `Pokemon`, `Shōgun` → `Shogun`, `ß` → `ss`) instead of
  becoming a separator (`Pok.mon`): Sonarr strips accents from its series title, so `Pok.mon` never matched.
- `%` after a number is spelled `Percent` (Sonarr's title cleaning turns `3%` into `3percent`), `&` is `and`,
  apostrophes vanish (`Grey's` → `Greys`, which cleans to the same string as Sonarr's `greysanatomy`).
- STRM twins carry `.STRM` *before* the group (`….GER.STRM-ANIWORLD`): Sonarr takes the release group from the
  token after the last hyphen, or from a trailing `[token]`; the reference's ` [STRM]` suffix therefore made the
  group `STRM` (and Sonarr then wrote `STRM` into renamed files).
"""

from __future__ import annotations

import re
import unicodedata

from anibridge.domain.catalog.identity import Language, require

STRM_TAG = "STRM"
LEGACY_STRM_SUFFIX = " [STRM]"
"""The reference's STRM marker; still recognised (and removed) in names of magnets grabbed before the change."""

_NON_ALNUM_ASCII = re.compile(r"[^A-Za-z0-9]+")
_STRM_MARK = re.compile(r"\.STRM(?=(?:-[A-Za-z0-9]+)?$)")
_PERCENT = re.compile(r"(?<=[0-9])\s*%")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u0060\u00b4]")
_AMPERSAND = re.compile(r"\s*&\s*")
# Letters NFKD does not decompose into ASCII + combining marks.
_LETTERS = str.maketrans({
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
    "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ł": "l", "Ł": "L", "ı": "i", "ħ": "h", "Ħ": "H", "ŋ": "ng",
})
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


def transliterate(text: str) -> str:
    """ASCII spelling of a title: accents dropped (NFKD, as Sonarr's accent removal does), a few letters spelled
    out (`ß` → `ss`, `æ` → `ae`, `ø` → `o`), `3%` → `3 Percent`, `&` → `and`, apostrophes removed."""
    text = _PERCENT.sub(" Percent", text)
    text = _AMPERSAND.sub(" and ", text)
    text = _APOSTROPHES.sub("", text)
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in text if not unicodedata.combining(c))


def sanitize_series(text: str) -> str:
    """Transliterated, then every run of non-ASCII-alphanumerics becomes one dot; no leading/trailing dots."""
    return _NON_ALNUM_ASCII.sub(".", transliterate(text)).strip(".")


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
    source_tag: str = "WEB-DL",
    year: int | None = None,
    strm: bool = False,
) -> str:
    """`<Series>.<SxxEyy>.<Quality>.<SOURCE>.<Codec>.<Lang>[.STRM]-<GROUP>`.

    `WEB-DL` is the default source: Sonarr and Radarr read `WEB` as WEB-DL only next to H.264/H.265 or
    720p/1080p/2160p, so `480p.WEB.AV1` became SDTV and `1440p.WEB.AV1` HDTV-1080p; `WEB-DL` is WEB-DL everywhere.

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
        STRM_TAG if strm else "",
    ]
    name = ".".join(p for p in parts if p)
    grp = group.strip().upper()
    if grp:
        name = f"{name}-{grp}"
    return name


def mark_strm(name: str) -> str:
    """`name` as the title of a STRM twin: `.STRM` before a trailing `-GROUP` (or at the end)."""
    head, sep, grp = name.rpartition("-")
    if sep and grp and grp.isalnum() and "." not in grp and " " not in grp:
        return f"{head}.{STRM_TAG}-{grp}"
    return f"{name}.{STRM_TAG}"


def strip_strm(name: str) -> str:
    """Remove the STRM marker, in its current (`.STRM-GROUP`) and the reference's (` [STRM]`) form."""
    return _STRM_MARK.sub("", name.replace(LEGACY_STRM_SUFFIX, "").strip()).strip()


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
