"""anibridge's pure domain, usable as a library: `from anibridge.domain import build_magnet, ...`.

Exports identity types, records, release naming, magnets, title matching, the job state machine and STRM URL
signing. Use-case modules (scheduling, job running, stream resolution, STRM proxy) are imported from their
own modules; they talk to ports and are not re-exported here so importing the package stays cheap and free of
I/O libraries (a test checks that falcon, sqlalchemy, httpx, yt_dlp, lxml, pydantic and uvicorn stay unloaded).
"""

from anibridge.domain.identity import EpisodeRef, Language, Site
from anibridge.domain.jobs import IllegalTransition, qbit_progress, qbit_state, transition
from anibridge.domain.magnets import MagnetError, MagnetPayload, build_magnet, infohash, parse_magnet
from anibridge.domain.matching import (
    ACCEPT_THRESHOLD,
    IndexEntry,
    Match,
    TitleIndex,
    compact,
    match_tokens,
    score,
)
from anibridge.domain.naming import build_release_name, final_file_name
from anibridge.domain.records import (
    Availability,
    Category,
    ClientTask,
    Job,
    JobMode,
    JobState,
    ProgressUpdate,
    StrmMapping,
)
from anibridge.domain.strm_urls import AuthMode, SignatureError, proxy_url, stream_url

__all__ = [
    "ACCEPT_THRESHOLD",
    "AuthMode",
    "Availability",
    "Category",
    "ClientTask",
    "EpisodeRef",
    "IllegalTransition",
    "IndexEntry",
    "Job",
    "JobMode",
    "JobState",
    "Language",
    "MagnetError",
    "MagnetPayload",
    "Match",
    "ProgressUpdate",
    "SignatureError",
    "Site",
    "StrmMapping",
    "TitleIndex",
    "build_magnet",
    "build_release_name",
    "compact",
    "final_file_name",
    "infohash",
    "match_tokens",
    "parse_magnet",
    "proxy_url",
    "qbit_progress",
    "qbit_state",
    "score",
    "stream_url",
    "transition",
]
