"""Builders for the Torznab providers (kept out of container.py so the composition root stays a list)."""

from __future__ import annotations

from collections.abc import Mapping

from anibridge.delivery.torznab.routes import TorznabOptions
from anibridge.domain.catalog.identity import (
    Language,
    Site,
)
from anibridge.domain.catalog.lookup import TitleLookup
from anibridge.domain.catalog.reachability import SiteReachability
from anibridge.domain.streams.availability import (
    AvailabilityService,
)
from anibridge.domain.torznab.config import SearchConfig
from anibridge.domain.torznab.context import SearchContext
from anibridge.domain.torznab.service import TorznabSearch
from anibridge.ports.catalog import CatalogPort
from anibridge.ports.metadata import MetadataPort
from anibridge.ports.repos import AvailabilityRepo, RegrabRepo
from anibridge.ports.streams import QualityProbePort, StreamSource
from anibridge.ports.system import Clock
from anibridge.settings import Settings


def search_config(settings: Settings) -> SearchConfig:
    return SearchConfig(
        cat_anime=settings.torznab_cat_anime,
        cat_movie=settings.torznab_cat_movie,
        source_tag=settings.source_tag,
        groups={site: settings.release_group_for(site) for site in ("aniworld.to", "s.to", "megakino")},
        strm_mode=settings.strm_files_mode,
        season_mode=settings.torznab_season_search_mode,
        probe_concurrency=settings.torznab_probe_concurrency,
        strict_max_episodes=settings.torznab_season_search_max_episodes,
        strict_max_misses=settings.torznab_season_search_max_consecutive_misses,
        return_test_result=settings.torznab_return_test_result,
        test_title=settings.torznab_test_title,
        test_slug=settings.torznab_test_slug,
        test_season=settings.torznab_test_season,
        test_episode=settings.torznab_test_episode,
        test_language=Language.try_parse(settings.torznab_test_language) or Language.GERMAN_DUB,
        specials_enabled=settings.specials_metadata_enabled,
        specials_threshold=settings.specials_match_confidence_threshold,
        site_urls={"aniworld.to": settings.aniworld_base_url, "s.to": settings.sto_base_url,
                   "megakino": settings.megakino_base_url},
        stale_max_hours=settings.torznab_stale_max_hours,
    )


def build_availability(
    repo: AvailabilityRepo, finder: StreamSource, probe: QualityProbePort, clock: Clock, settings: Settings
) -> AvailabilityService:
    return AvailabilityService(repo, finder, probe, clock, ttl_hours=settings.availability_ttl_hours)


def build_torznab_search(
    catalogs: Mapping[Site, CatalogPort],
    resolver: TitleLookup,
    metadata: MetadataPort,
    availability: AvailabilityService,
    clock: Clock,
    settings: Settings,
    regrabs: RegrabRepo,
    reachability: SiteReachability | None = None,
) -> TorznabSearch:
    ctx = SearchContext(catalogs, resolver, metadata, availability, clock, search_config(settings))
    return TorznabSearch(ctx, regrabs, reachability)


def torznab_options(settings: Settings) -> TorznabOptions:
    return TorznabOptions(
        config=search_config(settings),
        api_key=settings.indexer_api_key.get_secret_value(),
        indexer_name=settings.indexer_name,
        sites=tuple(settings.catalog_sites),
        seeders=settings.torznab_fake_seeders,
        leechers=settings.torznab_fake_leechers,
    )
