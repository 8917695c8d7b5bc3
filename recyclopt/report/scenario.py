"""Scenario views: tornado, NPV histogram with percentiles, route-choice frequency and the
Pareto front.

These views take plain DataFrames/Series, so they work with any scenario engine that
produces the documented columns:

* :func:`plot_tornado` / :func:`iplot_tornado`: one row per parameter with ``parameter``,
  ``low_npv``, ``high_npv`` and ``base_npv`` (USD); optional ``low_value`` and
  ``high_value`` (the parameter values behind low and high, shown in the labels).
* :func:`plot_npv_histogram` / :func:`iplot_npv_histogram`: a Series or array of NPV samples
  (USD), or a DataFrame with an ``npv_usd`` column.
* :func:`plot_route_frequency` / :func:`iplot_route_frequency`: a DataFrame with a ``route``
  column (one label per sample) or a ``built`` column (comma-separated options, or lists).
* :func:`plot_pareto` / :func:`iplot_pareto`: the table of
  :func:`recyclopt.optimize.pareto_front`, columns ``epsilon``, ``objective``, ``npv_usd``,
  ``co2_t``, ``recovered_kg``, ``built``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ._common import colour_for, fmt, new_figure, require_plotly, usd_axis

NOTHING_BUILT = "(nothing built)"


def _need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"{what}: missing column(s) {missing}; got {list(df.columns)}",
                         field=missing[0])


# --------------------------------------------------------------------------- tornado
def tornado_data(df: pd.DataFrame) -> pd.DataFrame:
    """Tornado rows sorted by swing, largest first.

    Parameters
    ----------
    df : columns ``parameter``, ``low_npv``, ``high_npv``, ``base_npv`` (optional
        ``low_value``, ``high_value``).

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``swing`` = |high_npv - low_npv| and ``label``.
    """
    _need(df, ["parameter", "low_npv", "high_npv", "base_npv"], "tornado")
    d = df.copy()
    d["swing"] = (d["high_npv"] - d["low_npv"]).abs()
    if {"low_value", "high_value"} <= set(d.columns):
        d["label"] = [f"{p} ({lo:.3g} / {hi:.3g})" for p, lo, hi in
                      zip(d["parameter"], d["low_value"], d["high_value"], strict=True)]
    else:
        d["label"] = d["parameter"].astype(str)
    return d.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def plot_tornado(df: pd.DataFrame, ax: Any = None) -> Any:
    """Static tornado chart: NPV at each parameter's low and high value around the base.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = tornado_data(df)
    fig = new_figure(8, 1.2 + 0.4 * max(len(d), 1)) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    y = np.arange(len(d))
    base = d["base_npv"].to_numpy(dtype=float)
    ax.barh(y, d["low_npv"] - base, left=base, color="#D55E00", label="low value")
    ax.barh(y, d["high_npv"] - base, left=base, color="#0072B2", label="high value")
    ax.axvline(float(np.median(base)) if len(base) else 0.0, color="black", lw=0.8)
    ax.set_yticks(y, d["label"])
    ax.invert_yaxis()
    usd_axis(ax, "x")
    ax.legend(fontsize=8)
    ax.set_title("NPV sensitivity (tornado)")
    return fig


def iplot_tornado(df: pd.DataFrame) -> Any:
    """Interactive tornado chart.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``low value`` and ``high value``: horizontal bars with ``base`` = base NPV and
        ``x`` = NPV change, so base + x is ``low_npv`` / ``high_npv``; rows sorted by swing.
    """
    go = require_plotly()
    d = tornado_data(df)
    base = d["base_npv"].astype(float)
    fig = go.Figure([
        go.Bar(y=d["label"].tolist(), x=(d["low_npv"] - base).tolist(), base=base.tolist(),
               orientation="h", name="low value", marker_color="#D55E00",
               customdata=d["low_npv"].tolist(),
               hovertemplate="%{y}: NPV %{customdata:,.0f} USD<extra>low</extra>"),
        go.Bar(y=d["label"].tolist(), x=(d["high_npv"] - base).tolist(), base=base.tolist(),
               orientation="h", name="high value", marker_color="#0072B2",
               customdata=d["high_npv"].tolist(),
               hovertemplate="%{y}: NPV %{customdata:,.0f} USD<extra>high</extra>"),
    ])
    fig.update_layout(barmode="overlay", title="NPV sensitivity (tornado)", xaxis_title="NPV, USD",
                      yaxis_autorange="reversed", height=200 + 35 * max(len(d), 1))
    return fig


