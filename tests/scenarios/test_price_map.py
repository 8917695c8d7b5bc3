"""One revenue evaluation: the sweep engine's re-pricing and the superstructure agree."""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.optimize.case import load_case
from recyclopt.optimize.coefficients import all_elements
from recyclopt.optimize.superstructure import build
from recyclopt.scenarios.definition import apply_values
from recyclopt.scenarios.engine import _PriceMap


@pytest.fixture(scope="module")
def base():
    case = load_case()
    return case, build(case)


@pytest.mark.parametrize("seed", range(5))
def test_repriced_revenue_equals_a_rebuild_and_the_hand_sum(base, seed):
    case, sup = base
    rng = np.random.default_rng(seed)
    values = {f"products.{p.name}.price_usd_per_kg.{e}": float(rng.uniform(1.0, 400.0))
              for p in case.products.values() for e in p.price_usd_per_kg}
    form = sorted(case.products)[seed % len(case.products)]
    values[f"policy.price_floor_usd_per_kg.{form}"] = float(rng.uniform(0.0, 300.0))
    values[f"policy.credit_usd_per_kg.{form}"] = float(rng.uniform(0.0, 50.0))
    case_s = apply_values(case, values)
    revenue, _ = _PriceMap(sup, all_elements(case)).prices(case_s)
    rebuilt = build(case_s).pairs["revenue_usd_per_unit"].to_numpy()
    # the same function on the same numbers: identical to the last bit
    assert np.array_equal(revenue, rebuilt)
    # independently, by hand from the recovered table: sum of kg x (max(price, floor) + credit)
    pol = case_s.policy
    hand = np.zeros(len(revenue))
    for f, e in sup.recovered.columns:
        p = max(case_s.products[f].price_usd_per_kg[e], pol.price_floor_usd_per_kg.get(f, 0.0))
        hand += sup.recovered[(f, e)].to_numpy() * (p + pol.credit_usd_per_kg.get(f, 0.0))
    assert revenue == pytest.approx(hand, rel=1e-12)
    assert (hand > 0).any()
