"""Committed result rows: one per (consumer meter, month), a Merkle root in ``attribution.run``, proofs.

The month park of ``tests.ledger.park_fixtures`` by hand: C-1 gets 240 Wh of W-1 each of 744 hours
(all of it hour-matched) and GEC unit 1, retired for it; C-2 gets 60 Wh of W-1 an hour, unclaimed;
C-3 100,000 Wh of S-1 by trade (matched, not claimable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    ProofError,
    ResultRow,
    RowProof,
    root_from_row_proof,
    rows_root,
    run_row,
    run_rows,
    verify_row,
)
from ledger.attribution.rows import ROW_FORMAT, ROWS_FORMAT, GecRange, row_proof
from ledger.attribution.runner import run_attribution, verify_run
from ledger.errors import LedgerError
from ledger.log import merkle
from tests.conftest import Park
from tests.ledger.park_fixtures import EXPECTED, HOURS, MONTH, build_month_park

ALL = ["C-1", "C-2", "C-3"]


@pytest.fixture
def attributed(make_park: Callable[[], Park]) -> tuple[Park, int]:
    park = build_month_park(make_park())
    summary = run_attribution(park.ledger, "operator", park.keys["operator"], (MONTH,), ALL)
    return park, summary.seq


def test_rows_by_hand_and_their_root_in_the_run(attributed: tuple[Park, int]) -> None:
    park, seq = attributed
    payload = park.ledger.entry(seq).payload
    assert payload["rows_format"] == ROWS_FORMAT
    with park.ledger.db.read_session() as s:
        rows = run_rows(s, seq)
    assert [r.key for r in rows] == [(MONTH, m) for m in ALL]
    assert payload["row_count"] == 3 and rows_root(rows).hex() == payload["rows_root"]
    by = {r.meter_id: r for r in rows}
    for meter, want in EXPECTED.items():
        got = by[meter].to_json()
        assert {k: got[k] for k in want if k in got} == {k: v for k, v in want.items() if k in got}
    c1, c2, c3 = by["C-1"], by["C-2"], by["C-3"]
    assert (c1.hourly_matched_wh, c2.hourly_matched_wh, c3.hourly_matched_wh) == (
        240 * HOURS,
        60 * HOURS,
        100_000,
    )
    assert c1.by_technology == {
        "direct": {"wind": 178_560},
        "claimable_direct": {"wind": 178_560},
        "contracted": {},
        "claimable_contracted": {},
        "certificate": {"wind": 119_040},
    }
    assert c3.by_technology["contracted"] == {"solar": 100_000} and c3.gec_backed_wh == 0
    [unit] = c1.gec
    assert (unit.first, unit.last, unit.generator, unit.vintage, unit.technology) == (
        1,
        1,
        "W-1",
        MONTH,
        "wind",
    )
    assert c2.gec == () and c3.gec == ()


def test_every_row_proves_into_the_runs_root(attributed: tuple[Park, int]) -> None:
    park, seq = attributed
    committed = park.ledger.entry(seq).payload
    root, size = bytes.fromhex(committed["rows_root"]), committed["row_count"]
    for meter in ALL:
        with park.ledger.db.read_session() as s:
            proven = run_row(s, seq, meter, MONTH)
        p = proven.proof
        # the ledger's own Merkle functions, on the row's canonical bytes
        leaf = merkle.leaf_hash(proven.row.canonical_bytes())
        assert merkle.verify_inclusion(leaf, p.index, size, list(p.path), root)
        assert verify_row(proven.row, RowProof.from_json(p.to_json()), root.hex(), size)
        # what was committed is what is shown: from JSON to the same leaf
        assert ResultRow.from_json(proven.row.to_json()).leaf_hash() == leaf
        changed = ResultRow.from_json(
            {
                **proven.row.to_json(),
                "grid_wh": proven.row.grid_wh + 1,
                "consumption_wh": proven.row.consumption_wh + 1,
            }
        )
        assert not verify_row(changed, p, root, size)
        assert not verify_row(
            proven.row, RowProof(p.index, p.size + 1, p.leaf_hash, p.path, p.root), root, size
        )
    with park.ledger.db.read_session() as s, pytest.raises(LedgerError) as e:
        run_row(s, seq, "C-9", MONTH)
    assert e.value.code == "attribution.row_not_found"


def test_the_append_rerun_checks_the_root(attributed: tuple[Park, int]) -> None:
    park, seq = attributed
    good = dict(park.ledger.entry(seq).payload)
    good["log_end"] = park.ledger.size()
    for change, code in (
        ({"rows_root": "00" * 32}, "attribution.rows_mismatch"),
        ({"row_count": 2}, "attribution.rows_mismatch"),
        ({"rows_root": None}, "schema.invalid"),  # the three go together
    ):
        body = {**good, **change}
        if body.get("rows_root") is None:
            body.pop("rows_root")
        with pytest.raises(LedgerError) as e:
            park.ledger.append([park.sign("attribution.run", "operator", body)])
        assert e.value.code == code, (change, e.value)


def test_runs_without_rows_stay_readable(attributed: tuple[Park, int]) -> None:
    """A run recorded before rows existed (no rows fields) is accepted and read; it has no rows to show."""
    park, seq = attributed
    old = {
        k: v
        for k, v in park.ledger.entry(seq).payload.items()
        if k not in ("rows_format", "rows_root", "row_count")
    }
    old["log_end"] = park.ledger.size()
    [placed] = park.ledger.append([park.sign("attribution.run", "operator", old)])
    with park.ledger.db.read_session() as s:
        with pytest.raises(LedgerError) as e:
            run_row(s, placed.seq, "C-1", MONTH)
        assert e.value.code == "attribution.run_without_rows"
    report = verify_run(park.ledger, placed.seq)
    assert report.ok and report.rows_root is None


def test_verify_run_recomputes_the_rows_root(attributed: tuple[Park, int]) -> None:
    park, seq = attributed
    report = verify_run(park.ledger, seq)
    assert report.ok and report.rows_root == park.ledger.entry(seq).payload["rows_root"]


# -- pure: encoding, root, proofs ------------------------------------------------------------------

_wh = st.integers(0, 10**12)


@st.composite
def rows(draw: st.DrawFn) -> list[ResultRow]:
    meters = draw(
        st.lists(st.from_regex(r"M-[0-9]{1,3}", fullmatch=True), min_size=1, max_size=9, unique=True)
    )
    months = draw(
        st.lists(st.sampled_from(["2025-12", "2026-01", "2026-02"]), min_size=1, max_size=3, unique=True)
    )
    out = []
    for month in sorted(months):
        for meter in sorted(meters):
            direct, contracted, cert, grid = (draw(_wh) for _ in range(4))
            wind = draw(st.integers(0, direct))
            out.append(
                ResultRow(
                    month=month,
                    meter_id=meter,
                    consumption_wh=direct + contracted + cert + grid,
                    direct_wh=direct,
                    claimable_direct_wh=wind,
                    contracted_wh=contracted,
                    claimable_contracted_wh=0,
                    certificate_wh=cert,
                    grid_wh=grid,
                    hourly_matched_wh=min(direct + contracted, direct + contracted + cert + grid),
                    gap_hours=draw(st.integers(0, 744)),
                    by_technology={
                        "direct": {"wind": wind, "solar": direct - wind},
                        "claimable_direct": {"wind": wind},
                        "contracted": {"solar": contracted},
                        "certificate": {"hydro": cert},
                    },
                    gec=tuple(
                        GecRange(a, a + n, draw(st.integers(0, 99)), "W-1", "wind", month)
                        for a, n in draw(
                            st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 50)), max_size=3)
                        )
                    ),
                )
            )
    return out


def _oracle_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH, recursively (the naive reference)."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_oracle_root(leaves[:k]), _oracle_root(leaves[k:]))


@settings(max_examples=60, deadline=None)
@given(data=rows(), pick=st.integers(0, 10**6))
def test_encoding_root_and_proofs(data: list[ResultRow], pick: int) -> None:
    for r in data:
        j = r.to_json()
        assert j["format"] == ROW_FORMAT
        again = ResultRow.from_json(j)
        assert again == r and again.canonical_bytes() == r.canonical_bytes()
    root = rows_root(data)
    assert root == _oracle_root([r.leaf_hash() for r in data])
    target = data[pick % len(data)]
    proof = row_proof(data, target.month, target.meter_id)
    assert root_from_row_proof(target, proof) == root and verify_row(target, proof, root, len(data))
    other = data[(pick + 1) % len(data)]
    if other != target:
        assert not verify_row(other, proof, root, len(data))


def test_rows_refuse_what_does_not_add_up() -> None:
    base: dict[str, Any] = {
        "month": MONTH,
        "meter_id": "M-1",
        "consumption_wh": 10,
        "direct_wh": 4,
        "claimable_direct_wh": 4,
        "contracted_wh": 0,
        "claimable_contracted_wh": 0,
        "certificate_wh": 0,
        "grid_wh": 6,
        "hourly_matched_wh": 4,
        "gap_hours": 0,
        "by_technology": {"direct": {"wind": 4}, "claimable_direct": {"wind": 4}},
    }
    ResultRow(**base)
    for change in (
        {"grid_wh": 5},  # classes no longer sum to consumption
        {"claimable_direct_wh": 5, "by_technology": {"direct": {"wind": 4}, "claimable_direct": {"wind": 5}}},
        {"by_technology": {"direct": {"wind": 3}, "claimable_direct": {"wind": 4}}},  # technology sums
        {"hourly_matched_wh": 11},
        {"grid_wh": -1, "consumption_wh": 3},
    ):
        with pytest.raises(ValueError):
            ResultRow(**{**base, **change})
    with pytest.raises(ValueError):
        ResultRow.from_json({**ResultRow(**base).to_json(), "extra": 1})
    with pytest.raises(ProofError):
        rows_root([ResultRow(**base), ResultRow(**base)])  # a key twice