# --------------------------------------------------------------------------- histogram
def _samples(samples: Any) -> np.ndarray:
    if isinstance(samples, pd.DataFrame):
        _need(samples, ["npv_usd"], "NPV samples")
        samples = samples["npv_usd"]
    x = np.asarray(samples, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise InputError("NPV samples: no finite values", field="npv_usd")
    return x


def npv_stats(samples: Any, percentiles: Sequence[float] = (5, 50, 95)) -> dict[str, float]:
    """Summary of NPV samples: ``P<q>`` for each percentile, ``mean``, ``prob_positive``
    (share of samples with NPV > 0) and ``n``.
    """
    x = _samples(samples)
    out = {f"P{q:g}": float(np.percentile(x, q)) for q in percentiles}
    out.update(mean=float(x.mean()), prob_positive=float((x > 0).mean()), n=float(x.size))
    return out


def plot_npv_histogram(samples: Any, percentiles: Sequence[float] = (5, 50, 95),
                       bins: int = 40, ax: Any = None) -> Any:
    """Static histogram of NPV samples with percentile lines.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = _samples(samples)
    st = npv_stats(x, percentiles)
    fig = new_figure(8, 4) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    ax.hist(x, bins=bins, color="#56B4E9", edgecolor="white")
    for q in percentiles:
        v = st[f"P{q:g}"]
        ax.axvline(v, color="#D55E00", ls="--", lw=1)
        ax.text(v, ax.get_ylim()[1] * 0.95, f" P{q:g}\n {fmt(v)}", fontsize=8, va="top")
    usd_axis(ax, "x")
    ax.set_ylabel("samples")
    ax.set_title(f"NPV over {int(st['n'])} samples; P(NPV > 0) = {st['prob_positive']:.0%}")
    return fig


def iplot_npv_histogram(samples: Any, percentiles: Sequence[float] = (5, 50, 95),
                        bins: int = 40) -> Any:
    """Interactive histogram of NPV samples with percentile lines.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Histogram`` trace whose ``x`` are the samples; one vertical line shape per
        percentile at its value (annotated ``P5``, ``P50``...).
    """
    go = require_plotly()
    x = _samples(samples)
    st = npv_stats(x, percentiles)
    fig = go.Figure(go.Histogram(x=x.tolist(), nbinsx=bins, marker_color="#56B4E9",
                                 name="NPV", hovertemplate="%{x}: %{y} samples<extra></extra>"))
    for q in percentiles:
        v = st[f"P{q:g}"]
        fig.add_vline(x=v, line_dash="dash", line_color="#D55E00",
                      annotation_text=f"P{q:g} {fmt(v)}", annotation_position="top")
    fig.update_layout(title=f"NPV over {int(st['n'])} samples; P(NPV > 0) = "
                            f"{st['prob_positive']:.0%}", xaxis_title="NPV, USD",
                      yaxis_title="samples", height=420, showlegend=False)
    return fig


# --------------------------------------------------------------------------- route frequency
def _built_label(v: Any) -> str:
    if isinstance(v, list | tuple | set | frozenset | np.ndarray):
        parts = [str(x) for x in v]
    elif v is None or (isinstance(v, float) and np.isnan(v)):
        parts = []
    else:
        parts = [p.strip() for p in str(v).split(",") if p.strip()]
    return " + ".join(parts) if parts else NOTHING_BUILT


def route_counts(df: pd.DataFrame, by: str = "configuration") -> pd.DataFrame:
    """How often each route (or each option) is chosen over the samples.

    Parameters
    ----------
    df : a ``route`` column (one label per sample) or a ``built`` column (comma-separated
        option names, or lists).
    by : ``"configuration"`` (each distinct set of options) or ``"option"`` (each option on
        its own; a sample counts once per option it builds). ``option`` needs ``built``.

    Returns
    -------
    pandas.DataFrame
        Columns ``route``, ``count`` and ``share`` (count / number of samples), most
        frequent first.
    """
    if by not in ("configuration", "option"):
        raise InputError(f"by {by!r}; allowed: configuration, option", field="by")
    n = len(df)
    if n == 0:
        raise InputError("route frequency: no samples", field="route")
    if by == "option":
        _need(df, ["built"], "route frequency by option")
        labels = [lab for v in df["built"] for lab in _built_label(v).split(" + ")]
    elif "route" in df.columns:
        labels = [str(v) for v in df["route"]]
    else:
        _need(df, ["built"], "route frequency")
        labels = [_built_label(v) for v in df["built"]]
    s = pd.Series(labels).value_counts(sort=True)
    return pd.DataFrame({"route": s.index.astype(str), "count": s.to_numpy(),
                         "share": s.to_numpy() / n})


def plot_route_frequency(df: pd.DataFrame, by: str = "configuration", ax: Any = None) -> Any:
    """Static horizontal bars of :func:`route_counts` (share of samples, %).

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = route_counts(df, by)
    fig = new_figure(8, 1.2 + 0.4 * len(d)) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    ax.barh(d["route"], d["share"] * 100, color="#0072B2")
    for i, (c, s) in enumerate(zip(d["count"], d["share"], strict=True)):
        ax.text(s * 100, i, f" {s:.0%} ({c})", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("% of samples")
    ax.set_title(f"Route choice over {len(df)} samples")
    return fig


def iplot_route_frequency(df: pd.DataFrame, by: str = "configuration") -> Any:
    """Interactive horizontal bars of :func:`route_counts`.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace: ``y`` routes, ``x`` share of samples in %, ``customdata`` counts.
    """
    go = require_plotly()
    d = route_counts(df, by)
    fig = go.Figure(go.Bar(y=d["route"].tolist(), x=(d["share"] * 100).tolist(),
                           orientation="h", customdata=d["count"].tolist(),
                           marker_color="#0072B2",
                           hovertemplate="%{y}: %{x:.1f} % (%{customdata})<extra></extra>"))
    fig.update_layout(title=f"Route choice over {len(df)} samples", xaxis_title="% of samples",
                      yaxis_autorange="reversed", height=200 + 35 * len(d))
    return fig


# --------------------------------------------------------------------------- Pareto
AXIS_LABELS = {"npv_usd": "NPV, USD", "co2_t": "CO2 over the horizon, t",
               "recovered_kg": "recovered over the horizon, kg", "objective": "objective",
               "epsilon": "cap (epsilon)"}


def pareto_data(df: pd.DataFrame, x: str = "co2_t", y: str = "npv_usd") -> pd.DataFrame:
    """Pareto points sorted by ``x`` with a ``config`` label from ``built``.

    Parameters
    ----------
    df : the table of :func:`recyclopt.optimize.pareto_front`.
    x, y : the two columns to trade off.
    """
    _need(df, [x, y], "Pareto front")
    d = df.sort_values(x, kind="stable").reset_index(drop=True)
    d["config"] = [_built_label(v) for v in d["built"]] if "built" in d else ""
    return d


def plot_pareto(df: pd.DataFrame, x: str = "co2_t", y: str = "npv_usd", ax: Any = None) -> Any:
    """Static Pareto front: ``y`` against ``x``, points coloured by plant configuration.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = pareto_data(df, x, y)
    fig = new_figure(8, 4.5) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    ax.plot(d[x], d[y], color="#999999", lw=1, zorder=1)
    configs = list(dict.fromkeys(d["config"]))
    for c in configs:
        s = d[d["config"] == c]
        ax.scatter(s[x], s[y], label=c or "-", color=colour_for(c, configs), zorder=2)
    ax.set_xlabel(AXIS_LABELS.get(x, x))
    if y == "npv_usd":
        usd_axis(ax)
    else:
        ax.set_ylabel(AXIS_LABELS.get(y, y))
    ax.legend(fontsize=7, loc="best")
    ax.set_title("Pareto front")
    return fig


def iplot_pareto(df: pd.DataFrame, x: str = "co2_t", y: str = "npv_usd") -> Any:
    """Interactive Pareto front.

    Returns
    -------
    plotly.graph_objects.Figure
        A ``front`` line trace over all points (sorted by ``x``), then one marker trace per
        plant configuration.
    """
    go = require_plotly()
    d = pareto_data(df, x, y)
    configs = list(dict.fromkeys(d["config"]))
    traces = [go.Scatter(x=d[x].tolist(), y=d[y].tolist(), mode="lines", name="front",
                         line={"color": "#999999"}, hoverinfo="skip")]
    for c in configs:
        s = d[d["config"] == c]
        traces.append(go.Scatter(x=s[x].tolist(), y=s[y].tolist(), mode="markers", name=c,
                                 marker={"size": 10, "color": colour_for(c, configs)}))
    fig = go.Figure(traces)
    fig.update_layout(title="Pareto front", xaxis_title=AXIS_LABELS.get(x, x),
                      yaxis_title=AXIS_LABELS.get(y, y), height=440)
    return fig
