"""HTML rendering of the zero-carbon park report (self-contained: inline CSS, no scripts, no CDN)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from park.report import ParkReport

_ENV = Environment(loader=PackageLoader("api", "templates"), autoescape=select_autoescape(["html"]))

VERDICT_LABELS = {
    "pass": "PASS 达标",
    "fail": "FAIL 未达标",
    "no_data": "NO DATA 无数据",
    "no_threshold": "NO THRESHOLD 无阈值",
}


def render_park_report(report: ParkReport) -> str:
    """The report as one HTML page, rendered from the same JSON the CLI prints."""
    doc: dict[str, Any] = report.to_json()
    return _ENV.get_template("park_report.html").render(r=doc, labels=VERDICT_LABELS)
