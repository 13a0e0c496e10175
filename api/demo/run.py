"""The end-to-end demo: a year of an Inner Mongolia zero-carbon park, from nothing, verified.

``run_demo`` builds, on a fresh ledger, the park of the README's walk-through:

- a 900 MW wind farm (W-1) and a 600 MW PV plant (S-1) on a 绿电直连 link (DL-1)
  to an aluminium smelter (potlines, anode plant, cast house), with the GEC of
  that generation retired for the smelter so the direct supply is a claim too;
- a metallurgical-silicon plant buying 绿电交易 from a second wind farm (W-2),
  the settlements carrying their bundled GEC;
- a ferro-alloy plant retiring GEC bought from that wind farm, grid for the rest;
- hourly readings for every meter in Beijing time (the park's time zone, Asia/Shanghai: its days
  and months are the attribution's, the GEC production months and the trade settlements'),
  imported from CSV with the real importer;
- a park-wide attribution run, footprints of the three products from Brightway,
  lots from alumina to ingot to a customer's extrusions, certificates with
  labels, PACT v3 ProductFootprints, CBAM files and the park report;

and then verifies the ledger and every certificate. ``months`` shortens the
year for tests. Profiles are synthetic and seeded (``api.demo.profiles``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from api.auth.clients import create_client
from api.demo.profiles import Hours, load, solar, wind
from api.demo.witnesses import witness_demo
from api.pact.footprints import assemble
from api.pact.source import ledger_records
from api.views.flows import render_flows_html
from api.views.i18n import Lang
from api.views.park import render_park_report
from certificates.credentials.actors import write_did_documents
from certificates.credentials.dte import issue_dte
from certificates.credentials.issue import SecuredCredential, issue_conformity, issue_passport
from certificates.credentials.jose import encode_jws
from certificates.issue import issue_certificate
from certificates.labels import label_data, render_html, render_pdf
from certificates.site import Site
from certificates.verify import TrustedKey, check_certificate
from lca.cbam.files import write_cbam
from lca.cbam.ledger import cbam_records
from lca.footprint_check import check_footprint
from lca.ledger_footprints import PublishedFootprint, compute_from_ledger, publish_footprints
from lca.model import EXAMPLE_MODELS_DIR, MODELS_DIR, ProductModel
from lca.warm import configure as configure_warm
from ledger.attribution.runner import RunSummary, run_attribution
from ledger.energy.periods import (
    format_instant,
    from_datetime,
    month_end,
    month_hours,
    month_of,
    month_start,
    months_between,
    next_month,
)
from ledger.energy.readings_import import import_readings
from ledger.energy.units import WH_PER_MWH
from ledger.log.entry import Submission
from ledger.log.keys import (
    Ed25519PrivateKey,
    generate_key,
    public_key_b64,
    save_private_key,
    save_public_key,
)
from ledger.log.verify import VerifyReport
from ledger.store.append import Ledger
from ledger.store.db import Database, sqlite_url
from ledger.store.export import export_ledger, verify_export
from ledger.store.replay import ReplayReport, replay_check
from park.flow_inputs import park_flows
from park.report import build_park_report

ORIGIN = "tanji.demo/ordos-zero-carbon-park"
BASE_URL = "http://127.0.0.1:8000"  # where `tanji serve` runs the demo's service locally
# The public address labels, credentials and DIDs name (the origin's host): never a local one.
DEMO_HOST = ORIGIN.split("/", 1)[0]
DEMO_GTIN = "09520123456788"
SITE = Site.of(f"https://{DEMO_HOST}", did_host=DEMO_HOST)
PARK = "P-ORDOS"
PARK_TZ = "Asia/Shanghai"  # the park's time zone: its readings, months and years are local
YEAR = 2025

# (id, role, name, registrar)
ACTORS: tuple[tuple[str, str, str, str], ...] = (
    ("PA-ORDOS", "park", "鄂尔多斯零碳产业园管理委员会 Ordos Zero-Carbon Park Administration", "operator"),
    ("R-GEC", "registry", "绿证核发机构 GEC registry (demo)", "operator"),
    ("E-SMELTER", "enterprise", "示范铝业 Demo Aluminium Smelter Co.", "PA-ORDOS"),
    ("E-SILICON", "enterprise", "示范硅业 Demo Silicon Co.", "PA-ORDOS"),
    ("E-FERRO", "enterprise", "示范铁合金 Demo Ferro-Alloy Co.", "PA-ORDOS"),
    ("E-EXTRUDE", "enterprise", "Demo Extrusions GmbH (customer)", "operator"),
    ("G-WIND", "generator", "示范新能源 Demo Renewables (W-1 wind, S-1 solar)", "PA-ORDOS"),
    ("G-WIND2", "generator", "示范风电二期 Demo Wind II (W-2)", "PA-ORDOS"),
    ("V-CHECK", "verifier", "示范核查机构 Demo Verification Body", "PA-ORDOS"),
    ("B-EU", "buyer", "EU Importer B.V. (demo buyer)", "PA-ORDOS"),
)

# (meter, owner, kind, technology, mean or capacity kW)
METERS: tuple[tuple[str, str, str, str | None, float], ...] = (
    ("W-1", "G-WIND", "generation", "wind", 900_000),
    ("S-1", "G-WIND", "generation", "solar", 600_000),
    ("W-2", "G-WIND2", "generation", "wind", 150_000),
    ("M-AL-POTLINE-1", "E-SMELTER", "consumption", None, 270_000),
    ("M-AL-POTLINE-2", "E-SMELTER", "consumption", None, 270_000),
    ("M-AL-ANODE", "E-SMELTER", "consumption", None, 12_000),
    ("M-AL-CAST", "E-SMELTER", "consumption", None, 6_000),
    ("M-SI-FURNACE-1", "E-SILICON", "consumption", None, 38_000),
    ("M-FESI-FURNACE-1", "E-FERRO", "consumption", None, 45_000),
)
SMELTER_METERS = ["M-AL-POTLINE-1", "M-AL-POTLINE-2", "M-AL-ANODE", "M-AL-CAST"]

# Product models shipped with lca, with the electricity intensity the demo's output is derived from
# (kWh per declared unit of the process that holds the meters).
MODELS: dict[str, tuple[str, str, dict[str, float]]] = {
    "aluminium_ingot.yaml": (
        "E-SMELTER",
        "7601",
        {"anode-production": 420.0, "electrolysis": 13_300.0, "casting": 130.0},
    ),
    "metallurgical_silicon.yaml": ("E-SILICON", "2804", {"*": 11_800.0}),
    "ferrosilicon.yaml": ("E-FERRO", "7202", {"*": 8_300.0}),
}


@dataclass
class DemoResult:
    """What the demo built and checked, for the summary and for tests."""

    out: Path
    db_url: str
    months: tuple[str, ...]
    size: int = 0
    run: RunSummary | None = None
    footprints: list[PublishedFootprint] = field(default_factory=list)
    green_shares: dict[str, float] = field(default_factory=dict)
    certificates: dict[str, str] = field(default_factory=dict)
    park: dict[str, Any] = field(default_factory=dict)
    report: VerifyReport | None = None
    export_report: VerifyReport | None = None
    replay: ReplayReport | None = None
    files: dict[str, Path] = field(default_factory=dict)


class _Demo:
    """The demo's state: ledger, keys, output directory, progress printer."""

    def __init__(
        self,
        out: Path,
        ledger: Ledger,
        keys: dict[str, Ed25519PrivateKey],
        echo: Callable[[str], None],
        hours: Hours,
        months: tuple[str, ...],
        rng: np.random.Generator,
    ) -> None:
        self.out, self.ledger, self.keys, self.echo = out, ledger, keys, echo
        self.hours, self.months, self.rng = hours, months, rng
        self.profiles: dict[str, np.ndarray] = {}
        self.ingot_lot = f"LOT-AL-{months[0]}"
        self.ingot_tonnes = 0.0
        self.model_ids: dict[str, str] = {}
        self.lots: dict[str, str] = {}  # owner -> the lot its footprint is of

    def sign(
        self, kind: str, actor: str, payload: dict[str, Any], client_id: str | None = None
    ) -> Submission:
        return Submission.create(kind, actor, payload, self.keys[actor], client_id=client_id)

    def append(self, subs: list[Submission]) -> list[int]:
        return [p.seq for p in self.ledger.append(subs)]


