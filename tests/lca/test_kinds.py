"""The ``footprint.publish`` kind: rules, supersession and the projection."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from lca.kinds import get_footprint, list_footprints
from lca.ledger_footprints import record_models
from lca.model import ProductModel, parse_model
from lca.model_kind import find_model, model_payload
from lca.publish import FootprintPublish
from lca.recompute import load_inputs, recompute
from lca.warm import compute_warm, warm_background
from ledger.errors import LedgerError
from ledger.log.entry import Submission
from tests.conftest import Park

#: Models of the payloads :func:`payload` made, by SHA-256 (:func:`signed` records them).
MODELS: dict[str, ProductModel] = {}


def model_doc(
    product: str = "AL-INGOT", total: float = 4.2, *, meters: list[str] | None = None
) -> dict[str, Any]:
    """A product model whose footprint is ``total`` kg CO2e per kg: one process emitting that much
    fossil CO2 (no background input); with ``meters``, that process also draws all their electricity
    in January 2026 (tests.ledger.park_fixtures) for 1 t of output."""
    doc: dict[str, Any] = {
        "schema": "tanji.product-model/1",
        "id": product,
        "product": {
            "name": "Aluminium ingot",
            "ids": ["urn:tanji:product:al"],
            "declared_unit": {"unit": "kilogram", "amount": 1},
            "mass_per_declared_unit_kg": 1,
        },
        "reference_period": {"start": "2025-01-01", "end": "2026-01-01"},
        "geography": {"country": "CN", "subdivision": "CN-NM"},
        "reference_process": "make",
        "processes": [
            {
                "id": "make",
                "name": "Making",
                "stage": "production",
                "output": {"amount": 1, "unit": "kg"},
                "emissions": [{"gas": "co2_fossil", "amount": total}],
            }
        ],
    }
    if meters:
        doc["reference_period"] = {"start": "2026-01-01", "end": "2026-02-01"}
        doc["processes"][0]["electricity"] = {
            "meters": [{"meter": m, "share": 1.0} for m in meters],
            "output_over_period": 1000,
        }
    return doc


def payload(
    footprint_id: str,
    *,
    product: str = "AL-INGOT",
    supersedes: list[str] | None = None,
    run: int | None = None,
    total: float = 4.2,
) -> dict[str, Any]:
    """A ``footprint.publish`` payload whose figures are the ledger's re-computation of
    :func:`model_doc` (record the model first: :func:`signed`); ``run`` is cited as given."""
    model = parse_model(model_doc(product, total))
    MODELS[model.sha256()] = model
    result = compute_warm(model, [], warm_background())
    body = FootprintPublish.from_result(result, model, attribution_run_seq=run).model_dump(
        mode="json", by_alias=True
    )
    return {**body, "footprint_id": footprint_id, "supersedes": supersedes or []}


def signed(park: Park, actor: str, body: dict[str, Any]) -> list[Submission]:
    """The submissions that publish ``body`` (a :func:`payload`) by ``actor``: the model's
    ``footprint.model`` unless ``actor`` recorded it already, then the ``footprint.publish``."""
    sha = str(body["model_sha256"])
    with park.ledger.db.read_session() as s:
        recorded = find_model(s, actor, sha) is not None
    model = (
        []
        if recorded or sha not in MODELS
        else [park.sign("footprint.model", actor, model_payload(MODELS[sha]))]
    )
    return [*model, park.sign("footprint.publish", actor, body)]


def test_publish_and_supersede(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    park.ledger.append(signed(park, "E-1", payload(first)))
    park.ledger.append(signed(park, "E-1", payload(second, supersedes=[first], total=3.9)))
    with park.ledger.db.read_session() as s:
        old, new = get_footprint(s, first), get_footprint(s, second)
        assert old is not None and new is not None
        assert (old.status, old.superseded_by) == ("Deprecated", second)
        assert (new.status, new.supersedes, new.pcf_market) == ("Active", (first,), 3.9)
        assert [f.footprint_id for f in list_footprints(s, actor="E-1")] == [first, second]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("duplicate", "footprint.exists"),
        ("unknown_supersedes", "footprint.unknown"),
        ("other_product", "footprint.product_mismatch"),
        ("other_owner", "footprint.not_owner"),
        ("twice", "footprint.superseded"),
        ("not_a_run", "footprint.run_unknown"),
        ("not_enterprise", "actor.role_forbidden"),
        ("bad_id", "schema.invalid"),
    ],
)
def test_rules(make_park: Callable[[], Park], case: str, code: str) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    park.register("E-2", "enterprise")
    park.register("V-1", "verifier")
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    park.ledger.append(signed(park, "E-1", payload(a)))
    park.ledger.append(signed(park, "E-1", payload(b, supersedes=[a])))
    new = str(uuid.uuid4())
    actor, body = "E-1", payload(new)
    if case == "duplicate":
        body = payload(a, total=1.0)
    elif case == "unknown_supersedes":
        body = payload(new, supersedes=[str(uuid.uuid4())])
    elif case == "other_product":
        body = payload(new, product="SI-METAL", supersedes=[b])
    elif case == "other_owner":
        actor, body = "E-2", payload(new, supersedes=[b])
    elif case == "twice":
        body = payload(new, supersedes=[a])
    elif case == "not_a_run":
        body = payload(new, run=1)
    elif case == "not_enterprise":
        actor = "V-1"
    else:
        body = payload("not-a-uuid")
    size = park.ledger.size()
    with pytest.raises(LedgerError) as e:
        park.ledger.append([park.sign("footprint.publish", actor, body)])
    assert e.value.code == code, e.value
    assert park.ledger.size() == size


def test_invented_figures_are_refused(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    fid = str(uuid.uuid4())
    body = payload(fid)
    body["results"]["market"]["total"] = 0.001
    size = park.ledger.size()
    with pytest.raises(LedgerError) as e:
        park.ledger.append(signed(park, "E-1", body))
    assert e.value.code == "footprint.figures_mismatch"
    assert e.value.details["field"] == "results.market.total"
    assert (e.value.details["expected"], e.value.details["claimed"]) == (4.2, 0.001)
    assert park.ledger.size() == size
    park.ledger.append(signed(park, "E-1", payload(fid)))  # the honest one goes in


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"background_version": "2019"}, "footprint.figures_mismatch"),
        ({"model_sha256": "ab" * 32}, "footprint.model_unknown"),
        ({"primary_data_share": 1.0}, "footprint.figures_mismatch"),
    ],
)
def test_inputs_and_figures_are_the_ledgers(
    make_park: Callable[[], Park], change: dict[str, Any], code: str
) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    body = {**payload(str(uuid.uuid4())), **change}
    with pytest.raises(LedgerError) as e:
        park.ledger.append(signed(park, "E-1", body))
    assert e.value.code == code, e.value


def test_a_model_is_the_publishers_own(make_park: Callable[[], Park]) -> None:
    park = make_park()
    park.register("E-1", "enterprise")
    park.register("E-2", "enterprise")
    park.ledger.append(signed(park, "E-1", payload(str(uuid.uuid4()))))
    with pytest.raises(LedgerError) as e:  # E-1's model, recorded by E-1 only
        park.ledger.append([park.sign("footprint.publish", "E-2", payload(str(uuid.uuid4())))])
    assert e.value.code == "footprint.model_unknown"


def test_recomputed_before_the_writer_lock(
    make_park: Callable[[], Park], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the model on the ledger already, the re-computation runs before the lock; under it only a
    cheap check; with the model in the same batch the check re-computes under the lock."""
    import contextlib

    import lca.recompute

    park = make_park()
    park.register("E-1", "enterprise")
    db = park.ledger.db
    locked = {"now": False}
    calls: list[bool] = []
    write_session = db.write_session

    @contextlib.contextmanager
    def watched() -> Any:
        with write_session() as s:
            locked["now"] = True
            try:
                yield s
            finally:
                locked["now"] = False

    real = lca.recompute.recompute

    def counting(*args: Any, **kw: Any) -> Any:
        calls.append(locked["now"])
        return real(*args, **kw)

    monkeypatch.setattr(db, "write_session", watched)
    monkeypatch.setattr(lca.recompute, "recompute", counting)
    park.ledger.append(signed(park, "E-1", payload(str(uuid.uuid4()))))  # model and footprint in one batch
    assert calls == [True]
    calls.clear()
    park.ledger.append(signed(park, "E-1", payload(str(uuid.uuid4()))))  # the model is recorded
    assert calls == [False]


def derived(park: Park, actor: str, doc: dict[str, Any], run: int | None = None) -> dict[str, Any]:
    """A ``footprint.publish`` payload of model ``doc`` by ``actor`` as the ledger re-computes it from
    ``run``'s rows (the model is recorded first)."""
    model = parse_model(doc)
    record_models(park.ledger, [model], actor, park.keys[actor])
    with park.ledger.db.read_session() as s:
        body = recompute(load_inputs(s, actor, model.sha256(), run)).model_dump(mode="json", by_alias=True)
    return {**body, "footprint_id": str(uuid.uuid4()), "supersedes": []}
