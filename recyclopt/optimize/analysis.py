"""Analyses built on repeated solves: cost of recovery and epsilon-constraint Pareto fronts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..economics import cost_of_recovery as _bisect
from ..errors import SolverError
from .case import Case
from .plan import optimize


def cost_of_recovery(case: Case, *, lo: float = 0.0, hi: float = 10.0, tol: float = 1e-4,
                     mip_gap: float = 1e-6) -> dict[str, float]:
    """The product-price multiplier at which the best plant's NPV is zero.

    HiGHS rejects the bilinear form (price x flow with both free), so the multiplier is found
    by bisection over a sequence of MILPs: NPV*(m) = max NPV with every product price times m
    is non-decreasing in m. Returns the multiplier and the NdPr price it implies for each
    product (USD per kg of element).
    """

    def npv(m: float) -> float:
        p = optimize(case, objective="npv", price_factor=m, mip_gap=mip_gap)
        # NPV* >= 0 always (building nothing gives 0); return a strictly monotone signal:
        # NPV of the best plant that recovers anything, i.e. the value minus a tiny epsilon
        # when nothing is built
        return p.npv_usd if p.built else -1e-6

    try:
        m = _bisect(npv, lo, hi, tol=tol)
    except ValueError as exc:
        raise SolverError(f"cost of recovery: {exc}") from None
    out = {"price_multiplier": m}
    for name, prod in case.products.items():
        for e, v in prod.price_usd_per_kg.items():
            out[f"{name}:{e}_usd_per_kg"] = v * m
    return out


def pareto_front(case: Case, metric: str = "co2_t", n: int = 5, objective: str = "npv"
                 ) -> pd.DataFrame:
    """Epsilon-constraint front: maximise ``objective`` with the horizon total of ``metric``
    (``co2_t``, ``recovered_kg``, ``recovered_value_usd``) capped at n levels between its
    value at the unconstrained optimum and zero."""
    base = optimize(case, objective=objective)
    if metric == "co2_t":
        top = float(base.opex["co2_t"].sum())
    elif metric == "recovered_kg":
        top = float(base.recovered_kg().reindex(case.elements).fillna(0).sum())
    else:
        top = float(base.opex["revenue_usd"].sum())
    rows = []
    for eps in np.linspace(top, 0.0, n):
        try:
            p = optimize(case, objective=objective, extra=[(metric, None, -np.inf, eps)])
        except SolverError:
            continue
        rows.append({"epsilon": eps, "objective": p.objective_value, "npv_usd": p.npv_usd,
                     "co2_t": float(p.opex["co2_t"].sum()),
                     "recovered_kg": float(p.recovered_kg().sum()), "built": ",".join(p.built)})
    return pd.DataFrame(rows)