def _iso(moment: dt.datetime) -> str:
    """``2025-01-01T00:00:00Z``, as the entries write instants."""
    return format_instant(from_datetime(moment))


def _fresh(out: Path, db_url: str | None) -> str:
    out.mkdir(parents=True, exist_ok=True)
    for name in (
        "keys",
        "certificates",
        "credentials",
        "did",
        "labels",
        "pact",
        "cbam",
        "data",
        "export",
        "brightway",
        "models",
    ):
        shutil.rmtree(out / name, ignore_errors=True)
    if db_url is None:
        for suffix in ("", "-wal", "-shm"):
            (out / f"tanji.db{suffix}").unlink(missing_ok=True)
        db_url = sqlite_url(out / "tanji.db")
    return db_url


def _setup(d: _Demo) -> None:
    for actor_id, role, name, registrar in ACTORS:
        key = generate_key()
        d.keys[actor_id] = key
        save_private_key(key, d.out / "keys" / f"{actor_id}.pem", overwrite=True)
        d.append(
            [
                d.sign(
                    "actor.register",
                    registrar,
                    {
                        "id": actor_id,
                        "name": name,
                        "role": role,
                        "public_key": public_key_b64(key.public_key()),
                    },
                )
            ]
        )
    d.append(
        [
            d.sign(
                "park.register",
                "PA-ORDOS",
                {
                    "id": PARK,
                    "name": "鄂尔多斯零碳产业园 Ordos Zero-Carbon Industrial Park (demo)",
                    "level": "national",
                    "province": "Inner Mongolia",
                    "time_zone": PARK_TZ,
                    "admin": "PA-ORDOS",
                },
            )
        ]
    )
    d.append(
        [
            d.sign(
                "meter.register",
                "PA-ORDOS",
                {
                    "id": m,
                    "owner": owner,
                    "park": PARK,
                    "kind": kind,
                    **({"technology": tech} if tech else {}),
                    "capacity_kw": int(kw) if kind == "generation" else None,
                },
            )
            for m, owner, kind, tech, kw in METERS
        ]
    )
    d.echo(f"  registered {len(ACTORS)} actors, park {PARK} and {len(METERS)} meters")


