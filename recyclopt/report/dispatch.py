"""One entry point per kind of object: :func:`plot` and :func:`iplot` pick the chart for a
solved flowsheet, a plant plan, a route-comparison table or a scenario table by ``kind``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import InputError
from ..flowsheet import FlowsheetResult
from .flowsheet import (
    iplot_distribution,
    iplot_flowsheet,
    iplot_routes,
    plot_distribution,
    plot_flowsheet,
    plot_routes,
)
from .plan import (
    iplot_capacities,
    iplot_capex,
    iplot_cash_flow,
    iplot_npv_waterfall,
    iplot_opex,
    iplot_plan_sankey,
    iplot_products,
    plot_capacities,
    plot_capex,
    plot_cash_flow,
    plot_npv_waterfall,
    plot_opex,
    plot_plan_sankey,
    plot_products,
)
from .scenario import (
    iplot_npv_histogram,
    iplot_pareto,
    iplot_route_frequency,
    iplot_tornado,
    plot_npv_histogram,
    plot_pareto,
    plot_route_frequency,
    plot_tornado,
)

#: ``kind`` -> (static, interactive) chart per kind of object; the first kind is the default.
FLOWSHEET_KINDS = {"sankey": (plot_flowsheet, iplot_flowsheet),
                   "distribution": (plot_distribution, iplot_distribution)}
PLAN_KINDS = {"sankey": (plot_plan_sankey, iplot_plan_sankey),
              "cash_flow": (plot_cash_flow, iplot_cash_flow),
              "waterfall": (plot_npv_waterfall, iplot_npv_waterfall),
              "capex": (plot_capex, iplot_capex),
              "opex": (plot_opex, iplot_opex),
              "capacities": (plot_capacities, iplot_capacities),
              "products": (plot_products, iplot_products)}
TABLE_KINDS = {"tornado": (plot_tornado, iplot_tornado),
               "histogram": (plot_npv_histogram, iplot_npv_histogram),
               "route_frequency": (plot_route_frequency, iplot_route_frequency),
               "pareto": (plot_pareto, iplot_pareto),
               "routes": (plot_routes, iplot_routes)}


def _table_kind(df: pd.DataFrame) -> str:
    cols = set(df.columns) if isinstance(df, pd.DataFrame) else set()
    if not isinstance(df, pd.DataFrame) or cols == {"npv_usd"}:
        return "histogram"
    if {"parameter", "low_npv", "high_npv"} <= cols:
        return "tornado"
    if {"epsilon", "npv_usd"} <= cols:
        return "pareto"
    if any(c.startswith("recovery_") for c in cols):
        return "routes"
    if "route" in cols or "built" in cols:
        return "route_frequency"
    raise InputError(f"cannot tell which chart fits columns {sorted(cols)}; pass kind=",
                     field="kind")


def _pick(obj: Any, kind: str | None) -> tuple[Any, Any]:
    if isinstance(obj, FlowsheetResult):
        table = FLOWSHEET_KINDS
    elif hasattr(obj, "cash_flow") and hasattr(obj, "capacities"):
        table = PLAN_KINDS
    elif isinstance(obj, pd.DataFrame | pd.Series) or hasattr(obj, "__array__"):
        table = TABLE_KINDS
        kind = kind or _table_kind(obj)
    else:
        raise InputError(f"no chart for a {type(obj).__name__}", field="obj")
    kind = kind or next(iter(table))
    if kind not in table:
        raise InputError(f"kind {kind!r}; allowed for a {type(obj).__name__}: "
                         f"{', '.join(table)}", field="kind")
    return table[kind]


def plot(obj: Any, kind: str | None = None, **kw: Any) -> Any:
    """Static matplotlib chart of a flowsheet result, a plan or a scenario table.

    Parameters
    ----------
    obj : FlowsheetResult (kinds ``sankey``, ``distribution``), PlantPlan or PlanTables
        (``sankey``, ``cash_flow``, ``waterfall``, ``capex``, ``opex``, ``capacities``,
        ``products``), or a DataFrame/Series (``tornado``, ``histogram``,
        ``route_frequency``, ``pareto``, ``routes``; guessed from the columns).
    kind : the chart; the first listed for the object's type when None.
    **kw : passed to the chart function.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return _pick(obj, kind)[0](obj, **kw)


def iplot(obj: Any, kind: str | None = None, **kw: Any) -> Any:
    """Interactive plotly chart; same objects and kinds as :func:`plot`.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    return _pick(obj, kind)[1](obj, **kw)


