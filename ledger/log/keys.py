"""Ed25519 keys: create, save as PEM (0600, optional passphrase), load, sign, verify.

Public keys travel as base64 of the raw 32 bytes; signatures as base64 of the
raw 64 bytes.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import KeyFileError, SchemaViolation

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "public_key_b64",
    "public_key_from_b64",
    "raw_public_key",
    "save_private_key",
    "save_public_key",
    "sign_b64",
    "verify_b64",
]


def generate_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def save_private_key(
    key: Ed25519PrivateKey, path: Path, passphrase: bytes | None = None, *, overwrite: bool = False
) -> None:
    """Write ``key`` as PKCS#8 PEM readable by the owner only (0600).

    Refuses to replace an existing file unless ``overwrite``; encrypted with
    the best available scheme when ``passphrase`` is given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    algorithm: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, algorithm)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as e:
        raise KeyFileError(f"key file {path} exists already; not overwriting", code="key.exists") from e
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(path, 0o600)  # O_CREAT's mode is masked by umask; an existing file keeps its mode


def load_private_key(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Read an Ed25519 private key from a PEM file."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise KeyFileError(f"cannot read key file {path}: {e.strerror}") from e
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as e:
        raise KeyFileError(
            f"key file {path} is not a readable PEM private key (wrong passphrase?): {e}"
        ) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"key file {path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def save_public_key(key: Ed25519PublicKey, path: Path) -> None:
    """Write a public key as SubjectPublicKeyInfo PEM."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(
        key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key from a PEM file."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise KeyFileError(f"cannot read key file {path}: {e.strerror}") from e
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as e:
        raise KeyFileError(f"key file {path} is not a PEM public key: {e}") from e
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"key file {path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """The raw 32 bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(key: Ed25519PublicKey) -> str:
    """Base64 of the raw 32-byte public key (how entries carry keys)."""
    return base64.b64encode(raw_public_key(key)).decode("ascii")


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """Parse a base64 raw Ed25519 public key; ``SchemaViolation`` if malformed."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise SchemaViolation(f"public key {text!r} is not base64", code="key.malformed") from e
    if len(raw) != 32:
        raise SchemaViolation(f"public key must be 32 bytes, got {len(raw)}", code="key.malformed")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign_b64(key: Ed25519PrivateKey, data: bytes) -> str:
    """Sign ``data``; base64 of the 64-byte signature."""
    return base64.b64encode(key.sign(data)).decode("ascii")


def verify_b64(public_key: Ed25519PublicKey | bytes, signature_b64: str, data: bytes) -> bool:
    """True when ``signature_b64`` is a valid signature of ``data``. Never raises."""
    try:
        sig = base64.b64decode(signature_b64, validate=True)
        key = (
            public_key
            if isinstance(public_key, Ed25519PublicKey)
            else Ed25519PublicKey.from_public_bytes(public_key)
        )
        key.verify(sig, data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
