"""Standard-form arrays of a plant model, and the model compiled from its builder without Pyomo.

:class:`Compiled` holds what :mod:`recyclopt.optimize.highs` hands to HiGHS. A model built
with ``pyomo=False`` (:func:`recyclopt.optimize.model.build_model`) is compiled here from its
builder's blocks and groups (:func:`compile_builder`), to the same arrays, in the same order,
as :func:`recyclopt.optimize.compiler.compile_model` gives for the Pyomo model the builder
makes: the analyses that solve a model many times (cost of recovery, sensitivity ranking)
then never import Pyomo.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import scipy.sparse as sp

from .matrix import stack_csr

if TYPE_CHECKING:
    from .model import OptModel

#: up to this many nonzeros the compilers leave the matrix row-wise (CSR) and HiGHS
#: transposes it in ``passModel`` (the same matrix, checked in the tests): faster on small
#: models, while on large ones scipy's conversion is (``benchmarks/RESULTS.md``)
ROWWISE_NNZ = 20_000


@dataclass
class Compiled:
    """The standard-form arrays of a model, ready for highspy.

    ``A`` is a scipy sparse array: column-wise (CSC), or row-wise (CSR) for a model of up to
    :data:`ROWWISE_NNZ` nonzeros; convert with ``scipy.sparse`` (``csc_array(cm.A)``) where
    the layout matters. ``columns`` and ``rows`` are the Pyomo variables and
    ``RowEntry(constraint, bound_type)`` of each column and row; both are empty for a model
    compiled from its builder (:func:`compile_builder`), whose columns are the builder's.
    ``columns`` may be the built model's own list of variables (not a copy): read it, do not
    change it.
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

    @property
    def n_columns(self) -> int:
        """Number of columns."""
        return int(self.A.shape[1])


def bound_ahead(sense: str, bound: float, value: float) -> float:
    """How far a bound lies beyond an objective value, in the direction of optimisation
    (``max``: ``bound - value``; ``min``: ``value - bound``); >= 0 for a valid bound."""
    return bound - value if sense == "max" else value - bound


