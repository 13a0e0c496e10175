"""A park's flows as a page, in zh or en: the energy–carbon–product Sankey and the hourly matching charts.

Rendering only; the numbers come from :mod:`park.flow_inputs`. Charts are
Plotly (:mod:`api.views.plots`): the Sankey in MWh, with a button for t CO2e,
and one hourly chart per enterprise with month ticks, park-local time and kWh
per hour on its axis.

Labels never overlap: inside a column plotly's Sankey keeps ``pad`` pixels
between nodes and centres each label on its node, so a pad larger than a line
of text keeps labels apart; labels are cut to ``LABEL_CHARS`` characters so
they stay within the gap to the next column (the full name and the figures
are in the hover text), and the chart is tall enough for its fullest column.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from api.views.i18n import Lang, Words
from api.views.numbers import human, mwh, percent, quantity
from api.views.plots import INLINE, Assets, chart, scripts, styled
from park.flow_inputs import EnterpriseHours, ParkFlows
from park.flows import FUEL_ALLOCATION, FlowGraph, FlowLink, FlowNode

__all__ = [
    "FONT_SIZE",
    "LABEL_CHARS",
    "NODE_PAD",
    "hourly_figure",
    "render_flows_html",
    "sankey_figure",
    "source_label",
]

FONT_SIZE = 12
NODE_PAD = 22  # > a line of FONT_SIZE text: labels of neighbouring nodes cannot touch
LABEL_CHARS = 34  # about 240 px of 12 px text; columns of a 1,200 px chart are ~380 px apart
DEFAULT_TZ = "Asia/Shanghai"

_COLORS = {
    "direct": "#2e7d32",
    "direct_unclaimed": "#a5d6a7",
    "contracted": "#43a047",
    "certificate": "#c5e1a5",
    "grid": "#757575",
    "fuel": "#8d6e63",
    "process": "#e65100",
}

MESSAGES: dict[str, dict[str, str]] = {
    "title": {
        "zh": "{park} — 能源流·碳数据流·产品流 {period}",
        "en": "{park} — energy–carbon–product flow {period}",
    },
    "brand": {"zh": "Tanji 碳迹 · 园区能碳流", "en": "Tanji · park energy–carbon flows"},
    "switch": {"zh": "English", "en": "中文"},
    "total": {"zh": "合计", "en": "Total"},
    "market_note": {
        "zh": "市场法：可声明的绿电按零计；电网电和未持绿证的直连电按 {factor} kg CO2/kWh 计（{source}）。",
        "en": "Market-based: claimable green electricity at zero; grid and direct supply without its GEC at "
        "{factor} kg CO2/kWh ({source}).",
    },
    "runs": {"zh": "归因运行（账本序号）：{runs}。", "en": "Attribution runs (ledger seq): {runs}."},
    "allocation": {
        "zh": "燃料和过程排放分配给产品：{how}。",
        "en": "Fuels and process emissions reach products {how}.",
    },
    "pro_rata": {
        "zh": "按各产品从本企业计量点取用的电量（Wh）比例分配",
        "en": "pro rata to the electricity (Wh) each product took from the enterprise's meters",
    },
    "sankey": {"zh": "能源—碳—产品流（桑基图）", "en": "Energy–carbon–product flow (Sankey)"},
    "sankey_hint": {
        "zh": "带宽为电量（MWh）或排放（t CO2e），按钮切换；悬停查看完整名称和数值。",
        "en": "Band widths are energy (MWh) or emissions (t CO2e), switched by the buttons; hover for full "
        "names and figures.",
    },
    "col_sources": {"zh": "来源", "en": "sources"},
    "col_meters": {"zh": "计量点", "en": "meters"},
    "col_enterprises": {"zh": "企业", "en": "enterprises"},
    "col_products": {"zh": "产品", "en": "products"},
    "hourly": {"zh": "逐小时匹配（各企业）", "en": "Hourly matching per enterprise"},
    "hourly_hint": {
        "zh": "黑线：用电量；深绿：同一小时内的直连和绿电交易电量；"
        "浅绿：已注销绿证（按月，摊到各小时）；其余为电网电。",
        "en": "Line: consumption; dark green: direct supply and green-power trades in the same hour; light "
        "green: retired certificates (monthly, spread over the hours); the rest is grid.",
    },
    "ent_summary": {
        "zh": "用电 {consumption} · 绿电 {green} · 逐小时匹配（直连 + 交易） {matched}",
        "en": "consumption {consumption} · green {green} · hourly-matched (direct + trades) {matched}",
    },
    "consumption": {"zh": "用电量", "en": "consumption"},
    "direct": {"zh": "直连", "en": "direct supply"},
    "contracted": {"zh": "绿电交易", "en": "green-power trade"},
    "certificate": {"zh": "绿证", "en": "certificates (GEC)"},
    "kwh_per_hour": {"zh": "千瓦时/小时（kWh/h）", "en": "kWh per hour"},
    "local_time": {"zh": "园区当地时间（{tz}）", "en": "park-local time ({tz})"},
    "no_hours": {"zh": "无小时数据。", "en": "No hours."},
    "notes": {"zh": "说明", "en": "Notes"},
    "grid": {"zh": "电网", "en": "grid"},
    "direct_src": {"zh": "直连（已注销绿证）", "en": "direct (GEC retired)"},
    "direct_unclaimed_src": {"zh": "直连（未持绿证）", "en": "direct (GEC not held)"},
    "contracted_src": {"zh": "绿电交易", "en": "trade (PPA)"},
    "certificate_src": {"zh": "绿证（已注销）", "en": "GEC retired"},
    "unallocated": {"zh": "{who}：未分配到产品", "en": "{who}: not allocated to a product"},
    "process": {"zh": "工业过程排放", "en": "process emissions"},
    "footer": {
        "zh": "本页由 Tanji 根据账本记录生成，图表以 Plotly 绘制，不依赖任何外部资源。",
        "en": "Made by Tanji from ledger entries; charts drawn with Plotly, no external resources.",
    },
}

_TECH = {
    "wind": ("风电", "wind"),
    "solar": ("光伏", "solar"),
    "hydro": ("水电", "hydro"),
    "biomass": ("生物质", "biomass"),
    "natural_gas": ("天然气", "natural gas"),
    "raw_coal": ("原煤", "raw coal"),
    "coke": ("焦炭", "coke"),
    "diesel": ("柴油", "diesel"),
}


def _words(lang: Lang) -> Words:
    return Words(lang, MESSAGES)


def _tech(name: str, lang: Lang) -> str:
    pair = _TECH.get(name)
    return name.replace("_", " ") if pair is None else pair[0 if lang == "zh" else 1]


def source_label(node: FlowNode, lang: Lang) -> str:
    """A node's label in ``lang``: sources by their id (grid, class and technology, fuel), others as named."""
    w = _words(lang)
    parts = node.id.split(":")
    if parts[0] == "src":
        if parts[1] == "grid":
            return w("grid")
        if parts[1] in ("direct", "direct_unclaimed", "contracted", "certificate") and len(parts) > 2:
            return f"{_tech(parts[2], lang)} · {w(parts[1] + '_src')}"
        if parts[1] == "fuel" and len(parts) > 2:
            return _tech(parts[2], lang)
        if parts[1] == "process":
            return w("process")
    if node.id.startswith("prod:") and node.id.endswith(":(unallocated)"):
        return w("unallocated", who=node.enterprise or "")
    return node.label


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _color(node_id: str, alpha: float | None = None) -> str:
    parts = node_id.split(":")
    base = _COLORS.get(parts[1], "#90a4ae") if parts[0] == "src" else "#546e7a"
    if alpha is None:
        return base
    r, g, b = int(base[1:3], 16), int(base[3:5], 16), int(base[5:7], 16)
    return f"rgba({r},{g},{b},{alpha})"


