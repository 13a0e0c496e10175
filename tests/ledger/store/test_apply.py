"""``apply_file``: JSON Lines signed per actor, atomic batches, failures name the line and rule."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import KeyFileError, LedgerError, SchemaViolation
from ledger.log.keys import save_private_key
from ledger.store.apply import MAX_DEPTH, MAX_LINE_BYTES, KeyDirectory, apply_file, decode_line, parse_lines
from tests.conftest import Park
from tests.ledger.energy_helpers import batch, issue, metered, state


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
    park = metered(make_energy_park())  # GEC are issued only for metered generation
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


# -- hostile files (issue 13, point 9): named errors, nothing written -------------------------------


def _refused(park: Park, keys: KeyDirectory, path: Path, **kw: int) -> LedgerError:
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        apply_file(park.ledger, path, keys, **kw)
    assert state(park.ledger) == before
    return e.value


def test_deeply_nested_json_is_too_deep(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    good = json.dumps({"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1")})
    for depth in (MAX_DEPTH + 1, 100_000):  # parsed then measured; beyond Python's recursion limit
        nested = '{"actor":"E-1","kind":"readings.batch","payload":{"x":' + "[" * depth + "]" * depth + "}}"
        path = tmp_path / f"deep{depth}.jsonl"
        path.write_text(good + "\n" + nested + "\n")
        e = _refused(park, keys, path)
        assert (e.code, e.details["line"]) == ("apply.too_deep", 2)


def test_a_byte_that_is_not_utf8_is_named(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    line = json.dumps({"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1", source="x")})
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(line.encode().replace(b'"x"', b'"\xe9"') + b"\n")
    e = _refused(park, keys, path)
    assert (e.code, e.details["line"]) == ("apply.encoding", 1) and e.details["byte"] > 1


def test_missing_file_and_directory_are_named(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    assert _refused(park, keys, tmp_path / "absent.jsonl").code == "apply.file_missing"
    assert _refused(park, keys, tmp_path).code == "apply.file_unreadable"


@pytest.mark.parametrize(("option", "value"), [("batch_size", 0), ("batch_size", -3), ("max_line_bytes", 0)])
def test_bad_options_are_named(
    make_energy_park: Callable[[], Park], tmp_path: Path, option: str, value: int
) -> None:
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    path = _write(
        tmp_path / "in.jsonl", [{"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1")}]
    )
    e = _refused(park, keys, path, **{option: value})
    assert (e.code, e.details["option"]) == ("apply.bad_option", option)


def test_an_oversized_line_is_refused_early_in_bounded_memory(
    make_energy_park: Callable[[], Park], tmp_path: Path
) -> None:
    """A 50 MB line is refused after reading the limit (16 MiB), not after parsing 50 MB."""
    park = make_energy_park()
    keys = _keys(park, tmp_path / "keys")
    path = tmp_path / "big.jsonl"
    with path.open("wb") as f:
        f.write(
            json.dumps({"actor": "E-1", "kind": "readings.batch", "payload": batch("C-1")}).encode() + b"\n"
        )
        f.write(b'{"actor":"E-1","kind":"readings.batch","payload":{"source":"')
        f.write(b"x" * 50_000_000)
        f.write(b'"}}\n')
    tracemalloc.start()
    started = time.perf_counter()
    e = _refused(park, keys, path)
    elapsed = time.perf_counter() - started
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (e.code, e.details["line"], e.details["max_line_bytes"]) == (
        "apply.line_too_long",
        2,
        MAX_LINE_BYTES,
    )
    assert peak < 3 * MAX_LINE_BYTES and elapsed < 10
    small = _refused(park, keys, path, max_line_bytes=1000)  # the limit is an option
    assert (small.code, small.details["line"]) == ("apply.line_too_long", 2)


def test_a_line_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    line = json.dumps({"actor": "E-1", "kind": "k.x", "payload": {}}).encode()
    path = tmp_path / "exact.jsonl"
    path.write_bytes(line + b"\n")
    assert [x.number for x in parse_lines(path, max_line_bytes=len(line))] == [1]
    with pytest.raises(SchemaViolation) as e:
        list(parse_lines(path, max_line_bytes=len(line) - 1))
    assert e.value.code == "apply.line_too_long"


@pytest.mark.parametrize(
    "text",
    [
        '{"actor":"E-1","kind":"k.x","payload":{"v":NaN}}',
        '{"actor":"E-1","kind":"k.x","payload":{"v":Infinity}}',
        '{"actor":"E-1","kind":"k.x","payload":{"v":1},"payload":{"v":2}}',
        '{"actor":"E-1","kind":"k.x","payload":{"v":' + "9" * 5000 + "}}",
        "[1, 2]",
    ],
)
def test_json_that_cannot_be_signed_exactly_is_malformed(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(text + "\n")
    with pytest.raises(SchemaViolation) as e:
        list(parse_lines(path))
    assert e.value.code == "apply.line_malformed" and e.value.details["line"] == 1


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_bytes_are_a_line_or_a_named_error(raw: bytes) -> None:
    try:
        decode_line(raw, 1)
    except LedgerError as e:
        assert e.code.startswith("apply.") and e.details["line"] == 1
