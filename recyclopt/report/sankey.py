"""A renderer-neutral Sankey description and its plotly and matplotlib renderings.

:class:`SankeyData` holds plain DataFrames (nodes and links), so a test can check the numbers
a chart will show, and the same data can be drawn interactively (:func:`iplot_sankey`, plotly)
or statically for a paper (:func:`plot_sankey`, matplotlib).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._common import colour_for, fmt, new_figure, require_plotly, rgba, shade

LINK_COLUMNS = ("source", "target", "value", "item", "label")


@dataclass
class SankeyData:
    """Nodes and links of a Sankey diagram.

    Attributes
    ----------
    nodes : pandas.DataFrame
        Indexed by node id (str), with columns ``label`` (shown text), ``kind`` (e.g.
        ``feed``, ``unit``, ``product``, ``option``) and ``layer`` (column from the left,
        0-based).
    links : pandas.DataFrame
        Columns ``source`` and ``target`` (node ids), ``value`` (flow, > 0, in ``unit``),
        ``item`` (what flows: an element, a species or a product; it sets the colour) and
        ``label`` (e.g. the stream name).
    unit : str
        Unit of every link value (``kg/h``, ``t/yr``, ``kg``...).
    title : str
        Chart title.
    """

    nodes: pd.DataFrame
    links: pd.DataFrame
    unit: str
    title: str = ""

    def inflow(self) -> pd.Series:
        """Total value entering each node (0 for sources)."""
        return self.links.groupby("target")["value"].sum().reindex(self.nodes.index,
                                                                    fill_value=0.0)

    def outflow(self) -> pd.Series:
        """Total value leaving each node (0 for sinks)."""
        return self.links.groupby("source")["value"].sum().reindex(self.nodes.index,
                                                                    fill_value=0.0)

    def items(self) -> list[str]:
        """The distinct link items, in order of first appearance."""
        return list(dict.fromkeys(self.links["item"].astype(str)))


def make_sankey(links: pd.DataFrame, nodes: pd.DataFrame, unit: str, title: str = "",
                min_value: float = 0.0) -> SankeyData:
    """Assemble :class:`SankeyData`, dropping links of value <= ``min_value`` and unused nodes,
    and assigning a ``layer`` (longest path from a source, back edges ignored) to nodes that
    have none.

    Parameters
    ----------
    links : DataFrame with the columns of :attr:`SankeyData.links`.
    nodes : DataFrame indexed by node id with ``label`` and ``kind`` (``layer`` optional).
    unit : unit of the link values.
    title : chart title.
    min_value : links at or below this value are left out.
    """
    links = links.loc[links["value"] > min_value, list(LINK_COLUMNS)].reset_index(drop=True)
    used = pd.unique(pd.concat([links["source"], links["target"]]))
    nodes = nodes.loc[[n for n in nodes.index if n in set(used)]].copy()
    if "layer" not in nodes or nodes["layer"].isna().any():
        right = set(nodes.index[nodes["kind"] == "product"])
        nodes["layer"] = _layers(list(nodes.index), links, right)
    nodes["layer"] = nodes["layer"].astype(int)
    return SankeyData(nodes, links, unit, title)


def _layers(ids: list[str], links: pd.DataFrame, right: set[str] | None = None) -> list[int]:
    """Longest-path layering of a directed graph whose cycles are broken at back edges (DFS).

    Sinks in ``right`` go to the last column; other sinks sit one column after their
    rightmost source, so a side stream leaves where it is made.
    """
    succ: dict[str, list[str]] = {n: [] for n in ids}
    for s, t in zip(links["source"], links["target"], strict=True):
        if t not in succ[s]:
            succ[s].append(t)
    indeg = {n: 0 for n in ids}
    for s in ids:
        for t in succ[s]:
            indeg[t] += 1
    state: dict[str, int] = {}
    forward: dict[str, list[str]] = {n: [] for n in ids}

    def dfs(n: str) -> None:
        state[n] = 1
        for t in succ[n]:
            if state.get(t) == 1:  # back edge: part of a recycle loop
                continue
            forward[n].append(t)
            if t not in state:
                dfs(t)
        state[n] = 2

    for n in sorted(ids, key=lambda n: indeg[n]):  # start from the sources
        if n not in state:
            dfs(n)
    order: list[str] = []
    seen: set[str] = set()

    def topo(n: str) -> None:
        seen.add(n)
        for t in forward[n]:
            if t not in seen:
                topo(t)
        order.append(n)

    for n in ids:
        if n not in seen:
            topo(n)
    layer = dict.fromkeys(ids, 0)
    for n in reversed(order):
        for t in forward[n]:
            layer[t] = max(layer[t], layer[n] + 1)
    last = max(layer.values(), default=0)
    pred: dict[str, list[str]] = {n: [] for n in ids}
    for s in ids:
        for t in succ[s]:
            pred[t].append(s)
    for n in ids:
        if not succ[n] and indeg[n]:
            layer[n] = last if n in (right or set()) else max(layer[p] for p in pred[n]) + 1
    return [layer[n] for n in ids]


def layout(data: SankeyData, gap: float = 0.04) -> tuple[pd.DataFrame, float]:
    """Vertical placement of the nodes on a unit-height canvas, column by column.

    Returns
    -------
    (pandas.DataFrame, float)
        Per node: ``layer``, ``size`` (max of in- and outflow), ``top`` (1 = top of the
        canvas) and ``height``; and the scale (canvas height per unit of flow).
    """
    nodes = data.nodes
    size = np.maximum(data.inflow(), data.outflow())
    col_total = size.groupby(nodes["layer"]).sum()
    col_count = nodes.groupby("layer").size()
    usable = 1.0 - gap * (col_count.max() - 1 if len(col_count) else 0)
    scale = usable / max(float(col_total.max()) if len(col_total) else 1.0, 1e-300)
    top: dict[str, float] = {}
    for _layer, grp in nodes.groupby("layer", sort=True):
        h_tot = float(size[grp.index].sum() * scale + gap * (len(grp) - 1))
        y = 1.0 - (1.0 - h_tot) / 2.0  # centre each column
        for n in grp.index:
            top[n] = y
            y -= size[n] * scale + gap
    out = pd.DataFrame({"layer": nodes["layer"], "size": size,
                        "top": pd.Series(top), "height": size * scale}).reindex(nodes.index)
    return out, scale


# --------------------------------------------------------------------------- plotly
def iplot_sankey(data: SankeyData, *, height: int = 520) -> Any:
    """An interactive plotly Sankey of ``data``.

    Node order follows ``data.nodes``; link ``i`` of the trace is row ``i`` of ``data.links``
    (so ``fig.data[0].link.value`` equals ``data.links["value"]``).

    Parameters
    ----------
    data : the Sankey description.
    height : figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go = require_plotly()
    nodes, links = data.nodes, data.links
    idx = {n: i for i, n in enumerate(nodes.index)}
    items = data.items()
    inflow, outflow = data.inflow(), data.outflow()
    through = np.maximum(inflow.to_numpy(), outflow.to_numpy())
    node_colour = []
    n_products = 0
    for n in nodes.index:
        kind = nodes.at[n, "kind"]
        if kind == "product":  # each product its own shade of green
            node_colour.append(shade("#009E73", n_products))
            n_products += 1
            continue
        node_colour.append({"feed": "#444444", "feedstock": "#444444",
                            "waste": "#999999", "emission": "#bbbbbb", "byproduct": "#8c564b",
                            "loss": "#D55E00", "reagent": "#E69F00"}.get(kind, "#666666"))
    n_layers = int(nodes["layer"].max()) + 1 if len(nodes) else 1
    lay, _ = layout(data, 0.05)
    # plotly places nodes by their centre, y measured from the top; keep inside (0, 1)
    node_x = np.clip(lay["layer"].to_numpy() / max(n_layers - 1, 1), 0.001, 0.999)
    node_y = np.clip(1.0 - (lay["top"] - lay["height"] / 2).to_numpy(), 0.001, 0.999)
    trace = go.Sankey(
        arrangement="snap",
        valueformat=".4~g",
        valuesuffix=f" {data.unit}",
        node={
            "label": nodes["label"].tolist(),
            "x": node_x.tolist(),
            "y": node_y.tolist(),
            "color": node_colour,
            "pad": 14,
            "thickness": 16,
            "line": {"width": 0.5, "color": "#333333"},
            "customdata": [[nodes.at[n, "kind"], fmt(v, data.unit)]
                           for n, v in zip(nodes.index, through, strict=True)],
            "hovertemplate": "%{label} (%{customdata[0]})<br>%{customdata[1]}<extra></extra>",
        },
        link={
            "source": [idx[s] for s in links["source"]],
            "target": [idx[t] for t in links["target"]],
            "value": links["value"].astype(float).tolist(),
            "label": links["item"].astype(str).tolist(),
            "color": [rgba(colour_for(str(i), items), 0.55) for i in links["item"]],
            "customdata": links["label"].astype(str).tolist(),
            "hovertemplate": "%{customdata}: %{label}<br>%{source.label} → %{target.label}"
                             "<br>%{value}<extra></extra>",
        },
    )
    fig = go.Figure(trace)
    legend = " ".join(f"<span style='color:{colour_for(i, items)}'>■</span> {i}"
                      for i in items[:14])
    fig.update_layout(
        title={"text": data.title + (f"<br><sup>{legend}  (flows in {data.unit})</sup>"
                                     if items else "")},
        height=height, font={"size": 12}, margin={"l": 10, "r": 10, "t": 70, "b": 10},
        width=None if n_layers < 8 else 140 * n_layers,
    )
    return fig


