"""Footprints whose electricity follows the ledger's attribution, published as entries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lca.background import Background
from lca.errors import InvalidModel
from lca.kinds import get_footprint
from lca.ledger_footprints import compute_from_ledger, publish_footprints, with_period
from lca.model import parse_model
from ledger.attribution.runner import run_attribution
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.lca.conftest import ASSEMBLY_NON_ELEC, PART_PER_KG
from tests.ledger.park_fixtures import MONTH, build_month_park


@pytest.fixture
def attributed(make_park: Callable[[], Park]) -> Park:
    park = build_month_park(make_park())
    run_attribution(park.ledger, "operator", park.keys["operator"], (MONTH,), ["C-1", "C-2", "C-3"])
    return park


def _model(tiny_model: Callable[[], dict[str, Any]], meter: str) -> Any:
    doc = tiny_model()
    doc["id"] = f"widget-{meter}"
    doc["processes"][1]["electricity"] = {
        "meters": [{"meter": meter, "share": 1.0}],
        "output_over_period": 1000,
    }
    return parse_model(doc)


def test_electricity_follows_the_attribution(
    attributed: Park, tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    # C-1: 297,600 Wh, all claimable wind (direct with its GEC retired, the rest covered by that GEC);
    # C-3: 372,000 Wh, 100,000 contracted solar and 272,000 grid (park_fixtures.EXPECTED); T-1 bundles
    # no GEC, so the contracted solar is matched but not claimable: it takes the grid factor too.
    wind, solar = compute_from_ledger(
        attributed.ledger,
        [_model(tiny_model, "C-1"), _model(tiny_model, "C-3")],
        data_dir,
        background=tiny_background,
    )
    base = 2 * PART_PER_KG + ASSEMBLY_NON_ELEC
    assert wind.result.market.total == pytest.approx(base + 0.2976 * 0.011, rel=1e-12)
    assert wind.result.location.total == pytest.approx(base + 0.2976 * 0.5, rel=1e-12)
    assert wind.result.electricity.claimable_green_kwh == pytest.approx(0.2976)
    assert solar.result.market.total == pytest.approx(base + 0.372 * 0.6, rel=1e-12)
    assert solar.result.electricity.claimable_green_kwh == 0.0
    assert wind.attribution_run_seq is not None and wind.attribution_run_seq == solar.attribution_run_seq


def test_publish_and_recompute_supersedes(
    attributed: Park,
    tiny_model: Callable[[], dict[str, Any]],
    ledger_background: Background,
    data_dir: Path,
) -> None:
    tiny_background = ledger_background
    computed = compute_from_ledger(
        attributed.ledger, [_model(tiny_model, "C-1")], data_dir, background=tiny_background
    )
    [first] = publish_footprints(attributed.ledger, computed, "E-1", attributed.keys["E-1"])
    [second] = publish_footprints(attributed.ledger, computed, "E-1", attributed.keys["E-1"])
    assert second.supersedes == (first.footprint_id,)
    with attributed.ledger.db.read_session() as s:
        old, new = get_footprint(s, first.footprint_id), get_footprint(s, second.footprint_id)
    assert old is not None and old.status == "Deprecated"
    assert (
        new is not None
        and new.status == "Active"
        and new.attribution_run_seq == computed[0].attribution_run_seq
    )
    assert attributed.ledger.verify().ok


def test_periods_must_be_attributed_whole_months(
    attributed: Park, tiny_model: Callable[[], dict[str, Any]], tiny_background: Background, data_dir: Path
) -> None:
    import datetime as dt

    model = _model(tiny_model, "C-1")
    with pytest.raises(InvalidModel):
        compute_from_ledger(
            attributed.ledger,
            [with_period(model, dt.date(2026, 1, 5), dt.date(2026, 2, 1))],
            data_dir,
            background=tiny_background,
        )
    with pytest.raises(LedgerError) as e:  # no run covers February
        compute_from_ledger(
            attributed.ledger,
            [with_period(model, dt.date(2026, 2, 1), dt.date(2026, 3, 1))],
            data_dir,
            background=tiny_background,
        )
    assert e.value.code == "attribution.no_run"
