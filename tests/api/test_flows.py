"""Park flows: conservation and hand-computed figures, the page's roles, the HTML export and a real
browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.cli import app as cli
from api.views.flows import hourly_figure, render_flows_html
from lca.model import parse_model
from ledger.attribution.runner import run_attribution
from park.flow_inputs import EnterpriseHours, park_flows
from park.flows import DirectEmission, MeterFlow, build_flows, largest_remainder
from tests.api.conftest import BUYER, E1, PARK, Env
from tests.conftest import Park
from tests.lca.test_cbam import smelter_model
from tests.ledger.park_fixtures import build_month_park

F = Decimal("0.6096")  # the residual CN factor the park data file chooses: for 2026 the latest, MEE/NBS 2023


# ------------------------------------------------------------------------------ pure


def test_largest_remainder_examples() -> None:
    assert largest_remainder(10, [("a", 1), ("b", 1), ("c", 1)]) == {"a": 4, "b": 3, "c": 3}
    assert largest_remainder(0, [("a", 5)]) == {"a": 0}
    with pytest.raises(ValueError):
        largest_remainder(5, [("a", 0)])


@given(
    st.integers(0, 10**12),
    st.lists(st.integers(0, 10**9), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_largest_remainder_sums_and_stays_close(total: int, weights: list[int]) -> None:
    keyed = [(f"k{i}", w) for i, w in enumerate(weights)]
    parts = largest_remainder(total, keyed)
    assert sum(parts.values()) == total
    for k, w in keyed:
        assert abs(parts[k] - total * w / sum(weights)) < 1 + 1e-6 * total


def test_tiny_park_by_hand() -> None:
    """Two meters of one enterprise, one product taking half of M-1, 1 t of process CO2."""
    m1 = MeterFlow(
        "M-1",
        "E",
        direct_wh={"wind": 600},
        direct_claimable_wh={"wind": 400},
        grid_wh=400,
        product_wh={"P": 500},
    )
    m2 = MeterFlow("M-2", "E", contracted_wh={"solar": 300}, certificate_wh={"wind": 100})
    proc = DirectEmission("E", "process", "process", 0, 1_000_000)
    g = build_flows([m2, m1], [proc], Decimal("0.5"))
    links = {(lk.source, lk.target): (lk.wh, lk.g_co2e) for lk in g.links}
    # Unclaimed direct 200 Wh and grid 400 Wh at 0.5 g/Wh; claimable green at zero.
    assert links[("src:direct:wind", "meter:M-1")] == (400, 0)
    assert links[("src:direct_unclaimed:wind", "meter:M-1")] == (200, 100)
    assert links[("src:grid", "meter:M-1")] == (400, 200)
    assert links[("meter:M-1", "ent:E")] == (1000, 300)
    assert links[("meter:M-2", "ent:E")] == (400, 0)
    # M-1: P takes 500 of 1000 Wh -> 150 g; the rest of M-1 and all of M-2 are unallocated.
    # Process CO2 follows product electricity: P 500 of 1400 Wh -> 357,142.86 g -> 357,143 by largest
    # remainder.
    assert links[("ent:E", "prod:P")] == (500, 150 + 357_143)
    assert links[("ent:E", "prod:E:(unallocated)")] == (900, 150 + 642_857)
    assert g.total_wh == 1400 and g.total_g_co2e == 1_000_300


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="exceeds the physical"):
        MeterFlow("M", "E", direct_wh={"wind": 1}, direct_claimable_wh={"wind": 2})
    with pytest.raises(ValueError, match="products take 5 Wh"):
        MeterFlow("M", "E", grid_wh=4, product_wh={"P": 5})
    with pytest.raises(ValueError, match="non-negative integer"):
        MeterFlow("M", "E", grid_wh=-1)
    with pytest.raises(Exception, match="given twice"):
        build_flows([MeterFlow("M", "E", grid_wh=1), MeterFlow("M", "E", grid_wh=1)], [], F)


@given(
    st.lists(
        st.tuples(st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 100)),
        min_size=1,
        max_size=5,
    ),
    st.integers(0, 10**9),
)
def test_random_parks_conserve(meters: list[tuple[int, int, int, int]], process_g: int) -> None:
    flows = []
    for i, (direct, claim_pct, grid, product_pct) in enumerate(meters):
        claim = direct * (claim_pct % 101) // 100
        total = direct + grid
        flows.append(
            MeterFlow(
                f"M-{i}",
                f"E-{i % 2}",
                direct_wh={"wind": direct},
                direct_claimable_wh={"wind": claim},
                grid_wh=grid,
                product_wh={"P": total * product_pct // 100},
            )
        )
    g = build_flows(flows, [DirectEmission("E-0", "process", "p", 0, process_g)], F)  # checks conservation
    assert g.total_wh == sum(d + gr for d, _c, gr, _p in meters)


# -------------------------------------------------------------------- from the ledger


def _january(park: Park) -> Park:
    """The hand-computed January park, 1 t diesel at E-1 and a lot taking half of C-1, attributed."""
    build_month_park(park)
    park.ledger.append(
        [
            park.sign(
                "park.fuel_use",
                "E-1",
                {
                    "park": "P-1",
                    "enterprise": "E-1",
                    "year": 2026,
                    "month": 1,
                    "fuel": "diesel",
                    "quantity": "1",
                    "unit": "t",
                },
            ),
            park.sign(
                "lot.produce",
                "E-1",
                {
                    "lot_id": "AL-1",
                    "product": "aluminium ingot",
                    "quantity": 1_000_000,
                    "unit": "g",
                    "period_start": "2026-01-01T00:00:00+08:00",  # the park's January
                    "period_end": "2026-02-01T00:00:00+08:00",
                    "meters": [{"meter_id": "C-1", "share": "0.5"}],
                },
            ),
        ]
    )
    run_attribution(park.ledger, "operator", park.keys["operator"], "2026-01", park="P-1")
    return park


def test_january_park_by_hand(make_park: Callable[[], Park]) -> None:
    park = _january(make_park())
    with park.ledger.db.read_session() as s:
        flows = park_flows(s, "P-1", "2026-01", "2026-01")
    g = flows.graph
    assert g.grid_factor_kg_per_kwh == F
    links = {(lk.source, lk.target): (lk.wh, lk.g_co2e) for lk in g.links}
    # C-1: 178,560 Wh direct with its GEC retired + 119,040 Wh certificate, all at zero.
    assert links[("src:direct:wind", "meter:C-1")] == (178_560, 0)
    assert links[("src:certificate:wind", "meter:C-1")] == (119_040, 0)
    # C-2: 44,640 Wh direct whose GEC went elsewhere and 29,760 Wh grid, both at 0.6096 g/Wh.
    assert links[("src:direct_unclaimed:wind", "meter:C-2")] == (44_640, 27_213)  # 27,212.544
    assert links[("src:grid", "meter:C-2")] == (29_760, 18_142)  # 18,141.696
    # C-3: 100,000 Wh green-power trade whose GEC (none bundled) were not retired for it: matched, not
    # claimed, so it flows with the 272,000 Wh grid at the grid factor.
    assert ("src:contracted:solar", "meter:C-3") not in links
    assert links[("src:grid", "meter:C-3")] == (372_000, 226_771)  # 226,771.2
    # Diesel: 1 t x 42.652 GJ/t = 11,847,777.8 Wh; 42.652 x 0.0202 x 0.98 x 44/12 = 3.0959096 t CO2.
    assert links[("src:fuel:diesel", "ent:E-1")] == (11_847_778, 3_095_910)
    # The lot takes half of C-1 (148,800 Wh, 0 g); E-1's product electricity is 148,800 of 372,000 Wh = 0.4,
    # so the ingot gets 0.4 of the diesel: 4,739,111.2 -> 4,739,111 Wh and 1,238,364 g.
    assert links[("ent:E-1", "prod:aluminium ingot")] == (148_800 + 4_739_111, 1_238_364)
    assert links[("ent:E-1", "prod:E-1:(unallocated)")] == (148_800 + 74_400 + 7_108_667, 45_355 + 1_857_546)
    assert links[("ent:E-2", "prod:E-2:(unallocated)")] == (372_000, 226_771)
    for node in ("meter:C-1", "meter:C-2", "meter:C-3", "ent:E-1", "ent:E-2"):
        assert g.inflow(node) == g.outflow(node)
    assert (g.total_wh, g.total_g_co2e) == (12_591_778, 3_368_036)
    e1 = next(h for h in flows.hours if h.enterprise == "E-1")
    assert int(e1.consumption.sum()) == 372_000 and len(e1.hours) == 744
    # Hourly-matched: direct 240 + 60 Wh of 500 Wh each hour = 0.6 (certificates are not hourly evidence).
    assert e1.hourly_matched_share == pytest.approx(0.6)
    doc = flows.to_json()
    assert doc["total_wh"] == 12_591_778 and doc["attribution_run_seqs"]


def test_cli_writes_html_and_json(make_park: Callable[[], Park], tmp_path: Path) -> None:
    park = _january(make_park())
    out = tmp_path / "flows.html"
    r = CliRunner().invoke(
        cli,
        [
            "park",
            "flows",
            "P-1",
            "--period",
            "2026-01",
            "--out",
            str(out),
            "--json",
            "--db",
            park.ledger.db.url,
            "--home",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert '"total_wh": 12591778' in r.output
    page = out.read_text(encoding="utf-8")
    # The Sankey and one hourly chart per enterprise, drawn by the Plotly embedded in the file (offline).
    assert page.count('<script type="application/json" data-chart=') >= 3 and "plotly.js v" in page
    assert not re.search(r'(src|href)="(https?:)?//', page.split("<script")[0])
    r = CliRunner().invoke(
        cli,
        [
            "park",
            "flows",
            "P-9",
            "--period",
            "2026-01",
            "--out",
            str(out),
            "--db",
            park.ledger.db.url,
            "--home",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 2 and "park.unknown" in r.output


# ----------------------------------------------------------------------------- page


def _page_park(env: Env) -> None:
    """A park administered by PARK with one grid-only meter of E1 for a day of January 2026."""
    p = env.park
    p.ledger.append([p.sign("park.register", PARK, {"id": "P-X", "name": "Ordos park", "level": "national"})])
    p.ledger.append(
        [
            p.sign(
                "meter.register", "operator", {"id": "M-X", "owner": E1, "park": "P-X", "kind": "consumption"}
            )
        ]
    )
    p.ledger.append(
        [
            p.sign(
                "readings.batch",
                E1,
                {
                    "meter": "M-X",
                    "start": "2026-01-01T00:00:00Z",
                    "resolution": "PT1H",
                    "values": [1000] * 24,
                },
            )
        ]
    )
    run_attribution(p.ledger, "operator", p.keys["operator"], "2026-01", park="P-X", on_missing="gap")


def test_page_for_the_park_and_not_for_a_buyer(env: Env) -> None:
    _page_park(env)
    url = "/park/P-X/flows?period=2026-01..2026-01"
    r = env.client.get(url, headers=env.auth(PARK))
    assert r.status_code == 200, r.text
    assert 'data-chart="sankey"' in r.text and "t CO2e" in r.text
    assert '<script src="/static/charts/plotly.min.js"></script>' in r.text  # served here, no CDN
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'") and "script-src 'self';" in csp
    j = env.client.get("/park/P-X/flows.json?period=2026-01", headers=env.auth(PARK)).json()
    assert j["total_wh"] == 24_000 and j["total_g_co2e"] == 14_630  # 24,000 x 0.6096 = 14,630.4
    assert env.client.get(url, headers=env.auth("operator")).status_code == 200
    for who in (BUYER, E1):
        assert env.client.get(url, headers=env.auth(who)).status_code == 403
    assert env.client.get(url).status_code == 401
    assert env.client.get("/park/P-X/flows?period=2026-13", headers=env.auth(PARK)).status_code in (400, 422)


def test_page_for_another_park_actor_is_forbidden(env: Env) -> None:
    _page_park(env)
    env.park.register("P-other", "park")
    r = env.client.get(
        "/park/P-X/flows?period=2026-01", headers={"Authorization": f"Bearer {env.token('P-other', 'park')}"}
    )
    assert r.status_code == 403 and "does not administer" in r.text


# -------------------------------------------------------------------------- browser


def _chromium() -> str | None:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI installs it")
    return found


def test_page_renders_in_headless_chromium(make_park: Callable[[], Park], tmp_path: Path) -> None:
    chromium = _chromium()
    park = _january(make_park())
    with park.ledger.db.read_session() as s:
        flows = park_flows(s, "P-1", "2026-01", "2026-01")
    page, shot = tmp_path / "flows.html", tmp_path / "flows.png"
    page.write_text(render_flows_html(flows), encoding="utf-8")
    profile = tempfile.mkdtemp(dir=tmp_path)
    subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--window-size=1280,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank 1280x1600 page is a few KiB; the Sankey and charts are far more


def test_model_meter_shares_name_products_where_no_lot_does(make_park: Callable[[], Park]) -> None:
    park = _january(make_park())
    doc = smelter_model()
    doc["processes"][0]["electricity"]["meters"] = [
        {"meter": "C-3", "share": 0.25},
        {"meter": "C-1", "share": 1.0},
    ]
    with park.ledger.db.read_session() as s:
        flows = park_flows(s, "P-1", "2026-01", "2026-01", models=[parse_model(doc)])
    links = {(lk.source, lk.target): (lk.wh, lk.g_co2e) for lk in flows.graph.links}
    # C-3: a quarter of 372,000 Wh (226,771 g) goes to the model's product; C-1 stays with the lot that
    # names it.
    assert links[("ent:E-2", "prod:al-smelter")] == (93_000, 56_693)  # 226,771 / 4 = 56,692.75
    assert links[("ent:E-2", "prod:E-2:(unallocated)")] == (279_000, 170_078)
    assert ("ent:E-1", "prod:al-smelter") not in links


def test_hourly_chart_has_every_hour_month_ticks_and_units() -> None:
    n = 8760
    idx = pd.date_range("2024-12-31 16:00", periods=n, freq="h", tz="UTC")  # 2025 in Asia/Shanghai
    ones = np.full(n, 1000, dtype=np.int64)
    h = EnterpriseHours("E", "E", idx, ones * 2, ones, ones * 0, ones * 0)
    for lang, axis, ticks in (("en", "kWh per hour", "%b %Y"), ("zh", "千瓦时/小时（kWh/h）", "%Y年%-m月")):
        fig = hourly_figure(h, lang)  # type: ignore[arg-type]
        assert [len(t.y) for t in fig.data] == [n] * 4  # every hour, nothing binned
        assert fig.data[0].x0 == "2025-01-01 00:00" and fig.data[0].dx == 3_600_000  # park-local time
        assert fig.layout.xaxis.dtick == "M1" and fig.layout.xaxis.tickformat == ticks
        assert fig.layout.yaxis.title.text == axis and "Asia/Shanghai" in fig.layout.xaxis.title.text
    assert h.hourly_matched_share == 0.5


def test_a_meter_no_run_covers_is_named_not_zeroed(make_park: Callable[[], Park]) -> None:
    park = _january(make_park())
    park.ledger.append(
        [
            park.sign(
                "meter.register",
                "operator",
                {"id": "C-9", "owner": "E-2", "park": "P-1", "kind": "consumption"},
            )
        ]
    )
    with park.ledger.db.read_session() as s:
        flows = park_flows(s, "P-1", "2026-01", "2026-01")
        with pytest.raises(Exception, match="no attribution run covers 2026-02"):
            park_flows(s, "P-1", "2026-02", "2026-02")
    assert any("C-9" in n and "left out" in n for n in flows.notes)
    assert all(n.id != "meter:C-9" for n in flows.graph.nodes)
    assert flows.graph.total_wh == 12_591_778
