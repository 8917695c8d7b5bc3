"""Yearly cash flows, NPV, and the NPV's linear weights for the optimiser.

Timing conventions (shared by every costing convention)
-------------------------------------------------------
* Year index ``t`` runs over calendar years from ``Horizon.construction_year`` (``t0``) to
  the last operating year. Construction occupies ``construction_years`` years; production
  runs for ``operating_years`` years starting at ``t0 + construction_years``.
* Capex: the convention's ``capex_schedule[i]`` fraction of the total overnight cost is spent
  in year ``t0 + i`` and escalated by ``(1 + capex_escalation) ** i``. A schedule longer than
  the construction period overlaps the first operating years (as in PrOMMiS, where a
  three-year 10/60/30 schedule starts with construction and production starts one year
  later).
* Revenue and opex of operating year ``k`` (``k = 0`` the first) are escalated by
  ``(1 + rate) ** k`` ("production_start" reference) or ``(1 + rate) ** (k +
  construction_years)`` ("construction_start").
* Discounting is end-of-year with the construction-start year as time zero: a cash flow in
  year ``t`` is multiplied by ``(1 + discount_rate) ** -(t - t0)``, so year-``t0`` spending is
  not discounted. This is the PrOMMiS NPV definition (exponent ``t - plant_start``).
* All amounts are USD (nominal, i.e. after escalation, in the table); yearly inputs are the
  base-year (unescalated) values per operating year. Costs are positive numbers and are
  subtracted in ``cash_flow_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from recyclopt.economics.conventions import Convention, CostFactors
from recyclopt.economics.errors import EconomicsInputError, as_year_array, check_range

__all__ = ["CashFlowResult", "Horizon", "NPVWeights", "cash_flow_npv", "cash_flow_table",
           "npv_weights"]

TABLE_COLUMNS = (
    "year",
    "capex_usd",
    "revenue_usd",
    "byproduct_revenue_usd",
    "variable_opex_usd",
    "fixed_opex_usd",
    "labour_usd",
    "overhead_usd",
    "cash_flow_usd",
    "discount_factor",
    "discounted_cash_flow_usd",
)


def _horizon_int(field: str, value: object, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise EconomicsInputError(
            f"horizon: {field} must be an integer; got {value!r}", field=field
        )
    if minimum is not None and value < minimum:
        raise EconomicsInputError(
            f"horizon: {field} must be >= {minimum}; got {value}", field=field
        )
    return int(value)


@dataclass(frozen=True)
class Horizon:
    """Project timeline.

    Parameters
    ----------
    construction_year : int
        Calendar year in which construction (and capex spending) starts; time zero of the
        discounting.
    operating_years : int
        Number of production years, ``>= 1``.
    construction_years : int, optional
        Years between construction start and first production, ``>= 1`` (default 1, as in
        PrOMMiS where production starts the year after construction starts).
    """

    construction_year: int
    operating_years: int
    construction_years: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "construction_year",
            _horizon_int("construction_year", self.construction_year, None),
        )
        object.__setattr__(
            self, "operating_years", _horizon_int("operating_years", self.operating_years, 1)
        )
        object.__setattr__(
            self,
            "construction_years",
            _horizon_int("construction_years", self.construction_years, 1),
        )

    @property
    def first_operating_year(self) -> int:
        """Calendar year of first production."""
        return self.construction_year + self.construction_years

    @property
    def last_year(self) -> int:
        """Calendar year of last production."""
        return self.first_operating_year + self.operating_years - 1

    @property
    def n_years(self) -> int:
        """Number of years in the horizon, construction included."""
        return self.construction_years + self.operating_years

    @property
    def years(self) -> np.ndarray:
        """All calendar years of the horizon."""
        return np.arange(self.construction_year, self.last_year + 1)

    @property
    def operating_calendar_years(self) -> np.ndarray:
        """Calendar years of production."""
        return np.arange(self.first_operating_year, self.last_year + 1)


@dataclass(frozen=True)
class CashFlowResult:
    """Cash-flow table and headline numbers.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per horizon year with columns ``year``, ``capex_usd``, ``revenue_usd``,
        ``byproduct_revenue_usd`` (by-products booked as revenue), ``variable_opex_usd``, ``fixed_opex_usd`` (fixed costs other than operating labour,
        e.g. maintenance, taxes and insurance, labour-linked and revenue-linked items),
        ``labour_usd`` (cost of operating labour), ``overhead_usd``, ``cash_flow_usd``,
        ``discount_factor``, ``discounted_cash_flow_usd``. Amounts are escalated (nominal).
    npv_usd : float
        Net present value at the construction-start year.
    tpc_usd : float
        Total plant cost (before escalation).
    toc_usd : float
        Total overnight cost (before escalation).
    """

    table: pd.DataFrame
    npv_usd: float
    tpc_usd: float
    toc_usd: float


def _escalation_exponents(f: CostFactors, horizon: Horizon) -> np.ndarray:
    k = np.arange(horizon.operating_years, dtype=float)
    if f.escalation_reference == "construction_start":
        return k + horizon.construction_years
    return k


def _check_schedule_fits(f: CostFactors, horizon: Horizon) -> None:
    if len(f.capex_schedule) > horizon.n_years:
        raise EconomicsInputError(
            f"capex_schedule: {len(f.capex_schedule)} yearly fractions do not fit in a "
            f"{horizon.n_years}-year horizon; need construction_years + operating_years >= "
            f"{len(f.capex_schedule)}",
            field="capex_schedule",
        )


def cash_flow_table(convention: Convention, horizon: Horizon, *, revenue_usd: ArrayLike,
                    variable_opex_usd: ArrayLike = 0.0, labour_usd: ArrayLike = 0.0,
                    fixed_opex_usd: ArrayLike = 0.0, bec_usd: float = 0.0,
                    direct_tpc_usd: float = 0.0, byproduct_revenue_usd: ArrayLike = 0.0
                    ) -> CashFlowResult:
    """Build the yearly cash-flow table and NPV of a plant.

    Parameters
    ----------
    convention : SimpleCosting or QGESSCosting
        Costing convention.
    horizon : Horizon
        Project timeline.
    revenue_usd : float or array_like
        Base-year revenue per operating year (scalar or one value per operating year).
    variable_opex_usd : float or array_like, optional
        Base-year variable operating cost per operating year (reagents, utilities, waste,
        per-unit yearly costs).
    labour_usd : float or array_like, optional
        Base-year cost of operating labour (COL) per operating year, ``>= 0``.
    fixed_opex_usd : float or array_like, optional
        Other base-year fixed operating costs per operating year supplied by the caller (not
        derived from convention factors).
    byproduct_revenue_usd : float or array_like, optional
        Base-year sales of by-products booked as revenue (iron oxide, residues) per operating
        year. Treated as revenue (revenue escalation, revenue-linked fixed costs) and shown
        in its own column; by-products booked as a negative cost go into
        ``variable_opex_usd`` instead.
    bec_usd : float, optional
        Purchased-equipment cost subject to the Lang factor (continuous units), ``>= 0``.
    direct_tpc_usd : float, optional
        Equipment cost entering total plant cost without the Lang factor (e.g. discrete
        disassembly units in PrOMMiS), ``>= 0``.

    Returns
    -------
    CashFlowResult
        The table, NPV, TPC and TOC.

    Notes
    -----
    Per operating year (``e_r``, ``e_o`` the revenue and opex escalation factors)::

        revenue  = R * e_r,  by-products = B * e_r
        variable = V * e_o
        labour   = COL * e_o
        fixed    = (fixed_opex_per_tpc * TPC + labour_burden * COL + F) * e_o
                   + fixed_opex_per_revenue * (revenue + by-products)
        overhead = overhead_fraction * (variable + labour + fixed)
        cash     = revenue + by-products - variable - labour - fixed - overhead - capex

    with ``TPC = lang_factor * bec_usd + direct_tpc_usd`` and ``TOC = toc_per_tpc * TPC``
    spread by the capex schedule. See the module docstring for timing and discounting.
    """
    c = _cash_flows(convention, horizon, revenue_usd, byproduct_revenue_usd,
                    variable_opex_usd, labour_usd, fixed_opex_usd, bec_usd, direct_tpc_usd)
    table = pd.DataFrame({"year": horizon.years, "capex_usd": c.capex, **c.cols,
                          "cash_flow_usd": c.cash, "discount_factor": c.disc,
                          "discounted_cash_flow_usd": c.cash * c.disc})
    return CashFlowResult(table=table, npv_usd=c.npv, tpc_usd=float(c.tpc),
                          toc_usd=float(c.toc))


def cash_flow_npv(convention: Convention, horizon: Horizon, *, revenue_usd: ArrayLike,
                  variable_opex_usd: ArrayLike = 0.0, labour_usd: ArrayLike = 0.0,
                  fixed_opex_usd: ArrayLike = 0.0, bec_usd: float = 0.0,
                  direct_tpc_usd: float = 0.0, byproduct_revenue_usd: ArrayLike = 0.0
                  ) -> float:
    """``cash_flow_table(...).npv_usd`` (same inputs, checks and arithmetic, so the same
    number bit for bit) without making the table: for searches that need only the NPV."""
    return _cash_flows(convention, horizon, revenue_usd, byproduct_revenue_usd,
                       variable_opex_usd, labour_usd, fixed_opex_usd, bec_usd,
                       direct_tpc_usd).npv


@dataclass(frozen=True)
class _Flows:
    """The yearly columns of a cash-flow table as arrays, and its NPV, TPC and TOC."""

    cols: dict[str, np.ndarray]
    capex: np.ndarray
    cash: np.ndarray
    disc: np.ndarray
    npv: float
    tpc: float
    toc: float


def _cash_flows(convention: Convention, horizon: Horizon, revenue: ArrayLike,
                byproducts: ArrayLike, variable: ArrayLike, labour: ArrayLike,
                fixed: ArrayLike, bec_usd: float, direct_tpc_usd: float) -> _Flows:
    """The arithmetic of :func:`cash_flow_table` (its notes give the formulas)."""
    f = convention.factors()
    _check_schedule_fits(f, horizon)
    rev, byp, var, lab, fix = _yearly_inputs(horizon.operating_years, revenue, byproducts,
                                             variable, labour, fixed)
    bec = check_range("bec_usd", bec_usd, 0.0, np.inf)
    direct = check_range("direct_tpc_usd", direct_tpc_usd, 0.0, np.inf)
    tpc = f.lang_factor * bec + direct
    toc = f.toc_per_tpc * tpc
    n = horizon.n_years
    capex = np.zeros(n)
    for i, share in enumerate(f.capex_schedule):
        capex[i] = toc * share * (1.0 + f.capex_escalation) ** i
    cols = _operating_columns(f, horizon, rev, byp, var, lab, fix, tpc)
    cash = (cols["revenue_usd"] + cols["byproduct_revenue_usd"] - cols["variable_opex_usd"]
            - cols["fixed_opex_usd"] - cols["labour_usd"] - cols["overhead_usd"] - capex)
    disc = (1.0 + f.discount_rate) ** -np.arange(n, dtype=float)  # t - construction_year
    return _Flows(cols, capex, cash, disc, float(np.sum(cash * disc)), tpc, toc)


def _yearly_inputs(n_op: int, revenue: ArrayLike, byproducts: ArrayLike, variable: ArrayLike,
                   labour: ArrayLike, fixed: ArrayLike) -> tuple[np.ndarray, ...]:
    """The base-year yearly inputs of :func:`cash_flow_table` as arrays of the operating
    years (labour checked ``>= 0``)."""
    rev = as_year_array("revenue_usd", revenue, n_op)
    byp = as_year_array("byproduct_revenue_usd", byproducts, n_op)
    var = as_year_array("variable_opex_usd", variable, n_op)
    lab = as_year_array("labour_usd", labour, n_op)
    fix = as_year_array("fixed_opex_usd", fixed, n_op)
    if np.any(lab < 0):
        i = int(np.flatnonzero(lab < 0)[0])
        raise EconomicsInputError(
            f"labour_usd: must be >= 0; got {lab[i]:g} at index {i}", field="labour_usd"
        )
    return rev, byp, var, lab, fix


def _operating_columns(f, horizon: Horizon, rev: np.ndarray, byp: np.ndarray,
                       var: np.ndarray, lab: np.ndarray, fix: np.ndarray, tpc: float
                       ) -> dict[str, np.ndarray]:
    """The escalated revenue and operating-cost columns over every year of the horizon
    (zero in the construction years); the formulas are :func:`cash_flow_table`'s notes."""
    k_esc = _escalation_exponents(f, horizon)
    e_rev = (1.0 + f.revenue_escalation) ** k_esc
    e_opex = (1.0 + f.opex_escalation) ** k_esc
    rev_nom, byp_nom = rev * e_rev, byp * e_rev
    var_nom, lab_nom = var * e_opex, lab * e_opex
    fixed_nom = (f.fixed_opex_per_tpc * tpc + f.labour_burden * lab + fix) * e_opex
    fixed_nom = fixed_nom + f.fixed_opex_per_revenue * (rev_nom + byp_nom)
    overhead_nom = f.overhead_fraction * (var_nom + lab_nom + fixed_nom)
    ops = slice(horizon.construction_years, horizon.n_years)
    cols = {name: np.zeros(horizon.n_years) for name in TABLE_COLUMNS[2:8]}
    for name, v in (("revenue_usd", rev_nom), ("byproduct_revenue_usd", byp_nom),
                    ("variable_opex_usd", var_nom), ("fixed_opex_usd", fixed_nom),
                    ("labour_usd", lab_nom), ("overhead_usd", overhead_nom)):
        cols[name][ops] = v
    return cols


