"""The qBittorrent client as Sonarr and Radarr see it: tasks ("torrents"), categories, tags, listing and sync."""
