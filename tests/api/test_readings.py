"""Readings upload: same validation as the CLI importer; the client signs what comes back."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.clients import create_client
from api.settings import Settings
from ledger.log.entry import Submission
from ledger.log.keys import generate_key, sign_b64
from tests.conftest import Park, setup_energy_park

T0 = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 Asia/Shanghai


def _csv(meter: str = "C-1", hours: int = 48) -> bytes:
    rows = ["meter_id,start,kwh"]
    rows += [
        f"{meter},{(T0 + timedelta(hours=i)).strftime('%Y-%m-%dT%H:%M:%S+00:00')},{1.25 + i % 3}"
        for i in range(hours)
    ]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def energy(make_park: Callable[[], Park]) -> tuple[Park, TestClient, dict[str, str]]:
    park = setup_energy_park(make_park())
    app = create_app(
        Settings(db_url=park.ledger.db.url, service_key=generate_key(), operator_key=park.keys["operator"])
    )
    client = TestClient(app, raise_server_exceptions=False)
    headers = {}
    for actor in ("E-1", "E-2"):
        new = create_client(park.ledger.db, actor, "enterprise")
        r = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(new.client.client_id, new.secret)
        )
        headers[actor] = f"Bearer {r.json()['access_token']}"
    return park, client, headers


def test_upload_validates_and_client_signs_and_appends(
    energy: tuple[Park, TestClient, dict[str, str]],
) -> None:
    park, client, headers = energy
    size = park.ledger.size()
    r = client.post(
        "/readings/upload",
        files={"file": ("jan.csv", _csv(), "text/csv")},
        headers={"Authorization": headers["E-1"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["meters"], body["batches"], body["values"]) == (1, 1, 48)
    assert park.ledger.size() == size  # validation writes nothing
    subs = []
    for e in body["entries"]:
        sig = sign_b64(park.keys["E-1"], base64.b64decode(e["signed_bytes"]))
        sub = Submission(kind=e["kind"], actor=e["actor"], payload=e["payload"], sig=sig)
        assert sub.signed_bytes() == base64.b64decode(e["signed_bytes"])
        subs.append(sub.to_json())
    r = client.post("/entries/batch", json={"entries": subs}, headers={"Authorization": headers["E-1"]})
    assert r.status_code == 201, r.text
    assert park.ledger.size() == size + 1 and park.ledger.verify().ok  # one meter-month
    again = client.post(
        "/readings/upload",
        files={"file": ("jan.csv", _csv(), "text/csv")},
        headers={"Authorization": headers["E-1"]},
    )
    assert again.status_code == 422 and again.json()["code"] == "import.rejected"
    assert {p["code"] for p in again.json()["problems"]} == {"readings.overlap"}


def test_upload_of_anothers_meter_is_rejected_with_problems(
    energy: tuple[Park, TestClient, dict[str, str]],
) -> None:
    park, client, headers = energy
    r = client.post(
        "/readings/upload",
        files={"file": ("x.csv", _csv("C-1"), "text/csv")},
        headers={"Authorization": headers["E-2"]},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["problems"][0]["code"] == "readings.not_owner"


def test_upload_rejects_bad_files(energy: tuple[Park, TestClient, dict[str, str]]) -> None:
    _park, client, headers = energy
    auth = {"Authorization": headers["E-1"]}
    assert (
        client.post(
            "/readings/upload", files={"file": ("x.xlsx", b"zz", "application/octet-stream")}, headers=auth
        ).status_code
        == 415
    )
    assert (
        client.post("/readings/upload", files={"file": ("x.csv", b"", "text/csv")}, headers=auth).status_code
        == 400
    )
    bad = client.post(
        "/readings/upload",
        files={"file": ("x.csv", b"meter_id,start,kwh\nC-1,2026-01-01T00:00:00,1\n", "text/csv")},
        headers=auth,
    )
    assert bad.status_code == 422 and bad.json()["problems"][0]["row"] == 2
    assert client.post("/readings/upload", files={"file": ("x.csv", _csv(), "text/csv")}).status_code == 401


def test_parquet_upload_wide_layout(energy: tuple[Park, TestClient, dict[str, str]], tmp_path: Path) -> None:
    import pandas as pd

    _park, client, headers = energy
    starts = pd.date_range(T0, periods=96, freq="15min", tz="UTC")
    path = tmp_path / "wide.parquet"
    pd.DataFrame({"start": starts, "C-1": [0.25] * 96, "C-2": [0.5] * 96}).to_parquet(path)
    r = client.post(
        "/readings/upload",
        files={"file": ("wide.parquet", path.read_bytes(), "application/octet-stream")},
        data={"unit": "kwh"},
        headers={"Authorization": headers["E-1"]},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["meters"], r.json()["values"], r.json()["total_wh"]) == (2, 192, 96 * 250 + 96 * 500)


def _csv_with(cell: str) -> bytes:
    rows = ["meter_id,start,kwh"]
    rows += [
        f"C-1,{(T0 + timedelta(hours=i)).strftime('%Y-%m-%dT%H:%M:%S+00:00')},{cell if i == 2 else '1'}"
        for i in range(6)
    ]
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "body", "code", "row"),
    [
        ("true.csv", _csv_with("true"), "readings.not_a_number", 4),
        ("hex.csv", _csv_with("0x10"), "readings.not_a_number", 4),
        ("abc.csv", _csv_with("abc"), "readings.not_a_number", 4),
        ("unit.csv", _csv_with("12kWh"), "readings.not_a_number", 4),
        ("inf.csv", _csv_with("inf"), "readings.not_a_number", 4),
        ("huge.csv", _csv_with("1e30"), "readings.out_of_range", 4),
        ("9e15.csv", _csv_with("9e15"), "readings.out_of_range", 4),
        ("dup.csv", b"start,C-1,C-1\n2025-12-31T16:00:00+00:00,1,2\n", "readings.duplicate_column", 1),
    ],
)
def test_bad_numbers_and_headers_are_problem_json_422_and_nothing_is_written(
    energy: tuple[Park, TestClient, dict[str, str]], name: str, body: bytes, code: str, row: int
) -> None:
    park, client, headers = energy
    size = park.ledger.size()
    r = client.post(
        "/readings/upload",
        files={"file": (name, body, "text/csv")},
        headers={"Authorization": headers["E-1"]},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "import.rejected"
    assert [(p["code"], p["row"]) for p in problem["problems"]] == [(code, row)]
    assert park.ledger.size() == size


def test_undecodable_files_are_problem_json_4xx(energy: tuple[Park, TestClient, dict[str, str]]) -> None:
    park, client, headers = energy
    auth = {"Authorization": headers["E-1"]}
    size = park.ledger.size()
    latin1 = b"meter_id,start,kwh\nC-1,2025-12-31T16:00:00+00:00,\xb51\n"
    r = client.post("/readings/upload", files={"file": ("x.csv", latin1, "text/csv")}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "import.encoding" and r.json()["row"] == 2
    ragged = b"meter_id,start,kwh\nC-1,2025-12-31T16:00:00+00:00\n"
    r = client.post("/readings/upload", files={"file": ("x.csv", ragged, "text/csv")}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "import.unreadable"
    r = client.post(
        "/readings/upload", files={"file": ("x.parquet", b"PAR1 not parquet", "application/x")}, headers=auth
    )
    assert r.status_code == 422 and r.json()["code"] == "import.unreadable"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert park.ledger.size() == size
