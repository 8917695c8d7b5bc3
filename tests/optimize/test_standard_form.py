"""The model compiled from its builder (no Pyomo) against the Pyomo model's compilation."""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.compiler import compile_model
from recyclopt.optimize.model import build_model
from recyclopt.optimize.solve import solve
from recyclopt.optimize.standard_form import compile_builder

from .cases import generated_case, small_case


def _identical(case, **kw) -> None:
    """compile_builder on the arrays-only model equals compile_model on the Pyomo model of
    the same builder, array for array and bit for bit (the reference: the Pyomo compiler,
    itself checked against Pyomo's LinearStandardFormCompiler in test_compile.py)."""
    om = build_model(case, **kw)
    ref = compile_model(om.model)
    got = compile_builder(build_model(case, sup=om.sup, pyomo=False, **kw))
    assert got.A.format == ref.A.format and got.A.shape == ref.A.shape
    for k in ("data", "indices", "indptr"):
        a, b = getattr(got.A, k), getattr(ref.A, k)
        assert a.dtype == b.dtype and np.array_equal(a, b), k
    for k in ("row_lo", "row_hi", "col_lo", "col_hi", "integrality", "c"):
        a, b = getattr(got, k), getattr(ref, k)
        assert a.dtype == b.dtype and np.array_equal(a, b), k
    assert got.offset == ref.offset and got.sense == ref.sense


@pytest.mark.parametrize("name", ["taiwan", "hub", "families"])
def test_bundled_cases(name):
    _identical(load_case(name))


@pytest.mark.parametrize("objective", ["npv", "min_co2", "recovered_mass"])
def test_objectives_and_modes(objective):
    _identical(case_from_dict(small_case()), objective=objective)
    _identical(case_from_dict(small_case()), objective=objective, mode="single_path")


def test_extra_rows_and_large_csc():
    # an epsilon row and a coefficient row (cost of recovery's "sells" row); the generated
    # case is large enough for the column-wise matrix
    case = load_case("taiwan")
    om = build_model(case, pyomo=False)
    vec = np.zeros(om.builder.n)
    vec[:5] = 1.0
    _identical(case, extra=[("co2_t", None, -np.inf, 1e3), ("row", vec, 1e-6, np.inf)])
    big = case_from_dict(generated_case(n_feedstocks=30, n_options=8))
    _identical(big)
    assert compile_builder(build_model(big, pyomo=False)).A.format == "csc"


def test_solve_without_pyomo_same_plan():
    # the same arrays reach HiGHS, so the same plan comes back
    case = load_case("taiwan")
    om = build_model(case)
    x_ref, i_ref = solve(om)
    x, info = solve(build_model(case, sup=om.sup, pyomo=False))
    assert np.array_equal(x, x_ref) and info.objective == i_ref.objective
    assert (info.n_vars, info.n_binary, info.n_integer, info.n_rows, info.n_nonzeros) == (
        i_ref.n_vars, i_ref.n_binary, i_ref.n_integer, i_ref.n_rows, i_ref.n_nonzeros)
