"""The superstructure MILP, built vectorised from the coefficient tables as a Pyomo model.

The model is assembled as sparse blocks (numpy/scipy) — one constraint *group* per component
type, as in oemof-solph — and then expressed in Pyomo: one indexed ``Var`` per variable block
and one indexed ``Constraint`` per group whose rows are ``LinearExpression`` objects cut
straight from the CSR arrays (no Python loop per nonzero, no expression-tree churn). The Pyomo
model is the single source of truth; :mod:`recyclopt.optimize.solve` hands it to HiGHS.

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
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)

from ..economics import annuity_factor, npv_weights
from .case import Case, CaseError
from .superstructure import Superstructure, build


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
    building and compiling a model pay no sparse-matrix constructor per group.
    """

    def __init__(self, name: str, A: sp.csr_matrix | None, lo: np.ndarray, hi: np.ndarray,
                 labels: list, csr: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                 shape: tuple[int, int] | None = None) -> None:
        self.name = name
        self._A = A
        self._csr = csr
        self.shape = shape if shape is not None else (A.shape if A is not None else (0, 0))
        self.lo = lo
        self.hi = hi
        self.labels = labels

    @property
    def A(self) -> sp.csr_matrix:
        if self._A is None:
            data, indices, indptr = self._csr
            A = sp.csr_matrix((data, indices, indptr), shape=self.shape)
            A.has_sorted_indices = True
            self._A = A
        return self._A

    @A.setter
    def A(self, value: sp.csr_matrix) -> None:
        self._A = value
        self._csr = None
        self.shape = value.shape

    @property
    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(data, indices, indptr) of ``A``."""
        if self._csr is None:
            A = self._A.tocsr()
            self._csr = (A.data, A.indices, A.indptr)
        return self._csr

    def __repr__(self) -> str:
        return f"Group({self.name!r}, shape={self.shape})"


def _csr_arrays(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (column indices sorted within each row, duplicates summed) from triplets."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    vals = np.asarray(vals, dtype=float)
    if len(vals) > 20_000:  # scipy's counting sort is faster on big groups
        A = sp.csr_matrix((vals, (rows, cols)), shape=shape)
        A.sum_duplicates()
        return A.data, A.indices, A.indptr
    key = rows * shape[1] + cols
    if len(key) > 1 and not (key[1:] > key[:-1]).all():
        order = np.argsort(key, kind="stable")
        key, vals = key[order], vals[order]
        dup = key[1:] == key[:-1]
        if dup.any():
            starts = np.flatnonzero(np.r_[True, ~dup])
            vals = np.add.reduceat(vals, starts)
            key = key[starts]
    r = key // shape[1]
    indptr = np.zeros(shape[0] + 1, dtype=np.int32)
    np.cumsum(np.bincount(r, minlength=shape[0]), out=indptr[1:])
    return vals, (key - r * shape[1]).astype(np.int32), indptr


class MatrixBuilder:
    """Collects variable blocks and constraint groups as sparse arrays."""

    def __init__(self) -> None:
        self.blocks: dict[str, Block] = {}
        self.n = 0
        self.groups: list[Group] = []

    def add_block(self, name: str, size: int, lb: float | np.ndarray = 0.0,
                  ub: float | np.ndarray = np.inf, kind: str = "C", labels: list | None = None
                  ) -> Block:
        b = Block(name, size, np.broadcast_to(np.asarray(lb, float), (size,)).copy(),
                  np.broadcast_to(np.asarray(ub, float), (size,)).copy(), kind, self.n,
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
        shape = (n_rows, self.n)
        self.groups.append(Group(name, None,
                                 np.broadcast_to(np.asarray(lo, float), (n_rows,)).copy(),
                                 np.broadcast_to(np.asarray(hi, float), (n_rows,)).copy(),
                                 labels or list(range(n_rows)),
                                 csr=_csr_arrays(rows, cols, vals, shape), shape=shape))


@dataclass
class ModelLayout:
    """What the builder put into a Pyomo model, kept on it as ``model._recyclopt_layout``.

    The compiler (:func:`recyclopt.optimize.solve.compile_model`) uses it as a verified memo:
    a constraint group whose rows are still exactly the expression objects listed here (same
    objects, all active, none added or removed) is read from the builder's arrays instead of
    walking its expressions; anything else in the model is compiled from its expressions.
    """

    var_components: list  # the Var components, in column order
    var_sizes: list  # their sizes when built
    columns: list  # VarData in builder column order
    groups: list  # (Constraint component, Group, relational expressions of its non-empty rows)
    objective: tuple  # (Objective component, its expression, c in builder order, constant)


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


#: VarData keeps its own bounds in these slots; a plain float (or None) stored there is what
#: the public ``lower``/``upper`` setters store after validating it
_BOUND_SLOT = {"lower": "_lb", "upper": "_ub"}
_RAW_BOUNDS = all(s in getattr(VarData, "__slots__", ()) for s in _BOUND_SLOT.values())


def _set_side(vds: list, side: str, arr: np.ndarray) -> None:
    """Set one side (``lower`` or ``upper``) of each variable's bounds.

    The values are plain finite floats or None (no Params, no expressions), so they are stored
    the way the public setter would store them after validation, without its per-call checks
    (measured: 0.12 s -> 0.03 s for 331k variables); the public setter is used on a Pyomo
    whose ``VarData`` lacks these slots.
    """
    vals = arr.tolist()
    fin = np.isfinite(arr)
    if not fin.all():
        vals = [v if f else None for v, f in zip(vals, fin.tolist(), strict=True)]
    attr = _BOUND_SLOT[side] if _RAW_BOUNDS else side
    for v, b in zip(vds, vals, strict=True):
        setattr(v, attr, b)


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


def _constant_bound(arr: np.ndarray) -> tuple[bool, float | None]:
    if not len(arr) or not (arr == arr[0]).all():
        return False, None
    return True, (float(arr[0]) if np.isfinite(arr[0]) else None)


class _QuietGC:
    """Pause the cyclic garbage collector while a model's objects are created, then hand them
    straight to the oldest generation.

    Creating ~10^6 Pyomo objects with the collector running costs repeated full passes over a
    growing heap; pausing it (Pyomo's ``PauseGC``, as its writers do) defers the cost to three
    passes over all the new objects as they age through the generations (~0.3 s each at 2
    million objects). ``gc.freeze()`` followed by ``gc.unfreeze()`` moves every tracked object
    to the oldest generation without a pass, which is where a model's long-lived objects end
    up anyway; it is skipped when the process has frozen objects of its own (``unfreeze``
    would release them). Measured on the large benchmark case: 0.9 s of collector pauses
    after the build without it, none with it (see ``benchmarks/RESULTS.md``).
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


def _relation(expr: LinearExpression, lo: float, hi: float):
    """The relational expression ``lo <= expr <= hi`` built directly (no operator dispatch)."""
    if lo == hi:
        return EqualityExpression((expr, lo))
    if lo == -np.inf:
        return InequalityExpression((expr, hi), False)
    if hi == np.inf:
        return InequalityExpression((lo, expr), False)
    return RangedExpression((lo, expr, hi), (False, False))


def _pyomo_from_builder(mb: MatrixBuilder, c: np.ndarray, sense: str, const: float = 0.0
                        ) -> tuple[pyo.ConcreteModel, list]:
    """Express the builder's blocks and groups as a Pyomo model.

    Fast paths (measured, see ``benchmarks/``): the garbage collector is paused while the
    ~10^6 expression objects are created (Pyomo's own ``PauseGC``, as its writers do), dense
    ``Var`` blocks are constructed with their constant bounds and only the varying side is set
    per variable, unit coefficients enter a ``LinearExpression`` as the bare variable (no
    ``MonomialTermExpression`` object), and the relational expressions are built directly.
    """
    m = pyo.ConcreteModel(name="recyclopt_plant")
    columns: list = []
    var_components: list = []
    layout_groups: list = []
    domains = {"C": pyo.Reals, "B": pyo.Binary, "I": pyo.Integers}
    with _QuietGC():
        for b in mb.blocks.values():
            lb_const, lb0 = _constant_bound(b.lb)
            ub_const, ub0 = _constant_bound(b.ub)
            var = pyo.Var(range(b.size), domain=domains[b.kind], dense=True,
                          bounds=(lb0 if lb_const else None, ub0 if ub_const else None))
            m.add_component(b.name, var)
            var_components.append(var)
            vds = list(var.values())
            if not lb_const:
                _set_side(vds, "lower", b.lb)
            if not ub_const:
                _set_side(vds, "upper", b.ub)
            columns.extend(vds)
        for g in mb.groups:
            g_data, g_ind, g_ptr = g.csr
            data, ptr = g_data.tolist(), g_ptr.tolist()
            vs = [columns[j] for j in g_ind.tolist()]
            terms = [v if a == 1.0 else MonomialTermExpression((a, v))
                     for a, v in zip(data, vs, strict=True)]
            lo, hi = g.lo.tolist(), g.hi.tolist()
            exprs = {}
            for i in range(g.shape[0]):
                a, z = ptr[i], ptr[i + 1]
                if a == z:
                    continue
                exprs[i] = _relation(LinearExpression(terms[a:z]), lo[i], hi[i])
            keys = range(g.shape[0]) if len(exprs) == g.shape[0] else list(exprs)
            # a dict initialiser skips the rule's signature inspection (~50 us a component);
            # a function is cheaper per row on big groups
            con = pyo.Constraint(keys, rule=exprs if len(exprs) < 2000 else
                                 (lambda _m, i, exprs=exprs: exprs[i]))
            m.add_component(g.name, con)
            layout_groups.append((con, g, list(exprs.values())))
        nz = np.flatnonzero(c)
        cz = c[nz].tolist()
        args = [const] if const else []
        args += [columns[j] if a == 1.0 else MonomialTermExpression((a, columns[j]))
                 for a, j in zip(cz, nz.tolist(), strict=True)]
        obj_expr = LinearExpression(args)
        m.objective = pyo.Objective(expr=obj_expr,
                                    sense=pyo.maximize if sense == "max" else pyo.minimize)
    m._recyclopt_layout = ModelLayout(var_components, [b.size for b in mb.blocks.values()],
                                      columns, layout_groups,
                                      (m.objective, obj_expr, np.array(c, dtype=float),
                                       float(const)))
    return m, columns


def build_model(case: Case, *, objective: str | None = None, mode: str | None = None,
                sup: Superstructure | None = None,
                extra: list[tuple[str, np.ndarray, float, float]] | None = None,
                price_factor: float = 1.0, pyomo: bool = True) -> OptModel:
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
    """
    objective = objective or case.objective
    mode = mode or case.mode
    sup = sup or build(case)
    pairs, load, rec = sup.pairs, sup.load, sup.recovered
    years = case.years
    Y = len(years)
    K = len(pairs)
    feeds = [f.name for f in case.feedstocks]
    f_idx = pd.Index(feeds).get_indexer(pairs["feedstock"]).astype(np.int64)
    yi = years.astype(int)
    avail = np.array([f.availability.to_numpy(dtype=float) if np.array_equal(
        f.availability.index.to_numpy(), yi) else f.availability.reindex(yi).to_numpy()
        for f in case.feedstocks])  # F x Y
    options = case.options
    n_opt = len(options)
    o_idx = {o.name: i for i, o in enumerate(options)}
    mb = MatrixBuilder()

    # ---- variables
    x_ub = avail[f_idx, :].reshape(-1)  # k-major: col = k*Y + y
    mb.add_block("x", K * Y, 0.0, x_ub, labels=_PairYearLabels(K, years.astype(int).tolist()))
    # the largest throughput an option could ever see (bounds the big-M of its build switch)
    lp = load["pair"].to_numpy()
    lo_ = np.fromiter((o_idx[n] for n in load["option"].tolist()), dtype=np.int64,
                      count=len(lp))
    lv = load["basis_per_unit"].to_numpy()
    peak_avail = avail.max(axis=1)[f_idx]
    tmax = np.zeros(n_opt)
    np.add.at(tmax, lo_, lv * peak_avail[lp])
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
    seg = pd.DataFrame(sg)
    S = len(sg["o"])
    if S:
        mb.add_block("seg_z", S, 0.0, 1.0, "B",
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
    paths = sorted(pairs["path_index"].unique())
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
                 avail.reshape(-1), labels=[(f, int(y)) for f in feeds for y in years])
    # ---- capacity: throughput of option o in year y <= cap[o]
    r_cap = np.repeat(lo_ * Y, Y) + np.tile(np.arange(Y), len(lp))
    c_cap = mb.col("x", np.repeat(lp * Y, Y) + np.tile(np.arange(Y), len(lp)))
    v_cap = np.repeat(lv, Y)
    rows = np.concatenate([r_cap, np.arange(n_opt * Y)])
    cols = np.concatenate([c_cap, mb.col("cap", np.repeat(np.arange(n_opt), Y))])
    vals = np.concatenate([v_cap, -np.ones(n_opt * Y)])
    mb.add_group("capacity", rows, cols, vals, n_opt * Y, -np.inf, 0.0,
                 labels=[(o.name, int(y)) for o in options for y in years])
    # ---- build switch: cap[o] <= M_o build[o]
    big = np.where(np.isfinite(cap_ub), cap_ub, tmax)
    big = np.maximum(big, 1.0)
    mb.add_group("build_switch", np.r_[np.arange(n_opt), np.arange(n_opt)],
                 np.r_[mb.col("cap", np.arange(n_opt)), mb.col("build", np.arange(n_opt))],
                 np.r_[np.ones(n_opt), -big], n_opt, -np.inf, 0.0, labels=[o.name for o in options])
    # ---- piecewise capex (multiple-choice formulation; HiGHS has no SOS)
    if S:
        so = sg["o"]
        curve_opts = np.unique(so)
        pos = {o: j for j, o in enumerate(curve_opts)}
        # cap[o] = sum_s w[s]
        r = np.r_[[pos[o] for o in curve_opts], [pos[o] for o in so]]
        cidx = np.r_[mb.col("cap", curve_opts), mb.col("seg_w", np.arange(S))]
        v = np.r_[np.ones(len(curve_opts)), -np.ones(S)]
        mb.add_group("capex_capacity", r, cidx, v, len(curve_opts), 0.0, 0.0,
                     labels=[options[o].name for o in curve_opts])
        # sum_s z[s] = build[o]
        r = np.r_[[pos[o] for o in so], [pos[o] for o in curve_opts]]
        cidx = np.r_[mb.col("seg_z", np.arange(S)), mb.col("build", curve_opts)]
        v = np.r_[np.ones(S), -np.ones(len(curve_opts))]
        mb.add_group("capex_segment_choice", r, cidx, v, len(curve_opts), 0.0, 0.0,
                     labels=[options[o].name for o in curve_opts])
        # lo_s z_s <= w_s <= hi_s z_s
        ar = np.arange(S)
        mb.add_group("capex_segment_upper", np.r_[ar, ar],
                     np.r_[mb.col("seg_w", ar), mb.col("seg_z", ar)],
                     np.r_[np.ones(S), -sg["hi"]], S, -np.inf, 0.0)
        mb.add_group("capex_segment_lower", np.r_[ar, ar],
                     np.r_[mb.col("seg_w", ar), mb.col("seg_z", ar)],
                     np.r_[np.ones(S), -sg["lo"]], S, 0.0, np.inf)
    # ---- discrete equipment: throughput <= capacity per unit x units, every year
    if eq_opts:
        epos = {o: j for j, o in enumerate(eq_opts)}
        sel = np.isin(lo_, eq_opts)
        lp_e, lo_e, lv_e = lp[sel], lo_[sel], lv[sel]
        r = np.repeat(np.array([epos[o] for o in lo_e], dtype=int) * Y, Y) + np.tile(
            np.arange(Y), len(lp_e))
        cidx = mb.col("x", np.repeat(lp_e * Y, Y) + np.tile(np.arange(Y), len(lp_e)))
        v = np.repeat(lv_e, Y)
        cpu = np.array([options[o].equipment.capacity_per_unit for o in eq_opts])
        r2 = np.arange(len(eq_opts) * Y)
        c2 = mb.col("units", np.repeat(np.arange(len(eq_opts)), Y))
        mb.add_group("equipment", np.r_[r, r2], np.r_[cidx, c2], np.r_[v, -np.repeat(cpu, Y)],
                     len(eq_opts) * Y, -np.inf, 0.0,
                     labels=[(options[o].name, int(y)) for o in eq_opts for y in years])
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
                             hi, labels=[(label, int(y)) for y in years])
            return
        r = np.tile(np.arange(Y), len(nzk))
        cidx = mb.col("x", np.repeat(nzk * Y, Y) + r)
        mb.add_group(name, r, cidx, np.repeat(coef_k[nzk], Y), Y, lo, hi,
                     labels=[(label, int(y)) for y in years])

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
    co2 = pairs["co2_kg_per_unit"].to_numpy()
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
                     labels=[(f, int(y)) for f in feeds for y in years])
    if mode == "single_path":
        pidx = np.array([p_pos[p] for p in pairs["path_index"]])
        r = np.arange(K * Y)
        mb.add_group("single_path_link", np.r_[r, r], np.r_[xcol, mb.col("use", pidx[kflat])],
                     np.r_[np.ones(K * Y), -np.maximum(x_ub, 0.0)], K * Y, -np.inf, 0.0)
        mb.add_group("single_path_choice", np.zeros(len(paths), dtype=int),
                     mb.col("use", np.arange(len(paths))), np.ones(len(paths)), 1, -np.inf, 1.0)

    # ---- objective pieces (per column)
    w = npv_weights(case.costing, case.horizon)
    rev = pairs["revenue_usd_per_unit"].to_numpy() * price_factor
    var = pairs["var_cost_usd_per_unit"].to_numpy()
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
    m, columns = _pyomo_from_builder(mb, c, sense) if pyomo else (None, [])
    meta = {"pieces": pieces, "weights": w, "seg": seg, "eq_opts": eq_opts, "years": years,
            "f_idx": f_idx, "avail": avail, "rec_tot": rec_tot, "metrics": metrics,
            "price_factor": price_factor}
    return OptModel(case, sup, mb, m, columns, c, sense, objective, meta)
