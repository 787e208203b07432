"""Jobs: the durable queue, its lifecycle rules, and running one job (a download or a `.strm` file)."""
