"""Inflow-driven stock model: units sold per year -> units in stock and reaching end of life.

For sales ``s[c]`` in years ``c = 0 .. n-1`` and the share ``p[k]`` of a cohort leaving at age
``k`` (:meth:`Lifetime.age_pmf`), the end-of-life units in year ``t`` are the discrete
convolution ``eol[t] = sum_{c <= t} s[c] * p[t - c]`` and the stock at the end of year ``t`` is
``stock[t] = sum_{c <= t} s[c] * (1 - sum_{k <= t - c} p[k])``, so that
``sum_{c <= t} s[c] = stock[t] + sum_{u <= t} eol[u]`` in every year.

Two engines compute it: ``flodym`` (the maintained dynamic-MFA library's ``InflowDrivenDSM``,
for the parametric lifetimes) and ``numpy`` (the convolution above, also used for ``discrete``
lifetimes, which flodym has no model for). Both give the same result (tests/feed).
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


def convolve_flodym(years: np.ndarray, inflow: np.ndarray, lifetime: Lifetime
                    ) -> tuple[np.ndarray, np.ndarray]:
    """End-of-life units and end-of-year stock from flodym's ``InflowDrivenDSM``
    (lifetime evaluated at mid-year inflow, ``inflow_at="middle"``)."""
    import flodym as fd

    dims = fd.DimensionSet(dim_list=[fd.Dimension(name="Time", letter="t",
                                                  items=[int(y) for y in years])])
    p = lifetime.params
    if lifetime.kind == "fixed":
        lt = fd.FixedLifetime(dims=dims, mean=p["mean_yr"])
    elif lifetime.kind == "normal":
        lt = fd.NormalLifetime(dims=dims, mean=p["mean_yr"], std=p["sd_yr"])
    elif lifetime.kind == "lognormal":
        lt = fd.LogNormalLifetime(dims=dims, mean=p["mean_yr"], std=p["sd_yr"])
    elif lifetime.kind == "weibull":
        lt = fd.WeibullLifetime(dims=dims, weibull_scale=p["scale_yr"], weibull_shape=p["shape"])
    else:
        raise InputError(f"flodym has no {lifetime.kind!r} lifetime model; use engine 'numpy'",
                         field="engine")
    dsm = fd.InflowDrivenDSM(dims=dims, lifetime_model=lt,
                             inflow=fd.StockArray(dims=dims, values=np.asarray(inflow, float)))
    dsm.compute()
    return np.array(dsm.outflow.values, dtype=float), np.array(dsm.stock.values, dtype=float)


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
    if engine not in ENGINES:
        raise InputError(f"engine {engine!r}; allowed {list(ENGINES)}", field="engine")
    if years.shape != inflow.shape or years.size == 0 or (np.diff(years) != 1).any():
        raise InputError("sales need one value per consecutive year", field="years")
    if (inflow < 0).any() or not np.isfinite(inflow).all():
        raise InputError("units sold must be finite and >= 0", field="units_sold")
    use = engine
    if engine == "auto":
        use = "flodym" if (lifetime.kind != "discrete" and flodym_available()) else "numpy"
    if use == "flodym":
        eol, stock = convolve_flodym(years, inflow, lifetime)
    else:
        eol, stock = convolve_numpy(inflow, lifetime)
    return CohortResult(years=years, inflow=inflow, eol=eol, stock=stock, engine=use)