@dataclass(frozen=True)
class NPVWeights:
    """Linear NPV coefficients of a convention over a horizon.

    For base-year (unescalated) yearly inputs as in :func:`cash_flow_table`::

        NPV = sum_y w_revenue[y] * R[y] - sum_y w_variable_opex[y] * V[y]
              - sum_y w_labour[y] * COL[y] - sum_y w_fixed_opex[y] * F[y]
              - w_bec * BEC - w_direct_tpc * TPC_direct

    exactly (to rounding) equal to ``cash_flow_table(...).npv_usd``. The weights already
    contain escalation, discounting, owner's costs, capex schedule, fixed-cost factors
    (including those proportional to TPC, which is why ``w_bec`` covers the whole operating
    life) and plant overhead. Arrays are indexed by operating year, ``years`` giving the
    calendar year.

    Attributes
    ----------
    years : numpy.ndarray
        Calendar years of production.
    w_revenue, w_variable_opex, w_labour, w_fixed_opex : numpy.ndarray
        NPV per USD of base-year revenue (counted positive) and per USD of each cost
        (counted negative) in that operating year.
    w_bec : float
        NPV reduction per USD of purchased equipment subject to the Lang factor.
    w_direct_tpc : float
        NPV reduction per USD of equipment entering TPC without the Lang factor.
    """

    years: np.ndarray
    w_revenue: np.ndarray
    w_variable_opex: np.ndarray
    w_labour: np.ndarray
    w_fixed_opex: np.ndarray
    w_bec: float
    w_direct_tpc: float

    def npv_usd(
        self,
        *,
        revenue_usd: ArrayLike,
        variable_opex_usd: ArrayLike = 0.0,
        labour_usd: ArrayLike = 0.0,
        fixed_opex_usd: ArrayLike = 0.0,
        bec_usd: float = 0.0,
        direct_tpc_usd: float = 0.0,
        byproduct_revenue_usd: ArrayLike = 0.0,
    ) -> float:
        """Evaluate the linear NPV expression for given inputs (same meaning as the table;
        by-products booked as revenue carry the revenue weights)."""
        n = self.years.size
        rev = as_year_array("revenue_usd", revenue_usd, n)
        rev = rev + as_year_array("byproduct_revenue_usd", byproduct_revenue_usd, n)
        var = as_year_array("variable_opex_usd", variable_opex_usd, n)
        lab = as_year_array("labour_usd", labour_usd, n)
        fix = as_year_array("fixed_opex_usd", fixed_opex_usd, n)
        return float(
            self.w_revenue @ rev
            - self.w_variable_opex @ var
            - self.w_labour @ lab
            - self.w_fixed_opex @ fix
            - self.w_bec * float(bec_usd)
            - self.w_direct_tpc * float(direct_tpc_usd)
        )

    def to_frame(self) -> pd.DataFrame:
        """Per-operating-year weights as a DataFrame (capex weights are scalars, not listed)."""
        return pd.DataFrame(
            {
                "year": self.years,
                "w_revenue": self.w_revenue,
                "w_variable_opex": self.w_variable_opex,
                "w_labour": self.w_labour,
                "w_fixed_opex": self.w_fixed_opex,
            }
        )


