"""Delivery adapters: the Falcon ASGI resources and the CLI."""
