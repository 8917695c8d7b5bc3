"""Variable blocks and constraint groups as sparse arrays: the builder behind the plant model.

:class:`MatrixBuilder` collects variable blocks (bounds, kind, labels) and constraint groups
(rows ``lo <= A x <= hi`` as triplets, assembled into CSR arrays all at once); the constraint
families (:mod:`recyclopt.optimize.families`) write into it and
:mod:`recyclopt.optimize.model` turns it into Pyomo components.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class Block:
    """A variable block: columns ``offset .. offset + size - 1`` with bounds ``lb``, ``ub``
    (read-only arrays; a bound given as a number is one value broadcast over the block).
    ``ub_from`` is ``(table, index)`` when ``ub == table.ravel()[index]``: the Pyomo model
    then shares one bound object among the columns with the same table entry."""

    name: str
    size: int
    lb: np.ndarray
    ub: np.ndarray
    kind: str  # "C", "B" or "I"
    offset: int = 0
    labels: list = field(default_factory=list)
    ub_from: tuple[np.ndarray, np.ndarray] | None = None


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


def stack_csr(parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], *,
              share: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack CSR blocks ``(data, indices, indptr)`` over the same columns row-wise into one
    ``(data, indices, indptr)`` (indptr int64 from 0; the blocks' own dtypes otherwise).

    With ``share``, ``data`` and ``indices`` are views of the blocks' own buffer when the
    blocks lie end to end in one (as the groups a :class:`MatrixBuilder` assembled at once
    do), not copies: the caller must then not change them."""
    if not parts:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(1, np.int64)
    ptrs, off = [np.zeros(1, dtype=np.int64)], 0
    for _, _, p in parts:
        p = np.asarray(p, dtype=np.int64)
        ptrs.append(p[1:] - p[0] + off)
        off += int(p[-1] - p[0])
    data = _joined([d for d, _, _ in parts]) if share else None
    indices = _joined([i for _, i, _ in parts]) if data is not None else None
    if indices is None:
        data = np.concatenate([d for d, _, _ in parts])
        indices = np.concatenate([i for _, i, _ in parts])
    return data, indices, np.concatenate(ptrs)


def _joined(arrays: list[np.ndarray]) -> np.ndarray | None:
    """The arrays as one view of the 1-D buffer they are consecutive slices of, or None.
    Empty arrays are left out (numpy gives them no meaningful address)."""
    arrays = [a for a in arrays if a.size]
    if not arrays:
        return None
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    size = base.itemsize
    start = at = arrays[0].__array_interface__["data"][0]
    for a in arrays:
        if (a.base is not base or a.ndim != 1 or a.dtype != base.dtype
                or not a.flags.c_contiguous or a.__array_interface__["data"][0] != at):
            return None
        at += a.size * size
    first = (start - base.__array_interface__["data"][0]) // size
    return base[first:first + (at - start) // size]


def index_dtype(*extents: int) -> type:
    """int32 when every index below these extents fits in it (what HiGHS and scipy take without
    a copy), else int64."""
    return np.int32 if max(extents, default=0) < 2**31 - 1 else np.int64


def _csr_arrays(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (column indices sorted within each row, duplicates summed, int32 indices)
    from triplets. Index arrays already of the index type are used as they are (no copy)."""
    itype = index_dtype(*shape)
    vals = np.asarray(vals, dtype=float)
    if len(vals) > 20_000:  # scipy's counting sort is faster on big matrices
        A = sp.csr_matrix((vals, (np.asarray(rows, dtype=itype), np.asarray(cols, dtype=itype))),
                          shape=shape)
        A.sum_duplicates()
        return A.data, A.indices.astype(np.int32, copy=False), A.indptr.astype(np.int32,
                                                                               copy=False)
    key = np.asarray(rows, dtype=np.int64) * shape[1] + np.asarray(cols, dtype=np.int64)
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


def _bound(v: float | np.ndarray, n: int) -> np.ndarray:
    """A block's bound: a number as a read-only view of it over ``n`` columns (no memory per
    column), an array as a read-only copy."""
    if np.ndim(v) == 0:
        return np.broadcast_to(np.float64(v), (n,))
    a = np.full(n, v, dtype=float)
    a.flags.writeable = False
    return a


class MatrixBuilder:
    """Collects variable blocks and constraint groups as sparse arrays."""

    def __init__(self) -> None:
        self.blocks: dict[str, Block] = {}
        self.n = 0
        self.groups: list[Group] = []

    def add_block(self, name: str, size: int, lb: float | np.ndarray = 0.0,
                  ub: float | np.ndarray = np.inf, kind: str = "C", labels: list | None = None,
                  *, ub_from: tuple[np.ndarray, np.ndarray] | None = None) -> Block:
        """Add ``size`` columns with bounds ``lb``, ``ub`` (numbers or arrays); ``ub_from``
        (``(table, index)``) gives the upper bounds as ``table.ravel()[index]`` instead, when
        many columns share a few values (see :class:`Block`)."""
        if ub_from is not None:
            table = np.array(ub_from[0], dtype=float).ravel()  # own copy: the caller's may change
            index = np.asarray(ub_from[1], dtype=index_dtype(len(table)))
            ub, ub_from = table[index], (table, index)
        b = Block(name, size, _bound(lb, size), _bound(ub, size), kind, self.n,
                  labels or list(range(size)), ub_from)
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
        # copies (the caller may reuse its arrays before the group is assembled), with indices
        # as small as they fit: the triplets of every group are held until assembled
        itype = index_dtype(n_rows, self.n)
        triplets = (np.array(rows, dtype=itype), np.array(cols, dtype=itype),
                    np.array(vals, dtype=float))
        self.groups.append(Group(name, None, _full(lo, n_rows), _full(hi, n_rows),
                                 labels or list(range(n_rows)), shape=(n_rows, self.n),
                                 builder=self, triplets=triplets))

    def assemble(self) -> None:
        """Make the CSR arrays of every group still holding its triplets, all at once.

        The groups' triplets are stacked (each group's rows after the previous group's) and
        sorted once (:func:`_csr_arrays`), then cut back into groups: one sort instead of one
        per group (``benchmarks/RESULTS.md``, speed changes). Each group's triplets are
        released once copied into the stack, so the stack and the groups' triplets are not
        all held at the peak (``benchmarks/RESULTS.md``, memory of build + handoff).
        """
        todo = [g for g in self.groups if g._csr is None and g._triplets is not None]
        if not todo:
            return
        parts = [g._triplets for g in todo]
        m = sum(g.shape[0] for g in todo)
        n = max(g.shape[1] for g in todo)
        nnz = sum(len(p[2]) for p in parts)
        itype = index_dtype(m, n)
        rows, cols = np.empty(nnz, dtype=itype), np.empty(nnz, dtype=itype)
        vals = np.empty(nnz, dtype=float)
        at = off = 0
        for k, g in enumerate(todo):
            r, c, v = parts[k]
            parts[k] = g._triplets = None  # the stack holds them from now on
            np.add(r, off, out=rows[at:at + len(v)], casting="unsafe")
            cols[at:at + len(v)] = c
            vals[at:at + len(v)] = v
            at += len(v)
            off += g.shape[0]
        del r, c, v
        data, indices, indptr = _csr_arrays(rows, cols, vals, (m, n))
        del rows, cols, vals
        off = 0
        for g in todo:
            p = indptr[off:off + g.shape[0] + 1]
            a, b = int(p[0]), int(p[-1])
            g._csr = (data[a:b], indices[a:b], p - a if a else p)
            off += g.shape[0]
