"""The yardstick: the plant MILP written directly against highspy's array API.

This is the physical limit the Pyomo model is measured against, not a second code path of
the package: it lives in ``benchmarks/`` only. It reads the same coefficient tables that
:func:`recyclopt.optimize.superstructure.build` produces (pairs, option loads, recovered
masses) and the case, and writes the same formulation as :mod:`recyclopt.optimize.model`
(written independently here, from the model's documented formulation):

* ``x[k, y]`` units of pair k in year y, ``0 <= x <= availability``;
* ``cap[o]`` <= min(max(largest possible throughput, the capex curve's first point),
  max_capacity, end of the capex curve) (a plant built at its minimum size runs below it);
* ``build[o]`` binary with ``cap[o] <= M_o build[o]`` (M_o the bound on cap, at least 1);
* piecewise capex by multiple choice: ``cap[o] = sum w_s``, ``sum z_s = build[o]``,
  ``lo_s z_s <= w_s <= hi_s z_s``;
* integer equipment units: per year of throughput for options with a capex curve, else
  ``cap[o] <= per unit x units[o]`` (one row); an integer plant headcount;
* supply per feedstock and year; throughput <= capacity per option and year; product
  markets; policy rows; single-path choice;
* objective: NPV from the costing convention's linear weights (or the other objectives).

Columns are laid out block by block (x, cap, build, seg_z, seg_w, units, staff, use).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recyclopt.economics import annuity_factor, npv_weights
from recyclopt.optimize.case import Case
from recyclopt.optimize.model import CUTS_MAX_FLOW_COLUMNS
from recyclopt.optimize.superstructure import Superstructure


@dataclass
class DirectModel:
    """The MILP as arrays, ready for ``highspy``."""

    A: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integrality: np.ndarray  # 0 continuous, 1 integer (binaries are integers in [0, 1])
    c: np.ndarray
    sense: str
    n_binary: int


class _Rows:
    """Accumulates COO triplets and row bounds."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.m = 0

    def add(self, r: np.ndarray, c: np.ndarray, v: np.ndarray, n: int, lo: float | np.ndarray,
            hi: float | np.ndarray) -> None:
        if n == 0:
            return
        self.r.append(np.asarray(r, dtype=np.int64) + self.m)
        self.c.append(np.asarray(c, dtype=np.int64))
        self.v.append(np.asarray(v, dtype=float))
        self.lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n,)))
        self.hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)))
        self.m += n


