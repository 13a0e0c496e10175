"""Self-contained HTML of a park's flows: an inline-SVG Sankey (MWh / t CO2e) and hourly matching charts.

Rendering only; numbers come from :mod:`park.flow_inputs`. No script and no CDN: the
MWh / t CO2e toggle is two radio buttons and a CSS rule, so the page works
under ``Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'``
and opens offline. The layout is a plain column layout: nodes stacked in four
columns with heights proportional to their flow, links drawn as cubic bands
between the stacked offsets (the d3-sankey picture without its iterations).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from park.flow_inputs import EnterpriseHours, ParkFlows
from park.flows import FlowGraph, FlowLink, FlowNode

__all__ = ["render_flows_html", "sankey_svg", "hourly_svg"]

_W, _H, _NODE_W, _PAD, _TOP = 1250, 560, 14, 10, 20
_LEFT_LABEL = 320  # room for source labels left of column 0
_RIGHT_LABEL = 300  # room for product labels right of column 3
_COLORS = {
    "direct": "#2e7d32",
    "direct_unclaimed": "#a5d6a7",
    "contracted": "#43a047",
    "certificate": "#c5e1a5",
    "grid": "#757575",
    "fuel": "#8d6e63",
    "process": "#e65100",
}


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    h: float


def _color(node_id: str) -> str:
    parts = node_id.split(":")
    return _COLORS.get(parts[1], "#90a4ae") if parts[0] == "src" else "#546e7a"


def _layout(graph: FlowGraph, value: Callable[[FlowLink], int]) -> tuple[dict[str, _Box], float]:
    """Boxes per node with a flow in this measure, and the px-per-unit scale shared by all columns."""
    totals: dict[str, int] = {}
    for n in graph.nodes:
        ins = sum(value(lk) for lk in graph.links if lk.target == n.id)
        outs = sum(value(lk) for lk in graph.links if lk.source == n.id)
        totals[n.id] = max(ins, outs)
    columns: dict[int, list[FlowNode]] = {}
    for n in graph.nodes:
        if totals[n.id] > 0:
            columns.setdefault(n.column, []).append(n)
    scale = (
        min(
            ((_H - _TOP - _PAD * (len(c) - 1)) / max(1, sum(totals[n.id] for n in c)))
            for c in columns.values()
        )
        if columns
        else 1.0
    )
    x_of = {i: _LEFT_LABEL + i * (_W - _LEFT_LABEL - _RIGHT_LABEL - _NODE_W) / 3 for i in range(4)}
    boxes: dict[str, _Box] = {}
    for col, nodes in columns.items():
        y = float(_TOP)
        for n in nodes:
            h = totals[n.id] * scale
            boxes[n.id] = _Box(x_of[col], y, h)
            y += h + _PAD
    return boxes, scale


def _fmt(amount: int, unit: str) -> str:
    return f"{amount / 1_000_000:,.3f} {unit}"


def sankey_svg(graph: FlowGraph, measure: str) -> str:
    """The Sankey of ``graph`` in ``measure`` (``"mwh"`` or ``"tco2e"``) as an inline ``<svg>``."""
    if measure not in ("mwh", "tco2e"):
        raise ValueError(f"measure {measure!r} is not 'mwh' or 'tco2e'")

    def value(lk: FlowLink) -> int:
        return lk.wh if measure == "mwh" else lk.g_co2e

    unit = "MWh" if measure == "mwh" else "t CO2e"
    boxes, scale = _layout(graph, value)
    out_off = {k: b.y for k, b in boxes.items()}
    in_off = {k: b.y for k, b in boxes.items()}
    paths: list[str] = []
    # Links sorted by target position so bands cross as little as a column layout allows.
    ordered = sorted(
        (lk for lk in graph.links if value(lk) > 0),
        key=lambda lk: (boxes[lk.source].x, boxes[lk.source].y, boxes[lk.target].y),
    )
    for lk in ordered:
        s, t, w = boxes[lk.source], boxes[lk.target], value(lk) * scale
        y0, y1 = out_off[lk.source] + w / 2, in_off[lk.target] + w / 2
        out_off[lk.source] += w
        in_off[lk.target] += w
        x0, x1 = s.x + _NODE_W, t.x
        xm = (x0 + x1) / 2
        tip = html.escape(f"{lk.source} → {lk.target}: {_fmt(value(lk), unit)}")
        paths.append(
            f'<path d="M{x0:.1f},{y0:.2f} C{xm:.1f},{y0:.2f} {xm:.1f},{y1:.2f} {x1:.1f},{y1:.2f}" '
            f'stroke="{_color(lk.source)}" stroke-width="{max(w, 0.5):.2f}" fill="none" '
            f'stroke-opacity="0.45"><title>{tip}</title></path>'
        )
    rects: list[str] = []
    by_id = {n.id: n for n in graph.nodes}
    for node_id, b in boxes.items():
        n = by_id[node_id]
        total = max(
            sum(value(lk) for lk in graph.links if lk.target == node_id),
            sum(value(lk) for lk in graph.links if lk.source == node_id),
        )
        label = html.escape(f"{n.label} — {_fmt(total, unit)}")
        anchor, tx = ("end", b.x - 4) if n.column == 0 else ("start", b.x + _NODE_W + 4)
        rects.append(
            f'<rect x="{b.x:.1f}" y="{b.y:.2f}" width="{_NODE_W}" height="{max(b.h, 0.5):.2f}" '
            f'fill="{_color(node_id)}"><title>{label}</title></rect>'
            f'<text x="{tx:.1f}" y="{b.y + b.h / 2 + 4:.1f}" text-anchor="{anchor}">{label}</text>'
        )
    heads = "".join(
        f'<text class="head" x="{_LEFT_LABEL + i * (_W - _LEFT_LABEL - _RIGHT_LABEL - _NODE_W) / 3:.1f}" '
        f'y="12">{h}</text>'
        for i, h in enumerate(("sources 来源", "meters 计量点", "enterprises 企业", "products 产品"))
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sankey" viewBox="0 0 {_W} {_H + 10}" '
        f'role="img" aria-label="Sankey in {unit}">{heads}{"".join(paths)}{"".join(rects)}</svg>'
    )


def _bins(n: int, limit: int = 1500) -> int:
    """Hours per plotted point: one per hour up to ``limit`` points, else the smallest bin that fits."""
    return max(1, -(-n // limit))


def hourly_svg(series: EnterpriseHours, *, width: int = 1000, height: int = 220) -> str:
    """Consumption (line) against hourly green (direct + contracted, filled) and certificates, kWh per
    hour."""
    n = len(series.hours)
    if n == 0:
        return "<p>No hours.</p>"
    k = _bins(n)
    pad = (-n) % k

    def binned(a: np.ndarray) -> np.ndarray:
        out: np.ndarray = (
            np.concatenate([a.astype(float), np.zeros(pad)]).reshape(-1, k).mean(axis=1) / 1000.0
        )
        return out

    cons = binned(series.consumption)
    hourly_green = binned(series.direct + series.contracted)
    with_certs = binned(series.direct + series.contracted + series.certificate)
    top = max(float(cons.max()), float(with_certs.max()), 1e-9)
    m_l, m_b = 60, 24
    pw, ph = width - m_l - 10, height - m_b - 10

    def pts(a: np.ndarray) -> str:
        xs = m_l + np.arange(len(a)) * (pw / max(1, len(a) - 1))
        ys = 10 + ph - a / top * ph
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))

    base = f"{m_l + pw:.1f},{10 + ph:.1f} {m_l:.1f},{10 + ph:.1f}"
    first = series.hours[0].tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    last = series.hours[-1].tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    note = "kWh per hour" if k == 1 else f"mean kWh per hour over bins of {k} h"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hourly" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="hourly matching of {html.escape(series.enterprise)}">'
        f'<polygon points="{pts(with_certs)} {base}" fill="#c5e1a5">'
        f"<title>certificates (monthly)</title></polygon>"
        f'<polygon points="{pts(hourly_green)} {base}" fill="#43a047">'
        f"<title>direct + contracted (hourly)</title>"
        f'</polygon><polyline points="{pts(cons)}" fill="none" stroke="#212121" stroke-width="1">'
        f"<title>consumption</title></polyline>"
        f'<line x1="{m_l}" y1="{10 + ph}" x2="{m_l + pw}" y2="{10 + ph}" stroke="#999"/>'
        f'<text x="{m_l - 4}" y="16" text-anchor="end">{top:,.1f}</text>'
        f'<text x="{m_l - 4}" y="{10 + ph}" text-anchor="end">0</text>'
        f'<text x="{m_l}" y="{height - 6}">{first}</text>'
        f'<text x="{m_l + pw}" y="{height - 6}" text-anchor="end">'
        f"{last} (Asia/Shanghai) · {note}</text></svg>"
    )


def _share(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def render_flows_html(flows: ParkFlows) -> str:
    """One self-contained page: the Sankey with its MWh / t CO2e toggle and one hourly chart per
    enterprise."""
    g = flows.graph
    title = (
        f"{flows.park_name} ({flows.park_id}) — energy–carbon–product flow "
        f"{flows.first_month}..{flows.last_month}"
    )
    charts = "".join(
        f"<section><h3>{html.escape(h.label)}</h3><p>consumption {int(h.consumption.sum()) / 1e6:,.3f} MWh · "
        f"green {_share(h.green_share)} · hourly-matched (direct + contracted) "
        f"{_share(h.hourly_matched_share)}"
        f"</p>{hourly_svg(h)}</section>"
        for h in flows.hours
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in flows.notes)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:sans-serif;margin:1.5em;color:#222}} svg{{width:100%;height:auto;font-size:11px}}
text.head{{font-weight:bold}} .legend span{{display:inline-block;margin-right:1em}}
.legend i{{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}}
#m-tco2e:checked ~ .v-mwh, #m-mwh:checked ~ .v-tco2e {{display:none}}
label{{margin-right:1em;cursor:pointer}} section{{margin-top:1em}}
</style></head>
<body><h1>{html.escape(title)}</h1>
<p>能源流－碳数据流－产品流. Total {g.total_wh / 1e6:,.3f} MWh, {g.total_g_co2e / 1e6:,.3f} t CO2e \
(market-based:
claimable green at zero, grid and unclaimed direct supply at {g.grid_factor_kg_per_kwh} kg CO2/kWh —
{html.escape(flows.grid_factor_source)}). Attribution runs: {", ".join(str(s) for s in flows.run_seqs)}.
Fuels and process emissions reach products {html.escape(g.allocation)}.</p>
<p class="legend">{"".join(f'<span><i style="background:{c}"></i>{k}</span>' for k, c in _COLORS.items())}</p>
<input type="radio" name="m" id="m-mwh" checked><label for="m-mwh">MWh</label>
<input type="radio" name="m" id="m-tco2e"><label for="m-tco2e">t CO2e</label>
<div class="v-mwh">{sankey_svg(g, "mwh")}</div>
<div class="v-tco2e">{sankey_svg(g, "tco2e")}</div>
<h2>Hourly matching per enterprise 逐小时匹配</h2>
<p>Line: consumption; dark green: direct supply and green-power trades in the same hour; light green: retired
certificates (monthly, spread over the hours); the rest is grid.</p>
{charts}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>
"""
