"""Flowsheet views: unit performance, stream tables, element distribution and Sankeys.

Every function takes a solved :class:`~recyclopt.flowsheet.FlowsheetResult`. Flows are shown
in ``kg/s``, ``kg/h`` or ``t/yr`` (8000 operating hours per year).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..flowsheet import FlowsheetResult
from ._common import colour_for, flow_factor, new_figure, require_plotly
from .sankey import SankeyData, iplot_sankey, make_sankey, plot_sankey

#: Elements a Sankey shows by default (those of them present in the feeds).
RARE_EARTHS = ("Nd", "Pr", "Dy", "Tb")


# --------------------------------------------------------------------------- tables
def unit_performance(result: FlowsheetResult, unit: str = "kg/h") -> pd.DataFrame:
    """Per-unit performance table: mass in and out, reagents, losses, duties, design figures.

    Parameters
    ----------
    result : a solved flowsheet.
    unit : flow unit of the mass columns (``kg/s``, ``kg/h`` or ``t/yr``).

    Returns
    -------
    pandas.DataFrame
        Indexed by unit name, with columns ``type``, ``inlets``, ``outlets``,
        ``in [unit]`` (inlet streams), ``reagents [unit]``, ``out [unit]`` (outlet streams),
        ``losses [unit]``, ``T_out_K`` (hottest outlet), ``heat_kW``, ``electricity_kW``,
        ``heat_rejected_kW`` and ``design`` (the unit's reported design figures as text).
        Per unit, in + reagents = out + losses.
    """
    k = flow_factor(unit)
    fs = result.flowsheet
    rows = []
    for u, spec in fs.units.items():
        r = result.units[u]
        ins = [result.streams[s] for s in spec.inlets.values()]
        outs = [result.streams[s] for s in spec.outlets.values()]
        rows.append({
            "unit": u,
            "type": spec.unit.type_name,
            "inlets": ", ".join(spec.inlets.values()),
            "outlets": ", ".join(spec.outlets.values()),
            f"in [{unit}]": sum(s.total for s in ins) * k,
            f"reagents [{unit}]": r.reagents.total * k,
            f"out [{unit}]": sum(s.total for s in outs) * k,
            f"losses [{unit}]": r.losses.total * k,
            "T_out_K": max((s.T for s in outs), default=np.nan),
            "heat_kW": r.heat_W / 1e3,
            "electricity_kW": r.electricity_W / 1e3,
            "heat_rejected_kW": r.heat_rejected_W / 1e3,
            "design": _design_text(r.info),
        })
    return pd.DataFrame(rows).set_index("unit")


def _design_text(info: dict[str, Any]) -> str:
    parts = []
    for key, v in info.items():
        if isinstance(v, bool | np.bool_):
            parts.append(f"{key}={v}")
        elif isinstance(v, int | float | np.integer | np.floating):
            parts.append(f"{key}={float(v):.4g}")
        elif isinstance(v, str) and v:
            parts.append(f"{key}={v}")
    return "; ".join(parts)


def stream_tables(result: FlowsheetResult, unit: str = "kg/h") -> dict[str, pd.DataFrame]:
    """The stream table in both views.

    Returns
    -------
    dict
        ``{"species": ..., "element": ...}``: rows are species (or elements) plus total, T and
        P; one column per stream (see :meth:`FlowsheetResult.stream_table`).
    """
    flow_factor(unit)
    return {"species": result.stream_table("species", unit),
            "element": result.stream_table("element", unit)}


def default_elements(result: FlowsheetResult) -> list[str]:
    """The rare earths present in the feeds, else every element fed."""
    reg = result.registry
    fed = sum(reg.element_vector(result.streams[f].flows) for f in result.flowsheet.feeds)
    present = [e for j, e in enumerate(reg.elements) if fed[j] > 0]
    ree = [e for e in RARE_EARTHS if e in present]
    return ree or present


def element_distribution(result: FlowsheetResult, elements: Sequence[str] | None = None
                         ) -> pd.DataFrame:
    """Where each element fed ends up: fraction of (feed + reagents) per outlet of the plant.

    Parameters
    ----------
    result : a solved flowsheet.
    elements : elements to show; default :func:`default_elements`.

    Returns
    -------
    pandas.DataFrame
        Rows are the terminal streams (``kind`` column: product, byproduct, waste, emission)
        and ``losses`` (material lost inside units); one column per element holding the
        fraction of that element entering the plant. Each element column sums to 1.
    """
    reg = result.registry
    els = list(elements) if elements else default_elements(result)
    for e in els:
        if e not in reg.element_index:
            raise InputError(f"unknown element {e!r}", field="elements")
    idx = [reg.element_index[e] for e in els]
    fs = result.flowsheet
    rows = {s: reg.element_vector(result.streams[s].flows)[idx] for s in fs.terminal}
    rows["losses"] = sum(reg.element_vector(r.losses.flows) for r in result.units.values())[idx]
    df = pd.DataFrame(rows, index=els).T
    total = df.sum(axis=0).replace(0.0, np.nan)
    out = df / total
    out.insert(0, "kind", [fs.products.get(s, "loss") for s in out.index])
    out.index.name = "outlet"
    return out


# --------------------------------------------------------------------------- Sankey
def flowsheet_sankey(result: FlowsheetResult, basis: str = "element",
                     items: Sequence[str] | None = None, unit: str = "kg/h",
                     min_fraction: float = 1e-9) -> SankeyData:
    """Sankey description of a flowsheet run: feeds -> units -> outlet streams.

    Each stream becomes one link per item (element or species) it carries; reagents enter
    from a ``reagents`` node and losses inside units leave to a ``losses`` node, so every unit
    node balances (in = out) for element flows. ``basis`` is ``"element"`` or ``"species"``;
    ``items`` the elements (or species) to show (default: the rare earths fed, or every species
    holding them); ``unit`` ``kg/s``, ``kg/h`` or ``t/yr``; links below ``min_fraction`` of the
    largest are left out. In the returned links, ``label`` is the stream, ``item`` the element
    or species.
    """
    k = flow_factor(unit)
    reg = result.registry
    fs = result.flowsheet
    if basis not in ("element", "species"):
        raise InputError(f"basis {basis!r}; allowed: element, species", field="basis")
    if basis == "element":
        names = list(items) if items else default_elements(result)
        for e in names:
            if e not in reg.element_index:
                raise InputError(f"unknown element {e!r}", field="items")
        cols = [reg.element_index[e] for e in names]

        def vec(flows: np.ndarray) -> np.ndarray:
            return reg.element_vector(flows)[cols] * k
    else:
        if items:
            names = list(items)
            cols = [reg.idx(s) for s in names]
        else:
            ee = [reg.element_index[e] for e in default_elements(result)]
            seen = np.zeros(len(reg), dtype=bool)
            for s in result.streams.values():
                seen |= s.flows > 0
            for r in result.units.values():
                seen |= (r.reagents.flows > 0) | (r.losses.flows > 0)
            holds = (reg.E[:, ee] > 0).any(axis=1)
            cols = list(np.flatnonzero(seen & holds))
            names = [reg.names[i] for i in cols]

        def vec(flows: np.ndarray) -> np.ndarray:
            return np.asarray(flows)[cols] * k

    node_rows: list[tuple[str, str, str]] = []  # id, label, kind
    link_rows: list[tuple[str, str, float, str, str]] = []

    def add(src: str, dst: str, v: np.ndarray, label: str) -> None:
        for name, x in zip(names, v, strict=True):
            link_rows.append((src, dst, float(x), name, label))

    for f in fs.feeds:
        node_rows.append((f"feed:{f}", f, "feed"))
    for u in fs.units:
        node_rows.append((f"unit:{u}", u, "unit"))
    for s in fs.terminal:
        node_rows.append((f"out:{s}", s, fs.products.get(s, "product")))
    node_rows.append(("reagents", "reagents", "reagent"))
    node_rows.append(("losses", "losses", "loss"))
    for s, stream in result.streams.items():
        src_unit, _ = fs.stream_source[s]
        src = f"feed:{s}" if src_unit == "<feed>" else f"unit:{src_unit}"
        dst = f"unit:{fs.stream_sink[s][0]}" if s in fs.stream_sink else f"out:{s}"
        add(src, dst, vec(stream.flows), s)
    for u, r in result.units.items():
        add("reagents", f"unit:{u}", vec(r.reagents.flows), f"reagents to {u}")
        add(f"unit:{u}", "losses", vec(r.losses.flows), f"losses in {u}")
    links = pd.DataFrame(link_rows, columns=["source", "target", "value", "item", "label"])
    nodes = pd.DataFrame(node_rows, columns=["id", "label", "kind"]).set_index("id")
    floor = min_fraction * float(links["value"].max()) if len(links) else 0.0
    what = "species" if basis == "species" else "element"
    title = f"{fs.name}: {what} flows"
    return make_sankey(links, nodes, unit, title, min_value=floor)


def iplot_flowsheet(result: FlowsheetResult, basis: str = "element",
                    items: Sequence[str] | None = None, unit: str = "kg/h", **kw: Any) -> Any:
    """Interactive (plotly) element or species Sankey of a flowsheet run.

    Parameters are those of :func:`flowsheet_sankey`; ``kw`` go to
    :func:`~recyclopt.report.sankey.iplot_sankey` (e.g. ``height``).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    return iplot_sankey(flowsheet_sankey(result, basis, items, unit), **kw)


def plot_flowsheet(result: FlowsheetResult, basis: str = "element",
                   items: Sequence[str] | None = None, unit: str = "kg/h", **kw: Any) -> Any:
    """Static (matplotlib) element or species Sankey of a flowsheet run.

    Parameters are those of :func:`flowsheet_sankey`; ``kw`` go to
    :func:`~recyclopt.report.sankey.plot_sankey`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return plot_sankey(flowsheet_sankey(result, basis, items, unit), **kw)


def plot_distribution(result: FlowsheetResult, elements: Sequence[str] | None = None,
                      ax: Any = None) -> Any:
    """Static stacked bars: share of each element leaving in each plant outlet.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = element_distribution(result, elements)
    shares = d.drop(columns="kind").fillna(0.0)
    shares = shares.loc[(shares > 1e-6).any(axis=1)]
    fig = new_figure(8, 0.6 * len(shares.columns) + 1.8) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    left = np.zeros(len(shares.columns))
    outlets = list(shares.index)
    for o in outlets:
        v = shares.loc[o].to_numpy() * 100
        ax.barh(shares.columns, v, left=left, label=f"{o} ({d.at[o, 'kind']})",
                color=colour_for(o, outlets))
        left += v
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of element entering the plant")
    ax.invert_yaxis()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, fontsize=8,
              frameon=False)
    ax.set_title(f"{result.flowsheet.name}: where each element goes")
    return fig


