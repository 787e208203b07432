"""Loopback fakes of the catalogue sites, video hosters and SkyHook, faithful to spec/sites.md.

Used by the tests, `make cassettes` and `anibridge demo`. Never imported by the anibridge package itself.
"""