def _readings(d: _Demo) -> None:
    gen = {
        "W-1": lambda kw: wind(d.hours, kw, d.rng, scale=8.8),
        "S-1": lambda kw: solar(d.hours, kw, d.rng),
        "W-2": lambda kw: wind(d.hours, kw, d.rng, scale=8.4),
    }
    for meter, _owner, kind, _tech, kw in METERS:
        if kind == "generation":
            d.profiles[meter] = gen[meter](kw)
        else:
            d.profiles[meter] = load(
                d.hours,
                kw,
                d.rng,
                noise=0.008 if "POTLINE" in meter else 0.03,
                day_shift=0.15 if meter == "M-AL-CAST" else 0.0,
                outages=2 if "FURNACE" in meter else 0,
            )
    # the meter data systems export Beijing time (UTC+08:00 all year)
    stamps = pd.DatetimeIndex(d.hours.stamps).tz_localize("UTC").tz_convert(PARK_TZ)
    data_dir = d.out / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for owner in sorted({o for _m, o, *_ in METERS}):
        meters = [m for m, o, *_ in METERS if o == owner]
        # the meter data systems export kWh with three decimals; the importer rounds to Wh conserving totals
        frame = pd.DataFrame(
            {"start": stamps.strftime("%Y-%m-%dT%H:%M:%S+08:00")}
            | {m: np.round(d.profiles[m] / 1000, 3) for m in meters}
        )
        path = data_dir / f"readings-{owner}.csv"
        frame.to_csv(path, index=False)
        report = import_readings(d.ledger, path, owner, d.keys[owner], unit="kWh")
        total += report.values
    d.echo(f"  imported {total:,} hourly readings ({len(METERS)} meters × {d.hours.count} h) from CSV")


