"""Charts drawn with Plotly (plotly.py builds the figure, plotly.js draws it), with no CDN.

A figure travels in the page as JSON inside ``<script type="application/json">``
(a data block, never executed) beside an empty ``<div>``; ``tanji-charts.js``
finds the blocks and calls ``Plotly.newPlot``. Where the JavaScript comes from
is the page's ``Assets``:

- ``INLINE`` embeds plotly.min.js (from the plotly package, ~4.6 MB)
  and the loader in the page: one file that opens offline (CLI and demo
  outputs);
- ``served(prefix)`` links ``{prefix}/plotly.min.js`` and
  ``{prefix}/tanji-charts.js`` that the service serves from the same packages
  (pages of ``tanji serve``), so a page is small and its
  ``Content-Security-Policy`` can say ``script-src 'self'``.

Figures use ``template="none"`` plus Tanji's own few style settings, so the
JSON carries no theme.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

__all__ = [
    "INLINE",
    "LOADER_JS",
    "SERVED_PREFIX",
    "Assets",
    "chart",
    "figure_of",
    "plotly_js",
    "plotly_js_path",
    "scripts",
    "served",
    "styled",
]

LOADER = Path(__file__).resolve().parent.parent / "static" / "tanji-charts.js"
FONT = '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif'


def plotly_js_path() -> Path:
    """plotly.min.js as the plotly package ships it."""
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


@cache
def plotly_js() -> str:
    """The text of plotly.min.js (read once)."""
    return plotly_js_path().read_text(encoding="utf-8")


@cache
def _loader() -> str:
    return LOADER.read_text(encoding="utf-8")


LOADER_JS = "tanji-charts.js"


@dataclass(frozen=True)
class Assets:
    """Where a page's chart JavaScript comes from: embedded (``prefix`` None) or served under ``prefix``."""

    prefix: str | None = None


#: Everything embedded in the page (files written by the CLI and the demo).
INLINE = Assets()
#: Where the service serves the scripts (``api.routes.docs``).
SERVED_PREFIX = "/static/charts"


def served(prefix: str = SERVED_PREFIX) -> Assets:
    """Scripts linked from the service under ``prefix``."""
    return Assets(prefix.rstrip("/"))


def _inline_script(text: str) -> str:
    return "<script>" + text.replace("</script", "<\\/script") + "</script>"


def scripts(assets: Assets) -> str:
    """The ``<script>`` elements a page with charts ends with."""
    if assets.prefix is None:
        return _inline_script(plotly_js()) + _inline_script(_loader())
    p = html.escape(assets.prefix, quote=True)
    return f'<script src="{p}/plotly.min.js"></script><script src="{p}/{LOADER_JS}"></script>'


def styled(fig: go.Figure, *, height: int, lang: str) -> go.Figure:
    """Tanji's chart style: no theme, CJK-capable fonts, a compact margin, a fixed height."""
    fig.update_layout(
        template="none",
        height=height,
        font={"family": FONT, "size": 12, "color": "#1d2521"},
        margin={"l": 70, "r": 20, "t": 40, "b": 50},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        separators=".,",
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_layout(meta={"lang": lang})
    return fig


def chart(fig: go.Figure, element_id: str, *, label: str) -> str:
    """The ``<div>`` a figure is drawn in and its JSON data block; ``label`` names it for screen readers."""
    if not element_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"element id {element_id!r} must be letters, digits, '-' or '_'")
    data = pio.to_json(fig, validate=True, pretty=False)
    # A data block ends at the first "</script": escape every "</" (JSON allows "<\/").
    safe = data.replace("</", "<\\/")
    config = json.dumps({"displaylogo": False, "responsive": True, "toImageButtonOptions": {"scale": 2}})
    aria = html.escape(label, quote=True)
    return (
        f'<div class="chart" id="{element_id}" role="img" aria-label="{aria}"></div>'
        f'<script type="application/json" data-chart="{element_id}" '
        f"data-config='{html.escape(config, quote=True)}'>{safe}</script>"
    )


def figure_of(block: str) -> dict[str, Any]:
    """The figure JSON inside a block ``chart`` made (tests read the figure back from a page)."""
    start = block.index(">", block.index('<script type="application/json"')) + 1
    end = block.index("</script>", start)
    parsed: dict[str, Any] = json.loads(block[start:end].replace("<\\/", "</"))
    return parsed
