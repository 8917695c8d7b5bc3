"""One self-contained HTML report: the plan, its charts and the assumptions with sources.

The page carries plotly.js once, compressed (a partial build, see :mod:`.plotlyjs`; no CDN,
no network: it opens offline), and holds every chart as an interactive plotly figure. Tables are plain HTML; source URLs are links (nothing is
fetched when the page loads).
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..constants import __version__
from ..economics.returns import plan_returns
from ..io import atomic_write
from ._common import fmt, require_plotly
from .assumptions import assumptions
from .plan import (
    capex_breakdown,
    iplot_capacities,
    iplot_capex,
    iplot_cash_flow,
    iplot_npv_waterfall,
    iplot_opex,
    iplot_plan_sankey,
    iplot_products,
)
from .plotlyjs import figure_block, loader_script, plotlyjs_gzip, trace_types
from .scenario import iplot_npv_histogram, iplot_pareto, iplot_route_frequency, iplot_tornado

_URL = re.compile(r"(https?://[^\s|;,)\"'<>]+)")

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;
  background:#fafafa;line-height:1.4}
header{background:#0b3d5c;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px 0;font-size:1.6em}
header p{margin:0;opacity:.85}
nav{background:#fff;border-bottom:1px solid #ddd;padding:8px 28px;position:sticky;top:0;z-index:5}
nav a{margin-right:16px;color:#0b3d5c;text-decoration:none;font-weight:600}
main{padding:8px 28px 40px 28px;max-width:1400px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;margin:18px 0;
  padding:8px 18px 14px 18px}
h2{color:#0b3d5c;border-bottom:2px solid #e8eef2;padding-bottom:4px}
.kpis{display:flex;flex-wrap:wrap;gap:12px}
.kpi{border:1px solid #dde5ea;border-radius:6px;padding:8px 14px;min-width:150px;background:#f6f9fb}
.kpi b{display:block;font-size:1.35em;color:#0b3d5c}
.note{background:#fff8e5;border-left:4px solid #E69F00;padding:6px 12px;margin:10px 0}
.tablewrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.85em;margin:8px 0;width:100%;table-layout:auto}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left;
  overflow-wrap:break-word}
th{background:#eef3f6}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.src{font-size:.92em;color:#444;max-width:620px;overflow-wrap:anywhere}
.basis{font-size:.9em;color:#333}
.chart{margin:6px 0 14px 0}
details summary{cursor:pointer;color:#0b3d5c;font-weight:600;margin:6px 0}
footer{color:#777;font-size:.8em;padding:0 28px 20px 28px}
"""


@dataclass
class ReportInput:
    """Everything a report shows.

    Attributes
    ----------
    plan : a PlantPlan or PlanTables (None for a scenario-only report).
    case : the case behind the plan (for the assumptions and per-path Sankey), if known.
    scenario : scenario tables by name (``tornado``, ``samples``, ``pareto``; see
        :mod:`recyclopt.report.results`).
    notes : lines shown in the summary (e.g. the cost of recovery when nothing pays).
    flowsheets : extra titled plotly figures (e.g. the element Sankey of each route used).
    title : page title.
    source : what the report was made from (case file, results file), shown in the header.
    breakeven : for a plan that builds nothing, the break-even plan (the plan at the price
        multiplier where a plant first pays), whose charts the report shows instead.
    breakeven_factor : that price multiplier.
    price_factor : the multiplier on every product price the plan was solved at (the
        assumptions show the prices times it).
    """

    plan: Any = None
    case: Any = None
    scenario: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    flowsheets: list[tuple[str, Any]] = field(default_factory=list)
    title: str = ""
    source: str = ""
    breakeven: Any = None
    breakeven_factor: float | None = None
    price_factor: float = 1.0


