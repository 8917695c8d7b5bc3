"""Hand a built Pyomo model to HiGHS and read the solution back.

The handoff compiles the Pyomo model with Pyomo's linear standard-form compiler
(``LinearStandardFormCompiler``, mixed form) and passes the arrays to ``highspy`` directly —
the fastest path we measured; Pyomo's own HiGHS interface (``appsi_highs``) is available as
``method="appsi"`` for cross-checks. A non-optimal status raises :class:`SolverError` with
what to change; an infeasible model is diagnosed by re-solving with elastic slacks on every
row and naming the constraint groups that need them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC

from ..errors import SolverError
from .model import OptModel


@dataclass
class SolveInfo:
    status: str
    objective: float
    proven_optimal: bool
    mip_gap: float
    time_s: float
    handoff_s: float
    n_vars: int
    n_binary: int
    n_integer: int
    n_rows: int
    n_nonzeros: int
    diagnosis: list[str] = field(default_factory=list)


@dataclass
class Compiled:
    """The standard-form arrays of a Pyomo model, ready for highspy."""

    A: sp.csc_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integrality: np.ndarray
    c: np.ndarray
    offset: float
    sense: str
    columns: list
    rows: list


def compile_model(m: pyo.ConcreteModel, *, compiler: str = "fast") -> Compiled:
    """Compile a linear Pyomo model to standard-form arrays.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A linear (MI)LP: one active objective, active linear constraints.
    compiler : {"fast", "lsfc"}
        ``fast`` (default) reads each constraint body that is a ``LinearExpression`` of
        variables and monomials straight from its arguments, with the garbage collector paused,
        and hands any other body to Pyomo's ``generate_standard_repn``; ``lsfc`` uses Pyomo's
        ``LinearStandardFormCompiler`` for every row (slower; kept for cross-checks). Both give
        the same rows in the same order (a ranged constraint gives a ``<=`` row then a ``>=``
        row; ``Compiled.rows`` holds ``RowEntry(constraint, bound_type)`` with bound_type 0 for
        ``==``, 1 for ``<=``, -1 for ``>=``). ``fast`` keeps every variable of the model as a
        column, in declaration order (a fixed variable as a column with both bounds at its
        value); ``lsfc`` keeps only the unfixed variables the rows and objective use.

    Returns
    -------
    Compiled
    """
    if compiler == "lsfc":
        return _compile_lsfc(m)
    if compiler != "fast":
        raise ValueError(f"compiler {compiler!r}; allowed: fast, lsfc")
    with PauseGC():
        return _compile_fast(m)


def _compile_lsfc(m: pyo.ConcreteModel) -> Compiled:
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
    n = len(repn.columns)
    rhs = np.asarray(repn.rhs, dtype=float)
    mult = np.array([r.bound_type for r in repn.rows], dtype=int)
    row_lo = np.where(mult == 1, -np.inf, rhs)
    row_hi = np.where(mult == -1, np.inf, rhs)
    col_lo, col_hi, integ = _column_arrays(list(repn.columns))
    c = repn.c.toarray()[0] if repn.c.shape[0] else np.zeros(n)
    obj = repn.objectives[0]
    sense = "max" if obj.sense == pyo.maximize else "min"
    return Compiled(repn.A, row_lo, row_hi, col_lo, col_hi, integ, c,
                    float(repn.c_offset[0]) if len(repn.c_offset) else 0.0, sense,
                    list(repn.columns), list(repn.rows))


def _column_arrays(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds and integrality of the columns.

    Reads each variable's own bound and domain once and resolves domain bounds per distinct
    domain (there are a handful), which is what ``VarData.lb``/``ub``/``is_integer`` compute
    per variable; a bound that is not a plain number (a Param or an expression) is resolved
    through the public ``VarData.bounds``. A fixed variable gets both bounds at its value.
    """
    n = len(columns)
    try:
        raw = [(v._lb, v._ub, v._domain, v._fixed) for v in columns]
    except AttributeError:  # a Pyomo without these slots: the public (slower) path
        return _column_arrays_public(columns)
    if not n:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int32)
    lbs, ubs, doms, fixed = zip(*raw, strict=True)
    lo = _bound_array(lbs, -np.inf)
    hi = _bound_array(ubs, np.inf)
    if lo is None or hi is None:
        return _column_arrays_public(columns)
    integ = np.zeros(n, dtype=np.int32)
    dom_ids = np.fromiter(map(id, doms), dtype=np.int64, count=n)
    for did in np.unique(dom_ids):
        sel = dom_ids == did
        j = int(np.flatnonzero(sel)[0])
        dlo, dhi = columns[j].domain.bounds()
        if dlo is not None:
            lo[sel] = np.maximum(lo[sel], dlo)
        if dhi is not None:
            hi[sel] = np.minimum(hi[sel], dhi)
        integ[sel] = 1 if columns[j].is_integer() else 0
    fx = np.flatnonzero(np.fromiter(fixed, dtype=bool, count=n))
    for j in fx:
        val = columns[j].value
        if val is None:
            raise SolverError(f"variable {columns[j].name} is fixed but has no value")
        lo[j] = hi[j] = float(val)
    return lo, hi, integ


