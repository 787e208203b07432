"""XPath helpers for the page-structure tests (lxml, no cssselect)."""

from __future__ import annotations

from typing import Any

import httpx
from lxml import html


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def doc(response: httpx.Response) -> Any:
    assert response.status_code == 200, (response.status_code, response.text[:200])
    return html.fromstring(response.text)


def texts(nodes: list[Any]) -> list[str]:
    return [" ".join(n.text_content().split()) for n in nodes]
