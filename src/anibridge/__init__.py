"""anibridge: German streaming catalogues as a Torznab indexer, a qBittorrent client and a STRM proxy."""

__version__ = "0.1.0"