def iplot_distribution(result: FlowsheetResult, elements: Sequence[str] | None = None) -> Any:
    """Interactive stacked bars: share of each element leaving in each plant outlet.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per outlet; ``x`` holds percentages, so each element's bars sum to 100.
    """
    go = require_plotly()
    d = element_distribution(result, elements)
    shares = d.drop(columns="kind").fillna(0.0)
    shares = shares.loc[(shares > 1e-6).any(axis=1)]
    outlets = list(shares.index)
    fig = go.Figure([go.Bar(y=list(shares.columns), x=(shares.loc[o] * 100).tolist(),
                            orientation="h", name=f"{o} ({d.at[o, 'kind']})",
                            marker_color=colour_for(o, outlets),
                            hovertemplate="%{y}: %{x:.3g} %<extra>" + o + "</extra>")
                     for o in outlets])
    fig.update_layout(barmode="stack", title=f"{result.flowsheet.name}: where each element goes",
                      xaxis_title="% of element entering the plant", yaxis_autorange="reversed",
                      height=160 + 40 * len(shares.columns))
    return fig


# --------------------------------------------------------------------------- route comparison
def _route_frame(df: pd.DataFrame) -> pd.DataFrame:
    if "route" in df.columns:
        df = df.set_index("route")
    if "status" in df.columns:
        df = df[df["status"] == "ok"]
    return df