def _bound_array(vals: tuple, none: float) -> np.ndarray | None:
    try:
        return np.array([none if v is None else v for v in vals], dtype=float)
    except (TypeError, ValueError):
        return None


def _column_arrays_public(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = [v.bounds for v in columns]
    lo = np.array([-np.inf if x[0] is None else x[0] for x in b], dtype=float)
    hi = np.array([np.inf if x[1] is None else x[1] for x in b], dtype=float)
    for j, v in enumerate(columns):
        if v.fixed:
            lo[j] = hi[j] = float(v.value)
    integ = np.array([1 if v.is_integer() else 0 for v in columns], dtype=np.int32)
    return lo, hi, integ


class _Lazy:
    """Column lookup for rows compiled from their expressions (built on first use)."""

    def __init__(self, columns: list) -> None:
        self.columns = columns
        self._map: dict[int, int] | None = None

    @property
    def map(self) -> dict[int, int]:
        if self._map is None:
            self._map = {id(v): j for j, v in enumerate(self.columns)}
        return self._map

    def index(self, v) -> int:
        j = self.map.get(id(v))
        if j is None:  # a variable declared outside the model: add it as a column
            j = self.map[id(v)] = len(self.columns)
            self.columns.append(v)
        return j


def _linear_terms(body, cols: _Lazy) -> tuple[list, list, float]:
    """(column indices, coefficients, constant) of a linear body.

    A ``LinearExpression`` whose arguments are all variables and monomials is read directly
    from its arguments; anything else goes through Pyomo's ``generate_standard_repn``.
    Coefficients may still be Pyomo numeric objects (mutable Params); the caller evaluates them.
    """
    from pyomo.core.base.var import VarData
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
    from pyomo.core.expr.numvalue import native_numeric_types

    if body.__class__ is LinearExpression:
        pairs = [a._args_ if a.__class__ is MonomialTermExpression else
                 ((1.0, a) if a.__class__ is VarData else None) for a in body.args]
        if None not in pairs:
            if not pairs:
                return [], [], 0.0
            coefs, vs = zip(*pairs, strict=True)
            try:
                idx = list(map(cols.map.__getitem__, map(id, vs)))
            except KeyError:
                idx = [cols.index(v) for v in vs]
            return idx, list(coefs), 0.0
    from pyomo.repn.standard_repn import generate_standard_repn

    if body.__class__ in native_numeric_types:
        return [], [], float(body)
    repn = generate_standard_repn(body, compute_values=True, quadratic=False)
    if not repn.is_linear():
        raise SolverError("the model has a nonlinear expression; the plant model must be "
                          "linear (MILP)")
    return ([cols.index(v) for v in repn.linear_vars], [float(c) for c in repn.linear_coefs],
            float(pyo.value(repn.constant)))


def _floats(vals: list) -> np.ndarray:
    try:
        return np.asarray(vals, dtype=float)
    except (TypeError, ValueError):
        return np.array([pyo.value(v) for v in vals], dtype=float)


def _model_columns(m: pyo.ConcreteModel, lay) -> tuple[list, bool]:
    """All variables of the model in declaration order, and whether the builder's columns are
    still its leading columns (same components, same sizes)."""
    comps = list(m.component_objects(pyo.Var, descend_into=True))
    if lay is not None and len(comps) >= len(lay.var_components) and all(
            a is b and len(a) == k for a, b, k in zip(comps, lay.var_components, lay.var_sizes,
                                                      strict=False)):
        columns = list(lay.columns)
        for comp in comps[len(lay.var_components):]:
            columns.extend(comp.values())
        return columns, True
    return [v for comp in comps for v in comp.values()], False


def _csr_rows(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, sel: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``sel`` (in that order, repeats allowed) of a CSR matrix, as CSR arrays."""
    lens = indptr[sel + 1] - indptr[sel]
    ptr = np.zeros(len(sel) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    pos = np.arange(ptr[-1], dtype=np.int64) - np.repeat(ptr[:-1] - indptr[sel], lens)
    return data[pos], indices[pos], ptr


def _group_rows(g, datas: list) -> tuple[tuple, np.ndarray, np.ndarray, list]:
    """A builder group as compiled rows: its non-empty rows, a ranged row as ``<=`` then
    ``>=`` (as the expression path does). Returns ((data, indices, indptr), lo, hi, rows)."""
    from pyomo.repn.plugins.standard_form import RowEntry

    data, indices, indptr = g.csr
    indptr = indptr.astype(np.int64)
    n_rows = g.shape[0]
    present = np.flatnonzero(np.diff(indptr) > 0)
    lo, hi = g.lo[present], g.hi[present]
    eq = lo == hi
    has_lo, has_hi = np.isfinite(lo), np.isfinite(hi)
    ranged = ~eq & has_lo & has_hi
    single = eq | has_lo | has_hi
    if len(present) == n_rows and not ranged.any() and single.all():
        k = np.arange(len(present))
        second = np.zeros(len(k), dtype=bool)
        csr = (data, indices, indptr)
    else:
        k = np.repeat(np.arange(len(present)), np.where(ranged, 2, np.where(single, 1, 0)))
        second = np.zeros(len(k), dtype=bool)
        second[1:] = k[1:] == k[:-1]
        csr = _csr_rows(data, indices, indptr, present[k])
    bt = np.where(eq[k], 0, np.where(ranged[k], np.where(second, -1, 1),
                                     np.where(has_hi[k], 1, -1)))
    r_lo = np.where(bt == 1, -np.inf, lo[k])
    r_hi = np.where(bt == -1, np.inf, hi[k])
    rows = list(map(RowEntry, [datas[i] for i in k.tolist()], bt.tolist()))
    return csr, r_lo, r_hi, rows


def _compile_fast(m: pyo.ConcreteModel) -> Compiled:
    import operator

    from pyomo.repn.plugins.standard_form import RowEntry

    lay = getattr(m, "_recyclopt_layout", None)
    columns, use_layout = _model_columns(m, lay)
    cols = _Lazy(columns)
    known = {id(con): (con, g, ex) for con, g, ex in lay.groups} if use_layout else {}
    blocks: list[tuple] = []  # (A rows, lo, hi) in row order, or generic rows
    rows: list = []
    lo: list[float] = []
    hi: list[float] = []
    ind: list[int] = []
    val: list = []
    ptr = [0]

    def flush() -> None:
        if len(ptr) > 1:
            blocks.append((("generic", list(ind), list(val), list(ptr)), np.asarray(lo, float),
                           np.asarray(hi, float)))
            ind.clear()
            val.clear()
            lo.clear()
            hi.clear()
            ptr[:] = [0]

    for comp in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        datas = list(comp.values())
        hit = known.get(id(comp))
        if hit is not None and hit[0] is comp and len(datas) == len(hit[2]) and all(
                d.active for d in datas) and all(map(operator.is_, (d.expr for d in datas),
                                                     hit[2])):
            flush()
            csr, r_lo, r_hi, r_rows = _group_rows(hit[1], datas)
            blocks.append((csr, r_lo, r_hi))
            rows.extend(r_rows)
            continue
        for con in datas:
            if not con.active:
                continue
            lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
            if lb is None and ub is None:
                continue
            idx, coefs, offset = _linear_terms(body, cols)
            if not idx and (lb is None or lb <= offset) and (ub is None or ub >= offset):
                continue
            if lb is not None and lb == ub:
                bounds = [(0, lb - offset, ub - offset)]
            else:
                bounds = []
                if ub is not None:
                    bounds.append((1, -np.inf, ub - offset))
                if lb is not None:
                    bounds.append((-1, lb - offset, np.inf))
            for bt, rlo, rhi in bounds:
                rows.append(RowEntry(con, bt))
                lo.append(rlo)
                hi.append(rhi)
                ind.extend(idx)
                val.extend(coefs)
                ptr.append(len(ind))
    flush()
    objs = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objs) != 1:
        raise SolverError(f"the model must have exactly one active objective; it has {len(objs)}")
    obj = objs[0]
    if use_layout and lay.objective[0] is obj and obj.expr is lay.objective[1]:
        c_lay, offset = lay.objective[2], lay.objective[3]
        oidx, ocoef = [], []
    else:
        c_lay, offset = np.zeros(0), 0.0
        oidx, ocoef, offset = _linear_terms(obj.expr, cols)
    n = len(columns)  # final: generic rows may have added columns
    c = np.zeros(n)
    c[:len(c_lay)] = c_lay
    np.add.at(c, np.asarray(oidx, dtype=np.int64), _floats(ocoef))
    datas_, inds_, ptrs_, los, his = [], [], [], [], []
    off = 0
    for blk, r_lo, r_hi in blocks:
        if isinstance(blk[0], str):
            _, gi, gv, gp = blk
            d, i, p = _floats(gv), np.asarray(gi, dtype=np.int64), np.asarray(gp, dtype=np.int64)
        else:
            d, i, p = blk
        datas_.append(np.asarray(d, dtype=float))
        inds_.append(np.asarray(i, dtype=np.int64))
        ptrs_.append(np.asarray(p[1:], dtype=np.int64) + off)
        off += int(p[-1])
        los.append(r_lo)
        his.append(r_hi)
    m_rows = sum(len(p) for p in ptrs_)
    A = sp.csr_array((np.concatenate(datas_) if datas_ else np.zeros(0),
                      np.concatenate(inds_) if inds_ else np.zeros(0, dtype=np.int64),
                      np.concatenate([np.zeros(1, dtype=np.int64), *ptrs_])),
                     shape=(m_rows, n))
    if any(isinstance(b[0][0], str) for b in blocks):
        A.sum_duplicates()
    if (A.data == 0).any():
        A.eliminate_zeros()
    col_lo, col_hi, integ = _column_arrays(columns)
    sense = "max" if obj.sense == pyo.maximize else "min"
    return Compiled(sp.csc_array(A), np.concatenate(los) if los else np.zeros(0),
                    np.concatenate(his) if his else np.zeros(0), col_lo, col_hi, integ, c,
                    float(offset), sense, columns, rows)


#: HiGHS runs on one process-wide thread scheduler; a run whose ``threads`` option differs
#: from the count the scheduler started with fails without solving (status "Not Set").
_SCHEDULER: dict[str, int | None] = {"threads": None}


_BANNER = {"shown": False}


def new_highs():
    """A ``highspy.Highs`` instance; the licence banner HiGHS prints to the process's stdout on
    its first construction is kept out of recyclopt's output (tables and plans)."""
    import os
    import sys

    import highspy

    if _BANNER["shown"]:
        return highspy.Highs()
    _BANNER["shown"] = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout file descriptor
        return highspy.Highs()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def set_threads(h, threads: int | None) -> None:
    """Set HiGHS's ``threads`` option, restarting the global scheduler when the count changes
    (0 = HiGHS's automatic choice)."""
    import highspy

    want = 0 if threads is None else int(threads)
    if _SCHEDULER["threads"] is not None and _SCHEDULER["threads"] != want:
        highspy.Highs.resetGlobalScheduler(True)
    _SCHEDULER["threads"] = want
    h.setOptionValue("threads", want)


def _highs(cm: Compiled, *, time_limit: float | None, mip_gap: float | None,
           threads: int | None, verbose: bool):
    """A ``highspy.Highs`` with the compiled model passed through its array API."""
    import highspy

    bad = [n for n, a in (("costs", cm.c), ("bounds", np.r_[cm.col_lo, cm.col_hi]),
                          ("limits", np.r_[cm.row_lo, cm.row_hi]), ("coefficients", cm.A.data))
           if np.isnan(a).any()]
    if bad:
        raise SolverError(f"the plant model has NaN in its {', '.join(bad)}: check the case "
                          "for missing or non-numeric values")
    h = new_highs()
    h.setOptionValue("output_flag", bool(verbose))
    h.setOptionValue("random_seed", 0)  # same input, same plan
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_gap))
    set_threads(h, threads)
    A = sp.csc_array(cm.A)
    sense = highspy.ObjSense.kMaximize if cm.sense == "max" else highspy.ObjSense.kMinimize
    st = h.passModel(int(A.shape[1]), int(A.shape[0]), int(A.nnz),
                     int(highspy.MatrixFormat.kColwise),
                int(sense), float(cm.offset), np.ascontiguousarray(cm.c, dtype=float),
                np.ascontiguousarray(cm.col_lo, dtype=float),
                np.ascontiguousarray(cm.col_hi, dtype=float),
                np.ascontiguousarray(cm.row_lo, dtype=float),
                np.ascontiguousarray(cm.row_hi, dtype=float), A.indptr.astype(np.int32),
                A.indices.astype(np.int32), A.data.astype(float),
                np.ascontiguousarray(cm.integrality, dtype=np.int32))
    if st == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model: check the case for missing, non-numeric "
                          "or inconsistent values (a lower bound above an upper bound)")
    return h


