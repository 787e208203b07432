"""Streams: from an episode to a playable hoster stream, its availability and quality, and HLS playlists."""