def npv_weights(convention: Convention, horizon: Horizon) -> NPVWeights:
    """Linear NPV coefficients for the optimiser.

    Parameters
    ----------
    convention : SimpleCosting or QGESSCosting
        Costing convention.
    horizon : Horizon
        Project timeline.

    Returns
    -------
    NPVWeights
        Weights such that the NPV is a linear expression of yearly revenue, costs and the
        equipment cost; see :class:`NPVWeights`.

    Notes
    -----
    With ``d`` the discount factor of an operating year, ``e_r``/``e_o`` its escalation
    factors, ``ov`` the overhead fraction::

        w_revenue       = d * e_r * (1 - (1 + ov) * fixed_opex_per_revenue)
        w_variable_opex = d * e_o * (1 + ov)
        w_fixed_opex    = d * e_o * (1 + ov)
        w_labour        = d * e_o * (1 + ov) * (1 + labour_burden)
        w_direct_tpc    = toc_per_tpc * sum_i s_i (1 + i_capex)^i (1 + r)^-i
                          + fixed_opex_per_tpc * sum_y w_fixed_opex[y]
        w_bec           = lang_factor * w_direct_tpc
    """
    f = convention.factors()
    _check_schedule_fits(f, horizon)
    op_offset = horizon.construction_years + np.arange(horizon.operating_years, dtype=float)
    d = (1.0 + f.discount_rate) ** -op_offset
    k_esc = _escalation_exponents(f, horizon)
    e_rev = (1.0 + f.revenue_escalation) ** k_esc
    e_opex = (1.0 + f.opex_escalation) ** k_esc
    ov = 1.0 + f.overhead_fraction

    w_rev = d * e_rev * (1.0 - ov * f.fixed_opex_per_revenue)
    w_fix = d * e_opex * ov
    w_lab = w_fix * (1.0 + f.labour_burden)
    i = np.arange(len(f.capex_schedule), dtype=float)
    capex_pv_per_toc = float(
        np.sum(
            np.asarray(f.capex_schedule)
            * (1.0 + f.capex_escalation) ** i
            * (1.0 + f.discount_rate) ** -i
        )
    )
    w_tpc = f.toc_per_tpc * capex_pv_per_toc + f.fixed_opex_per_tpc * float(np.sum(w_fix))
    arrays = {"w_revenue": w_rev, "w_variable_opex": w_fix.copy(), "w_labour": w_lab}
    arrays["w_fixed_opex"] = w_fix
    for a in arrays.values():
        a.setflags(write=False)
    years = horizon.operating_calendar_years
    years.setflags(write=False)
    return NPVWeights(
        years=years,
        w_bec=f.lang_factor * w_tpc,
        w_direct_tpc=w_tpc,
        **arrays,
    )