def _group_of(rowentry) -> str:
    return rowentry.constraint.parent_component().name


def diagnose_infeasible(cm: Compiled) -> list[str]:
    """Re-solve the LP relaxation with elastic slacks on every row; name the groups that need
    slack and by how much (the constraint groups in conflict)."""
    import highspy

    A = sp.csc_array(cm.A)
    m, n = A.shape
    lo_fin = np.isfinite(cm.row_lo)
    hi_fin = np.isfinite(cm.row_hi)
    # columns: original (relaxed integrality) + s_up (relaxes upper bound) + s_lo
    up_rows = np.flatnonzero(hi_fin)
    lo_rows = np.flatnonzero(lo_fin)
    S_up = sp.csc_array((-np.ones(len(up_rows)), (up_rows, np.arange(len(up_rows)))),
                        shape=(m, len(up_rows)))
    S_lo = sp.csc_array((np.ones(len(lo_rows)), (lo_rows, np.arange(len(lo_rows)))),
                        shape=(m, len(lo_rows)))
    Afull = sp.hstack([A, S_up, S_lo], format="csc")
    ns = len(up_rows) + len(lo_rows)
    h = new_highs()
    set_threads(h, None)
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = n + ns
    lp.num_row_ = m
    # scale-free: weight each slack by 1 / (1 + |rhs|) so big and small rows count alike
    w_up = 1.0 / (1.0 + np.abs(cm.row_hi[up_rows]))
    w_lo = 1.0 / (1.0 + np.abs(cm.row_lo[lo_rows]))
    lp.col_cost_ = np.r_[np.zeros(n), w_up, w_lo]
    lp.col_lower_ = np.r_[cm.col_lo, np.zeros(ns)]
    lp.col_upper_ = np.r_[cm.col_hi, np.full(ns, np.inf)]
    lp.row_lower_ = cm.row_lo
    lp.row_upper_ = cm.row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = Afull.indptr.astype(np.int32)
    lp.a_matrix_.index_ = Afull.indices.astype(np.int32)
    lp.a_matrix_.value_ = Afull.data.astype(float)
    h.passModel(lp)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    if len(x) != n + ns:
        return ["the elastic re-solve found no solution either: check variable bounds"]
    s_up, s_lo = x[n:n + len(up_rows)], x[n + len(up_rows):]
    need: dict[str, float] = {}
    for rows, s in ((up_rows, s_up), (lo_rows, s_lo)):
        for r, v in zip(rows, s, strict=True):
            if v > 1e-7:
                g = _group_of(cm.rows[r])
                need[g] = need.get(g, 0.0) + float(v)
    return [f"{g} (total violation {v:.4g})" for g, v in sorted(need.items(), key=lambda t: -t[1])]


