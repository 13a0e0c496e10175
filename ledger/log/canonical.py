"""Canonical JSON bytes (RFC 8785, JSON Canonicalization Scheme).

The bytes that are hashed and signed are defined here once. The `rfc8785`
package does the canonicalisation; nothing else in Tanji serialises JSON for
hashing or signing.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from ledger.errors import SchemaViolation


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON-compatible value.

    Raises ``SchemaViolation`` for values JSON cannot carry exactly (NaN,
    infinities, integers beyond ±2**53, non-string keys).
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as e:
        raise SchemaViolation(f"value cannot be canonicalised: {e}", code="json.not_canonicalisable") from e


def canonical_text(value: Any) -> str:
    """The canonical form as text (what the log stores)."""
    return canonical_bytes(value).decode("utf-8")


def parse_canonical(text: str) -> Any:
    """Parse JSON text and check that it is already in canonical form.

    Raises ``SchemaViolation`` when the text is not JSON or not canonical.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise SchemaViolation(f"not JSON: {e}", code="json.invalid") from e
    if canonical_text(value) != text:
        raise SchemaViolation("JSON text is not in RFC 8785 canonical form", code="json.not_canonical")
    return value
