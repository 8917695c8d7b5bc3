"""The array-backed Pyomo components of the plant model behave as ordinary Pyomo components.

Expected values come from Pyomo itself (its dense ``Var`` construction, its standard
representation of an expression, its LP writer) and from the builder's own scipy matrices;
none is read back from the arrays the components hold.
"""

from __future__ import annotations

import io
import pickle

import numpy as np
import pyomo.environ as pyo
import pytest
import scipy.sparse as sp
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.objective import ScalarObjective
from pyomo.repn.standard_repn import generate_standard_repn

from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.array_components import (
    ArrayConstraint,
    ArrayObjective,
    ArrayRowData,
    make_var,
)
from recyclopt.optimize.compiler import compile_model
from recyclopt.optimize.highs import new_highs
from recyclopt.optimize.model import build_model
from recyclopt.optimize.solve import solve

from .cases import small_case


@pytest.fixture(scope="module")
def built():
    return build_model(case_from_dict(small_case()))


def _fresh():
    return build_model(case_from_dict(small_case()))


def _row_dict(expr) -> dict:
    """{id(variable): coefficient} of a linear expression, by Pyomo's standard repn."""
    repn = generate_standard_repn(expr, compute_values=True)
    out: dict[int, float] = {}
    for v, a in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        out[id(v)] = out.get(id(v), 0.0) + a
    return out


def _matrix_row(om, g, i: int) -> dict:
    """Row i of a builder group from its scipy matrix, keyed like :func:`_row_dict`."""
    A = g.A.tocsr()
    a, z = A.indptr[i], A.indptr[i + 1]
    return {id(om.columns[j]): float(v) for j, v in zip(A.indices[a:z], A.data[a:z],
                                                        strict=True)}


def test_make_var_matches_pyomo_dense_construction():
    # reference: Pyomo's own dense Var, bounds set through the public setters
    rng = np.random.default_rng(0)
    lb = np.where(rng.random(50) < 0.2, -np.inf, rng.uniform(-5, 0, 50))
    ub = np.where(rng.random(50) < 0.2, np.inf, rng.uniform(1, 5, 50))
    for dom, lo, hi in ((pyo.Reals, lb, ub), (pyo.Binary, np.zeros(50), np.ones(50)),
                        (pyo.Integers, np.zeros(50), ub), (pyo.Reals, np.zeros(0), np.zeros(0))):
        m = pyo.ConcreteModel()
        var = make_var(m, "v", lo, hi, dom)
        ref = pyo.ConcreteModel()
        ref.v = pyo.Var(range(len(lo)), domain=dom, dense=True)
        for i, r in ref.v.items():
            r.setlb(None if not np.isfinite(lo[i]) else float(lo[i]))
            r.setub(None if not np.isfinite(hi[i]) else float(hi[i]))
        assert len(var) == len(ref.v) and list(var.keys()) == list(ref.v.keys())
        for i, r in ref.v.items():
            v = var[i]
            assert v.__class__ is r.__class__ and v.parent_component() is var
            assert (v.lb, v.ub, v.bounds, v.domain, v.value, v.fixed, v.stale, v.index(),
                    v.name, v.is_integer(), v.is_binary()) == (
                r.lb, r.ub, r.bounds, r.domain, r.value, r.fixed, r.stale, r.index(), r.name,
                r.is_integer(), r.is_binary())
        if len(lo):  # an ordinary variable afterwards
            var[3].setub(0.5)
            var[3].fix(0.25)
            assert var[3].ub == 0.5 and var[3].value == 0.25 and var[4].ub == ref.v[4].ub


def test_make_var_shares_repeated_bounds():
    # reference: the same Var made from the gathered bounds as a plain array
    table = np.array([[1.5, np.inf], [2.5, 0.0]])
    index = np.array([0, 1, 2, 3, 0, 0, 3, 2] * 20)
    ub = table.ravel()[index]
    shared = make_var(pyo.ConcreteModel(), "v", np.zeros(len(ub)), ub, pyo.Reals,
                      ub_from=(table, index))
    plain = make_var(pyo.ConcreteModel(), "v", np.zeros(len(ub)), ub, pyo.Reals)
    assert [v.ub for v in shared.values()] == [v.ub for v in plain.values()]
    assert shared[1].ub is None and shared[0]._ub is shared[4]._ub is shared[5]._ub
    assert len({id(v._ub) for v in shared.values()}) <= table.size


def test_make_var_and_rows_share_one_int_per_index(built):
    # memory: the index stored in each data object is the very key of the component's dict
    # (one int object per index, not two)
    for comp in (built.model.x, built.model.capacity):
        assert all(k is d._index for k, d in comp._data.items())


