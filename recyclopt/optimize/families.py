"""The plant model's variables and constraint families, one function per family.

Each ``define_*`` function writes one family into a
:class:`~recyclopt.optimize.matrix.MatrixBuilder` from the arrays of
:class:`~recyclopt.optimize.model_data.ModelData`; its docstring gives the formula and the
symbols. :func:`recyclopt.optimize.model.build_model` calls them in a fixed order, which is
the order of the model's columns and rows (the sweeps, the diagnosis and the heuristic read
groups by name and position). Shared symbols:

=============  ===========================================================================
``x[k, y]``    end-of-life units of pair k (feedstock f(k) on a path) processed in year y
``cap[o]``     capacity of option o on its basis (units or kg per year)
``build[o]``   1 if option o is built
``load[k,o]``  basis units option o sees per unit of pair k (the superstructure's loads)
``avail[f,y]`` units of feedstock f available in year y
=============  ===========================================================================

Market and policy limits on the recovered products are in :mod:`recyclopt.optimize.limits`;
the objective and the epsilon constraints in :mod:`recyclopt.optimize.objective`.
"""

from __future__ import annotations

import numpy as np

from .index import OptionFeeds, PairYearLabels, YearIndex
from .matrix import MatrixBuilder
from .model_data import ModelData
from .stockpile import stock_supply_entries


def define_variables(mb: MatrixBuilder, d: ModelData, mode: str) -> None:
    """The variable blocks, in column order.

    ==================  ==================================================================
    ``x[k, y]``         flow, ``0 <= x <= avail[f(k), y]``
    ``cap[o]``          capacity, ``0 <= cap <= cap_ub[o]``
    ``build[o]``        binary
    ``seg_z[s]``        binary: segment s of a capex curve chosen (only with curves)
    ``seg_w[s]``        capacity in segment s, ``0 <= w <= hi_s``
    ``units[o]``        integer equipment count, ``<= max_units`` or ``ceil(tmax / per unit)``
    ``staff``           integer plant headcount (only if some option needs operators)
    ``use[p]``          binary: path p is the plant's single path (``single_path`` mode)
    ==================  ==================================================================
    """
    define_flow_variables(mb, d)
    define_plant_variables(mb, d)
    define_path_variables(mb, d, mode)


def define_flow_variables(mb: MatrixBuilder, d: ModelData) -> None:
    """The flow block ``x[k, y]``, ``0 <= x <= x_avail[f(k), y]`` (the availability, plus
    the stockpile cap of a feedstock with one)."""
    # k-major: col = k*Y + y, ub = x_avail[f(k), y] (one value per feedstock and year)
    mb.add_block("x", d.K * d.idx.Y, 0.0, labels=PairYearLabels(d.K, d.idx.years),
                 ub_from=(d.x_avail, d.idx.cells(d.f_idx)))


def define_plant_variables(mb: MatrixBuilder, d: ModelData) -> None:
    """The single-build plant's blocks: ``cap``, ``build``, ``seg_z``, ``seg_w``, ``units``,
    ``staff`` (see :func:`define_variables`)."""
    options = d.options
    names = [o.name for o in options]
    mb.add_block("cap", d.n_opt, 0.0, d.cap_ub, labels=names)
    mb.add_block("build", d.n_opt, 0.0, 1.0, "B", labels=names)
    S = len(d.seg["o"])
    if S:
        mb.add_block("seg_z", S, 0.0, d.z_ub, "B",
                     labels=list(zip(d.seg["o"].tolist(), range(S), strict=True)))
        mb.add_block("seg_w", S, 0.0, d.seg["hi"], labels=list(range(S)))
    if d.eq_opts:
        eqs = [options[i].equipment for i in d.eq_opts]
        ub_units = np.array([e.max_units if e.max_units is not None else
                             np.ceil(d.tmax[i] / e.capacity_per_unit)
                             for i, e in zip(d.eq_opts, eqs, strict=True)], dtype=float)
        mb.add_block("units", len(d.eq_opts), 0.0, ub_units, "I",
                     labels=[options[i].name for i in d.eq_opts])
    if d.staffed:
        mb.add_block("staff", 1, 0.0, np.inf, "I", labels=["staff"])


def define_path_variables(mb: MatrixBuilder, d: ModelData, mode: str) -> None:
    """``use[p]``, binary: path p is the plant's single path (``single_path`` mode only)."""
    if mode == "single_path":
        mb.add_block("use", len(d.paths), 0.0, 1.0, "B",
                     labels=["/".join(d.sup.paths[p]) for p in d.paths])


