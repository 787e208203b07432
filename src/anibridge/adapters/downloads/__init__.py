"""Download engines beside yt-dlp: parallel Range parts for progressive files, and the shared connection budget."""
