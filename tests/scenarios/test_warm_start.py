"""The engine's fast path: warm start, lean HiGHS options, price-tier numbers, lean rows.

Every expected value is derived independently of the engine: from
:func:`recyclopt.optimize.optimize` on the modified case (a full rebuild, HiGHS's default
settings, the plan read from its tables) or from a model built from scratch with
:func:`recyclopt.optimize.model.build_model`.
"""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.optimize import load_case, optimize
from recyclopt.optimize.model import build_model
from recyclopt.optimize.plan import read_plan
from recyclopt.optimize.solve import solve
from recyclopt.scenarios import EngineOptions, SweepEngine
from recyclopt.scenarios.definition import scenario_case
from recyclopt.scenarios.engine import _plan_row

from .test_engine import SCENARIOS


def _rebuild_row(case, values) -> dict:
    """The sweep row of a full rebuild: optimize() on the modified case, read off its plan's
    tables (``_plan_row``, the engine's row before the lean reader)."""
    return _plan_row(optimize(scenario_case(case, values)[0]), case)


def _assert_row(row: dict, want: dict) -> None:
    assert row["status"] == "optimal"
    for k, w in want.items():
        if isinstance(w, str):
            assert row[k] == w, k
        else:
            assert row[k] == pytest.approx(w, rel=1e-7, abs=1e-6), k


def _taiwan_values(rng, case) -> dict[str, float]:
    v = {f"products.{p}.price_usd_per_kg.{e}": float(price * rng.uniform(0.7, 3.0))
         for p, prod in case.products.items() for e, price in prod.price_usd_per_kg.items()}
    v["policy.carbon_price_usd_per_t"] = float(rng.uniform(0, 100))
    if rng.random() < 0.4:
        for f in case.feedstocks:
            v[f"feedstocks.{f.name}.availability_factor"] = float(rng.uniform(0.5, 1.5))
    return v


def test_default_case_rows_equal_rebuild_including_plants():
    # price multipliers up to 3x make the Taiwan case build plants; the engine (warm start,
    # lean HiGHS options, lean rows) must give the rows of a rebuild from scratch
    case = load_case()
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    rng = np.random.default_rng(2025)
    n_built = 0
    for _ in range(16):
        v = _taiwan_values(rng, case)
        want = _rebuild_row(case, v)
        _assert_row(eng.solve_values(v).row, want)
        n_built += bool(want["built"])
    assert n_built >= 4


@pytest.mark.parametrize("options", [
    EngineOptions(fixed_design=False),  # warm start and lean options (the defaults)
    EngineOptions(fixed_design=False, warm_start=False),
    EngineOptions(fixed_design=False, lean_highs=False),
    EngineOptions(fixed_design=False, warm_start=False, lean_highs=False),
    EngineOptions(fixed_design=False, lp_check=False),
], ids=["warm+lean", "cold+lean", "warm+full", "cold+full", "warm+lean, no LP check"])
def test_warm_start_and_options_do_not_change_results(case, options):
    eng = SweepEngine(case, options)
    for values in SCENARIOS:
        _assert_row(eng.solve_values(values).row, _rebuild_row(case, values))


def test_lp_check_settles_what_the_relaxation_proves_and_only_that():
    # The bundled Taiwan case at its sourced prices: nothing pays (optimum 0, the empty
    # plan), and the yearly feed_to_build rows take the LP bound to 0
    # (tests/benchmarks/test_cases.py::test_formulation_benchmark_small), so the LP check
    # proves the base plan optimal without a MIP run. With every product price x3 plants pay
    # (optimize() below builds some, NPV > 0), so the empty start cannot be proven: the MIP
    # runs and must give the rebuild's row. The fixed-design run is the same story.
    case = load_case()
    eng = SweepEngine(case, EngineOptions(fixed_design=True))
    eng.design  # noqa: B018 (solves the base case: one MIP run, no start to prove)
    before = dict(eng.runs)
    row = eng.solve_values({}).row
    assert row["status"] == "optimal" and row["built"] == ""
    assert row["npv_usd"] == 0.0 and row["npv_fixed_design_usd"] == 0.0
    assert eng.runs["mip"] == before["mip"]
    assert eng.runs["lp_start"] == before["lp_start"] + 2  # the scenario and its fixed design
    rich = {f"products.{p}.price_usd_per_kg.{e}": 3.0 * price
            for p, prod in case.products.items() for e, price in prod.price_usd_per_kg.items()}
    want = _rebuild_row(case, rich)
    assert want["built"] and want["npv_usd"] > 0
    before = dict(eng.runs)
    _assert_row(eng.solve_values(rich, fixed_design=False).row, want)
    assert eng.runs == dict(before, mip=before["mip"] + 1)
    # off: every run is a MIP
    off = SweepEngine(case, EngineOptions(fixed_design=False, lp_check=False))
    _assert_row(off.solve_values({}).row, _rebuild_row(case, {}))
    assert off.runs == {"mip": 2, "lp_start": 0, "lp_integral": 0}  # base plan + scenario


