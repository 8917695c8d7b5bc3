"""A tiny case for sweep tests: fast to solve (a few ms), so hundreds of scenarios take seconds.

One end-of-life feedstock and a swarf feedstock, a manual or shredding liberation, an
oxide (separated) or mixed-oxide extraction, four operating years. Every number is made up for
testing; the structure (equipment, capex curves, staff, a Dy-bearing mixed product) exercises
every variable block the sweeps touch.
"""

from __future__ import annotations

import copy


def tiny_case() -> dict:
    """The tiny case as a dict (a fresh copy each call)."""
    return copy.deepcopy({
        "name": "tiny",
        "horizon": {"construction_year": 2026, "operating_years": 4},
        "costing": {"convention": "simple", "discount_rate": 0.08},
        "elements": ["Nd", "Dy"],
        "stages": ["liberation", "extraction"],
        "feedstocks": [
            {"name": "motor", "content_kg_per_unit": {"Nd": 0.28, "Dy": 0.03, "Fe": 0.65},
             "magnet_kg_per_unit": 1.0, "cost_usd_per_unit": 3.0,
             "availability_units": {2027: 40000, 2028: 44000, 2029: 46000, 2030: 50000},
             "tags": ["motor"]},
            {"name": "swarf", "content_kg_per_unit": {"Nd": 0.2, "Dy": 0.0005, "Fe": 0.5},
             "magnet_kg_per_unit": 0.75, "cost_usd_per_unit": 2.0,
             "availability_units": 15000, "tags": ["swarf"]},
        ],
        "options": [
            {"name": "manual", "stage": "liberation", "basis": "units", "requires": ["motor"],
             "default_yield": 0.98, "opex_usd_per_basis": 0.5,
             "equipment": {"capacity_per_unit": 20000, "cost_usd": 0,
                           "operators_per_unit": 1}},
            {"name": "shred", "stage": "liberation", "basis": "units",
             "default_yield": 0.5, "opex_usd_per_basis": 0.05,
             "capex": {"points": [[1000, 30000], [100000, 90000]]}},
            {"name": "oxide", "stage": "extraction", "yields": {"Nd": 0.94, "Dy": 0.96},
             "products": {"Nd": "NdPr_oxide", "Dy": "Dy_oxide"}, "opex_usd_per_basis": 3.0,
             "kwh_per_basis": 1.5, "reagents_kg_per_basis": {"HCl": 1.0},
             "capex": {"points": [[1000, 300000], [80000, 2500000]]},
             "operators": 4},
            {"name": "mixed", "stage": "extraction", "yields": {"Nd": 0.95, "Dy": 0.9},
             "products": {"Nd": "mixed_REO", "Dy": "mixed_REO"}, "opex_usd_per_basis": 1.5,
             "kwh_per_basis": 2.0,
             "capex": {"points": [[1000, 150000], [80000, 1200000]]}, "operators": 2},
        ],
        "products": {
            "NdPr_oxide": {"price_usd_per_kg": {"Nd": 59.5}},
            "Dy_oxide": {"price_usd_per_kg": {"Dy": 257.2}},
            "mixed_REO": {"price_usd_per_kg": {"Nd": 44.6, "Dy": 192.9}},
        },
        "prices": {"electricity_usd_per_kwh": 0.1355, "grid_co2_kg_per_kwh": 0.494,
                   "reagents_usd_per_kg": {"HCl": 0.25}},
        "labour": {"usd_per_hour": 10.68, "hours_per_operator_yr": 2080},
    })
