"""The time-phased plant (``planning: phased``) and feed stockpiles, against NPVs derived by
hand with plain python (discounting the yearly cash flows of each candidate plan).

The one-line case: one feedstock of magnet swarf (kg, 0.25 kg Nd per kg), one extraction
line (kg basis, yield 1) selling Nd at 40 USD/kg, so 10 USD of revenue per kg processed and no
other cost than capex ``A + b cap`` (USD; ``A`` the fixed part that every block pays, which
is what scale economies mean here). Simple costing at 10 %: an operating year i (1-based)
is discounted by 1.1^-i, a block online from operating year i pays its capex at the start
of its construction, one year earlier, discounted by 1.1^-(i-1).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from recyclopt.optimize.case import CaseError, Planning, case_from_dict, load_case
from recyclopt.optimize.model import build_model
from recyclopt.optimize.plan import PlanReader, optimize
from recyclopt.optimize.solve import solve

R = 0.1  # discount rate
MARGIN = 10.0  # USD per kg processed: 0.25 kg Nd x 40 USD/kg
B = 5.0  # capex per kg/yr of capacity (USD)


def one_line(feed_kg: list[float], fixed_usd: float, lo: float = 1e5, hi: float = 4e5,
             **extra) -> dict:
    """The one-line case (see the module docstring) over ``len(feed_kg)`` operating years."""
    d = {
        "name": "one_line",
        "horizon": {"construction_year": 2026, "operating_years": len(feed_kg)},
        "costing": {"convention": "simple", "discount_rate": R},
        "elements": ["Nd"],
        "stages": ["extraction"],
        "feedstocks": [{"name": "swarf", "unit": "kg", "magnet_kg_per_unit": 1.0,
                        "content_kg_per_unit": {"Nd": 0.25},
                        "availability_units": {2027 + i: v for i, v in enumerate(feed_kg)}}],
        "options": [{"name": "line", "stage": "extraction", "basis": "kg",
                     "yields": {"Nd": 1.0}, "products": {"Nd": "ndpr"},
                     "capex": {"points": [[lo, fixed_usd + B * lo], [hi, fixed_usd + B * hi]]}}],
        "products": {"ndpr": {"price_usd_per_kg": {"Nd": 40.0}}},
    }
    d.update(extra)
    return d


def hand_npv(processed: list[float], blocks: list[tuple[int, float]],
             holding: list[float] | None = None) -> float:
    """NPV of a plan: ``processed`` kg per operating year, ``blocks`` (operating-year index
    from 0, capex USD) and the holding cost paid in each operating year."""
    npv = sum(MARGIN * q / (1 + R) ** (i + 1) for i, q in enumerate(processed))
    npv -= sum(c / (1 + R) ** t for t, c in blocks)
    return npv - sum(h / (1 + R) ** (i + 1) for i, h in enumerate(holding or []))


GROWING = [1e5] * 4 + [3e5] * 6  # feed grows threefold in operating year 5 (2031)


def growing_candidates(A: float) -> dict[str, float]:
    """Hand NPVs of the plans that can be optimal on GROWING (capacity follows the feed)."""
    small = [min(q, 1e5) for q in GROWING]
    late = [0.0] * 4 + GROWING[4:]
    return {
        "full size in year 1": hand_npv(GROWING, [(0, A + B * 3e5)]),
        "expand in year 5": hand_npv(GROWING, [(0, A + B * 1e5), (4, A + B * 2e5)]),
        "small only": hand_npv(small, [(0, A + B * 1e5)]),
        "full size in year 5": hand_npv(late, [(4, A + B * 3e5)]),
        "nothing": 0.0,
    }


def blocks_of(plan) -> list[tuple[int, float]]:
    b = plan.blocks
    return [(int(y), round(float(c), 6)) for y, c in zip(b["year"], b["capacity"], strict=True)]


@pytest.mark.parametrize(("A", "best", "blocks"), [
    # A small fixed part: a second block in 2031 costs A + 2e5 B discounted by 1.1^-4, less
    # than building the 2e5 kg/yr early: A (1.1^-4) < 2e5 B (1 - 1.1^-4), A < 92.8 x 1e4
    (2e5, "expand in year 5", [(2027, 1e5), (2031, 2e5)]),
    # strong economies of scale: a second fixed part costs more than the early capacity
    (3e6, "full size in year 1", [(2027, 3e5)]),
])
def test_expand_or_build_full_size(A: float, best: str, blocks: list) -> None:
    cands = growing_candidates(A)
    assert max(cands, key=cands.get) == best
    d = one_line(GROWING, A, planning={"mode": "phased"})  # any year a build year
    plan = optimize(case_from_dict(d))
    assert plan.npv_usd == pytest.approx(cands[best], rel=1e-9)
    assert plan.objective_value == pytest.approx(cands[best], rel=1e-9)
    assert blocks_of(plan) == blocks
    # the single build can only build full size in year 1
    single = optimize(case_from_dict(one_line(GROWING, A)))
    assert single.npv_usd == pytest.approx(cands["full size in year 1"], rel=1e-9)
    # at most one block (no expansion): the best single-block plan
    one = optimize(case_from_dict(one_line(GROWING, A, planning={"mode": "phased",
                                                                 "max_expansions": 0})))
    assert one.npv_usd == pytest.approx(cands["full size in year 1"], rel=1e-9)


def test_phased_qgess_capex_in_build_years() -> None:
    """QGESS: each block's TOC (TPC x 1.177, Lang factor 2.97) spread 10/60/30 % from its
    construction start, escalated 3.6 %/yr from the horizon's start; the cash-flow table's
    NPV equals the model's."""
    A = 2e5
    d = one_line(GROWING + [3e5, 3e5], A, planning={"mode": "phased"},
                 costing={"convention": "qgess"})
    plan = optimize(case_from_dict(d))
    assert plan.npv_usd == pytest.approx(plan.objective_value, rel=1e-9)
    b = plan.blocks
    assert len(b) >= 1
    expected = np.zeros(len(plan.cash_flow))
    for y, cap in zip(b["year"], b["capacity"], strict=True):
        t0 = int(y) - 1 - 2026  # construction start, years after 2026
        for i, share in enumerate((0.1, 0.6, 0.3)):
            expected[t0 + i] += 1.177 * 2.97 * (A + B * cap) * share * 1.036 ** (t0 + i)
    np.testing.assert_allclose(plan.cash_flow["capex_usd"].to_numpy(), expected, rtol=1e-9)


