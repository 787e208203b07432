"""AES-128-CBC for HLS segments, from pycryptodomex (already a dependency for yt-dlp's HLS): one decryptor for
the own HLS downloader and the STRM proxy's HLS-as-file mode.

The pure-Python cipher in `adapters/hosters/aes.py` suits a few hundred bytes; a segment is megabytes and must be
decrypted at download or playback speed, so this one is native.
"""

from __future__ import annotations

from anibridge.domain.streams.hls_playlist import AES_BLOCK, pkcs7_padding


class CbcStream:
    """One CBC chain. `decrypt` takes whole blocks (the proxy cuts its ranges at blocks itself); `feed` takes a
    body in pieces of any size and `finish` removes its PKCS#7 padding."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        from Cryptodome.Cipher import AES  # ~2.5 MB resident: loaded with the first encrypted segment, not at start

        self._cipher = AES.new(key, AES.MODE_CBC, iv=iv)
        self._pending = b""

    def decrypt(self, data: bytes) -> bytes:
        return bytes(self._cipher.decrypt(data))

    def feed(self, data: bytes) -> bytes:
        data = self._pending + data
        usable = max(0, (len(data) - 1) // AES_BLOCK * AES_BLOCK)  # the last block waits: it carries the padding
        self._pending = data[usable:]
        return self.decrypt(data[:usable]) if usable else b""

    def finish(self) -> bytes | None:
        """The last plaintext bytes, or None when the body is no AES-128 ciphertext with valid padding."""
        if len(self._pending) != AES_BLOCK:
            return None
        last = self.decrypt(self._pending)
        pad = pkcs7_padding(last)
        return None if pad is None else last[:-pad]


class NativeSegmentCipher:
    def aes128_cbc(self, key: bytes, iv: bytes) -> CbcStream:
        return CbcStream(key, iv)
