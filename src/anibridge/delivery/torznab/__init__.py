"""Torznab delivery: `GET|HEAD /torznab/api` — parameter parsing, caps, RSS rendering (lxml)."""