def build_direct(case: Case, sup: Superstructure, *, objective: str | None = None,
                 mode: str | None = None, formulation: str = "tight") -> DirectModel:
    """Write the plant MILP of ``case`` as arrays from the superstructure tables.

    Parameters
    ----------
    case : Case
    sup : Superstructure
        ``recyclopt.optimize.superstructure.build(case)``.
    objective, mode : str, optional
        Override the case's objective and mode.
    formulation : str
        ``tight`` (recyclopt's default), ``tight_bounds``, ``tight_cuts``,
        ``tight_cuts_yearly`` or ``naive``, as
        documented in :func:`recyclopt.optimize.model.build_model`: tight capacity bounds
        (each feedstock counted once per option at its largest load, busiest year) and capex
        segments clipped to them; ``tight_cuts`` adds one ``feed_to_build`` row per
        (feedstock, costly option), ``tight_cuts_yearly`` one per (feedstock, costly
        option, year); ``tight`` is ``tight_cuts_yearly`` up to
        ``CUTS_MAX_FLOW_COLUMNS`` flow columns (K x Y), else ``tight_bounds``.

    Returns
    -------
    DirectModel
    """
    objective = objective or case.objective
    mode = mode or case.mode
    years = case.years.astype(int)
    Y = len(years)
    opts = case.options
    n_o = len(opts)
    F = len(case.feedstocks)
    pairs = sup.pairs
    K = len(pairs)
    fpos = {f.name: i for i, f in enumerate(case.feedstocks)}
    fk = np.fromiter((fpos[n] for n in pairs["feedstock"].tolist()), dtype=np.int64, count=K)
    avail = np.stack([f.availability.to_numpy(float) if len(f.availability) == Y and
                      (f.availability.index.to_numpy() == years).all() else
                      f.availability.reindex(years).to_numpy(float) for f in case.feedstocks])
    opos = {o.name: i for i, o in enumerate(opts)}
    lp = sup.load["pair"].to_numpy(np.int64)
    lo_ = np.fromiter((opos[n] for n in sup.load["option"].tolist()), dtype=np.int64,
                      count=len(lp))
    lv = sup.load["basis_per_unit"].to_numpy(float)

    # ---- column layout
    nx = K * Y
    if formulation not in ("tight", "tight_bounds", "tight_cuts", "tight_cuts_yearly",
                           "naive"):
        raise ValueError(f"unknown formulation {formulation!r}")
    tight = formulation != "naive"
    if formulation == "tight":
        formulation = "tight_cuts_yearly" if nx <= CUTS_MAX_FLOW_COLUMNS else "tight_bounds"
    cuts = formulation in ("tight_cuts", "tight_cuts_yearly")
    if tight:
        # largest load of each (feedstock, option), then the busiest year's deliverable total
        fo = fk[lp] * n_o + lo_
        fo_u, fo_inv = np.unique(fo, return_inverse=True)
        fo_load = np.zeros(len(fo_u))
        np.maximum.at(fo_load, fo_inv, lv)
        fo_f, fo_o = fo_u // n_o, fo_u % n_o
        deliver = np.zeros((n_o, Y))
        for y in range(Y):
            deliver[:, y] = np.bincount(fo_o, weights=fo_load * avail[fo_f, y], minlength=n_o)
        deliver_peak = deliver.max(axis=1)
    peak = avail.max(axis=1)
    tmax = np.bincount(lo_, weights=lv * peak[fk[lp]], minlength=n_o)
    if tight:
        tmax = np.minimum(tmax, deliver_peak)
    # a plant is never smaller than its curve's first point (it may run below it); with the
    # tight bounds a curve whose cost falls somewhere is left unbounded
    size = tmax.copy()
    for i, o in enumerate(opts):
        if o.capex is not None:
            falls = bool((np.diff(np.asarray(o.capex.costs, float)) < 0).any())
            size[i] = np.inf if (tight and falls) else max(size[i], float(o.capex.points[0]))
    ub_cap = np.minimum(size, [o.max_capacity if o.max_capacity is not None else np.inf
                               for o in opts])
    ub_cap = np.minimum(ub_cap, [o.capex.points[-1] if o.capex is not None else np.inf
                                 for o in opts])
    # piecewise capex: segment k of a curve joins points k and k+1 (CapexCurve's segments)
    segs = []
    for i, o in enumerate(opts):
        if o.capex is not None:
            p = np.asarray(o.capex.points, dtype=float)
            q = np.asarray(o.capex.costs, dtype=float)
            slope = np.diff(q) / np.diff(p)
            segs.append((np.full(len(p) - 1, i), p[:-1], p[1:], q[:-1] - slope * p[:-1], slope))
    s_opt, s_lo, s_hi, s_int, s_slope = (
        (np.concatenate([t[j] for t in segs]) for j in range(5)) if segs else
        (np.zeros(0, dtype=np.int64), *(np.zeros(0) for _ in range(4))))
    S = len(s_opt)
    z_hi = np.ones(S)
    if tight and S:
        top = ub_cap[s_opt]
        z_hi[s_lo > top] = 0.0  # the segment starts above what can arrive
        s_hi = np.maximum(s_lo, np.minimum(s_hi, top))
    eq = np.array([i for i, o in enumerate(opts) if o.equipment is not None], dtype=np.int64)
    E = len(eq)
    staffed = any(o.operators > 0 or (o.equipment is not None and
                                      o.equipment.operators_per_unit > 0) for o in opts)
    path_ids = np.unique(pairs["path_index"].to_numpy())
    n_use = len(path_ids) if mode == "single_path" else 0
    off_cap = nx
    off_build = off_cap + n_o
    off_z = off_build + n_o
    off_w = off_z + S
    off_u = off_w + S
    off_staff = off_u + E
    off_use = off_staff + int(staffed)
    n = off_use + n_use

    col_lo = np.zeros(n)
    col_hi = np.full(n, np.inf)
    integ = np.zeros(n, dtype=np.uint8)
    col_hi[:nx] = avail[fk].reshape(-1)
    col_hi[off_cap:off_build] = ub_cap
    col_hi[off_build:off_z] = 1.0
    col_hi[off_z:off_w] = z_hi
    col_hi[off_w:off_u] = s_hi
    if E:
        col_hi[off_u:off_staff] = [opts[i].equipment.max_units if opts[i].equipment.max_units
                                   is not None else np.ceil(tmax[i] / opts[i].equipment
                                                            .capacity_per_unit) for i in eq]
    col_hi[off_use:] = 1.0
    integ[off_build:off_w] = 1
    integ[off_u:off_use] = 1
    integ[off_use:] = 1

    def xcol(k: np.ndarray, y: np.ndarray) -> np.ndarray:
        return k * Y + y

    rows = _Rows()
    yr = np.arange(Y)
    kk = np.repeat(np.arange(K), Y)
    yy = np.tile(yr, K)
    # supply
    rows.add(fk[kk] * Y + yy, xcol(kk, yy), np.ones(nx), F * Y, -np.inf, avail.reshape(-1))
    # capacity (every option and year) and equipment
    lr = np.repeat(np.arange(len(lp)), Y)
    ly = np.tile(yr, len(lp))
    rows.add(np.r_[lo_[lr] * Y + ly, np.arange(n_o * Y)],
             np.r_[xcol(lp[lr], ly), off_cap + np.repeat(np.arange(n_o), Y)],
             np.r_[lv[lr], -np.ones(n_o * Y)], n_o * Y, -np.inf, 0.0)
    big = np.maximum(np.where(np.isfinite(ub_cap), ub_cap, tmax), 1.0)
    ar = np.arange(n_o)
    rows.add(np.r_[ar, ar], np.r_[off_cap + ar, off_build + ar], np.r_[np.ones(n_o), -big], n_o,
             -np.inf, 0.0)
    if cuts:
        costly = np.array([o.capex is not None or o.opex_usd_per_yr > 0 or o.operators > 0
                           for o in opts])
        keep = np.flatnonzero(costly[fo_o])
        rid = np.full(len(fo_u), -1)
        rid[keep] = np.arange(len(keep))
        ent = np.flatnonzero(rid[fo_inv] >= 0)  # option-load entries into a costly option
        er = np.repeat(ent, Y)
        ey = np.tile(yr, len(ent))
        if formulation == "tight_cuts":  # one row per (feedstock, option): the horizon
            total = avail[fo_f[keep]].sum(axis=1) * fo_load[keep]
            rows.add(np.r_[rid[fo_inv[er]], np.arange(len(keep))],
                     np.r_[xcol(lp[er], ey), off_build + fo_o[keep]], np.r_[lv[er], -total],
                     len(keep), -np.inf, 0.0)
        else:  # one row per (feedstock, option, year): row = rid * Y + year
            kr = np.repeat(keep, Y)
            kyr = np.tile(yr, len(keep))
            rows.add(np.r_[rid[fo_inv[er]] * Y + ey, np.arange(len(keep) * Y)],
                     np.r_[xcol(lp[er], ey), off_build + fo_o[kr]],
                     np.r_[lv[er], -(avail[fo_f[kr], kyr] * fo_load[kr])],
                     len(keep) * Y, -np.inf, 0.0)
    if S:
        curve = np.unique(s_opt)
        cp = np.full(n_o, -1)
        cp[curve] = np.arange(len(curve))
        nc = len(curve)
        rows.add(np.r_[np.arange(nc), cp[s_opt]], np.r_[off_cap + curve, off_w + np.arange(S)],
                 np.r_[np.ones(nc), -np.ones(S)], nc, 0.0, 0.0)
        rows.add(np.r_[cp[s_opt], np.arange(nc)], np.r_[off_z + np.arange(S), off_build + curve],
                 np.r_[np.ones(S), -np.ones(nc)], nc, 0.0, 0.0)
        sa = np.arange(S)
        rows.add(np.r_[sa, sa], np.r_[off_w + sa, off_z + sa], np.r_[np.ones(S), -s_hi], S,
                 -np.inf, 0.0)
        rows.add(np.r_[sa, sa], np.r_[off_w + sa, off_z + sa], np.r_[np.ones(S), -s_lo], S, 0.0,
                 np.inf)
    if E:
        # equipment: per-year rows for options with a capex curve; one row
        # cap <= per unit x units for the others
        curve_eq = np.array([opts[i].capex is not None for i in eq])
        cpu = np.array([opts[i].equipment.capacity_per_unit for i in eq])
        yq = np.flatnonzero(curve_eq)
        if len(yq):
            ep = np.full(n_o, -1)
            ep[eq[yq]] = np.arange(len(yq))
            le = np.flatnonzero(ep[lo_] >= 0)
            er = np.repeat(le, Y)
            ey = np.tile(yr, len(le))
            rows.add(np.r_[ep[lo_[er]] * Y + ey, np.arange(len(yq) * Y)],
                     np.r_[xcol(lp[er], ey), off_u + np.repeat(yq, Y)],
                     np.r_[lv[er], -np.repeat(cpu[yq], Y)], len(yq) * Y, -np.inf, 0.0)
        pq = np.flatnonzero(~curve_eq)
        if len(pq):
            ap = np.arange(len(pq))
            rows.add(np.r_[ap, ap], np.r_[off_cap + eq[pq], off_u + pq],
                     np.r_[np.ones(len(pq)), -cpu[pq]], len(pq), -np.inf, 0.0)
    if staffed:
        ops = np.array([o.operators for o in opts])
        opu = np.array([opts[i].equipment.operators_per_unit for i in eq]) if E else np.zeros(0)
        cols = np.r_[off_build + np.flatnonzero(ops), off_u + np.flatnonzero(opu), off_staff]
        vals = np.r_[ops[ops != 0], opu[opu != 0], -1.0]
        rows.add(np.zeros(len(cols), dtype=np.int64), cols, vals, 1, -np.inf, 0.0)

    # product and policy rows on yearly totals
    R = sup.recovered.to_numpy(float) if sup.recovered.columns.size else np.zeros((K, 0))
    forms = [c[0] for c in sup.recovered.columns] if R.shape[1] else []
    elems = [c[1] for c in sup.recovered.columns] if R.shape[1] else []

    def yearly(coef: np.ndarray, lo: float, hi: float) -> None:
        nz = np.flatnonzero(coef)
        if not len(nz):
            if lo > 0:  # nothing can meet it: an explicit infeasible row
                rows.add(yr, yr, np.zeros(Y), Y, lo, hi)
            return
        r = np.tile(yr, len(nz))
        rows.add(r, xcol(np.repeat(nz, Y), r), np.repeat(coef[nz], Y), Y, lo, hi)

    def rsum(mask: list[bool]) -> np.ndarray:
        m = np.asarray(mask, dtype=bool)
        return R[:, m].sum(axis=1) if m.any() else np.zeros(K)

    for pname, prod in case.products.items():
        if prod.max_kg_per_yr is not None:
            yearly(rsum([f == pname for f in forms]), -np.inf, prod.max_kg_per_yr)
    pol = case.policy
    for e, mn in pol.min_recovered_kg_per_yr.items():
        yearly(rsum([x == e for x in elems]), mn, np.inf)
    if pol.recycled_content:
        rc = pol.recycled_content
        els = rc.get("elements") or ["Nd", "Pr"]
        yearly(rsum([x in els for x in elems]),
               float(rc["share"]) * float(rc["demand_kg_per_yr"]), np.inf)
    co2 = pairs["co2_kg_per_unit"].to_numpy(float)
    if pol.max_co2_t_per_yr is not None:
        yearly(co2 / 1000.0, -np.inf, pol.max_co2_t_per_yr)
    rec_tot = rsum([x in case.elements for x in elems])
    if pol.max_feedstock_share is not None:
        sh = pol.max_feedstock_share
        rr, cc, vv = [], [], []
        for fi in range(F):
            coef = rec_tot * ((fk == fi) - sh)
            nz = np.flatnonzero(coef)
            rr.append(fi * Y + np.tile(yr, len(nz)))
            cc.append(xcol(np.repeat(nz, Y), np.tile(yr, len(nz))))
            vv.append(np.repeat(coef[nz], Y))
        rows.add(np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), F * Y, -np.inf, 0.0)
    if n_use:
        pp = np.searchsorted(path_ids, pairs["path_index"].to_numpy())
        r = np.arange(nx)
        rows.add(np.r_[r, r], np.r_[r, off_use + pp[kk]], np.r_[np.ones(nx), -col_hi[:nx]], nx,
                 -np.inf, 0.0)
        rows.add(np.zeros(n_use, dtype=np.int64), off_use + np.arange(n_use), np.ones(n_use), 1,
                 -np.inf, 1.0)

    # ---- objective
    rev = pairs["revenue_usd_per_unit"].to_numpy(float)
    var = pairs["var_cost_usd_per_unit"].to_numpy(float)
    fixed = np.zeros(n)
    fixed[off_build:off_z] = [o.opex_usd_per_yr for o in opts]
    bec = np.zeros(n)
    direct = np.zeros(n)
    lang = np.array([o.capex_lang for o in opts], dtype=bool)
    if S:
        tgt = np.where(lang[s_opt], 1, 0)
        for arr, flag in ((bec, 1), (direct, 0)):
            m = tgt == flag
            arr[off_z + np.flatnonzero(m)] = s_int[m]
            arr[off_w + np.flatnonzero(m)] = s_slope[m]
    if E:
        direct[off_u:off_staff] = [opts[i].equipment.cost_usd for i in eq]
        fixed[off_u:off_staff] = [opts[i].equipment.yearly_cost_usd for i in eq]
    labour = np.zeros(n)
    if staffed:
        labour[off_staff] = case.labour_usd_per_hour * case.hours_per_operator_yr
    c = np.zeros(n)
    sense = "max"
    if objective == "npv":
        w = npv_weights(case.costing, case.horizon)
        c[:nx] = (np.outer(rev, w.w_revenue) - np.outer(var, w.w_variable_opex)).reshape(-1)
        c -= (w.w_fixed_opex.sum() * fixed + w.w_labour.sum() * labour + w.w_bec * bec
              + w.w_direct_tpc * direct)
    elif objective == "annual_profit":
        f = case.costing.factors()
        crf = 1.0 / annuity_factor(f.discount_rate, Y) if f.discount_rate > 0 else 1.0 / Y
        c[:nx] = np.repeat((rev - var) / Y, Y)
        c -= fixed + labour + crf * (f.lang_factor * bec + direct)
    elif objective == "recovered_value":
        c[:nx] = np.repeat(rev, Y)
    elif objective == "recovered_mass":
        c[:nx] = np.repeat(rec_tot, Y)
    elif objective == "min_co2":
        c[:nx] = np.repeat(co2 / 1000.0, Y)
        sense = "min"
    else:
        raise ValueError(f"unknown objective {objective!r}")

    A = sp.csc_matrix((np.concatenate(rows.v), (np.concatenate(rows.r), np.concatenate(rows.c))),
                      shape=(rows.m, n))
    A.sum_duplicates()
    n_bin = int(((integ == 1) & (col_lo == 0) & (col_hi == 1)).sum())
    return DirectModel(A, np.concatenate(rows.lo), np.concatenate(rows.hi), col_lo, col_hi, integ,
                       c, sense, n_bin)


def to_highs(dm: DirectModel, *, time_limit: float | None = None, mip_gap: float = 1e-6,
             verbose: bool = False):
    """Hand the arrays to a new ``highspy.Highs`` (the handoff being timed).

    Parameters
    ----------
    dm : DirectModel
    time_limit : float, optional
        Seconds.
    mip_gap : float
        Relative MIP gap.
    verbose : bool
        Show the HiGHS log.

    Returns
    -------
    highspy.Highs
        With the model passed, ready to ``run()``.
    """
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(verbose))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    A = dm.A
    sense = highspy.ObjSense.kMaximize if dm.sense == "max" else highspy.ObjSense.kMinimize
    h.passModel(A.shape[1], A.shape[0], A.nnz, int(highspy.MatrixFormat.kColwise), int(sense),
                0.0, dm.c, dm.col_lo, dm.col_hi, dm.row_lo, dm.row_hi,
                A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data,
                dm.integrality.astype(np.int32))
    return h
