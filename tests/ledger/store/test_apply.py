"""``apply_file``: JSON Lines signed per actor, atomic batches, failures name the line and rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import KeyFileError, LedgerError, SchemaViolation
from ledger.log.keys import save_private_key
from ledger.store.apply import KeyDirectory, apply_file
from tests.conftest import Park
from tests.ledger.energy_helpers import batch, issue, state


def _keys(park: Park, directory: Path) -> KeyDirectory:
    for actor, key in park.keys.items():
        save_private_key(key, directory / f"{actor}.pem")
    return KeyDirectory(directory)


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    return path


def test_apply_appends_and_is_idempotent_with_client_ids(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    lines = [
        {"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1"), "client_id": "b1"},
        {"actor": "R-1", "kind": "gec.issue", "payload": issue(1, 10), "client_id": "g1"},
        {
            "actor": "G-1",
            "kind": "gec.transfer",
            "payload": {"first": 1, "last": 5, "to": "E-1"},
            "client_id": "t1",
        },
    ]
    path = _write(tmp_path / "in.jsonl", lines)
    size = park.ledger.size()
    report = apply_file(park.ledger, path, keys, batch_size=2)
    assert (report.lines, report.appended, report.duplicates) == (3, 3, 0)
    assert (report.first_seq, report.last_seq) == (size, size + 2)
    again = apply_file(park.ledger, path, keys)
    assert (again.appended, again.duplicates, again.first_seq) == (0, 3, size)
    assert park.ledger.size() == size + 3


def test_failure_names_line_and_rule(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    lines = [
        {"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1")},
        {
            "actor": "E-2",
            "kind": "readings.batch",
            "payload": batch("C-1", start="2026-01-02T00:00:00+08:00"),
        },
    ]
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        apply_file(park.ledger, _write(tmp_path / "bad.jsonl", lines), keys)
    assert e.value.code == "readings.not_owner" and e.value.details["line"] == 2
    assert str(e.value).startswith("[readings.not_owner] line 2:")
    assert state(park.ledger) == before  # one batch: the good first line did not land either


def test_malformed_line_and_missing_key_write_nothing(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    before = state(park.ledger)
    good = json.dumps({"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1")})
    path = tmp_path / "x.jsonl"
    path.write_text(good + "\n{not json\n")
    with pytest.raises(SchemaViolation) as e:
        apply_file(park.ledger, path, keys)
    assert e.value.code == "apply.line_malformed" and e.value.details["line"] == 2
    path.write_text(
        good + "\n" + json.dumps({"actor": "ghost", "kind": "gec.issue", "payload": issue()}) + "\n"
    )
    with pytest.raises(KeyFileError) as e2:
        apply_file(park.ledger, path, keys)
    assert e2.value.details["line"] == 2
    assert state(park.ledger) == before
