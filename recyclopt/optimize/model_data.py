"""The arrays a plant model is written from: availability, option loads, tight bounds, segments.

:func:`model_data` reads a case and its superstructure once into :class:`ModelData`; the
constraint families (:mod:`recyclopt.optimize.families`) and the objective
(:mod:`recyclopt.optimize.objective`) only read it. The tight bounds live here: the largest
capacity an option can usefully get (``tmax``, ``cap_ub``) and the capex segments clipped to
it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .case import Case
from .index import OptionFeeds, YearIndex, option_feeds
from .superstructure import Superstructure


@dataclass
class ModelData:
    """What the model is written from (F feedstocks, K pairs, Y years, n_opt options).

    Attributes
    ----------
    idx : the (item, year) index arithmetic.
    feeds, f_idx : feedstock names; feedstock index of each pair (K).
    avail : units available, F x Y.
    supply_lo : units that must be processed (feed obligations; -inf: none), F x Y.
    options, fo : the case's options; their loads and (feedstock, option) pairs.
    tmax : the largest throughput an option can usefully see (bounds the big-M).
    cap_ub : capacity bounds (``tmax``, ``max_capacity``, the curve's last point).
    seg : the capex curves' segments: option ``o``, ``lo``, ``hi``, ``intercept``, ``slope``.
    z_ub : upper bound of each segment's switch (0: starts above the option's ``cap_ub``).
    eq_opts : options with discrete equipment.
    staffed : some option needs operators.
    paths, p_pos : path indices of the pairs; position of each path.
    rec_arr, forms, elements_rec : kg recovered per unit, K x (form, element) columns.
    rec_tot : kg of the case's elements recovered per unit of each pair.
    co2 : kg CO2 per unit of each pair.
    x_avail : the most of each feedstock processed in a year, F x Y: ``avail`` plus its
        stockpile cap (units stored earlier); ``avail`` without a stockpile.
    stock_f, stock_cap, stock_hold : feedstocks with a stockpile, their caps (units) and
        holding costs (USD per unit-year).
    starts : operating-year positions at which a capacity block may come online
        (``planning: phased``; empty for a single build).
    """

    case: Case
    sup: Superstructure
    idx: YearIndex
    feeds: list[str]
    f_idx: np.ndarray
    avail: np.ndarray
    supply_lo: np.ndarray
    options: list
    fo: OptionFeeds
    tmax: np.ndarray
    cap_ub: np.ndarray
    seg: dict
    z_ub: np.ndarray
    eq_opts: list[int]
    staffed: bool
    paths: list[int]
    p_pos: dict
    rec_arr: np.ndarray
    forms: list[str]
    elements_rec: list[str]
    rec_tot: np.ndarray
    co2: np.ndarray
    x_avail: np.ndarray
    stock_f: np.ndarray
    stock_cap: np.ndarray
    stock_hold: np.ndarray
    starts: np.ndarray

    @property
    def phased(self) -> bool:
        return len(self.starts) > 0

    @property
    def K(self) -> int:
        return len(self.f_idx)

    @property
    def F(self) -> int:
        return len(self.feeds)

    @property
    def n_opt(self) -> int:
        return len(self.options)


def availability(case: Case) -> np.ndarray:
    """Units available per feedstock and operating year, F x Y."""
    yi = case.years.astype(int)
    return np.array([f.availability.to_numpy(dtype=float) if np.array_equal(
        f.availability.index.to_numpy(), yi) else f.availability.reindex(yi).to_numpy()
        for f in case.feedstocks])


def deliverable(fo: OptionFeeds, avail: np.ndarray, n_opt: int) -> np.ndarray:
    """The most an option can receive in its busiest year.

    All pairs of a feedstock share its supply row, so an option receives at most the
    feedstock's availability times its largest load through the option, whatever the split
    between paths; summed over the feedstocks that reach it, year by year.
    """
    per_year = np.zeros((n_opt, avail.shape[1]))
    np.add.at(per_year, fo.o, fo.load[:, None] * avail[fo.f])
    return per_year.max(axis=1) if per_year.shape[1] else np.zeros(n_opt)


def useful_capacity(options: list, deliverable: np.ndarray) -> np.ndarray:
    """The largest capacity an optimal plan can give each option.

    Capacity beyond what can arrive only costs money, except that a plant is never smaller
    than its capex curve's first point: an option may be built at that minimum and run below
    it. So the bound is the deliverable throughput, raised to the curve's minimum size. A
    curve whose cost ever falls with size could make a larger plant cheaper; such options
    are left unbounded here. Feed obligations force flow up to the availability at most, so
    they never need more than the deliverable throughput.
    """
    out = deliverable.astype(float).copy()
    for i, o in enumerate(options):
        if o.capex is None:
            continue
        costs = np.asarray(o.capex.costs, dtype=float)
        if (np.diff(costs) < 0).any():
            out[i] = np.inf
        else:
            out[i] = max(out[i], float(o.capex.points[0]))
    return out


def capacity_bounds(options: list, fo: OptionFeeds, f_idx: np.ndarray, avail: np.ndarray,
                    naive: bool) -> tuple[np.ndarray, np.ndarray]:
    """``tmax`` (the largest useful throughput of each option) and ``cap_ub``.

    ``naive`` sums every pair's peak load (a feedstock with two paths through an option
    counts twice); otherwise each feedstock counts once (:func:`deliverable`). ``cap_ub`` is
    that throughput raised to the curve's minimum size (a plant may be built at its minimum
    and run below it: :func:`useful_capacity`), within the option's ``max_capacity`` and its
    capex curve's last point.
    """
    n_opt = len(options)
    peak_avail = avail.max(axis=1)[f_idx]
    tmax = np.zeros(n_opt)
    np.add.at(tmax, fo.lo, fo.lv * peak_avail[fo.lp])
    if not naive:
        tmax = np.minimum(tmax, deliverable(fo, avail, n_opt))
        size = useful_capacity(options, tmax)
    else:
        size = np.maximum(tmax, [o.capex.points[0] if o.capex is not None else 0.0
                                 for o in options])
    cap_ub = np.array([min(size[i], o.max_capacity if o.max_capacity is not None else np.inf)
                       for i, o in enumerate(options)])
    curve_cap = np.array([o.capex.points[-1] if o.capex is not None else np.inf for o in options])
    return tmax, np.minimum(cap_ub, curve_cap)


def capex_segments(options: list, cap_ub: np.ndarray, naive: bool) -> tuple[dict, np.ndarray]:
    """The capex curves' segments (``CapexCurve.segments()`` as arrays) and their switches'
    upper bounds.

    Unless ``naive``, a segment ends where the option's ``cap_ub`` does, and one that starts
    above it can never be chosen (its switch's bound is 0).
    """
    parts = []
    for i, o in enumerate(options):
        if o.capex is not None:
            p = np.asarray(o.capex.points, dtype=float)
            cst = np.asarray(o.capex.costs, dtype=float)
            slope = o.capex.slopes
            parts.append((np.full(len(p) - 1, i), p[:-1], p[1:], cst[:-1] - slope * p[:-1],
                          slope))
    sg = {k: (np.concatenate([t[j] for t in parts]) if parts else
              np.zeros(0, dtype=np.int64 if j == 0 else float))
          for j, k in enumerate(("o", "lo", "hi", "intercept", "slope"))}
    z_ub = np.ones(len(sg["o"]))
    if not naive and len(z_ub):
        top = cap_ub[sg["o"]]
        z_ub[sg["lo"] > top] = 0.0
        sg["hi"] = np.maximum(sg["lo"], np.minimum(sg["hi"], top))
    return sg, z_ub


def model_data(case: Case, sup: Superstructure, naive: bool) -> ModelData:
    """Read ``case`` and its superstructure ``sup`` into the arrays of :class:`ModelData`.

    ``naive`` writes the loose bounds (see :func:`capacity_bounds`, :func:`capex_segments`).
    """
    feeds = [f.name for f in case.feedstocks]
    fpos = {f: i for i, f in enumerate(feeds)}
    K = len(sup.pairs)
    f_idx = np.fromiter((fpos[f] for f in sup.column("pairs", "feedstock").tolist()),
                        dtype=np.int64, count=K)
    avail = availability(case)
    share = np.array([f.min_share(case.years) for f in case.feedstocks]).reshape(avail.shape)
    options = case.options
    fo = option_feeds(sup, f_idx, options)
    stock_f = np.array([i for i, f in enumerate(case.feedstocks) if f.stockpile is not None],
                       dtype=np.int64)
    stock_cap = np.array([case.feedstocks[i].stockpile.cap_units for i in stock_f], dtype=float)
    x_avail = avail.copy()
    x_avail[stock_f] += stock_cap[:, None]
    tmax, cap_ub = capacity_bounds(options, fo, f_idx, x_avail, naive)
    sg, z_ub = capex_segments(options, cap_ub, naive)
    staffed = any(o.operators > 0 for o in options) or any(
        o.equipment is not None and o.equipment.operators_per_unit > 0 for o in options)
    paths = np.unique(sup.column("pairs", "path_index")).tolist()
    rec = sup.recovered
    rec_arr = rec.to_numpy() if rec.columns.size else np.zeros((K, 0))
    elements_rec = [e for _, e in rec.columns] if rec.columns.size else []
    rec_tot = rec_arr[:, [j for j, e in enumerate(elements_rec) if e in case.elements]].sum(
        axis=1) if rec_arr.size else np.zeros(K)
    return ModelData(
        case=case, sup=sup, idx=YearIndex(case.years), feeds=feeds, f_idx=f_idx, avail=avail,
        supply_lo=np.where(share > 0, share * avail, -np.inf), options=options, fo=fo, tmax=tmax, cap_ub=cap_ub,
        seg=sg, z_ub=z_ub, eq_opts=[i for i, o in enumerate(options) if o.equipment is not None],
        staffed=staffed, paths=paths, p_pos={p: j for j, p in enumerate(paths)},
        rec_arr=rec_arr, forms=[f for f, _ in rec.columns] if rec.columns.size else [],
        elements_rec=elements_rec, rec_tot=rec_tot, co2=sup.column("pairs", "co2_kg_per_unit"),
        x_avail=x_avail, stock_f=stock_f, stock_cap=stock_cap,
        stock_hold=np.array([case.feedstocks[i].stockpile.holding_usd_per_unit_yr
                             for i in stock_f], dtype=float),
        starts=np.flatnonzero(np.isin(case.years, case.planning.build_years)))
