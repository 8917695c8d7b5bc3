"""Inflow-driven stock model: units sold per year -> units in stock and reaching end of life.

For sales ``s[c]`` in years ``c = 0 .. n-1`` and the share ``p[k]`` of a cohort leaving at age
``k`` (:meth:`Lifetime.age_pmf`), the end-of-life units in year ``t`` are the discrete
convolution ``eol[t] = sum_{c <= t} s[c] * p[t - c]`` and the stock at the end of year ``t`` is
``stock[t] = sum_{c <= t} s[c] * (1 - sum_{k <= t - c} p[k])``, so that
``sum_{c <= t} s[c] = stock[t] + sum_{u <= t} eol[u]`` in every year.

The stock-driven variant (:func:`stock_driven`) first solves that relation for the sales that
give an installed-stock history. Two engines compute both: ``flodym`` (the maintained
dynamic-MFA library's ``InflowDrivenDSM`` and ``StockDrivenDSM``, for the parametric
lifetimes) and ``numpy`` (the convolution above, also used for ``discrete`` lifetimes, which
flodym has no model for). Both give the same result (tests/feed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .lifetime import Lifetime

ENGINES = ("auto", "flodym", "numpy")


@dataclass(frozen=True)
class CohortResult:
    """Stock and end-of-life flows of one product, per year (units)."""

    years: np.ndarray
    inflow: np.ndarray
    eol: np.ndarray
    stock: np.ndarray
    engine: str


def flodym_available() -> bool:
    """Whether the optional dependency flodym can be imported."""
    try:
        import flodym  # noqa: F401
    except ImportError:
        return False
    return True


def convolve_numpy(inflow: np.ndarray, lifetime: Lifetime) -> tuple[np.ndarray, np.ndarray]:
    """End-of-life units and end-of-year stock by the discrete convolution (module docstring)."""
    s = np.asarray(inflow, dtype=float)
    n = s.size
    p = lifetime.age_pmf(n)
    eol = np.convolve(s, p)[:n]
    survive = 1.0 - np.cumsum(p)          # share of a cohort still in stock at age k
    stock = np.convolve(s, survive)[:n]
    return eol, stock


def flodym_lifetime(dims, lifetime: Lifetime):
    """The flodym lifetime model of a parametric :class:`Lifetime` on flodym dimensions."""
    import flodym as fd

    p = lifetime.params
    if lifetime.kind == "fixed":
        return fd.FixedLifetime(dims=dims, mean=p["mean_yr"])
    if lifetime.kind == "normal":
        return fd.NormalLifetime(dims=dims, mean=p["mean_yr"], std=p["sd_yr"])
    if lifetime.kind == "lognormal":
        return fd.LogNormalLifetime(dims=dims, mean=p["mean_yr"], std=p["sd_yr"])
    if lifetime.kind == "weibull":
        return fd.WeibullLifetime(dims=dims, weibull_scale=p["scale_yr"],
                                  weibull_shape=p["shape"])
    raise InputError(f"flodym has no {lifetime.kind!r} lifetime model; use engine 'numpy'",
                     field="engine")


def _time_dims(years: np.ndarray):
    import flodym as fd

    return fd.DimensionSet(dim_list=[fd.Dimension(name="Time", letter="t",
                                                  items=[int(y) for y in years])])


def convolve_flodym(years: np.ndarray, inflow: np.ndarray, lifetime: Lifetime
                    ) -> tuple[np.ndarray, np.ndarray]:
    """End-of-life units and end-of-year stock from flodym's ``InflowDrivenDSM``
    (lifetime evaluated at mid-year inflow, ``inflow_at="middle"``)."""
    import flodym as fd

    dims = _time_dims(years)
    dsm = fd.InflowDrivenDSM(dims=dims, lifetime_model=flodym_lifetime(dims, lifetime),
                             inflow=fd.StockArray(dims=dims, values=np.asarray(inflow, float)))
    dsm.compute()
    return np.array(dsm.outflow.values, dtype=float), np.array(dsm.stock.values, dtype=float)


def inflow_from_stock_numpy(stock: np.ndarray, lifetime: Lifetime) -> np.ndarray:
    """Units put into use per year that give the end-of-year ``stock``: solves the lower
    triangular system ``stock[t] = sum_{c <= t} inflow[c] * surv[t - c]``,
    ``surv[k] = 1 - sum_{j <= k} p[j]``, row by row."""
    st = np.asarray(stock, dtype=float)
    surv = 1.0 - np.cumsum(lifetime.age_pmf(st.size))
    if surv[0] <= 0.0:
        raise InputError(f"a stock-driven model needs units that survive their first year; "
                         f"{lifetime.describe()} removes them all", field="lifetime")
    inflow = np.zeros_like(st)
    for t in range(st.size):
        inflow[t] = (st[t] - inflow[:t] @ surv[t:0:-1]) / surv[0]
    return inflow


def inflow_from_stock_flodym(years: np.ndarray, stock: np.ndarray, lifetime: Lifetime
                             ) -> np.ndarray:
    """As :func:`inflow_from_stock_numpy`, by flodym's ``StockDrivenDSM``."""
    import flodym as fd

    dims = _time_dims(years)
    dsm = fd.StockDrivenDSM(dims=dims, lifetime_model=flodym_lifetime(dims, lifetime),
                            stock=fd.StockArray(dims=dims, values=np.asarray(stock, float)))
    dsm.compute()
    return np.array(dsm.inflow.values, dtype=float)


