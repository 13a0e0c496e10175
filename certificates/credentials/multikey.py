"""Multibase (base58-btc) and Multikey encodings of Ed25519 keys and signatures.

The W3C Data Integrity specifications write signatures as Multibase base58-btc
strings (``z`` + base58 with the Bitcoin alphabet) and keys as Multikey: the
multicodec prefix of the key type as an unsigned varint (``0xed`` Ed25519
public key → bytes ``ed 01``; ``0x1300`` Ed25519 private key → ``80 26``) and
the 32 raw key bytes, in base58-btc multibase (a public key starts ``z6Mk``).
"""

from __future__ import annotations

from typing import Final, NewType

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.credentials.errors import MalformedCredential

__all__ = [
    "Multibase",
    "base58btc_decode",
    "base58btc_encode",
    "multibase_decode",
    "multibase_encode",
    "private_key_from_multikey",
    "private_key_multikey",
    "public_key_from_multikey",
    "public_key_multikey",
]

Multibase = NewType("Multibase", str)
"""A base58-btc multibase string (``z…``)."""

ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX: Final = {c: i for i, c in enumerate(ALPHABET)}
ED25519_PUB: Final = bytes([0xED, 0x01])
ED25519_PRIV: Final = bytes([0x80, 0x26])


def base58btc_encode(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet; each leading zero byte becomes a ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(ALPHABET[rest])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """The bytes of a base58-btc string; ``MalformedCredential`` names a character outside the alphabet."""
    number = 0
    for position, char in enumerate(text):
        if char not in _INDEX:
            raise MalformedCredential(
                f"character {char!r} at {position} is not base58-btc", value=text, position=position
            )
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> Multibase:
    """``z`` + base58-btc of ``data``."""
    return Multibase("z" + base58btc_encode(data))


def multibase_decode(text: str) -> bytes:
    """The bytes of a base58-btc multibase string; only the ``z`` header is accepted."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise MalformedCredential(
            f"{text!r} is not a base58-btc multibase string (header 'z')", value=str(text)
        )
    return base58btc_decode(text[1:])


def _multikey_bytes(text: str, prefix: bytes, what: str) -> bytes:
    raw = multibase_decode(text)
    if raw[:2] != prefix or len(raw) != 34:
        raise MalformedCredential(
            f"{text!r} is not an {what} Multikey (multicodec {prefix.hex()} + 32 bytes; got "
            f"{raw[:2].hex()} + {len(raw) - 2} bytes)",
            value=text,
        )
    return raw[2:]


def public_key_multikey(key: Ed25519PublicKey) -> Multibase:
    """The Multikey of an Ed25519 public key (``z6Mk…``)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_encode(ED25519_PUB + raw)


def public_key_from_multikey(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a Multikey string."""
    return Ed25519PublicKey.from_public_bytes(_multikey_bytes(text, ED25519_PUB, "Ed25519 public key"))


def private_key_multikey(key: Ed25519PrivateKey) -> Multibase:
    """The Multikey of an Ed25519 private key (its 32-byte seed)."""
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return multibase_encode(ED25519_PRIV + raw)


def private_key_from_multikey(text: str) -> Ed25519PrivateKey:
    """The Ed25519 private key of a Multikey string (``privateKeyMultibase``)."""
    return Ed25519PrivateKey.from_private_bytes(_multikey_bytes(text, ED25519_PRIV, "Ed25519 private key"))
