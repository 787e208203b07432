"""A hoster's text answer is told from media by its first bytes; media (even encrypted) never looks like text."""

from __future__ import annotations

import os

import pytest

from anibridge.domain.streams.hls_playlist import best_variant
from anibridge.domain.streams.playlist_length import media_playlist_seconds
from anibridge.domain.streams.sniff import text_body_reason

PAGE = b"<!DOCTYPE html><html><head><title>File not found</title></head><body>File was deleted</body></html>"


@pytest.mark.parametrize("head", [PAGE, b"\xef\xbb\xbf  <html><body>x</body></html>", b"File not found",
                                  b'{"error": "file not found", "status": 404}', "Datei nicht gefunden – "
                                  "bitte später erneut versuchen, die Datei wurde gelöscht".encode()])
def test_text_pages_are_recognised(head: bytes) -> None:
    assert text_body_reason(head, complete=True)


@pytest.mark.parametrize("head", [
    b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(64),  # MP4
    b"\x47\x40\x11\x10\x00\x42\xf0\x25\x00\x01\xc1\x00\x00\xff\x01\xff" * 8,  # MPEG-TS
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01" + bytes(40),  # Matroska
    os.urandom(512),  # an AES-encrypted HLS segment
])
def test_media_is_not_text(head: bytes) -> None:
    assert text_body_reason(head) is None


def test_too_few_bytes_of_an_unfinished_body_decide_nothing() -> None:
    assert text_body_reason(b"G@") is None  # MPEG-TS starts with the printable sync byte
    assert text_body_reason(b"") is None


def test_playlist_length_is_the_extinf_total_of_the_best_variant() -> None:
    master = ('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=1280x720\nlow/720p.m3u8\n'
              '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=1920x1080\nhigh/1080p.m3u8\n')
    assert media_playlist_seconds(master) is None
    variant = best_variant(master, "https://cdn.test/v/master.m3u8")
    assert variant is not None and variant.url == "https://cdn.test/v/high/1080p.m3u8"
    media = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.006,\na.ts\n#EXTINF:4.5,\nb.ts\n#EXT-X-ENDLIST\n"
    assert media_playlist_seconds(media) == pytest.approx(10.506)
