"""Scenario files: parsing, sampling, validation before any solve."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from recyclopt.errors import InputError
from recyclopt.scenarios import ScenarioError, apply_values, load_scenarios, scenarios_from_dict
from recyclopt.scenarios.definition import scenario_case

NDPR = "products.NdPr_oxide.price_usd_per_kg.Nd"


def _sampled(dist: dict, n: int = 64, method: str = "lhs", seed: int = 1) -> dict:
    return {"sets": {"s": {"sample": {"method": method, "n": n, "seed": seed},
                           "parameters": {NDPR: dist}}}}


def test_explicit_sets_overrides_and_ids(case):
    sf = scenarios_from_dict({"sets": {
        "a": {"overrides": {"policy.carbon_price_usd_per_t": 30},
              "scenarios": [{"name": "lo"}, {"name": "hi", "overrides": {NDPR: 90}}]},
        "b": {}}})
    sc = sf.expand(case)
    assert [s.id for s in sc] == ["a/lo", "a/hi", "b/base"]
    assert [s.index for s in sc] == [0, 1, 2]
    assert sc[1].values == {"policy.carbon_price_usd_per_t": 30.0, NDPR: 90.0}
    assert sc[0].probability == pytest.approx(0.5)
    assert [s.id for s in sf.expand(case, ["b"])] == ["b/base"]


def test_overrides_change_a_copy_only(case):
    before = case.products["NdPr_oxide"].price_usd_per_kg["Nd"]
    c2 = apply_values(case, {NDPR: 99.0, "feedstocks.motor.availability_factor": 0.5,
                             "options.oxide.capex_factor": 2.0, "costing.discount_rate": 0.1,
                             "policy.min_recovered_kg_per_yr.Dy": 5.0})
    assert c2.products["NdPr_oxide"].price_usd_per_kg["Nd"] == 99.0
    assert case.products["NdPr_oxide"].price_usd_per_kg["Nd"] == before
    m0, m1 = case.feedstocks[0], c2.feedstocks[0]
    assert np.allclose(m1.availability.to_numpy(), 0.5 * m0.availability.to_numpy())
    assert c2.option("oxide").capex.costs[0] == 2 * case.option("oxide").capex.costs[0]
    assert c2.costing.discount_rate == 0.1 and case.costing.discount_rate == 0.08
    assert c2.policy.min_recovered_kg_per_yr == {"Dy": 5.0}
    assert case.policy.min_recovered_kg_per_yr == {}


@pytest.mark.parametrize("method", ["lhs", "monte_carlo"])
def test_sampling_is_reproducible_and_inside_the_range(case, method):
    spec = _sampled({"dist": "uniform", "low": 40, "high": 80}, method=method)
    a = [s.values[NDPR] for s in scenarios_from_dict(spec).expand(case)]
    b = [s.values[NDPR] for s in scenarios_from_dict(spec).expand(case)]
    assert a == b and len(a) == 64
    assert min(a) >= 40 and max(a) <= 80
    c = [s.values[NDPR] for s in scenarios_from_dict(
        _sampled({"dist": "uniform", "low": 40, "high": 80}, method=method, seed=2)).expand(case)]
    assert a != c


def test_latin_hypercube_fills_every_stratum(case):
    vals = np.array([s.values[NDPR] for s in scenarios_from_dict(
        _sampled({"dist": "uniform", "low": 0, "high": 64})).expand(case)])
    assert sorted(np.floor(vals).astype(int)) == list(range(64))


def test_distributions(case):
    tri = [s.values[NDPR] for s in scenarios_from_dict(_sampled(
        {"dist": "triangular", "low": 50, "mode": 60, "high": 120}, n=400)).expand(case)]
    assert 50 <= min(tri) and max(tri) <= 120
    assert np.mean(tri) == pytest.approx((50 + 60 + 120) / 3, rel=0.02)
    ln = [s.values[NDPR] for s in scenarios_from_dict(_sampled(
        {"dist": "lognormal", "median": 60, "sigma": 0.4}, n=400)).expand(case)]
    assert np.median(ln) == pytest.approx(60, rel=0.03)
    tr = [s.values[NDPR] for s in scenarios_from_dict(_sampled(
        {"dist": "lognormal", "median": 60, "sigma": 1.0, "low": 50, "high": 70})).expand(case)]
    assert 50 <= min(tr) and max(tr) <= 70
    hist = [40.0, 52.0, 61.0, 58.0, 75.0]
    rs = [s.values[NDPR] for s in scenarios_from_dict(_sampled(
        {"dist": "resample", "values": hist}, n=50)).expand(case)]
    assert set(rs) == set(hist)  # every historical level drawn, nothing else
    ratios = {b / a for a, b in zip(hist, hist[1:], strict=False)}
    rr = {s.values[NDPR] for s in scenarios_from_dict(_sampled(
        {"dist": "resample", "values": hist, "mode": "ratio"}, n=40)).expand(case)}
    assert all(any(abs(v - 59.5 * r) < 1e-9 for r in ratios) for v in rr)


def test_resample_from_a_csv_history(case, tmp_path):
    (tmp_path / "hist.csv").write_text("month,ndpr\n1,50\n2,55\n3,70\n", encoding="utf-8")
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(_sampled({"dist": "resample", "file": "hist.csv",
                                          "column": "ndpr"}, n=30)), encoding="utf-8")
    vals = {s.values[NDPR] for s in load_scenarios(f).expand(case)}
    assert vals == {50.0, 55.0, 70.0}


def test_one_at_a_time_set(case):
    sc = scenarios_from_dict({"sets": {"t": {"one_at_a_time": {
        NDPR: [40, 90], "levers.carbon_price.usd_per_t": [0, 100]}}}}).expand(case)
    assert [s.id for s in sc] == ["t/base", f"t/{NDPR}@low", f"t/{NDPR}@high",
                                  "t/levers.carbon_price.usd_per_t@low",
                                  "t/levers.carbon_price.usd_per_t@high"]
    assert sc[2].values == {NDPR: 90.0}


@pytest.mark.parametrize("spec, field, text", [
    ({"sets": {"a": {"scenarios": [{"name": "x", "overrides": {"products.NdPr_oxide.colour": 1}}]}}},
     "products.NdPr_oxide.colour", "unknown parameter"),
    ({"sets": {"a": {"scenarios": [{"name": "x", "overrides": {NDPR: -5}}]}}},
     NDPR, "allowed range [0, inf]"),
    ({"sets": {"a": {"scenarios": [{"name": "x", "overrides": {
        "products.Gold.price_usd_per_kg.Au": 5}}]}}}, "Gold", "allowed"),
    (_sampled({"dist": "uniform", "low": 90, "high": 50}), NDPR, "low 90 > high 50"),
    (_sampled({"dist": "uniform", "low": -10, "high": 50}), NDPR, "allowed range"),
    (_sampled({"dist": "triangular", "low": 1, "mode": 9, "high": 5}), "mode", "outside"),
    (_sampled({"dist": "gamma", "low": 1}), "dist", "allowed"),
    ({"sets": {"a": {"sample": {"n": 5}, "parameters": {"policy.max_feedstock_share": {
        "dist": "lognormal", "median": 0.5, "sigma": 0.2}}}}}, "max_feedstock_share",
     "truncate it"),
    ({"sets": {"a": {"sample": {"n": 0}, "parameters": {NDPR: {"dist": "uniform", "low": 1,
                                                               "high": 2}}}}}, "sample.n",
     "allowed"),
    ({"sets": {"a": {"colour": 1}}}, "sets.a.colour", "unknown field"),
    ({"sets": {}}, "sets", "at least one"),
    ({"levers": {"export_control": {"products": ["Gold"]}}, "sets": {"a": {}}},
     "levers.export_control.products", "not one of"),
])
def test_bad_scenario_definitions_name_file_field_and_range(case, tmp_path, spec, field, text):
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(ScenarioError) as ei:
        load_scenarios(f).expand(case)
    msg = str(ei.value)
    assert isinstance(ei.value, InputError)
    assert "bad.yaml" in msg and field in msg and text in msg, msg


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenarios(tmp_path / "nope.yaml")
    bad = tmp_path / "b.yaml"
    bad.write_text("sets: [a\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenarios(bad)


def test_tiers(case):
    assert scenario_case(case, {NDPR: 70})[1] == "price"
    assert scenario_case(case, {"levers.export_control.price_multiplier": 2})[1] == "price"
    assert scenario_case(case, {"feedstocks.motor.availability_factor": 0.5})[1] == "arrays"
    assert scenario_case(case, {"prices.reagents_usd_per_kg.HCl": 1.0})[1] == "superstructure"


def test_bundled_taiwan_scenarios_validate():
    from recyclopt.optimize import load_case

    sc = load_scenarios("taiwan_scenarios").expand(load_case())
    ids = [s.id for s in sc]
    # 5 explicit + 200 sampled + 2 x 8 one-at-a-time (low/high per parameter) + 1 base = 222
    assert "controls_2025/may_2025_europe" in ids and len(ids) == len(set(ids)) == 222
