"""The video hosters anibridge can resolve, by their canonical names (sites, settings and the job API agree on them)."""

KNOWN_PROVIDERS = ("VOE", "Vidoza", "Doodstream", "Filemoon", "Vidmoly", "Streamtape", "LoadX", "Luluvdo", "GXPlayer")
