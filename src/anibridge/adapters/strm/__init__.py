"""The STRM proxy's upstream side: a pooled, SSRF-guarded media client and the body relay."""
