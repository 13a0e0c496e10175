"""Replay: projections rebuilt from the log equal the live ones; tampering is reported."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update

from ledger.energy.gec import GecRangeRow
from ledger.energy.readings import ReadingBatchRow
from ledger.store.replay import projection_tables, replay_check
from tests.conftest import Park
from tests.ledger.energy_helpers import batch, issue, metered, retire


def _busy_park(make_energy_park: Callable[[], Park]) -> Park:
    park = metered(make_energy_park())  # GEC are issued only for metered generation
    first = park.ledger.append([park.sign("readings.batch", "E-1", batch("C-1"))])[0].seq
    park.ledger.append(
        [
            park.sign(
                "readings.correct",
                "E-1",
                {**batch("C-1", values=[2] * 96), "replaces": [first], "reason": "fix"},
            ),
            park.sign("gec.issue", "R-1", issue(1, 100)),
            park.sign("gec.transfer", "G-1", {"first": 40, "last": 60, "to": "E-1"}),
            park.sign("gec.retire", "E-1", retire(45, 50)),
            park.sign("gec.expire", "R-1", {"first": 90, "last": 100}),
            park.sign(
                "supply.direct_link",
                "E-1",
                {
                    "id": "L-1",
                    "name": "x",
                    "park": "P-1",
                    "generation_meters": ["W-1"],
                    "consumer_meters": ["C-1"],
                    "valid_from": "2026-01-01T00:00:00Z",
                },
            ),
            park.sign("meter.retire", "E-2", {"id": "C-3", "at": "2026-06-01T00:00:00Z"}),
        ]
    )
    return park


def test_replay_matches_live(make_energy_park: Callable[[], Park]) -> None:
    park = _busy_park(make_energy_park)
    report = replay_check(park.ledger)
    assert report.ok, report.to_json()
    assert report.entries == park.ledger.size()
    names = {t.table for t in report.tables}
    assert {"meters", "reading_batches", "gec_ranges", "gec_retirements", "direct_links", "actors"} <= names
    assert {t.name for t in projection_tables()} >= names


def test_replay_reports_tampered_projection(make_energy_park: Callable[[], Park]) -> None:
    park = _busy_park(make_energy_park)
    with park.ledger.db.write_session() as s:
        s.execute(update(GecRangeRow).where(GecRangeRow.first == 1).values(holder="E-2"))
        s.execute(
            update(ReadingBatchRow)
            .where(ReadingBatchRow.meter_id == "C-1", ReadingBatchRow.superseded_by.is_(None))
            .values(total_wh=0)
        )
    report = replay_check(park.ledger)
    assert not report.ok
    bad = {t.table: t for t in report.tables if not t.ok}
    assert set(bad) == {"gec_ranges", "reading_batches"}
    assert bad["gec_ranges"].changed == ["(1,)"] and bad["gec_ranges"].n_changed == 1


ENERGY_TABLES = {
    "parks",
    "meters",
    "reading_batches",
    "direct_links",
    "gec_ranges",
    "gec_issues",
    "gec_retirements",
    "trades",
    "trade_settlements",
}


def test_migration_0002_matches_the_models(make_energy_park: Callable[[], Park]) -> None:
    """The hand-written 0002_energy tables equal the ORM models (columns, types, nullability, indexes)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ledger.store.tables import Base

    park = make_energy_park()
    with park.ledger.db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    def table_of(diff: object) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:] if isinstance(item, tuple) else ():
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None and getattr(table, "name", None):
                return str(table.name)
            if name in ENERGY_TABLES:
                return str(name)
            if isinstance(part, str) and part in ENERGY_TABLES:
                return part
        return None

    ours = [d for d in diffs if table_of(d) in ENERGY_TABLES]
    assert ours == [], ours