# --------------------------------------------------------------------------- pieces
def _cell(v: Any, col: str) -> str:
    if isinstance(v, bool | np.bool_):
        return f"<td>{'yes' if v else 'no'}</td>"
    if isinstance(v, int | np.integer) and not col.endswith("year") and col != "year":
        return f"<td class='num'>{int(v):,}</td>"
    if isinstance(v, int | np.integer):
        return f"<td class='num'>{int(v)}</td>"
    if isinstance(v, float | np.floating):
        if not np.isfinite(v):
            return "<td></td>"
        if col == "year" or col.endswith("year"):
            return f"<td class='num'>{v:.0f}</td>"
        a = abs(v)
        s = f"{v:,.0f}" if a >= 1000 else (f"{v:.4g}" if a > 0 else "0")
        return f"<td class='num'>{s}</td>"
    text = "" if v is None else str(v)
    esc = html.escape(text)
    if col == "source" or "http" in text:
        esc = _URL.sub(lambda m: f"<a href='{m.group(1)}' rel='noreferrer'>{m.group(1)}</a>",
                       esc)
        return f"<td class='src'>{esc}</td>"
    return f"<td>{esc}</td>"


def table_html(df: pd.DataFrame, index: bool = True, max_rows: int = 400) -> str:
    """A DataFrame as an HTML table (numbers right-aligned, URLs in sources as links)."""
    if df is None or df.empty:
        return "<p><i>(empty)</i></p>"
    d = df.head(max_rows)
    if index:
        d = d.reset_index()
    cols = [str(c) for c in d.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_cell(v, c) for v, c in zip(row, cols, strict=True))
                   + "</tr>" for row in d.itertuples(index=False, name=None))
    more = (f"<p><i>{len(df) - max_rows} more rows not shown</i></p>"
            if len(df) > max_rows else "")
    return (f"<div class='tablewrap'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            f"</table></div>{more}")


class _Charts:
    """Collects plotly figures as placeholders with their JSON (plotly.js is added once, at
    the end of the page, by :func:`.plotlyjs.loader_script`)."""

    def __init__(self) -> None:
        self.n = 0
        self.figures: list[Any] = []

    def div(self, fig: Any, name: str) -> str:
        self.n += 1
        div_id = f"chart-{self.n}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}"
        fig.update_layout(template="plotly_white")
        self.figures.append(fig)
        inner = figure_block(fig, div_id, {"displaylogo": False, "responsive": True})
        return f"<div class='chart' data-chart='{html.escape(name)}'>{inner}</div>"


def _safe(charts: _Charts, make: Any, name: str) -> str:
    """A chart, or a short note when its data cannot give one (the report still renders)."""
    try:
        return charts.div(make(), name)
    except Exception as exc:  # noqa: BLE001 - a report shows what it can
        return (f"<p class='note chart-missing'>{html.escape(name)}: not available "
                f"({html.escape(str(exc))})</p>")


def _returns(plan: Any) -> Any:
    kg = plan.products.groupby("year")["kg"].sum() if not plan.products.empty else {}
    return plan_returns(plan.cash_flow, kg)


def _kpis(plan: Any) -> str:
    """Summary cards: NPV, capex, revenue, IRR, discounted payback, cost per kg, recovery."""
    cf = plan.cash_flow
    capex = float(cf["capex_usd"].sum())
    r = _returns(plan)
    rec = plan.recovered_kg()
    items = [("NPV", fmt(plan.npv_usd, "USD")), ("capital cost", fmt(capex, "USD")),
             ("revenue over horizon", fmt(float(cf["revenue_usd"].sum()), "USD")),
             ("IRR", "none (cash flows never change sign)" if r.irr is None
              else f"{100 * r.irr:.1f} %"),
             ("discounted payback", "never" if r.discounted_payback_year is None else
              f"{r.discounted_payback_year} ({r.payback_years} yr after construction start)"),
             ("cost per kg of product", "nothing produced" if r.cost_usd_per_kg is None else
              f"{r.cost_usd_per_kg:,.1f} USD per kg of element (levelised)"),
             ("options built", str(len(plan.built)))]
    if "staff" in plan.opex and len(plan.opex):
        items.append(("operators (headcount)", f"{float(plan.opex['staff'].max()):.0f}"))
    items += [(f"{e} recovered", fmt(float(v), "kg")) for e, v in rec.items()]
    if "co2_t" in plan.opex:
        items.append(("CO2 over horizon", fmt(float(plan.opex["co2_t"].sum()), "t")))
    return "<div class='kpis'>" + "".join(
        f"<div class='kpi'>{html.escape(k)}<b>{html.escape(v)}</b></div>" for k, v in items
    ) + "</div>"


def capex_basis(case: Any) -> str:
    """One sentence stating the basis of the capital cost (convention, Lang factor, currency
    year, discounting)."""
    if case is None:
        return ("Capex basis: not recorded with this plan (the case is not attached); money in "
                "USD.")
    c = case.costing
    f = c.factors()
    conv = type(c).__name__
    text = (f"Capex basis: costing convention {conv}; Lang factor {f.lang_factor:g} "
            f"(applied to the purchased cost of options marked capex_lang); capital costs in "
            f"USD as quoted by each cost source (no escalation to a common currency year); "
            f"construction starts {case.horizon.construction_year}; cash flows discounted at "
            f"{100 * f.discount_rate:.3g} % per year to that year.")
    if hasattr(c, "capex_escalation"):
        text += (f" Capex escalates at {100 * c.capex_escalation:.3g} % per year over the "
                 f"capex schedule {tuple(c.capex_schedule)}.")
    return text


def _solver_line(plan: Any) -> str:
    s = getattr(plan, "solver", None)
    if s is None:
        return ""
    d = s if isinstance(s, dict) else vars(s)
    if not d:
        return ""
    parts = [f"status {d.get('status', '?')}"]
    if "mip_gap" in d:
        parts.append(f"gap {float(d['mip_gap']):.2g}")
    if "proven_optimal" in d:
        parts.append("proven optimal" if bool(d["proven_optimal"]) else "NOT proven optimal")
    if "n_vars" in d:
        parts.append(f"{int(d['n_vars'])} variables, {int(d.get('n_rows', 0))} rows")
    return "Solver: " + ", ".join(parts) + "."


def _paths_table(plan: Any) -> pd.DataFrame:
    f = plan.flows
    if f.empty:
        return pd.DataFrame()
    return f.groupby(["feedstock", "path"], sort=False)[["units", "magnet_kg"]].sum()


def built_options(plan: Any, case: Any) -> pd.DataFrame:
    """The built rows of ``plan.capacities`` with each option's operators (its fixed crew plus
    operators per equipment unit times the units built; needs the case)."""
    cap = plan.capacities[plan.capacities["built"].astype(bool)].copy()
    if case is None or cap.empty:
        return cap
    ops = []
    for name, row in cap.iterrows():
        o = case.option(str(name))
        per_unit = o.equipment.operators_per_unit if o.equipment is not None else 0.0
        ops.append(o.operators + per_unit * float(row.get("equipment_units", 0.0)))
    cap["operators"] = ops
    return cap


def _summary(plan: Any, case: Any, inp: ReportInput) -> str:
    objective = getattr(plan, "objective", "")
    desc = html.escape(getattr(case, "description", "") or "")
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in inp.notes)
    body = (f"<p>{desc}</p><p>Objective: <b>{html.escape(str(objective))}</b>. "
            f"{html.escape(_solver_line(plan))}</p>")
    if plan.built:
        body += (_kpis(plan) + f"<p class='basis'>{html.escape(capex_basis(case))}</p>" + notes
                 + "<h3>Options built</h3>" + table_html(built_options(plan, case))
                 + "<h3>Paths used (over the horizon)</h3>" + table_html(_paths_table(plan)))
        return "<section id='summary'><h2>Summary</h2>" + body + "</section>"
    body += ("<p class='note nothing-built'>No option is built: no plant pays under these "
             "prices and assumptions (NPV 0 USD: nothing is spent or earned).</p>" + notes)
    be = inp.breakeven
    if be is not None and be.built:
        m = inp.breakeven_factor
        at = f"every product price x{m:.2f}" if m is not None else "break-even prices"
        be_case = getattr(be, "case", None) or case
        body += (f"<h3>Break-even plan ({html.escape(at)})</h3><p>The plant that pays first "
                 f"when prices rise; the charts below show this plan.</p>" + _kpis(be)
                 + f"<p class='basis'>{html.escape(capex_basis(be_case))}</p>"
                 + table_html(built_options(be, be_case)))
    return "<section id='summary'><h2>Summary</h2>" + body + "</section>"


