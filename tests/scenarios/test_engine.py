"""The sweep engine: a re-solve through the compiled model equals a full rebuild."""

from __future__ import annotations

import math

import pytest

from recyclopt.optimize import load_case, optimize
from recyclopt.scenarios import EngineOptions, SweepEngine
from recyclopt.scenarios.definition import scenario_case

NDPR = "products.NdPr_oxide.price_usd_per_kg.Nd"

SCENARIOS = [
    {},
    {NDPR: 95.0},
    {NDPR: 30.0, "products.mixed_REO.price_usd_per_kg.Nd": 80.0},
    {"feedstocks.motor.cost_usd_per_unit": 8.0, "prices.electricity_usd_per_kwh": 0.3,
     "policy.carbon_price_usd_per_t": 80.0},
    {"policy.price_floor_usd_per_kg.mixed_REO": 70.0, "policy.credit_usd_per_kg.Dy_oxide": 50},
    {"feedstocks.motor.availability_factor": 0.4, "feedstocks.swarf.availability_factor": 2.0},
    {"feedstocks.motor.availability_factor": 1.8, NDPR: 80.0},
    {"products.NdPr_oxide.max_kg_per_yr": 3000.0},  # new market rows: a new structure
    {"policy.max_co2_t_per_yr": 20.0},
    {"policy.min_recovered_kg_per_yr.Dy": 500.0},
    {"prices.reagents_usd_per_kg.HCl": 4.0, "prices.grid_co2_kg_per_kwh": 0.9},
    {"options.oxide.opex_usd_per_basis": 1.0},
    {"costing.discount_rate": 0.15, "labour.usd_per_hour": 25.0},
    {"options.mixed.capex_factor": 0.5, "options.oxide.opex_usd_per_yr": 10000.0},
    {"options.oxide.max_capacity": 20000.0},
]


@pytest.fixture(scope="module")
def engine(case):
    return SweepEngine(case, EngineOptions(fixed_design=False))


@pytest.mark.parametrize("values", SCENARIOS, ids=lambda v: ",".join(v) or "base")
def test_fast_path_equals_rebuild(case, engine, values):
    row = engine.solve_values(values).row
    ref = optimize(scenario_case(case, values)[0])
    assert row["status"] == "optimal"
    assert row["objective"] == pytest.approx(ref.objective_value, rel=1e-7, abs=1e-6)
    assert row["npv_usd"] == pytest.approx(ref.npv_usd, rel=1e-7, abs=1e-6)
    assert row["built"] == ",".join(sorted(ref.built))
    assert row["routes"] == "|".join(sorted(ref.paths_used))
    assert row["capex_usd"] == pytest.approx(float(ref.capex["capex_usd"].sum()), rel=1e-7,
                                             abs=1e-6)


def test_results_do_not_depend_on_solve_order(case):
    a = SweepEngine(case, EngineOptions(fixed_design=False))
    b = SweepEngine(case, EngineOptions(fixed_design=False))
    fwd = [a.solve_values(v).row for v in SCENARIOS]
    bwd = [b.solve_values(v).row for v in reversed(SCENARIOS)][::-1]
    for r1, r2 in zip(fwd, bwd, strict=True):
        r1.pop("solve_s"), r2.pop("solve_s")
        assert r1 == r2


def test_structures_are_kept(case):
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    for _ in range(3):
        eng.solve_values({"policy.max_co2_t_per_yr": 20.0})
    assert eng.n_rebuilds == 1  # one new structure, built once and re-used
    eng.solve_values({NDPR: 70})
    assert eng.n_rebuilds == 1


def test_infeasible_scenario_is_a_row_not_an_error(case, engine):
    row = engine.solve_values({"policy.min_recovered_kg_per_yr.Dy": 1e9}).row
    assert row["status"] == "infeasible" and math.isnan(row["npv_usd"])
    # and the engine is fine afterwards
    assert engine.solve_values({}).row["status"] == "optimal"


def test_fixed_design_npv(case):
    eng = SweepEngine(case, EngineOptions(fixed_design=True))
    base = eng.solve_values({}).row
    assert base["npv_fixed_design_usd"] == pytest.approx(base["npv_usd"], rel=1e-7)
    low = eng.solve_values({NDPR: 20.0, "products.mixed_REO.price_usd_per_kg.Nd": 15.0}).row
    # the best plan at low prices never loses money; the committed design does
    assert low["npv_usd"] >= 0 > low["npv_fixed_design_usd"]
    assert low["npv_fixed_design_usd"] <= low["npv_usd"]


def test_default_case_prices_equal_rebuild():
    case = load_case()
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    for v in ({"products.NdPr_oxide.price_usd_per_kg.Nd": 140.0,
               "products.mixed_REO.price_usd_per_kg.Nd": 120.0},
              {"levers.export_control.price_multiplier": 4.0,
               "levers.export_control.supply_cut": 0.3}):
        row = eng.solve_values(v).row
        ref = optimize(scenario_case(case, v)[0])
        assert row["npv_usd"] == pytest.approx(ref.npv_usd, rel=1e-7, abs=1e-6)
        assert row["routes"] == "|".join(sorted(ref.paths_used))
