"""Compile a linear Pyomo model to standard-form arrays (:class:`Compiled`).

:func:`compile_model` reads the plant model's array-backed constraint groups
(:mod:`recyclopt.optimize.array_components`) from their arrays and any other row from its
expression, giving the same rows and numbers as Pyomo's ``LinearStandardFormCompiler``; a
constraint a user adds to the model is compiled with the rest. The arrays are what
:mod:`recyclopt.optimize.highs` hands to HiGHS.
"""

from __future__ import annotations

import operator
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import RowEntry

from ..errors import SolverError
from .array_components import ArrayConstraint, ArrayObjective, ArrayRowData
from .standard_form import (  # noqa: F401 - Compiled and bound_ahead re-exported
    ROWWISE_NNZ,
    Compiled,
    bound_ahead,
    csr_rows,
    expand_rows,
    standard_matrix,
)

if TYPE_CHECKING:
    from .model import OptModel

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
    Each slot is read for all columns by its own list comprehension, the fastest way found
    (``benchmarks/RESULTS.md``).
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
    """Column lookup for rows compiled from their expressions (built on first use).

    ``shared``: ``columns`` is the builder's own list, copied before a column is added."""

    def __init__(self, columns: list, shared: bool = False) -> None:
        self.columns = columns
        self._shared = shared
        self._map: dict[int, int] | None = None

    @property
    def map(self) -> dict[int, int]:
        if self._map is None:
            self._map = {id(v): j for j, v in enumerate(self.columns)}
        return self._map

    def index(self, v) -> int:
        j = self.map.get(id(v))
        if j is None:  # a variable declared outside the model: add it as a column
            if self._shared:
                self.columns, self._shared = list(self.columns), False
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
    each Var component. The list is the builder's own (not a copy) when the model has no
    other variable; it must then not be changed."""
    comps = list(m.component_objects(pyo.Var, descend_into=True))
    if lay is not None and len(comps) >= len(lay.var_components) and all(
            a is b and len(a) == k for a, b, k in zip(comps, lay.var_components, lay.var_sizes,
                                                      strict=False)):
        if len(comps) == len(lay.var_components):
            return lay.columns, True, list(lay.var_sizes)
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


class _RowCollector:
    """The model's active constraints as blocks of unexpanded rows ``lo <= a x <= hi``, in
    row order: ``(data, indices, indptr from 0, lo, hi, datas)`` per block. Rows of an
    ``ArrayConstraint`` come from its CSR arrays a block at a time; any other row from its
    expression (``generic`` is then set: its terms may repeat or cancel a column)."""

    def __init__(self, cols: _Lazy) -> None:
        self.cols = cols
        self.blocks: list[tuple] = []
        self.generic = False
        self.lo: list[float] = []  # the generic rows being collected
        self.hi: list[float] = []
        self.ind: list[int] = []
        self.val: list = []
        self.ptr = [0]
        self.gdatas: list = []

    def flush(self) -> None:
        """Close the block of generic rows collected so far."""
        if self.gdatas:
            self.blocks.append((_floats(self.val), np.asarray(self.ind, dtype=np.int64),
                                np.asarray(self.ptr, dtype=np.int64),
                                np.asarray(self.lo, dtype=float), np.asarray(self.hi, dtype=float),
                                list(self.gdatas)))
            for lst in (self.ind, self.val, self.lo, self.hi, self.gdatas):
                lst.clear()
            self.ptr[:] = [0]

    def add_array_rows(self, comp: Any, sel: Any, sel_datas: list) -> None:
        """Rows ``sel`` of an ``ArrayConstraint``, straight from its arrays."""
        self.flush()
        (data, indices, indptr), lo_a, hi_a = comp.array_rows()
        if len(sel_datas) == len(indptr) - 1:  # every row (sel ascending: 0 .. n - 1)
            self.blocks.append((data, indices, indptr, lo_a, hi_a, sel_datas))
            return
        sel = np.asarray(sel, dtype=np.int64)
        d, i, p = csr_rows(data, indices, indptr.astype(np.int64, copy=False), sel)
        self.blocks.append((d, i, p, lo_a[sel], hi_a[sel], sel_datas))

    def add_expression_row(self, con: Any) -> None:
        """One constraint read from its expression (skipped when it binds nothing)."""
        lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
        if lb is None and ub is None:
            return
        idx, coefs, offset = _linear_terms(body, self.cols)
        if not idx and (lb is None or lb <= offset) and (ub is None or ub >= offset):
            return
        self.generic = True
        self.gdatas.append(con)
        self.lo.append(-np.inf if lb is None else lb - offset)
        self.hi.append(np.inf if ub is None else ub - offset)
        self.ind.extend(idx)
        self.val.extend(coefs)
        self.ptr.append(len(self.ind))

    def add_component(self, comp: Any, arrays: bool) -> None:
        """Every active row of one constraint component (``arrays``: an ``ArrayConstraint``
        whose columns are the leading compiled columns)."""
        if arrays:
            # its rows were stored in index order; only a row the user added (a plain
            # ConstraintData) can be out of order, and then the ordered path below is taken
            datas = list(comp._data.values())
            if all(map(operator.is_, map(type, datas), repeat(ArrayRowData))) and all(
                    map(operator.attrgetter("_active"), datas)):
                made = comp.row_numbers
                self.add_array_rows(comp, made if len(made) == len(datas) else
                                    list(map(operator.attrgetter("_index"), datas)), datas)
                return
        sel: list[int] = []
        sel_datas: list = []
        for con in list(comp.values()):
            if arrays and con.__class__ is ArrayRowData:
                if con._active:
                    sel.append(con._index)
                    sel_datas.append(con)
                continue
            if not con.active:
                continue
            if sel:
                self.add_array_rows(comp, sel, sel_datas)
                sel, sel_datas = [], []
            self.add_expression_row(con)
        if sel:
            self.add_array_rows(comp, sel, sel_datas)


def _compile_fast(m: pyo.ConcreteModel) -> Compiled:
    """The fast compiler (see :func:`compile_model`).

    Collects every active constraint as one "unexpanded" row ``lo <= a x <= hi`` (its data
    object, bounds and coefficients): rows of an ``ArrayConstraint`` still as the builder made
    them are taken from its CSR arrays a block at a time, any other row from its expression.
    The rows are then expanded to standard form all at once (:func:`~recyclopt.optimize.standard_form.expand_rows`), so a
    model's cost does not grow with its number of constraint components.
    """
    lay = getattr(m, "_recyclopt_layout", None)
    columns, use_layout, sizes = _model_columns(m, lay)
    cols = _Lazy(columns, shared=use_layout and columns is lay.columns)
    rows_in = _RowCollector(cols)
    for comp in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        rows_in.add_component(comp, use_layout and comp.__class__ is ArrayConstraint
                              and comp.columns is lay.columns)
    rows_in.flush()
    obj, c_lay, offset, oidx, ocoef = _objective_terms(m, lay, use_layout, cols)
    columns = cols.columns  # final: generic rows and the objective may have added columns
    n = len(columns)
    c = np.zeros(n)
    c[:len(c_lay)] = c_lay
    np.add.at(c, np.asarray(oidx, dtype=np.int64), _floats(ocoef))
    A, r_lo, r_hi, rows = _standard_form(rows_in.blocks, n, rows_in.generic)
    col_lo, col_hi, integ = _column_arrays(columns, sizes)
    sense = "max" if obj.sense == pyo.maximize else "min"
    return Compiled(A, r_lo, r_hi, col_lo, col_hi, integ, c, float(offset), sense, columns,
                    rows)


def _objective_terms(m: pyo.ConcreteModel, lay: Any, use_layout: bool, cols: _Lazy
                     ) -> tuple[Any, np.ndarray, float, list, list]:
    """The one active objective, its layout cost vector (empty unless it is the builder's
    ``ArrayObjective``), constant, and any other terms as (columns, coefficients)."""
    objs = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objs) != 1:
        raise SolverError(f"the model must have exactly one active objective; it has {len(objs)}")
    obj = objs[0]
    if use_layout and obj.__class__ is ArrayObjective and obj.cost_vector[2] is lay.columns:
        c_lay, offset, _ = obj.cost_vector  # its expression (made or not) is this vector
        return obj, c_lay, offset, [], []
    oidx, ocoef, offset = _linear_terms(obj.expr, cols)
    return obj, np.zeros(0), offset, oidx, ocoef


def _standard_form(blocks: list[tuple], n: int, generic: bool
                   ) -> tuple[Any, np.ndarray, np.ndarray, list]:
    """All the unexpanded rows as one matrix expanded to standard form at once:
    ``(A, row_lo, row_hi, rows)`` with ``rows`` the :class:`RowEntry` of each row."""
    A, r_lo, r_hi, k, bt = standard_matrix(blocks, n, generic)
    datas = [d for b in blocks for d in b[5]] if len(blocks) > 1 else (
        blocks[0][5] if blocks else [])
    if k is not None:
        datas = [datas[i] for i in k.tolist()]
    # RowEntry is a namedtuple: made by tuple.__new__ over zip (a C loop, no call per row)
    rows = list(map(tuple.__new__, repeat(RowEntry), zip(datas, bt.tolist(), strict=True)))
    return A, r_lo, r_hi, rows


def compiled_index(om: OptModel, cm: Compiled) -> np.ndarray:
    """The compiled column of each builder column (-1 for a column the compiler left out)."""
    n = om.builder.n
    if len(cm.columns) >= n and all(a is b for a, b in zip(om.columns, cm.columns, strict=False)):
        return np.arange(n)
    pos = {id(v): i for i, v in enumerate(cm.columns)}
    return np.array([pos.get(id(v), -1) for v in om.columns], dtype=np.int64)


def count_binary(columns: list) -> int:
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