def define_supply(mb: MatrixBuilder, d: ModelData) -> None:
    """Supply and feed obligations (group ``supply``), one row per feedstock f and year y::

        supply_lo[f, y]  <=  sum_{k of f} x[k, y]  <=  avail[f, y]

    With a stockpile (:mod:`recyclopt.optimize.stockpile`) the middle term is what is
    collected, ``sum_k x[k, y] + s[f, y] - s[f, y-1]``.
    ``supply_lo`` is -inf for ``supply: optional`` (availability is a ceiling),
    ``avail`` for ``supply: all`` (every collected unit processed) and
    ``min_share[f, y] * avail`` for a minimum share. Kept as rows, not as bounds of ``x``, so
    the infeasibility diagnosis and the sweeps see and change them.
    """
    idx = d.idx
    xcol = mb.col("x", idx.cells(np.arange(d.K)))
    rows = idx.each(d.f_idx) * idx.Y + idx.year_of(d.K)
    vals = np.ones(d.K * idx.Y)
    # an obligation on a feedstock no path takes: explicit zeros keep its rows in the
    # compiled model, so the infeasibility diagnosis names them
    stuck = np.setdiff1d(np.flatnonzero((d.supply_lo > 0).any(axis=1)), d.f_idx)
    if len(stuck):
        rows = np.concatenate((rows, idx.cells(stuck)))
        xcol = np.concatenate((xcol, mb.col("x", idx.year_of(len(stuck)))))
        vals = np.concatenate((vals, np.zeros(len(stuck) * idx.Y)))
    if len(d.stock_f):  # collected = processed + stored - taken from store
        sr, sc, sv = stock_supply_entries(mb, d)
        rows, xcol, vals = (np.concatenate(t) for t in ((rows, sr), (xcol, sc), (vals, sv)))
    mb.add_group("supply", rows, xcol, vals, d.F * idx.Y, d.supply_lo.reshape(-1),
                 d.avail.reshape(-1), labels=idx.labels(d.feeds))


def define_capacity(mb: MatrixBuilder, d: ModelData) -> None:
    """Capacity (group ``capacity``), one row per option o and year y::

        sum_k load[k, o] x[k, y]  <=  cap[o]

    The plant is sized for its busiest year.
    """
    idx, fo, n = d.idx, d.fo, d.n_opt
    rows = np.concatenate([idx.cells(fo.lo), np.arange(n * idx.Y)])
    cols = np.concatenate([mb.col("x", idx.cells(fo.lp)), mb.col("cap", idx.each(np.arange(n)))])
    vals = np.concatenate([idx.each(fo.lv), -np.ones(n * idx.Y)])
    mb.add_group("capacity", rows, cols, vals, n * idx.Y, -np.inf, 0.0,
                 labels=idx.labels([o.name for o in d.options]))


def define_build_switch(mb: MatrixBuilder, d: ModelData) -> None:
    """Build switch (group ``build_switch``), one row per option o::

        cap[o]  <=  M_o build[o],    M_o = max(1, cap_ub[o])   (tmax[o] if cap_ub is inf)

    An option has capacity only if built; ``M_o`` is the tight capacity bound, so the LP
    relaxation's fraction of a plant is as large as it can be.
    """
    n = d.n_opt
    big = np.maximum(np.where(np.isfinite(d.cap_ub), d.cap_ub, d.tmax), 1.0)
    ar = np.arange(n)
    mb.add_group("build_switch", np.concatenate((ar, ar)),
                 np.concatenate((mb.col("cap", ar), mb.col("build", ar))),
                 np.concatenate((np.ones(n), -big)), n, -np.inf, 0.0,
                 labels=[o.name for o in d.options])


