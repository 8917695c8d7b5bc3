"""Policy levers: what each one changes in the case, and that it solves like a rebuild."""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.optimize import optimize
from recyclopt.scenarios import CONTROLLED, EngineOptions, ScenarioError, SweepEngine
from recyclopt.scenarios.definition import resolve, scenario_case
from recyclopt.scenarios.policy import resolve_settings


def test_controlled_elements():
    assert set(CONTROLLED) == {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y", "Ho", "Er", "Tm",
                               "Eu", "Yb"}


def test_export_control_prices(case):
    r = resolve(case, {"levers.export_control.price_multiplier": 3.0,
                       "levers.export_control.product_multiplier": 1.5})
    # controlled elements in every form
    assert r["products.Dy_oxide.price_usd_per_kg.Dy"] == pytest.approx(3 * 257.2)
    assert r["products.mixed_REO.price_usd_per_kg.Dy"] == pytest.approx(3 * 192.9)
    # the mixed oxide holds Dy (> 0.1 %): its other elements follow the product multiplier
    assert r["products.mixed_REO.price_usd_per_kg.Nd"] == pytest.approx(1.5 * 44.6)
    # the separated NdPr oxide holds no controlled element: unchanged
    assert "products.NdPr_oxide.price_usd_per_kg.Nd" not in r


def test_export_control_multiplies_the_scenario_price(case):
    r = resolve(case, {"products.Dy_oxide.price_usd_per_kg.Dy": 500.0,
                       "levers.export_control.price_multiplier": 2.0})
    assert r["products.Dy_oxide.price_usd_per_kg.Dy"] == pytest.approx(1000.0)


def test_supply_cut_hits_feedstocks_above_de_minimis(case):
    # motor magnets hold 3 % Dy; swarf 0.0005 kg Dy per 0.75 kg (0.067 %, under 0.1 %)
    assert resolve_settings(case, {}).controlled_feedstocks == ["motor"]
    r = resolve(case, {"levers.export_control.supply_cut": 0.4})
    assert r == {"feedstocks.motor.availability_factor": pytest.approx(0.6)}
    c, tier, _ = scenario_case(case, {"levers.export_control.supply_cut": 0.4})
    assert tier == "arrays"
    assert np.allclose(c.feedstocks[0].availability, 0.6 * case.feedstocks[0].availability)
    assert np.allclose(c.feedstocks[1].availability, case.feedstocks[1].availability)


def test_floor_credit_carbon_share(case):
    s = resolve_settings(case, {"magnet_credit": {"products": ["mixed_REO"],
                                                  "re_mass_fraction": 0.25}})
    r = resolve(case, {"levers.ndpr_price_floor.usd_per_kg": 110,
                       "levers.magnet_credit.usd_per_kg": 25,
                       "levers.carbon_price.usd_per_t": 40,
                       "levers.single_source_cap.share": 0.8}, s)
    assert r["policy.price_floor_usd_per_kg.NdPr_oxide"] == pytest.approx(110 / 0.85)
    assert r["policy.credit_usd_per_kg.mixed_REO"] == pytest.approx(100.0)
    assert r["policy.carbon_price_usd_per_t"] == 40
    assert r["policy.max_feedstock_share"] == 0.8


def test_recycled_content_lever_needs_a_demand(case):
    with pytest.raises(ScenarioError, match="demand_kg_per_yr"):
        resolve(case, {"levers.recycled_content.share": 0.25})
    s = resolve_settings(case, {"recycled_content": {"elements": ["Nd"],
                                                     "demand_kg_per_yr": 40000}})
    c, tier, _ = scenario_case(case, {"levers.recycled_content.share": 0.25}, s)
    assert c.policy.recycled_content == {"elements": ["Nd"], "demand_kg_per_yr": 40000.0,
                                         "share": 0.25}
    assert case.policy.recycled_content is None


def test_magnet_credit_needs_products_when_none_match(case):
    with pytest.raises(ScenarioError, match="levers.magnet_credit.products"):
        resolve(case, {"levers.magnet_credit.usd_per_kg": 20})


@pytest.mark.parametrize("values", [
    {"levers.export_control.price_multiplier": 3.5, "levers.export_control.supply_cut": 0.3},
    {"levers.ndpr_price_floor.usd_per_kg": 110},
    {"levers.carbon_price.usd_per_t": 150},
    {"levers.single_source_cap.share": 0.75},  # adds a constraint group: a new structure
    {"levers.recycled_content.share": 0.3},  # ditto
])
def test_levers_solve_like_a_rebuild(case, values):
    s = resolve_settings(case, {"recycled_content": {"demand_kg_per_yr": 30000}})
    eng = SweepEngine(case, EngineOptions(fixed_design=False), s)
    row = eng.solve_values(values).row
    ref = optimize(scenario_case(case, values, s)[0])
    assert row["status"] == "optimal"
    assert row["npv_usd"] == pytest.approx(ref.npv_usd, rel=1e-7, abs=1e-6)
    assert row["routes"] == "|".join(sorted(ref.paths_used))
