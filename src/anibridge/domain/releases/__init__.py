"""Releases: the names, magnets and info hashes Sonarr/Radarr track grabs by, and re-grab generations."""