def _pow2(x: np.ndarray) -> np.ndarray:
    """The power of two nearest each positive ``x`` (scaling by it is exact in floating point)."""
    return np.exp2(np.round(np.log2(x)))


def scale_compiled(cm: Compiled) -> tuple[Compiled, np.ndarray, float]:
    """Scale a compiled model by powers of two so HiGHS sees numbers near 1.

    Continuous columns are scaled so their finite upper bound (or, unbounded, the geometric
    mean of their matrix entries' inverse) is near 1; rows so their largest entry is near 1;
    the objective so its largest cost is near 1. Integer columns are not scaled. A case in
    grams of magnet with plants in kt/yr spans ~1e-8 to 1e12 unscaled; HiGHS then warns that
    the problem is badly scaled.

    Parameters
    ----------
    cm : the compiled model.

    Returns
    -------
    (Compiled, numpy.ndarray, float)
        The scaled model, the column scale ``s`` (original ``x = s * x_scaled``) and the
        objective scale ``k`` (original objective ``= scaled objective / k``).
    """
    A = sp.csc_array(cm.A, copy=True)
    n = A.shape[1]
    cont = cm.integrality == 0
    absA = abs(A)
    cmax = absA.max(axis=0).toarray().ravel() if n else np.zeros(0)
    with np.errstate(divide="ignore"):
        logs = sp.csc_array((np.log2(absA.data), absA.indices, absA.indptr), shape=A.shape)
    cnt = np.diff(A.indptr)
    gmean = np.exp2(np.divide(logs.sum(axis=0), cnt, out=np.zeros(n), where=cnt > 0))
    bound = np.where(np.isfinite(cm.col_hi) & (np.abs(cm.col_hi) > 0), np.abs(cm.col_hi), 0.0)
    bound = np.maximum(bound, np.where(np.isfinite(cm.col_lo), np.abs(cm.col_lo), 0.0))
    col = np.ones(n)
    by_bound = cont & (bound > 0)
    col[by_bound] = bound[by_bound]
    by_mat = cont & ~by_bound & (cmax > 0)
    col[by_mat] = 1.0 / gmean[by_mat]
    col = _pow2(np.clip(col, 1e-12, 1e12))
    col[~cont] = 1.0
    A = A @ sp.diags_array(col)
    rmax = abs(A).max(axis=1).toarray().ravel() if A.shape[0] else np.zeros(0)
    row = _pow2(1.0 / np.where(rmax > 0, rmax, 1.0))
    A = sp.csc_array(sp.diags_array(row) @ A)
    c = cm.c * col
    cm_ = float(np.abs(c).max(initial=0.0))
    k = float(_pow2(np.array([1.0 / cm_]))[0]) if cm_ > 0 else 1.0
    with np.errstate(invalid="ignore"):
        scaled = Compiled(A, cm.row_lo * row, cm.row_hi * row, cm.col_lo / col, cm.col_hi / col,
                          cm.integrality, c * k, cm.offset * k, cm.sense, cm.columns, cm.rows)
    return scaled, col, k


