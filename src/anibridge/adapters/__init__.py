"""Adapters: implementations of the ports (sites, hosters, SkyHook, yt-dlp, SQL, files, clock)."""
