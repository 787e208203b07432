"""Ports: the small typing.Protocol interfaces the domain talks through; adapters implement them."""
