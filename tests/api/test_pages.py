"""The pages people read: zh and en, numbers as people read them, charts drawn by Plotly with no CDN,
API docs with local assets; and every page opened in headless Chromium with the network off."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from api.views import flows as flows_view
from api.views import park as park_view
from api.views import verify as verify_view
from api.views.flows import LABEL_CHARS, NODE_PAD, hourly_figure, render_flows_html, sankey_figure
from api.views.i18n import Lang, choose_lang, switch_href
from api.views.numbers import human, mwh, percent, quantity
from api.views.park import humanize_text, indicator_value
from api.views.plots import INLINE, chart, figure_of, scripts, served
from park.flow_inputs import EnterpriseHours, ParkFlows
from park.flows import DirectEmission, MeterFlow, build_flows
from tests.api.conftest import PARK, Env
from tests.api.test_flows import _page_park
from tests.api.test_verify_page import _view

# ---------------------------------------------------------------------------------------- pure


@pytest.mark.parametrize(
    ("query", "header", "want"),
    [
        (None, None, "zh"),
        ("en", "zh-CN", "en"),
        ("zh-Hans", "en", "zh"),
        ("fr", "en-GB,en;q=0.9", "en"),
        (None, "fr-FR, en;q=0.5, zh;q=0.8", "zh"),
        (None, "fr-FR, de;q=0.5", "zh"),
        (None, "en;q=0, zh-TW;q=0.1", "zh"),
        (None, "EN-us", "en"),
        (None, "zh;q=abc, en", "en"),
    ],
)
def test_choose_lang(query: str | None, header: str | None, want: str) -> None:
    assert choose_lang(query, header) == want


def test_switch_href_keeps_the_other_parameters() -> None:
    href = switch_href("/park/P-1/flows", [("period", "2025-01..2025-12"), ("lang", "zh")], "en")
    assert href == "/park/P-1/flows?period=2025-01..2025-12&lang=en"


@pytest.mark.parametrize("catalog", [flows_view.MESSAGES, park_view.MESSAGES, verify_view.MESSAGES])
def test_every_message_has_both_languages(catalog: dict[str, dict[str, str]]) -> None:
    for key, texts in catalog.items():
        assert set(texts) == {"zh", "en"}, key
        assert all(t.strip() for t in texts.values()), key
        # The same placeholders in both languages.
        assert set(re.findall(r"{(\w+)}", texts["zh"])) == set(re.findall(r"{(\w+)}", texts["en"])), key


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1797848.264, "1,797,848"),
        ("1797848.264", "1,797,848"),
        (1.191e4, "11,910"),
        (12.345, "12.3"),
        (1.2959, "1.30"),
        (0.5856, "0.586"),
        (0.0012143, "0.00121"),
        (0, "0"),
        ("0.000", "0"),
        (-3.2, "-3.20"),
        (None, "—"),
        ("n/a", "—"),
        (float("nan"), "—"),
        (5_611_442_171_777, "5,611,442,171,777"),
    ],
)
def test_human_numbers(value: Any, text: str) -> None:
    assert human(value) == text
    assert "e+" not in human(value) and "E" not in human(value)


def test_units() -> None:
    assert mwh(5_611_442_171_777) == "5,611,442 MWh"
    assert percent("0.5732") == "57.3 %" and percent(None) == "—"
    assert quantity("2329895.854", "t") == "2,329,896 t"
    assert human(2.5, places=3) == "2.500"
    with pytest.raises(ValueError):
        human(1, places=-1)


def test_indicator_values_and_notes_read_as_people_read_them() -> None:
    assert indicator_value("0.5732", "ratio", "en") == "57.3 %"
    assert indicator_value("1.2959", "tCO2/tce", "en") == "1.30 tCO2/tce"
    assert indicator_value("2", "worst grade", "zh") == "2 级" and indicator_value(None, "ratio", "zh") == "—"
    assert humanize_text("clean 1030452.654 tce of 1797848.264 tce") == "clean 1,030,453 tce of 1,797,848 tce"
    kept = "primary aluminium (GB 21346-2022) grade 2, factor 0.5856, year 2025"
    assert humanize_text(kept) == kept


def test_green_report_page_shows_mwh_and_percent() -> None:
    from api.views.charts import green_html

    page = green_html(
        "M-1", {"consumption_wh": 11_910_000_000, "claimable_share": 0.5186, "hours": 8760}, b""
    )
    assert "11,910 MWh" in page and "51.9 %" in page and "8,760" in page and "e+" not in page


def test_chart_blocks_are_data_not_code() -> None:
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[1], y=["</script><script>alert(1)</script>"]))
    block = chart(fig, "c-1", label='a "label"')
    assert block.count("</script>") == 1  # the block's own end; the payload's was escaped
    assert 'aria-label="a &quot;label&quot;"' in block
    assert figure_of(block)["data"][0]["y"] == ["</script><script>alert(1)</script>"]
    with pytest.raises(ValueError):
        chart(fig, "bad id", label="x")
    assert scripts(served()) == (
        '<script src="/static/charts/plotly.min.js"></script>'
        '<script src="/static/charts/tanji-charts.js"></script>'
    )
    inline = scripts(INLINE)
    assert inline.startswith("<script>") and "plotly.js v" in inline[:300] and "Plotly.newPlot" in inline


# ------------------------------------------------------------------------- flows, synthetic park


def synthetic_flows() -> ParkFlows:
    """Three enterprises, four meters, three products, fuel and process emissions; a year of hours."""
    t = 1_000_000_000  # 1 GWh in Wh
    meters = [
        MeterFlow(
            "M-SMELT-1",
            "E-SMELTER",
            direct_wh={"wind": 1400 * t, "solar": 600 * t},
            direct_claimable_wh={"wind": 1400 * t, "solar": 599 * t},
            certificate_wh={"wind": 300 * t},
            grid_wh=900 * t,
            product_wh={"al-ingot": 2500 * t},
        ),
        MeterFlow(
            "M-SMELT-2", "E-SMELTER", direct_wh={"wind": 220 * t}, direct_claimable_wh={"wind": 220 * t}
        ),
        MeterFlow(
            "M-SI-1",
            "E-SILICON",
            contracted_wh={"wind": 128 * t},
            grid_wh=250 * t,
            product_wh={"si": 300 * t},
        ),
        MeterFlow(
            "M-FE-1",
            "E-FERRO",
            certificate_wh={"wind": 400 * t},
            grid_wh=200 * t,
            product_wh={"fesi": 550 * t},
        ),
    ]
    emissions = [
        DirectEmission("E-SMELTER", "process", "process", 0, 638_691 * 10**6),
        DirectEmission("E-FERRO", "fuel:natural_gas", "natural gas", 900 * t, 196_734 * 10**6),
    ]
    graph = build_flows(
        meters,
        emissions,
        Decimal("0.5856"),
        enterprise_labels={"E-SMELTER": "示范铝业 Demo Aluminium Smelter Co.", "E-SILICON": "硅业 Silicon"},
        product_labels={
            "al-ingot": "Aluminium ingot A00 铝锭 99.70",
            "si": "工业硅 Si",
            "fesi": "硅铁 FeSi75",
        },
    )
    idx = pd.date_range("2024-12-31 16:00", periods=8760, freq="h", tz="UTC")
    rng = np.random.default_rng(7)
    cons = np.full(8760, 400_000_000, dtype=np.int64)
    direct = (rng.uniform(0, 1, 8760) * 300_000_000).astype(np.int64)
    zeros = np.zeros(8760, dtype=np.int64)
    hours = (
        EnterpriseHours("E-SMELTER", "示范铝业", idx, cons, direct, zeros, np.minimum(cons - direct, 10**8)),
    )
    return ParkFlows(
        "P-ORDOS",
        "鄂尔多斯零碳产业园",
        "2025-01",
        "2025-12",
        graph,
        hours,
        (3437,),
        "MEE/NBS 2022",
        ("a note",),
    )


def test_sankey_labels_cannot_overlap() -> None:
    flows = synthetic_flows()
    langs: tuple[Lang, ...] = ("zh", "en")
    for lang in langs:
        fig = sankey_figure(flows.graph, lang)
        mwh_trace, t_trace = fig.data
        assert mwh_trace.visible is True and t_trace.visible is False
        font = mwh_trace.textfont.size
        # Plotly keeps `pad` px between neighbouring nodes and centres each label on its node.
        assert mwh_trace.node.pad == NODE_PAD >= font + 6
        assert all(len(label) <= LABEL_CHARS for label in mwh_trace.node.label)
        per_column: dict[int, int] = {}
        for n in flows.graph.nodes:
            per_column[n.column] = per_column.get(n.column, 0) + 1
        assert fig.layout.height >= max(per_column.values()) * (NODE_PAD + font)
        # Full names and figures are in the hover text, with units and separators, never an exponent.
        assert any("MWh" in c and "," in c for c in mwh_trace.node.customdata)
        assert all("e+" not in c for c in mwh_trace.node.customdata)
        assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["MWh", "t CO2e"]
    zh = sankey_figure(flows.graph, "zh").data[0].node.label
    assert "风电 · 直连（已注销绿证）" in zh and "电网" in zh and "天然气" in zh


def test_flows_page_in_both_languages() -> None:
    flows = synthetic_flows()
    zh = render_flows_html(flows, "zh")
    en = render_flows_html(flows, "en", assets=served(), switch_href="?lang=zh")
    assert '<html lang="zh-CN">' in zh and "能源流·碳数据流·产品流" in zh and "逐小时匹配" in zh
    assert '<html lang="en">' in en and "energy–carbon–product flow" in en and 'href="?lang=zh"' in en
    for page in (zh, en):
        assert 'data-chart="sankey"' in page and 'data-chart="hourly-0"' in page
        text = page.split("<script")[0]  # the page without Plotly's own code
        assert not re.search(r'(src|href)="(https?:)?//', text)
        assert not re.search(r"\d{7}\.\d", text)  # no 1797848.264 in the text
    assert "plotly.js v" in zh  # the file opens offline: Plotly is embedded
    assert '<script src="/static/charts/plotly.min.js">' in en and "plotly.js v" not in en
    fig = hourly_figure(flows.hours[0], "zh")
    assert fig.layout.xaxis.dtick == "M1" and "千瓦时/小时" in fig.layout.yaxis.title.text


# --------------------------------------------------------------------------------- via the service


def test_docs_work_offline(env: Env) -> None:
    for path, needs in (
        ("/docs", ["/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-ui.css"]),
        ("/redoc", ["/static/docs/redoc.standalone.js"]),
    ):
        r = env.client.get(path)
        assert r.status_code == 200
        refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs), refs
        assert all(n in refs for n in needs)
        assert "cdn.jsdelivr" not in r.text and "fonts.googleapis" not in r.text
        for ref in refs:
            asset = env.client.get(ref)
            assert asset.status_code == 200 and len(asset.content) > 1000, ref
    assert '"validatorUrl": null' in env.client.get("/docs").text
    assert env.client.get("/docs/oauth2-redirect").status_code == 200
    assert env.client.get("/static/docs/nope.js").status_code == 404
    js = env.client.get("/static/charts/plotly.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert env.client.get("/static/charts/tanji-charts.js").status_code == 200
    assert "/docs" not in env.client.get("/openapi.json").json()["paths"]


def test_verify_page_in_both_languages(make_env: Callable[..., Env]) -> None:
    env = make_env(certificates=lambda cid: _view("superseded") if cid == "TJ-2026-0001" else None)
    zh = env.client.get("/verify/TJ-2026-0001", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    en = env.client.get("/verify/TJ-2026-0001?lang=en", headers={"Accept-Language": "zh-CN"})
    assert zh.headers["content-language"] == "zh-CN" and en.headers["content-language"] == "en"
    assert "accept-language" in zh.headers["vary"].lower()
    assert "已被取代 SUPERSEDED" in zh.text and "碳足迹（市场法）" in zh.text and "绿电 — 物理绿电" in zh.text
    assert "新的证书取代了本证书" in zh.text or "superseded" not in zh.text.lower().split("badge")[0]
    assert "Footprint, market-based" in en.text and "SUPERSEDED" in en.text and "已被取代" not in en.text
    assert 'href="/verify/TJ-2026-0001?lang=en"' in zh.text
    assert "<script" not in zh.text and "<script" not in en.text


def test_park_pages_in_both_languages(env: Env) -> None:
    _page_park(env)
    auth = env.auth(PARK)
    for lang, words in (
        ("zh", ["核心指标", "指标与阈值", "综合能耗"]),
        ("en", ["Core indicator", "Indicators"]),
    ):
        r = env.client.get(f"/park/P-X/report?year=2026&lang={lang}", headers=auth)
        assert r.status_code == 200, r.text
        assert all(w in r.text for w in words), lang
        assert "script-src 'self'" in r.headers["content-security-policy"]
        _only_local_scripts(r.text)
        fig = figure_of(r.text[r.text.index('<div class="chart" id="indicators"') :])
        thresholds = [s for s in fig["layout"].get("shapes", []) if s.get("line", {}).get("dash") == "dash"]
        assert thresholds, "each indicator with a threshold draws it as a dashed line"
        assert not re.search(r">[^<]*\d{5,}\.\d{3}", r.text.split("<script")[0])  # no raw 1797848.264
        flows = env.client.get(f"/park/P-X/flows?period=2026-01&lang={lang}", headers=auth)
        assert flows.status_code == 200, flows.text
        _only_local_scripts(flows.text)
    assert env.client.get("/park/P-X/report.json?year=2026", headers=auth).json()["year"] == 2026
    assert env.client.get("/park/P-X/report?year=2026", headers=env.auth("B-buyer")).status_code == 403


def _only_local_scripts(page: str) -> None:
    """Scripts come from this service or are JSON data blocks: nothing inline runs, nothing remote loads."""
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/charts/' in tag or 'type="application/json"' in tag, tag


# --------------------------------------------------------------------------------- in a browser


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI installs it")
    return found


def _cjk_font() -> None:
    fc_list = shutil.which("fc-list")
    out = (
        ""
        if fc_list is None
        else subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True).stdout
    )
    if not out.strip():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no CJK font: .ci/run installs Debian's fonts-noto-cjk")
        pytest.skip("no CJK font (apt-get install -y fonts-noto-cjk); CI installs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: Env) -> Iterator[str]:
    """The env's app served on 127.0.0.1 by uvicorn, every request carrying the park actor's token
    (a browser opening the park's pages after signing in); yields the base URL."""
    import uvicorn

    token = env.token(PARK)
    app = env.app

    async def signed_in(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "headers": [*scope["headers"], (b"authorization", f"Bearer {token}".encode())]}
        await app(scope, receive, send)

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(signed_in, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _browse(url: str, out: Path, *, lang: str = "en-US", dump: bool = False, height: int = 1600) -> str:
    """Open ``url`` in headless Chromium with every host but 127.0.0.1 unresolvable (the network off);
    a screenshot into ``out``, or the DOM after scripts ran (``dump``)."""
    profile = tempfile.mkdtemp(dir=out.parent)
    args = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--lang={lang}",
        f"--accept-lang={lang}",
        f"--user-data-dir={profile}",
        f"--window-size=1280,{height}",
        "--virtual-time-budget=8000",
        "--dump-dom" if dump else f"--screenshot={out}",
        url,
    ]
    done = subprocess.run(args, check=True, capture_output=True, timeout=180)
    return done.stdout.decode("utf-8", "replace")


def _ink(png: Path) -> float:
    """The share of pixels that are not (nearly) white: a blank or failed page is close to 0."""
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("L"), dtype=np.uint8)
    return float((pixels < 235).mean())


