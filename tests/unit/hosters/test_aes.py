"""AES/GCM against published vectors (FIPS-197 appendix C, GCM spec test cases) and yt-dlp's independent code."""

from __future__ import annotations

import pytest

from anibridge.adapters.hosters.aes import AuthenticationError, encrypt_block, expand_key, gcm_decrypt, gcm_encrypt


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"),
        ("000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "8ea2b7ca516745bfeafc49904b496089"),
    ],
)
def test_fips197_block(key: str, expected: str) -> None:
    block = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert encrypt_block(expand_key(bytes.fromhex(key)), block).hex() == expected


GCM_CASES = [
    # (key, iv, plaintext, aad, ciphertext, tag) — GCM spec test cases 2, 14 and 16
    ("00" * 16, "00" * 12, "00" * 16, "", "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"),
    ("00" * 32, "00" * 12, "00" * 16, "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
    (
        "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        "76fc6ece0f4e1768cddf8853bb2d551b",
    ),
]


@pytest.mark.parametrize(("key", "iv", "pt", "aad", "ct", "tag"), GCM_CASES)
def test_gcm_vectors(key: str, iv: str, pt: str, aad: str, ct: str, tag: str) -> None:
    k, n, p, a = (bytes.fromhex(x) for x in (key, iv, pt, aad))
    cipher, got_tag = gcm_encrypt(k, n, p, a)
    assert (cipher.hex(), got_tag.hex()) == (ct, tag)
    assert gcm_decrypt(k, n, cipher, got_tag, a) == p


def test_gcm_rejects_tampering() -> None:
    key, nonce = bytes(range(32)), bytes(12)
    cipher, tag = gcm_encrypt(key, nonce, b'{"sources": []}')
    with pytest.raises(AuthenticationError):
        gcm_decrypt(key, nonce, bytes([cipher[0] ^ 1]) + cipher[1:], tag)
    with pytest.raises(AuthenticationError):
        gcm_decrypt(bytes(32), nonce, cipher, tag)


@pytest.mark.slow
def test_gcm_matches_independent_implementation() -> None:
    yt_aes = pytest.importorskip("yt_dlp.aes")
    key, nonce = bytes(range(32)), bytes(range(100, 112))
    plaintext = b'{"sources":[{"url":"https://cdn.example/master.m3u8","height":1080}]}' * 3
    cipher, tag = gcm_encrypt(key, nonce, plaintext)
    assert yt_aes.aes_gcm_decrypt_and_verify_bytes(cipher, key, tag, nonce) == plaintext
