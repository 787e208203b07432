"""AES-128-CBC for the STRM proxy's HLS-as-file mode, from pycryptodomex (already a dependency for yt-dlp's HLS).

The pure-Python cipher in `adapters/hosters/aes.py` suits a few hundred bytes; a segment is megabytes and must be
decrypted at playback speed, so this one is native.
"""

from __future__ import annotations

from Cryptodome.Cipher import AES


class _Chain:
    def __init__(self, key: bytes, iv: bytes) -> None:
        self._cipher = AES.new(key, AES.MODE_CBC, iv=iv)

    def decrypt(self, data: bytes) -> bytes:
        return bytes(self._cipher.decrypt(data))


class NativeSegmentCipher:
    def aes128_cbc(self, key: bytes, iv: bytes) -> _Chain:
        return _Chain(key, iv)
