"""Import of the national GEC platform's CSV export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.energy.gec import holdings, unit_totals
from ledger.energy.gec_import import import_gec, parse_rows
from ledger.errors import LedgerError
from tests.conftest import Park
from tests.ledger.energy_helpers import metered, state

CN = """证书编号起,证书编号止,项目名称,发电类型,生产年月,数量
GEC202601000001,GEC202601000100,达茂旗风电场,风电,2026年01月,100
GEC202601000101,GEC202601000150,白云鄂博光伏,光伏,202601,50
"""


def test_chinese_headers_and_project_mapping(make_energy_park: Callable[[], Park], tmp_path: Path) -> None:
    park = metered(make_energy_park())
    path = tmp_path / "gec.csv"
    path.write_text(CN, encoding="utf-8")
    mapping = {"达茂旗风电场": "W-1", "白云鄂博光伏": "S-1"}
    dry = import_gec(park.ledger, path, "R-1", park.keys["R-1"], project_meters=mapping, dry_run=True)
    assert (dry.rows, dry.units, dry.first_seq) == (2, 150, None)
    report = import_gec(park.ledger, path, "R-1", park.keys["R-1"], project_meters=mapping)
    assert report.units == 150
    with park.ledger.db.read_session() as s:
        assert holdings(s, "G-1") == [(202601000001, 202601000100), (202601000101, 202601000150)]
        assert unit_totals(s)["issued"] == 150
    again = import_gec(park.ledger, path, "R-1", park.keys["R-1"], project_meters=mapping)  # idempotent
    assert again.first_seq == report.first_seq


@pytest.mark.parametrize(
    ("text", "code", "row"),
    [
        (
            "serial_start,serial_end,technology,production_month,quantity,meter_id\n1,10,wind,2026-01,9,W-1\n",
            "gec.mwh_mismatch",
            2,
        ),
        (
            "serial_start,serial_end,technology,production_month,quantity,meter_id\n1,10,coal,2026-01,10,W-1\n",
            "gec_import.row_invalid",
            2,
        ),
        (
            "serial_start,serial_end,technology,production_month,quantity\n1,10,wind,2026-01,10\n",
            "gec_import.row_invalid",
            2,
        ),
        ("serial_start,technology\n1,wind\n", "gec_import.columns", None),
        (
            "serial_start,serial_end,technology,production_month,quantity,meter_id\n"
            "1,10,wind,2026-01,10,W-1\n11,20,solar,2026-01,10,W-1\n",
            "gec.technology_mismatch",
            3,
        ),
    ],
)
@pytest.mark.parametrize("dry_run", [False, True])  # a dry run puts the rows through the ledger's rules too
def test_bad_rows(
    make_energy_park: Callable[[], Park],
    tmp_path: Path,
    text: str,
    code: str,
    row: int | None,
    dry_run: bool,
) -> None:
    park = metered(make_energy_park())
    path = tmp_path / "gec.csv"
    path.write_text(text, encoding="utf-8")
    before = state(park.ledger)
    with pytest.raises(LedgerError) as e:
        import_gec(park.ledger, path, "R-1", park.keys["R-1"], dry_run=dry_run)
    assert e.value.code == code, e.value
    assert e.value.details.get("row") == row
    assert state(park.ledger) == before


def test_parse_rows_english(tmp_path: Path) -> None:
    path = tmp_path / "en.csv"
    path.write_text(
        "serial_start,serial_end,project,technology,production_month,quantity,meter_id,holder\n"
        "A-7,A-9,P,solar,2025-12,3,S-1,E-1\n",
        encoding="utf-8",
    )
    [(row, payload)] = parse_rows(path)
    assert row == 2 and payload == {
        "first": 7,
        "last": 9,
        "mwh": 3,
        "generator_meter": "S-1",
        "technology": "solar",
        "vintage": "2025-12",
        "project": "P",
        "holder": "E-1",
    }