def test_build_year_whose_schedule_ends_after_the_horizon_is_an_error() -> None:
    d = one_line([1e5] * 4, 2e5, planning={"mode": "phased", "build_years": [2030]},
                 costing={"convention": "qgess"})
    with pytest.raises(CaseError, match="planning.build_years"):
        case_from_dict(d)


def test_idle_year_saves_fixed_opex() -> None:
    """No feed in 2028: idling saves that year's fixed opex (50,000 USD/yr)."""
    A, F = 2e5, 5e4
    feed = [1e5, 0.0, 1e5]
    d = one_line(feed, A, planning={"mode": "phased", "build_years": [2027]})
    d["options"][0]["opex_usd_per_yr"] = F
    capex = [(0, A + B * 1e5)]
    idle = hand_npv(feed, capex) - F / 1.1 - F / 1.1 ** 3
    plan = optimize(case_from_dict(d))
    assert plan.npv_usd == pytest.approx(idle, rel=1e-9)
    assert plan.cash_flow["fixed_opex_usd"].tolist() == [0.0, F, 0.0, F]
    d["planning"]["idle"] = False
    busy = hand_npv(feed, capex) - sum(F / 1.1 ** i for i in (1, 2, 3))
    assert optimize(case_from_dict(d)).npv_usd == pytest.approx(busy, rel=1e-9)


STOCK_FEED = [1.5e5, 0.5e5]


@pytest.mark.parametrize(("holding", "stores"), [(0.5, True), (20.0, False)])
def test_stockpile_smooths_the_feed(holding: float, stores: bool) -> None:
    """1.5e5 kg in 2027, 0.5e5 in 2028, all to be processed (``supply: all``): a 1.5e5 kg/yr
    line, or a 1e5 one and 5e4 kg stored over 2027 (capex saving 5e4 B = 250,000 USD, against
    a year's later revenue on 5e4 kg and the holding cost). The plan is linear in the stored
    amount, so one of the two ends is optimal."""
    A = 1e5
    no_store = hand_npv(STOCK_FEED, [(0, A + B * 1.5e5)])
    store = hand_npv([1e5, 1e5], [(0, A + B * 1e5)], holding=[holding * 5e4, 0.0])
    assert (store > no_store) == stores
    d = one_line(STOCK_FEED, A, lo=5e4, hi=2e5)
    d["feedstocks"][0]["supply"] = "all"
    assert optimize(case_from_dict(d)).npv_usd == pytest.approx(no_store, rel=1e-9)
    d["feedstocks"][0]["stockpile"] = {"cap_units": 1e5, "holding_usd_per_unit_yr": holding}
    plan = optimize(case_from_dict(d))
    assert plan.npv_usd == pytest.approx(max(store, no_store), rel=1e-9)
    s = plan.stockpile
    assert s["in_store"].tolist() == pytest.approx([5e4 if stores else 0.0, 0.0], abs=1e-6)
    assert s["collected"].tolist() == pytest.approx(STOCK_FEED, rel=1e-9)  # obligation met
    # the plan reader's NPV (the sweeps') is the plan's, holding cost included
    om = build_model(case_from_dict(d))
    x, _ = solve(om)
    assert PlanReader(om).npv(x) == pytest.approx(plan.npv_usd, rel=1e-9)


