"""The time-phased plant (``planning: {mode: phased}``): capacity built in blocks over time.

An option may get a capacity block online in any build year ``t`` of the case's
``planning.build_years`` (each block a new plant on the option's capex curve, so it pays its
own economies of scale: "expand in year 5" against "build full size in year 1" is a real
trade-off); it may stand idle in a year (``planning.idle``); equipment units are bought in
the build years they are first needed. Everything stays linear: a block's capex is its
curve's segment intercepts and slopes times the NPV weight of a TPC dollar online from
``t`` (:func:`recyclopt.economics.capex_start_weights`, both costing conventions).

The single-build model (:mod:`recyclopt.optimize.families`) is the special case with one
build year, the first, and no idling: same rows in other names, same plans.

Symbols (``t`` a build position, ``y`` an operating year, ``t <= y``: online by year y):

==================  ======================================================================
``x[k, y]``         end-of-life units of pair k processed in year y
``thr[o, y]``       ``sum_k load[k, o] x[k, y]``: the throughput of option o in year y
``blk[o, t]``       capacity block of option o online from build year t (its basis per yr)
``bld[o, t]``       1 if that block is built
``cap[o]``          total capacity built, ``sum_t blk[o, t]``
``build[o]``        1 if any block of option o is built
``z[s, t]``         1 if block (o(s), t) lies on segment s of its capex curve
``w[s, t]``         the block's capacity in segment s
``act[o, y]``       1 if option o operates in year y (options with a fixed opex or operators)
``buy[e, t]``       equipment units of option e bought for build year t (integer)
``staff[y]``        headcount in year y (integer)
``M_o``             ``max(1, cap_ub[o])``: the single-build capacity bound, per block
``U_o``             ``max(1, tmax[o])``: the most option o can see in a year
==================  ======================================================================

Idling (``act = 0`` with capacity kept) saves the option's fixed opex
(``opex_usd_per_yr``) and its operators; equipment keeps its yearly cost and per-unit
operators while owned, and the capex-linked fixed opex of a convention (QGESS maintenance,
taxes and insurance on TPC) runs from a block's build year to the horizon end. With no
salvage value or decommissioning cost in the data, decommissioning (an option "retired",
DESIGN.md section 4) is idling to the horizon end.

In the terms of DESIGN.md section 4: capacity is "built in a year" (``bld[o, t]``),
"expanded in blocks" (further ``blk[o, t]``), "idled or retired" (``act[o, y] = 0``);
"feed stockpiles between years" are :mod:`recyclopt.optimize.stockpile`.
"""

from __future__ import annotations

import numpy as np

from .index import YearIndex
from .matrix import MatrixBuilder
from .model_data import ModelData


def _online(d: ModelData) -> np.ndarray:
    """``on[t, y]``: block position t is online in year y (``starts[t] <= y``)."""
    return d.starts[:, None] <= np.arange(d.idx.Y)[None, :]


def fixed_options(d: ModelData) -> list[int]:
    """Options with a yearly cost of operating (fixed opex or operators): they get ``act``."""
    return [i for i, o in enumerate(d.options) if o.opex_usd_per_yr > 0 or o.operators > 0]


def single_block_ub(d: ModelData) -> np.ndarray:
    """Upper bounds of ``bld[o, t]`` (n_opt x T): 0 for the later blocks of an option whose
    capacity costs nothing (no capex curve), unless it has fixed costs and may not idle.

    Such an option's first block can be as large as needed at no cost, so later ones add
    nothing; with idling its fixed costs follow ``act``, not the blocks. Without idling an
    option runs from its first block on, so its blocks keep their years.
    """
    free = np.array([o.capex is None and (d.case.planning.idle or not (
        o.opex_usd_per_yr > 0 or o.operators > 0)) for o in d.options])
    ub = np.ones((d.n_opt, len(d.starts)))
    ub[free, 1:] = 0.0
    return ub


