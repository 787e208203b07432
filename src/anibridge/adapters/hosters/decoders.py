"""Pure decoders for the hosters' obfuscations: VOE's six-step config encoding and Dean Edwards' packer.

Kept free of I/O so each step is unit-tested on its own (tests/unit/hosters/test_decoders.py).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import re
from typing import Any

VOE_JUNK = ("@$", "^^", "~@", "%?", "*~", "!!", "#&")
_JSON_SCRIPT = re.compile(r'<script[^>]+type=["\']application/json["\'][^>]*>(.*?)</script>', re.S | re.I)
_A168C = re.compile(r"var\s+a168c\s*=\s*'([^']+)'")
_HLS_B64 = re.compile(r"""['"]hls['"]\s*:\s*['"]([A-Za-z0-9+/=]+)['"]""")


def _b64(text: str) -> bytes:
    text = text.strip()
    return base64.b64decode(text + "=" * (-len(text) % 4))


def voe_decode(encoded: str) -> dict[str, Any]:
    """ROT13 → drop junk tokens → base64 → shift −3 → reverse → base64 → JSON (VOE's player config encoding)."""
    step = codecs.decode(encoded, "rot13")
    for junk in VOE_JUNK:
        step = step.replace(junk, "_")
    step = step.replace("_", "")
    step = _b64(step).decode("latin-1")
    step = "".join(chr(ord(c) - 3) for c in step)[::-1]
    data = json.loads(_b64(step).decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("VOE config is not an object")
    return data


def voe_config_from_html(html: str) -> dict[str, Any] | None:
    """The decoded player config of a VOE page, trying the current and the older encodings; None if absent."""
    for body in _JSON_SCRIPT.findall(html):
        body = body.strip()
        try:
            value = json.loads(body)
        except ValueError:
            continue
        encoded = value[0] if isinstance(value, list) and value and isinstance(value[0], str) else value
        if isinstance(encoded, str):
            try:
                return voe_decode(encoded)
            except (ValueError, UnicodeDecodeError, binascii.Error):
                continue
    m = _A168C.search(html)
    if m:
        for attempt in (lambda s: voe_decode(codecs.encode(s, "rot13")), lambda s: json.loads(_b64(s).decode()[::-1])):
            try:
                data = attempt(m.group(1))
                if isinstance(data, dict):
                    return data
            except (ValueError, UnicodeDecodeError, binascii.Error):
                continue
    m = _HLS_B64.search(html)
    if m:
        try:
            return {"source": _b64(m.group(1)).decode()}
        except (ValueError, UnicodeDecodeError, binascii.Error):
            return None
    return None


_PACKED = re.compile(r"\}\s*\(\s*'(.*?)'\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*'(.*?)'\.split\('\|'\)", re.S)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _unbase(word: str, radix: int) -> int | None:
    value = 0
    for ch in word:
        digit = _DIGITS.find(ch)
        if digit < 0 or digit >= radix:
            return None
        value = value * radix + digit
    return value


def unpack_js(html: str) -> list[str]:
    """Every `eval(function(p,a,c,k,e,d)…)` block in the page, unpacked to its source."""
    out = []
    for m in _PACKED.finditer(html):
        payload, radix, count, words = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4).split("|")
        payload = payload.replace("\\'", "'").replace("\\\\", "\\")
        if radix > len(_DIGITS) or count > len(words) + 1:
            continue

        def swap(match: re.Match[str]) -> str:
            idx = _unbase(match.group(0), radix)
            if idx is None or idx >= len(words) or not words[idx]:
                return match.group(0)
            return words[idx]

        out.append(re.sub(r"\b\w+\b", swap, payload))
    return out
