"""Financial metrics on yearly cash flows: NPV, IRR, payback, annuity, cost of recovery.

Cash flows are indexed by year offset ``t = 0, 1, ...`` and discounted end-of-year with
``t = 0`` undiscounted, matching :mod:`recyclopt.economics.cashflow`. Only numpy is used.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from recyclopt.economics.errors import EconomicsInputError, check_int, check_range, check_real

__all__ = ["annuity_factor", "cost_of_recovery", "irr", "npv", "payback_year"]


def _cash_array(cash_flow_usd: ArrayLike) -> np.ndarray:
    try:
        cf = np.asarray(cash_flow_usd, dtype=float)
    except (TypeError, ValueError):
        raise EconomicsInputError(
            f"cash_flow_usd: must be a 1-D array of numbers; got {cash_flow_usd!r}",
            field="cash_flow_usd",
        ) from None
    if cf.ndim != 1 or cf.size == 0:
        raise EconomicsInputError(
            f"cash_flow_usd: must be a non-empty 1-D array; got shape {cf.shape}",
            field="cash_flow_usd",
        )
    if not np.all(np.isfinite(cf)):
        i = int(np.flatnonzero(~np.isfinite(cf))[0])
        raise EconomicsInputError(
            f"cash_flow_usd: values must be finite; got {cf[i]} at index {i}",
            field="cash_flow_usd",
        )
    return cf


def npv(rate: float, cash_flow_usd: ArrayLike) -> float:
    """Net present value ``sum_t cf[t] / (1 + rate) ** t`` with ``t = 0, 1, ...``.

    Parameters
    ----------
    rate : float
        Discount rate per year, ``> -1``.
    cash_flow_usd : array_like
        Yearly cash flows, USD; the first is at time zero (undiscounted).

    Returns
    -------
    float
        NPV in USD.
    """
    r = check_range("npv rate", rate, -1.0, np.inf, lo_closed=False)
    cf = _cash_array(cash_flow_usd)
    return float(np.sum(cf * (1.0 + r) ** -np.arange(cf.size, dtype=float)))


def irr(
    cash_flow_usd: ArrayLike,
    rate_lo: float = -0.99,
    rate_hi: float = 10.0,
    tol: float = 1e-12,
    max_iter: int = 400,
) -> float:
    """Internal rate of return by bisection on a bracket.

    Parameters
    ----------
    cash_flow_usd : array_like
        Yearly cash flows, USD, first at time zero.
    rate_lo, rate_hi : float
        Bracket, ``-1 < rate_lo < rate_hi``. The NPV must have opposite signs at the ends.
    tol : float
        Absolute tolerance on the rate.
    max_iter : int
        Iteration cap.

    Returns
    -------
    float
        A rate in the bracket at which the NPV is zero. With several sign changes in the cash
        flows there may be several IRRs; the one returned is the one bisection finds in the
        bracket given.

    Raises
    ------
    EconomicsInputError
        If the bracket is invalid or the NPV does not change sign over it.
    """
    cf = _cash_array(cash_flow_usd)
    lo = check_range("irr rate_lo", rate_lo, -1.0, np.inf, lo_closed=False)
    hi = check_range("irr rate_hi", rate_hi, lo, np.inf, lo_closed=False)
    tol = check_range("irr tol", tol, 0.0, np.inf, lo_closed=False)
    max_iter = check_int("irr max_iter", max_iter, 1)
    f_lo, f_hi = npv(lo, cf), npv(hi, cf)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if math.copysign(1.0, f_lo) == math.copysign(1.0, f_hi):
        raise EconomicsInputError(
            f"irr: NPV does not change sign on the rate bracket [{lo:g}, {hi:g}] "
            f"(NPV {f_lo:.6g} USD and {f_hi:.6g} USD); no IRR in the bracket",
            field="cash_flow_usd",
        )
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        f_mid = npv(mid, cf)
        if f_mid == 0.0:
            return mid
        if math.copysign(1.0, f_mid) == math.copysign(1.0, f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
        if hi - lo <= tol:
            break
    return 0.5 * (lo + hi)


def payback_year(cash_flow_usd: ArrayLike, first_year: int = 0) -> int | None:
    """First year from which the cumulative cash flow stays non-negative.

    Parameters
    ----------
    cash_flow_usd : array_like
        Yearly (undiscounted or discounted) cash flows, USD.
    first_year : int, optional
        Calendar year of the first entry (0 gives a year offset).

    Returns
    -------
    int or None
        ``first_year + t`` for the earliest ``t`` such that the cumulative sum is ``>= 0`` at
        ``t`` and every later year; ``None`` if the cumulative sum ends negative. Requiring it
        to stay non-negative avoids reporting a payback before a later capex outlay.
    """
    cf = _cash_array(cash_flow_usd)
    y0 = check_int("payback first_year", first_year)
    cum = np.cumsum(cf)
    if cum[-1] < 0:
        return None
    negative = np.flatnonzero(cum < 0)
    t = 0 if negative.size == 0 else int(negative[-1]) + 1
    return y0 + t


def annuity_factor(rate: float, n_years: int) -> float:
    """Present value of 1 USD paid at the end of each of ``n_years`` years.

    ``(1 - (1 + rate) ** -n) / rate``, and ``n`` for ``rate == 0``. Its inverse is the capital
    recovery factor.

    Parameters
    ----------
    rate : float
        Discount rate, ``> -1``.
    n_years : int
        Number of payments, ``>= 0``.
    """
    r = check_range("annuity rate", rate, -1.0, np.inf, lo_closed=False)
    n = check_int("annuity n_years", n_years, 0)
    if r == 0.0:
        return float(n)
    return (1.0 - (1.0 + r) ** -n) / r


def cost_of_recovery(
    npv_of_price: Callable[[float], float],
    price_lo: float,
    price_hi: float,
    tol: float = 1e-6,
    max_iter: int = 200,
) -> float:
    """Break-even product price (NPV = 0) by bisection.

    The callable may be expensive (e.g. re-solve the plant MILP at the given price and return
    the optimal NPV); each iteration calls it once. It must be non-decreasing in the price.

    Parameters
    ----------
    npv_of_price : callable
        ``price -> NPV`` in USD; price in the caller's unit (e.g. USD/kg).
    price_lo, price_hi : float
        Bracket, ``price_lo < price_hi``, with ``NPV(price_lo) <= 0 <= NPV(price_hi)``.
    tol : float
        Absolute tolerance on the price.
    max_iter : int
        Iteration cap.

    Returns
    -------
    float
        The upper end of the final bracket: a price at which ``NPV >= 0`` and within ``tol``
        of the break-even price.

    Raises
    ------
    EconomicsInputError
        If the bracket is invalid, the NPV is not finite, or the bracket does not contain the
        break-even price.
    """
    lo = check_real("cost_of_recovery price_lo", price_lo)
    hi = check_range("cost_of_recovery price_hi", price_hi, lo, np.inf, lo_closed=False)
    tol = check_range("cost_of_recovery tol", tol, 0.0, np.inf, lo_closed=False)
    max_iter = check_int("cost_of_recovery max_iter", max_iter, 1)

    def f(p: float) -> float:
        v = float(npv_of_price(p))
        if not math.isfinite(v):
            raise EconomicsInputError(
                f"cost_of_recovery: NPV at price {p:g} is not finite ({v})", field="npv_of_price"
            )
        return v

    f_lo = f(lo)
    if f_lo > 0:
        raise EconomicsInputError(
            f"cost_of_recovery: not bracketed; NPV at price_lo={lo:g} is {f_lo:.6g} USD > 0 "
            "(lower price_lo)",
            field="price_lo",
        )
    if f_lo == 0:
        return lo
    f_hi = f(hi)
    if f_hi < 0:
        raise EconomicsInputError(
            f"cost_of_recovery: not bracketed; NPV at price_hi={hi:g} is {f_hi:.6g} USD < 0 "
            "(raise price_hi)",
            field="price_hi",
        )
    for _ in range(max_iter):
        if hi - lo <= tol:
            break
        mid = 0.5 * (lo + hi)
        if f(mid) >= 0:
            hi = mid
        else:
            lo = mid
    return hi