def solve(om: OptModel, *, time_limit: float | None = None, mip_gap: float | None = 1e-6,
          threads: int | None = None, verbose: bool = False, method: str = "highspy",
          raise_on_failure: bool = True, scaling: bool = True) -> tuple[np.ndarray, SolveInfo]:
    """Solve a built model; returns the column values (builder order) and solver info.

    Parameters
    ----------
    time_limit : seconds; at the limit the incumbent is returned with its gap and
        ``proven_optimal=False``.
    mip_gap : relative MIP gap at which HiGHS stops (default 1e-6).
    method : ``highspy`` (standard-form arrays straight to HiGHS) or ``appsi`` (Pyomo's
        persistent HiGHS interface).
    scaling : hand HiGHS the model scaled by powers of two (:func:`scale_compiled`); the
        values and objective returned are in the case's units either way.
    """
    t0 = time.perf_counter()
    if method == "appsi":
        return _solve_appsi(om, time_limit, mip_gap, raise_on_failure)
    cm = compile_model(om.model)
    if scaling:
        cm_s, col_scale, obj_scale = scale_compiled(cm)
    else:
        cm_s, col_scale, obj_scale = cm, np.ones(len(cm.columns)), 1.0
    h = _highs(cm_s, time_limit=time_limit, mip_gap=mip_gap, threads=threads, verbose=verbose)
    t1 = time.perf_counter()
    import highspy

    try:
        run_status = h.run()
    except Exception as exc:  # a crash inside the solver library is a solver fault
        raise SolverError(f"HiGHS failed while solving ({type(exc).__name__}: {exc}); rerun "
                          "with --debug and report the case file") from exc

    status = h.getModelStatus()
    st = h.modelStatusToString(status)
    info_h = h.getInfo()
    sol = h.getSolution()
    has_sol = bool(getattr(info_h, "primal_solution_status", 0) == 2) or status == \
        highspy.HighsModelStatus.kOptimal
    n_int = int(cm.integrality.sum())
    n_bin = _count_binary(cm.columns)
    gap = float(getattr(info_h, "mip_gap", 0.0)) if n_int else 0.0
    if not np.isfinite(gap):
        gap = float("inf")
    info = SolveInfo(st, float(info_h.objective_function_value) / obj_scale if has_sol
                     else float("nan"),
                     status == highspy.HighsModelStatus.kOptimal, gap,
                     time.perf_counter() - t1, t1 - t0, len(cm.columns), n_bin, n_int - n_bin,
                     cm.A.shape[0], int(cm.A.nnz))
    if status == highspy.HighsModelStatus.kOptimal or (
            status in (highspy.HighsModelStatus.kTimeLimit,
                       highspy.HighsModelStatus.kIterationLimit,
                       highspy.HighsModelStatus.kSolutionLimit,
                       highspy.HighsModelStatus.kInterrupt) and has_sol):
        values = _to_builder_order(om, cm, np.asarray(sol.col_value) * col_scale)
        return values, info
    if not raise_on_failure:
        return np.full(om.builder.n, np.nan), info
    if status in (highspy.HighsModelStatus.kInfeasible,
                  highspy.HighsModelStatus.kUnboundedOrInfeasible):
        info.diagnosis = diagnose_infeasible(cm)
        groups = "; ".join(info.diagnosis) or "no single group (check variable bounds)"
        raise SolverError(f"the plant model is infeasible: constraint groups in conflict: "
                          f"{groups}. Relax those limits (policy minima, markets, CO2 caps) or "
                          "add feedstock")
    if status == highspy.HighsModelStatus.kUnbounded:
        raise SolverError("the plant model is unbounded: some option has no capacity limit while "
                          "earning money per unit (give it a max_capacity or a capex curve)")
    if status == highspy.HighsModelStatus.kTimeLimit:
        raise SolverError(f"HiGHS reached the time limit ({time_limit} s) without a feasible "
                          "plan: raise --time-limit or simplify the case")
    returned = "" if run_status != highspy.HighsStatus.kError else ", run returned an error"
    raise SolverError(f"HiGHS did not solve the model (status {st!r}{returned}): no plan was "
                      "produced. Check the case for extreme numbers (costs, capacities or "
                      "yields many orders of magnitude apart, or unit mix-ups), give a "
                      "--time-limit, and rerun with --debug to see the solver log")


