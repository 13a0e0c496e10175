"""Charts and self-contained HTML for green-power reports (rendering only; numbers come from ``ledger``).

Figures are drawn on a ``matplotlib.figure.Figure`` with the Agg canvas, so no
global pyplot state and no display are needed. The HTML embeds the PNG as
base64: one file, no CDN, opens offline.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, MonthLocator
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from api.views.numbers import human, mwh, percent

__all__ = ["green_html", "hourly_green_png"]

_PARTS = (
    ("direct", "#2e7d32", "direct supply"),
    ("contracted", "#66bb6a", "green-power trade"),
    ("certificate", "#c5e1a5", "certificates (GEC)"),
    ("grid", "#9e9e9e", "grid"),
)


def hourly_green_png(hourly: pd.DataFrame, title: str, *, dpi: int = 110) -> bytes:
    """A stacked hourly chart (kWh) of ``direct, contracted, certificate, grid``.

    Precondition: ``hourly`` has ``hour`` (UTC timestamps) and those Wh
    columns, as from ``ledger.attribution.store.read_meter_hours``. Hours are
    drawn in Asia/Shanghai time.
    """
    fig = Figure(figsize=(11, 4.2), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    hours = pd.to_datetime(hourly["hour"], utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    ax.stackplot(
        hours,
        *(hourly[c].to_numpy() / 1000.0 for c, _col, _l in _PARTS),
        colors=[col for _c, col, _l in _PARTS],
        labels=[label for _c, _col, label in _PARTS],
        step="post",
        linewidth=0,
    )
    ax.set_title(title)
    ax.set_ylabel("kWh per hour (kWh/h)")
    ax.set_xlabel("hour (Asia/Shanghai)")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    if len(hours) and (hours.iloc[-1] - hours.iloc[0]).days > 60:  # a tick per month over long periods
        ax.xaxis.set_major_locator(MonthLocator())  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
    ax.legend(loc="upper right", fontsize="small", ncols=4)
    ax.margins(x=0)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _cell(key: str, value: Any) -> str:
    """A total as people read it: Wh in MWh, shares in %, other numbers with separators (never 1.2e+04)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if key.endswith("_wh"):
            return mwh(value)
        if "share" in key:
            return percent(value)
        return human(value)
    return html.escape("" if value is None else str(value))


def green_html(title: str, totals: Mapping[str, Any], png: bytes, *, note: str = "") -> str:
    """One self-contained HTML page: the totals table and the chart (base64 PNG)."""
    rows = "\n".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{_cell(str(k), v)}</td></tr>" for k, v in totals.items()
    )
    img = base64.b64encode(png).decode("ascii")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:.25em .6em;text-align:left}}td{{text-align:right}}
img{{max-width:100%}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{html.escape(note)}</p>
<table>
{rows}
</table>
<p><img alt="hourly attribution chart" src="data:image/png;base64,{img}"></p>
</body></html>
"""