def _plan_sections(plan: Any, case: Any, charts: _Charts, lead: str = ""
                   ) -> list[tuple[str, str, str]]:
    """Flows, capacities and economics sections of a plan that builds something, as
    (anchor, label, html); ``lead`` is a sentence put at the top of each."""
    lead = f"<p class='note'>{html.escape(lead)}</p>" if lead else ""
    flows = [_safe(charts, lambda: iplot_plan_sankey(plan, "recovered" if case is not None
                                                     else "magnet"), "plan sankey")]
    if case is not None:
        flows.append(_safe(charts, lambda: iplot_plan_sankey(plan, "magnet"), "magnet sankey"))
    flows.append(_safe(charts, lambda: iplot_products(plan), "products"))
    out = [("flows", "Flows", "<section id='flows'><h2>Material flows</h2>" + lead
            + "<p>Feedstocks through the options built (stage by stage) to the products, "
            "summed over the horizon. Hover a link for its value.</p>" + "".join(flows)
            + "</section>")]
    out.append(("capacities", "Capacities", "<section id='capacities'><h2>Capacities</h2>"
                + lead + _safe(charts, lambda: iplot_capacities(plan), "capacities")
                + "<details><summary>Throughput per option and year</summary>"
                + table_html(plan.option_flows.loc[plan.option_flows.abs().sum(axis=1) > 0])
                + "</details></section>"))
    cf = plan.cash_flow.set_index("year")
    out.append(("economics", "Economics",
                "<section id='economics'><h2>Economics</h2>" + lead
                + _safe(charts, lambda: iplot_npv_waterfall(plan), "npv waterfall")
                + _safe(charts, lambda: iplot_cash_flow(plan), "cash flow")
                + _safe(charts, lambda: iplot_capex(plan), "capex")
                + table_html(capex_breakdown(plan), index=False)
                + _safe(charts, lambda: iplot_opex(plan), "opex")
                + "<details><summary>Cash-flow table (USD)</summary>" + table_html(cf)
                + "</details><details><summary>Operating figures per year</summary>"
                + table_html(plan.opex.set_index("year")) + "</details></section>"))
    return out


