"""Analyses: NPV distribution, route frequency, tornado, two-stage stochastic plan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recyclopt.optimize import optimize
from recyclopt.scenarios import (
    EngineOptions,
    Scenario,
    SweepEngine,
    npv_distribution,
    one_at_a_time,
    route_frequency,
    two_stage,
)
from recyclopt.scenarios.definition import scenario_case

NDPR = "products.NdPr_oxide.price_usd_per_kg.Nd"
MIXND = "products.mixed_REO.price_usd_per_kg.Nd"


def test_npv_distribution_and_probability_of_loss():
    df = pd.DataFrame({"status": ["optimal"] * 4 + ["infeasible"],
                       "npv_usd": [-10.0, 0.0, 10.0, 20.0, np.nan]})
    d = npv_distribution(df)
    assert d["n"] == 4 and d["prob_loss"] == 0.25
    assert d["p50"] == pytest.approx(5.0) and d["mean"] == pytest.approx(5.0)
    assert d["min"] == -10 and d["max"] == 20
    assert math.isnan(npv_distribution(df.iloc[4:])["p50"])


def test_route_frequency():
    df = pd.DataFrame({"status": ["optimal"] * 4, "routes": ["a", "b", "a", ""],
                       "npv_usd": [1.0, 2.0, 3.0, 0.0]})
    rf = route_frequency(df)
    assert list(rf["routes"]) == ["a", "", "b"]
    assert list(rf["count"]) == [2, 1, 1]
    assert rf["share"].sum() == pytest.approx(1.0)
    assert rf.loc[0, "mean_npv_usd"] == 2.0


def test_tornado_one_at_a_time(case):
    t = one_at_a_time(case, {NDPR: (30.0, 120.0), "policy.carbon_price_usd_per_t": (0, 50),
                             "feedstocks.motor.availability_factor": (0.5, 1.5)})
    assert list(t["parameter"])[0] in (NDPR, "feedstocks.motor.availability_factor")
    assert (t["swing_usd"].diff().dropna() <= 0).all()  # sorted, widest first
    row = t.set_index("parameter").loc[NDPR]
    ref_hi = optimize(scenario_case(case, {NDPR: 120.0})[0])
    assert row["npv_high_usd"] == pytest.approx(ref_hi.npv_usd, rel=1e-7)
    assert row["value_high"] == 120.0
    assert bool(row["route_change"])  # a high NdPr price moves the plant to separated oxide


def test_two_stage_value_of_the_stochastic_solution(case):
    vals = [{NDPR: 30.0, MIXND: 30.0}, {NDPR: 60.0, MIXND: 45.0}, {NDPR: 130.0, MIXND: 60.0},
            {NDPR: 150.0, MIXND: 40.0, "feedstocks.motor.availability_factor": 0.6}]
    scen = [Scenario(f"s/{i}", "s", i, v, 0.25) for i, v in enumerate(vals)]
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    res = two_stage(case, scen, engine=eng)
    # the extensive form's objective is the expected NPV of its design, operated per scenario
    assert res.rp_usd == pytest.approx(res.info["rp_from_evaluation_usd"], rel=1e-6)
    assert res.vss_usd >= -1e-6 * abs(res.rp_usd)
    assert res.evpi_usd >= -1e-6 * abs(res.rp_usd)
    ws = np.mean([optimize(scenario_case(case, v)[0]).npv_usd for v in vals])
    assert res.ws_usd == pytest.approx(ws, rel=1e-7)
    assert "VSS" in res.summary()


def test_two_stage_with_one_scenario_is_the_deterministic_plan(case):
    v = {NDPR: 90.0}
    res = two_stage(case, [Scenario("s/0", "s", 0, v)],
                    engine=SweepEngine(case, EngineOptions(fixed_design=False)))
    ref = optimize(scenario_case(case, v)[0])
    assert res.rp_usd == pytest.approx(ref.npv_usd, rel=1e-7)
    assert res.evpi_usd == pytest.approx(0.0, abs=1e-6 * max(1.0, abs(ref.npv_usd)))
    assert res.built() == sorted(o for o in ref.built if o in res.design["build"].index
                                 and res.design["build"][o] > 0.5)


def test_two_stage_refuses_a_changing_first_stage(case):
    from recyclopt.errors import InputError

    scen = [Scenario("s/0", "s", 0, {}), Scenario("s/1", "s", 1,
                                                   {"policy.max_co2_t_per_yr": 10.0})]
    with pytest.raises(InputError, match="s/1"):
        two_stage(case, scen, engine=SweepEngine(case, EngineOptions(fixed_design=False)))