def _count_binary(columns: list) -> int:
    """Number of variables whose domain is binary (``VarData.is_binary``, once per domain)."""
    counts: dict[int, list] = {}
    for v in columns:
        d = v.domain
        e = counts.get(id(d))
        if e is None:
            counts[id(d)] = [v, 1]
        else:
            e[1] += 1
    return sum(k for v, k in counts.values() if v.is_binary())


def _to_builder_order(om: OptModel, cm: Compiled, x: np.ndarray) -> np.ndarray:
    """Solution values in builder column order (loaded into the Pyomo variables too);
    integer columns rounded."""
    n = om.builder.n
    if len(cm.columns) >= n and all(a is b for a, b in zip(om.columns, cm.columns, strict=False)):
        out = np.array(x[:n], dtype=float)
        ints = cm.integrality[:n].astype(bool)
    else:  # the compiled columns are another selection or order: map them by identity
        pos = {id(v): i for i, v in enumerate(cm.columns)}
        out = np.zeros(n)
        for j, v in enumerate(om.columns):
            i = pos.get(id(v))
            if i is not None:
                out[j] = x[i]
            else:  # the column appears nowhere: it sits at its lower bound (or 0)
                out[j] = v.lb if v.lb is not None else 0.0
        ints = np.array([v.is_integer() for v in om.columns], dtype=bool)
    out[ints] = np.round(out[ints])
    for v, val in zip(om.columns, out.tolist(), strict=True):
        v.set_value(val, skip_validation=True)
    return out


def _solve_appsi(om: OptModel, time_limit, mip_gap, raise_on_failure):
    import highspy
    from pyomo.contrib.appsi.base import TerminationCondition
    from pyomo.contrib.appsi.solvers import Highs

    t0 = time.perf_counter()
    if _SCHEDULER["threads"] not in (None, 0):  # appsi runs HiGHS with its default threads
        highspy.Highs.resetGlobalScheduler(True)
        _SCHEDULER["threads"] = 0
    s = Highs()
    if time_limit is not None:
        s.config.time_limit = time_limit
    if mip_gap is not None:
        s.config.mip_gap = mip_gap
    s.config.load_solution = False
    res = s.solve(om.model)
    ok = res.termination_condition == TerminationCondition.optimal
    if not ok and raise_on_failure:
        raise SolverError(f"HiGHS (appsi) returned {res.termination_condition}")
    res.solution_loader.load_vars()
    x = np.array([v.value if v.value is not None else 0.0 for v in om.columns])
    info = SolveInfo(str(res.termination_condition), float(res.best_feasible_objective), ok,
                     0.0, time.perf_counter() - t0, 0.0, len(om.columns), 0, 0, 0, 0)
    return x, info
