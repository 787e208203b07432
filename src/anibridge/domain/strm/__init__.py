"""The STRM proxy: signed stable URLs for media servers and the use case that serves them."""
