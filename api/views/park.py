"""The zero-carbon park report as a page, in zh or en, with charts of the indicators against their thresholds.

Rendered from the same JSON ``tanji park report --json`` prints
(``park.report.ParkReport.to_json``); numbers are shown as people read them
(:mod:`api.views.numbers`: t, tce, MWh, %), the exact values stay in the JSON.
Charts (Plotly, :mod:`api.views.plots`): each indicator's value as a bar with
its threshold as a line, coloured by verdict; emissions by source; the
electricity supply by class.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.subplots import make_subplots

from api.views.i18n import Lang, Words
from api.views.numbers import human, mwh, percent, quantity, to_decimal
from api.views.plots import INLINE, Assets, chart, scripts, styled
from park.report import ParkReport

__all__ = [
    "MESSAGES",
    "VERDICT_LABELS",
    "emissions_figure",
    "indicator_value",
    "indicators_figure",
    "render_park_report",
]

_ENV = Environment(loader=PackageLoader("api", "templates"), autoescape=select_autoescape(["html"]))

#: Bilingual verdicts for the terminal (``tanji park report``).
VERDICT_LABELS = {
    "pass": "PASS 达标",
    "fail": "FAIL 未达标",
    "no_data": "NO DATA 无数据",
    "no_threshold": "NO THRESHOLD 无阈值",
}
_VERDICT_COLORS = {"pass": "#2e7d32", "fail": "#c62828", "no_data": "#9e9e9e", "no_threshold": "#9e9e9e"}

MESSAGES: dict[str, dict[str, str]] = {
    "brand": {"zh": "Tanji 碳迹 · 零碳园区碳排放核算与指标报告", "en": "Tanji · zero-carbon park report"},
    "switch": {"zh": "English", "en": "中文"},
    "year": {"zh": "{year} 年", "en": "Year {year}"},
    "level_national": {"zh": "国家级零碳园区", "en": "national list"},
    "level_autonomous_region": {"zh": "自治区级零碳园区", "en": "autonomous-region list"},
    "core": {"zh": "核心指标", "en": "Core indicator"},
    "against": {"zh": "阈值 {cmp} {threshold}", "en": "threshold {cmp} {threshold}"},
    "unverified": {"zh": "未核实的输入", "en": "Unverified inputs"},
    "unverified_note": {
        "zh": "以下结论依据了尚未与原始出版物核对的数值：",
        "en": "the verdicts rest on values not confirmed against their publication:",
    },
    "indicators": {"zh": "指标与阈值", "en": "Indicators against their thresholds"},
    "indicators_hint": {
        "zh": "条形为园区数值，虚线为阈值；绿色达标，红色未达标，灰色无数据。",
        "en": "Bars are the park's values, dashed lines the thresholds; green passes, red fails, grey has "
        "no data.",
    },
    "guidance": {"zh": "引导性指标", "en": "Guidance indicators"},
    "th_indicator": {"zh": "指标", "en": "Indicator"},
    "th_list": {"zh": "名单", "en": "List"},
    "th_value": {"zh": "数值", "en": "Value"},
    "th_threshold": {"zh": "阈值", "en": "Threshold"},
    "th_verdict": {"zh": "结论", "en": "Verdict"},
    "energy": {"zh": "综合能耗", "en": "Comprehensive energy consumption"},
    "fuels": {"zh": "化石及其他燃料", "en": "Fuels"},
    "electricity_eq": {"zh": "电力（等价值）", "en": "Electricity (equivalent value)"},
    "electricity_cal": {
        "zh": "电力（当量值，仅供参考）",
        "en": "Electricity at calorific value, for reference",
    },
    "heat": {"zh": "热力（净调入）", "en": "Heat (net purchased)"},
    "total": {"zh": "合计", "en": "Total"},
    "clean": {"zh": "其中清洁能源", "en": "of which clean energy"},
    "emissions": {"zh": "碳排放（CO2）", "en": "Emissions (CO2)"},
    "em_fuels": {"zh": "化石燃料燃烧", "en": "Fossil fuel combustion"},
    "em_processes": {"zh": "工业生产过程", "en": "Industrial processes"},
    "em_electricity": {"zh": "净调入电力", "en": "Net purchased electricity"},
    "em_heat": {"zh": "净调入热力", "en": "Net purchased heat"},
    "em_gross": {"zh": "总排放", "en": "Gross"},
    "em_ccus": {"zh": "CCUS 封存 / 碳汇", "en": "CCUS stored / carbon sinks"},
    "em_deducted": {"zh": "扣减", "en": "Deducted"},
    "em_net": {"zh": "净排放", "en": "Net"},
    "em_other": {
        "zh": "其他温室气体（不计入单位能耗碳排放，该指标只计二氧化碳）",
        "en": "Other greenhouse gases (beside the indicator, not in it: it counts CO2 only)",
    },
    "em_other_total": {"zh": "其他温室气体合计", "en": "Other gases, total"},
    "electricity": {"zh": "电力", "en": "Electricity"},
    "el_source": {"zh": "数据来源", "en": "Source of figures"},
    "el_consumption": {"zh": "用电量", "en": "Consumption"},
    "el_direct": {"zh": "绿电直连（可声明）", "en": "Direct supply 绿电直连 (claimable)"},
    "el_contracted": {"zh": "绿电交易", "en": "Green-power trades 绿电交易"},
    "el_certificate": {"zh": "绿证", "en": "Certificates 绿证"},
    "el_grid": {"zh": "电网", "en": "Grid"},
    "el_equivalent": {"zh": "等价值折标系数", "en": "Equivalent value"},
    "el_grid_factor": {"zh": "电网排放因子", "en": "Grid factor"},
    "no_electricity": {
        "zh": "{year} 年无电力数据：核心指标和清洁能源占比无法计算。",
        "en": "No electricity figures for {year}: the core indicator and the clean-energy share have no "
        "data.",
    },
    "supply": {"zh": "电力来源", "en": "Electricity supply"},
    "by_enterprise": {"zh": "分企业", "en": "By enterprise"},
    "th_enterprise": {"zh": "企业", "en": "Enterprise"},
    "th_energy": {"zh": "综合能耗", "en": "Energy"},
    "th_emissions": {"zh": "碳排放", "en": "Emissions"},
    "park_level": {"zh": "园区层面", "en": "park level"},
    "coefficients": {"zh": "系数及来源", "en": "Coefficients and sources"},
    "th_name": {"zh": "名称", "en": "Name"},
    "th_coef_value": {"zh": "数值", "en": "Value"},
    "th_source": {"zh": "来源", "en": "Source"},
    "th_status": {"zh": "状态", "en": "Status"},
    "footer": {
        "zh": "由 Tanji 于 {at} 根据账本记录 {seqs} 生成 · 数据文件 {version}。分企业的份额仅供参考："
        "净调入热力和扣减在园区层面计算。",
        "en": "Generated {at} by Tanji from ledger entries {seqs} · data file {version}. Shares by "
        "enterprise are indicative: net heat and deductions are applied at park level.",
    },
    "pass": {"zh": "达标", "en": "PASS"},
    "fail": {"zh": "未达标", "en": "FAIL"},
    "no_data": {"zh": "无数据", "en": "NO DATA"},
    "no_threshold": {"zh": "无阈值", "en": "NO THRESHOLD"},
    "value": {"zh": "数值", "en": "value"},
    "threshold": {"zh": "阈值", "en": "threshold"},
    "grade": {"zh": "{n} 级", "en": "grade {n}"},
    # Indicators by id: the data file names them in Chinese (name_zh); these are their English names.
    "ind_carbon_per_energy": {"zh": "单位能耗碳排放", "en": "CO2 emissions per unit of energy consumption"},
    "ind_clean_energy_share": {"zh": "清洁能源消费占比", "en": "Clean-energy share of energy consumption"},
    "ind_product_unit_energy": {
        "zh": "园区企业产出产品单位能耗",
        "en": "Energy use per unit of product of the park's enterprises",
    },
    "ind_solid_waste_use": {"zh": "工业固体废物综合利用率", "en": "Industrial solid waste utilisation rate"},
    "ind_waste_energy_use": {
        "zh": "余热/余冷/余压综合利用率",
        "en": "Waste heat, cold and pressure utilisation rate",
    },
    "ind_water_reuse": {"zh": "工业用水重复利用率", "en": "Industrial water reuse rate"},
    "ind_equipment_efficiency": {
        "zh": "通用终端用能设备能效水平",
        "en": "Energy efficiency of general end-use equipment",
    },
    "ind_clean_bulk_transport": {"zh": "大宗货物清洁运输比例", "en": "Share of bulk freight moved cleanly"},
    "ind_ccus_or_sinks": {"zh": "CCUS 规模或碳汇", "en": "CCUS scale or carbon sinks"},
}


def _words(lang: Lang) -> Words:
    return Words(lang, MESSAGES)


def indicator_name(item: Mapping[str, Any], lang: Lang) -> str:
    """An indicator's name in ``lang`` (the data file's Chinese name when no translation is known)."""
    key = f"ind_{item.get('id')}"
    if lang == "zh" or key not in MESSAGES:
        return str(item.get("name_zh") or item.get("id"))
    return _words(lang)(key)


def indicator_value(value: Any, unit: str, lang: Lang) -> str:
    """An indicator's value or threshold as people read it: ratios as %, grades as grades, else its unit."""
    if to_decimal(value) is None:
        return "—"
    if unit == "ratio":
        return percent(value)
    if "grade" in unit:
        return _words(lang)("grade", n=human(value, 0))
    d = to_decimal(value)
    return quantity(value, unit, 2 if d is not None and abs(d) < 100 else None)


