"""The fast compiler against Pyomo's LinearStandardFormCompiler: same rows, same numbers."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
import scipy.sparse as sp

from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.compiler import compile_model
from recyclopt.optimize.highs import handoff
from recyclopt.optimize.model import build_model
from recyclopt.optimize.solve import solve

from .cases import generated_case, small_case


def _same(m: pyo.ConcreteModel) -> None:
    f = compile_model(m)
    g = compile_model(m, compiler="lsfc")
    pos = {id(v): j for j, v in enumerate(f.columns)}
    cols = np.array([pos[id(v)] for v in g.columns], dtype=np.int64)
    assert len(f.rows) == len(g.rows)
    assert all(a.constraint is b.constraint and a.bound_type == b.bound_type
               for a, b in zip(f.rows, g.rows, strict=True))
    d = sp.csr_array(f.A)[:, cols] - sp.csr_array(g.A)
    assert d.count_nonzero() == 0
    assert np.array_equal(f.row_lo, g.row_lo) and np.array_equal(f.row_hi, g.row_hi)
    assert np.array_equal(f.c[cols], g.c) and f.offset == g.offset and f.sense == g.sense
    assert np.array_equal(f.col_lo[cols], g.col_lo) and np.array_equal(f.col_hi[cols], g.col_hi)
    assert np.array_equal(f.integrality[cols], g.integrality)


def _objective(cm) -> float:
    h = handoff(cm, time_limit=None, mip_gap=1e-9, threads=None, verbose=False)
    # feasibility tolerances below the 1e-9 the objectives are compared at: at HiGHS's
    # default (1e-6 on the MIP) two equivalent compilations can reach optima ~1e-7 apart
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.run()
    return h.getInfo().objective_function_value


@pytest.mark.parametrize("which", ["test", "default"])
@pytest.mark.parametrize("layout", [True, False])
def test_fast_compiler_matches_lsfc(which, layout):
    case = case_from_dict(small_case()) if which == "test" else load_case()
    m = build_model(case, extra=[("co2_t", None, -np.inf, 1e12)]).model
    if not layout:  # every row through the expression path
        del m._recyclopt_layout
    _same(m)


def test_fast_compiler_follows_changes_to_the_model():
    m = build_model(case_from_dict(small_case())).model
    m.supply[0].deactivate()
    m.capacity[1].set_value((None, m.capacity[1].body, 5.0))
    m.capacity[2].set_value((1.0, m.capacity[2].body, 9.0))  # ranged: two rows
    m.extra_x = pyo.Var(bounds=(0, 3))
    m.p = pyo.Param(mutable=True, initialize=3.0)
    m.extra_c = pyo.Constraint(expr=m.extra_x + 2 * m.x[0] <= 7)
    m.extra_d = pyo.Constraint(expr=m.p * m.x[1] + m.cap[0] >= -1)
    m.x[3].setub(17.0)
    _same(m)
    m.objective.deactivate()
    m.obj2 = pyo.Objective(expr=sum(m.x[i] for i in range(5)) + 3, sense=pyo.maximize)
    _same(m)
    # a fixed variable: a column at its value (fast) or a constant (lsfc), same optimum
    m.obj2.deactivate()
    m.objective.activate()
    m.build[0].fix(1)
    assert _objective(compile_model(m)) == pytest.approx(
        _objective(compile_model(m, compiler="lsfc")), rel=1e-9)


def test_a_variable_outside_the_model_is_a_column_of_the_compiled_model_only():
    # the compiled columns start as the builder's own list; a row naming a variable of
    # another model adds a column to the compiled model, never to the built model
    om = build_model(case_from_dict(small_case()))
    n = om.builder.n
    other = pyo.ConcreteModel()
    other.y = pyo.Var(bounds=(0, 2))
    om.model.extra = pyo.Constraint(expr=om.model.x[0] + other.y <= 5)
    cm = compile_model(om.model)
    assert len(cm.columns) == n + 1 and cm.columns[-1] is other.y
    assert len(om.columns) == n and len(om.model._recyclopt_layout.columns) == n
    _same(om.model)


def test_fast_compiler_matches_lsfc_on_a_generated_case():
    # a medium-like case (3.3k columns, 400 rows, every constraint group) against Pyomo's
    # own compiler, which reads every row through its expression
    m = build_model(case_from_dict(generated_case(12, 3, 2))).model
    _same(m)


def test_fast_compiler_follows_row_changes_inside_an_array_group():
    # rows of one array-backed group changed one by one: the untouched rows are read from the
    # arrays, the changed ones from their expressions, in the group's order
    m = build_model(case_from_dict(small_case())).model
    keys = list(m.capacity.keys())
    m.capacity[keys[1]].expr  # made and kept: still the builder's row  # noqa: B018
    m.capacity[keys[2]].deactivate()
    m.capacity[keys[4]].set_value((0.5, m.capacity[keys[4]].body, 7.0))  # ranged
    del m.capacity[keys[5]]
    m.capacity[keys[5]] = m.x[0] + m.cap[1] <= 4  # re-added: a plain row at its old place
    m.supply[next(iter(m.supply.keys()))].set_value(m.x[1] + m.x[2] == 1)
    _same(m)


def test_appsi_and_the_default_method_agree():
    # Pyomo's persistent HiGHS interface builds its model from the rows' expressions
    for case in (case_from_dict(small_case()), case_from_dict(generated_case(12, 3, 2))):
        _, default = solve(build_model(case))
        _, appsi = solve(build_model(case), method="appsi")
        assert default.proven_optimal and appsi.proven_optimal
        assert appsi.objective == pytest.approx(default.objective, rel=1e-7)


def test_components_sharing_an_index_set_survive_the_deletion_of_one():
    # build and cap have one RangeSet between them (same size): deleting the constraint group
    # that shares it with them leaves them (and the model) intact
    m = build_model(case_from_dict(small_case())).model
    assert m.cap.index_set() is m.build.index_set() is m.build_switch.index_set()
    n = len(m.cap)
    m.del_component(m.build_switch)
    assert list(m.cap.keys()) == list(range(n)) and n - 1 in m.cap.index_set()
    _same(m)


@pytest.mark.parametrize("which", ["test", "default", "generated"])
def test_highs_holds_the_compiled_matrix_column_wise(which):
    # a small model is handed over row-wise (CSR) and HiGHS transposes it; the matrix HiGHS
    # holds must be scipy's column-wise form of the compiled matrix, entry for entry
    case = {"test": lambda: case_from_dict(small_case()), "default": load_case,
            "generated": lambda: case_from_dict(generated_case(12, 3, 2))}[which]()
    cm = compile_model(build_model(case).model)
    h = handoff(cm, time_limit=None, mip_gap=1e-6, threads=None, verbose=False)
    lp = h.getLp()
    ref = sp.csc_array(cm.A)
    ref.sort_indices()
    assert lp.num_row_ == ref.shape[0] and lp.num_col_ == ref.shape[1]
    assert str(lp.a_matrix_.format_).endswith("kColwise")
    assert np.array_equal(np.asarray(lp.a_matrix_.start_), ref.indptr)
    assert np.array_equal(np.asarray(lp.a_matrix_.index_), ref.indices)
    assert np.array_equal(np.asarray(lp.a_matrix_.value_), ref.data)
    assert np.array_equal(np.asarray(lp.row_lower_), cm.row_lo)
    assert np.array_equal(np.asarray(lp.col_upper_), cm.col_hi)


def test_stack_csr_matches_scipy_vstack():
    # the row-wise stacking the compiler and the sweep engine share, against scipy's vstack;
    # one block is a row slice whose indptr does not start at 0
    from recyclopt.optimize.model import stack_csr

    rng = np.random.default_rng(3)
    mats = [sp.random_array((m, 7), density=0.4, format="csr", rng=rng) for m in (3, 0, 5)]
    sliced = sp.csr_array(sp.random_array((6, 7), density=0.5, format="csr", rng=rng))
    lo, hi = sliced.indptr[2], sliced.indptr[5]
    part = (sliced.data[lo:hi], sliced.indices[lo:hi], sliced.indptr[2:6])
    parts = [(a.data, a.indices, a.indptr) for a in mats] + [part]
    data, indices, indptr = stack_csr(parts)
    got = sp.csr_array((data, indices, indptr), shape=(int(len(indptr) - 1), 7))
    want = sp.vstack([*mats, sliced[2:5]], format="csr")
    assert got.shape == want.shape and abs(got - want).max() == 0.0
    assert stack_csr([])[2].tolist() == [0]


def test_stack_csr_shares_the_buffer_of_consecutive_slices():
    # reference: scipy's vstack of the row slices; consecutive slices of one matrix's arrays
    # are returned as a view of them (no copy), anything else is copied
    from recyclopt.optimize.model import stack_csr

    rng = np.random.default_rng(4)
    A = sp.csr_array(sp.random_array((9, 6), density=0.5, format="csr", rng=rng))
    cuts = [0, 2, 2, 7, 9]
    parts = [(A.data[A.indptr[a]:A.indptr[b]], A.indices[A.indptr[a]:A.indptr[b]],
              A.indptr[a:b + 1]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    data, indices, indptr = stack_csr(parts, share=True)
    got = sp.csr_array((data, indices, indptr), shape=(9, 6))
    assert abs(got - A).max() == 0.0
    assert np.shares_memory(data, A.data) and np.shares_memory(indices, A.indices)
    data, indices, _ = stack_csr(parts[::-1], share=True)  # not end to end: copies
    assert not np.shares_memory(data, A.data)
    data, _, _ = stack_csr(parts)  # without share: always a copy
    assert not np.shares_memory(data, A.data)


def test_compiling_never_changes_the_builder_arrays():
    # a group above the row-wise size with an explicit zero (dropped by the compiler) and a
    # duplicate-free layout: the compiled matrix is scipy's without the zero, and the
    # builder's arrays, which the compiler reads without copying, are as they were
    from recyclopt.optimize.model import MatrixBuilder, pyomo_from_builder

    rng = np.random.default_rng(5)
    mb = MatrixBuilder()
    mb.add_block("a", 3000)
    r = np.repeat(np.arange(300), 100)
    c = np.concatenate([rng.choice(3000, 100, replace=False) for _ in range(300)])
    v = rng.uniform(1.0, 2.0, len(r))
    v[17] = 0.0
    mb.add_group("g", r, c, v, 300, -np.inf, 1.0)
    mb.add_group("h", np.zeros(3, dtype=int), np.arange(3), np.ones(3), 1, -np.inf, 2.0)
    m, _ = pyomo_from_builder(mb, np.ones(mb.n), "max")
    before = [tuple(a.copy() for a in g.csr) for g in mb.groups]
    cm = compile_model(m)
    for g, old in zip(mb.groups, before, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(g.csr, old, strict=True))
    want = sp.vstack([sp.csr_array((v, (r, c)), shape=(300, 3000)),
                      sp.csr_array((np.ones(3), (np.zeros(3, dtype=int), np.arange(3))),
                                   shape=(1, 3000))], format="csc")
    want.eliminate_zeros()
    assert cm.A.nnz == len(v) + 2 and abs(sp.csc_array(cm.A) - want).max() == 0.0
