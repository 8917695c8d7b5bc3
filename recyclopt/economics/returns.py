"""Returns of a plan's yearly cash flows: IRR, discounted payback, levelised cost per kg.

Built on :mod:`recyclopt.economics.metrics` (``irr`` by bisection, ``payback_year``); the
functions here read the columns of a cash-flow table (:func:`recyclopt.economics.cash_flow_table`)
and answer ``None`` where a metric does not exist (no sign change, never paid back, nothing
produced) instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import EconomicsInputError
from .metrics import irr, payback_year

__all__ = ["PlanReturns", "discounted_payback_year", "irr_or_none", "levelised_cost",
           "plan_returns"]


def irr_or_none(cash_flow_usd: ArrayLike) -> float | None:
    """IRR of yearly cash flows (first at time zero), or None when there is none.

    A plan whose cash flows never change sign (nothing built, or a plant that never pays)
    has no IRR; one with several sign changes returns the root that bisection finds on
    (-0.99, 10).
    """
    cf = np.asarray(cash_flow_usd, dtype=float)
    if not (np.any(cf > 0) and np.any(cf < 0)):
        return None
    try:
        return irr(cf)
    except EconomicsInputError:
        return None


def discounted_payback_year(discounted_cash_flow_usd: ArrayLike, years: ArrayLike
                            ) -> int | None:
    """Calendar year from which the cumulative discounted cash flow stays >= 0 (None if it
    ends negative or nothing is spent: a plan that builds nothing has no payback)."""
    d = np.asarray(discounted_cash_flow_usd, dtype=float)
    y = np.asarray(years, dtype=int)
    if not np.any(d < 0):
        return None
    return payback_year(d, first_year=int(y[0]))


def levelised_cost(cost_usd: ArrayLike, quantity: ArrayLike, discount_factor: ArrayLike
                   ) -> float | None:
    """Levelised cost: ``sum_t d_t C_t / sum_t d_t Q_t`` (USD per unit of quantity).

    Parameters
    ----------
    cost_usd : yearly costs (capex and every operating cost), USD.
    quantity : yearly output in the same years (e.g. kg of element in products).
    discount_factor : yearly discount factors ``d_t``.

    Returns
    -------
    float or None
        None when nothing is produced.
    """
    c = np.asarray(cost_usd, dtype=float)
    q = np.asarray(quantity, dtype=float)
    d = np.asarray(discount_factor, dtype=float)
    out = float(d @ q)
    return None if out <= 0 else float(d @ c) / out


@dataclass(frozen=True)
class PlanReturns:
    """Headline returns of a plan (None where a metric does not exist)."""

    irr: float | None
    discounted_payback_year: int | None
    payback_years: int | None  # years from the construction start
    cost_usd_per_kg: float | None  # levelised, per kg of element in products


def plan_returns(cash_flow, kg_per_year) -> PlanReturns:
    """Returns of a plan from its cash-flow table and its yearly kg of product.

    Parameters
    ----------
    cash_flow : DataFrame with ``year``, ``revenue_usd``, ``cash_flow_usd``,
        ``discount_factor`` and ``discounted_cash_flow_usd`` (one row per year).
    kg_per_year : mapping or Series year -> kg of element in products (missing years 0).

    Notes
    -----
    Costs are ``revenue - cash flow`` in each year, i.e. capex plus every operating cost of
    the costing convention, so the levelised cost is the product price (per kg of element,
    the same for every element) at which the NPV would be zero.
    """
    years = cash_flow["year"].to_numpy(dtype=int)
    kg = np.array([float(kg_per_year.get(int(y), 0.0)) for y in years])
    cost = cash_flow["revenue_usd"].to_numpy(float) - cash_flow["cash_flow_usd"].to_numpy(float)
    pay = discounted_payback_year(cash_flow["discounted_cash_flow_usd"], years)
    return PlanReturns(
        irr=irr_or_none(cash_flow["cash_flow_usd"]),
        discounted_payback_year=pay,
        payback_years=None if pay is None else pay - int(years[0]),
        cost_usd_per_kg=levelised_cost(cost, kg, cash_flow["discount_factor"]),
    )
