"""Validate credentials against the UNTP and W3C VC JSON Schemas kept in ``../shared/data/vc``."""

from __future__ import annotations

import re
from typing import Any

import jsonschema

from tests.shared_data import shared_json

VC_SCHEMA = ("vc", "w3c-vc", "verifiable-credential-schema.json")
DTE_SCHEMAS = (("vc", "untp", "untp-dte-schema-0.6.1.json"), VC_SCHEMA)
DPP_SCHEMAS = (("vc", "untp", "untp-dpp-schema-0.6.1.json"), VC_SCHEMA)
DCC_SCHEMAS = (("vc", "untp", "untp-dcc-schema-0.6.1.json"), VC_SCHEMA)
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


def _uris(value: Any, path: str = "") -> list[str]:
    """Every ``id`` / ``productId`` in ``value`` that is not a URI (the schemas say ``format: uri``, which
    jsonschema checks only with an optional package)."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("id", "productId") and isinstance(v, str) and not _URI.match(v):
                found.append(f"{path}/{k}: {v!r}")
            found += _uris(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _uris(v, f"{path}/{i}")
    return found


def validate(credential: dict[str, Any], schemas: tuple[tuple[str, ...], ...]) -> None:
    """Against each of ``schemas`` (JSON Schema 2020-12, formats checked), ids as URIs."""
    for parts in schemas:
        schema = shared_json(*parts)
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
        errors = sorted(validator.iter_errors(credential), key=lambda e: list(e.absolute_path))
        assert not errors, (parts[-1], [(list(e.absolute_path), e.message) for e in errors[:5]])
    assert not _uris(credential)


def validate_dte(credential: dict[str, Any]) -> None:
    """Against the UNTP DTE 0.6.1 schema and the W3C VC 2.0 schema."""
    validate(credential, DTE_SCHEMAS)


def validate_dpp(credential: dict[str, Any]) -> None:
    """Against the UNTP DPP 0.6.1 schema and the W3C VC 2.0 schema."""
    validate(credential, DPP_SCHEMAS)


def validate_dcc(credential: dict[str, Any]) -> None:
    """Against the UNTP DCC 0.6.1 schema and the W3C VC 2.0 schema."""
    validate(credential, DCC_SCHEMAS)
