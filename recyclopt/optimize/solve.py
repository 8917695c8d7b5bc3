"""Hand a built Pyomo model to HiGHS and read the solution back.

The handoff compiles the Pyomo model to standard-form arrays (:func:`compile_model`: the
plant model's array-backed constraint groups are read from their arrays, anything else from
its expressions, the same rows and numbers as Pyomo's ``LinearStandardFormCompiler``) and
passes them to ``highspy``'s array API — the fastest path we measured; Pyomo's own HiGHS
interface (``appsi_highs``) is available as ``method="appsi"`` for cross-checks. A non-optimal status raises :class:`SolverError` with
what to change; an infeasible model is diagnosed by re-solving with elastic slacks on every
row and naming the constraint groups that need them.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import RowEntry

from ..errors import InputError, SolverError
from .model import OptModel, feed_to_build_rows, stack_csr


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
    #: what the start heuristic did (:meth:`recyclopt.optimize.heuristic.HeuristicResult.summary`),
    #: empty when none ran
    heuristic: dict = field(default_factory=dict)


#: up to this many nonzeros the fast compiler leaves the matrix row-wise (CSR) and HiGHS
#: transposes it in ``passModel`` (the same column-wise matrix, checked in the tests): on the
#: default case this saves ~0.3 ms of a ~1 ms handoff; on large models scipy's conversion
#: plus a column-wise pass is faster (measured at 1.7M nonzeros: 50 ms against 70-120 ms)
_ROWWISE_NNZ = 20_000


@dataclass
class Compiled:
    """The standard-form arrays of a Pyomo model, ready for highspy.

    ``A`` is a scipy sparse array: column-wise (CSC), or row-wise (CSR) for a model of up to
    :data:`_ROWWISE_NNZ` nonzeros from the fast compiler; convert with ``scipy.sparse``
    (``csc_array(cm.A)``) where the layout matters.
    """

    A: sp.sparray
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

    def relaxation(self) -> Compiled:
        """The same model with every column continuous (the LP relaxation); the arrays are
        shared, not copied."""
        return dataclasses.replace(self, integrality=np.zeros_like(self.integrality))


def compile_model(m: pyo.ConcreteModel, *, compiler: str = "fast") -> Compiled:
    """Compile a linear Pyomo model to standard-form arrays.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A linear (MI)LP: one active objective, active linear constraints.
    compiler : {"fast", "lsfc"}
        ``fast`` (default) reads the rows of an
        :class:`~recyclopt.optimize.array_components.ArrayConstraint` that are still as the
        builder made them (active, expression not replaced) and an ``ArrayObjective`` from
        their arrays, each other body that is a ``LinearExpression`` of variables and
        monomials straight from its arguments, and any other body through Pyomo's
        ``generate_standard_repn``, with the garbage collector paused; ``lsfc`` uses Pyomo's
        ``LinearStandardFormCompiler``, which reads every row through its expression (slower;
        kept for cross-checks). Both give
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


def _domain_groups(doms: list, sizes: list[int]) -> list[tuple[slice | np.ndarray, int]]:
    """Columns sharing a domain object: ``(columns, first column)`` per group.

    ``sizes`` splits the columns into runs (the Var components) that usually share one domain;
    a run is checked with one list comparison (in C: identity first, then ``==``, so a run of
    domains that are equal sets counts as one, which has the same bounds and integrality); a
    run that mixes domains is grouped by object identity.
    """
    out: list[tuple[slice | np.ndarray, int]] = []
    a = 0
    for k in sizes:
        b = a + k
        seg = doms[a:b]
        if k and seg == [seg[0]] * k:
            out.append((slice(a, b), a))
        elif k:
            ids = np.fromiter(map(id, seg), dtype=np.int64, count=k)
            for did in np.unique(ids):
                sel = np.flatnonzero(ids == did)
                out.append((sel + a, a + int(sel[0])))
        a = b
    return out