def _plan_part(inp: ReportInput, case: Any, charts: _Charts) -> list[tuple[str, str, str]]:
    """Summary and chart sections; a plan that builds nothing shows its break-even plan's
    charts when given, otherwise one sentence (never empty charts)."""
    plan = inp.plan
    out = [("summary", "Summary", _summary(plan, case, inp))]
    if plan.built:
        return out + _plan_sections(plan, case, charts)
    be = inp.breakeven
    if be is not None and be.built:
        m = inp.breakeven_factor
        at = f" (every product price x{m:.2f})" if m is not None else ""
        return out + _plan_sections(be, getattr(be, "case", None) or case, charts,
                                    f"Nothing is built at the case's prices: this section "
                                    f"shows the break-even plan{at}.")
    return out + [("flows", "Flows", "<section id='flows'><h2>Flows, capacities and "
                   "economics</h2><p class='no-charts'>No charts: nothing is built, so there "
                   "are no material flows, capacities or cash flows to draw.</p></section>")]


# --------------------------------------------------------------------------- page
def build_html(inp: ReportInput) -> str:
    """The report page as one HTML string (plotly.js inlined once; works offline)."""
    require_plotly()
    charts = _Charts()
    plan, case = inp.plan, inp.case if inp.case is not None else getattr(inp.plan, "case", None)
    name = getattr(case, "name", "") or getattr(plan, "name", "") or "plan"
    title = inp.title or f"recyclopt report: {name}"
    parts: list[tuple[str, str, str]] = []  # (anchor, nav label, section), in page order
    if plan is not None:
        parts += _plan_part(inp, case, charts)
    parts += _scenario_part(inp, charts) + _routes_part(inp, charts)
    parts.append(("assumptions", "Assumptions", _assumptions_section(inp, case)))
    return _page(title, inp.source, [(a, b) for a, b, _ in parts], [s for *_, s in parts],
                 charts)


