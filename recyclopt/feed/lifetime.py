"""Product lifetime distributions, discretised to whole years of age.

Convention (the one flodym uses with ``inflow_at="middle"``): units sold in year ``c`` enter the
stock at mid-year, so a unit of continuous lifetime ``L`` leaves in year ``c + k`` when
``k - 0.5 <= L < k + 0.5``. The share leaving at age ``k`` is therefore
``p[0] = F(0.5)`` and ``p[k] = F(k + 0.5) - F(k - 0.5)`` for ``k >= 1``, with ``F`` the
lifetime CDF. A ``fixed`` lifetime ``L`` puts all units at age ``ceil(L - 0.5)`` (the smallest
``k`` with ``k + 0.5 >= L``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..errors import InputError

#: lifetime kinds and the parameters each one needs
KINDS: dict[str, tuple[str, ...]] = {
    "fixed": ("mean_yr",),
    "normal": ("mean_yr", "sd_yr"),
    "lognormal": ("mean_yr", "sd_yr"),
    "weibull": ("scale_yr", "shape"),
    "discrete": (),
}


@dataclass(frozen=True)
class Lifetime:
    """A lifetime distribution of one product.

    Parameters
    ----------
    kind : one of :data:`KINDS`.
    params : the kind's parameters in years (``weibull``: ``scale_yr`` and the unitless
        ``shape``; ``lognormal``: mean and standard deviation of the lifetime itself).
    pmf : for ``discrete``: the share of units leaving at age 0, 1, 2, ... years (sums to 1).
    """

    kind: str
    params: dict[str, float] = field(default_factory=dict)
    pmf: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"lifetime kind {self.kind!r}; allowed {sorted(KINDS)}",
                             field="lifetime")
        missing = [p for p in KINDS[self.kind] if p not in self.params]
        if missing:
            raise InputError(f"{self.kind} lifetime needs {missing}", field="lifetime")
        for k, v in self.params.items():
            if not (math.isfinite(v) and v >= 0) or (k != "mean_yr" and v <= 0):
                raise InputError(f"lifetime {k} = {v!r}; allowed range > 0", field=k)
        if self.kind == "discrete":
            p = np.asarray(self.pmf, dtype=float)
            if p.size == 0 or (p < 0).any() or abs(p.sum() - 1.0) > 1e-9:
                raise InputError("a discrete lifetime needs non-negative shares summing to 1",
                                 field="pmf")

    def cdf(self, age: np.ndarray) -> np.ndarray:
        """Share of a cohort gone by (continuous) age ``age`` in years."""
        a = np.asarray(age, dtype=float)
        p = self.params
        if self.kind == "fixed":
            return (a >= p["mean_yr"]).astype(float)
        if self.kind == "normal":
            return stats.norm.cdf(a, loc=p["mean_yr"], scale=p["sd_yr"])
        if self.kind == "lognormal":
            # parameters of the underlying normal from the lifetime's own mean and sd
            s2 = math.log(1.0 + (p["sd_yr"] / p["mean_yr"]) ** 2)
            mu = math.log(p["mean_yr"]) - s2 / 2.0
            return stats.lognorm.cdf(a, s=math.sqrt(s2), scale=math.exp(mu))
        if self.kind == "weibull":
            return stats.weibull_min.cdf(a, p["shape"], scale=p["scale_yr"])
        c = np.concatenate([np.cumsum(self.pmf), [1.0]])
        return np.where(a < 0, 0.0, c[np.clip(np.floor(a + 0.5).astype(int), 0, len(c) - 1)])

    def age_pmf(self, n_ages: int) -> np.ndarray:
        """Share of a cohort leaving at age 0 .. ``n_ages - 1`` (whole years, mid-year inflow).

        ``p[0] = F(0.5)``, ``p[k] = F(k + 0.5) - F(k - 0.5)``; for ``discrete`` the given shares.
        The shares beyond ``n_ages - 1`` are the units still in stock at the end of the table.
        """
        if self.kind == "discrete":
            out = np.zeros(n_ages)
            m = min(n_ages, len(self.pmf))
            out[:m] = self.pmf[:m]
            return out
        if self.kind == "fixed":
            out = np.zeros(n_ages)
            k = max(0, math.ceil(self.params["mean_yr"] - 0.5))
            if k < n_ages:
                out[k] = 1.0
            return out
        edges = self.cdf(np.arange(n_ages) + 0.5)
        return np.diff(np.concatenate([[0.0], edges]))

    def describe(self) -> str:
        """One line, e.g. ``weibull(scale_yr=16.7, shape=3.5)``."""
        if self.kind == "discrete":
            return "discrete(" + ", ".join(f"{x:g}" for x in self.pmf) + ")"
        return f"{self.kind}(" + ", ".join(f"{k}={v:g}" for k, v in self.params.items()) + ")"
