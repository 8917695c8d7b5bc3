"""Shared helpers of the report package: optional imports, units, colours, number format."""

from __future__ import annotations

from typing import Any

from ..errors import InputError

#: Operating hours per year behind the ``t/yr`` flow unit (as :func:`recyclopt.stream_table`).
HOURS_PER_YEAR = 8000.0

#: Factor from kg/s to each flow unit a flowsheet view accepts.
FLOW_UNITS: dict[str, float] = {
    "kg/s": 1.0,
    "kg/h": 3600.0,
    "t/yr": 3600.0 * HOURS_PER_YEAR / 1000.0,
}

#: Colour of each rare earth in every chart (Okabe-Ito, colour-blind safe); other items cycle
#: through :data:`PALETTE`.
ELEMENT_COLOURS: dict[str, str] = {
    "Nd": "#0072B2",
    "Pr": "#56B4E9",
    "Dy": "#D55E00",
    "Tb": "#CC79A7",
    "Fe": "#7f7f7f",
    "B": "#E69F00",
    "Co": "#009E73",
}
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
    "#7f7f7f", "#8c564b", "#17becf", "#bcbd22", "#9467bd",
)

#: Colours of cost and cash categories.
COST_COLOURS: dict[str, str] = {
    "revenue": "#009E73",
    "by-products": "#8FD3B8",
    "capex": "#D55E00",
    "variable opex": "#E69F00",
    "electricity": "#F0E442",
    "heat": "#E69F00",
    "feedstock, reagents, other": "#CC79A7",
    "fixed opex": "#56B4E9",
    "labour": "#0072B2",
    "overhead": "#7f7f7f",
    "NPV": "#000000",
}


def flow_factor(unit: str) -> float:
    """Factor from kg/s to ``unit`` (``kg/s``, ``kg/h`` or ``t/yr`` at 8000 h/yr)."""
    try:
        return FLOW_UNITS[unit]
    except KeyError:
        raise InputError(f"unit {unit!r}; allowed: {', '.join(FLOW_UNITS)}",
                         field="unit") from None


def colour_for(item: str, order: list[str] | None = None) -> str:
    """A stable colour for an element (fixed for the rare earths) or any other label."""
    if item in ELEMENT_COLOURS:
        return ELEMENT_COLOURS[item]
    i = order.index(item) if order and item in order else sum(map(ord, item))
    return PALETTE[i % len(PALETTE)]


def shade(colour: str, k: int) -> str:
    """Variant ``k`` of a colour: 0 is the colour itself, then alternately darker and lighter
    (mixed 30 %, 55 % ... toward black or white), so related items stay recognisable."""
    if k == 0:
        return colour
    c = colour.lstrip("#")
    rgb = [int(c[i:i + 2], 16) for i in (0, 2, 4)]
    t = min(0.3 + 0.25 * ((k - 1) // 2), 0.8)
    target = 0 if k % 2 else 255
    return "#" + "".join(f"{round(v + (target - v) * t):02x}" for v in rgb)


def item_colours(items: list[str]) -> dict[str, str]:
    """Distinct colours for ``product:element`` items: the element's colour for its first
    product, shades of it for the element's other products (see :func:`shade`)."""
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for item in items:
        element = item.split(":")[-1]
        k = seen.get(element, 0)
        seen[element] = k + 1
        out[item] = shade(colour_for(element, [i.split(":")[-1] for i in items]), k)
    return out


def rgba(colour: str, alpha: float) -> str:
    """``#rrggbb`` as a CSS ``rgba()`` string with the given opacity."""
    c = colour.lstrip("#")
    r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


def fmt(x: float, unit: str = "") -> str:
    """A compact human number: 3 significant figures with k/M/G for large values."""
    a = abs(x)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            s = f"{x / div:.3g}{suffix}"
            break
    else:
        s = f"{x:.3g}"
    return f"{s} {unit}".strip()


def require_matplotlib() -> Any:
    """Import matplotlib (its object API only: no pyplot state) or explain how to get it."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError("static charts need matplotlib: pip install 'recyclopt[plots]'",
                         field="matplotlib") from None
    return matplotlib


def require_plotly() -> Any:
    """Import plotly.graph_objects or explain how to get it."""
    try:
        import plotly.graph_objects as go
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError("interactive charts and the HTML report need plotly: "
                         "pip install 'recyclopt[plots]'", field="plotly") from None
    return go


def new_figure(width: float = 8.0, height: float = 4.5) -> Any:
    """A matplotlib :class:`~matplotlib.figure.Figure` not registered with pyplot.

    Figures made this way hold no global state (nothing to close) and are safe in threads;
    Jupyter shows them inline like any figure.
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    _show_inline_in_ipython()
    return Figure(figsize=(width, height), layout="constrained")


def _show_inline_in_ipython() -> None:
    """Inside Jupyter, display figures as PNG even when pyplot was never imported (the
    inline backend registers its formatter only on pyplot's import)."""
    import sys

    if "IPython" not in sys.modules:
        return
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats

        ip = get_ipython()
        if ip is None or getattr(ip, "_recyclopt_png", False):
            return
        select_figure_formats(ip, {"png"}, bbox_inches="tight")
        ip._recyclopt_png = True
    except Exception:  # noqa: BLE001 - display is a convenience, never an error
        return


def usd_axis(ax: Any, axis: str = "y") -> None:
    """Format a matplotlib axis in millions of USD."""
    from matplotlib.ticker import FuncFormatter

    f = FuncFormatter(lambda v, _pos: f"{v / 1e6:,.1f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)("million USD")