def csr_rows(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, sel: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``sel`` (in that order, repeats allowed) of a CSR matrix, as CSR arrays."""
    lens = indptr[sel + 1] - indptr[sel]
    ptr = np.zeros(len(sel) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    pos = np.arange(ptr[-1], dtype=np.int64) - np.repeat(ptr[:-1] - indptr[sel], lens)
    return data[pos], indices[pos], ptr


def expand_rows(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray | None, np.ndarray,
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


def standard_matrix(blocks: list[tuple], n: int, generic: bool
                    ) -> tuple[sp.sparray, np.ndarray, np.ndarray, np.ndarray | None,
                               np.ndarray]:
    """Blocks of unexpanded rows ``(data, indices, indptr, lo, hi, ...)`` as one matrix in
    standard form: ``(A, row_lo, row_hi, k, bound_type)`` (``k`` and ``bound_type`` as
    :func:`expand_rows` gives them). ``generic``: some row may name a column twice or hold a
    zero (then duplicates are summed and zeros dropped)."""
    # the builder's groups as the views of its one buffer they are (no stacked copy)
    data, indices, indptr = stack_csr([b[:3] for b in blocks], share=True)
    off = int(indptr[-1])
    # int32 indices where they fit (what HiGHS takes; scipy keeps them through tocsc)
    itype = np.int32 if max(off, n) < 2**31 - 1 else np.int64
    r_lo = np.concatenate([b[3] for b in blocks]) if blocks else np.zeros(0)
    r_hi = np.concatenate([b[4] for b in blocks]) if blocks else np.zeros(0)
    k, bt, r_lo, r_hi = expand_rows(r_lo, r_hi)
    if k is not None:
        data, indices, indptr = csr_rows(data, indices, indptr, k)
    m = len(bt)
    data = np.asarray(data, dtype=float)
    indices, indptr = indices.astype(itype, copy=False), indptr.astype(itype, copy=False)
    if data.base is not None and (not data.all() or len(data) <= ROWWISE_NNZ):
        data, indices = data.copy(), indices.copy()  # changed or kept below: our own copy
    if generic or not data.all():
        A = sp.csr_array((data, indices, indptr), shape=(m, n))
        A.sum_duplicates()
        A.eliminate_zeros()
        A = sp.csc_array(A)
    elif len(data) <= ROWWISE_NNZ:
        A = sp.csr_array((data, indices, indptr), shape=(m, n))
        A.has_sorted_indices = True
    else:
        A = sp.csc_array(sp.csr_array((data, indices, indptr), shape=(m, n)))
    return A, r_lo, r_hi, k, bt


class BuilderRow(NamedTuple):
    """A row of a model compiled from its builder: the builder row (groups stacked in order)
    and its bound type (0 ``==``, 1 ``<=``, -1 ``>=``, as Pyomo's ``RowEntry``)."""

    row: int
    bound_type: int


#: the column bounds a block's kind adds (what Pyomo's Binary, Integers and Reals domains do)
_KIND_BOUNDS = {"B": (0.0, 1.0), "I": (-np.inf, np.inf), "C": (-np.inf, np.inf)}


def compile_builder(om: OptModel) -> Compiled:
    """The standard form of a built model, from its builder's arrays (no Pyomo).

    The same arrays as :func:`recyclopt.optimize.compiler.compile_model` on the Pyomo model
    of the same builder: every builder column in order, bounds clipped to the block's domain
    (binary: [0, 1]); per group, the rows with a coefficient (the Pyomo model leaves the
    others out), expanded as :func:`expand_rows`; the objective ``om.c`` without a constant
    (``om.c`` itself, not a copy, when it covers every column: read it, do not change it).
    ``columns`` is empty; ``rows`` holds each row's :class:`BuilderRow`.
    """
    mb = om.builder
    blocks = sorted(mb.blocks.values(), key=lambda b: b.offset)
    lo_parts, hi_parts, int_parts = [], [], []
    for b in blocks:
        dlo, dhi = _KIND_BOUNDS[b.kind]
        lo_parts.append(np.maximum(np.asarray(b.lb, dtype=float), dlo))
        hi_parts.append(np.minimum(np.asarray(b.ub, dtype=float), dhi))
        int_parts.append(np.full(b.size, 0 if b.kind == "C" else 1, dtype=np.int32))
    col_lo = np.concatenate(lo_parts) if blocks else np.zeros(0)
    col_hi = np.concatenate(hi_parts) if blocks else np.zeros(0)
    integ = np.concatenate(int_parts) if blocks else np.zeros(0, dtype=np.int32)
    rows_in, row_of, off = [], [], 0
    for g in mb.groups:
        data, indices, indptr = g.csr
        present = np.flatnonzero(indptr[1:] != indptr[:-1])
        if len(present) == len(indptr) - 1:
            rows_in.append((data, indices, indptr, g.lo, g.hi))
        elif len(present):
            d, i, p = csr_rows(data, indices, np.asarray(indptr, dtype=np.int64), present)
            rows_in.append((d, i, p, g.lo[present], g.hi[present]))
        row_of.append(present + off)
        off += len(indptr) - 1
    A, r_lo, r_hi, k, bt = standard_matrix(rows_in, mb.n, False)
    rows = np.concatenate(row_of) if row_of else np.zeros(0, dtype=np.int64)
    rows = rows if k is None else rows[k]
    c = np.asarray(om.c, dtype=float)
    if c.shape != (mb.n,):  # the model's own cost vector when it covers every column
        c = np.zeros(mb.n)
        c[:len(om.c)] = om.c
    return Compiled(A, r_lo, r_hi, col_lo, col_hi, integ, c, 0.0, om.sense, [],
                    list(map(BuilderRow, rows.tolist(), bt.tolist())))
