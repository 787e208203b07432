"""Torznab search use cases: what Sonarr, Radarr and Prowlarr get for a query, through ports only."""
