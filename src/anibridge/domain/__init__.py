"""anibridge's pure domain, usable as a library: `from anibridge.domain import build_magnet, ...`.

Exports identity types, records, release naming, magnets, title matching, the job state machine and STRM URL
signing. Use-case modules (scheduling, job running, stream resolution, STRM proxy) are imported from their
own modules; they talk to ports and are not re-exported here so importing the package stays cheap and free of
I/O libraries (a test checks that falcon, sqlalchemy, httpx, yt_dlp, lxml, pydantic and uvicorn stay unloaded).
"""

from anibridge.domain.catalog.identity import (
    EpisodeRef,
    Language,
    Site,
)
from anibridge.domain.catalog.titles import (
    ACCEPT_THRESHOLD,
    IndexEntry,
    TitleIndex,
    TitleMatch,
    compact,
    match_tokens,
    score,
)
from anibridge.domain.jobs.lifecycle import (
    IllegalTransition,
    transition,
)
from anibridge.domain.jobs.records import (
    Job,
    JobMode,
    JobState,
    ProgressUpdate,
)
from anibridge.domain.qbittorrent.records import (
    Category,
    ClientTask,
)
from anibridge.domain.qbittorrent.states import qbit_progress, qbit_state
from anibridge.domain.releases.magnets import (
    MagnetError,
    MagnetPayload,
    build_magnet,
    infohash,
    parse_magnet,
)
from anibridge.domain.releases.names import (
    build_release_name,
    final_file_name,
)
from anibridge.domain.streams.records import Availability
from anibridge.domain.strm.records import StrmMapping
from anibridge.domain.strm.urls import (
    AuthMode,
    SignatureError,
    proxy_url,
    stream_url,
)

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
    "TitleMatch",
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