def _column_arrays(columns: list, sizes: list[int] | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds and integrality of the columns.

    Reads each variable's own bound and domain once and resolves domain bounds per distinct
    domain (there are a handful), which is what ``VarData.lb``/``ub``/``is_integer`` compute
    per variable; a bound that is not a plain number (a Param or an expression) is resolved
    through the public ``VarData.bounds``. A fixed variable gets both bounds at its value.
    Each slot is read for all columns by its own list comprehension (a specialised slot read
    per variable; measured at 331k columns: one comprehension of 4-tuples 0.13 s, four
    ``map(attrgetter)`` 0.08 s, four comprehensions 0.04 s).
    """
    n = len(columns)
    if not n:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int32)
    try:
        lbs = [v._lb for v in columns]
        ubs = [v._ub for v in columns]
        doms = [v._domain for v in columns]
        fixed = [v._fixed for v in columns]
    except AttributeError:  # a Pyomo without these slots: the public (slower) path
        return _column_arrays_public(columns)
    if sizes is None or sum(sizes) != n:
        sizes = [n]
    lo = _bound_array(lbs, -np.inf)
    hi = _bound_array(ubs, np.inf)
    if lo is None or hi is None:
        return _column_arrays_public(columns)
    integ = np.zeros(n, dtype=np.int32)
    seen: dict[int, tuple] = {}  # per domain object: its bounds and integrality
    for sel, j in _domain_groups(doms, sizes):
        d = seen.get(id(doms[j]))
        if d is None:
            d = seen[id(doms[j])] = (*columns[j].domain.bounds(), columns[j].is_integer())
        dlo, dhi, is_int = d
        if dlo is not None:
            lo[sel] = np.maximum(lo[sel], dlo)
        if dhi is not None:
            hi[sel] = np.minimum(hi[sel], dhi)
        if is_int:
            integ[sel] = 1
    fx = np.flatnonzero(np.fromiter(fixed, dtype=bool, count=n)) if True in fixed else []
    for j in fx:
        val = columns[j].value
        if val is None:
            raise SolverError(f"variable {columns[j].name} is fixed but has no value")
        lo[j] = hi[j] = float(val)
    return lo, hi, integ


def _bound_array(vals: list, none: float) -> np.ndarray | None:
    """The bounds as floats (``none`` for None); None when one is not a plain number.

    numpy turns None into NaN; the NaNs that were None become ``none`` (a NaN bound stays NaN,
    which the handoff reports)."""
    try:
        a = np.array(vals, dtype=float)
    except (TypeError, ValueError):
        return None
    nan = np.flatnonzero(np.isnan(a))
    if len(nan):
        was_none = np.fromiter((vals[i] is None for i in nan.tolist()), dtype=bool,
                               count=len(nan))
        a[nan[was_none]] = none
    return a


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


def _model_columns(m: pyo.ConcreteModel, lay) -> tuple[list, bool, list[int]]:
    """All variables of the model in declaration order, whether the builder's columns are
    still its leading columns (same components, same sizes), and the number of columns of
    each Var component."""
    comps = list(m.component_objects(pyo.Var, descend_into=True))
    if lay is not None and len(comps) >= len(lay.var_components) and all(
            a is b and len(a) == k for a, b, k in zip(comps, lay.var_components, lay.var_sizes,
                                                      strict=False)):
        columns = list(lay.columns)
        sizes = list(lay.var_sizes)
        for comp in comps[len(lay.var_components):]:
            columns.extend(comp.values())
            sizes.append(len(columns) - sum(sizes))
        return columns, True, sizes
    columns, sizes = [], []
    for comp in comps:
        columns.extend(comp.values())
        sizes.append(len(columns) - sum(sizes))
    return columns, False, sizes


def _csr_rows(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, sel: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``sel`` (in that order, repeats allowed) of a CSR matrix, as CSR arrays."""
    lens = indptr[sel + 1] - indptr[sel]
    ptr = np.zeros(len(sel) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    pos = np.arange(ptr[-1], dtype=np.int64) - np.repeat(ptr[:-1] - indptr[sel], lens)
    return data[pos], indices[pos], ptr


def _expand_rows(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray | None, np.ndarray,
                                                          np.ndarray, np.ndarray]:
    """Standard-form rows of constraints ``lo <= a x <= hi`` (``-inf``/``inf`` for no bound),
    as Pyomo's ``LinearStandardFormCompiler`` (mixed form) writes them: an equality as one
    ``==`` row (bound type 0), a ranged constraint as a ``<=`` row (1) then a ``>=`` row (-1),
    a one-sided one as one row, one without bounds as none.

    Returns ``(k, bound_type, row_lo, row_hi)``: row ``r`` is constraint ``k[r]`` (``k`` is None
    when it is every constraint once, in order).
    """
    eq = lo == hi
    has_lo, has_hi = np.isfinite(lo), np.isfinite(hi)
    ranged = ~eq & has_lo & has_hi
    single = eq | has_lo | has_hi
    if not ranged.any() and single.all():
        bt = np.where(eq, 0, np.where(has_hi, 1, -1))
        return None, bt, np.where(bt == 1, -np.inf, lo), np.where(bt == -1, np.inf, hi)
    k = np.repeat(np.arange(len(lo)), np.where(ranged, 2, np.where(single, 1, 0)))
    second = np.zeros(len(k), dtype=bool)
    second[1:] = k[1:] == k[:-1]
    bt = np.where(eq[k], 0, np.where(ranged[k], np.where(second, -1, 1),
                                     np.where(has_hi[k], 1, -1)))
    return k, bt, np.where(bt == 1, -np.inf, lo[k]), np.where(bt == -1, np.inf, hi[k])


def _compile_fast(m: pyo.ConcreteModel) -> Compiled:
    """The fast compiler (see :func:`compile_model`).

    Collects every active constraint as one "unexpanded" row ``lo <= a x <= hi`` (its data
    object, bounds and coefficients): rows of an ``ArrayConstraint`` still as the builder made
    them are taken from its CSR arrays a block at a time, any other row from its expression.
    The rows are then expanded to standard form all at once (:func:`_expand_rows`), so a
    model's cost does not grow with its number of constraint components.
    """
    import operator

    from .array_components import ArrayConstraint, ArrayObjective, ArrayRowData

    lay = getattr(m, "_recyclopt_layout", None)
    columns, use_layout, sizes = _model_columns(m, lay)
    cols = _Lazy(columns)
    # blocks of unexpanded rows, in row order: (data, indices, indptr from 0, lo, hi, datas)
    blocks: list[tuple] = []
    lo: list[float] = []  # the generic rows being collected
    hi: list[float] = []
    ind: list[int] = []
    val: list = []
    ptr = [0]
    gdatas: list = []
    generic = False

    def flush() -> None:
        if gdatas:
            blocks.append((_floats(val), np.asarray(ind, dtype=np.int64),
                           np.asarray(ptr, dtype=np.int64), np.asarray(lo, dtype=float),
                           np.asarray(hi, dtype=float), list(gdatas)))
            for lst in (ind, val, lo, hi, gdatas):
                lst.clear()
            ptr[:] = [0]

    def add_array_rows(comp, sel, sel_datas: list) -> None:
        flush()
        (data, indices, indptr), lo_a, hi_a = comp.array_rows()
        if len(sel_datas) == len(indptr) - 1:  # every row (sel ascending: 0 .. n - 1)
            blocks.append((data, indices, indptr, lo_a, hi_a, sel_datas))
            return
        sel = np.asarray(sel, dtype=np.int64)
        d, i, p = _csr_rows(data, indices, indptr.astype(np.int64, copy=False), sel)
        blocks.append((d, i, p, lo_a[sel], hi_a[sel], sel_datas))

    for comp in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        # rows of an ArrayConstraint still as the builder made them (made or not, active) are
        # read from its arrays, whose columns are the leading compiled columns
        arrays = (use_layout and comp.__class__ is ArrayConstraint
                  and comp.columns is lay.columns)
        if arrays:
            # its rows were stored in index order; only a row the user added (a plain
            # ConstraintData) can be out of order, and then the ordered path below is taken
            datas = list(comp._data.values())
            if all(map(operator.is_, map(type, datas), repeat(ArrayRowData))) and all(
                    map(operator.attrgetter("_active"), datas)):
                made = comp.row_numbers
                add_array_rows(comp, made if len(made) == len(datas) else
                               list(map(operator.attrgetter("_index"), datas)), datas)
                continue
        datas = list(comp.values())
        sel: list[int] = []
        sel_datas: list = []
        for con in datas:
            if arrays and con.__class__ is ArrayRowData:
                if con._active:
                    sel.append(con._index)
                    sel_datas.append(con)
                continue
            if not con.active:
                continue
            if sel:
                add_array_rows(comp, sel, sel_datas)
                sel, sel_datas = [], []
            lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
            if lb is None and ub is None:
                continue
            idx, coefs, offset = _linear_terms(body, cols)
            if not idx and (lb is None or lb <= offset) and (ub is None or ub >= offset):
                continue
            generic = True
            gdatas.append(con)
            lo.append(-np.inf if lb is None else lb - offset)
            hi.append(np.inf if ub is None else ub - offset)
            ind.extend(idx)
            val.extend(coefs)
            ptr.append(len(ind))
        if sel:
            add_array_rows(comp, sel, sel_datas)
    flush()
    objs = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objs) != 1:
        raise SolverError(f"the model must have exactly one active objective; it has {len(objs)}")
    obj = objs[0]
    if use_layout and obj.__class__ is ArrayObjective and obj.cost_vector[2] is lay.columns:
        c_lay, offset, _ = obj.cost_vector  # its expression (made or not) is this vector
        oidx, ocoef = [], []
    else:
        c_lay, offset = np.zeros(0), 0.0
        oidx, ocoef, offset = _linear_terms(obj.expr, cols)
    n = len(columns)  # final: generic rows may have added columns
    c = np.zeros(n)
    c[:len(c_lay)] = c_lay
    np.add.at(c, np.asarray(oidx, dtype=np.int64), _floats(ocoef))
    # all the unexpanded rows as one CSR matrix, then expanded to standard form at once
    data, indices, indptr = stack_csr([b[:3] for b in blocks])
    off = int(indptr[-1])
    # int32 indices where they fit (what HiGHS takes; scipy keeps them through tocsc)
    itype = np.int32 if max(off, n) < 2**31 - 1 else np.int64
    r_lo = np.concatenate([b[3] for b in blocks]) if blocks else np.zeros(0)
    r_hi = np.concatenate([b[4] for b in blocks]) if blocks else np.zeros(0)
    datas = [d for b in blocks for d in b[5]] if len(blocks) > 1 else (
        blocks[0][5] if blocks else [])
    k, bt, r_lo, r_hi = _expand_rows(r_lo, r_hi)
    if k is not None:
        data, indices, indptr = _csr_rows(data, indices, indptr, k)
        datas = [datas[i] for i in k.tolist()]
    # RowEntry is a namedtuple: made by tuple.__new__ over zip (a C loop, no call per row)
    rows = list(map(tuple.__new__, repeat(RowEntry), zip(datas, bt.tolist(), strict=True)))
    data = np.asarray(data, dtype=float)
    indices, indptr = indices.astype(itype, copy=False), indptr.astype(itype, copy=False)
    if generic or not data.all():  # an expression may name a variable twice; zeros go
        A = sp.csr_array((data, indices, indptr), shape=(len(rows), n))
        A.sum_duplicates()
        A.eliminate_zeros()
        A = sp.csc_array(A)
    elif len(data) <= _ROWWISE_NNZ:
        A = sp.csr_array((data, indices, indptr), shape=(len(rows), n))
        A.has_sorted_indices = True
    else:
        A = sp.csc_array(sp.csr_array((data, indices, indptr), shape=(len(rows), n)))
    col_lo, col_hi, integ = _column_arrays(columns, sizes)
    sense = "max" if obj.sense == pyo.maximize else "min"
    return Compiled(A, r_lo, r_hi, col_lo, col_hi, integ, c, float(offset), sense, columns,
                    rows)


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
    # unknown (None): a HiGHS run outside recyclopt (appsi, user code) may have started the
    # scheduler with the automatic count, so an explicit count restarts it too
    if _SCHEDULER["threads"] != want and not (_SCHEDULER["threads"] is None and want == 0):
        highspy.Highs.resetGlobalScheduler(True)
    _SCHEDULER["threads"] = want
    h.setOptionValue("threads", want)


def _highs(cm: Compiled, *, time_limit: float | None, mip_gap: float | None,
           threads: int | None, verbose: bool):
    """A ``highspy.Highs`` with the compiled model passed through its array API."""
    import highspy

    bad = [n for n, arrs in (("costs", (cm.c,)), ("bounds", (cm.col_lo, cm.col_hi)),
                             ("limits", (cm.row_lo, cm.row_hi)), ("coefficients", (cm.A.data,)))
           if any(np.isnan(a).any() for a in arrs)]
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
    A = cm.A if cm.A.format in ("csc", "csr") else sp.csc_array(cm.A)
    fmt = highspy.MatrixFormat.kRowwise if A.format == "csr" else highspy.MatrixFormat.kColwise
    sense = highspy.ObjSense.kMaximize if cm.sense == "max" else highspy.ObjSense.kMinimize
    # the arrays are passed as they are when already of HiGHS's types (no copies)
    st = h.passModel(int(A.shape[1]), int(A.shape[0]), int(A.nnz), int(fmt),
                     int(sense), float(cm.offset), np.ascontiguousarray(cm.c, dtype=float),
                     np.ascontiguousarray(cm.col_lo, dtype=float),
                     np.ascontiguousarray(cm.col_hi, dtype=float),
                     np.ascontiguousarray(cm.row_lo, dtype=float),
                     np.ascontiguousarray(cm.row_hi, dtype=float),
                     np.ascontiguousarray(A.indptr, dtype=np.int32),
                     np.ascontiguousarray(A.indices, dtype=np.int32),
                     np.ascontiguousarray(A.data, dtype=float),
                     np.ascontiguousarray(cm.integrality, dtype=np.int32))
    if st == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model: check the case for missing, non-numeric "
                          "or inconsistent values (a lower bound above an upper bound)")
    return h