def test_stockpile_is_emptied_by_the_horizon_end() -> None:
    """Feed only in the last year and no capacity for it then would need stock left over:
    the last year's stock is 0, so nothing is stored past the horizon."""
    d = one_line([1e5, 1e5], 1e5, lo=5e4, hi=2e5)
    d["feedstocks"][0]["stockpile"] = {"cap_units": 1e5}
    om = build_model(case_from_dict(d))
    assert om.builder.blocks["stock"].ub[-1] == 0.0


@pytest.fixture(scope="module")
def taiwan():
    return load_case()


@pytest.mark.parametrize("price_factor", [1.0, 3.0])
def test_single_build_is_the_one_build_year_special_case(taiwan, price_factor: float) -> None:
    """The bundled case: a phased plant with one build year (the first) and no idling has
    the single build's NPV and capacities; at 3x prices a plant is built."""
    single = optimize(taiwan, price_factor=price_factor)
    one = dataclasses.replace(taiwan, planning=Planning(
        "phased", (int(taiwan.years[0]),), None, False))
    phased = optimize(one, price_factor=price_factor)
    assert phased.npv_usd == pytest.approx(single.npv_usd, rel=1e-6, abs=1e-6)
    assert bool(single.built) == (price_factor > 1)
    # capacity is priced only on a capex curve (elsewhere any value above the peak is
    # optimal in both models): compare those, and every option's equipment
    curve = [o.name for o in taiwan.options if o.capex is not None]
    assert set(phased.built) & set(curve) == set(single.built) & set(curve)
    curve = single.capacities.loc[curve, "built"].pipe(lambda s: s[s].index)
    np.testing.assert_allclose(phased.capacities.loc[curve, "capacity"],
                               single.capacities.loc[curve, "capacity"], rtol=1e-6)
    np.testing.assert_allclose(phased.capacities["equipment_units"],
                               single.capacities["equipment_units"])
    # manual and robotic HDD disassembly tie (same yields and per-unit cost, equipment
    # already bought), so their split is arbitrary; the priced options' flows are not
    np.testing.assert_allclose(phased.option_flows.loc[curve], single.option_flows.loc[curve],
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(phased.cash_flow["cash_flow_usd"],
                               single.cash_flow["cash_flow_usd"], rtol=1e-6, atol=1e-3)


def test_qgess_single_build_special_case(taiwan) -> None:
    """Under QGESS too (the default 10/60/30 % schedule), at 3x prices."""
    from recyclopt.economics import QGESSCosting

    q = dataclasses.replace(taiwan, costing=QGESSCosting())
    single = optimize(q, price_factor=3.0)
    one = dataclasses.replace(q, planning=Planning("phased", (int(q.years[0]),), None, False))
    phased = optimize(one, price_factor=3.0)
    assert phased.npv_usd == pytest.approx(single.npv_usd, rel=1e-6)
    curve = {o.name for o in q.options if o.capex is not None}  # HDD lines tie (see above)
    assert set(phased.built) & curve == set(single.built) & curve
    np.testing.assert_allclose(phased.cash_flow["capex_usd"], single.cash_flow["capex_usd"],
                               rtol=1e-6, atol=1e-3)


def test_planning_fields_are_strict() -> None:
    with pytest.raises(CaseError, match="planning.mode"):
        case_from_dict(one_line([1e5], 1e5, planning={"mode": "staged"}))
    with pytest.raises(CaseError, match="planning.every_years"):
        case_from_dict(one_line([1e5, 1e5], 1e5, planning={"mode": "phased",
                                                           "build_years": [2027],
                                                           "every_years": 1}))
    with pytest.raises(CaseError, match="stockpile.cap_units"):
        d = one_line([1e5], 1e5)
        d["feedstocks"][0]["stockpile"] = {"holding_usd_per_unit_yr": 1.0}
        case_from_dict(d)
    c = case_from_dict(one_line([1e5] * 6, 1e5, planning={"mode": "phased",
                                                          "every_years": 2}))
    assert c.planning.build_years == (2027, 2029, 2031)


def test_phased_annual_profit_is_an_input_error() -> None:
    with pytest.raises(CaseError, match="objective"):
        case_from_dict(one_line([1e5], 1e5, planning={"mode": "phased"},
                                objective="annual_profit"))


def test_phased_other_objectives() -> None:
    """recovered_mass on the growing case: every kg processed, 0.25 kg Nd each."""
    d = one_line(GROWING, 2e5, planning={"mode": "phased"}, objective="recovered_mass")
    plan = optimize(case_from_dict(d))
    assert plan.objective_value == pytest.approx(0.25 * sum(GROWING), rel=1e-9)


def test_plan_reader_reads_the_phased_plan() -> None:
    """The sweeps' reader: the phased plan's NPV, capex (summed over blocks) and blocks."""
    d = one_line(GROWING, 2e5, planning={"mode": "phased"})
    case = case_from_dict(d)
    plan = optimize(case)
    om = build_model(case)
    x, info = solve(om)
    r = PlanReader(om)
    row = r.row(x, info.objective)
    assert row["npv_usd"] == pytest.approx(plan.npv_usd, rel=1e-9)
    # two blocks, 1e5 and 2e5 kg/yr, each paying the fixed part (by hand: 2 A + 3e5 B)
    assert row["capex_usd"] == pytest.approx(2 * 2e5 + B * 3e5, rel=1e-9)
    assert r.blocks(x).equals(plan.blocks)
    with pytest.raises(CaseError, match="planning"):
        r.with_prices(r.revenue, r.var_cost)


def test_stockpile_defers_a_year_too_small_for_the_minimum_plant() -> None:
    """5e4 kg in each of 2027 and 2028, all to be processed; the smallest line is 1e5 kg/yr
    (capex A + 1e5 B = 7e5 USD) with 1e5 USD/yr fixed opex while it operates. Without a
    store the line runs from 2027 at half load; with one (0.5 USD/kg-yr) the 2027 feed waits
    a year and a line online from 2028 (capex paid in 2027) processes 1e5 kg then."""
    A, F, h = 2e5, 1e5, 0.5
    C = A + B * 1e5
    run_both = hand_npv([5e4, 5e4], [(0, C)]) - F / 1.1 - F / 1.1 ** 2
    deferred = hand_npv([0.0, 1e5], [(1, C)], holding=[h * 5e4, 0.0]) - F / 1.1 ** 2
    assert deferred > 0 > run_both
    d = one_line([5e4, 5e4], A, planning={"mode": "phased"})
    d["options"][0]["opex_usd_per_yr"] = F
    d["feedstocks"][0]["supply"] = "all"
    assert optimize(case_from_dict(d)).npv_usd == pytest.approx(run_both, rel=1e-9)
    # the single build too: a line at its minimum size, run below it (not infeasible)
    single = {k: v for k, v in d.items() if k != "planning"}
    assert optimize(case_from_dict(single)).npv_usd == pytest.approx(run_both, rel=1e-9)
    d["feedstocks"][0]["stockpile"] = {"cap_units": 5e4, "holding_usd_per_unit_yr": h}
    plan = optimize(case_from_dict(d))
    assert plan.npv_usd == pytest.approx(deferred, rel=1e-9)
    assert blocks_of(plan) == [(2028, 1e5)]
    assert plan.stockpile["in_store"].tolist() == pytest.approx([5e4, 0.0])
    assert plan.cash_flow["capex_usd"].tolist() == pytest.approx([0.0, C, 0.0])


@pytest.mark.parametrize(("planning", "field"), [
    ({"mode": "phased", "every_years": 1.5}, "planning.every_years"),
    ({"mode": "phased", "max_expansions": -1}, "planning.max_expansions"),
    ({"build_years": [2027]}, "planning.build_years"),  # single build: one build year
    ({"mode": "phased", "idle": "yes"}, "planning.idle"),
    ({"mode": "phased", "every_year": 1}, "planning.every_year"),
])
def test_planning_errors_name_the_field(planning: dict, field: str) -> None:
    with pytest.raises(CaseError, match=field.replace(".", r"\.")):
        case_from_dict(one_line([1e5] * 3, 1e5, planning=planning))
