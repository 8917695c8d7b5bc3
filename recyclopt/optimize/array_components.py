"""Pyomo components backed by the builder's arrays: a real Pyomo model without a Python
object per coefficient.

The plant model's constraint groups are sparse blocks (CSR arrays) and its objective a dense
cost vector. Written as ordinary Pyomo expressions they need one ``MonomialTermExpression``
(plus its argument tuple) per coefficient that is not 1: about two million objects at the
large benchmark size, which is most of the build time and of the collector's work. The
components here keep the arrays instead and make each row's expression on demand, in the
spirit of Pyomo's own array-backed constraint (``pyomo.repn.beta.matrix.MatrixConstraint``)
and of its templatized constraints (``TemplateConstraintData``, which likewise make their
expression on first use and then behave as ordinary constraint data):

* :class:`ArrayConstraint` is an ``IndexedConstraint`` (ctype ``Constraint``) whose rows are
  :class:`ArrayRowData`, a ``ConstraintData`` whose ``expr`` is made from the arrays the first
  time it is read and kept from then on (so ``expr`` is the same object on every read, which
  Pyomo's persistent solver interfaces rely on). ``body``, ``lower``, ``upper`` and
  ``to_bounded_expression`` of a row not yet made return a fresh body without keeping it
  (Pyomo's writers read each row once). ``set_value`` (or ``m.c[i] = ...``) turns the row
  into a plain ``ConstraintData`` holding the new expression; ``deactivate``, ``del m.c[i]``
  and adding rows work as on any indexed constraint.
* :func:`make_array_objective` turns a constructed ``ScalarObjective`` into an
  :class:`ArrayObjective`, whose expression is made from the cost vector on first use (and
  kept); setting a new expression turns it back into a plain ``ScalarObjective``.
* :func:`make_var` constructs an indexed ``Var`` over ``RangeSet(0, n - 1)`` the way Pyomo's
  dense construction does (one ``VarData`` made and validated by Pyomo, every other one a copy
  of it), writing the per-variable bounds in the same pass.

``MatrixConstraint`` itself was measured and not used: with Pyomo 6.10 its rows have no
``expr`` (``AttributeError``), so the APPSI HiGHS interface and ``pprint`` fail, its rows
cannot be changed (``set_value`` raises), and it holds every row of a block in one
component (the plant model's groups are separate components, ``m.capacity[...]``).

A row or objective still in the state these classes made it (made or not yet made, active)
equals its arrays, so :func:`recyclopt.optimize.compiler.compile_model` reads such rows from the
arrays (:meth:`ArrayConstraint.array_rows`) and compiles everything else from its expression.
The arrays are the builder's; they must not be changed in place once the model is built.
"""

from __future__ import annotations

import math
from itertools import islice
from weakref import ref as weakref_ref

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.component import ComponentData
from pyomo.core.base.constraint import ConstraintData, IndexedConstraint
from pyomo.core.base.objective import ObjectiveData, ScalarObjective
from pyomo.core.base.var import IndexedVar, VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.relational_expr import (
    EqualityExpression,
    InequalityExpression,
    RangedExpression,
)

#: the storage slots the subclasses below wrap (member descriptors of Pyomo's data classes)
_CON_EXPR = ConstraintData.__dict__["_expr"]
_OBJ_ARGS = ObjectiveData.__dict__["_args_"]


def _relation(expr: LinearExpression, lo: float, hi: float):
    """The relational expression ``lo <= expr <= hi`` built directly (no operator dispatch)."""
    if lo == hi:
        return EqualityExpression((expr, lo))
    if lo == -math.inf:
        return InequalityExpression((expr, hi), False)
    if hi == math.inf:
        return InequalityExpression((lo, expr), False)
    return RangedExpression((lo, expr, hi), (False, False))


def linear_expression(coefs: list, columns: list, const: float = 0.0) -> LinearExpression:
    """``const + sum(a * v)`` as one ``LinearExpression``; a unit coefficient enters as the bare
    variable (no monomial object), as Pyomo's own expression generation does."""
    args = [const] if const else []
    args += [v if a == 1.0 else MonomialTermExpression((a, v))
             for a, v in zip(coefs, columns, strict=True)]
    return LinearExpression(args)


