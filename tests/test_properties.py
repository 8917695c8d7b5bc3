"""Property-based tests of the plant optimizer (hypothesis) on the small test case.

Each example solves the small MILP (about 0.1 s), so examples are few and deadlines off.

Units: the case format has no unit switch (masses are kg, rates per operating year, feedstock
amounts in end-of-life *units*). The closest equivalent of "the same case in other units" is
re-defining what one feedstock unit is: a unit of ``s`` items carries ``s`` times the content,
magnet mass and price, and ``1/s`` times the availability. With options measured in kg of
magnet (basis ``kg``) the plant, its magnet flows and its NPV must not change.
"""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recyclopt.optimize import case_from_dict, optimize
from tests.optimize.cases import small_case

SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _solve(d: dict):
    return optimize(case_from_dict(copy.deepcopy(d)))


def _tol(x: float) -> float:
    return 1e-7 * max(1.0, abs(x))




@SETTINGS
@given(feed=st.sampled_from([0, 1]), factor=st.floats(1.0, 4.0))
def test_more_feed_never_lowers_npv(feed: int, factor: float) -> None:
    d = small_case()
    base = _solve(d).objective_value
    f = d["feedstocks"][feed]
    av = f["availability_units"]
    f["availability_units"] = ({y: v * factor for y, v in av.items()} if isinstance(av, dict)
                               else av * factor)
    more = _solve(d).objective_value
    assert more >= base - _tol(base)


@SETTINGS
@given(product=st.sampled_from(["reo", "ndpr_oxide", "dy_oxide"]), factor=st.floats(1.0, 3.0))
def test_higher_price_never_lowers_npv(product: str, factor: float) -> None:
    d = small_case()
    base = _solve(d).objective_value
    prices = d["products"][product]["price_usd_per_kg"]
    for e in prices:
        prices[e] *= factor
    assert _solve(d).objective_value >= base - _tol(base)


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_row_order_does_not_change_plan(seed: int) -> None:
    d = small_case()
    ref = _solve(d)
    rng = random.Random(seed)
    rng.shuffle(d["feedstocks"])
    rng.shuffle(d["options"])
    d["products"] = dict(rng.sample(list(d["products"].items()), len(d["products"])))
    p = _solve(d)
    assert p.objective_value == pytest.approx(ref.objective_value, rel=1e-9, abs=1e-6)
    assert sorted(p.built) == sorted(ref.built)


def _kg_basis_case() -> dict:
    """small_case with liberation measured in kg of magnet (so a feedstock unit can be
    re-defined without changing what the options cost)."""
    d = small_case()
    for o in d["options"]:
        if o["stage"] == "liberation":
            o["basis"] = "kg"
    d["options"][0]["equipment"]["capacity_per_unit"] = 20000.0  # kg of magnet per machine
    d["options"][1]["capex"]["points"] = [[1000, 50000], [50000, 120000]]
    return d


@SETTINGS
@given(feed=st.sampled_from([0, 1]), scale=st.sampled_from([1e-3, 0.1, 10.0, 1000.0]))
def test_feed_unit_definition_does_not_change_plan(feed: int, scale: float) -> None:
    d = _kg_basis_case()
    ref = _solve(d)
    f = d["feedstocks"][feed]
    f["content_kg_per_unit"] = {e: v * scale for e, v in f["content_kg_per_unit"].items()}
    f["magnet_kg_per_unit"] *= scale
    f["cost_usd_per_unit"] *= scale
    av = f["availability_units"]
    f["availability_units"] = ({y: v / scale for y, v in av.items()} if isinstance(av, dict)
                               else av / scale)
    p = _solve(d)
    assert p.objective_value == pytest.approx(ref.objective_value, rel=1e-7)
    assert sorted(p.built) == sorted(ref.built)
    a = ref.flows.groupby("feedstock")["magnet_kg"].sum()
    b = p.flows.groupby("feedstock")["magnet_kg"].sum()
    assert b.reindex(a.index).to_numpy() == pytest.approx(a.to_numpy(), rel=1e-7)


@SETTINGS
@given(price=st.floats(0.5, 5.0), avail=st.floats(0.2, 5.0), dy_yield=st.floats(0.1, 1.0))
def test_flows_non_negative_and_elements_balance(price: float, avail: float,
                                                 dy_yield: float) -> None:
    d = small_case()
    for p in d["products"].values():
        for e in p["price_usd_per_kg"]:
            p["price_usd_per_kg"][e] *= price
    d["feedstocks"][1]["availability_units"] *= avail
    d["options"][3]["yields"]["Dy"] = dy_yield
    plan = _solve(d)
    case = plan.case
    for df, col in ((plan.flows, "units"), (plan.flows, "magnet_kg"), (plan.products, "kg")):
        assert (df[col].to_numpy() >= 0).all()
    assert (plan.option_flows.to_numpy() >= -1e-9).all()
    assert (plan.capacities["capacity"].to_numpy() >= -1e-9).all()
    content = {f.name: f.content_kg_per_unit for f in case.feedstocks}
    avail_units = {f.name: f.availability for f in case.feedstocks}
    fed: dict[str, float] = {}
    for _, r in plan.flows.iterrows():
        assert r["units"] <= avail_units[r["feedstock"]][r["year"]] * (1 + 1e-9) + 1e-6
        for e, kg in content[r["feedstock"]].items():
            fed[e] = fed.get(e, 0.0) + r["units"] * kg
    rec = plan.recovered_kg()
    for e, kg in rec.items():
        assert kg <= fed.get(e, 0.0) * (1 + 1e-9) + 1e-9, (e, kg, fed)
    assert np.isfinite(plan.npv_usd)
