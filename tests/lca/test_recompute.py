"""The ledger's re-computation of footprints: deterministic, on SQLite and PostgreSQL alike.

Same inputs (a recorded model, a run's committed rows, the background) give the same payload, byte for
byte: re-computed twice, from a fresh warm background, and as the ledger stored it after accepting it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lca.footprint_check import check_footprint
from lca.ledger_footprints import record_models
from lca.model import parse_model
from lca.recompute import difference, differences, load_inputs, recompute
from lca.warm import _build, warm_background
from ledger.attribution.runner import run_attribution
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.lca.test_kinds import model_doc
from tests.ledger.park_fixtures import MONTH, build_month_park


@pytest.fixture
def attributed(make_park: Callable[[], Park]) -> tuple[Park, int]:
    park = build_month_park(make_park())
    run = run_attribution(park.ledger, "operator", park.keys["operator"], (MONTH,), ["C-1", "C-2", "C-3"])
    return park, run.seq


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    meters = draw(st.lists(st.sampled_from(["C-1", "C-2"]), min_size=0, max_size=2, unique=True))
    doc = model_doc(
        f"P-{draw(st.integers(0, 10**6))}", draw(st.floats(0, 1e4, allow_nan=False)), meters=meters
    )
    process = doc["processes"][0]
    if meters:
        for share in process["electricity"]["meters"]:
            share["share"] = draw(st.floats(0.001, 1.0))
        process["electricity"]["output_over_period"] = draw(st.floats(0.01, 1e6))
    process["inputs"] = [
        {"id": "x", "background": "material/alumina", "amount": draw(st.floats(0, 10)), "unit": "t"}
    ]
    return doc


def _bytes(payload: Any) -> bytes:
    return rfc8785.dumps(payload.model_dump(mode="json", by_alias=True))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=models())
def test_recomputation_is_deterministic(attributed: tuple[Park, int], doc: dict[str, Any]) -> None:
    park, run_seq = attributed
    model = parse_model(doc)
    record_models(park.ledger, [model], "E-1", park.keys["E-1"])
    run = run_seq if model.processes[0].electricity else None
    with park.ledger.db.read_session() as s:
        first = recompute(load_inputs(s, "E-1", model.sha256(), run))
    with park.ledger.db.read_session() as s:
        again = recompute(load_inputs(s, "E-1", model.sha256(), run))
        cold = recompute(
            load_inputs(s, "E-1", model.sha256(), run), warm=_build(warm_background().background, _dir())
        )
    assert _bytes(first) == _bytes(again) == _bytes(cold)
    body = {
        **first.model_dump(mode="json", by_alias=True),
        "footprint_id": str(uuid.uuid4()),
        "supersedes": [],
    }
    [placed] = park.ledger.append([park.sign("footprint.publish", "E-1", body)])
    stored = park.ledger.entry(placed.seq).payload
    assert rfc8785.dumps(
        {k: v for k, v in stored.items() if k not in ("footprint_id", "supersedes")}
    ) == _bytes(first)
    with park.ledger.db.read_session() as s:
        assert check_footprint(s, body["footprint_id"]).same


def _dir() -> Any:
    from lca import warm

    return warm._data_dir


def test_differences_name_the_field_and_both_values(attributed: tuple[Park, int]) -> None:
    park, run_seq = attributed
    model = parse_model(model_doc(meters=["C-2"]))  # C-2: direct supply whose GEC went elsewhere
    record_models(park.ledger, [model], "E-1", park.keys["E-1"])
    with park.ledger.db.read_session() as s:
        real = recompute(load_inputs(s, "E-1", model.sha256(), run_seq))
    assert difference(real, real) is None and real.results.electricity.claimable_green_kwh == 0
    data = real.model_dump(mode="json", by_alias=True)
    data["results"]["electricity"]["claimable_green_kwh"] = data["results"]["electricity"]["total_kwh"]
    data["results"]["market"]["total"] = 1.0
    data["results"]["market"]["total"] *= 1 + 1e-12  # within the tolerance: not a difference of its own
    changed = type(real).model_validate(data)
    found = differences(real, changed)
    assert [d.field for d in found] == ["results.market.total", "results.electricity.claimable_green_kwh"]
    assert found[0].claimed == pytest.approx(1.0) and found[0].expected == real.results.market.total
    tiny = real.model_dump(mode="json", by_alias=True)
    tiny["results"]["market"]["total"] *= 1 + 1e-12
    assert difference(real, type(real).model_validate(tiny)) is None


@pytest.mark.parametrize(
    ("doc_change", "run", "code"),
    [
        (
            {"reference_period": {"start": "2026-02-01", "end": "2026-03-01"}},
            True,
            "footprint.run_not_covering",
        ),
        ({}, False, "footprint.run_required"),
    ],
)
def test_inputs_the_run_must_give(
    attributed: tuple[Park, int], doc_change: dict[str, Any], run: bool, code: str
) -> None:
    park, run_seq = attributed
    model = parse_model({**model_doc(meters=["C-1"]), **doc_change})
    record_models(park.ledger, [model], "E-1", park.keys["E-1"])
    with park.ledger.db.read_session() as s, pytest.raises(LedgerError) as e:
        recompute(load_inputs(s, "E-1", model.sha256(), run_seq if run else None))
    assert e.value.code == code


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_bytes(pg_url: str, tmp_path: Any) -> None:
    """The same records on both backends re-compute to the same payload, byte for byte."""
    from ledger import Database, Ledger, generate_key, sqlite_url

    payloads = []
    for url in (sqlite_url(tmp_path / "t.db"), pg_url):
        operator = generate_key()
        park = build_month_park(
            Park(Ledger.create(Database(url), operator, origin="test.tanji/x"), {"operator": operator})
        )
        run = run_attribution(park.ledger, "operator", operator, (MONTH,), ["C-1", "C-2", "C-3"])
        model = parse_model(model_doc(meters=["C-1", "C-2"]))
        record_models(park.ledger, [model], "E-1", park.keys["E-1"])
        with park.ledger.db.read_session() as s:
            payloads.append(_bytes(recompute(load_inputs(s, "E-1", model.sha256(), run.seq))))
        park.ledger.db.dispose()
    assert payloads[0] == payloads[1]
