"""Pure-Python AES (forward cipher only) and AES-GCM, for Filemoon/Byse's encrypted playback payload.

Why here and not a dependency: no crypto library is on the dependency list and the payload is a few hundred
bytes once per resolve, so speed does not matter. GCM needs only the forward cipher (CTR mode + GHASH), which
keeps this small. Verified against FIPS-197 and the GCM spec test vectors (tests/unit/hosters/test_aes.py).
"""

from __future__ import annotations


class AuthenticationError(ValueError):
    """The GCM tag did not match: wrong key, nonce or tampered ciphertext."""


def _build_sbox() -> tuple[int, ...]:
    sbox = [0] * 256
    p = q = 1
    while True:
        p = p ^ ((p << 1) & 0xFF) ^ (0x1B if p & 0x80 else 0)  # p *= 3 in GF(2^8)
        q ^= q << 1
        q ^= q << 2
        q ^= q << 4
        q &= 0xFF
        if q & 0x80:
            q ^= 0x09  # q /= 3
        rot = q ^ _rotl8(q, 1) ^ _rotl8(q, 2) ^ _rotl8(q, 3) ^ _rotl8(q, 4)
        sbox[p] = rot ^ 0x63
        if p == 1:
            break
    sbox[0] = 0x63
    return tuple(sbox)


def _rotl8(x: int, shift: int) -> int:
    return ((x << shift) | (x >> (8 - shift))) & 0xFF


_SBOX = _build_sbox()


def _xtime(a: int) -> int:
    return ((a << 1) ^ 0x1B) & 0xFF if a & 0x80 else a << 1


def expand_key(key: bytes) -> list[list[int]]:
    """Round keys (16 bytes each) for a 16-, 24- or 32-byte key."""
    if len(key) not in (16, 24, 32):
        raise ValueError(f"AES key must be 16, 24 or 32 bytes, got {len(key)}")
    nk = len(key) // 4
    rounds = nk + 6
    words = [list(key[4 * i : 4 * i + 4]) for i in range(nk)]
    rcon = 1
    for i in range(nk, 4 * (rounds + 1)):
        temp = list(words[i - 1])
        if i % nk == 0:
            temp = [_SBOX[b] for b in temp[1:] + temp[:1]]
            temp[0] ^= rcon
            rcon = _xtime(rcon)
        elif nk > 6 and i % nk == 4:
            temp = [_SBOX[b] for b in temp]
        words.append([a ^ b for a, b in zip(words[i - nk], temp)])
    return [sum(words[4 * r : 4 * r + 4], []) for r in range(rounds + 1)]


def encrypt_block(round_keys: list[list[int]], block: bytes) -> bytes:
    """One AES block (state index = row + 4 * column, as in FIPS-197)."""
    state = [b ^ k for b, k in zip(block, round_keys[0])]
    last = len(round_keys) - 1
    for rnd in range(1, last + 1):
        sub = [_SBOX[b] for b in state]
        state = [sub[(r + 4 * ((c + r) % 4))] for c in range(4) for r in range(4)]
        if rnd != last:
            mixed: list[int] = []
            for c in range(4):
                a0, a1, a2, a3 = state[4 * c : 4 * c + 4]
                t = a0 ^ a1 ^ a2 ^ a3
                mixed += [a0 ^ t ^ _xtime(a0 ^ a1), a1 ^ t ^ _xtime(a1 ^ a2), a2 ^ t ^ _xtime(a2 ^ a3), a3 ^ t ^ _xtime(a3 ^ a0)]
            state = mixed
        state = [b ^ k for b, k in zip(state, round_keys[rnd])]
    return bytes(state)


_R = 0xE1 << 120


def _gmul(x: int, y: int) -> int:
    """Multiplication in GF(2^128) with GCM's bit order (most significant bit = x^0)."""
    z = 0
    v = y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    return z


def _ghash(h: int, aad: bytes, data: bytes) -> int:
    y = 0
    for chunk in (aad, data):
        for i in range(0, len(chunk), 16):
            block = chunk[i : i + 16].ljust(16, b"\0")
            y = _gmul(y ^ int.from_bytes(block, "big"), h)
    lengths = (len(aad) * 8).to_bytes(8, "big") + (len(data) * 8).to_bytes(8, "big")
    return _gmul(y ^ int.from_bytes(lengths, "big"), h)


def _ctr(round_keys: list[list[int]], counter: bytes, data: bytes) -> bytes:
    out = bytearray()
    prefix, count = counter[:12], int.from_bytes(counter[12:], "big")
    for i in range(0, len(data), 16):
        count = (count + 1) & 0xFFFFFFFF
        stream = encrypt_block(round_keys, prefix + count.to_bytes(4, "big"))
        out += bytes(a ^ b for a, b in zip(data[i : i + 16], stream))
    return bytes(out)


def _setup(key: bytes, nonce: bytes) -> tuple[list[list[int]], int, bytes]:
    if not nonce:
        raise ValueError("GCM nonce must not be empty")
    round_keys = expand_key(key)
    h = int.from_bytes(encrypt_block(round_keys, bytes(16)), "big")
    if len(nonce) == 12:
        j0 = nonce + b"\0\0\0\1"
    else:
        j0 = _ghash(h, b"", nonce).to_bytes(16, "big")
    return round_keys, h, j0


def gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> tuple[bytes, bytes]:
    """(ciphertext, 16-byte tag)."""
    round_keys, h, j0 = _setup(key, nonce)
    cipher = _ctr(round_keys, j0, plaintext)
    tag = _ghash(h, aad, cipher) ^ int.from_bytes(encrypt_block(round_keys, j0), "big")
    return cipher, tag.to_bytes(16, "big")


def gcm_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, tag: bytes, aad: bytes = b"") -> bytes:
    """Plaintext, or AuthenticationError when the tag does not verify."""
    round_keys, h, j0 = _setup(key, nonce)
    expected = _ghash(h, aad, ciphertext) ^ int.from_bytes(encrypt_block(round_keys, j0), "big")
    if len(tag) != 16 or expected.to_bytes(16, "big") != tag:
        raise AuthenticationError("AES-GCM tag mismatch")
    return _ctr(round_keys, j0, ciphertext)
