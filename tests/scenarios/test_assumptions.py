"""The sensitivity ranking on the persistent engine against the rebuild path."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recyclopt.optimize import load_case
from recyclopt.optimize.analysis import best_plant_npv, cost_of_recovery, with_price_factor
from recyclopt.optimize.superstructure import build
from recyclopt.scenarios.assumptions import declared_assumptions, rank_assumptions
from recyclopt.scenarios.definition import apply_values, tier_of


@pytest.fixture(scope="module")
def default():
    case = load_case()
    sup = build(case)
    return case, sup, cost_of_recovery(case, sup=sup).multiplier


def test_engine_ranking_equals_the_rebuilt_ranking(default):
    # the independent path: every range end solved on its own rebuilt model
    # (best_plant_npv on the modified case, a fresh superstructure each)
    case, sup, m = default
    ref = rank_assumptions(case, price_multiplier=m, engine=False)
    got = rank_assumptions(case, price_multiplier=m, sup=sup)
    assert got.base_npv_usd == pytest.approx(ref.base_npv_usd, rel=1e-6, abs=1.0)
    assert len(got.table) == len(ref.table) == int(declared_assumptions(case)["ranged"].sum())
    # the same NPVs at every end (within the MILPs' gap, 1e-7 relative, and 1 USD)
    a = ref.table.set_index("path")
    b = got.table.set_index("path").loc[a.index]
    for col in ("npv_low_usd", "npv_high_usd", "swing_usd"):
        for x, y in zip(a[col], b[col], strict=True):
            assert (x == y) if math.isinf(x) else y == pytest.approx(x, rel=1e-6, abs=1.0)
    # the same order wherever the swings differ by more than that tolerance
    big = ref.table[ref.table["swing_usd"] > 1e3]
    assert got.table["path"].head(len(big)).tolist() == big["path"].tolist()


def test_arrays_tier_inputs_leave_the_superstructure_unchanged(default):
    # the premise of sharing one superstructure: for every ranged input of the arrays tier,
    # the superstructure rebuilt at each end of its range holds the same tables
    case, sup, _ = default
    n = 0
    for r in declared_assumptions(case).itertuples():
        if not r.ranged or tier_of(case, [r.path]) != "arrays":
            continue
        for v in (r.low, r.high):
            s = build(apply_values(case, {r.path: float(v)}))
            for t in ("pairs", "load", "recovered", "coefficients"):
                pd.testing.assert_frame_equal(getattr(s, t), getattr(sup, t), check_exact=True)
            n += 1
    assert n >= 2


def test_plant_required_equals_the_full_search_when_nothing_pays(default):
    # at today's prices nothing pays on the default case (the plan builds nothing), so the
    # full search solves the model with a plant required too: the same answer, one MILP less
    case, sup, _ = default
    full = best_plant_npv(case, sup=sup)
    req = best_plant_npv(case, sup=sup, plant_required=True)
    assert full[2] == 2 and req[2] == 1
    assert req[:2] == full[:2] and full[0] < 0
    # and a price scenario where a plant pays: the optimum itself, one MILP
    npv, built, k = best_plant_npv(with_price_factor(case, 2.0), sup=None)
    assert k == 1 and npv > 0 and built