def define_phased_variables(mb: MatrixBuilder, d: ModelData) -> None:
    """The phased plant's blocks, after ``x``, in column order.

    ==================  ==================================================================
    ``cap[o]``          ``0 <= cap <= n_blocks cap_ub[o]``
    ``build[o]``        binary
    ``blk[o, t]``       ``0 <= blk <= cap_ub[o]``
    ``bld[o, t]``       binary (:func:`single_block_ub`: one block for free capacity)
    ``bseg_z[s, t]``    binary (``<= z_ub[s]``);  ``bseg_w[s, t]``, ``0 <= w <= hi_s``
    ``act[o, y]``       binary, options with a fixed opex or operators
    ``buy[e, t]``       integer, ``<= max_units`` or ``ceil(tmax / per unit)``
    ``staff[y]``        integer (only if some option needs operators)
    ==================  ==================================================================
    """
    T, n, Y = len(d.starts), d.n_opt, d.idx.Y
    tix = YearIndex(d.case.years[d.starts])
    mx = d.case.planning.max_expansions
    n_blocks = T if mx is None else min(T, mx + 1)
    names = [o.name for o in d.options]
    mb.add_block("cap", n, 0.0, d.cap_ub * n_blocks, labels=names)
    mb.add_block("build", n, 0.0, 1.0, "B", labels=names)
    mb.add_block("blk", n * T, 0.0, tix.each(d.cap_ub), labels=tix.labels(names))
    mb.add_block("bld", n * T, 0.0, single_block_ub(d).reshape(-1), "B",
                 labels=tix.labels(names))
    S = len(d.seg["o"])
    if S:
        mb.add_block("bseg_z", S * T, 0.0, tix.each(d.z_ub), "B",
                     labels=tix.labels(list(range(S))))
        mb.add_block("bseg_w", S * T, 0.0, tix.each(d.seg["hi"]),
                     labels=tix.labels(list(range(S))))
    fx = fixed_options(d)
    if fx:
        mb.add_block("act", len(fx) * Y, 0.0, 1.0, "B",
                     labels=d.idx.labels([names[i] for i in fx]))
    if d.eq_opts:
        eqs = [d.options[i].equipment for i in d.eq_opts]
        ub = np.array([e.max_units if e.max_units is not None else
                       np.ceil(d.tmax[i] / e.capacity_per_unit)
                       for i, e in zip(d.eq_opts, eqs, strict=True)], dtype=float)
        mb.add_block("buy", len(d.eq_opts) * T, 0.0, tix.each(ub), "I",
                     labels=tix.labels([names[i] for i in d.eq_opts]))
    if d.staffed:
        mb.add_block("staff", Y, 0.0, np.inf, "I", labels=d.idx.labels(["staff"]))


