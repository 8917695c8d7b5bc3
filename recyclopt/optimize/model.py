"""The superstructure MILP, built vectorised from the coefficient tables as a Pyomo model.

The model is assembled as sparse blocks (numpy/scipy) — one constraint *group* per component
type, as in oemof-solph — and then expressed in Pyomo: one indexed ``Var`` per variable block
and one indexed ``Constraint`` per group that keeps the group's CSR arrays and makes each
row's ``LinearExpression`` on demand (:mod:`recyclopt.optimize.array_components`: no Python
object per coefficient). The Pyomo model is the single source of truth;
:mod:`recyclopt.optimize.solve` hands it to HiGHS.

Variables (by block)
--------------------
``x[k, y]``   end-of-life units of pair k (a feedstock on a path) processed in year y
``cap[o]``    capacity of option o (its basis per year), sized for the peak year
``build[o]``  1 if option o is built
``seg_z[s]``, ``seg_w[s]``   piecewise capex: segment choice (binary) and capacity in it
``units[o]``  integer equipment count of options with discrete equipment
``staff``     plant headcount (integer: whole people)
``use[p]``    1 if path p is the plant's single path (single-path mode)
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC

from ..economics import annuity_factor, npv_weights
from .array_components import ArrayConstraint, make_array_objective, make_var
from .case import Case, CaseError
from .superstructure import Superstructure, build

#: The formulations :func:`build_model` writes (same plans, different relaxations).
FORMULATIONS = ("tight", "tight_bounds", "tight_cuts", "tight_cuts_yearly", "naive")

#: ``formulation="tight"`` adds the ``feed_to_build`` valid inequalities, one per year
#: (``tight_cuts_yearly``), only to models with at most this many flow columns
#: (feedstock-path pairs x years). Measured (``benchmarks/RESULTS.md``, one thread, 180 s
#: limit):
#:
#: * bundled Taiwan case (250 flow columns): the yearly rows take the LP bound to the optimum
#:   at every one of 40 random price scenarios (the horizon rows at 23), so the sweep
#:   engine's LP check proves them without a MIP run;
#: * the ten generated networks of 5.6-17.4k flow columns: optimal in 1.0-23.4 s, against
#:   2.5-105 s for the next best formulation (f100: 23.4 and 19.5 s against 84-105 s for
#:   bounds alone; the horizon rows stopped at the limit there);
#: * a 61k-flow-column network (300 s): 412.4 M USD at a 45.3 % gap, against 502.5 M at
#:   27.6 % with bounds alone, whose LP is 3x smaller;
#: * the large case (330k flow columns): their LP (254k extra rows) did not finish in ~600 s.
#:
#: The limit sits above the largest network where they won; between it and 61k columns
#: nothing has been measured.
CUTS_MAX_FLOW_COLUMNS = 20_000


@dataclass
class Block:
    name: str
    size: int
    lb: np.ndarray
    ub: np.ndarray
    kind: str  # "C", "B" or "I"
    offset: int = 0
    labels: list = field(default_factory=list)


class Group:
    """A constraint group: rows ``lo <= A x <= hi`` over all builder columns.

    ``A`` (a ``scipy.sparse.csr_matrix``) is made on first access from the CSR arrays the
    builder assembled (``csr``: data, indices, indptr with sorted, summed column indices), so
    building and compiling a model pay no sparse-matrix constructor per group. A group added
    to a :class:`MatrixBuilder` keeps its triplets until its arrays are first needed; the
    builder then assembles every such group at once (:meth:`MatrixBuilder.assemble`).
    """

    def __init__(self, name: str, A: sp.csr_matrix | None, lo: np.ndarray, hi: np.ndarray,
                 labels: list, csr: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                 shape: tuple[int, int] | None = None, builder: MatrixBuilder | None = None,
                 triplets: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        self.name = name
        self._A = A
        self._csr = csr
        self.shape = shape if shape is not None else (A.shape if A is not None else (0, 0))
        self.lo = lo
        self.hi = hi
        self.labels = labels
        self._builder = builder
        self._triplets = triplets

    @property
    def A(self) -> sp.csr_matrix:
        if self._A is None:
            data, indices, indptr = self.csr
            A = sp.csr_matrix((data, indices, indptr), shape=self.shape)
            A.has_sorted_indices = True
            self._A = A
        return self._A

    @A.setter
    def A(self, value: sp.csr_matrix) -> None:
        self._A = value
        self._csr = None
        self._triplets = None
        self.shape = value.shape

    @property
    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(data, indices, indptr) of ``A``."""
        if self._csr is None and self._triplets is not None:
            self._builder.assemble()
        if self._csr is None:
            A = self._A.tocsr()
            self._csr = (A.data, A.indices, A.indptr)
        return self._csr

    def __repr__(self) -> str:
        return f"Group({self.name!r}, shape={self.shape})"