@dataclass(frozen=True)
class _Measure:
    key: str
    unit: str
    value: Callable[[FlowLink], int]


_MEASURES = (
    _Measure("mwh", "MWh", lambda lk: lk.wh),
    _Measure("tco2e", "t CO2e", lambda lk: lk.g_co2e),
)


def _sankey_trace(graph: FlowGraph, measure: _Measure, lang: Lang, visible: bool) -> go.Sankey:
    links = [lk for lk in graph.links if measure.value(lk) > 0]
    used = {lk.source for lk in links} | {lk.target for lk in links}
    nodes = [n for n in graph.nodes if n.id in used]
    index = {n.id: i for i, n in enumerate(nodes)}
    totals = {
        n.id: max(
            sum(measure.value(lk) for lk in links if lk.target == n.id),
            sum(measure.value(lk) for lk in links if lk.source == n.id),
        )
        for n in nodes
    }
    names = [source_label(n, lang) for n in nodes]
    return go.Sankey(
        visible=visible,
        name=measure.unit,
        arrangement="snap",
        valueformat=",.1f",
        valuesuffix=f" {measure.unit}",
        textfont={"size": FONT_SIZE},
        node={
            "pad": NODE_PAD,
            "thickness": 16,
            "line": {"width": 0.5, "color": "#ffffff"},
            "label": [_short(x) for x in names],
            "color": [_color(n.id) for n in nodes],
            "customdata": [
                f"{name} — {quantity(totals[n.id] / 1_000_000, measure.unit)}"
                for n, name in zip(nodes, names, strict=True)
            ],
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        link={
            "source": [index[lk.source] for lk in links],
            "target": [index[lk.target] for lk in links],
            "value": [measure.value(lk) / 1_000_000 for lk in links],
            "color": [_color(lk.source, 0.4) for lk in links],
            "customdata": [
                f"{names[index[lk.source]]} → {names[index[lk.target]]}: "
                f"{quantity(measure.value(lk) / 1_000_000, measure.unit)}"
                for lk in links
            ],
            "hovertemplate": "%{customdata}<extra></extra>",
        },
    )


def sankey_height(graph: FlowGraph) -> int:
    """Pixels the Sankey needs: its fullest column's nodes, each with a label's room and the pad."""
    per_column: dict[int, int] = {}
    for n in graph.nodes:
        per_column[n.column] = per_column.get(n.column, 0) + 1
    fullest = max(per_column.values(), default=1)
    return max(520, 120 + fullest * (NODE_PAD + 2 * FONT_SIZE + 14))


def sankey_figure(graph: FlowGraph, lang: Lang) -> go.Figure:
    """The Sankey of ``graph``: MWh shown, t CO2e one button away."""
    w = _words(lang)
    fig = go.Figure([_sankey_trace(graph, m, lang, visible=(i == 0)) for i, m in enumerate(_MEASURES)])
    heads = [w("col_sources"), w("col_meters"), w("col_enterprises"), w("col_products")]
    styled(fig, height=sankey_height(graph), lang=lang)
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "x": 0,
                "y": 1.0,
                "xanchor": "left",
                "yanchor": "bottom",
                "pad": {"b": 28},
                "showactive": True,
                "buttons": [
                    {"label": m.unit, "method": "restyle", "args": ["visible", [j == i for j in range(2)]]}
                    for i, m in enumerate(_MEASURES)
                ],
            }
        ],
        annotations=[
            {
                "text": f"<b>{h}</b>",
                "x": i / 3,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": ["left", "center", "center", "right"][i],
                "yanchor": "bottom",
                "showarrow": False,
            }
            for i, h in enumerate(heads)
        ],
    )
    return fig