class ArrayRowData(ConstraintData):
    """A row of an :class:`ArrayConstraint`: its expression is made from the arrays on first
    use of ``expr`` and kept; a new expression makes it an ordinary ``ConstraintData``."""

    __slots__ = ()

    def _get_expr(self):
        e = _CON_EXPR.__get__(self)
        if e is None:
            e = self.parent_component().row_relation(self._index)
            _CON_EXPR.__set__(self, e)
        return e

    def _set_expr(self, e) -> None:
        # ConstraintData.set_value stores a validated expression here: the row is the user's
        # from now on (the template classes of Pyomo change class the same way)
        self.__class__ = ConstraintData
        _CON_EXPR.__set__(self, e)

    _expr = property(_get_expr, _set_expr)

    def to_bounded_expression(self, evaluate_bounds: bool = False) -> tuple:
        """``(lower, body, upper)``; the body of a row not yet made is made afresh and not kept.
        """
        if _CON_EXPR.__get__(self) is not None:
            return ConstraintData.to_bounded_expression(self, evaluate_bounds)
        return self.parent_component().row_bounded(self._index, evaluate_bounds, self)

    @property
    def equality(self) -> bool:
        """Whether the row is an equality (read from the bounds of a row not yet made)."""
        if _CON_EXPR.__get__(self) is not None:
            return ConstraintData.equality.fget(self)
        lo, hi = self.parent_component().row_bounds(self._index)
        return lo == hi


class ArrayConstraint(IndexedConstraint):
    """An indexed constraint ``lo[i] <= A[i, :] x <= hi[i]`` stored as CSR arrays.

    Parameters
    ----------
    data, indices, indptr : numpy.ndarray
        CSR arrays of ``A`` (column indices sorted within a row, no duplicates); column ``j``
        is ``columns[j]``.
    lo, hi : numpy.ndarray
        Row bounds (``-inf``/``inf`` where there is none).
    columns : list
        The ``VarData`` of every column (shared by the model's array components).
    ranges : dict, optional
        Index sets to share (:func:`range_set`).
    name, doc : str, optional
        As for any component.

    The index is the row number; rows without a coefficient are left out (as the rule
    ``Constraint.Skip`` would). The component is ``Constraint``-typed and behaves as an
    ``IndexedConstraint``; see the module notes for what is made on demand.
    """

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray, columns: list, *, ranges: dict | None = None,
                 **kwargs) -> None:
        n_rows = len(indptr) - 1
        empty = indptr[1:] == indptr[:-1]
        if empty.any():
            self._present = np.flatnonzero(~empty).tolist()
            index = self._present
        else:
            self._present = range(n_rows)
            index = range_set(n_rows, ranges)
        super().__init__(index, **kwargs)
        self._csr = (data, indices, indptr)
        self._bounds = (lo, hi)
        self._columns = columns

    def construct(self, data=None) -> None:
        """Make the rows (no expression yet)."""
        if self._constructed:
            return
        super().construct(data)
        comp = weakref_ref(self)
        new = ArrayRowData.__new__
        set_expr = _CON_EXPR.__set__
        rows = []
        keys = list(self._present)  # one int object per row, shared by the row and the dict
        for i in keys:
            r = new(ArrayRowData)
            r._component = comp
            r._index = i
            r._active = True
            set_expr(r, None)
            rows.append(r)
        self._data = dict(zip(keys, rows, strict=True))

    # ---- the arrays
    @property
    def row_numbers(self) -> range | list:
        """The row numbers (indices) the component was made with, ascending."""
        return self._present

    @property
    def columns(self) -> list:
        """The ``VarData`` of the arrays' columns."""
        return self._columns

    def array_rows(self) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray,
                                  np.ndarray]:
        """``((data, indices, indptr), lo, hi)``: the arrays of every row, indexed by row
        number (rows left out of the component are empty)."""
        return self._csr, self._bounds[0], self._bounds[1]

    def row_bounds(self, i: int) -> tuple[float, float]:
        """``(lo, hi)`` of row ``i`` (``-inf``/``inf`` where it has none)."""
        return float(self._bounds[0][i]), float(self._bounds[1][i])

    def _row_terms(self, i: int) -> LinearExpression:
        data, indices, indptr = self._csr
        a, z = int(indptr[i]), int(indptr[i + 1])
        cols = self._columns
        return linear_expression(data[a:z].tolist(), [cols[j] for j in indices[a:z].tolist()])

    def row_relation(self, i: int):
        """Row ``i`` as a relational expression (what a rule would have returned)."""
        return _relation(self._row_terms(i), *self.row_bounds(i))

    def row_bounded(self, i: int, evaluate_bounds: bool = False, row=None) -> tuple:
        """Row ``i`` as ``ConstraintData.to_bounded_expression`` gives it for
        :meth:`row_relation` (without keeping the expression); ``row`` is the data object
        asking (named in an error about an invalid bound)."""
        lo, hi = self.row_bounds(i)
        body = self._row_terms(i)
        if lo == hi:
            ans = (lo, body, hi)
        elif lo == -math.inf:
            ans = (None, body, hi)
        elif hi == math.inf:
            ans = (lo, body, None)
        else:
            ans = (lo, body, hi)
        if evaluate_bounds:
            r = row if row is not None else self._data[i]
            return (r._evaluate_bound(ans[0], -math.inf), body,
                    r._evaluate_bound(ans[2], math.inf))
        return ans