_LONG_NUMBER = re.compile(
    r"(?<![\w.\-/])(?<!GB )(?<!GB/T )\d{5,}(?:\.\d+)?(?![\w.\-])|(?<![\w.\-/])\d{4}\.\d+(?![\w.\-])"
)


def humanize_text(text: str) -> str:
    """``text`` (a note the park package wrote) with its long numbers shown as people read them
    (``clean 1030452.654 tce`` → ``clean 1,030,453 tce``); years, codes such as ``GB 21346-2022`` and
    numbers below 1,000 stay as written."""

    def one(m: re.Match[str]) -> str:
        return human(m.group(0))

    return _LONG_NUMBER.sub(one, text)


def _cmp(comparison: str) -> str:
    return {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "grade<=": "≤"}.get(comparison, comparison)


def _scale(value: Any, unit: str) -> float | None:
    d = to_decimal(value)
    if d is None:
        return None
    return float(d * 100) if unit == "ratio" else float(d)


def indicators_figure(doc: Mapping[str, Any], lang: Lang) -> go.Figure:
    """One row per indicator: its value as a bar, its threshold as a dashed line, coloured by verdict."""
    w = _words(lang)
    items = [doc["core"], *doc["guidance"]]
    titles = []
    for it in items:
        heading = (
            w(
                "against",
                cmp=_cmp(it["comparison"]),
                threshold=indicator_value(it["threshold"], it["unit"], lang),
            )
            if it.get("threshold") is not None
            else w("no_threshold")
        )
        titles.append(f"{indicator_name(it, lang)} · {heading} · {w(it['verdict'])}")
    fig = make_subplots(rows=len(items), cols=1, subplot_titles=titles, vertical_spacing=0.5 / len(items))
    for row, it in enumerate(items, start=1):
        value, threshold = _scale(it.get("value"), it["unit"]), _scale(it.get("threshold"), it["unit"])
        unit = "%" if it["unit"] == "ratio" else it["unit"]
        top = max(v for v in (value, threshold, 1e-9) if v is not None) * 1.25
        label = indicator_value(it.get("value"), it["unit"], lang)
        fig.add_trace(
            go.Bar(
                x=[value if value is not None else 0],
                y=[w("value")],
                orientation="h",
                marker={"color": _VERDICT_COLORS.get(it["verdict"], "#9e9e9e")},
                text=[label if value is not None else w("no_data")],
                textposition="outside" if value is not None and value < top * 0.7 else "inside",
                cliponaxis=False,
                hovertemplate=f"{indicator_name(it, lang)}: {label}<extra></extra>",
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        if threshold is not None:
            fig.add_vline(
                x=threshold,
                line={"color": "#1d2521", "dash": "dash", "width": 2},
                row=row,
                col=1,
            )
        fig.update_xaxes(
            range=[0, top],
            title_text=unit,
            title_standoff=2,
            exponentformat="none",
            separatethousands=True,
            row=row,
            col=1,
        )
        fig.update_yaxes(showticklabels=False, row=row, col=1)
    styled(fig, height=125 * len(items) + 40, lang=lang)
    fig.update_layout(margin={"l": 20, "r": 30, "t": 40, "b": 30}, bargap=0.35)
    fig.update_annotations(font={"size": 13}, xanchor="left", x=0)
    return fig


def emissions_figure(doc: Mapping[str, Any], lang: Lang) -> go.Figure:
    """Emissions by source (t CO2) beside the electricity supply by class (MWh)."""
    w = _words(lang)
    em = doc["emissions_t"]
    parts = [
        ("em_fuels", "fuels"),
        ("em_processes", "processes"),
        ("em_electricity", "electricity"),
        ("em_heat", "heat"),
    ]
    el = doc.get("electricity")
    cols = 2 if el else 1
    fig = make_subplots(
        rows=1, cols=cols, subplot_titles=[w("emissions"), w("supply")][:cols], horizontal_spacing=0.22
    )
    t = [float(to_decimal(em[k]) or 0) for _l, k in parts]
    fig.add_trace(
        go.Bar(
            x=t,
            y=[w(label) for label, _k in parts],
            orientation="h",
            marker={"color": ["#8d6e63", "#e65100", "#757575", "#bdbdbd"]},
            text=[quantity(v, "t") for v in t],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text="t CO2", exponentformat="none", separatethousands=True, row=1, col=1)
    if el:
        classes = [
            ("el_direct", el["claimable_direct_wh"], "#2e7d32"),
            ("el_contracted", el["contracted_wh"], "#43a047"),
            ("el_certificate", el["certificate_wh"], "#c5e1a5"),
            ("el_grid", el["grid_wh"], "#757575"),
        ]
        fig.add_trace(
            go.Bar(
                x=[wh / 1_000_000 for _l, wh, _c in classes],
                y=[w(label) for label, _wh, _c in classes],
                orientation="h",
                marker={"color": [c for _l, _wh, c in classes]},
                text=[mwh(wh) for _l, wh, _c in classes],
                textposition="auto",
                hovertemplate="%{y}: %{text}<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=2,
        )
        fig.update_xaxes(title_text="MWh", exponentformat="none", separatethousands=True, row=1, col=2)
    styled(fig, height=300, lang=lang)
    fig.update_layout(margin={"l": 150, "r": 30, "t": 40, "b": 50})
    fig.update_yaxes(autorange="reversed")
    return fig


def render_park_report(
    report: ParkReport, lang: Lang = "zh", *, assets: Assets = INLINE, switch_href: str | None = None
) -> str:
    """The report as one HTML page in ``lang``, rendered from the same JSON the CLI prints."""
    doc: dict[str, Any] = report.to_json()
    w = _words(lang)
    return _ENV.get_template("park_report.html").render(
        r=doc,
        w=w,
        lang=lang,
        switch_href=switch_href,
        name=lambda it: indicator_name(it, lang),
        ind=lambda value, unit: indicator_value(value, unit, lang),
        cmp=_cmp,
        text=humanize_text,
        num=human,
        qty=quantity,
        mwh=mwh,
        pct=percent,
        indicators_chart=chart(indicators_figure(doc, lang), "indicators", label=w("indicators")),
        emissions_chart=chart(emissions_figure(doc, lang), "emissions", label=w("emissions")),
        scripts=scripts(assets),
    )
