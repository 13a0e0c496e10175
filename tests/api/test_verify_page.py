"""The public verification page renders valid, revoked and unknown certificates, offline; in zh and en
the period as the label shows it, the verifier and issuer by name, the witnesses that cosigned."""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import cast

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo.run import run_demo
from api.demo.witnesses import WITNESSES
from api.settings import Settings
from api.views.certificate import CertificateView, EvidenceItem, Status
from api.views.i18n import LANGS, Lang
from api.views.numbers import amount
from api.views.verify import witness_names
from certificates.labels import format_period, label_data
from certificates.site import Site
from certificates.verify import TrustedKey, check_certificate
from ledger.log.checkpoint import verifier_key
from ledger.log.cosignature import WitnessKey
from ledger.log.keys import generate_key, load_private_key, load_public_key
from ledger.log.policy import Policy
from tests.api.conftest import Env
from tests.certificates.conftest import Issued, make_issued  # noqa: F401 - a fixture


def _view(status: Status, reason: str | None = None) -> CertificateView:
    return CertificateView(
        certificate_id="TJ-2026-0001",
        status=status,
        product="原铝 AL99.70 lot 2026-02",
        declared_unit="1 kilogram",
        period_start="2026-01-01",
        period_end="2026-02-01",
        market_based="3.10 kgCO2e",
        location_based="7.95 kgCO2e",
        green_shares={"physical": "59.3 %", "claimable": "51.9 %"},
        issuer="E-alu Ordos Aluminium",
        verifier="Actor V-cert (V-cert)",
        status_reason=reason,
        evidence=[
            EvidenceItem(12, "readings.batch", "ab" * 32, "meter M-1, January"),
            EvidenceItem(40, "footprint.publish", "cd" * 32),
        ],
        document={"certificate_id": "TJ-2026-0001", "sig": "…"},
    )


@pytest.mark.parametrize(
    ("status", "reason"), [("valid", None), ("revoked", "meter M-1 miscalibrated"), ("superseded", None)]
)
def test_page_renders_status_figures_and_evidence(
    make_env: Callable[..., Env], status: Status, reason: str | None
) -> None:
    env: Env = make_env(certificates=lambda cid: _view(status, reason) if cid == "TJ-2026-0001" else None)
    r = env.client.get("/verify/TJ-2026-0001")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert f'class="badge {status}"' in html and status.upper() in html
    assert "原铝 AL99.70" in html and "3.10 kgCO2e" in html and "59.3 %" in html and "V-cert" in html
    assert "ab" * 32 in html and "readings.batch" in html
    if reason:
        assert reason in html
    # Works offline: no external scripts, styles, fonts or images.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html
    doc = env.client.get("/verify/TJ-2026-0001/certificate.json")
    assert doc.status_code == 200 and doc.json()["certificate_id"] == "TJ-2026-0001"