class ArrayObjective(ScalarObjective):
    """A ``ScalarObjective`` whose expression ``const + c x`` is made from the cost vector on
    first use (and kept); a new expression makes it a plain ``ScalarObjective``. Made by
    :func:`make_array_objective`."""

    __slots__ = ()

    def _get_args(self) -> tuple:
        a = _OBJ_ARGS.__get__(self)
        if a is None:
            c, const = self._recyclopt_c, self._recyclopt_const
            nz = np.flatnonzero(c)
            cols = self._recyclopt_columns
            a = (linear_expression(c[nz].tolist(), [cols[j] for j in nz.tolist()], const),)
            _OBJ_ARGS.__set__(self, a)
        return a

    def _set_args(self, a: tuple) -> None:
        self.__class__ = ScalarObjective
        _OBJ_ARGS.__set__(self, a)

    _args_ = property(_get_args, _set_args)

    @property
    def cost_vector(self) -> tuple[np.ndarray, float, list]:
        """``(c, const, columns)``: the objective is ``const + sum(c[j] * columns[j])``."""
        return self._recyclopt_c, self._recyclopt_const, self._recyclopt_columns


def make_array_objective(obj: ScalarObjective, c: np.ndarray, const: float, columns: list
                         ) -> ArrayObjective:
    """Turn a constructed ``ScalarObjective`` into an :class:`ArrayObjective` of
    ``const + sum(c[j] * columns[j])`` (its sense is kept)."""
    if obj.__class__ is not ScalarObjective:
        raise TypeError(f"expected a ScalarObjective, got {obj.__class__.__name__}")
    obj._recyclopt_c = np.asarray(c, dtype=float)
    obj._recyclopt_const = float(const)
    obj._recyclopt_columns = columns
    obj.__class__ = ArrayObjective
    _OBJ_ARGS.__set__(obj, None)
    return obj


#: the slots Pyomo's dense Var construction copies from its template VarData
_VAR_SLOTS = ("_component", "_index", "_value", "_lb", "_ub", "_domain", "_fixed", "_stale")
_FAST_VARS = (set(VarData.__slots__) | set(ComponentData.__slots__)) - {"__weakref__"} == set(
    _VAR_SLOTS) and IndexedVar._ComponentDataClass is VarData


#: below this many entries, Python lists beat numpy's per-call overhead
_SMALL = 64


def bound_list(arr: np.ndarray) -> list:
    """A bound array as a list of floats, with None for an infinite bound (how ``VarData``
    stores a bound after validating it)."""
    vals = arr.tolist()
    if len(vals) <= _SMALL:
        return [v if -math.inf < v < math.inf else None for v in vals]
    fin = np.isfinite(arr)
    if not fin.all():
        vals = [v if f else None for v, f in zip(vals, fin.tolist(), strict=True)]
    return vals