def _group_of(rowentry) -> str:
    return rowentry.constraint.parent_component().name


def diagnose_infeasible(cm: Compiled, labels: dict[str, list] | None = None) -> list[str]:
    """Re-solve the LP relaxation with elastic slacks on every row; name the groups that need
    slack and by how much (the constraint groups in conflict), and with ``labels`` (group
    name -> row labels, e.g. ``(feedstock, year)``) the first rows of each."""
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
    where: dict[str, list[str]] = {}
    for rows, s in ((up_rows, s_up), (lo_rows, s_lo)):
        for r, v in zip(rows, s, strict=True):
            if v > 1e-7:
                g = _group_of(cm.rows[r])
                need[g] = need.get(g, 0.0) + float(v)
                i = cm.rows[r].constraint.index()
                if labels and g in labels and isinstance(i, int) and i < len(labels[g]):
                    lab = labels[g][i]
                    where.setdefault(g, []).append(" ".join(map(str, lab)) if isinstance(
                        lab, tuple) else str(lab))
    out = []
    for g, v in sorted(need.items(), key=lambda t: -t[1]):
        at = where.get(g, [])
        more = f" and {len(at) - 3} more" if len(at) > 3 else ""
        out.append(f"{g} (total violation {v:.4g}" + (f"; at {', '.join(at[:3])}{more})"
                                                       if at else ")"))
    return out


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
    A = sp.csc_array(cm.A)
    A.sum_duplicates()  # canonical: sorted, no duplicates (a no-op on compiled models)
    m_rows, n = A.shape
    cont = cm.integrality == 0
    # per column, from the CSC arrays directly: the largest |a| and the geometric mean of |a|
    absd = np.abs(A.data)
    cnt = np.diff(A.indptr)
    has = cnt > 0
    starts = A.indptr[:-1][has]
    cmax = np.zeros(n)
    logsum = np.zeros(n)
    if len(absd):
        cmax[has] = np.maximum.reduceat(absd, starts)
        with np.errstate(divide="ignore"):
            logsum[has] = np.add.reduceat(np.log2(absd), starts)
    gmean = np.exp2(np.divide(logsum, cnt, out=np.zeros(n), where=has))
    bound = np.where(np.isfinite(cm.col_hi) & (np.abs(cm.col_hi) > 0), np.abs(cm.col_hi), 0.0)
    bound = np.maximum(bound, np.where(np.isfinite(cm.col_lo), np.abs(cm.col_lo), 0.0))
    col = np.ones(n)
    by_bound = cont & (bound > 0)
    col[by_bound] = bound[by_bound]
    by_mat = cont & ~by_bound & (cmax > 0)
    col[by_mat] = 1.0 / gmean[by_mat]
    col = _pow2(np.clip(col, 1e-12, 1e12))
    col[~cont] = 1.0
    # A diag(col), then rows by their largest entry: diag(row) A diag(col) (exact: powers of 2)
    data = A.data * np.repeat(col, cnt)
    rmax = np.zeros(m_rows)
    np.maximum.at(rmax, A.indices, np.abs(data))
    row = _pow2(1.0 / np.where(rmax > 0, rmax, 1.0))
    data *= row[A.indices]
    A = sp.csc_array((data, A.indices.copy(), A.indptr.copy()), shape=A.shape)
    c = cm.c * col
    cm_ = float(np.abs(c).max(initial=0.0))
    k = float(_pow2(np.array([1.0 / cm_]))[0]) if cm_ > 0 else 1.0
    with np.errstate(invalid="ignore"):
        scaled = Compiled(A, cm.row_lo * row, cm.row_hi * row, cm.col_lo / col, cm.col_hi / col,
                          cm.integrality, c * k, cm.offset * k, cm.sense, cm.columns, cm.rows)
    return scaled, col, k