PAGES = [
    ("docs", "/docs", "en-US"),
    ("redoc", "/redoc", "en-US"),
    ("verify-zh", "/verify/TJ-2026-0001", "zh-CN"),
    ("verify-en", "/verify/TJ-2026-0001", "en-US"),
    ("flows-zh", "/park/P-X/flows?period=2026-01", "zh-CN"),
    ("flows-en", "/park/P-X/flows?period=2026-01", "en-US"),
    ("report-zh", "/park/P-X/report?year=2026", "zh-CN"),
    ("report-en", "/park/P-X/report?year=2026", "en-US"),
]


@pytest.mark.slow
def test_every_page_in_headless_chromium_offline(make_env: Callable[..., Env], tmp_path: Path) -> None:
    _chromium()
    _cjk_font()
    env = make_env(certificates=lambda cid: _view("valid") if cid == "TJ-2026-0001" else None)
    _page_park(env)
    keep = os.environ.get("TANJI_SCREENSHOTS")  # to look at them: TANJI_SCREENSHOTS=/tmp/shots pytest -k …
    with serving(env) as base:
        for name, path, lang in PAGES:
            shot = tmp_path / f"{name}.png"
            _browse(base + path, shot, lang=lang)
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(keep) / shot.name)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
            assert _ink(shot) > 0.01, f"{name} looks blank"
            dom = _browse(base + path, shot.with_suffix(".dom"), lang=lang, dump=True)
            if name == "docs":
                assert "opblock" in dom and "/3/footprints" in dom  # Swagger UI drew the operations
            elif name == "redoc":
                assert "ListFootprints" in dom  # ReDoc drew the operations
            elif name.startswith(("flows", "report")):
                drawn = re.search(r'data-charts-drawn="(\d+)"', dom)
                assert drawn and int(drawn.group(1)) >= 2, name
                assert dom.count("main-svg") >= 2, f"{name}: Plotly drew no chart"
            if name not in ("docs", "redoc"):  # the language follows the browser's Accept-Language
                assert f'lang="{"zh-CN" if lang.startswith("zh") else "en"}"' in dom, name


@pytest.mark.slow
def test_chinese_glyphs_render(tmp_path: Path) -> None:
    """Chinese text draws glyphs, not empty boxes: the CJK text is wider and inkier than its tofu."""
    _chromium()
    _cjk_font()
    ink = {}
    for name, text in (("cjk", "碳迹零碳园区绿电溯源"), ("tofu", "\U000f0000" * 10)):
        page = tmp_path / f"{name}.html"
        page.write_text(
            f'<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff">'
            f'<p style="font:64px sans-serif;margin:20px">{text}</p>',
            encoding="utf-8",
        )
        shot = tmp_path / f"{name}.png"
        _browse(page.as_uri(), shot, height=200)
        ink[name] = _ink(shot)
    assert ink["cjk"] > 0.05 and ink["cjk"] > 1.5 * ink["tofu"], ink
