"""Published JSON Schemas: one per entry kind, generated from its pydantic payload model.

Integrators and verifiers parse the log from these files without reading
code. Each document describes the ``payload`` of one kind (draft 2020-12);
``entry.schema.json`` describes the envelope every entry body shares
(DESIGN.md section 3). Domain rules beyond the schema (ownership, overlaps,
holdings) are named in each kind's description by the module that checks them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.store.plugins import load_plugins
from ledger.store.registry import REGISTRY

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://tanji.dev/schemas/"

ENVELOPE: dict[str, Any] = {
    "$schema": DRAFT,
    "$id": BASE_ID + "entry.schema.json",
    "title": "Tanji ledger entry body",
    "description": "Canonical JSON (RFC 8785) of a stored entry; hash = SHA-256(0x00 || body). `sig` is the "
    "actor's Ed25519 signature over the canonical JSON of {v, kind, actor, payload[, client_id]}.",
    "type": "object",
    "additionalProperties": False,
    "required": ["v", "seq", "kind", "actor", "recorded_at", "payload", "prev", "sig"],
    "properties": {
        "v": {"const": 1},
        "seq": {"type": "integer", "minimum": 0},
        "kind": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"},
        "actor": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"},
        "recorded_at": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"},
        "payload": {"type": "object", "description": "see <kind>.schema.json"},
        "prev": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "sig": {"type": "string", "contentEncoding": "base64"},
        "client_id": {"type": "string", "minLength": 1, "maxLength": 200},
    },
}


def kind_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of the payload of kind ``name`` (``kind.unknown`` if not registered)."""
    load_plugins()
    kind = REGISTRY.get(name)
    schema = kind.payload.model_json_schema(mode="validation")
    doc: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"{BASE_ID}{name}.schema.json",
        "title": f"{name} payload",
    }
    if kind.summary:
        doc["description"] = kind.summary + (
            f" Submitted by roles: {', '.join(sorted(kind.roles))}." if kind.roles else ""
        )
    doc.update({k: v for k, v in schema.items() if k not in ("title", "description")})
    return doc


def schema_documents(prefixes: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """File name → schema, for every registered kind (or those whose name starts with ``prefixes``)."""
    load_plugins()
    docs = {"entry.schema.json": ENVELOPE}
    for name in REGISTRY.names():
        if prefixes is None or name.startswith(prefixes):
            docs[f"{name}.schema.json"] = kind_schema(name)
    return docs


def render(doc: dict[str, Any]) -> str:
    """Stable text of a schema document (sorted keys, two-space indent, final newline)."""
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_schemas(directory: Path, prefixes: tuple[str, ...] | None = None) -> list[Path]:
    """Write every schema document into ``directory`` (created if needed); returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fname, doc in schema_documents(prefixes).items():
        path = directory / fname
        path.write_text(render(doc), encoding="utf-8")
        written.append(path)
    return written


CORE_KINDS = (
    "actor.register",
    "actor.rotate_key",
    "park.register",
    "meter.register",
    "meter.retire",
    "readings.batch",
    "readings.correct",
    "supply.direct_link",
    "gec.issue",
    "gec.transfer",
    "gec.retire",
    "gec.expire",
    "trade.green_power",
    "trade.settle",
)
"""Kinds whose schemas the repository ships in ``schemas/`` (other packages publish theirs)."""