def test_lp_check_returns_an_integral_lp_optimum(case):
    # The tiny case builds manual + mixed at its base prices (optimize() below). With motors
    # at 8 USD a unit, 0.3 USD/kWh and 80 USD/t CO2 (SCENARIOS[3]) the rebuild builds nothing:
    # the base plan is no longer optimal, so the start cannot be proven; the LP optimum
    # from the structure's own basis is the empty plan, integral, so the engine returns it
    # without a MIP run, and it must be the rebuild's row.
    base = optimize(case)
    assert sorted(base.built) == ["manual", "mixed"]
    values = SCENARIOS[3]
    want = _rebuild_row(case, values)
    assert want["built"] == "" and want["npv_usd"] == 0.0
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    eng._base_solution()
    before = dict(eng.runs)
    _assert_row(eng.solve_values(values).row, want)
    assert eng.runs == dict(before, lp_integral=before["lp_integral"] + 1)


def test_warm_start_is_the_base_plan_only_where_feasible(case):
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    base = optimize(case)
    assert base.built  # the tiny case builds a plant, so its plan is a real start
    co2 = base.opex["co2_t"].to_numpy()
    # price tier: only the objective moves, the base plan is always handed in
    p = eng._prepare({"products.NdPr_oxide.price_usd_per_kg.Nd": 20.0})
    start = eng._start(p.s, p.t, price=p.price)
    assert start is not None
    x0 = eng._base_solution()
    assert x0 is not None and np.array_equal(start, x0[p.s.ccol])
    # a CO2 cap below the base plan's yearly CO2 (read off optimize()'s opex table) cuts
    # the base plan off: no start, and the result is still the rebuild's
    cap = 0.5 * float(co2.max())
    v = {"policy.max_co2_t_per_yr": cap}
    p = eng._prepare(v)
    assert eng._start(p.s, p.t, price=p.price) is None
    _assert_row(eng.solve_values(v).row, _rebuild_row(case, v))
    # a looser cap keeps it feasible: the start is handed in
    p = eng._prepare({"policy.max_co2_t_per_yr": 2.0 * float(co2.max())})
    assert eng._start(p.s, p.t, price=p.price) is not None


def test_satisfies_rejects_a_plan_outside_the_bounds_or_rows(case):
    # the base plan satisfies its own model; the same plan with one column past its upper
    # bound does not, nor does the plan itself once an equality row's upper limit is moved
    # below its lower one (the row's activity equals that lower limit: by construction)
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    s = eng.base
    xc = eng._base_solution()[s.ccol]
    assert eng.satisfies(s, s.targets, xc)
    hi = s.targets["col_hi"]
    j = int(np.flatnonzero(np.isfinite(hi))[0])
    bad = xc.copy()
    bad[j] = hi[j] + 1.0
    assert not eng.satisfies(s, s.targets, bad)
    i = int(np.flatnonzero(s.ctype == 0)[0])
    row_hi = s.targets["row_hi"].copy()
    row_hi[i] = s.targets["row_lo"][i] - 1.0 - abs(s.targets["row_lo"][i])
    assert not eng.satisfies(s, dict(s.targets, row_hi=row_hi), xc)


def test_price_tier_objective_equals_a_fresh_assembly(case):
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    for values in SCENARIOS[:5]:  # the price-tier scenarios of the list
        p = eng._prepare(values)
        assert p.price
        om = build_model(scenario_case(case, values)[0], pyomo=False)  # from scratch
        c = om.c[p.s.ccol]
        assert np.allclose(p.t["c"], c, rtol=1e-12, atol=1e-9)


def _fixed_design_npv_by_rebuild(eng, case, values) -> float:
    """The NPV of the base plan's design under ``values``: the scenario's model built from
    scratch, its design columns fixed to the base plan's (within the scenario's bounds),
    solved, and read as a full plan of the design as built (the engine's documented
    meaning)."""
    base = build_model(case)
    x_base, _ = solve(base)
    dcols = eng.design_columns(base)
    design = x_base[dcols]
    om = build_model(scenario_case(case, values)[0])
    for j, d in zip(dcols.tolist(), design.tolist(), strict=True):
        v = om.columns[j]
        lo = v.lb if v.lb is not None else -np.inf
        hi = v.ub if v.ub is not None else np.inf
        d = min(max(d, lo), hi)
        v.setlb(d)
        v.setub(d)
    x, info = solve(om)
    x[dcols] = design
    return read_plan(om, x, info, 0.0).npv_usd


@pytest.mark.parametrize("values", [
    {"products.NdPr_oxide.price_usd_per_kg.Nd": 30.0},
    {"products.NdPr_oxide.price_usd_per_kg.Nd": 95.0, "policy.carbon_price_usd_per_t": 40.0},
    {"feedstocks.motor.availability_factor": 0.6},
], ids=["low-price", "high-price", "less-feed"])
def test_fixed_design_npv_equals_a_rebuild_with_the_design_fixed(case, values):
    eng = SweepEngine(case, EngineOptions(fixed_design=True))
    row = eng.solve_values(values).row
    want = _fixed_design_npv_by_rebuild(eng, case, values)
    assert row["npv_fixed_design_usd"] == pytest.approx(want, rel=1e-7, abs=1e-6)


def test_kept_plan_is_the_full_plan_of_the_row(case):
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    for values in (SCENARIOS[1], SCENARIOS[5]):  # a price and an arrays scenario
        res = eng.solve_values(values, keep_plan=True)
        plan = res.plan
        assert plan is not None
        assert res.row["npv_usd"] == pytest.approx(plan.npv_usd, rel=1e-9)
        assert res.row["built"] == ",".join(sorted(plan.built))
        assert res.row["routes"] == "|".join(sorted(plan.paths_used))
        # and the plan is the rebuild's
        want = _rebuild_row(case, values)
        assert plan.npv_usd == pytest.approx(want["npv_usd"], rel=1e-7, abs=1e-6)