def _throughput(mb: MatrixBuilder, d: ModelData, opts: list[int]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries of ``thr[o, y]`` for the options ``opts``: rows ``j * Y + y`` (j the option's
    position in ``opts``), columns and values."""
    idx, fo = d.idx, d.fo
    pos = np.full(d.n_opt, -1)
    pos[opts] = np.arange(len(opts))
    sel = pos[fo.lo] >= 0
    return (idx.cells(pos[fo.lo[sel]]), mb.col("x", idx.cells(fo.lp[sel])),
            idx.each(fo.lv[sel]))


def _cumulative(mb: MatrixBuilder, d: ModelData, block: str, items: np.ndarray,
                coef: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries of ``-coef[j] sum_{t <= y} block[items[j], t]`` on rows ``j * Y + y``."""
    T = len(d.starts)
    tt, yy = np.nonzero(_online(d))
    j = np.repeat(np.arange(len(items)), len(tt))
    rows = j * d.idx.Y + np.tile(yy, len(items))
    cols = mb.col(block, np.repeat(np.asarray(items) * T, len(tt)) + np.tile(tt, len(items)))
    return rows, cols, -np.repeat(np.asarray(coef, dtype=float), len(tt))


def define_phased_capacity(mb: MatrixBuilder, d: ModelData) -> None:
    """Capacity online (group ``phased_capacity``, per option o and year y), total
    capacity, block switches and the number of blocks::

        thr[o, y]  <=  sum_{t <= y} blk[o, t]                 (phased_capacity)
        cap[o]  =  sum_t blk[o, t]                            (phased_total)
        blk[o, t]  <=  M_o bld[o, t]                          (block_switch)
        bld[o, t]  <=  build[o]                               (block_built)
        build[o]  <=  sum_t bld[o, t]                         (built_has_block)
        sum_t bld[o, t]  <=  1 + max_expansions               (block_count)
    """
    idx, n, T = d.idx, d.n_opt, len(d.starts)
    ar = np.arange(n)
    names = [o.name for o in d.options]
    r1, c1, v1 = _throughput(mb, d, list(range(n)))
    r2, c2, v2 = _cumulative(mb, d, "blk", ar, np.ones(n))
    mb.add_group("phased_capacity", np.concatenate((r1, r2)), np.concatenate((c1, c2)),
                 np.concatenate((v1, v2)), n * idx.Y, -np.inf, 0.0, labels=idx.labels(names))
    rb = np.repeat(ar, T)
    mb.add_group("phased_total", np.concatenate((ar, rb)),
                 np.concatenate((mb.col("cap", ar), mb.col("blk", np.arange(n * T)))),
                 np.concatenate((np.ones(n), -np.ones(n * T))), n, 0.0, 0.0, labels=names)
    big = np.maximum(np.where(np.isfinite(d.cap_ub), d.cap_ub, d.tmax), 1.0)
    nb = np.arange(n * T)
    tix = YearIndex(d.case.years[d.starts])
    mb.add_group("block_switch", np.concatenate((nb, nb)),
                 np.concatenate((mb.col("blk", nb), mb.col("bld", nb))),
                 np.concatenate((np.ones(n * T), -np.repeat(big, T))), n * T, -np.inf, 0.0,
                 labels=tix.labels(names))
    mb.add_group("block_built", np.concatenate((nb, nb)),
                 np.concatenate((mb.col("bld", nb), mb.col("build", rb))),
                 np.concatenate((np.ones(n * T), -np.ones(n * T))), n * T, -np.inf, 0.0,
                 labels=tix.labels(names))
    mb.add_group("built_has_block", np.concatenate((ar, rb)),
                 np.concatenate((mb.col("build", ar), mb.col("bld", nb))),
                 np.concatenate((np.ones(n), -np.ones(n * T))), n, -np.inf, 0.0, labels=names)
    mx = d.case.planning.max_expansions
    if mx is not None and mx + 1 < T:
        mb.add_group("block_count", rb, mb.col("bld", nb), np.ones(n * T), n, -np.inf,
                     float(mx + 1), labels=names)


def define_block_capex(mb: MatrixBuilder, d: ModelData) -> None:
    """Piecewise capex per block (multiple choice, as
    :func:`~recyclopt.optimize.families.define_piecewise_capex`, for each build year t)::

        blk[o, t] = sum_{s of o} w[s, t]                 (block_capex_capacity)
        sum_{s of o} z[s, t] = bld[o, t]                 (block_capex_choice)
        lo_s z[s, t]  <=  w[s, t]  <=  hi_s z[s, t]      (block_capex_lower, _upper)

    Every block is at least its curve's first point and pays its own intercept.
    """
    sg, T = d.seg, len(d.starts)
    S = len(sg["o"])
    if not S:
        return
    curve = np.unique(sg["o"])
    pos = np.full(d.n_opt, -1)
    pos[curve] = np.arange(len(curve))
    tix = YearIndex(d.case.years[d.starts])
    nc = len(curve)
    rows_b = tix.cells(np.arange(nc))  # row (curve option j, t)
    rows_s = tix.cells(pos[sg["o"]])  # the row of segment cell (s, t)
    blk_cols = mb.col("blk", tix.cells(curve))
    labels = tix.labels([d.options[o].name for o in curve])
    sc = np.arange(S * T)
    mb.add_group("block_capex_capacity", np.concatenate((rows_b, rows_s)),
                 np.concatenate((blk_cols, mb.col("bseg_w", sc))),
                 np.concatenate((np.ones(nc * T), -np.ones(S * T))), nc * T, 0.0, 0.0,
                 labels=labels)
    mb.add_group("block_capex_choice", np.concatenate((rows_s, rows_b)),
                 np.concatenate((mb.col("bseg_z", sc), mb.col("bld", tix.cells(curve)))),
                 np.concatenate((np.ones(S * T), -np.ones(nc * T))), nc * T, 0.0, 0.0,
                 labels=labels)
    rows = np.concatenate((sc, sc))
    cols = np.concatenate((mb.col("bseg_w", sc), mb.col("bseg_z", sc)))
    mb.add_group("block_capex_upper", rows, cols,
                 np.concatenate((np.ones(S * T), -tix.each(sg["hi"]))), S * T, -np.inf, 0.0)
    mb.add_group("block_capex_lower", rows, cols,
                 np.concatenate((np.ones(S * T), -tix.each(sg["lo"]))), S * T, 0.0, np.inf)


def define_operation(mb: MatrixBuilder, d: ModelData) -> None:
    """Operating years of the options with a fixed opex or operators (``act``)::

        thr[o, y]  <=  U_o act[o, y]                          (operate)
        act[o, y]  <=  sum_{t <= y} bld[o, t]                 (operate_built)

    and, without idling (``planning.idle: false``), an option runs from its first block on::

        act[o, y-1] <= act[o, y];   bld[o, t] <= act[o, t]    (operate_on)
    """
    fx = fixed_options(d)
    if not fx:
        return
    idx, T, nf = d.idx, len(d.starts), len(fx)
    labels = idx.labels([d.options[i].name for i in fx])
    acts = mb.col("act", np.arange(nf * idx.Y))
    r1, c1, v1 = _throughput(mb, d, fx)
    U = np.maximum(d.tmax[fx], 1.0)
    ar = np.arange(nf * idx.Y)
    mb.add_group("operate", np.concatenate((r1, ar)), np.concatenate((c1, acts)),
                 np.concatenate((v1, -idx.each(U))), nf * idx.Y, -np.inf, 0.0, labels=labels)
    r2, c2, v2 = _cumulative(mb, d, "bld", np.asarray(fx), np.ones(nf))
    mb.add_group("operate_built", np.concatenate((ar, r2)), np.concatenate((acts, c2)),
                 np.concatenate((np.ones(nf * idx.Y), v2)), nf * idx.Y, -np.inf, 0.0,
                 labels=labels)
    if d.case.planning.idle:
        return
    later = np.flatnonzero(idx.year_of(nf) > 0)  # act[o, y-1] - act[o, y] <= 0
    n1 = len(later)
    j = np.repeat(np.arange(nf), T)  # bld[o, t] - act[o, start_t] <= 0
    r = np.arange(n1 + nf * T)
    mb.add_group("operate_on", np.concatenate((r[:n1], r[:n1], r[n1:], r[n1:])),
                 np.concatenate((acts[later - 1], acts[later],
                                 mb.col("bld", np.asarray(fx)[j] * T + np.tile(np.arange(T), nf)),
                                 acts[j * idx.Y + np.tile(d.starts, nf)])),
                 np.concatenate((np.ones(n1), -np.ones(n1), np.ones(nf * T), -np.ones(nf * T))),
                 n1 + nf * T, -np.inf, 0.0)


def define_phased_equipment(mb: MatrixBuilder, d: ModelData) -> None:
    """Equipment owned by year y carries the option's throughput (group
    ``phased_equipment``, per equipment option e and year y)::

        thr[e, y]  <=  cpu_e sum_{t <= y} buy[e, t]

    and ``sum_t buy[e, t] <= max_units_e`` (group ``equipment_units``) where set.
    """
    if not d.eq_opts:
        return
    idx, T, ne = d.idx, len(d.starts), len(d.eq_opts)
    eqs = [d.options[i].equipment for i in d.eq_opts]
    r1, c1, v1 = _throughput(mb, d, d.eq_opts)
    r2, c2, v2 = _cumulative(mb, d, "buy", np.arange(ne), [e.capacity_per_unit for e in eqs])
    mb.add_group("phased_equipment", np.concatenate((r1, r2)), np.concatenate((c1, c2)),
                 np.concatenate((v1, v2)), ne * idx.Y, -np.inf, 0.0,
                 labels=idx.labels([d.options[i].name for i in d.eq_opts]))
    capped = [j for j, e in enumerate(eqs) if e.max_units is not None]
    if capped:
        rr = np.repeat(np.arange(len(capped)), T)
        cc = mb.col("buy", np.repeat(np.array(capped) * T, T) + np.tile(np.arange(T),
                                                                       len(capped)))
        mb.add_group("equipment_units", rr, cc, np.ones(len(rr)), len(capped), -np.inf,
                     np.array([eqs[j].max_units for j in capped], dtype=float),
                     labels=[d.options[d.eq_opts[j]].name for j in capped])


def define_phased_headcount(mb: MatrixBuilder, d: ModelData) -> None:
    """Headcount per year (group ``phased_headcount``)::

        sum_o ops_o act[o, y] + sum_e opu_e sum_{t <= y} buy[e, t]  <=  staff[y]
    """
    if not d.staffed:
        return
    idx = d.idx
    fx = fixed_options(d)
    ops = np.array([d.options[i].operators for i in fx], dtype=float)
    rows, cols, vals = [], [], []
    nz = np.flatnonzero(ops)
    if len(nz):
        rows.append(idx.year_of(len(nz)))
        cols.append(mb.col("act", idx.cells(nz)))
        vals.append(idx.each(ops[nz]))
    if d.eq_opts:
        opu = np.array([d.options[i].equipment.operators_per_unit for i in d.eq_opts])
        nz2 = np.flatnonzero(opu)
        if len(nz2):
            r, c, v = _cumulative(mb, d, "buy", nz2, -opu[nz2])
            rows.append(r % idx.Y)
            cols.append(c)
            vals.append(v)
    ar = np.arange(idx.Y)
    rows.append(ar)
    cols.append(mb.col("staff", ar))
    vals.append(-np.ones(idx.Y))
    mb.add_group("phased_headcount", np.concatenate(rows), np.concatenate(cols),
                 np.concatenate(vals), idx.Y, -np.inf, 0.0, labels=idx.labels(["plant"]))


def define_phased_feed_to_build(mb: MatrixBuilder, d: ModelData) -> None:
    """Valid inequalities linking each feedstock's yearly flow through a costly option to the
    blocks online (group ``feed_to_build``, per feedstock f, option o, year y)::

        sum_{k of f through o} load[k, o] x[k, y]  <=  load_fo x_avail[f, y] sum_{t <= y} bld[o, t]

    with ``act[o, y]`` (tighter: ``act <= sum_{t <= y} bld``) in place of the blocks online
    for the options that have it. The phased form of :func:`~recyclopt.optimize.families.define_feed_to_build` (yearly):
    no block online, no flow; one online, the supply rows bound the flow. In the LP
    relaxation they stop a fraction of a block from taking a feedstock's whole supply.
    """
    fo, idx, T = d.fo, d.idx, len(d.starts)
    costly = np.array([o.capex is not None or o.opex_usd_per_yr > 0 or o.operators > 0
                       for o in d.options])
    keep = costly[fo.o]
    if not keep.any():
        return
    kf = np.flatnonzero(keep)
    row_of = np.full(len(fo.o), -1)
    row_of[kf] = np.arange(len(kf))
    ent = np.flatnonzero(keep[fo.of])  # option-load entries feeding a kept row
    r1 = idx.cells(row_of[fo.of[ent]])
    c1 = mb.col("x", idx.cells(fo.lp[ent]))
    v1 = idx.each(fo.lv[ent])
    U = fo.load[kf][:, None] * d.x_avail[fo.f[kf]]  # kept pairs x Y
    n = len(kf)
    fpos = np.full(d.n_opt, -1)
    fx = fixed_options(d)
    fpos[fx] = np.arange(len(fx))
    on_act = fpos[fo.o[kf]] >= 0  # options that operate by act[o, y]: act <= blocks online
    ja = np.flatnonzero(on_act)
    r_a = idx.cells(ja)
    c_a = mb.col("act", idx.cells(fpos[fo.o[kf][ja]])) if len(ja) else ja
    v_a = -U[ja].reshape(-1)
    jb = np.flatnonzero(~on_act)
    tt, yy = np.nonzero(_online(d))
    r_b = np.repeat(jb * idx.Y, len(tt)) + np.tile(yy, len(jb))
    c_b = mb.col("bld", np.repeat(fo.o[kf][jb] * T, len(tt)) + np.tile(tt, len(jb)))
    v_b = -U[np.repeat(jb, len(tt)), np.tile(yy, len(jb))]
    r2, c2, v2 = (np.concatenate(p) for p in ((r_a, r_b), (c_a, c_b), (v_a, v_b)))
    labels = [(d.feeds[f], d.options[o].name, y) for f, o in
              zip(fo.f[kf].tolist(), fo.o[kf].tolist(), strict=True) for y in idx.years]
    mb.add_group("feed_to_build", np.concatenate((r1, r2)), np.concatenate((c1, c2)),
                 np.concatenate((v1, v2)), n * idx.Y, -np.inf, 0.0, labels=labels)