def _contracts(d: _Demo) -> None:
    """The direct link, the green-power trade with bundled GEC, and GEC issued, moved and retired."""
    start = _iso(month_start(d.months[0]))
    d.append(
        [
            d.sign(
                "supply.direct_link",
                "PA-ORDOS",
                {
                    "id": "DL-1",
                    "name": "绿电直连 W-1 + S-1 → smelter",
                    "park": PARK,
                    "generation_meters": ["W-1", "S-1"],
                    "consumer_meters": SMELTER_METERS,
                    "valid_from": start,
                },
            )
        ]
    )
    silicon_mwh = int(d.profiles["M-SI-FURNACE-1"].sum() // WH_PER_MWH)
    d.append(
        [
            d.sign(
                "trade.green_power",
                "G-WIND2",
                {
                    "id": "T-2025-001",
                    "seller": "G-WIND2",
                    "seller_meters": ["W-2"],
                    "buyer": "E-SILICON",
                    "buyer_meters": ["M-SI-FURNACE-1"],
                    "first_month": d.months[0],
                    "last_month": d.months[-1],
                    "mwh": max(1, int(silicon_mwh * 0.45)),
                },
            )
        ]
    )
    serial = 1
    subs: list[Submission] = []
    month_at = np.array(
        [month_of(int(s), PARK_TZ) for s in d.hours.stamps.astype("datetime64[s]").astype(np.int64)]
    )
    carried = dict.fromkeys(("W-1", "S-1", "W-2"), 0)  # the sub-MWh remainder carries to the next month
    for month in d.months:
        in_month = month_at == month
        for meter, owner in (("W-1", "G-WIND"), ("S-1", "G-WIND"), ("W-2", "G-WIND2")):
            metered = int(d.profiles[meter][in_month].sum()) + carried[meter]
            mwh = metered // WH_PER_MWH
            carried[meter] = min(metered - mwh * WH_PER_MWH, WH_PER_MWH - 1)
            if mwh == 0:
                continue
            first, last = serial, serial + mwh - 1
            serial = last + 1
            tech = "solar" if meter == "S-1" else "wind"
            subs.append(
                d.sign(
                    "gec.issue",
                    "R-GEC",
                    {
                        "first": first,
                        "last": last,
                        "mwh": mwh,
                        "generator_meter": meter,
                        "technology": tech,
                        "vintage": month,
                    },
                )
            )
            period = {"period_start": _iso(month_start(month)), "period_end": _iso(month_end(month))}
            if owner == "G-WIND":
                # the link's GEC go to the smelter, which retires them for its meters: direct supply is
                # claimed
                subs.append(
                    d.sign("gec.transfer", "G-WIND", {"first": first, "last": last, "to": "E-SMELTER"})
                )
                subs.append(
                    d.sign(
                        "gec.retire",
                        "E-SMELTER",
                        {
                            "first": first,
                            "last": last,
                            "beneficiary": "E-SMELTER",
                            "consumer_meters": SMELTER_METERS,
                            **period,
                        },
                    )
                )
            else:
                silicon = int(d.profiles["M-SI-FURNACE-1"][in_month].sum())
                ferro = int(d.profiles["M-FESI-FURNACE-1"][in_month].sum())
                trade_mwh = min(mwh // 2, int(silicon * 0.45) // WH_PER_MWH)
                subs.append(
                    d.sign(
                        "trade.settle",
                        "G-WIND2",
                        {
                            "contract": "T-2025-001",
                            "month": month,
                            "wh": trade_mwh * WH_PER_MWH,
                            "gec_first": first,
                            "gec_last": first + trade_mwh - 1,
                        },
                    )
                )
                # the buyer retires the bundled GEC for its furnace: only then is the contracted
                # energy a green claim (transferred away, the claim would go with them)
                subs.append(
                    d.sign(
                        "gec.retire",
                        "E-SILICON",
                        {
                            "first": first,
                            "last": first + trade_mwh - 1,
                            "beneficiary": "E-SILICON",
                            "consumer_meters": ["M-SI-FURNACE-1"],
                            **period,
                        },
                    )
                )
                ferro_mwh = min(mwh - trade_mwh, int(ferro * 0.35) // WH_PER_MWH)
                lo = first + trade_mwh
                subs.append(
                    d.sign(
                        "gec.transfer", "G-WIND2", {"first": lo, "last": lo + ferro_mwh - 1, "to": "E-FERRO"}
                    )
                )
                subs.append(
                    d.sign(
                        "gec.retire",
                        "E-FERRO",
                        {
                            "first": lo,
                            "last": lo + ferro_mwh - 1,
                            "beneficiary": "E-FERRO",
                            "consumer_meters": ["M-FESI-FURNACE-1"],
                            **period,
                        },
                    )
                )
    d.append(subs)
    d.echo(
        f"  direct link DL-1, trade T-2025-001, {serial - 1:,} GEC issued; "
        "transfers, settlements, retirements"
    )


def _attribute(d: _Demo) -> RunSummary:
    run = run_attribution(d.ledger, "operator", d.keys["operator"], d.months, park=PARK)
    d.echo(f"  attribution.run at seq {run.seq}: {len(d.months)} months, sha256 {run.sha256[:16]}…")
    return run


def _models(d: _Demo) -> dict[str, ProductModel]:
    """The shipped example models, put on the demo's period with outputs from its metered electricity."""
    start, end = month_start(d.months[0]).date(), month_end(d.months[-1]).date()
    out: dict[str, ProductModel] = {}
    for name, (owner, _cn, intensity) in MODELS.items():
        doc = yaml.safe_load((EXAMPLE_MODELS_DIR / name).read_text(encoding="utf-8"))
        doc["reference_period"] = {"start": start.isoformat(), "end": end.isoformat()}
        if owner == "E-SMELTER":  # a GTIN (GS1's 952 demonstration prefix): its labels open /01/…/10/<lot>
            doc["product"]["ids"] = [*doc["product"]["ids"], f"urn:gtin:{DEMO_GTIN}"]
        for process in doc["processes"]:
            elec = process.get("electricity")
            if not elec:
                continue
            wh = sum(float(d.profiles[m["meter"]].sum()) * m["share"] for m in elec["meters"])
            kwh_per_unit = intensity.get(process["id"], intensity.get("*", 0.0))
            elec["output_over_period"] = round(wh / 1000 / kwh_per_unit, 3)
        model = ProductModel.model_validate(doc)
        out[owner] = model
        # kept as data beside the ledger: `tanji cbam export --home OUT` and `footprint compute` read them
        (d.out / MODELS_DIR).mkdir(parents=True, exist_ok=True)
        (d.out / MODELS_DIR / name).write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return out


def _period(d: _Demo) -> tuple[str, str]:
    return _iso(month_start(d.months[0])), _iso(month_end(d.months[-1]))


def _lots(d: _Demo, models: dict[str, ProductModel]) -> None:
    """Alumina in (with its supplier's PACT footprint), aluminium ingot out of the smelter's meters."""
    smelter = models["E-SMELTER"]
    electrolysis = smelter.process("electrolysis")
    assert electrolysis.electricity is not None
    tonnes = electrolysis.electricity.output_over_period
    alumina_g = round(tonnes * 1.92 * 1_000_000)
    start, end = _period(d)
    shares = {m.meter: m.share for p in smelter.processes if p.electricity for m in p.electricity.meters}
    d.append(
        [
            d.sign(
                "lot.receive",
                "E-SMELTER",
                {
                    "lot_id": "LOT-ALUMINA-2025",
                    "supplier": "SUP-SHANXI-ALUMINA",
                    "quantity": alumina_g,
                    "unit": "g",
                    "product": "Smelter-grade alumina",
                    "received_at": start,
                    "footprint": {"kind": "pact", "id": "7b0c2c1e-5a4f-4f64-9f0e-3c2d1b0a9e11"},
                },
            ),
            d.sign(
                "lot.produce",
                "E-SMELTER",
                {
                    "lot_id": d.ingot_lot,
                    "product": smelter.id,
                    "quantity": round(tonnes * 1_000_000),
                    "unit": "g",
                    "period_start": start,
                    "period_end": end,
                    "meters": [{"meter_id": m, "share": share} for m, share in sorted(shares.items())],
                    "inputs": [{"lot_id": "LOT-ALUMINA-2025", "quantity": alumina_g, "unit": "g"}],
                },
            ),
            d.sign(
                "lot.ship",
                "E-SMELTER",
                {
                    "lot_id": d.ingot_lot,
                    "quantity": round(tonnes * 0.1 * 1_000_000),
                    "unit": "g",
                    "customer": "E-EXTRUDE",
                    "shipped_at": end,
                },
            ),
        ]
    )
    d.lots["E-SMELTER"] = d.ingot_lot
    # the other plants' output over the period as lots too: a certificate re-derives the green
    # electricity of a lot from its meters' shares (certificates.green)
    for owner, prefix in (("E-SILICON", "LOT-SI"), ("E-FERRO", "LOT-FESI")):
        model = models[owner]
        metered = [p.electricity for p in model.processes if p.electricity is not None]
        lot_shares = {m.meter: m.share for e in metered for m in e.meters}
        output = metered[0].output_over_period if metered else 0.0
        lot_id = f"{prefix}-{d.months[0]}"
        d.append(
            [
                d.sign(
                    "lot.produce",
                    owner,
                    {
                        "lot_id": lot_id,
                        "product": model.id,
                        "quantity": max(1, round(output * 1_000_000)),
                        "unit": "g",
                        "period_start": start,
                        "period_end": end,
                        "meters": [{"meter_id": m, "share": sh} for m, sh in sorted(lot_shares.items())],
                    },
                )
            ]
        )
        d.lots[owner] = lot_id
    d.echo(
        f"  lots: alumina received, {tonnes:,.0f} t of ingot produced as {d.ingot_lot}, "
        f"10 % shipped to E-EXTRUDE; silicon and ferrosilicon as {d.lots['E-SILICON']}, {d.lots['E-FERRO']}"
    )


def _footprints(d: _Demo, result: DemoResult, models: dict[str, ProductModel]) -> None:
    """Each enterprise records its model (footprint.model) and publishes its footprint, which the ledger
    re-computes from the model, the run's committed rows and the background before accepting it."""
    configure_warm(d.out)  # the ledger's warm Brightway background lives in the demo's data directory
    computed = compute_from_ledger(d.ledger, list(models.values()), d.out)
    for owner, c in zip(models, computed, strict=True):
        lot = d.lots.get(owner)
        [published] = publish_footprints(d.ledger, [c], owner, d.keys[owner], lot=lot)
        result.footprints.append(published)
        e = c.result.electricity
        result.green_shares[c.model.id] = e.claimable_green_kwh / e.total_kwh if e.total_kwh else 0.0
        d.echo(
            f"  footprint {c.model.product.name}: {c.result.market.total:,.1f} kg CO2e per "
            f"{c.model.product.declared_unit.amount:g} {c.model.product.declared_unit.unit} market-based "
            f"({c.result.location.total:,.1f} location-based), claimable green electricity "
            f"{result.green_shares[c.model.id]:.0%} — {published.footprint_id}"
        )
    d.echo(
        f"  {len(models)} models recorded as footprint.model entries; every footprint.publish re-computed "
        "by the ledger on append (claims derived, not asserted)"
    )


def _reproduce(d: _Demo, result: DemoResult) -> bool:
    """`tanji footprint verify` of every footprint: re-run from the ledger alone."""
    same = True
    with d.ledger.db.read_session() as s:
        for f in result.footprints:
            check = check_footprint(s, f.footprint_id)
            same = same and check.same
            d.echo(
                f"  footprint verify {f.footprint_id} ({f.product_id}): "
                + ("same" if check.same else "DIFFERENT " + "; ".join(map(str, check.differences)))
            )
    return same


def _verification(d: _Demo, result: DemoResult) -> int:
    """The smelter grants the verifier its trail; the verifier re-runs the smelter's footprint from the
    ledger and signs a statement scoped to it, over the log as it stands."""
    d.append([d.sign("access.grant", "E-SMELTER", {"grantee": "V-CHECK", "scope": "trail"})])
    size = d.ledger.size()
    smelter = [f.footprint_id for f in result.footprints if f.product_id == d.model_ids["E-SMELTER"]]
    with d.ledger.db.read_session() as s:
        assert all(check_footprint(s, f, reader="V-CHECK").same for f in smelter)
    [seq] = d.append(
        [
            d.sign(
                "verification.statement",
                "V-CHECK",
                {
                    "subject": "E-SMELTER",
                    "tree_size": size,
                    "root_hash": d.ledger.root(size).hex(),
                    "seqs": [],
                    "footprints": smelter,
                    "opinion": "reasonable",
                    "standard": "ISO 14064-3:2019 / ISO 14067:2018",
                    "statement": (
                        "Demo: electricity attribution and the footprint re-run from the ledger and found "
                        "reproducible."
                    ),
                },
            )
        ]
    )
    d.echo(
        f"  verification.statement by V-CHECK at seq {seq} on footprint {', '.join(smelter)} "
        f"(tree of {size} entries)"
    )
    return seq


def _certificates(d: _Demo, result: DemoResult, statement_seq: int) -> None:
    trust = TrustedKey(d.keys["operator"].public_key())
    owner_of = {model_id: owner for owner, model_id in d.model_ids.items()}
    for published in result.footprints:
        owner = owner_of[published.product_id]
        issued = issue_certificate(
            d.ledger,
            published.footprint_id,
            d.keys[owner],
            statement_seq=statement_seq if owner == "E-SMELTER" else None,
        )
        cert = issued.certificate
        path = d.out / "certificates" / f"{cert.id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(cert.to_bytes())
        issue_passport(d.ledger, cert, d.keys[owner], SITE).write(d.out / "credentials")
        label = label_data(d.ledger, cert.id, site=SITE)
        labels = d.out / "labels"
        labels.mkdir(parents=True, exist_ok=True)
        for lang in ("zh", "en"):
            (labels / f"{cert.id}.{lang}.html").write_text(render_html(label, lang), encoding="utf-8")
            (labels / f"{cert.id}.{lang}.pdf").write_bytes(render_pdf(label, lang))
        check = check_certificate(path.read_bytes(), trust)
        if not check.ok:
            raise SystemExit(f"certificate {cert.id} does not verify: {check.failed}")
        result.certificates[published.product_id] = cert.id
        d.echo(
            f"  certificate {cert.id} ({published.product_id}) issued at seq {issued.seq}, "
            f"{len(path.read_bytes()) / 1024:.0f} KiB, verifies offline; labels zh/en HTML+PDF"
        )
    _credentials(d, statement_seq)
    # the shipment moved 10 % of the ingot into the customer's holding; it makes extrusions of it,
    # and the extrusions' upstream trail reaches the certified footprint through the ingot lot
    start, end = _period(d)
    shipped = round(d.ingot_tonnes * 0.1 * 1_000_000)
    d.append(
        [
            d.sign(
                "lot.produce",
                "E-EXTRUDE",
                {
                    "lot_id": f"LOT-EXT-{d.months[0]}",
                    "product": "6063-T5 extrusions",
                    "quantity": round(shipped * 0.92),
                    "unit": "g",
                    "period_start": end,
                    "period_end": _iso(month_end(next_month(d.months[-1]))),
                    "inputs": [{"lot_id": d.ingot_lot, "quantity": shipped, "unit": "g"}],
                },
            )
        ]
    )
    d.echo(f"  E-EXTRUDE made extrusions LOT-EXT-{d.months[0]} from the ingot it was shipped")


def _credentials(d: _Demo, statement_seq: int) -> None:
    """The verifier's statement as a UNTP conformity credential, the smelter's lot events as a
    traceability event credential (both secured twice), and every actor's did:web document."""
    credentials = d.out / "credentials"
    issue_conformity(d.ledger, statement_seq, d.keys["V-CHECK"], SITE).write(credentials)
    dte = issue_dte(d.ledger, "E-SMELTER", d.keys["E-SMELTER"], host=SITE.did_host)
    body = {k: v for k, v in dte.items() if k != "proof"}
    SecuredCredential(
        "E-SMELTER.dte", dte, encode_jws(body, d.keys["E-SMELTER"], dte["proof"]["verificationMethod"])
    ).write(credentials)
    dids = write_did_documents(d.ledger, SITE.did_host, d.out / "did")
    d.echo(
        "  credentials: UNTP passports (DPP), the statement's conformity credential (DCC) and the "
        "smelter's traceability events (DTE), each as JSON with an eddsa-jcs-2022 proof and as "
        f"VC-JOSE, in {credentials}; {len(dids)} did:web documents in {d.out / 'did'}"
    )


def _buyer(d: _Demo, result: DemoResult) -> None:
    """Share the footprints with the EU buyer, write them as PACT v3 ProductFootprints, and give it a
    client."""
    d.append(
        [
            d.sign("access.grant", owner, {"grantee": "B-EU", "scope": "footprints"})
            for owner in sorted(d.model_ids)
        ]
    )
    pact = d.out / "pact"
    pact.mkdir(parents=True, exist_ok=True)
    for fp in assemble(ledger_records(d.ledger), origin=ORIGIN):
        (pact / f"{fp.id}.json").write_text(
            json.dumps(fp.body, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    client = create_client(d.ledger.db, "B-EU", "buyer")
    (d.out / "pact-client.json").write_text(
        json.dumps(
            {
                "client_id": client.client.client_id,
                "client_secret": client.secret,
                "actor": "B-EU",
                "token_url": f"{BASE_URL}/auth/token",
                "footprints_url": f"{BASE_URL}/3/footprints",
                "serve": f"tanji serve --db {d.ledger.db.url}",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    d.echo(f"  PACT v3 ProductFootprints in {pact}; buyer client in pact-client.json")


def _cbam(d: _Demo, result: DemoResult, models: dict[str, ProductModel]) -> None:
    for owner in ("E-SMELTER", "E-FERRO"):
        with d.ledger.db.read_session() as s:
            export = cbam_records(s, owner, YEAR, [models[owner]], data_dir=d.out)
        for path in write_cbam(export, d.out / "cbam"):
            result.files[path.name] = path
    d.echo(f"  CBAM installation data (CSV, XLSX) in {d.out / 'cbam'}")


def _park_records(d: _Demo) -> None:
    """The smelter's and plants' annual non-electricity records the park indicators need (illustrative)."""
    year = {"park": PARK, "year": YEAR}
    tonnes = d.ingot_tonnes
    d.append(
        [
            d.sign(
                "park.fuel_use",
                "E-SMELTER",
                {
                    **year,
                    "enterprise": "E-SMELTER",
                    "fuel": "natural_gas",
                    "quantity": f"{tonnes * 0.415 * 2.4 / 38.931:.3f}",
                    "unit": "1e4Nm3",
                    "note": "anode baking furnaces, 2.4 GJ per t anode",
                },
            ),
            d.sign(
                "park.process_emission",
                "E-SMELTER",
                {
                    **year,
                    "enterprise": "E-SMELTER",
                    "process": "anode oxidation",
                    "gas": "CO2",
                    "tco2e": f"{tonnes * 1.52:.3f}",
                },
            ),
            d.sign(
                "park.process_emission",
                "E-SMELTER",
                {
                    **year,
                    "enterprise": "E-SMELTER",
                    "process": "anode effects",
                    "gas": "PFCs",
                    "tco2e": f"{tonnes * (0.032 * 7.38 + 0.0032 * 12.4):.3f}",
                },
            ),
            d.sign(
                "park.resource_use",
                "E-SMELTER",
                {
                    **year,
                    "enterprise": "E-SMELTER",
                    "indicator": "solid_waste",
                    "total": f"{tonnes * 0.03:.3f}",
                    "used": f"{tonnes * 0.026:.3f}",
                    "unit": "t",
                    "note": "spent pot lining and dross",
                },
            ),
            d.sign(
                "park.resource_use",
                "E-SMELTER",
                {
                    **year,
                    "enterprise": "E-SMELTER",
                    "indicator": "water",
                    "total": f"{tonnes * 3.2:.3f}",
                    "used": f"{tonnes * 2.9:.3f}",
                    "unit": "m3",
                },
            ),
            d.sign(
                "park.product_energy",
                "E-SMELTER",
                {
                    **year,
                    "enterprise": "E-SMELTER",
                    "product": "primary aluminium",
                    "standard": "GB 21346-2022",
                    "output": f"{tonnes:.3f}",
                    "output_unit": "t",
                    "unit_energy": "13300",
                    "unit_energy_unit": "kWh/t (AC, electrolysis)",
                    "grade": 2,
                },
            ),
        ]
    )
    d.echo(
        "  park records: fuel, process emissions (CO2, PFCs), solid waste and water use, product energy grade"
    )


def _park(d: _Demo, result: DemoResult, models: dict[str, ProductModel]) -> None:
    with d.ledger.db.read_session() as s:
        report = build_park_report(s, PARK, YEAR)
        flows = park_flows(s, PARK, d.months[0], d.months[-1], models=list(models.values()))
    doc = report.to_json()
    (d.out / "park-report.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    # Chinese pages at the plain names, English beside them (.en.html); each links the other.
    pages: tuple[tuple[Lang, str, str], ...] = (("zh", "", ".en"), ("en", ".en", ""))
    for lang, suffix, other in pages:
        (d.out / f"park-report{suffix}.html").write_text(
            render_park_report(report, lang, switch_href=f"park-report{other}.html"), encoding="utf-8"
        )
        (d.out / f"park-flows{suffix}.html").write_text(
            render_flows_html(flows, lang, switch_href=f"park-flows{other}.html"), encoding="utf-8"
        )
    result.park = doc
    d.echo(
        f"  park report {d.out / 'park-report.html'} and energy–carbon–product flows "
        f"{d.out / 'park-flows.html'}"
    )


def run_demo(
    out: Path,
    db_url: str | None = None,
    echo: Callable[[str], None] = print,
    *,
    months: int = 12,
    seed: int = 2025,
) -> DemoResult:
    """Build the demo park in ``out`` (a fresh ``out/tanji.db`` unless ``db_url``) and verify it."""
    if not 1 <= months <= 12:
        raise ValueError(f"months must be 1..12, got {months}")
    out = Path(out)
    db_url = _fresh(out, db_url)
    month_names = months_between(f"{YEAR}-01", f"{YEAR}-{months:02d}")
    # numpy: naive UTC hours from the park's first local midnight (2024-12-31T16:00Z)
    start = np.datetime64(month_start(month_names[0], PARK_TZ).astimezone(dt.UTC).replace(tzinfo=None), "h")
    hours = Hours(start, sum(month_hours(m) for m in month_names))
    operator = generate_key()
    save_private_key(operator, out / "keys" / "operator.pem", overwrite=True)
    save_public_key(operator.public_key(), out / "ledger.pub")
    ledger = Ledger.create(Database(db_url), operator, origin=ORIGIN)
    echo(f"ledger {ORIGIN} created at {db_url}")
    d = _Demo(out, ledger, {"operator": operator}, echo, hours, month_names, np.random.default_rng(seed))
    result = DemoResult(out, db_url, month_names)
    _setup(d)
    _readings(d)
    _contracts(d)
    result.run = _attribute(d)
    models = _models(d)
    d.model_ids = {owner: m.id for owner, m in models.items()}
    electrolysis = models["E-SMELTER"].process("electrolysis").electricity
    d.ingot_tonnes = electrolysis.output_over_period if electrolysis else 0.0
    _lots(d, models)
    _footprints(d, result, models)
    statement = _verification(d, result)
    _certificates(d, result, statement)
    _buyer(d, result)
    _cbam(d, result, models)
    _park_records(d)
    _park(d, result, models)
    policy = witness_demo(ledger, out, result.certificates.values(), echo)

    report = ledger.verify(workers=2, policy=policy)
    result.report = report
    export_ledger(ledger, out / "export")
    result.export_report = verify_export(out / "export" / "log.jsonl", operator.public_key(), policy=policy)
    result.size = ledger.size()
    echo(
        f"ledger verify: {'ok' if report.ok else 'FAILED: ' + str(report.reason)} ({report.size} entries); "
        f"export verify against ledger.pub: {'ok' if result.export_report.ok else 'FAILED'}"
    )
    # every projection rebuilt from the log by the rules of today's code equals the live one
    result.replay = replay = replay_check(ledger)
    echo(
        f"ledger replay --check: {'ok' if replay.ok else 'FAILED'} ({replay.entries} entries, "
        f"{len(replay.tables)} projections)"
        + (f": seq {replay.failed_seq}: {replay.failure}" if replay.failure else "")
    )
    (out / "summary.json").write_text(
        json.dumps(
            {
                "db": db_url,
                "months": list(month_names),
                "entries": result.size,
                "attribution_run_seq": result.run.seq if result.run else None,
                "footprints": [
                    {"id": f.footprint_id, "product": f.product_id, "kg_co2e": f.pcf_market}
                    for f in result.footprints
                ],
                "certificates": result.certificates,
                "claimable_green_shares": result.green_shares,
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    trust = TrustedKey(operator.public_key(), policy=policy)
    cert_ok = all(
        check_certificate((out / "certificates" / f"{cid}.json").read_bytes(), trust).ok
        for cid in result.certificates.values()
    )
    echo(
        f"certificates verify offline against ledger.pub: {'ok' if cert_ok else 'FAILED'} "
        f"({len(result.certificates)} certificates)"
    )
    reproduced = _reproduce(d, result)
    _summary(result, echo)
    if not (report.ok and result.export_report.ok and cert_ok and replay.ok and reproduced):
        raise SystemExit("demo verification failed")
    return result


def _summary(result: DemoResult, echo: Callable[[str], None]) -> None:
    echo("\nSummary")
    for f in result.footprints:
        echo(
            f"  {f.product_id:28s} {f.pcf_market:10,.1f} kg CO2e / t (market-based), "
            f"claimable green electricity {result.green_shares.get(f.product_id, 0.0):5.1%}, "
            f"certificate {result.certificates.get(f.product_id)}"
        )
    core = result.park.get("core", {})
    if core:
        echo(
            f"  park {core.get('name_zh')} {core.get('value')} {core.get('unit')} "
            f"(threshold {core.get('comparison')} {core.get('threshold')}): {core.get('verdict')}"
        )
    for g in result.park.get("guidance", []):
        echo(f"  park {g.get('name_zh')}: {g.get('verdict')}")
    echo(
        f"  files: {result.out}/ledger.pub, certificates/, labels/, pact/, cbam/, models/, park-report.html, "
        f"park-flows.html, pact-client.json, export/"
    )
