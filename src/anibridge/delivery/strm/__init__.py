"""STRM proxy delivery: `GET|HEAD /strm/stream` and `GET|HEAD /strm/proxy[/{name}]`."""

from anibridge.delivery.strm.resources import ProxyResource, StreamResource, add_strm_routes

__all__ = ["ProxyResource", "StreamResource", "add_strm_routes"]
