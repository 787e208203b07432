"""Catalogue site adapters (CatalogPort): AniWorld, s.to and Megakino; the composition root builds the enabled ones."""
