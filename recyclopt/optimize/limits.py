"""Market and policy limits on what the plant recovers, one function per family.

Symbols (see also :mod:`recyclopt.optimize.families`):

==================  =====================================================================
``x[k, y]``         end-of-life units of pair k processed in year y
``rec[k, p, e]``    kg of element e recovered in product form p per unit of pair k
``rec_tot[k]``      kg of the case's elements recovered per unit of pair k
``co2[k]``          kg CO2 emitted per unit of pair k
==================  =====================================================================
"""

from __future__ import annotations

import numpy as np

from .matrix import MatrixBuilder
from .model_data import ModelData


def _per_year_rows(mb: MatrixBuilder, d: ModelData, name: str, coef_k: np.ndarray, lo: float,
                   hi: float, label: str) -> None:
    """One row per year y: ``lo <= sum_k coef_k[k] x[k, y] <= hi`` (group ``name``).

    When no pair can contribute and ``lo > 0`` the rows are kept (all-zero, infeasible) so
    the infeasibility diagnosis names them.
    """
    idx = d.idx
    nzk = np.flatnonzero(coef_k)
    labels = idx.labels([label])
    if not len(nzk):
        if lo > 0:
            mb.add_group(name, np.arange(idx.Y), mb.col("x", np.arange(idx.Y)),
                         np.zeros(idx.Y), idx.Y, lo, hi, labels=labels)
        return
    r = idx.year_of(len(nzk))
    mb.add_group(name, r, mb.col("x", idx.cells(nzk)), idx.each(coef_k[nzk]), idx.Y, lo, hi,
                 labels=labels)


def _recovered(d: ModelData, keep: list[bool]) -> np.ndarray:
    """kg recovered per unit of each pair, summed over the recovered columns kept."""
    cols = [j for j, k in enumerate(keep) if k]
    return d.rec_arr[:, cols].sum(axis=1) if cols else np.zeros(d.K)


def define_markets(mb: MatrixBuilder, d: ModelData) -> None:
    """Market size of a product p with ``max_kg_per_yr`` (group ``market_<p>``), per year::

        sum_k sum_e rec[k, p, e] x[k, y]  <=  max_kg_per_yr[p]
    """
    for pname, p in d.case.products.items():
        if p.max_kg_per_yr is not None:
            coef = _recovered(d, [f == pname for f in d.forms])
            _per_year_rows(mb, d, f"market_{pname}", coef, -np.inf, p.max_kg_per_yr, pname)


def define_policy_limits(mb: MatrixBuilder, d: ModelData) -> None:
    """The case's policy limits, each per year y:

    * ``policy_min_recovered_<e>``: ``sum_k sum_p rec[k, p, e] x[k, y] >= min_e``;
    * ``policy_recycled_content``: ``sum_k sum_{p, e in E} rec[k, p, e] x[k, y] >= share *
      demand`` (E: the named elements, Nd and Pr by default);
    * ``policy_max_co2``: ``sum_k co2[k] / 1000 x[k, y] <= max t``;
    * ``policy_feedstock_share``, one row per feedstock f:
      ``sum_k rec_tot[k] ([f(k) = f] - share) x[k, y] <= 0`` (no feedstock gives more than
      ``share`` of the recovered mass).
    """
    pol = d.case.policy
    for e, mn in pol.min_recovered_kg_per_yr.items():
        coef = _recovered(d, [el == e for el in d.elements_rec])
        _per_year_rows(mb, d, f"policy_min_recovered_{e}", coef, mn, np.inf, e)
    if pol.recycled_content:
        rc = pol.recycled_content
        els = rc.get("elements") or ["Nd", "Pr"]
        coef = _recovered(d, [el in els for el in d.elements_rec])
        _per_year_rows(mb, d, "policy_recycled_content", coef,
                       float(rc["share"]) * float(rc["demand_kg_per_yr"]), np.inf, "+".join(els))
    if pol.max_co2_t_per_yr is not None:
        _per_year_rows(mb, d, "policy_max_co2", d.co2 / 1000.0, -np.inf, pol.max_co2_t_per_yr,
                       "CO2 t")
    if pol.max_feedstock_share is not None:
        _feedstock_share(mb, d, pol.max_feedstock_share)


def _feedstock_share(mb: MatrixBuilder, d: ModelData, sh: float) -> None:
    idx = d.idx
    coef = d.rec_tot[None, :] * ((d.f_idx[None, :] == np.arange(d.F)[:, None]) - sh)  # F x K
    fi, k = np.nonzero(coef)
    mb.add_group("policy_feedstock_share", idx.cells(fi), mb.col("x", idx.cells(k)),
                 idx.each(coef[fi, k]), d.F * idx.Y, -np.inf, 0.0, labels=idx.labels(d.feeds))