# --------------------------------------------------------------------------- matplotlib
def plot_sankey(data: SankeyData, *, ax: Any = None, width: float = 10.0, height: float = 5.5,
                gap: float = 0.04, node_width: float = 0.018) -> Any:
    """A static matplotlib Sankey (layered, bands drawn as cubic Bezier ribbons).

    Links that run backwards (recycle loops) are drawn dashed above the diagram.

    Parameters
    ----------
    data : the Sankey description.
    ax : matplotlib Axes to draw into; a new figure when None.
    width, height : figure size in inches (new figure only).
    gap : vertical gap between nodes as a fraction of the plot height.
    node_width : node bar width as a fraction of the plot width.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    fig = new_figure(width, height) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    nodes, links = data.nodes, data.links
    items = data.items()
    lay, scale = layout(data, gap)
    size = lay["size"]
    n_layers = int(nodes["layer"].max()) + 1 if len(nodes) else 1
    x_of = {n: (nodes.at[n, "layer"] / max(n_layers - 1, 1)) * (1 - node_width)
            for n in nodes.index}
    top = lay["top"].to_dict()
    # stack each node's outgoing links by target height and incoming links by source height
    y_out: dict[int, float] = {}
    y_in: dict[int, float] = {}
    for key, side, other in (("source", y_out, "target"), ("target", y_in, "source")):
        for n, grp in links.groupby(key, sort=False):
            off = top[n]
            order = sorted(grp.index, key=lambda i, o=other: (-top[links.at[i, o]], i))
            for i in order:
                side[i] = off
                off -= float(links.at[i, "value"]) * scale
    for i, lk in links.iterrows():
        s, t, v = lk["source"], lk["target"], float(lk["value"]) * scale
        colour = colour_for(str(lk["item"]), items)
        y0s, y0t = y_out[i], y_in[i]
        xs, xt = x_of[s] + node_width, x_of[t]
        if nodes.at[t, "layer"] <= nodes.at[s, "layer"]:  # recycle: dashed arc above
            lift = 1.08
            verts = [(xs, y0s - v / 2), (xs + 0.08, lift), (xt - 0.08, lift), (xt, y0t - v / 2)]
            p = Path(verts, [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
            ax.add_patch(PathPatch(p, fill=False, edgecolor=colour, lw=max(v * 200, 0.8),
                                   ls="--", alpha=0.6))
            continue
        xm = (xs + xt) / 2
        verts = [(xs, y0s), (xm, y0s), (xm, y0t), (xt, y0t),
                 (xt, y0t - v), (xm, y0t - v), (xm, y0s - v), (xs, y0s - v), (xs, y0s)]
        codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
                 Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
        ax.add_patch(PathPatch(Path(verts, codes), facecolor=colour, edgecolor="none",
                               alpha=0.5))
    for n in nodes.index:
        h = max(float(size[n]) * scale, 0.002)
        ax.add_patch(Rectangle((x_of[n], top[n] - h), node_width, h, facecolor="#333333"))
        ax.text(x_of[n] + node_width + 0.005, top[n] - h / 2,
                f"{nodes.at[n, 'label']}\n{fmt(float(size[n]), data.unit)}",
                ha="left", va="center", fontsize=8)
    handles = [Rectangle((0, 0), 1, 1, facecolor=colour_for(i, items), alpha=0.6) for i in items]
    if handles:
        ax.legend(handles, items, loc="upper center", bbox_to_anchor=(0.5, -0.01),
                  ncol=min(len(items), 8), fontsize=8, frameon=False)
    ax.set_xlim(-0.01, 1.13)
    ax.set_ylim(-0.02, 1.12)
    ax.axis("off")
    ax.set_title(f"{data.title} [{data.unit}]" if data.title else f"[{data.unit}]")
    return fig
