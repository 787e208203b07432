"""The JSON job API (`/downloader/download`, `/jobs/{id}`, `/jobs/{id}/events`), kept for the reference's clients."""
