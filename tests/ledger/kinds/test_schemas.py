"""Published JSON Schemas: generated from the models, shipped in schemas/, and they accept real payloads."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ledger.kinds.schemas import CORE_KINDS, export_schemas, render, schema_documents
from ledger.store.registry import REGISTRY
from tests.ledger.energy_helpers import batch, issue, retire

REPO_SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def test_repository_schemas_are_current() -> None:
    """schemas/ must equal what the models generate (regenerate with `tanji schema export schemas`)."""
    for fname, doc in schema_documents(CORE_KINDS).items():
        assert (REPO_SCHEMAS / fname).read_text(encoding="utf-8") == render(doc), fname


def test_export_covers_every_kind(tmp_path: Path) -> None:
    names = {p.name for p in export_schemas(tmp_path)}
    assert names == {"entry.schema.json"} | {f"{k}.schema.json" for k in REGISTRY.names()}
    for p in tmp_path.iterdir():
        jsonschema.Draft202012Validator.check_schema(json.loads(p.read_text()))


@pytest.mark.parametrize(
    ("kind", "payload", "valid"),
    [
        ("readings.batch", batch(), True),
        ("readings.batch", {**batch(), "values": [1.5]}, False),
        ("readings.batch", {**batch(), "resolution": "PT5M"}, False),
        ("gec.issue", issue(), True),
        ("gec.retire", retire(1, 2), True),
        ("gec.transfer", {"first": 1, "last": 2}, False),
    ],
)
def test_schemas_agree_with_models(kind: str, payload: dict[str, object], valid: bool) -> None:
    schema = json.loads((REPO_SCHEMAS / f"{kind}.schema.json").read_text())
    ok = jsonschema.Draft202012Validator(schema).is_valid(payload)
    assert ok is valid
    try:
        REGISTRY.get(kind).validate(payload)
        model_ok = True
    except Exception:  # noqa: BLE001 - any validation failure
        model_ok = False
    assert model_ok is valid
