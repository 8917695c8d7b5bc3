"""``scale_compiled`` (array arithmetic on the CSC arrays) against its definition written with
scipy's sparse products, the way it was first implemented."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.compiler import compile_model
from recyclopt.optimize.highs import scale_compiled
from recyclopt.optimize.model import build_model

from .cases import generated_case, small_case


def _pow2(x: np.ndarray) -> np.ndarray:
    return np.exp2(np.round(np.log2(x)))


def _reference(cm) -> tuple[sp.csc_array, np.ndarray, np.ndarray, float]:
    """The documented rules with scipy's reductions and diagonal products: continuous columns
    by their bound (else the geometric mean of their entries' inverse), rows by their largest
    entry, the objective by its largest cost; all to the nearest power of two."""
    A = sp.csc_array(cm.A, copy=True)
    n = A.shape[1]
    cont = cm.integrality == 0
    absA = abs(A)
    cmax = absA.max(axis=0).toarray().ravel()
    with np.errstate(divide="ignore"):
        logs = sp.csc_array((np.log2(absA.data), absA.indices, absA.indptr), shape=A.shape)
    cnt = np.diff(A.indptr)
    gmean = np.exp2(np.divide(logs.sum(axis=0), cnt, out=np.zeros(n), where=cnt > 0))
    col = np.ones(n)
    for j in range(n):  # the rule column by column, as documented
        if not cont[j]:
            continue  # integer columns are never scaled
        finite = [abs(b) for b in (cm.col_lo[j], cm.col_hi[j]) if math.isfinite(b)]
        if max(finite, default=0.0) > 0:
            raw = max(finite)  # the larger finite bound
        elif cmax[j] > 0:
            raw = 1.0 / gmean[j]  # no bound: the entries' geometric mean to 1
        else:
            continue
        col[j] = _pow2(np.array([min(max(raw, 1e-12), 1e12)]))[0]
    A = A @ sp.diags_array(col)
    rmax = abs(A).max(axis=1).toarray().ravel()
    row = _pow2(1.0 / np.where(rmax > 0, rmax, 1.0))
    A = sp.csc_array(sp.diags_array(row) @ A)
    A.sort_indices()
    c = cm.c * col
    cmx = float(np.abs(c).max(initial=0.0))
    return A, col, row, float(_pow2(np.array([1.0 / cmx]))[0]) if cmx > 0 else 1.0


@pytest.mark.parametrize("which", ["test", "default", "generated"])
def test_scale_compiled_matches_its_definition(which):
    case = {"test": lambda: case_from_dict(small_case()), "default": load_case,
            "generated": lambda: case_from_dict(generated_case(12, 3, 2))}[which]()
    cm = compile_model(build_model(case).model)
    s, col, k = scale_compiled(cm)
    A, col_r, row_r, k_r = _reference(cm)
    assert np.array_equal(col, col_r) and k == k_r
    got = sp.csc_array(s.A)
    assert np.array_equal(got.indptr, A.indptr) and np.array_equal(got.indices, A.indices)
    assert np.array_equal(got.data, A.data)
    assert np.array_equal(s.row_lo, cm.row_lo * row_r) and np.array_equal(s.row_hi,
                                                                          cm.row_hi * row_r)
    assert np.array_equal(s.col_hi, cm.col_hi / col_r) and np.array_equal(s.c, cm.c * col_r * k_r)
    # the input is left as it was
    assert np.array_equal(sp.csc_array(cm.A).data, sp.csc_array(compile_model(
        build_model(case).model).A).data)


def test_scaling_in_chunks_and_sharing_the_index_arrays(monkeypatch):
    # the row pass in chunks of 7 nonzeros (chunk edges inside rows and columns) gives the
    # reference's arrays; compile_builder passes the model's own cost vector on; a column-wise model's scaled matrix shares its index arrays (the
    # same sparsity pattern: no copy) and leaves the model's values as they were
    from recyclopt.optimize import highs
    from recyclopt.optimize.standard_form import compile_builder

    monkeypatch.setattr(highs, "SCALE_CHUNK", 7)
    om = build_model(case_from_dict(generated_case(12, 3, 2)), pyomo=False)
    cm = compile_builder(om)
    assert np.shares_memory(cm.c, om.c)  # the model's cost vector, not a copy
    cm.A = sp.csc_array(cm.A)  # column-wise, as the compiler makes models of >20k nonzeros
    before = cm.A.data.copy()
    s, col, k = scale_compiled(cm)
    A, col_r, _, k_r = _reference(cm)
    assert np.array_equal(col, col_r) and k == k_r
    assert np.array_equal(s.A.data, A.data) and np.array_equal(s.A.indices, A.indices)
    assert np.shares_memory(s.A.indices, cm.A.indices)
    assert np.shares_memory(s.A.indptr, cm.A.indptr)
    assert np.array_equal(cm.A.data, before)