def stack_csr(parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack CSR blocks ``(data, indices, indptr)`` over the same columns row-wise into one
    ``(data, indices, indptr)`` (indptr int64 from 0; the blocks' own dtypes otherwise)."""
    if not parts:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(1, np.int64)
    ptrs, off = [np.zeros(1, dtype=np.int64)], 0
    for _, _, p in parts:
        p = np.asarray(p, dtype=np.int64)
        ptrs.append(p[1:] - p[0] + off)
        off += int(p[-1] - p[0])
    return (np.concatenate([d for d, _, _ in parts]),
            np.concatenate([i for _, i, _ in parts]), np.concatenate(ptrs))


def _csr_arrays(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (column indices sorted within each row, duplicates summed, int32 indices)
    from triplets."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    vals = np.asarray(vals, dtype=float)
    if len(vals) > 20_000:  # scipy's counting sort is faster on big matrices
        A = sp.csr_matrix((vals, (rows, cols)), shape=shape)
        A.sum_duplicates()
        return A.data, A.indices.astype(np.int32, copy=False), A.indptr.astype(np.int32,
                                                                               copy=False)
    key = rows * shape[1] + cols
    if len(key) > 1 and not (key[1:] > key[:-1]).all():
        order = np.argsort(key, kind="stable")
        key, vals = key[order], vals[order]
        dup = key[1:] == key[:-1]
        if dup.any():
            starts = np.flatnonzero(np.concatenate(([True], ~dup)))
            vals = np.add.reduceat(vals, starts)
            key = key[starts]
    r, c = np.divmod(key, shape[1])
    indptr = np.searchsorted(r, np.arange(shape[0] + 1)).astype(np.int32)
    return vals, c.astype(np.int32), indptr


def _full(v: float | np.ndarray, n: int) -> np.ndarray:
    """``v`` (a number or an array of length ``n``) as a new float array of length ``n``."""
    return np.full(n, v, dtype=float)


class MatrixBuilder:
    """Collects variable blocks and constraint groups as sparse arrays."""

    def __init__(self) -> None:
        self.blocks: dict[str, Block] = {}
        self.n = 0
        self.groups: list[Group] = []

    def add_block(self, name: str, size: int, lb: float | np.ndarray = 0.0,
                  ub: float | np.ndarray = np.inf, kind: str = "C", labels: list | None = None
                  ) -> Block:
        b = Block(name, size, _full(lb, size), _full(ub, size), kind, self.n,
                  labels or list(range(size)))
        self.blocks[name] = b
        self.n += size
        return b

    def col(self, block: str, idx: np.ndarray | int) -> np.ndarray:
        return self.blocks[block].offset + np.asarray(idx)

    def add_group(self, name: str, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                  n_rows: int, lo: float | np.ndarray, hi: float | np.ndarray,
                  labels: list | None = None) -> None:
        if n_rows == 0:
            return
        # copies: the caller may reuse its arrays before the group is assembled
        triplets = (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                    np.array(vals, dtype=float))
        self.groups.append(Group(name, None, _full(lo, n_rows), _full(hi, n_rows),
                                 labels or list(range(n_rows)), shape=(n_rows, self.n),
                                 builder=self, triplets=triplets))

    def assemble(self) -> None:
        """Make the CSR arrays of every group still holding its triplets, all at once.

        The groups' triplets are stacked (each group's rows after the previous group's) and
        sorted once (:func:`_csr_arrays`), then cut back into groups: one sort instead of one
        per group (measured on the default case: 11 groups, 0.45 ms -> 0.1 ms).
        """
        todo = [g for g in self.groups if g._csr is None and g._triplets is not None]
        if not todo:
            return
        rows, off = [], 0
        for g in todo:
            rows.append(g._triplets[0] + off if off else g._triplets[0])
            off += g.shape[0]
        n = max(g.shape[1] for g in todo)
        data, indices, indptr = _csr_arrays(
            np.concatenate(rows), np.concatenate([g._triplets[1] for g in todo]),
            np.concatenate([g._triplets[2] for g in todo]), (off, n))
        off = 0
        for g in todo:
            p = indptr[off:off + g.shape[0] + 1]
            a, b = int(p[0]), int(p[-1])
            g._csr = (data[a:b], indices[a:b], p - a if a else p)
            g._triplets = None
            off += g.shape[0]


@dataclass
class ModelLayout:
    """What the builder put into a Pyomo model, kept on it as ``model._recyclopt_layout``.

    The compiler (:func:`recyclopt.optimize.solve.compile_model`) checks that the model's
    leading ``Var`` components are still these (same objects, same sizes): the array
    components' columns are then the compiled model's leading columns, and their rows still
    in the state the builder made them are read from the arrays.
    """

    var_components: list  # the Var components, in column order
    var_sizes: list  # their sizes when built
    columns: list  # VarData in builder column order
    groups: list  # the ArrayConstraint components, one per builder group
    objective: object  # the ArrayObjective


@dataclass
class OptModel:
    """A built model: the Pyomo model plus the layout needed to read results back."""

    case: Case
    sup: Superstructure
    builder: MatrixBuilder
    model: pyo.ConcreteModel
    columns: list  # Pyomo VarData in builder column order
    c: np.ndarray  # objective coefficients in builder column order
    sense: str  # "max" or "min"
    objective: str
    meta: dict

    def block_values(self, values: np.ndarray, name: str) -> np.ndarray:
        b = self.builder.blocks.get(name)
        if b is None:
            return np.zeros(0)
        return values[b.offset:b.offset + b.size]


class _PairYearLabels(Sequence):
    """The labels ``(pair k, year)`` of the flow block, column k*Y + y, made on demand."""

    def __init__(self, K: int, years: list[int]) -> None:
        self._K, self._years = K, list(years)

    def __len__(self) -> int:
        return self._K * len(self._years)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        k, y = divmod(i, len(self._years))
        return (k, self._years[y])

    def __iter__(self):
        ys = self._years
        for k in range(self._K):
            for y in ys:
                yield (k, y)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None


class _QuietGC:
    """Pause the cyclic garbage collector while a model's objects are created, then hand them
    straight to the oldest generation.

    Creating ~10^5-10^6 Pyomo objects with the collector running costs repeated full passes
    over a growing heap; pausing it (Pyomo's ``PauseGC``, as its writers do) defers the cost
    to three passes over all the new objects as they age through the generations.
    ``gc.freeze()`` followed by ``gc.unfreeze()`` moves every tracked object to the oldest
    generation without a pass, which is where a model's long-lived objects end up anyway; it
    is skipped when the process has frozen objects of its own (``unfreeze`` would release
    them). Measured on the large benchmark case with expression rows (2 million objects):
    0.9 s of collector pauses after the build without it, none with it; with the array-backed
    rows (0.37 million objects, mostly ``VarData``) one full pass is ~0.07 s.
    """

    def __enter__(self) -> _QuietGC:
        self._frozen_before = gc.get_freeze_count()
        self._pause = PauseGC()
        self._pause.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._frozen_before == 0:
                gc.freeze()
                gc.unfreeze()
        finally:
            self._pause.__exit__(*exc)


def pyomo_from_builder(mb: MatrixBuilder, c: np.ndarray, sense: str, const: float = 0.0
                       ) -> tuple[pyo.ConcreteModel, list]:
    """Express the builder's blocks and groups as a Pyomo model.

    One indexed ``Var`` per block over ``RangeSet(0, n - 1)``
    (:func:`~recyclopt.optimize.array_components.make_var`: Pyomo's dense construction with
    the per-variable bounds written in the same pass), one
    :class:`~recyclopt.optimize.array_components.ArrayConstraint` per group (the group's CSR
    arrays; each row's expression is made on demand) and an
    :class:`~recyclopt.optimize.array_components.ArrayObjective` (the cost vector), with the
    garbage collector paused while the objects are made (:class:`_QuietGC`); components of
    the same size share one index set. Measured on the large benchmark case (331k variables,
    36k rows, 1.66M nonzeros), build + handoff + collector, least of 3 runs of 3: 1.9-2.4 s
    with every row and the objective written as expressions (2 million Python objects),
    0.51-0.55 s with these components (0.37 million objects, mostly ``VarData``).
    """
    m = pyo.ConcreteModel(name="recyclopt_plant")
    columns: list = []
    var_components: list = []
    groups: list = []
    domains = {"C": pyo.Reals, "B": pyo.Binary, "I": pyo.Integers}
    ranges: dict = {}  # index sets shared by components of the same size
    with _QuietGC():
        for b in mb.blocks.values():
            var = make_var(m, b.name, b.lb, b.ub, domains[b.kind], ranges)
            var_components.append(var)
            columns.extend(var._data.values())  # index order: made in that order
        for g in mb.groups:
            data, indices, indptr = g.csr
            con = ArrayConstraint(data, indices, indptr, g.lo, g.hi, columns, ranges=ranges)
            m.add_component(g.name, con)
            groups.append(con)
        m.objective = pyo.Objective(expr=0.0,
                                    sense=pyo.maximize if sense == "max" else pyo.minimize)
        obj = make_array_objective(m.objective, c, const, columns)
    m._recyclopt_layout = ModelLayout(var_components, [b.size for b in mb.blocks.values()],
                                      columns, groups, obj)
    return m, columns


def build_model(case: Case, *, objective: str | None = None, mode: str | None = None,
                sup: Superstructure | None = None,
                extra: list[tuple[str, np.ndarray, float, float]] | None = None,
                price_factor: float = 1.0, pyomo: bool = True,
                formulation: str = "tight") -> OptModel:
    """Build the plant MILP for a case.

    Parameters
    ----------
    case : the validated case.
    objective : overrides ``case.objective`` (npv, annual_profit, recovered_value,
        recovered_mass, min_co2).
    mode : overrides ``case.mode`` (parallel or single_path).
    sup : a prebuilt superstructure (reuse it across re-builds).
    extra : extra constraints on the yearly totals, each ``(metric, _, lo, hi)`` with metric in
        ``co2_t``, ``recovered_kg``, ``recovered_value_usd``, ``npv_usd`` (epsilon constraints).
    price_factor : multiplies every product price (used to find the cost of recovery).
    pyomo : when False, only the arrays are assembled (``model`` is None, ``columns`` empty):
        the scenario sweeps re-price a model compiled once from the same arrays.
    formulation : ``tight`` (default), ``tight_bounds``, ``tight_cuts`` or ``naive``. All
        have the same feasible plans and the same optimum. ``tight_bounds`` bounds every
        capacity by what its feedstocks can deliver in the busiest year (each feedstock
        counted once, at its largest load through the option) and clips the capex segments
        to that bound (segments that start above it are switched off). ``tight_cuts`` also
        adds the valid inequalities ``feed_to_build`` (see :func:`_feed_to_build`): a tighter
        LP bound, but more rows in every node's LP; ``tight_cuts_yearly`` writes them year
        by year (tighter still, the aggregated rows are their sums, and Y times as many).
        ``tight`` is ``tight_cuts_yearly`` on models with at most
        :data:`CUTS_MAX_FLOW_COLUMNS` flow columns and ``tight_bounds`` above
        (measured: ``benchmarks/RESULTS.md``). ``naive`` sums every pair's peak load (a
        feedstock with two paths through an option is counted twice), keeps the curves' full
        segments and adds no inequalities: it is kept to measure what the tightening buys
        (``benchmarks/``).
    """
    if formulation not in FORMULATIONS:
        raise CaseError(f"formulation {formulation!r}; allowed: {', '.join(FORMULATIONS)}",
                        field="formulation")
    objective = objective or case.objective
    mode = mode or case.mode
    sup = sup or build(case)
    pairs, rec = sup.pairs, sup.recovered
    years = case.years
    Y = len(years)
    K = len(pairs)
    feeds = [f.name for f in case.feedstocks]
    fpos = {f: i for i, f in enumerate(feeds)}
    f_idx = np.fromiter((fpos[f] for f in sup.column("pairs", "feedstock").tolist()),
                        dtype=np.int64, count=K)
    yi = years.astype(int)
    ylist = yi.tolist()  # plain ints for the row labels
    avail = np.array([f.availability.to_numpy(dtype=float) if np.array_equal(
        f.availability.index.to_numpy(), yi) else f.availability.reindex(yi).to_numpy()
        for f in case.feedstocks])  # F x Y
    options = case.options
    n_opt = len(options)
    o_idx = {o.name: i for i, o in enumerate(options)}
    mb = MatrixBuilder()

    # ---- variables
    x_ub = avail[f_idx, :].reshape(-1)  # k-major: col = k*Y + y
    mb.add_block("x", K * Y, 0.0, x_ub, labels=_PairYearLabels(K, ylist))
    # the largest throughput an option could ever see (bounds the big-M of its build switch)
    lp, lo_, lv = _option_loads(sup, o_idx)
    fo = _option_feeds(f_idx[lp], lo_, lv, n_opt)
    peak_avail = avail.max(axis=1)[f_idx]
    tmax = np.zeros(n_opt)
    np.add.at(tmax, lo_, lv * peak_avail[lp])
    if formulation != "naive":
        tmax = np.minimum(tmax, _useful_capacity(options, _deliverable(fo, avail, n_opt)))
    cap_ub = np.array([min(tmax[i], o.max_capacity if o.max_capacity is not None else np.inf)
                       for i, o in enumerate(options)])
    curve_cap = np.array([o.capex.points[-1] if o.capex is not None else np.inf for o in options])
    cap_ub = np.minimum(cap_ub, curve_cap)
    mb.add_block("cap", n_opt, 0.0, cap_ub, labels=[o.name for o in options])
    mb.add_block("build", n_opt, 0.0, 1.0, "B", labels=[o.name for o in options])
    seg_parts = []  # the curves' segments (CapexCurve.segments(), as arrays)
    for i, o in enumerate(options):
        if o.capex is not None:
            p = np.asarray(o.capex.points, dtype=float)
            cst = np.asarray(o.capex.costs, dtype=float)
            slope = o.capex.slopes
            seg_parts.append((np.full(len(p) - 1, i), p[:-1], p[1:], cst[:-1] - slope * p[:-1],
                              slope))
    sg = {k: (np.concatenate([t[j] for t in seg_parts]) if seg_parts else
              np.zeros(0, dtype=np.int64 if j == 0 else float))
          for j, k in enumerate(("o", "lo", "hi", "intercept", "slope"))}
    z_ub = np.ones(len(sg["o"]))
    if formulation != "naive" and len(z_ub):
        # a segment ends where the option's deliverable throughput does; one that starts
        # above it can never be chosen
        top = cap_ub[sg["o"]]
        z_ub[sg["lo"] > top] = 0.0
        sg["hi"] = np.maximum(sg["lo"], np.minimum(sg["hi"], top))
    S = len(sg["o"])
    if S:
        mb.add_block("seg_z", S, 0.0, z_ub, "B",
                     labels=list(zip(sg["o"].tolist(), range(S), strict=True)))
        mb.add_block("seg_w", S, 0.0, sg["hi"], labels=list(range(S)))
    eq_opts = [i for i, o in enumerate(options) if o.equipment is not None]
    if eq_opts:
        ub_units = np.array([options[i].equipment.max_units if options[i].equipment.max_units
                             is not None else np.ceil(tmax[i] / options[i].equipment
                                                      .capacity_per_unit) for i in eq_opts],
                            dtype=float)
        mb.add_block("units", len(eq_opts), 0.0, ub_units, "I",
                     labels=[options[i].name for i in eq_opts])
    staffed = any(o.operators > 0 for o in options) or any(
        o.equipment is not None and o.equipment.operators_per_unit > 0 for o in options)
    if staffed:
        mb.add_block("staff", 1, 0.0, np.inf, "I", labels=["staff"])
    paths = np.unique(sup.column("pairs", "path_index")).tolist()
    p_pos = {p: j for j, p in enumerate(paths)}
    if mode == "single_path":
        mb.add_block("use", len(paths), 0.0, 1.0, "B",
                     labels=["/".join(sup.paths[p]) for p in paths])

    kk, yy = np.meshgrid(np.arange(K), np.arange(Y), indexing="ij")
    xcol = mb.col("x", (kk * Y + yy).reshape(-1))
    kflat, yflat = kk.reshape(-1), yy.reshape(-1)

    # ---- supply: sum over pairs of a feedstock <= availability (kept as rows so the
    # infeasibility diagnosis and the sweeps can see and change them)
    F = len(feeds)
    mb.add_group("supply", f_idx[kflat] * Y + yflat, xcol, np.ones(K * Y), F * Y, -np.inf,
                 avail.reshape(-1), labels=[(f, y) for f in feeds for y in ylist])
    # ---- capacity: throughput of option o in year y <= cap[o]
    r_cap = np.repeat(lo_ * Y, Y) + np.tile(np.arange(Y), len(lp))
    c_cap = mb.col("x", np.repeat(lp * Y, Y) + np.tile(np.arange(Y), len(lp)))
    v_cap = np.repeat(lv, Y)
    rows = np.concatenate([r_cap, np.arange(n_opt * Y)])
    cols = np.concatenate([c_cap, mb.col("cap", np.repeat(np.arange(n_opt), Y))])
    vals = np.concatenate([v_cap, -np.ones(n_opt * Y)])
    mb.add_group("capacity", rows, cols, vals, n_opt * Y, -np.inf, 0.0,
                 labels=[(o.name, y) for o in options for y in ylist])
    # ---- build switch: cap[o] <= M_o build[o]
    big = np.where(np.isfinite(cap_ub), cap_ub, tmax)
    big = np.maximum(big, 1.0)
    mb.add_group("build_switch", np.concatenate((np.arange(n_opt), np.arange(n_opt))),
                 np.concatenate((mb.col("cap", np.arange(n_opt)), mb.col("build", np.arange(n_opt)))),
                 np.concatenate((np.ones(n_opt), -big)), n_opt, -np.inf, 0.0, labels=[o.name for o in options])
    if formulation == "tight" and K * Y <= CUTS_MAX_FLOW_COLUMNS:
        formulation = "tight_cuts_yearly"
    if formulation in ("tight_cuts", "tight_cuts_yearly"):
        _feed_to_build(mb, fo, avail, options, feeds, ylist, lp, lv,
                       yearly=formulation == "tight_cuts_yearly")
    # ---- piecewise capex (multiple-choice formulation; HiGHS has no SOS)
    if S:
        so = sg["o"]
        curve_opts = np.unique(so)
        pos = {o: j for j, o in enumerate(curve_opts)}
        # cap[o] = sum_s w[s]
        r = np.concatenate(([pos[o] for o in curve_opts], [pos[o] for o in so]))
        cidx = np.concatenate((mb.col("cap", curve_opts), mb.col("seg_w", np.arange(S))))
        v = np.concatenate((np.ones(len(curve_opts)), -np.ones(S)))
        mb.add_group("capex_capacity", r, cidx, v, len(curve_opts), 0.0, 0.0,
                     labels=[options[o].name for o in curve_opts])
        # sum_s z[s] = build[o]
        r = np.concatenate(([pos[o] for o in so], [pos[o] for o in curve_opts]))
        cidx = np.concatenate((mb.col("seg_z", np.arange(S)), mb.col("build", curve_opts)))
        v = np.concatenate((np.ones(S), -np.ones(len(curve_opts))))
        mb.add_group("capex_segment_choice", r, cidx, v, len(curve_opts), 0.0, 0.0,
                     labels=[options[o].name for o in curve_opts])
        # lo_s z_s <= w_s <= hi_s z_s
        ar = np.arange(S)
        mb.add_group("capex_segment_upper", np.concatenate((ar, ar)),
                     np.concatenate((mb.col("seg_w", ar), mb.col("seg_z", ar))),
                     np.concatenate((np.ones(S), -sg["hi"])), S, -np.inf, 0.0)
        mb.add_group("capex_segment_lower", np.concatenate((ar, ar)),
                     np.concatenate((mb.col("seg_w", ar), mb.col("seg_z", ar))),
                     np.concatenate((np.ones(S), -sg["lo"])), S, 0.0, np.inf)
    # ---- discrete equipment: throughput <= capacity per unit x units
    # An option without a capex curve has nothing that holds its capacity above its peak
    # load (no minimum plant size), so ``cap[o] <= per unit x units[o]`` (one row) says the
    # same as one row per year: any plan can lower cap[o] to its peak load. With a capex
    # curve cap[o] may exceed the peak (a plant built at its minimum size), so such options
    # keep a row per year on their throughput.
    if eq_opts:
        cpu_of = {o: options[o].equipment.capacity_per_unit for o in eq_opts}
        yearly = [o for o in eq_opts if options[o].capex is not None]
        peak = [o for o in eq_opts if options[o].capex is None]
        upos = {o: j for j, o in enumerate(eq_opts)}
        if yearly:
            epos = {o: j for j, o in enumerate(yearly)}
            sel = np.isin(lo_, yearly)
            lp_e, lo_e, lv_e = lp[sel], lo_[sel], lv[sel]
            r = np.repeat(np.array([epos[o] for o in lo_e.tolist()], dtype=np.int64) * Y, Y) + \
                np.tile(np.arange(Y), len(lp_e))
            cidx = mb.col("x", np.repeat(lp_e * Y, Y) + np.tile(np.arange(Y), len(lp_e)))
            cpu = np.array([cpu_of[o] for o in yearly])
            r2 = np.arange(len(yearly) * Y)
            c2 = mb.col("units", np.repeat([upos[o] for o in yearly], Y))
            mb.add_group("equipment", np.concatenate((r, r2)), np.concatenate((cidx, c2)),
                         np.concatenate((lv_e.repeat(Y), -np.repeat(cpu, Y))),
                         len(yearly) * Y, -np.inf, 0.0,
                         labels=[(options[o].name, y) for o in yearly for y in ylist])
        if peak:
            n_p = len(peak)
            ar = np.arange(n_p)
            mb.add_group("equipment_peak", np.concatenate((ar, ar)),
                         np.concatenate((mb.col("cap", np.array(peak)),
                                         mb.col("units", np.array([upos[o] for o in peak])))),
                         np.concatenate((np.ones(n_p), -np.array([cpu_of[o] for o in peak]))),
                         n_p, -np.inf, 0.0, labels=[options[o].name for o in peak])
    # ---- headcount: staff >= operators of built options (+ per equipment unit)
    if staffed:
        ops = np.array([o.operators for o in options])
        nz = np.flatnonzero(ops)
        cols = list(mb.col("build", nz))
        vals = list(ops[nz])
        if eq_opts:
            opu = np.array([options[o].equipment.operators_per_unit for o in eq_opts])
            nz2 = np.flatnonzero(opu)
            cols += list(mb.col("units", nz2))
            vals += list(opu[nz2])
        cols.append(mb.col("staff", 0))
        vals.append(-1.0)
        mb.add_group("headcount", np.zeros(len(cols), dtype=int), np.array(cols), np.array(vals),
                     1, -np.inf, 0.0, labels=["plant"])
    # ---- products: markets, policy minima, recycled content, CO2, single source share
    rec_arr = rec.to_numpy() if rec.columns.size else np.zeros((K, 0))
    forms = [f for f, _ in rec.columns] if rec.columns.size else []
    elements_rec = [e for _, e in rec.columns] if rec.columns.size else []

    def per_year_group(name: str, coef_k: np.ndarray, lo: float, hi: float, label: str) -> None:
        nzk = np.flatnonzero(coef_k)
        if not len(nzk):
            if lo > 0:
                # no pair can contribute: keep an explicit infeasible row for the diagnosis
                mb.add_group(name, np.arange(Y), mb.col("x", np.arange(Y)), np.zeros(Y), Y, lo,
                             hi, labels=[(label, y) for y in ylist])
            return
        r = np.tile(np.arange(Y), len(nzk))
        cidx = mb.col("x", np.repeat(nzk * Y, Y) + r)
        mb.add_group(name, r, cidx, np.repeat(coef_k[nzk], Y), Y, lo, hi,
                     labels=[(label, y) for y in ylist])

    for pname, p in case.products.items():
        if p.max_kg_per_yr is not None:
            cols_p = [j for j, f in enumerate(forms) if f == pname]
            coef = rec_arr[:, cols_p].sum(axis=1) if cols_p else np.zeros(K)
            per_year_group(f"market_{pname}", coef, -np.inf, p.max_kg_per_yr, pname)
    pol = case.policy
    for e, mn in pol.min_recovered_kg_per_yr.items():
        cols_e = [j for j, el in enumerate(elements_rec) if el == e]
        coef = rec_arr[:, cols_e].sum(axis=1) if cols_e else np.zeros(K)
        per_year_group(f"policy_min_recovered_{e}", coef, mn, np.inf, e)
    if pol.recycled_content:
        rc = pol.recycled_content
        els = rc.get("elements") or ["Nd", "Pr"]
        cols_e = [j for j, el in enumerate(elements_rec) if el in els]
        coef = rec_arr[:, cols_e].sum(axis=1) if cols_e else np.zeros(K)
        per_year_group("policy_recycled_content", coef,
                       float(rc["share"]) * float(rc["demand_kg_per_yr"]), np.inf, "+".join(els))
    co2 = sup.column("pairs", "co2_kg_per_unit")
    if pol.max_co2_t_per_yr is not None:
        per_year_group("policy_max_co2", co2 / 1000.0, -np.inf, pol.max_co2_t_per_yr, "CO2 t")
    rec_tot = rec_arr[:, [j for j, e in enumerate(elements_rec) if e in case.elements]].sum(
        axis=1) if rec_arr.size else np.zeros(K)
    if pol.max_feedstock_share is not None:
        sh = pol.max_feedstock_share
        rows_l, cols_l, vals_l = [], [], []
        for fi in range(F):
            coef = rec_tot * ((f_idx == fi).astype(float) - sh)
            nzk = np.flatnonzero(coef)
            for y in range(Y):
                rows_l.append(np.full(len(nzk), fi * Y + y))
                cols_l.append(mb.col("x", nzk * Y + y))
                vals_l.append(coef[nzk])
        mb.add_group("policy_feedstock_share", np.concatenate(rows_l), np.concatenate(cols_l),
                     np.concatenate(vals_l), F * Y, -np.inf, 0.0,
                     labels=[(f, y) for f in feeds for y in ylist])
    if mode == "single_path":
        pidx = np.array([p_pos[p] for p in sup.column("pairs", "path_index").tolist()])
        r = np.arange(K * Y)
        mb.add_group("single_path_link", np.concatenate((r, r)), np.concatenate((xcol, mb.col("use", pidx[kflat]))),
                     np.concatenate((np.ones(K * Y), -np.maximum(x_ub, 0.0))), K * Y, -np.inf, 0.0)
        mb.add_group("single_path_choice", np.zeros(len(paths), dtype=int),
                     mb.col("use", np.arange(len(paths))), np.ones(len(paths)), 1, -np.inf, 1.0)

    # ---- objective pieces (per column)
    w = npv_weights(case.costing, case.horizon)
    rev = sup.column("pairs", "revenue_usd_per_unit") * price_factor
    var = sup.column("pairs", "var_cost_usd_per_unit")
    fixed_o = np.array([o.opex_usd_per_yr for o in options])
    lang = np.array([o.capex_lang for o in options])
    wage = case.labour_usd_per_hour * case.hours_per_operator_yr
    pieces = {
        "revenue": np.zeros(mb.n), "var_cost": np.zeros(mb.n), "fixed": np.zeros(mb.n),
        "labour": np.zeros(mb.n), "bec": np.zeros(mb.n), "direct": np.zeros(mb.n),
    }
    pieces["revenue"][xcol] = rev[kflat]
    pieces["var_cost"][xcol] = var[kflat]
    pieces["fixed"][mb.col("build", np.arange(n_opt))] = fixed_o
    if S:
        so = sg["o"]
        tgt_z = np.where(lang[so], "bec", "direct")
        for key in ("bec", "direct"):
            m_ = tgt_z == key
            pieces[key][mb.col("seg_z", np.flatnonzero(m_))] = sg["intercept"][m_]
            pieces[key][mb.col("seg_w", np.flatnonzero(m_))] = sg["slope"][m_]
    if eq_opts:
        pieces["direct"][mb.col("units", np.arange(len(eq_opts)))] = [
            options[o].equipment.cost_usd for o in eq_opts]
        pieces["fixed"][mb.col("units", np.arange(len(eq_opts)))] = [
            options[o].equipment.yearly_cost_usd for o in eq_opts]
    if staffed:
        pieces["labour"][mb.col("staff", 0)] = wage
    ywt = np.zeros(mb.n)  # per-column year weights for x
    if objective == "npv":
        c = np.zeros(mb.n)
        c[xcol] = w.w_revenue[yflat] * rev[kflat] - w.w_variable_opex[yflat] * var[kflat]
        c -= w.w_fixed_opex.sum() * pieces["fixed"] + w.w_labour.sum() * pieces["labour"]
        c -= w.w_bec * pieces["bec"] + w.w_direct_tpc * pieces["direct"]
        sense = "max"
    elif objective == "annual_profit":
        r = case.costing.factors().discount_rate
        crf = 1.0 / annuity_factor(r, Y) if r > 0 else 1.0 / Y
        lang_f = case.costing.factors().lang_factor
        c = np.zeros(mb.n)
        c[xcol] = (rev[kflat] - var[kflat]) / Y
        c -= pieces["fixed"] + pieces["labour"] + crf * (lang_f * pieces["bec"] + pieces["direct"])
        sense = "max"
    elif objective == "recovered_value":
        c = pieces["revenue"].copy()
        sense = "max"
    elif objective == "recovered_mass":
        c = np.zeros(mb.n)
        c[xcol] = rec_tot[kflat]
        sense = "max"
    elif objective == "min_co2":
        c = np.zeros(mb.n)
        c[xcol] = co2[kflat] / 1000.0
        sense = "min"
    else:
        raise CaseError(f"objective {objective!r}; allowed: npv, annual_profit, recovered_value,"
                        " recovered_mass, min_co2", field="objective")
    ywt[xcol] = 1.0
    # ---- epsilon constraints on horizon totals
    metrics = {
        "co2_t": np.where(ywt > 0, 0.0, 0.0),
        "recovered_kg": np.zeros(mb.n),
        "recovered_value_usd": pieces["revenue"],
    }
    metrics["co2_t"][xcol] = co2[kflat] / 1000.0
    metrics["recovered_kg"][xcol] = rec_tot[kflat]
    for k, (metric, _, lo, hi) in enumerate(extra or []):
        if metric not in metrics:
            raise CaseError(f"epsilon constraint on {metric!r}; allowed: {sorted(metrics)}",
                            field="extra")
        v = metrics[metric]
        nz = np.flatnonzero(v)
        mb.add_group(f"epsilon_{k}_{metric}", np.zeros(len(nz), dtype=int), nz, v[nz], 1, lo, hi,
                     labels=[metric])
    m, columns = pyomo_from_builder(mb, c, sense) if pyomo else (None, [])
    meta = _Meta({"pieces": pieces, "weights": w, "seg_arrays": sg, "eq_opts": eq_opts,
                  "years": years, "f_idx": f_idx, "avail": avail, "rec_tot": rec_tot,
                  "metrics": metrics, "price_factor": price_factor})
    return OptModel(case, sup, mb, m, columns, c, sense, objective, meta)


class _Meta(dict):
    """A model's metadata; ``meta["seg"]`` (the capex segments as a DataFrame: option,
    lo, hi, intercept, slope) is made from ``meta["seg_arrays"]`` on first use, so a build
    that is never read back (the sweeps' arrays-only builds) does not pay for the frame."""

    def __missing__(self, key: str):
        if key == "seg":
            self["seg"] = pd.DataFrame(self["seg_arrays"])
            return self["seg"]
        raise KeyError(key)


@dataclass
class _OptionFeeds:
    """The distinct (feedstock, option) pairs of a superstructure: ``f[i]`` reaches option
    ``o[i]`` with at most ``load[i]`` basis units per end-of-life unit (the largest load among
    its pairs through that option); ``of[j]`` is the index of the (feedstock, option) pair of
    the j-th entry of the option loads."""

    f: np.ndarray
    o: np.ndarray
    load: np.ndarray
    of: np.ndarray


def _option_loads(sup: Superstructure, o_idx: dict[str, int]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The option loads of a superstructure as arrays: pair, option index, basis per unit."""
    lp = sup.column("load", "pair")
    lo_ = np.fromiter((o_idx[n] for n in sup.column("load", "option").tolist()), dtype=np.int64,
                      count=len(lp))
    return lp, lo_, sup.column("load", "basis_per_unit")


def _option_feeds(f_of_load: np.ndarray, o_of_load: np.ndarray, lv: np.ndarray, n_opt: int
                  ) -> _OptionFeeds:
    key = f_of_load.astype(np.int64) * n_opt + o_of_load
    uk, inv = np.unique(key, return_inverse=True)
    load = np.zeros(len(uk))
    np.maximum.at(load, inv, lv)
    return _OptionFeeds(uk // n_opt, uk % n_opt, load, inv)


def _deliverable(fo: _OptionFeeds, avail: np.ndarray, n_opt: int) -> np.ndarray:
    """The most an option can receive in its busiest year.

    All pairs of a feedstock share its supply row, so an option receives at most the
    feedstock's availability times its largest load through the option, whatever the split
    between paths; summed over the feedstocks that reach it, year by year.
    """
    per_year = np.zeros((n_opt, avail.shape[1]))
    np.add.at(per_year, fo.o, fo.load[:, None] * avail[fo.f])
    return per_year.max(axis=1) if per_year.shape[1] else np.zeros(n_opt)


def _useful_capacity(options: list, deliverable: np.ndarray) -> np.ndarray:
    """The largest capacity an optimal plan can give each option.

    Capacity beyond what can arrive only costs money, except that a plant is never smaller
    than its capex curve's first point: an option may be built at that minimum and run below
    it. So the bound is the deliverable throughput, raised to the curve's minimum size. A
    curve whose cost ever falls with size could make a larger plant cheaper; such options
    are left unbounded here.
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


def feed_to_build_rows(om: OptModel, *, yearly: bool = False) -> Group | None:
    """The ``feed_to_build`` rows (:func:`_feed_to_build`) of a built model, over its columns.

    For models built without them (``tight_bounds``, ``naive``, or ``tight`` above
    :data:`CUTS_MAX_FLOW_COLUMNS`): they are valid inequalities of the same plans, so an LP
    with them added is still a relaxation of the model, with a tighter bound
    (:mod:`recyclopt.optimize.heuristic` uses them so). None when no option has a fixed
    cost. The model itself is not changed.
    """
    case = om.case
    options = case.options
    lp, lo_, lv = _option_loads(om.sup, {o.name: i for i, o in enumerate(options)})
    fo = _option_feeds(om.meta["f_idx"][lp], lo_, lv, len(options))
    mb = MatrixBuilder()  # the model's column layout, for the rows' column indices
    for b in sorted(om.builder.blocks.values(), key=lambda b: b.offset):
        mb.blocks[b.name] = b
    mb.n = om.builder.n
    _feed_to_build(mb, fo, om.meta["avail"], options, [f.name for f in case.feedstocks],
                   [int(y) for y in om.meta["years"]], lp, lv, yearly=yearly)
    return mb.groups[0] if mb.groups else None


def _feed_to_build(mb: MatrixBuilder, fo: _OptionFeeds, avail: np.ndarray, options: list,
                   feeds: list[str], years: list, lp: np.ndarray, lv: np.ndarray,
                   yearly: bool = False) -> None:
    """Valid inequalities linking each feedstock's flow through a costly option to its build.

    For a feedstock f and an option o with a fixed cost (a capex curve, fixed opex or
    operators), over the horizon::

        sum_y sum_{k of f through o} load_k x[k, y]  <=  U_fo build[o],
        U_fo = load_fo * sum_y avail[f, y]

    or, with ``yearly``, one row per year y::

        sum_{k of f through o} load_k x[k, y]  <=  load_fo * avail[f, y] * build[o]

    (the horizon row is the sum of these). They hold for every integer plan (no build, no
    flow; built, the supply rows bound the flow), so the optimum is unchanged; in the LP
    relaxation they stop a fraction of a plant from taking a feedstock's whole supply, which
    the capacity rows alone allow (the aggregate big-M ``cap <= M build`` spreads over every
    feedstock a site can reach). This is the disaggregated form of facility-location models.
    """
    Y = len(years)
    costly = np.array([o.capex is not None or o.opex_usd_per_yr > 0 or o.operators > 0
                       for o in options])
    keep = costly[fo.o]
    if not keep.any():
        return
    row_of = np.full(len(fo.o), -1)
    row_of[keep] = np.arange(int(keep.sum()))
    n_fo = int(keep.sum())
    ent = np.flatnonzero(keep[fo.of])  # option-load entries feeding a kept row
    kf = np.flatnonzero(keep)
    cols = mb.col("x", (np.repeat(lp[ent] * Y, Y) + np.tile(np.arange(Y), len(ent))))
    vals = np.repeat(lv[ent], Y)
    labels = [(feeds[f], options[o].name) for f, o in
              zip(fo.f[kf].tolist(), fo.o[kf].tolist(), strict=True)]
    if yearly:  # row (fo, y) = fo * Y + y
        r = np.repeat(row_of[fo.of[ent]] * Y, Y) + np.tile(np.arange(Y), len(ent))
        U = (fo.load[kf][:, None] * avail[fo.f[kf]]).reshape(-1)
        n_rows = n_fo * Y
        bcols = mb.col("build", np.repeat(fo.o[kf], Y))
        labels = [(f, o, y) for f, o in labels for y in years]
    else:
        r = np.repeat(row_of[fo.of[ent]], Y)
        U = fo.load[kf] * avail[fo.f[kf]].sum(axis=1)
        n_rows = n_fo
        bcols = mb.col("build", fo.o[kf])
    rows = np.concatenate((r, np.arange(n_rows)))
    cols = np.concatenate((cols, bcols))
    vals = np.concatenate((vals, -U))
    mb.add_group("feed_to_build", rows, cols, vals, n_rows, -np.inf, 0.0, labels=labels)