def test_rows_are_the_builder_rows_and_made_on_demand(built):
    om = built
    m = om.model
    for g in om.builder.groups:
        con = getattr(m, g.name)
        assert isinstance(con, ArrayConstraint) and con.ctype is pyo.Constraint
        rows = [i for i in range(g.shape[0]) if g.A.tocsr()[[i], :].nnz]
        assert list(con.keys()) == rows  # rows without a coefficient are left out
        for i in rows:
            r = con[i]
            assert r.__class__ is ArrayRowData
            lo, body, hi = r.to_bounded_expression(evaluate_bounds=True)
            assert _row_dict(body) == pytest.approx(_matrix_row(om, g, i))
            assert lo == (None if g.lo[i] == -np.inf else g.lo[i])
            assert hi == (None if g.hi[i] == np.inf else g.hi[i])
            assert r.lower == lo and r.upper == hi and r.lb == lo and r.ub == hi
            assert r.equality == (g.lo[i] == g.hi[i])
    # reading body, bounds or equality keeps nothing; reading expr makes and keeps it
    r = m.capacity[1]
    b1, b2 = r.body, r.body
    assert b1 is not b2 and _row_dict(b1) == _row_dict(b2)
    e = r.expr
    assert r.expr is e and r.body is r.body and r.__class__ is ArrayRowData
    assert _row_dict(e.args[0] if e.args[0].__class__ is not float else e.args[1]) == \
        pytest.approx(_row_dict(r.body))


def test_a_row_given_a_new_expression_is_an_ordinary_row():
    m = _fresh().model
    m.capacity[0].set_value(m.x[0] <= 3)
    m.capacity[1] = m.x[1] >= 2  # IndexedComponent.__setitem__ on an existing row
    assert m.capacity[0].__class__ is ConstraintData and m.capacity[0].upper == 3
    assert m.capacity[1].__class__ is ConstraintData and m.capacity[1].lower == 2
    assert m.capacity[2].__class__ is ArrayRowData
    del m.capacity[2]
    assert 2 not in m.capacity
    m.capacity[2] = m.x[2] == 1
    assert m.capacity[2].__class__ is ConstraintData and m.capacity[2].equality


def test_objective_is_the_cost_vector_made_on_demand(built):
    om = _fresh()
    m = om.model
    obj = m.objective
    assert obj.__class__ is ArrayObjective and obj.ctype is pyo.Objective
    assert obj.sense == (pyo.maximize if om.sense == "max" else pyo.minimize)
    e = obj.expr
    assert obj.expr is e
    want = {id(om.columns[j]): float(om.c[j]) for j in np.flatnonzero(om.c)}
    assert _row_dict(e) == pytest.approx(want)
    obj.expr = m.x[0] + 1
    assert obj.__class__ is ScalarObjective and str(obj.expr) == "x[0] + 1"


def test_pprint_clone_and_pickle(built):
    m = built.model
    s = io.StringIO()
    m.capacity.pprint(ostream=s)
    assert s.getvalue().startswith("capacity : Size=") and "cap[0]" in s.getvalue()
    ref = compile_model(m)
    for other in (m.clone(), pickle.loads(pickle.dumps(m))):
        got = compile_model(other)
        assert (got.A != ref.A).nnz == 0
        assert all(np.array_equal(getattr(got, k), getattr(ref, k))
                   for k in ("row_lo", "row_hi", "col_lo", "col_hi", "c", "integrality"))


@pytest.mark.parametrize("which", ["test", "default"])
def test_lp_file_written_by_pyomo_solves_to_the_same_plan(tmp_path, which):
    # Pyomo's LP writer reads the rows through to_bounded_expression; HiGHS reads its file
    case = case_from_dict(small_case()) if which == "test" else load_case()
    om = build_model(case)
    _, info = solve(om, mip_gap=1e-9)
    path = tmp_path / "plant.lp"
    om.model.write(str(path), io_options={"symbolic_solver_labels": True})
    assert "capacity(0)" in path.read_text()
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.readModel(str(path))
    assert h.getNumRow() == info.n_rows
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    assert h.getInfo().objective_function_value == pytest.approx(info.objective, rel=1e-7,
                                                                  abs=1e-6)


def test_builder_assembles_each_group_as_scipy_would():
    # reference: scipy's canonical CSR (sorted, duplicates summed) of each group's triplets
    from recyclopt.optimize.model import MatrixBuilder

    rng = np.random.default_rng(1)
    mb = MatrixBuilder()
    mb.add_block("a", 7)
    mb.add_block("b", 5)
    want = {}
    for k, (n_rows, nnz) in enumerate([(4, 12), (1, 3), (6, 0), (3, 30), (5, 25_000)]):
        r = rng.integers(0, n_rows, nnz)
        c = rng.integers(0, mb.n, nnz)
        v = rng.normal(size=nnz)
        if nnz:
            r[-1], c[-1] = r[0], c[0]  # a duplicate entry, summed
        if k == 3:
            mb.groups[0].csr  # noqa: B018 (the first groups assembled, the rest later)
        mb.add_group(f"g{k}", r, c, v, n_rows, 0.0, np.arange(n_rows, dtype=float))
        want[f"g{k}"] = sp.csr_matrix((v.copy(), (r.copy(), c.copy())), shape=(n_rows, mb.n))
        r[:] = 0  # the caller's arrays reused: the group kept its own
        if nnz:  # held until assembled, with indices as small as they fit
            assert mb.groups[-1]._triplets[0].dtype == np.int32
    mb.assemble()
    assert all(g._triplets is None for g in mb.groups)  # released once assembled
    for g in mb.groups:
        ref = want[g.name]
        ref.sum_duplicates()
        data, indices, indptr = g.csr
        assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices)
        assert np.allclose(data, ref.data, rtol=1e-15, atol=0)
        assert (g.A != ref).nnz == 0 and np.array_equal(g.hi, np.arange(g.shape[0]))
