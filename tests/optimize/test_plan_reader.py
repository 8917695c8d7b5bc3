"""The lean plan reader: the headline numbers of a plan straight from the solution vector.

Every expected value here comes from the full :class:`~recyclopt.optimize.PlantPlan` that
``_plan`` builds from the same solution (its DataFrames, cash-flow table and public
properties), an independent code path from :class:`~recyclopt.optimize.plan.PlanReader`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.model import build_model
from recyclopt.optimize.plan import PlanReader, read_plan
from recyclopt.optimize.solve import solve
from recyclopt.scenarios.definition import apply_values
from recyclopt.scenarios.engine import _plan_row  # the row read off a full plan's tables

from .cases import small_case


def _assert_same(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for k, w in want.items():
        if isinstance(w, str):
            assert got[k] == w, k
        else:
            assert got[k] == pytest.approx(w, rel=1e-9, abs=1e-6), k


def _random_values(case, rng, *, high: float) -> dict[str, float]:
    """Price multipliers in [0.7, high] on every product price, availability factors on
    every other draw, a carbon price."""
    v: dict[str, float] = {}
    for pname, prod in case.products.items():
        for e, price in prod.price_usd_per_kg.items():
            v[f"products.{pname}.price_usd_per_kg.{e}"] = float(price * rng.uniform(0.7, high))
    v["policy.carbon_price_usd_per_t"] = float(rng.uniform(0.0, 100.0))
    if rng.random() < 0.5:
        for f in case.feedstocks:
            v[f"feedstocks.{f.name}.availability_factor"] = float(rng.uniform(0.5, 1.5))
    return v


def _check(case, n: int, seed: int, high: float) -> int:
    """Solve ``n`` random variants of ``case`` and compare the reader with the full plan;
    returns how many built a plant."""
    rng = np.random.default_rng(seed)
    n_built = 0
    for _ in range(n):
        cs = apply_values(case, _random_values(case, rng, high=high))
        om = build_model(cs, pyomo=True)
        x, info = solve(om)
        plan = read_plan(om, x, info, 0.0)
        want = _plan_row(plan, cs)
        reader = PlanReader(om)
        _assert_same(reader.row(x, info.objective), want)
        assert reader.npv(x) == pytest.approx(plan.npv_usd, rel=1e-9, abs=1e-6)
        n_built += bool(want["built"])
    return n_built


def test_reader_equals_full_plan_on_the_default_case():
    # price multipliers up to 3x make the Taiwan case build plants (an HD short loop, a
    # mixed-REO route), so both empty and built plans are read
    n_built = _check(load_case(), 24, seed=11, high=3.0)
    assert n_built >= 5


@pytest.mark.parametrize("convention", ["simple", "qgess"])
def test_reader_equals_full_plan_on_a_small_case(convention):
    d = small_case()
    if convention == "qgess":
        d["costing"] = {"convention": "qgess", "capex_schedule": [1.0]}
    case = case_from_dict(d, source="small")
    assert _check(case, 12, seed=5, high=2.0 if convention == "simple" else 6.0) >= 3


def test_reader_with_prices_and_shared_structure():
    """A reader re-priced with ``with_prices`` or built ``like`` another reads what a reader
    of the re-priced model reads (which itself equals the full plan, above)."""
    import dataclasses

    case = load_case()
    base = build_model(case, pyomo=False)
    r0 = PlanReader(base)
    rng = np.random.default_rng(3)
    n_priced = 0
    for _ in range(6):
        values = _random_values(case, rng, high=3.0)
        cs = apply_values(case, values)
        pairs = base.sup.pairs.copy()
        pairs["revenue_usd_per_unit"] = pairs["revenue_usd_per_unit"] * rng.uniform(0.5, 3.0)
        pairs["var_cost_usd_per_unit"] = pairs["var_cost_usd_per_unit"] * rng.uniform(0.5, 2.0)
        sup = dataclasses.replace(base.sup, case=cs, pairs=pairs)
        om = build_model(cs, sup=sup, pyomo=True)
        x, info = solve(om)
        want = _plan_row(read_plan(om, x, info, 0.0), cs)
        _assert_same(PlanReader(om, like=r0).row(x, info.objective), want)
        if not any(k.endswith("availability_factor") for k in values):
            # only the prices differ from the base model
            rd = r0.with_prices(pairs["revenue_usd_per_unit"].to_numpy(),
                                pairs["var_cost_usd_per_unit"].to_numpy())
            _assert_same(rd.row(x, info.objective), want)
            n_priced += 1
    assert n_priced >= 2


def test_reader_of_an_empty_plan():
    case = load_case()
    om = build_model(case, pyomo=False)
    row = PlanReader(om).row(np.zeros(om.builder.n), 0.0)
    assert row["built"] == "" and row["routes"] == ""
    assert row["npv_usd"] == 0.0 and row["capex_usd"] == 0.0
    assert all(row[f"recovered_kg_{e}"] == 0.0 for e in case.elements)
    assert not any(isinstance(v, float) and math.isnan(v) for v in row.values())
