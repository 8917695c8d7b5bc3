"""See the plant: tables, Sankey diagrams, cost charts and a self-contained HTML report.

Every chart comes in two flavours: ``plot_*`` returns a static matplotlib
:class:`~matplotlib.figure.Figure` (for papers) and ``iplot_*`` an interactive plotly
``Figure``. The ``*_data``-style functions (:func:`flowsheet_sankey`, :func:`plan_sankey`,
:func:`capex_breakdown`, :func:`opex_breakdown`, :func:`npv_waterfall`,
:func:`tornado_data`, :func:`npv_stats`, :func:`route_counts`) return the numbers behind
the charts as DataFrames.

:func:`plot` and :func:`iplot` dispatch on the object: a solved flowsheet, a plant plan, a
route-comparison table or a scenario table, with ``kind`` naming the chart.

Needs the ``plots`` extra (matplotlib, plotly): ``pip install 'recyclopt[plots]'``.

The names below are imported from their modules on first use (a module-level
``__getattr__``, PEP 562), so importing the package, or its command line, loads no plotting
or data library; importing it attaches ``.plot``/``.iplot`` to results
(:mod:`recyclopt.report.accessors`).
"""

from __future__ import annotations

from ..lazy import lazy_exports
from . import accessors  # noqa: F401  (attaches .plot and .iplot to results)
from .assumptions import assumptions  # noqa: F401  (eager: the name is also its module's)

#: public name -> its module in this package
_EXPORTS = {
    "FLOWSHEET_KINDS": "dispatch",
    "PLAN_KINDS": "dispatch",
    "TABLE_KINDS": "dispatch",
    "iplot": "dispatch",
    "plot": "dispatch",
    "element_distribution": "flowsheet",
    "flowsheet_sankey": "flowsheet",
    "iplot_distribution": "flowsheet",
    "iplot_flowsheet": "flowsheet",
    "iplot_routes": "flowsheet",
    "plot_distribution": "flowsheet",
    "plot_flowsheet": "flowsheet",
    "plot_routes": "flowsheet",
    "stream_tables": "flowsheet",
    "unit_performance": "flowsheet",
    "ReportInput": "html",
    "build_html": "html",
    "write_report": "html",
    "case_report": "make",
    "results_report": "make",
    "capex_breakdown": "plan",
    "iplot_capacities": "plan",
    "iplot_capex": "plan",
    "iplot_cash_flow": "plan",
    "iplot_npv_waterfall": "plan",
    "iplot_opex": "plan",
    "iplot_plan_sankey": "plan",
    "iplot_products": "plan",
    "npv_waterfall": "plan",
    "opex_breakdown": "plan",
    "plan_sankey": "plan",
    "plot_capacities": "plan",
    "plot_capex": "plan",
    "plot_cash_flow": "plan",
    "plot_npv_waterfall": "plan",
    "plot_opex": "plan",
    "plot_plan_sankey": "plan",
    "plot_products": "plan",
    "products_by_year": "plan",
    "PlanTables": "results",
    "load_results": "results",
    "SankeyData": "sankey",
    "iplot_sankey": "sankey",
    "plot_sankey": "sankey",
    "iplot_npv_histogram": "scenario",
    "iplot_pareto": "scenario",
    "iplot_route_frequency": "scenario",
    "iplot_tornado": "scenario",
    "npv_stats": "scenario",
    "pareto_data": "scenario",
    "plot_npv_histogram": "scenario",
    "plot_pareto": "scenario",
    "plot_route_frequency": "scenario",
    "plot_tornado": "scenario",
    "route_counts": "scenario",
    "tornado_data": "scenario",
}

__all__ = sorted(["assumptions", *(n for n in _EXPORTS if not n.endswith("_KINDS"))])


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