def _ticks(n_hours: int, lang: Lang) -> dict[str, object]:
    if n_hours > 24 * 62:  # more than two months: a tick per month
        return {
            "dtick": "M1",
            "tickformat": "%Y年%-m月" if lang == "zh" else "%b %Y",
            "ticklabelmode": "period",
        }
    return {"dtick": 7 * 86_400_000, "tickformat": "%-m月%-d日" if lang == "zh" else "%b %-d"}


def hourly_figure(series: EnterpriseHours, lang: Lang, tz: str = DEFAULT_TZ) -> go.Figure:
    """Consumption against hourly green (direct, trades) and certificates, kWh per hour, park-local time."""
    w = _words(lang)
    n = len(series.hours)
    if n == 0:
        raise ValueError(f"{series.enterprise} has no hours")
    first = pd.Timestamp(series.hours[0]).tz_convert(tz).strftime("%Y-%m-%d %H:%M")
    step = {"x0": first, "dx": 3_600_000}
    kwh: Callable[[np.ndarray], np.ndarray] = lambda a: np.asarray(a, dtype=float) / 1000.0  # noqa: E731
    fig = go.Figure()
    for key, values, color in (
        ("direct", series.direct, _COLORS["direct"]),
        ("contracted", series.contracted, _COLORS["contracted"]),
        ("certificate", series.certificate, _COLORS["certificate"]),
    ):
        fig.add_trace(
            go.Scatter(
                **step,
                y=kwh(values),
                name=w(key),
                mode="lines",
                line={"width": 0, "color": color},
                fillcolor=color,
                stackgroup="green",
                hovertemplate="%{y:,.0f} kWh<extra>" + w(key) + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            **step,
            y=kwh(series.consumption),
            name=w("consumption"),
            mode="lines",
            line={"width": 1, "color": "#212121"},
            hovertemplate="%{y:,.0f} kWh<extra>" + w("consumption") + "</extra>",
        )
    )
    styled(fig, height=300, lang=lang)
    fig.update_layout(
        hovermode="x unified",
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 80, "r": 20, "t": 30, "b": 50},
        xaxis={
            "type": "date",
            "title": {"text": w("local_time", tz=tz)},
            "hoverformat": "%Y-%m-%d %H:00",
            "showgrid": True,
            "gridcolor": "#e3e6e3",
            **_ticks(n, lang),
        },
        yaxis={
            "title": {"text": w("kwh_per_hour")},
            "exponentformat": "none",  # 400,000 and 0.5, never 4e+5 or 400k
            "separatethousands": True,
            "rangemode": "tozero",
            "gridcolor": "#e3e6e3",
        },
    )
    return fig


