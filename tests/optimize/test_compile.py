"""The fast compiler against Pyomo's LinearStandardFormCompiler: same rows, same numbers."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
import scipy.sparse as sp

from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.model import build_model
from recyclopt.optimize.solve import _highs, compile_model

from .cases import small_case


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
    h = _highs(cm, time_limit=None, mip_gap=1e-9, threads=None, verbose=False)
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
