"""The one AES-128-CBC stream decryptor of HLS segments (the downloader feeds it pieces of any size)."""

from __future__ import annotations

import pytest
from Cryptodome.Cipher import AES
from Cryptodome.Util.Padding import pad

from anibridge.adapters.aes_cbc import CbcStream


@pytest.mark.parametrize("piece", [1, 7, 16, 33, 1000])
def test_the_cbc_stream_decrypts_pieces_of_any_size_and_drops_the_padding(piece: int) -> None:
    key, iv, plain = bytes(range(16)), bytes(16), bytes(range(256)) * 3 + b"tail"
    body = AES.new(key, AES.MODE_CBC, iv=iv).encrypt(pad(plain, 16))
    stream = CbcStream(key, iv)
    out = b"".join(stream.feed(body[i:i + piece]) for i in range(0, len(body), piece))
    assert out + (stream.finish() or b"!") == plain
    broken = CbcStream(key, iv)
    broken.feed(body[:-1])
    assert broken.finish() is None