_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;margin:0;
background:#f6f7f5;color:#1d2521}
main{max-width:78rem;margin:0 auto;padding:1.2rem 1.5rem}
h1{font-size:1.35rem;margin:.2rem 0 .6rem} h2{font-size:1.1rem;margin:1.6rem 0 .3rem}
h3{font-size:1rem;margin:1rem 0 .2rem}
.sub,.note,small{color:#4b5a52} .note{font-size:.88rem}
.top{display:flex;justify-content:space-between;align-items:baseline}
.chart{background:#fff;margin:.4rem 0 1rem;min-height:120px}
table{border-collapse:collapse;background:#fff;margin:.4rem 0}
td,th{padding:.35rem .7rem;border-bottom:1px solid #e3e6e3}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
a{color:#0b6b3a} footer{color:#5b6a62;font-size:.82rem;margin-top:2rem}
"""


def render_flows_html(
    flows: ParkFlows, lang: Lang = "zh", *, assets: Assets = INLINE, switch_href: str | None = None
) -> str:
    """One page: the Sankey, an hourly chart per enterprise, the notes; ``switch_href`` links the other
    language (the service's page gives it; a file has none)."""
    w = _words(lang)
    g = flows.graph
    tz = str(getattr(flows, "time_zone", None) or DEFAULT_TZ)
    period = f"{flows.first_month}..{flows.last_month}"
    title = w("title", park=f"{flows.park_name} ({flows.park_id})", period=period)
    e = html.escape
    sections = []
    for i, h in enumerate(flows.hours):
        summary = w(
            "ent_summary",
            consumption=mwh(int(h.consumption.sum())),
            green=percent(h.green_share),
            matched=percent(h.hourly_matched_share),
        )
        body = (
            chart(hourly_figure(h, lang, tz), f"hourly-{i}", label=f"{h.label}: {w('hourly')}")
            if len(h.hours)
            else f"<p>{e(w('no_hours'))}</p>"
        )
        sections.append(f'<section><h3>{e(h.label)}</h3><p class="note">{e(summary)}</p>{body}</section>')
    notes = "".join(f"<li>{e(n)}</li>" for n in flows.notes)
    switch = (
        f'<a href="{e(switch_href, quote=True)}" hreflang="{w.other}">{w("switch")}</a>'
        if switch_href
        else ""
    )
    totals = (
        f"<table><tr><th>{e(w('total'))}</th><td class='num'>{mwh(g.total_wh)}</td>"
        f"<td class='num'>{quantity(g.total_g_co2e / 1_000_000, 't CO2e')}</td></tr></table>"
    )
    market = w("market_note", factor=human(g.grid_factor_kg_per_kwh, 4), source=flows.grid_factor_source)
    return f"""<!DOCTYPE html>
<html lang="{w.html_lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title><style>{_CSS}</style></head>
<body><main>
<div class="top"><p class="sub">{e(w("brand"))}</p><p>{switch}</p></div>
<h1 id="title">{e(title)}</h1>
{totals}
<p class="note">{e(market)} {e(w("runs", runs=", ".join(str(s) for s in flows.run_seqs) or "—"))}
{e(w("allocation", how=w("pro_rata") if g.allocation == FUEL_ALLOCATION else g.allocation))}</p>
<h2>{e(w("sankey"))}</h2>
<p class="note">{e(w("sankey_hint"))}</p>
{chart(sankey_figure(g, lang), "sankey", label=w("sankey"))}
<h2>{e(w("hourly"))}</h2>
<p class="note">{e(w("hourly_hint"))}</p>
{"".join(sections)}
{f"<h2>{e(w('notes'))}</h2><ul>{notes}</ul>" if notes else ""}
<footer>{e(w("footer"))}</footer>
</main>
{scripts(assets)}
</body></html>
"""