def define_feed_to_build(mb: MatrixBuilder, idx: YearIndex, fo: OptionFeeds, avail: np.ndarray,
                         options: list, feeds: list[str], yearly: bool = False) -> None:
    """Valid inequalities linking each feedstock's flow through a costly option to its build
    (group ``feed_to_build``).

    For a feedstock f and an option o with a fixed cost (a capex curve, fixed opex or
    operators), over the horizon::

        sum_y sum_{k of f through o} load[k, o] x[k, y]  <=  U_fo build[o],
        U_fo = load_fo * sum_y avail[f, y]

    or, with ``yearly``, one row per year y::

        sum_{k of f through o} load[k, o] x[k, y]  <=  load_fo * avail[f, y] * build[o]

    with ``load_fo`` the largest load of f through o (the horizon row is the sum of the yearly
    ones). They hold for every integer plan (no build, no flow; built, the supply rows bound
    the flow), so the optimum is unchanged; in the LP relaxation they stop a fraction of a
    plant from taking a feedstock's whole supply, which the aggregate big-M
    ``cap <= M build`` allows. This is the disaggregated form of facility-location models.
    """
    Y = idx.Y
    costly = np.array([o.has_fixed_cost for o in options])
    keep = costly[fo.o]
    if not keep.any():
        return
    row_of = np.full(len(fo.o), -1)
    row_of[keep] = np.arange(int(keep.sum()))
    n_fo = int(keep.sum())
    ent = np.flatnonzero(keep[fo.of])  # option-load entries feeding a kept row
    kf = np.flatnonzero(keep)
    cols = mb.col("x", idx.cells(fo.lp[ent]))
    vals = idx.each(fo.lv[ent])
    labels = [(feeds[f], options[o].name) for f, o in
              zip(fo.f[kf].tolist(), fo.o[kf].tolist(), strict=True)]
    if yearly:  # row (fo, y) = fo * Y + y
        r = idx.cells(row_of[fo.of[ent]])
        U = (fo.load[kf][:, None] * avail[fo.f[kf]]).reshape(-1)
        n_rows = n_fo * Y
        bcols = mb.col("build", idx.each(fo.o[kf]))
        labels = [(f, o, y) for f, o in labels for y in idx.years]
    else:
        r = idx.each(row_of[fo.of[ent]])
        U = fo.load[kf] * avail[fo.f[kf]].sum(axis=1)
        n_rows = n_fo
        bcols = mb.col("build", fo.o[kf])
    mb.add_group("feed_to_build", np.concatenate((r, np.arange(n_rows))),
                 np.concatenate((cols, bcols)), np.concatenate((vals, -U)), n_rows, -np.inf,
                 0.0, labels=labels)


def define_piecewise_capex(mb: MatrixBuilder, d: ModelData) -> None:
    """Piecewise capex, multiple-choice form (HiGHS has no SOS), for options o with a curve
    and their segments s = [lo_s, hi_s] (cost ``intercept_s + slope_s w_s`` in the
    objective)::

        cap[o] = sum_{s of o} w[s]                    (group capex_capacity)
        sum_{s of o} z[s] = build[o]                  (group capex_segment_choice)
        w[s] <= hi_s z[s]                             (group capex_segment_upper)
        w[s] >= lo_s z[s]                             (group capex_segment_lower)

    A built plant is never smaller than its curve's first point ``lo``.
    """
    sg = d.seg
    S = len(sg["o"])
    if not S:
        return
    so = sg["o"]
    curve_opts = np.unique(so)
    pos = {o: j for j, o in enumerate(curve_opts)}
    names = [d.options[o].name for o in curve_opts]
    r = np.concatenate(([pos[o] for o in curve_opts], [pos[o] for o in so]))
    cidx = np.concatenate((mb.col("cap", curve_opts), mb.col("seg_w", np.arange(S))))
    v = np.concatenate((np.ones(len(curve_opts)), -np.ones(S)))
    mb.add_group("capex_capacity", r, cidx, v, len(curve_opts), 0.0, 0.0, labels=names)
    r = np.concatenate(([pos[o] for o in so], [pos[o] for o in curve_opts]))
    cidx = np.concatenate((mb.col("seg_z", np.arange(S)), mb.col("build", curve_opts)))
    v = np.concatenate((np.ones(S), -np.ones(len(curve_opts))))
    mb.add_group("capex_segment_choice", r, cidx, v, len(curve_opts), 0.0, 0.0, labels=names)
    ar = np.arange(S)
    rows = np.concatenate((ar, ar))
    cols = np.concatenate((mb.col("seg_w", ar), mb.col("seg_z", ar)))
    mb.add_group("capex_segment_upper", rows, cols, np.concatenate((np.ones(S), -sg["hi"])),
                 S, -np.inf, 0.0)
    mb.add_group("capex_segment_lower", rows, cols, np.concatenate((np.ones(S), -sg["lo"])),
                 S, 0.0, np.inf)