def capex_start_fits(convention: Convention, horizon: Horizon) -> np.ndarray:
    """Operating-year positions ``t`` at which a capacity block may come online.

    A block online from operating year ``t`` starts construction ``t`` years after the
    horizon's construction start; its capex schedule must end inside the horizon:
    ``t + len(capex_schedule) <= construction_years + operating_years``.
    """
    n_sched = len(convention.factors().capex_schedule)
    t = np.arange(horizon.operating_years)
    return t[t + n_sched <= horizon.n_years]


def capex_start_weights(convention: Convention, horizon: Horizon) -> np.ndarray:
    """NPV per USD of total plant cost (TPC) of a block online from each operating year.

    For a block whose first operating year is operating year ``t`` (its construction starts
    ``t`` years after the horizon's, capex spent by the convention's schedule ``s_i``)::

        w_tpc[t] = toc_per_tpc * sum_i s_i (1 + i_capex)^(t+i) (1 + r)^-(t+i)
                   + fixed_opex_per_tpc * sum_{y >= t} w_fixed_opex[y]

    ``w_tpc[0]`` is :func:`npv_weights`' ``w_direct_tpc`` (the single-build plant); a Lang-
    factor cost has ``lang_factor`` times this weight. Positions whose schedule ends after
    the horizon (:func:`capex_start_fits`) are ``nan``.
    """
    f = convention.factors()
    w = npv_weights(convention, horizon)
    s = np.asarray(f.capex_schedule)
    i = np.arange(len(s), dtype=float)
    out = np.full(horizon.operating_years, np.nan)
    tail = np.cumsum(w.w_fixed_opex[::-1])[::-1]  # sum_{y >= t} w_fixed_opex[y]
    for t in capex_start_fits(convention, horizon).tolist():
        g = ((1.0 + f.capex_escalation) / (1.0 + f.discount_rate)) ** (t + i)
        out[t] = f.toc_per_tpc * float(np.sum(s * g)) + f.fixed_opex_per_tpc * tail[t]
    return out


