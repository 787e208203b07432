"""HTTP delivery of the catalogue use cases (title search for `anibridge --server … search`)."""