def _engine(engine: str, lifetime: Lifetime) -> str:
    if engine not in ENGINES:
        raise InputError(f"engine {engine!r}; allowed {list(ENGINES)}", field="engine")
    if engine == "auto":
        return "flodym" if (lifetime.kind != "discrete" and flodym_available()) else "numpy"
    return engine


def _check_series(years: np.ndarray, values: np.ndarray, field: str) -> None:
    if years.shape != values.shape or years.size == 0 or (np.diff(years) != 1).any():
        raise InputError(f"{field} need one value per consecutive year", field="years")
    if (values < 0).any() or not np.isfinite(values).all():
        raise InputError(f"{field} must be finite and >= 0", field=field)


def stock_driven(years: np.ndarray, stock: np.ndarray, lifetime: Lifetime,
                 engine: str = "auto") -> CohortResult:
    """Units put into use and reaching end of life from an installed-stock history.

    The stock at the end of the first year is taken as that year's inflow (no earlier
    cohorts); a stock that falls faster than its units age out gives negative inflows, which
    are kept (they are what the history says).

    Parameters
    ----------
    years, stock : consecutive years and the units in use at the end of each.
    lifetime : the product's lifetime distribution.
    engine : as :func:`inflow_driven`.
    """
    years = np.asarray(years, dtype=int)
    stock = np.asarray(stock, dtype=float)
    _check_series(years, stock, "units_in_stock")
    use = _engine(engine, lifetime)
    if use == "flodym":
        inflow = inflow_from_stock_flodym(years, stock, lifetime)
        eol, st = convolve_flodym(years, inflow, lifetime)
    else:
        inflow = inflow_from_stock_numpy(stock, lifetime)
        eol, st = convolve_numpy(inflow, lifetime)
    return CohortResult(years=years, inflow=inflow, eol=eol, stock=st, engine=use)


def inflow_driven(years: np.ndarray, inflow: np.ndarray, lifetime: Lifetime,
                  engine: str = "auto") -> CohortResult:
    """Stock and end-of-life units of one product from its sales and lifetime.

    Parameters
    ----------
    years : consecutive calendar years of the sales series.
    inflow : units sold (put into use) in each year; units sold before ``years[0]`` are not
        counted.
    lifetime : the product's lifetime distribution.
    engine : ``auto`` (flodym when installed and the lifetime is parametric, else numpy),
        ``flodym`` or ``numpy``.

    Returns
    -------
    CohortResult
    """
    years = np.asarray(years, dtype=int)
    inflow = np.asarray(inflow, dtype=float)
    _check_series(years, inflow, "units_sold")
    use = _engine(engine, lifetime)
    if use == "flodym":
        eol, stock = convolve_flodym(years, inflow, lifetime)
    else:
        eol, stock = convolve_numpy(inflow, lifetime)
    return CohortResult(years=years, inflow=inflow, eol=eol, stock=stock, engine=use)
