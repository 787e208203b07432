"""The episode the scheduler and file-work tests download, and the release title a client would send for it.

One definition, so tests that compare file names against TITLE agree on what they expect."""

from __future__ import annotations

from anibridge.domain.catalog.identity import EpisodeRef, Language, Site

REF = EpisodeRef(Site.ANIWORLD, "kaguya-sama", 1, 3, Language.GERMAN_SUB)
TITLE = "Kaguya-sama.S01E03.1080p.WEB.H264.GER.SUB-ANIWORLD"
