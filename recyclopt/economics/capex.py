"""Capital-cost curves for the plant optimiser.

A :class:`CapexCurve` is a piecewise-linear purchased-equipment cost (USD) as a function of a
unit's capacity (any capacity unit the caller states, e.g. kg/s of feed). The optimiser uses it
inside a MILP together with a build binary: the curve starts at the smallest buildable size
``points[0] > 0`` with a fixed-cost intercept ``costs[0]``, and the optimiser itself adds the
"not built" state (capacity 0, cost 0). Within ``[points[0], points[-1]]`` the cost is the
linear interpolation between points.

:func:`scaling_law_curve` samples the usual power-law ("six-tenths rule") scaling
``cost = ref_cost * (capacity / ref_capacity) ** exponent`` and reports the linearisation error of
the chords, :func:`escalate` moves a cost between years at a constant escalation rate and
:func:`rescale_by_index` moves it with a cost index (e.g. CEPCI values the caller supplies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from recyclopt.economics.errors import EconomicsInputError, check_int, check_range

__all__ = [
    "CapexCurve",
    "escalate",
    "points_for_error",
    "power_law_chord_error",
    "rescale_by_index",
    "scaling_law_curve",
]


def _as_finite_tuple(field: str, values: ArrayLike) -> tuple[float, ...]:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise EconomicsInputError(
            f"{field}: must be a 1-D sequence of numbers; got {values!r}", field=field
        ) from None
    if arr.ndim != 1:
        raise EconomicsInputError(
            f"{field}: must be a 1-D sequence of numbers; got shape {arr.shape}", field=field
        )
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise EconomicsInputError(
            f"{field}: values must be finite; got {arr[i]} at index {i}", field=field
        )
    return tuple(float(v) for v in arr)


@dataclass(frozen=True)
class CapexCurve:
    """Piecewise-linear purchased-equipment cost curve.

    Parameters
    ----------
    points : sequence of float
        Capacities of the breakpoints, in the unit named by ``capacity_unit``; at least two,
        non-negative and strictly increasing.
    costs : sequence of float
        Purchased-equipment cost (USD) at each breakpoint; non-negative and non-decreasing.
    source : str, optional
        Where the data come from (citation or derivation).
    capacity_unit : str, optional
        Unit of ``points``, e.g. ``"kg/s"``.
    max_relative_error : float or None, optional
        Largest relative deviation of the chords from the law they linearise, when the curve
        was sampled from one (set by :func:`scaling_law_curve`); ``None`` for tabulated data.
    law : (ref_cost, ref_capacity, exponent) or None, optional
        The power law ``ref_cost * (capacity / ref_capacity) ** exponent`` the points were
        sampled from (set by :func:`scaling_law_curve`): the curve's exact cost
        (:meth:`exact_cost`); ``None`` for tabulated points, which are then the curve itself.

    Raises
    ------
    EconomicsInputError
        If any of the rules above is broken; the message names the field, the value, its
        index and the allowed range.

    Notes
    -----
    Below the first point the cost is held at ``costs[0]`` (the smallest buildable unit); the
    zero-capacity "off" state is represented by the optimiser's build binary, not by the curve.
    Above the last point :meth:`cost` raises instead of extrapolating.
    """

    points: tuple[float, ...]
    costs: tuple[float, ...]
    source: str = ""
    capacity_unit: str = ""
    max_relative_error: float | None = None
    law: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        pts = _as_finite_tuple("capex points", self.points)
        cst = _as_finite_tuple("capex costs", self.costs)
        if len(pts) < 2:
            raise EconomicsInputError(
                f"capex points: need at least 2 points; got {len(pts)}", field="points"
            )
        if len(cst) != len(pts):
            raise EconomicsInputError(
                f"capex costs: need one cost per point; got {len(cst)} costs for {len(pts)} points",
                field="costs",
            )
        for i, (p, c) in enumerate(zip(pts, cst, strict=True)):
            if p < 0:
                raise EconomicsInputError(
                    f"capex points: capacity must be >= 0; got {p} at index {i}", field="points"
                )
            if c < 0:
                raise EconomicsInputError(
                    f"capex costs: cost must be >= 0 USD; got {c} at index {i}", field="costs"
                )
            if i > 0 and p <= pts[i - 1]:
                raise EconomicsInputError(
                    f"capex points: capacity must be strictly increasing; got {p} after "
                    f"{pts[i - 1]} at index {i}",
                    field="points",
                )
            if i > 0 and c < cst[i - 1]:
                raise EconomicsInputError(
                    f"capex costs: cost must be non-decreasing with capacity; got {c} after "
                    f"{cst[i - 1]} at index {i}",
                    field="costs",
                )
        if self.max_relative_error is not None:
            err = check_range(
                "capex max_relative_error", self.max_relative_error, 0.0, np.inf, hi_closed=False
            )
            object.__setattr__(self, "max_relative_error", err)
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "costs", cst)

    @property
    def slopes(self) -> np.ndarray:
        """Slope of each segment, USD per capacity unit (length ``len(points) - 1``)."""
        return np.diff(self.costs) / np.diff(self.points)

    def cost(self, capacity: ArrayLike) -> float | np.ndarray:
        """Purchased-equipment cost (USD) at ``capacity`` by linear interpolation.

        Parameters
        ----------
        capacity : float or array_like
            Capacity in ``capacity_unit``; must be in ``[0, points[-1]]``.

        Returns
        -------
        float or numpy.ndarray
            A float for a scalar input, an array of the input's shape otherwise.

        Raises
        ------
        EconomicsInputError
            If a capacity is negative, not finite, or above the last curve point.
        """
        x = np.asarray(capacity, dtype=float)
        if not np.all(np.isfinite(x)):
            raise EconomicsInputError("capex cost: capacity must be finite", field="capacity")
        if np.any(x < 0):
            bad = float(x[x < 0].flat[0])
            raise EconomicsInputError(
                f"capex cost: capacity must be in [0, {self.points[-1]:g}]; got {bad:g}",
                field="capacity",
            )
        top = self.points[-1]
        if np.any(x > top * (1.0 + 1e-12)):
            bad = float(x[x > top * (1.0 + 1e-12)].flat[0])
            raise EconomicsInputError(
                f"capex cost: capacity must be in [0, {top:g}] (the last curve point); got "
                f"{bad:g}; extend the curve rather than extrapolate",
                field="capacity",
            )
        y = np.interp(x, self.points, self.costs)
        return float(y) if y.ndim == 0 else y

    def exact_cost(self, capacity: float) -> float:
        """Purchased-equipment cost (USD) at ``capacity`` on the curve the case gave: its power
        law when it was sampled from one (held at the law's value at ``points[0]`` below it),
        else the tabulated points (:meth:`cost`). The MILP uses the chords (:meth:`cost`);
        the two differ by at most ``max_relative_error``."""
        if self.law is None:
            return float(self.cost(capacity))
        ref_cost, ref_cap, n = self.law
        return float(ref_cost * (max(float(capacity), self.points[0]) / ref_cap) ** n)

    def is_concave(self, rtol: float = 1e-9) -> bool:
        """Whether segment slopes are non-increasing (economies of scale), within ``rtol``."""
        s = self.slopes
        if s.size < 2:
            return True
        tol = rtol * max(float(np.max(np.abs(s))), 1e-300)
        return bool(np.all(np.diff(s) <= tol))

    def segments(self) -> pd.DataFrame:
        """Table of the linear pieces.

        Returns
        -------
        pandas.DataFrame
            One row per segment with columns ``cap_lo``, ``cap_hi`` (capacity unit),
            ``cost_lo``, ``cost_hi`` (USD), ``slope`` (USD per capacity unit) and
            ``intercept`` (USD; the segment's line evaluated at capacity 0).
        """
        p = np.asarray(self.points)
        c = np.asarray(self.costs)
        slope = self.slopes
        return pd.DataFrame(
            {
                "cap_lo": p[:-1],
                "cap_hi": p[1:],
                "cost_lo": c[:-1],
                "cost_hi": c[1:],
                "slope": slope,
                "intercept": c[:-1] - slope * p[:-1],
            }
        )


def power_law_chord_error(cap_lo: float, cap_hi: float, exponent: float) -> float:
    """Largest relative error of the chord of ``x ** exponent`` on ``[cap_lo, cap_hi]``.

    The relative error at ``x`` is ``|chord(x) - f(x)| / f(x)``. Writing the chord as
    ``c + s * x`` (``s`` the chord slope, ``c`` its intercept), ``chord / f`` is stationary at
    ``x* = exponent * c / ((1 - exponent) * s)``, which lies inside the segment, so the maximum
    is ``|1 - (c + s * x*) / f(x*)|``. It depends only on ``cap_hi / cap_lo`` and the exponent.

    Parameters
    ----------
    cap_lo, cap_hi : float
        Segment ends, ``0 < cap_lo < cap_hi``.
    exponent : float
        Scaling exponent, ``> 0``.

    Returns
    -------
    float
        Maximum relative error (0 for ``exponent == 1``).
    """
    lo = check_range("cap_lo", cap_lo, 0.0, np.inf, lo_closed=False)
    hi = check_range("cap_hi", cap_hi, lo, np.inf, lo_closed=False)
    n = check_range("exponent", exponent, 0.0, np.inf, lo_closed=False)
    if n == 1.0:
        return 0.0
    ratio = hi / lo  # scale invariance: work on [1, ratio]
    s = (ratio**n - 1.0) / (ratio - 1.0)
    c = 1.0 - s
    x_star = min(max(n * c / ((1.0 - n) * s), 1.0), ratio)
    return abs(1.0 - (c + s * x_star) / x_star**n)


def scaling_law_curve(ref_cost: float, ref_capacity: float, exponent: float, cap_min: float,
                      cap_max: float, n_points: int = 8,
                      spacing: Literal["geometric", "linear"] = "geometric", *,
                      source: str = "", capacity_unit: str = "") -> CapexCurve:
    """Sample a power-law cost scaling into a :class:`CapexCurve`.

    ``cost = ref_cost * (capacity / ref_capacity) ** exponent`` is evaluated at ``n_points``
    capacities from ``cap_min`` to ``cap_max``.

    Parameters
    ----------
    ref_cost, ref_capacity, exponent : float
        Cost (USD) and capacity of the reference unit (``> 0``, capacity in the unit of
        ``cap_min``/``cap_max``); the scaling exponent (``> 0``, typically 0.4-1.0).
    cap_min : float
        Smallest buildable capacity, ``> 0``. The curve does not contain the (0, 0) "off"
        point: the optimiser's build binary provides it, so that ``costs[0]`` acts as the
        fixed-cost intercept of building the smallest unit.
    cap_max : float
        Largest capacity, ``> cap_min``.
    n_points : int, optional
        Number of breakpoints, ``>= 2``.
    spacing : {"geometric", "linear"}, optional
        Breakpoint spacing. With geometric spacing each segment spans the same capacity ratio,
        so every chord has the same relative error (the power law is scale invariant); this
        minimises the worst-case error for a given number of points.
    source, capacity_unit : str, optional
        Citation of the reference cost and exponent (a description of the law is appended);
        unit of the capacities.

    Returns
    -------
    CapexCurve
        With ``max_relative_error`` set to the largest relative deviation between the chords
        and the law over ``[cap_min, cap_max]`` (see :func:`power_law_chord_error`). For a
        concave law (exponent < 1) the chords underestimate the law; for example exponent 0.6
        with a capacity ratio of 2 per segment gives about 1.4 %, ratio 4 about 5.5 %.

    Raises
    ------
    EconomicsInputError
        For out-of-range arguments.
    """
    ref_cost = check_range("scaling_law ref_cost", ref_cost, 0.0, np.inf, lo_closed=False)
    ref_capacity = check_range(
        "scaling_law ref_capacity", ref_capacity, 0.0, np.inf, lo_closed=False
    )
    exponent = check_range("scaling_law exponent", exponent, 0.0, np.inf, lo_closed=False)
    cap_min = check_range("scaling_law cap_min", cap_min, 0.0, np.inf, lo_closed=False)
    cap_max = check_range("scaling_law cap_max", cap_max, cap_min, np.inf, lo_closed=False)
    n_points = check_int("scaling_law n_points", n_points, 2)
    if spacing == "geometric":
        pts = np.geomspace(cap_min, cap_max, n_points)
    elif spacing == "linear":
        pts = np.linspace(cap_min, cap_max, n_points)
    else:
        raise EconomicsInputError(
            f"scaling_law spacing: must be 'geometric' or 'linear'; got {spacing!r}",
            field="spacing",
        )
    pts[0], pts[-1] = cap_min, cap_max
    costs = ref_cost * (pts / ref_capacity) ** exponent
    err = max(power_law_chord_error(a, b, exponent) for a, b in zip(pts[:-1], pts[1:], strict=True))
    law = (
        f"power law {ref_cost:g} USD * (capacity / {ref_capacity:g})^{exponent:g}, "
        f"{n_points} {spacing} points on [{cap_min:g}, {cap_max:g}]"
    )
    return CapexCurve(
        points=tuple(pts),
        costs=tuple(costs),
        source=f"{source}; {law}" if source else law,
        capacity_unit=capacity_unit,
        max_relative_error=err,
        law=(ref_cost, ref_capacity, exponent),
    )


def points_for_error(cap_min: float, cap_max: float, exponent: float, max_error: float,
                     *, n_max: int = 200) -> int:
    """The fewest geometric breakpoints whose chords stay within ``max_error`` (relative) of
    the power law ``capacity ** exponent`` on ``[cap_min, cap_max]``.

    Geometric spacing gives every segment the same capacity ratio and so the same chord
    error (:func:`power_law_chord_error`), which falls as the ratio shrinks: the count is
    found by stepping ``n`` up from 2.
    """
    err = check_range("capex max_error", max_error, 0.0, np.inf, lo_closed=False)
    for n in range(2, n_max + 1):
        ratio = (cap_max / cap_min) ** (1.0 / (n - 1))
        if power_law_chord_error(1.0, ratio, exponent) <= err:
            return n
    raise EconomicsInputError(
        f"capex max_error: {err:g} needs more than {n_max} breakpoints on "
        f"[{cap_min:g}, {cap_max:g}]", field="max_error")


def escalate(cost: ArrayLike, from_year: int, to_year: int, rate: float) -> float | np.ndarray:
    """Move a cost between years at a constant annual escalation rate.

    ``cost * (1 + rate) ** (to_year - from_year)``.

    Parameters
    ----------
    cost : float or array_like
        Cost(s) in USD of ``from_year``.
    from_year, to_year : int
        Calendar years; ``to_year`` may be earlier (de-escalation).
    rate : float
        Annual escalation rate, in ``(-0.5, 1)``.

    Returns
    -------
    float or numpy.ndarray
        Cost(s) in USD of ``to_year``.
    """
    r = check_range("escalate rate", rate, -0.5, 1.0, lo_closed=False)
    y0 = check_int("escalate from_year", from_year)
    y1 = check_int("escalate to_year", to_year)
    c = np.asarray(cost, dtype=float)
    out = c * (1.0 + r) ** (y1 - y0)
    return float(out) if out.ndim == 0 else out


def rescale_by_index(cost: ArrayLike, index_from: float, index_to: float) -> float | np.ndarray:
    """Move a cost with a cost index: ``cost * index_to / index_from``.

    Use with plant cost indices (e.g. CEPCI annual averages) that the caller takes from a
    licensed or cited source; no index values are bundled here.

    Parameters
    ----------
    cost : float or array_like
        Cost(s) in USD of the year of ``index_from``.
    index_from, index_to : float
        Index values, both ``> 0``.

    Returns
    -------
    float or numpy.ndarray
        Cost(s) in USD of the year of ``index_to``.
    """
    i0 = check_range("index_from", index_from, 0.0, np.inf, lo_closed=False)
    i1 = check_range("index_to", index_to, 0.0, np.inf, lo_closed=False)
    out = np.asarray(cost, dtype=float) * (i1 / i0)
    return float(out) if out.ndim == 0 else out