def solve(om: OptModel, *, time_limit: float | None = None, mip_gap: float | None = 1e-6,
          threads: int | None = None, verbose: bool = False, method: str = "highspy",
          raise_on_failure: bool = True, scaling: bool = True,
          heuristic: str = "auto", start: np.ndarray | None = None
          ) -> tuple[np.ndarray, SolveInfo]:
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
    heuristic : a first plan for HiGHS (:mod:`recyclopt.optimize.heuristic`): ``lp_guided``
        spends :data:`~recyclopt.optimize.heuristic.SHARE` of ``time_limit`` on the LP-guided
        restricted MILP and hands its plan to the full solve; ``auto`` does so on models of
        at least :data:`~recyclopt.optimize.heuristic.AUTO_MIN_COLUMNS` columns when a time
        limit is given; ``none`` never. It needs a time limit and ``method="highspy"``; the
        optimum is the same. The solve time reported includes the heuristic's.
    start : a known feasible plan (column values in builder order) handed to HiGHS as its
        first incumbent (``method="highspy"``; ignored by HiGHS if infeasible, and when the
        heuristic's plan is given).
    """
    from .heuristic import AUTO_MIN_COLUMNS, HEURISTICS, SHARE, lp_guided_plan

    if heuristic not in HEURISTICS:
        raise InputError(f"heuristic {heuristic!r}; allowed: {', '.join(HEURISTICS)}",
                         field="heuristic")
    if heuristic == "lp_guided" and time_limit is None:
        raise InputError("heuristic 'lp_guided' needs a time limit (it takes a share of it)",
                         field="heuristic")
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

    run_heur = time_limit is not None and "build" in om.builder.blocks and (
        heuristic == "lp_guided" or (heuristic == "auto"
                                     and len(cm.columns) >= AUTO_MIN_COLUMNS))
    heur = None
    idx = None  # compiled column of each builder column, made once when needed
    if run_heur:
        b = om.builder.blocks["build"]
        idx = _compiled_index(om, cm)
        build = idx[b.offset:b.offset + b.size]
        lp_model = _cut_lp(om, cm_s, idx, col_scale if scaling else None)
        heur = lp_guided_plan(cm_s, build[build >= 0], time_limit=SHARE * time_limit,
                              threads=threads, lp_model=lp_model)
        del lp_model  # its matrix is a copy: not held through the full solve
        if heur.x is not None:
            start = highspy.HighsSolution()
            start.col_value = heur.x.tolist()
            start.value_valid = True
            h.setSolution(start)
        h.setOptionValue("time_limit", max(time_limit - (time.perf_counter() - t1), 1.0))
    if start is not None and (heur is None or heur.x is None):
        idx = idx if idx is not None else _compiled_index(om, cm)
        ok = idx >= 0
        sv = np.zeros(len(cm.columns))
        sv[idx[ok]] = np.asarray(start, dtype=float)[ok] / col_scale[idx[ok]]
        first = highspy.HighsSolution()
        first.col_value = sv.tolist()
        first.value_valid = True
        h.setSolution(first)

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
    if heur is not None:
        info.heuristic = heur.summary(obj_scale)  # in the case's units
        # HiGHS's own dual bound may still be the trivial one when the time limit strikes
        # before its root LP ends; the heuristic's LP bound is valid for the same model
        bound = info.heuristic["lp_bound"]
        if has_sol and np.isfinite(bound) and info.objective != 0:
            ahead = bound_ahead(cm.sense, bound, info.objective)
            info.mip_gap = min(info.mip_gap, max(ahead, 0.0) / abs(info.objective))
    if status == highspy.HighsModelStatus.kOptimal or (
            status in (highspy.HighsModelStatus.kTimeLimit,
                       highspy.HighsModelStatus.kIterationLimit,
                       highspy.HighsModelStatus.kSolutionLimit,
                       highspy.HighsModelStatus.kInterrupt) and has_sol):
        values = _to_builder_order(om, cm, np.asarray(sol.col_value) * col_scale, idx)
        return values, info
    if not raise_on_failure:
        return np.full(om.builder.n, np.nan), info
    if status in (highspy.HighsModelStatus.kInfeasible,
                  highspy.HighsModelStatus.kUnboundedOrInfeasible):
        info.diagnosis = diagnose_infeasible(cm, {g.name: g.labels for g in om.builder.groups})
        groups = "; ".join(info.diagnosis) or "no single group (check variable bounds)"
        raise SolverError(f"the plant model is infeasible: constraint groups in conflict: "
                          f"{groups}. Relax those limits (policy minima, markets, CO2 caps, feed "
                          "obligations) or "
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


def _cut_lp(om: OptModel, cm: Compiled, idx: np.ndarray, col_scale: np.ndarray | None
            ) -> Compiled | None:
    """``cm`` with the horizon ``feed_to_build`` rows added, for the start heuristic's LP;
    None when the model already has such rows or no option has a fixed cost.

    The rows are valid inequalities, so the LP stays a relaxation of the model, with a
    tighter bound: on the ``large`` benchmark case 643.6 M USD against 698.8 M without them
    (its build values close 302 options at 0.05 where the plain LP closed 299; with the
    heuristic's larger share of the limit and its ladder of thresholds, the plan after 600 s
    is 597.5 M against 550.8 M before these changes: ``benchmarks/RESULTS.md``).
    """
    from .heuristic import with_rows

    if any(g.name == "feed_to_build" for g in om.builder.groups):
        return None
    cuts = feed_to_build_rows(om)
    if cuts is None:
        return None
    return with_rows(cm, cuts.A, cuts.lo, cuts.hi, idx, col_scale)


def bound_ahead(sense: str, bound: float, value: float) -> float:
    """How far a bound lies beyond an objective value, in the direction of optimisation
    (``max``: ``bound - value``; ``min``: ``value - bound``); >= 0 for a valid bound."""
    return bound - value if sense == "max" else value - bound


def _compiled_index(om: OptModel, cm: Compiled) -> np.ndarray:
    """The compiled column of each builder column (-1 for a column the compiler left out)."""
    n = om.builder.n
    if len(cm.columns) >= n and all(a is b for a, b in zip(om.columns, cm.columns, strict=False)):
        return np.arange(n)
    pos = {id(v): i for i, v in enumerate(cm.columns)}
    return np.array([pos.get(id(v), -1) for v in om.columns], dtype=np.int64)


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


def _to_builder_order(om: OptModel, cm: Compiled, x: np.ndarray,
                      idx: np.ndarray | None = None) -> np.ndarray:
    """Solution values in builder column order (loaded into the Pyomo variables too);
    integer columns rounded. A column the compiler left out sits at its lower bound (or 0).
    ``idx``: :func:`_compiled_index` when already at hand."""
    idx = _compiled_index(om, cm) if idx is None else idx
    x = np.asarray(x, dtype=float)
    out = x[np.maximum(idx, 0)] if len(x) else np.zeros(len(idx))
    ints = cm.integrality[np.maximum(idx, 0)].astype(bool) if len(x) else np.zeros(len(idx),
                                                                                    bool)
    for j in np.flatnonzero(idx < 0).tolist():
        v = om.columns[j]
        out[j] = v.lb if v.lb is not None else 0.0
        ints[j] = v.is_integer()
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