def _constant(arr: np.ndarray) -> tuple[bool, float | None]:
    """Whether every bound is the same (every infinite one is None), and that bound."""
    if len(arr) <= _SMALL:
        vals = bound_list(arr)
        return vals.count(vals[0]) == len(vals) if vals else True, vals[0] if vals else None
    fin = np.isfinite(arr)
    if not fin.any():
        return True, None
    if fin.all() and (arr == arr[0]).all():
        return True, float(arr[0])
    return False, None


def range_set(n: int, ranges: dict | None = None) -> pyo.RangeSet:
    """``RangeSet(0, n - 1)``, shared through ``ranges`` (size -> set) by the components of one
    model that have the same size (fewer sets to build); an index set may index several components (Pyomo sets ``_parent`` of a
    shared anonymous set to the block they are in)."""
    if ranges is None:
        return pyo.RangeSet(0, n - 1)
    rs = ranges.get(n)
    if rs is None:
        rs = ranges[n] = pyo.RangeSet(0, n - 1)
    return rs


def shared_bound_list(table: np.ndarray, index: np.ndarray) -> list:
    """``bound_list(table[index])`` with one float object per entry of ``table``, shared by
    the positions that index it (a bound repeated over many variables is stored once)."""
    return np.array(bound_list(np.asarray(table, dtype=float).ravel()), dtype=object)[index].tolist()


def make_var(block, name: str, lb: np.ndarray, ub: np.ndarray, domain,
             ranges: dict | None = None, ub_from: tuple | None = None) -> pyo.Var:
    """Add ``Var(RangeSet(0, n - 1))`` with per-variable bounds ``lb``, ``ub`` to ``block``.

    Pyomo's dense construction makes the first ``VarData`` (validating domain and bounds) and
    copies it for every other index; this does the same, but writes each copy's bounds (plain
    floats or None, what the bound setters store after validation) in the same pass and skips
    the per-index lookups (about twice as fast on the large case, ``benchmarks/RESULTS.md``).
    On a Pyomo whose
    ``VarData`` has other slots it falls back to the dense construction and the public bound
    setters. ``ranges`` shares index sets between components (:func:`range_set`);
    ``ub_from`` (``(table, index)`` with ``ub == table[index]``) shares one bound object among
    the variables with the same table entry (:func:`shared_bound_list`).
    """
    lb, ub = np.asarray(lb, dtype=float), np.asarray(ub, dtype=float)
    n = len(lb)
    lb_c, lb0 = _constant(lb)
    ub_c, ub0 = _constant(ub)
    var = pyo.Var(range_set(n, ranges), domain=domain, dense=not _FAST_VARS,
                  bounds=(lb0 if lb_c else None, ub0 if ub_c else None))
    block.add_component(name, var)
    if not n:
        return var
    if not _FAST_VARS:
        for v, a, b in zip(var.values(), bound_list(lb), bound_list(ub), strict=True):
            if not lb_c:
                v.lower = a
            if not ub_c:
                v.upper = b
        return var
    ref = var[0]  # made and validated by Pyomo
    lbs = [ref._lb] * n if lb_c else bound_list(lb)
    ubs = ([ref._ub] * n if ub_c else shared_bound_list(*ub_from) if ub_from is not None
           else bound_list(ub))
    ref._lb, ref._ub = lbs[0], ubs[0]
    comp, val, dom, fixed, stale = ref._component, ref._value, ref._domain, ref._fixed, ref._stale
    new = VarData.__new__
    out = [ref]
    add = out.append
    keys = list(range(n))  # one int object per index, shared by the VarData and the dict
    for i, a, b in zip(islice(keys, 1, None), islice(lbs, 1, None), islice(ubs, 1, None),
                       strict=True):
        v = new(VarData)
        v._component = comp
        v._index = i
        v._value = val
        v._lb = a
        v._ub = b
        v._domain = dom
        v._fixed = fixed
        v._stale = stale
        add(v)
    var._data = dict(zip(keys, out, strict=True))
    var._dense = True
    return var