def plot_routes(df: pd.DataFrame, elements: Sequence[str] = RARE_EARTHS) -> Any:
    """Static comparison of routes (the table of :func:`recyclopt.routes.compare_routes`):
    recovery per element, and energy and CO2 per kg of product.

    Parameters
    ----------
    df : indexed by route (or with a ``route`` column), with ``recovery_<El>``,
        ``electricity_kWh_per_kg``, ``heat_kWh_per_kg`` and ``co2_kg_per_kg``; rows whose
        ``status`` is not ``ok`` are left out.
    elements : elements whose recovery is shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    df = _route_frame(df)
    fig = new_figure(11, 4)
    a1, a2 = fig.subplots(1, 2)
    routes = list(df.index)
    w = 0.8 / max(len(elements), 1)
    x = np.arange(len(routes))
    for i, e in enumerate(elements):
        a1.bar(x + i * w - 0.4 + w / 2, df[f"recovery_{e}"].astype(float) * 100, w, label=e,
               color=colour_for(e))
    a1.set_xticks(x, routes, rotation=15, ha="right")
    a1.set_ylabel("recovery to product, %")
    a1.set_ylim(0, 118)
    a1.set_yticks(range(0, 101, 20))
    a1.legend(fontsize=8, ncol=len(elements), loc="upper center")
    a1.set_title("Recovery")
    a2.bar(x - 0.2, df["electricity_kWh_per_kg"].astype(float), 0.4, label="electricity kWh/kg",
           color="#56B4E9")
    a2.bar(x - 0.2, df["heat_kWh_per_kg"].astype(float), 0.4,
           bottom=df["electricity_kWh_per_kg"].astype(float), label="fuel heat kWh/kg",
           color="#E69F00")
    a2.bar(x + 0.2, df["co2_kg_per_kg"].astype(float), 0.4, label="CO2 kg/kg", color="#7f7f7f")
    a2.set_xticks(x, routes, rotation=15, ha="right")
    a2.set_ylabel("per kg of product")
    a2.legend(fontsize=8)
    a2.set_title("Energy and CO2")
    return fig


def iplot_routes(df: pd.DataFrame, elements: Sequence[str] = RARE_EARTHS) -> Any:
    """Interactive comparison of routes (see :func:`plot_routes`).

    Returns
    -------
    plotly.graph_objects.Figure
        Grouped recovery bars (% per element) on the left, energy and CO2 on the right.
    """
    go = require_plotly()
    from plotly.subplots import make_subplots

    df = _route_frame(df)
    routes = list(df.index)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Recovery to product, %",
                                                        "Energy and CO2 per kg of product"))
    for e in elements:
        fig.add_trace(go.Bar(x=routes, y=(df[f"recovery_{e}"].astype(float) * 100).tolist(),
                             name=e, marker_color=colour_for(e), legendgroup="rec"), 1, 1)
    for col, name, c in (("electricity_kWh_per_kg", "electricity kWh/kg", "#56B4E9"),
                         ("heat_kWh_per_kg", "fuel heat kWh/kg", "#E69F00"),
                         ("co2_kg_per_kg", "CO2 kg/kg", "#7f7f7f")):
        fig.add_trace(go.Bar(x=routes, y=df[col].astype(float).tolist(), name=name,
                             marker_color=c), 1, 2)
    fig.update_layout(barmode="group", height=420)
    fig.update_yaxes(range=[0, 100], row=1, col=1)
    return fig
