"""`t=caps` as Sonarr/Prowlarr parse it: integer limits, `available="yes"`, comma-only supportedParams, and exactly the
category ids items use — Prowlarr accepts no item category that caps do not list."""

from __future__ import annotations

from lxml import etree

from anibridge.delivery.torznab.params import DEFAULT_LIMIT, MAX_LIMIT
from anibridge.domain.torznab.config import (
    MOVIE_HD,
    MOVIE_SD,
    TV_HD,
    TV_PARENT,
    TV_SD,
    SearchConfig,
)

TV_PARAMS = "q,season,ep,tvdbid,imdbid,rid,tvmazeid,tmdbid"
MOVIE_PARAMS = "q,imdbid,tmdbid"
"""Film ids are advertised so clients that know the film send them along with the title (FlexGet does): the items
echo them, and movie lists match by id where a title such as `Dune: Part Two` loses its colon. An id-only request
(Radarr's first tier) finds nothing, and Radarr then asks by title."""


def caps_xml(config: SearchConfig, sites: list[str], version: str) -> bytes:
    root = etree.Element("caps")
    etree.SubElement(root, "server", version=version, title="anibridge", supportedSites=",".join(sites))
    etree.SubElement(root, "limits", default=str(DEFAULT_LIMIT), max=str(MAX_LIMIT))
    searching = etree.SubElement(root, "searching")
    etree.SubElement(searching, "search", available="yes", supportedParams="q")
    etree.SubElement(searching, "tv-search", available="yes", supportedParams=TV_PARAMS)
    etree.SubElement(searching, "movie-search", available="yes", supportedParams=MOVIE_PARAMS)
    etree.SubElement(searching, "audio-search", available="no", supportedParams="q")
    etree.SubElement(searching, "book-search", available="no", supportedParams="q")
    cats = etree.SubElement(root, "categories")
    movies = etree.SubElement(cats, "category", id=str(config.cat_movie), name="Movies")
    etree.SubElement(movies, "subcat", id=str(MOVIE_SD), name="Movies/SD")
    etree.SubElement(movies, "subcat", id=str(MOVIE_HD), name="Movies/HD")
    tv = etree.SubElement(cats, "category", id=str(TV_PARENT), name="TV")
    etree.SubElement(tv, "subcat", id=str(TV_SD), name="TV/SD")
    etree.SubElement(tv, "subcat", id=str(TV_HD), name="TV/HD")
    if config.cat_anime not in (TV_PARENT, TV_SD, TV_HD):
        if TV_PARENT < config.cat_anime < TV_PARENT + 1000:
            etree.SubElement(tv, "subcat", id=str(config.cat_anime), name="TV/Anime")
        else:
            etree.SubElement(cats, "category", id=str(config.cat_anime), name="TV/Anime")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