def test_unknown_certificate_is_404_page(env: Env) -> None:
    r = env.client.get("/verify/TJ-NOPE", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert r.status_code == 404 and "Certificate not found" in r.text
    r = env.client.get("/verify/TJ-NOPE?lang=zh")
    assert r.status_code == 404 and "未找到证书" in r.text and "<code>TJ-NOPE</code>" in r.text
    assert env.client.get("/verify/TJ-NOPE/certificate.json").status_code == 404


def test_view_rejects_unknown_status() -> None:
    with pytest.raises(ValueError, match="not valid, revoked or superseded"):
        _view(cast(Status, "pending"))  # deliberately outside the Literal


# Issue 15, items 4 and 5: the period as the label shows it, in both languages; the verifier by name;
# the witnesses that cosigned; the downloadable JSON is the holder's signed document and nothing else.

PERIOD = {
    "en": "2026-01-01 – 2026-02-01 (end exclusive, park-local dates)",
    "zh": "2026-01-01 至 2026-02-01（不含 2026-02-01，园区当地日期）",
}


def _cell(html: str, name: str) -> str:
    """The text of the page's table cell ``<td id="name">``."""
    found = re.search(rf'<td id="{name}">([^<]*)</td>', html)
    assert found is not None, name
    return found.group(1)


def _label_period(html: str) -> str:
    """The period a label (``certificates/templates/label.html``) prints."""
    found = re.search(r"<dt>(?:Period|核算期)</dt><dd>([^<]*)</dd>", html)
    assert found is not None
    return found.group(1)


def test_period_and_verifier_in_the_language_asked_for(make_env: Callable[..., Env]) -> None:
    env = make_env(certificates=lambda cid: _view("valid") if cid == "TJ-2026-0001" else None)
    asked: list[tuple[str, str, Lang]] = [
        ("?lang=en", "zh-CN,zh;q=0.9", "en"),  # ?lang= wins over Accept-Language
        ("?lang=zh", "en-GB,en;q=0.9", "zh"),
        ("", "en-GB,en;q=0.9", "en"),
        ("", "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("", "fr-FR", "zh"),  # neither: Chinese
    ]
    for query, accept, lang in asked:
        r = env.client.get(f"/verify/TJ-2026-0001{query}", headers={"Accept-Language": accept})
        assert r.status_code == 200 and r.headers["content-language"] == ("zh-CN" if lang == "zh" else "en")
        # one definition of the period text: the label's
        assert _cell(r.text, "period") == PERIOD[lang] == format_period("2026-01-01", "2026-02-01", lang)
        assert _cell(r.text, "verifier") == "Actor V-cert (V-cert)"
        assert _cell(r.text, "issuer") == "E-alu Ordos Aluminium"


def test_view_period_is_both_dates_or_none() -> None:
    view = _view("valid")
    assert [view.period(lang) for lang in ("en", "zh")] == [PERIOD["en"], PERIOD["zh"]]
    assert replace(view, period_start=None, period_end=None).period("zh") == "—"
    with pytest.raises(ValueError, match="both its start and its end"):
        replace(view, period_end=None)
    with pytest.raises(ValueError, match="isoformat"):
        replace(view, period_start="January 2026")


def test_ledger_certificate_names_its_verifier_and_period_as_its_label(
    make_issued: Callable[..., Issued],  # noqa: F811 - the fixture
) -> None:
    issued = make_issued(with_statement=True)
    park, cid, stated = issued.park, issued.certificate.id, issued.certificate.data["period"]
    label = label_data(park.ledger, cid, site=Site.of("https://tanji.test"))
    app = create_app(
        Settings(
            db_url=park.ledger.db.url,
            service_key=generate_key(),
            operator_key=park.keys["operator"],
            read_cache_seconds=0,
        )
    )
    with TestClient(app) as client:
        for lang in LANGS:
            html = client.get(f"/verify/{cid}?lang={lang}").text
            period = format_period(stated["start"], stated["end"], lang)
            assert _cell(html, "period") == label.period(lang) == period
            assert _cell(html, "verifier") == "Actor V-1 (V-1)"  # the registered name, with the id
            assert _cell(html, "issuer") == "Actor E-1 (E-1)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's output directory (one month): its ledger, certificates, labels and witnesses."""
    out = tmp_path_factory.mktemp("demo-verify")
    with contextlib.suppress(SystemExit):  # the demo's own verdict is tests/api/test_demo.py's
        run_demo(out, echo=lambda _: None, months=1)
    return out


def test_demo_ingot_page_matches_its_label_and_names_verifier_and_witnesses(demo: Path) -> None:
    cid = json.loads((demo / "summary.json").read_text())["certificates"]["example-al-ingot-a00"]
    doc = json.loads((demo / "certificates" / f"{cid}.json").read_bytes())
    policy = Policy.from_text((demo / "witnesses" / "policy").read_text())
    with TestClient(create_app(Settings.from_home(demo))) as client:
        pages = {lang: client.get(f"/verify/{cid}?lang={lang}").text for lang in LANGS}
        by_header = client.get(f"/verify/{cid}", headers={"Accept-Language": "en-US,en;q=0.9"}).text
        download = client.get(f"/verify/{cid}/certificate.json")
    assert by_header == pages["en"]
    names = ", ".join(f"{label} ({name})" for label, name in WITNESSES.items())
    quorum = policy.describe()
    for lang, html in pages.items():
        label = (demo / "labels" / f"{cid}.{lang}.html").read_text(encoding="utf-8")
        period = format_period(doc["period"]["start"], doc["period"]["end"], lang)
        assert _cell(html, "period") == _label_period(label) == period  # page, label, certificate agree
        assert _cell(html, "verifier") == "示范核查机构 Demo Verification Body (V-CHECK)"
        assert _cell(html, "issuer") == "示范铝业 Demo Aluminium Smelter Co. (E-SMELTER)"
        assert "<td>1,000 kilogram</td>" in html  # human numbers: separators, no stray decimals
        witnessed = re.search(r'<p id="witnesses">(.*?)</p>', html, re.S)
        assert witnessed is not None and 'class="badge valid"' in witnessed.group(1)
        line = witnessed.group(1)
        if lang == "zh":
            assert f"见证方：{names}（策略：{quorum}；检查点含 " in line
        else:
            assert f"by {names} (policy: {quorum}; checkpoint of " in line
        for name in WITNESSES.values():  # their cosignature lines on the witnessed checkpoint
            assert f"— {name} " in html

    # The download is the holder's signed document as signed, verifying offline, and nothing private.
    assert download.status_code == 200 and download.json() == doc
    trust = TrustedKey(load_public_key(demo / "ledger.pub"), policy=policy)
    result = check_certificate(download.content, trust)
    assert result.ok and result.check("checkpoint.witnesses").ok, result.to_json()
    text = download.text
    assert "PRIVATE KEY" not in text
    for pem in (demo / "keys").rglob("*.pem"):
        raw = load_private_key(pem).private_bytes_raw()
        assert base64.b64encode(raw).decode() not in text and raw.hex() not in text, pem
    assert json.loads((demo / "pact-client.json").read_text())["client_secret"] not in text
    bodies = [json.loads(e["body"]) for e in doc["evidence"]["entries"]]
    signers = {b["actor"] for b in bodies if b["kind"] != "actor.register"}
    assert signers <= {doc["issuer"]["actor"], doc["verification"]["verifier"], "operator"}
    registered = {b["payload"]["id"] for b in bodies if b["kind"] == "actor.register"}
    registrars = {b["actor"] for b in bodies if b["kind"] == "actor.register"}
    assert registered <= signers | registrars  # only the keys of who signed the evidence, no one else


def test_declared_amounts_and_witness_names_as_the_page_shows_them() -> None:
    assert [amount(v) for v in (1000, 1.0, "0.50", 1234567.25, None, "a tonne")] == [
        "1,000",
        "1",
        "0.5",
        "1,234,567.25",
        "—",
        "—",
    ]
    log, park, w2 = (generate_key().public_key() for _ in range(3))
    policy = Policy.from_text(
        f"log {verifier_key('log.example/ledger', log)}\n"
        f"witness park {WitnessKey('park.example/witness', park).vkey()}\n"
        f"witness w2.example/witness {WitnessKey('w2.example/witness', w2).vkey()}\n"
        "quorum park\n"
    )
    # a witness by its label and the name it cosigns with; once when they are the same
    assert witness_names(policy, ["park", "w2.example/witness"]) == (
        "park (park.example/witness), w2.example/witness"
    )
