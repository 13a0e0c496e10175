"""``tanji apply`` on hostile input: one line with a code, exit 2, no traceback, nothing appended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from ledger import Database, Ledger, default_url

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TANJI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TANJI_DB", raising=False)
    monkeypatch.delenv("TANJI_KEY_PASSPHRASE", raising=False)
    r = runner.invoke(app, ["init", "--origin", "test.tanji/apply"])
    assert r.exit_code == 0, r.output
    (tmp_path / "keys").mkdir()
    return tmp_path / "home"


def _size(home: Path) -> int:
    return Ledger(Database(default_url(home)), None).size()


def _line(payload: str = "{}") -> str:
    return '{"actor":"operator","kind":"park.register","payload":' + payload + "}"


CASES = [
    (
        "deep.jsonl",
        (_line('{"x":' + "[" * 50_000 + "]" * 50_000 + "}") + "\n").encode(),
        [],
        "apply.too_deep",
    ),
    ("latin1.jsonl", (_line('{"name":"\xe9"}') + "\n").encode("latin-1"), [], "apply.encoding"),
    ("absent.jsonl", None, [], "apply.file_missing"),
    ("ok.jsonl", (_line() + "\n").encode(), ["--batch-size", "0"], "apply.bad_option"),
    (
        "long.jsonl",
        (_line('{"name":"' + "x" * 5000 + '"}') + "\n").encode(),
        ["--max-line-bytes", "1000"],
        "apply.line_too_long",
    ),
]


@pytest.mark.parametrize(("name", "content", "options", "code"), CASES)
def test_refusals_are_one_line_with_a_code(
    home: Path, tmp_path: Path, name: str, content: bytes | None, options: list[str], code: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    size = _size(home)
    r = runner.invoke(app, ["apply", str(path), "--keys", str(tmp_path / "keys"), *options])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: [{code}]"), r.output
    r = runner.invoke(app, ["apply", str(path), "--keys", str(tmp_path / "keys"), *options, "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == code
    assert _size(home) == size
