"""Small cases for optimizer tests (dicts, so tests can vary them)."""

from __future__ import annotations

import copy


def small_case() -> dict:
    """Two feedstocks, two liberation options, two extraction options, 5 operating years."""
    return copy.deepcopy({
        "name": "small",
        "horizon": {"construction_year": 2026, "operating_years": 5},
        "costing": {"convention": "simple", "discount_rate": 0.1},
        "elements": ["Nd", "Dy"],
        "stages": ["liberation", "extraction"],
        "feedstocks": [
            {"name": "hdd", "content_kg_per_unit": {"Nd": 0.002, "Dy": 0.0001, "Fe": 0.006},
             "magnet_kg_per_unit": 0.01, "cost_usd_per_unit": 0.05,
             "availability_units": {2027: 100000, 2028: 120000, 2029: 90000, 2030: 80000,
                                    2031: 60000}},
            {"name": "ev", "content_kg_per_unit": {"Nd": 0.25, "Dy": 0.04, "Fe": 0.7},
             "magnet_kg_per_unit": 1.0, "cost_usd_per_unit": 5.0, "availability_units": 30000},
        ],
        "options": [
            {"name": "manual", "stage": "liberation", "basis": "units",
             "yields": {"Nd": 0.98, "Dy": 0.98, "Fe": 0.98}, "opex_usd_per_basis": 0.3,
             "equipment": {"capacity_per_unit": 50000, "cost_usd": 20000,
                           "yearly_cost_usd": 1000, "operators_per_unit": 1}},
            {"name": "shred", "stage": "liberation", "basis": "units",
             "yields": {"Nd": 0.3, "Dy": 0.3, "Fe": 0.9}, "opex_usd_per_basis": 0.02,
             "capex": {"points": [[10000, 50000], [200000, 120000]]}},
            {"name": "hydromet", "stage": "extraction", "yields": {"Nd": 0.95, "Dy": 0.9},
             "products": {"Nd": "reo", "Dy": "reo"}, "opex_usd_per_basis": 2.0,
             "capex": {"ref_cost_usd": 500000, "ref_capacity": 10000, "exponent": 0.6,
                       "min_capacity": 100, "max_capacity": 100000, "n_points": 5},
             "operators": 2},
            {"name": "sx", "stage": "extraction", "yields": {"Nd": 0.93, "Dy": 0.92},
             "products": {"Nd": "ndpr_oxide", "Dy": "dy_oxide"}, "opex_usd_per_basis": 4.0,
             "kwh_per_basis": 3.0,
             "capex": {"points": [[100, 400000], [5000, 900000], [100000, 2500000]]},
             "operators": 3},
        ],
        "products": {
            "reo": {"price_usd_per_kg": {"Nd": 52, "Dy": 200}},
            "ndpr_oxide": {"price_usd_per_kg": {"Nd": 70}},
            "dy_oxide": {"price_usd_per_kg": {"Dy": 280}},
        },
        "prices": {"electricity_usd_per_kwh": 0.1355, "grid_co2_kg_per_kwh": 0.494},
        "labour": {"usd_per_hour": 10.68, "hours_per_operator_yr": 2080},
    })


def generated_case(n_feedstocks: int = 12, n_options: int = 6, seed: int = 0) -> dict:
    """A moderately sized random case: three stages of ``n_options`` options each (piecewise
    capex curves, some equipment), ``n_feedstocks`` feedstocks, 10 operating years.

    Parameters
    ----------
    n_feedstocks : number of feedstocks.
    n_options : options per stage.
    seed : random seed (the case is a pure function of its arguments).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    els = ["Nd", "Pr", "Dy", "Tb"]
    feeds = []
    for i in range(n_feedstocks):
        m = float(rng.uniform(0.01, 2.0))
        share = rng.dirichlet([6, 2, 1, 0.3]) * 0.3 * m
        feeds.append({"name": f"f{i}", "magnet_kg_per_unit": m,
                      "content_kg_per_unit": {e: float(v) for e, v in zip(els, share,
                                                                            strict=True)},
                      "cost_usd_per_unit": float(rng.uniform(0.0, 3.0) * m),
                      "availability_units": float(rng.uniform(1e3, 1e5)),
                      "growth_per_yr": float(rng.uniform(-0.05, 0.1))})
    stages = ["liberation", "extraction", "refining"]
    opts = []
    for s, stage in enumerate(stages):
        for j in range(n_options):
            o = {"name": f"{stage[:3]}{j}", "stage": stage,
                 "basis": "units" if s == 0 else "kg",
                 "yields": {e: float(rng.uniform(0.6, 0.99)) for e in els},
                 "opex_usd_per_basis": float(rng.uniform(0.05, 0.5) * (1 if s == 0 else 4)),
                 "capex": {"points": [[float(c), float(rng.uniform(0.5, 1.5) * 2e4 * c ** 0.6)]
                                      for c in (1e3, 1e4, 1e5, 1e6)]},
                 "operators": float(rng.integers(0, 4))}
            if s == 0 and j % 2 == 0:
                o.pop("capex")
                o["equipment"] = {"capacity_per_unit": float(rng.uniform(1e4, 5e4)),
                                  "cost_usd": float(rng.uniform(1e4, 5e4)),
                                  "operators_per_unit": 1}
            if s == 2:
                o["products"] = {e: ("sep" if j % 2 else "mix") for e in els}
            opts.append(o)
    return {
        "name": f"generated_{seed}",
        "horizon": {"construction_year": 2026, "operating_years": 10},
        "costing": {"convention": "simple", "discount_rate": 0.08},
        "elements": els, "stages": stages, "feedstocks": feeds, "options": opts,
        "products": {"sep": {"price_usd_per_kg": {"Nd": 75, "Pr": 75, "Dy": 300, "Tb": 1100}},
                     "mix": {"price_usd_per_kg": {"Nd": 50, "Pr": 50, "Dy": 200, "Tb": 700}}},
        "prices": {"electricity_usd_per_kwh": 0.13},
        "labour": {"usd_per_hour": 10.0, "hours_per_operator_yr": 2080},
    }


def one_plant_case(convention: dict) -> dict:
    """One feedstock, one option, one product: the break-even price has a closed form."""
    return {
        "name": "tiny",
        "horizon": {"construction_year": 2026, "operating_years": 2},
        "costing": convention,
        "elements": ["Nd"],
        "stages": ["all"],
        "feedstocks": [{"name": "scrap", "content_kg_per_unit": {"Nd": 0.5},
                        "magnet_kg_per_unit": 1.0, "cost_usd_per_unit": 0.0,
                        "availability_units": 1000}],
        "options": [{"name": "plant", "stage": "all", "basis": "units", "yields": {"Nd": 1.0},
                     "products": {"Nd": "oxide"}, "opex_usd_per_basis": 2.0,
                     "capex": {"points": [[100, 10000], [5000, 10000]]}}],
        "products": {"oxide": {"price_usd_per_kg": {"Nd": 10.0}}},
    }