def define_equipment(mb: MatrixBuilder, d: ModelData) -> None:
    """Discrete equipment: throughput within ``units[o]`` machines of ``cpu_o`` each.

    Options with a capex curve, one row per year (group ``equipment``)::

        sum_k load[k, o] x[k, y]  <=  cpu_o units[o]

    options without one, one row (group ``equipment_peak``)::

        cap[o]  <=  cpu_o units[o]

    Without a curve nothing holds cap[o] above its peak load (no minimum plant size), so the
    one row says the same as the yearly ones; with a curve cap[o] may exceed the peak (a
    plant built at its minimum size) and the equipment follows the throughput.
    """
    if not d.eq_opts:
        return
    options, idx, fo = d.options, d.idx, d.fo
    cpu_of = {o: options[o].equipment.capacity_per_unit for o in d.eq_opts}
    upos = {o: j for j, o in enumerate(d.eq_opts)}
    yearly = [o for o in d.eq_opts if options[o].capex is not None]
    peak = [o for o in d.eq_opts if options[o].capex is None]
    if yearly:
        epos = {o: j for j, o in enumerate(yearly)}
        sel = np.isin(fo.lo, yearly)
        lp_e, lo_e, lv_e = fo.lp[sel], fo.lo[sel], fo.lv[sel]
        r = idx.cells(np.array([epos[o] for o in lo_e.tolist()], dtype=np.int64))
        cidx = mb.col("x", idx.cells(lp_e))
        cpu = np.array([cpu_of[o] for o in yearly])
        r2 = np.arange(len(yearly) * idx.Y)
        c2 = mb.col("units", idx.each([upos[o] for o in yearly]))
        mb.add_group("equipment", np.concatenate((r, r2)), np.concatenate((cidx, c2)),
                     np.concatenate((idx.each(lv_e), -idx.each(cpu))),
                     len(yearly) * idx.Y, -np.inf, 0.0,
                     labels=idx.labels([options[o].name for o in yearly]))
    if peak:
        ar = np.arange(len(peak))
        mb.add_group("equipment_peak", np.concatenate((ar, ar)),
                     np.concatenate((mb.col("cap", np.array(peak)),
                                     mb.col("units", np.array([upos[o] for o in peak])))),
                     np.concatenate((np.ones(len(peak)), -np.array([cpu_of[o] for o in peak]))),
                     len(peak), -np.inf, 0.0, labels=[options[o].name for o in peak])


def define_headcount(mb: MatrixBuilder, d: ModelData) -> None:
    """Headcount (group ``headcount``, one row)::

        sum_o ops_o build[o] + sum_o opu_o units[o]  <=  staff

    ``ops_o`` operators of option o when built, ``opu_o`` per equipment unit; ``staff`` is an
    integer, so the plant pays whole people.
    """
    if not d.staffed:
        return
    ops = np.array([o.operators for o in d.options])
    nz = np.flatnonzero(ops)
    cols = list(mb.col("build", nz))
    vals = list(ops[nz])
    if d.eq_opts:
        opu = np.array([d.options[o].equipment.operators_per_unit for o in d.eq_opts])
        nz2 = np.flatnonzero(opu)
        cols += list(mb.col("units", nz2))
        vals += list(opu[nz2])
    cols.append(mb.col("staff", 0))
    vals.append(-1.0)
    mb.add_group("headcount", np.zeros(len(cols), dtype=int), np.array(cols), np.array(vals),
                 1, -np.inf, 0.0, labels=["plant"])


def define_single_path(mb: MatrixBuilder, d: ModelData) -> None:
    """Single-path mode: every flow on the one chosen path p(k)::

        x[k, y]  <=  avail[f(k), y] use[p(k)]     (group single_path_link)
        sum_p use[p]  <=  1                       (group single_path_choice)
    """
    idx, K = d.idx, d.K
    pidx = np.array([d.p_pos[p] for p in d.sup.column("pairs", "path_index").tolist()])
    x_ub = d.x_avail[d.f_idx, :].reshape(-1)
    r = np.arange(K * idx.Y)
    xcol = mb.col("x", idx.cells(np.arange(K)))
    mb.add_group("single_path_link", np.concatenate((r, r)),
                 np.concatenate((xcol, mb.col("use", pidx[idx.each(np.arange(K))]))),
                 np.concatenate((np.ones(K * idx.Y), -np.maximum(x_ub, 0.0))), K * idx.Y,
                 -np.inf, 0.0)
    n_p = len(d.paths)
    mb.add_group("single_path_choice", np.zeros(n_p, dtype=int),
                 mb.col("use", np.arange(n_p)), np.ones(n_p), 1, -np.inf, 1.0)
