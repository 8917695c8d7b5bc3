"""The regional hub: feed bought from outside the region at a price, within an availability
cap (an ordinary feedstock: ``cost_usd_per_unit`` and ``availability_units``)."""

from __future__ import annotations

import dataclasses

import pytest

from recyclopt.optimize.case import case_from_dict, load_case
from recyclopt.optimize.plan import optimize

from .test_phased import MARGIN, B, R, hand_npv, one_line


@pytest.mark.parametrize("price", [4.0, 9.0, 11.0])
def test_imported_feed_bought_while_it_pays(price: float) -> None:
    """One line fed only by imported swarf at ``price`` USD/kg, capped at 2e5 kg/yr, 3
    years. Each kg earns 10 USD (the one-line case) less the price; the plant (capex
    1e5 + 5 USD per kg/yr) is built at the cap if the discounted margin pays it back, else
    nothing is bought. NPVs by hand."""
    cap_kg, A = 2e5, 1e5
    d = one_line([cap_kg] * 3, A, lo=5e4, hi=4e5)
    d["feedstocks"][0]["cost_usd_per_unit"] = price
    build = hand_npv([cap_kg] * 3, [(0, A + B * cap_kg)]) - sum(
        price * cap_kg / (1 + R) ** i for i in (1, 2, 3))
    plan = optimize(case_from_dict(d))
    assert plan.npv_usd == pytest.approx(max(build, 0.0), rel=1e-9, abs=1e-6)
    bought = plan.flows["units"].sum() if not plan.flows.empty else 0.0
    assert bought == pytest.approx(3 * cap_kg if build > 0 else 0.0)
    assert (build > 0) == (price < MARGIN - 1.0)  # 4 and 9 pay, 11 loses on every kg


@pytest.fixture(scope="module")
def hub():
    return load_case("hub")


def test_hub_case_buys_within_its_caps_and_pays_for_it(hub) -> None:
    """The bundled hub case: imports never exceed their caps; the purchase price is in the
    variable opex, so the same plan with free feed has exactly price x kg less opex."""
    plan = optimize(hub)
    assert plan.npv_usd == pytest.approx(plan.objective_value, rel=1e-9)
    caps = {f.name: f.availability for f in hub.feedstocks}
    per_year = plan.flows.groupby(["feedstock", "year"])["units"].sum()
    for (f, y), q in per_year.items():
        assert q <= caps[f][y] * (1 + 1e-9)
    assert not plan.blocks.empty  # phased: the blocks are reported with their year
    free = dataclasses.replace(hub, feedstocks=[dataclasses.replace(f, cost_usd_per_unit=0.0)
                                                for f in hub.feedstocks])
    plan0 = optimize(free)
    price = {f.name: f.cost_usd_per_unit for f in hub.feedstocks}
    bought = plan.flows.groupby("year").apply(
        lambda g: (g["units"] * g["feedstock"].map(price)).sum(), include_groups=False)
    # at the caps either way (the HD loop earns ~120 USD/kg of magnet against 30 USD/kg)
    tot = plan.flows.groupby("feedstock")["units"].sum()
    assert tot.sum() > 0
    assert plan0.flows.groupby("feedstock")["units"].sum().to_dict() == pytest.approx(
        tot.to_dict(), rel=1e-9)
    diff = plan.opex.set_index("year")["variable_opex_usd"] - \
        plan0.opex.set_index("year")["variable_opex_usd"]
    assert diff.loc[bought.index].to_numpy() == pytest.approx(bought.to_numpy(), rel=1e-9)