def phased_capex_cash(convention: Convention, horizon: Horizon, tpc_by_start: ArrayLike
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Capex per horizon year and TPC in service per operating year of a phased plant.

    Parameters
    ----------
    convention, horizon : as :func:`cash_flow_table`.
    tpc_by_start : TPC (USD, Lang factor applied) of the blocks and equipment coming online
        in each operating year (one value per operating year).

    Returns
    -------
    capex : escalated capex per horizon year (TOC spread by the schedule from each block's
        construction start), to replace the table's ``capex_usd``.
    tpc_in_service : TPC online in each operating year; ``fixed_opex_per_tpc`` times it is
        the fixed opex that the convention ties to TPC (pass it as ``fixed_opex_usd``
        to :func:`cash_flow_table` with ``bec_usd = direct_tpc_usd = 0``).
    """
    f = convention.factors()
    tpc = as_year_array("tpc_by_start", tpc_by_start, horizon.operating_years)
    fits = np.zeros(horizon.operating_years, bool)
    fits[capex_start_fits(convention, horizon)] = True
    if np.any((tpc != 0) & ~fits):
        t = int(np.flatnonzero((tpc != 0) & ~fits)[0])
        raise EconomicsInputError(f"tpc_by_start: a block online in operating year {t} "
                                  "has a capex schedule ending after the horizon",
                                  field="tpc_by_start")
    capex = np.zeros(horizon.n_years)
    for t in np.flatnonzero(tpc).tolist():
        for i, share in enumerate(f.capex_schedule):
            capex[t + i] += (f.toc_per_tpc * tpc[t] * share
                             * (1.0 + f.capex_escalation) ** (t + i))
    return capex, np.cumsum(tpc)
