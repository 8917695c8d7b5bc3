"""Assemble a report's content from a case (solving it) or from a saved results file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import FeedRefusedError
from .html import ReportInput
from .results import load_results


def route_figures(plan: Any, rate_kg_h: float = 100.0) -> list[tuple[str, Any]]:
    """Element Sankeys of the flowsheet of every built option that has one.

    Each route is solved on the catalogue feedstock that sends it the most magnet material in
    the plan (at ``rate_kg_h``), or on the route file's own feed when that is refused.

    Returns
    -------
    list of (title, plotly Figure)
    """
    from ..feedstock import check_accepts, feed_stream
    from ..flowsheet import load_flowsheet
    from .flowsheet import iplot_flowsheet

    case = getattr(plan, "case", None)
    if case is None:
        return []
    out = []
    built = set(plan.built)
    f = plan.flows
    for o in case.options:
        if not o.flowsheet or o.name not in built:
            continue
        fs = load_flowsheet(o.flowsheet)
        feeds: dict[str, Any] = {}
        label = "its own feed"
        use = f[f["path"].str.split("/").apply(lambda p, n=o.name: n in p)]
        if not use.empty and len(fs.feeds) == 1:
            top = use.groupby("feedstock")["magnet_kg"].sum().idxmax()
            cat = next((x.catalogue for x in case.feedstocks if x.name == top), None)
            if cat:
                port = next(iter(fs.feeds))
                s = feed_stream(cat, rate_kg_h / 3600.0, T=fs.feeds[port].stream.T,
                                registry=fs.registry, name=port)
                try:
                    check_accepts(fs, s, cat)
                    feeds = {port: s}
                    label = f"{top} ({cat}) at {rate_kg_h:g} kg/h"
                except FeedRefusedError:
                    pass
        res = fs.solve(feeds)
        fig = iplot_flowsheet(res, unit="kg/h")
        out.append((f"{o.name}: flowsheet {o.flowsheet}, fed {label}", fig))
    return out


def case_report(case: Any = None, *, objective: str | None = None, mode: str | None = None,
                price_factor: float = 1.0, pareto: int = 0, routes: bool = True,
                time_limit: float | None = None, title: str = "") -> ReportInput:
    """Optimise a case and gather what its report shows.

    Parameters
    ----------
    case : a Case, a case file path or bundled name; the bundled default when None.
    objective, mode, time_limit : passed to :func:`recyclopt.optimize.optimize`.
    price_factor : every product price times this factor (a price scenario).
    pareto : when > 1, add an NPV-CO2 Pareto front of this many points (extra solves).
    routes : add the element Sankey of each built option's flowsheet.
    title : page title.
    """
    from ..optimize import load_case, optimize
    from ..optimize.case import Case

    if not isinstance(case, Case):
        case = load_case(case)
    plan = optimize(case, objective=objective, mode=mode, time_limit=time_limit,
                    price_factor=price_factor)
    notes, breakeven, factor = _price_notes(plan, case, price_factor, time_limit)
    scen = {}
    if pareto > 1:
        from ..optimize import pareto_front

        scen["pareto"] = pareto_front(case, metric="co2_t", n=pareto)
    figs = route_figures(plan) if routes else []
    return ReportInput(plan=plan, case=case, scenario=scen, notes=notes, flowsheets=figs,
                       title=title, source=str(case.source), breakeven=breakeven,
                       breakeven_factor=factor, price_factor=price_factor)


def _price_notes(plan: Any, case: Any, price_factor: float, time_limit: float | None
                 ) -> tuple[list[str], Any, float | None]:
    """Notes on the price scenario and, for an NPV plan that builds nothing, the cost of
    recovery and the break-even plan (None when no plant pays up to 20x)."""
    from ..optimize import cost_of_recovery

    notes = []
    if price_factor != 1.0:
        notes.append(f"Price scenario: every product price x{price_factor:g}.")
    breakeven, factor = None, None
    if not plan.built and plan.objective == "npv":
        cor = cost_of_recovery(case)
        if cor.multiplier is None:
            notes.append(f"Cost of recovery: {cor.message}.")
        else:
            factor = float(cor.multiplier)
            notes.append(f"Cost of recovery: the best plant breaks even when every product "
                         f"price is x{factor:.4g} of the case's prices (exact, {cor.n_milp} "
                         "MILPs).")
            breakeven = (cor.plan if cor.plan is not None and cor.plan.built
                         else breakeven_plan(case, factor, time_limit=time_limit))
    return notes, breakeven, factor


def breakeven_plan(case: Any, factor: float, *, step: float = 0.01,
                   time_limit: float | None = None) -> Any:
    """The plan at the break-even price multiplier ``factor``: solved at ``factor``, or
    ``step`` above when the plant is not yet built there (at the break-even point building
    nothing ties with the plant).

    Returns
    -------
    PlantPlan or None
        None when neither solve builds anything.
    """
    from ..optimize import optimize

    for m in (factor, factor + step):
        p = optimize(case, price_factor=m, time_limit=time_limit)
        if p.built:
            return p
    return None


def results_report(path: str | Path, *, title: str = "", routes: bool = True) -> ReportInput:
    """Gather a report's content from a saved plan and/or scenario tables.

    A plan file that carries its resolved case (written by
    :func:`recyclopt.optimize.plan_file.write_plan`) gives the same report as the case it was
    solved from: the same prices (times the saved price factor), Sankeys, routes and, for a
    plan that builds nothing, the break-even plan (found by re-solving the saved case). Older
    files without a case give the tables and charts that need no case.
    """
    plan, scen = load_results(path)
    if plan is None:
        return ReportInput(scenario=scen, title=title, source=Path(path).name)
    if plan.case is None:
        notes = ["Made from a saved plan without its case: the Sankey shows magnet material "
                 "per path and the assumptions list the bundled data tables only."]
        return ReportInput(plan=plan, scenario=scen, notes=notes, title=title,
                           source=Path(path).name)
    pf = plan.price_factor
    notes, breakeven, factor = _price_notes(plan, plan.case, pf, None)
    version = plan.meta.get("recyclopt_version", "?")
    notes.append(f"Made from a saved plan (recyclopt {version}, case {plan.case.name!r}, "
                 f"solver status {plan.meta.get('solver_status', '?')}).")
    figs = route_figures(plan) if routes else []
    return ReportInput(plan=plan, case=plan.case, scenario=scen, notes=notes,
                       flowsheets=figs, title=title, source=Path(path).name,
                       breakeven=breakeven, breakeven_factor=factor, price_factor=pf)
