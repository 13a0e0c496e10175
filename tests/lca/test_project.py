"""First use: the offline Brightway project is created in seconds with no network."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest

from lca.gases import BIOSPHERE_DATABASE, GASES, METHOD
from lca.project import BACKGROUND_DATABASE, VERSION_KEY, open_project, setup_project
from ledger import tanji_home


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_first_use_is_offline_fast_and_in_the_data_dir(no_network: None, tmp_path: Path) -> None:
    started = time.perf_counter()
    report = setup_project(tmp_path)
    elapsed = time.perf_counter() - started
    assert report.created_biosphere and report.created_method and report.wrote_background
    assert elapsed < 20, f"first use took {elapsed:.1f} s"
    assert (tmp_path / "brightway" / "projects.db").exists()
    bd = open_project(tmp_path)
    assert len(bd.Database(BIOSPHERE_DATABASE)) == len(GASES)
    assert METHOD in bd.methods
    cfs = dict(bd.Method(METHOD).load())
    by_code = {bd.get_node(id=k)["code"]: v for k, v in cfs.items()}
    assert by_code["ch4_fossil"] == pytest.approx(29.8)
    assert by_code["sf6"] == pytest.approx(25200)
    assert "co2_biogenic" not in by_code
    assert bd.databases[BACKGROUND_DATABASE][VERSION_KEY] == report.background_version
    again = setup_project(tmp_path)
    assert not (again.created_biosphere or again.created_method or again.wrote_background)
    assert again.seconds < 1.0


def test_tanji_home_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path))
    assert tanji_home() == tmp_path
    monkeypatch.delenv("TANJI_HOME")
    assert tanji_home() == Path.home() / ".local" / "share" / "tanji"