def _scenario_part(inp: ReportInput, charts: _Charts) -> list[tuple[str, str, str]]:
    """The scenarios section (tornado, sample histograms, Pareto front) when given."""
    scen = dict(inp.scenario)
    if not scen:
        return []
    parts = []
    if "tornado" in scen:
        parts.append(_safe(charts, lambda: iplot_tornado(scen["tornado"]), "tornado"))
    if "samples" in scen:
        s = scen["samples"]
        if "npv_usd" in s:
            parts.append(_safe(charts, lambda: iplot_npv_histogram(s), "npv histogram"))
        if "route" in s or "built" in s:
            parts.append(_safe(charts, lambda: iplot_route_frequency(s), "route frequency"))
    if "pareto" in scen:
        parts.append(_safe(charts, lambda: iplot_pareto(scen["pareto"]), "pareto"))
        parts.append(table_html(scen["pareto"], index=False))
    return [("scenarios", "Scenarios",
             "<section id='scenarios'><h2>Scenarios</h2>" + "".join(parts) + "</section>")]


def _routes_part(inp: ReportInput, charts: _Charts) -> list[tuple[str, str, str]]:
    """The solved flowsheets of the plan's routes, when given."""
    if not inp.flowsheets:
        return []
    parts = [f"<h3>{html.escape(t)}</h3>" + charts.div(fig, t) for t, fig in inp.flowsheets]
    return [("routes", "Routes",
             "<section id='routes'><h2>Routes (solved flowsheets)</h2>"
             "<p>Element flows through the flowsheet of each route the plan uses, "
             "solved with the mass and energy balance.</p>" + "".join(parts) + "</section>")]


def _assumptions_section(inp: ReportInput, case: Any) -> str:
    """The case's inputs and the bundled data tables, with the sources the case names."""
    tabs = assumptions(case, price_factor=inp.price_factor)
    labels = {
        "feedstocks": "Feedstocks of the case", "options": "Process options of the case",
        "products": "Product prices of the case (USD per kg of element)" if
        inp.price_factor == 1.0 else f"Product prices of the plan: the case's prices x"
        f"{inp.price_factor:g} (USD per kg of element)",
        "utilities": "Utilities, labour and costing convention",
        "prices": "Price data (recyclopt/data/prices.csv)",
        "feedstock data": "Feedstock data (recyclopt/data/feedstocks.csv)",
        "availability": "Availability (recyclopt/data/taiwan_availability.csv)",
    }
    parts = []
    for k, t in tabs.items():
        body = table_html(t, index=False)
        if k in ("feedstock data",):
            body = f"<details><summary>{len(t)} rows</summary>{body}</details>"
        parts.append(f"<h3>{html.escape(labels.get(k, k))}</h3>{body}")
    srcs = getattr(case, "sources", None) or {}
    if srcs:
        parts.append("<h3>Sources named in the case</h3>" + table_html(
            pd.DataFrame({"item": list(srcs), "source": list(srcs.values())}), index=False))
    return ("<section id='assumptions'><h2>Assumptions and sources</h2>"
            "<p>Values marked <i>assumption</i> have no public source. Comments in the "
            "case file are not carried into the report; the case's own figures are "
            "listed with the bundled data tables they were taken from.</p>"
            + "".join(parts) + "</section>")


def _page(title: str, source: str | None, nav: list[tuple[str, str]], sections: list[str],
          charts: _Charts) -> str:
    """The HTML document around the sections: header, navigation, footer and the plotly.js
    loader (only when a chart is drawn)."""
    script, js_note = "", ""
    if charts.figures:
        gz, what = plotlyjs_gzip(trace_types(charts.figures))
        script, js_note = loader_script(gz), f" Charts drawn with {what} (MIT licence)."
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    src = f" from {html.escape(source)}" if source else ""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>recyclopt {__version__}{src}, generated "
        f"{when}. Self-contained: opens offline.</p></header><nav>"
        + "".join(f"<a href='#{a}'>{html.escape(b)}</a>" for a, b in nav)
        + "</nav><main>" + "".join(sections) + "</main>"
        "<footer>Charts are interactive (hover, zoom, click legend items). Money in USD; "
        f"NPV and cash flows follow the case's costing convention.{js_note}</footer>"
        + script + "</body></html>\n"
    )


def write_report(path: str | Path, inp: ReportInput, *, force: bool = False) -> Path:
    """Write the report atomically to ``path`` (an existing file only with ``force``)."""
    import os

    text = build_html(inp)
    mask = os.umask(0)
    os.umask(mask)

    def write(p: Path) -> None:
        p.write_text(text, encoding="utf-8")
        os.chmod(p, 0o666 & ~mask)  # a report is for sharing: the usual file mode, not 0600

    return atomic_write(path, write, force=force)
