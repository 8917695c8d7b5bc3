"""The plant MILP against hand calculations and brute-force enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from recyclopt.economics import (
    CapexCurve,
    Horizon,
    QGESSCosting,
    SimpleCosting,
    cash_flow_table,
    scaling_law_curve,
)
from recyclopt.errors import InputError, SolverError
from recyclopt.optimize import case_from_dict, optimize

from .cases import small_case


# --------------------------------------------------------------------------- brute force
def _curve(c: dict) -> CapexCurve:
    if "points" in c:
        return CapexCurve([p[0] for p in c["points"]], [p[1] for p in c["points"]])
    return scaling_law_curve(c["ref_cost_usd"], c["ref_capacity"], c["exponent"],
                             c["min_capacity"], c["max_capacity"], c.get("n_points", 6))


def evaluate(d: dict, assignment: dict[str, tuple[str, ...] | None],
             caps: dict[str, float] | None = None) -> float:
    """NPV of processing each feedstock on one path (or not at all), every year its
    availability capped at ``caps[name]`` units (no cap: all of it),
    computed directly from the case dict: per-unit money by hand, capex from the curves at the
    peak-year throughput, whole equipment units and whole operators, cash flows from the
    costing convention's table. Independent of the MILP's coefficient tables."""
    years = list(range(d["horizon"]["construction_year"] + 1,
                       d["horizon"]["construction_year"] + 1 + d["horizon"]["operating_years"]))
    opts = {o["name"]: o for o in d["options"]}
    prices = d["products"]
    elec = d.get("prices", {}).get("electricity_usd_per_kwh", 0.0)
    thr = {o: np.zeros(len(years)) for o in opts}
    rev = np.zeros(len(years))
    var = np.zeros(len(years))
    for f in d["feedstocks"]:
        path = assignment.get(f["name"])
        if path is None:
            continue
        av = f["availability_units"]
        units = np.array([av[y] if isinstance(av, dict) else av for y in years], float)
        units = np.minimum(units, (caps or {}).get(f["name"], np.inf))
        content = dict(f["content_kg_per_unit"])
        mass = f["magnet_kg_per_unit"]
        var += units * f["cost_usd_per_unit"]
        for name in path:
            o = opts[name]
            amt = units if o.get("basis") == "units" else units * mass
            thr[name] += amt
            var += amt * (o.get("opex_usd_per_basis", 0.0) + o.get("kwh_per_basis", 0.0) * elec)
            for e in content:
                content[e] *= o.get("yields", {}).get(e, o.get("default_yield", 1.0))
            mass *= o.get("mass_yield", 1.0)
        last = opts[path[-1]]
        for e, form in last.get("products", {}).items():
            rev += units * content.get(e, 0.0) * prices[form]["price_usd_per_kg"][e]
    bec = direct = 0.0
    fixed = 0.0
    staff = 0.0
    for name, o in opts.items():
        peak = thr[name].max()
        if peak <= 0:
            continue
        if "capex" in o:
            cost = float(_curve(o["capex"]).cost(max(peak, _curve(o["capex"]).points[0])))
            if o["capex"].get("lang", True):
                bec += cost
            else:
                direct += cost
        staff += o.get("operators", 0.0)
        fixed += o.get("opex_usd_per_yr", 0.0)
        if "equipment" in o:
            eq = o["equipment"]
            n = math.ceil(peak / eq["capacity_per_unit"] - 1e-9)
            direct += n * eq["cost_usd"]
            fixed += n * eq.get("yearly_cost_usd", 0.0)
            staff += n * eq.get("operators_per_unit", 0.0)
    wage = d.get("labour", {}).get("usd_per_hour", 0.0) * d.get("labour", {}).get(
        "hours_per_operator_yr", 8000.0)
    labour = math.ceil(staff - 1e-9) * wage
    c = dict(d["costing"])
    conv = c.pop("convention")
    if "capex_schedule" in c:
        c["capex_schedule"] = tuple(c["capex_schedule"])
    costing = SimpleCosting(**c) if conv == "simple" else QGESSCosting(**c)
    hz = Horizon(d["horizon"]["construction_year"], d["horizon"]["operating_years"],
                 d["horizon"].get("construction_years", 1))
    return cash_flow_table(costing, hz, revenue_usd=rev, variable_opex_usd=var,
                           labour_usd=np.full(len(years), labour),
                           fixed_opex_usd=np.full(len(years), fixed), bec_usd=bec,
                           direct_tpc_usd=direct).npv_usd


def all_paths(d: dict) -> list[tuple[str, ...]]:
    stages = [[o["name"] for o in d["options"] if o["stage"] == s] for s in d["stages"]]
    return list(itertools.product(*stages))


def cap_candidates(d: dict, f: dict, path: tuple[str, ...]) -> list[float]:
    """Yearly caps (units) at which the NPV of one feedstock on one path can peak.

    With flows min(availability, C), revenue and variable cost are piecewise linear in C with
    kinks at the yearly availabilities, capex is concave piecewise linear with kinks at the
    curve points, and equipment and staff are staircases stepping after whole units: between
    kinks the NPV is linear minus concave (convex), so its maximum sits at a kink or at the
    top of a staircase step.
    """
    av = f["availability_units"]
    vals = sorted({float(v) for v in (av.values() if isinstance(av, dict) else [av])})
    opts = {o["name"]: o for o in d["options"]}
    out = set(vals)
    mass = f["magnet_kg_per_unit"]
    for name in path:
        o = opts[name]
        per_unit = 1.0 if o.get("basis") == "units" else mass
        if "capex" in o:
            out.update(p / per_unit for p in _curve(o["capex"]).points)
        if "equipment" in o:
            cpu = o["equipment"]["capacity_per_unit"] / per_unit
            out.update(k * cpu for k in range(1, int(vals[-1] / cpu) + 2))
        mass *= o.get("mass_yield", 1.0)
    return sorted(c for c in out if 0 < c <= vals[-1])


def brute_force(d: dict, single_path: bool) -> float:
    """Best NPV over every path choice and every candidate yearly cap of each feedstock."""
    paths = all_paths(d)
    feeds = d["feedstocks"]
    names = [f["name"] for f in feeds]
    best = 0.0  # building nothing
    choices = [[None, *paths]] * len(names)
    for choice in itertools.product(*choices):
        used = {p for p in choice if p is not None}
        if single_path and len(used) > 1:
            continue
        cands = [cap_candidates(d, f, p) if p is not None else [0.0]
                 for f, p in zip(feeds, choice, strict=True)]
        for caps in itertools.product(*cands):
            a = dict(zip(names, choice, strict=True))
            best = max(best, evaluate(d, a, dict(zip(names, caps, strict=True))))
    return best


# --------------------------------------------------------------------------- tests
def test_small_case_npv_by_hand():
    # The optimum runs all 30,000 EV units/yr through manual -> sx (the HDD paths lose money).
    # Per EV unit: revenue 0.25*.98*.93*70 + 0.04*.98*.92*280 = 15.9495 + 10.0979 = 26.0474
    # variable cost 5 + 0.3 + 1.0*4 + 1.0*3*0.1355 = 9.7065 (sx basis: 1 kg magnet per unit)
    # yearly: revenue 781,422.7, variable 291,195, fixed 1 robot 1,000,
    # labour ceil(1 + 3) = 4 people * 10.68 * 2080 = 88,857.6
    # capex: 1 robot 20,000 + sx curve at 30,000 kg/yr: 900,000 + 25,000*1,600,000/95,000
    #        = 1,321,052.6 -> 1,341,052.6 in year 0
    # NPV = -1,341,052.6 + (781,422.7 - 291,195 - 1,000 - 88,857.6) * annuity(10 %, 5 yr)
    #     = -1,341,052.6 + 400,370.1 * 3.790787 = 176,664.8
    rev = 0.25 * 0.98 * 0.93 * 70 + 0.04 * 0.98 * 0.92 * 280
    var = 5 + 0.3 + 1.0 * 4 + 1.0 * 3 * 0.1355
    capex = 20_000 + 900_000 + 25_000 * 1_600_000 / 95_000
    annuity = sum(1.1**-t for t in range(1, 6))  # 3.790787
    hand = -capex + (30_000 * (rev - var) - 1_000 - 4 * 10.68 * 2080) * annuity
    plan = optimize(case_from_dict(small_case()))
    assert plan.objective_value == pytest.approx(hand, rel=1e-6)
    assert plan.npv_usd == pytest.approx(plan.objective_value, rel=1e-9)
    assert plan.paths_used == ["manual/sx"]
    assert plan.capacities.loc["manual", "equipment_units"] == 1


@pytest.mark.parametrize("mode", ["single_path", "parallel"])
def test_matches_brute_force_enumeration(mode):
    d = small_case()
    # make HDDs worth processing so the enumeration has real choices
    d["feedstocks"][0]["cost_usd_per_unit"] = 0.0
    d["feedstocks"][0]["content_kg_per_unit"] = {"Nd": 0.003, "Dy": 0.0004, "Fe": 0.006}
    d["mode"] = mode
    plan = optimize(case_from_dict(d))
    assert plan.objective_value == pytest.approx(brute_force(d, mode == "single_path"),
                                                 rel=1e-6)
    assert plan.npv_usd == pytest.approx(plan.objective_value, rel=1e-6)


def test_single_path_qgess_yearly_feed_equipment_piecewise():
    # QGESS costing, yearly feed, discrete disassembly robots and piecewise capex, one path
    d = small_case()
    d["mode"] = "single_path"
    d["horizon"] = {"construction_year": 2026, "operating_years": 10, "construction_years": 1}
    d["feedstocks"][0]["availability_units"] = 100000
    d["costing"] = {"convention": "qgess", "capex_schedule": [1.0]}
    d["feedstocks"][1]["availability_units"] = {2027: 10000, 2028: 30000, 2029: 60000,
                                                2030: 45000, 2031: 20000, 2032: 40000,
                                                2033: 40000, 2034: 50000, 2035: 40000,
                                                2036: 30000}
    # post-export-control prices (NdPr floor 110 USD/kg, Dy oxide 850 USD/kg in Europe, May
    # 2025) so that a plant pays under QGESS's Lang factor and owner's costs
    d["products"]["ndpr_oxide"]["price_usd_per_kg"]["Nd"] = 110.0
    d["products"]["dy_oxide"]["price_usd_per_kg"]["Dy"] = 850.0
    plan = optimize(case_from_dict(d))
    assert plan.objective_value == pytest.approx(brute_force(d, True), rel=1e-6)
    # robots are sized for the peak year: ceil(peak units / 50,000 per robot); here the plan
    # curtails the 60,000-unit year to 45,000 rather than size sx and a second robot for it
    peak = plan.option_flows.loc["manual"].max()
    assert peak == pytest.approx(45000)
    assert plan.capacities.loc["manual", "equipment_units"] == math.ceil(peak / 50000)
    assert plan.npv_usd == pytest.approx(plan.objective_value, rel=1e-6)


def _two_lines(exponent_points: list[list[float]]) -> dict:
    d = small_case()
    d["stages"] = ["process"]
    d["feedstocks"] = [
        {"name": "a", "content_kg_per_unit": {"Nd": 0.3}, "magnet_kg_per_unit": 1.0,
         "availability_units": 50000},
        {"name": "b", "content_kg_per_unit": {"Nd": 0.3}, "magnet_kg_per_unit": 1.0,
         "availability_units": 50000},
    ]
    line = {"stage": "process", "yields": {"Nd": 0.9}, "products": {"Nd": "reo"},
            "capex": {"points": exponent_points}}
    d["options"] = [dict(line, name="line1"), dict(line, name="line2")]
    d["policy"] = {}
    return d


def test_concave_capex_builds_one_large_line():
    # economies of scale: 50 t/yr for 1.0 MUSD, 100 t/yr for 1.5 MUSD -> one line (1.5 M)
    # beats two lines of 50 t/yr (2.0 M); both process all 100,000 kg/yr (revenue
    # 0.3 * 0.9 * 52 = 14.04 USD/kg pays for either)
    d = _two_lines([[1000, 300000], [50000, 1000000], [100000, 1500000]])
    plan = optimize(case_from_dict(d))
    assert plan.built == ["line1"] or plan.built == ["line2"]
    assert plan.capacities.loc[plan.built[0], "capacity"] == pytest.approx(100000)


def test_steep_capex_builds_two_small_lines():
    # diseconomies: 50 t/yr for 1.0 MUSD, 100 t/yr for 3.0 MUSD -> two lines (2.0 M) win
    d = _two_lines([[1000, 300000], [50000, 1000000], [100000, 3000000]])
    plan = optimize(case_from_dict(d))
    assert sorted(plan.built) == ["line1", "line2"]
    assert plan.capacities.loc["line1", "capacity"] == pytest.approx(50000)


def test_same_input_same_plan():
    a = optimize(case_from_dict(small_case()))
    b = optimize(case_from_dict(small_case()))
    assert a.objective_value == b.objective_value
    assert a.flows.equals(b.flows)


def test_appsi_agrees_with_direct_handoff():
    c = case_from_dict(small_case())
    assert optimize(c, method="appsi").objective_value == pytest.approx(
        optimize(c).objective_value, rel=1e-7)


def test_min_recovery_policy_forces_a_plant_and_infeasible_is_diagnosed():
    d = small_case()
    d["policy"] = {"min_recovered_kg_per_yr": {"Dy": 1000.0}}
    plan = optimize(case_from_dict(d))
    assert plan.products.groupby(["element", "year"])["kg"].sum().loc["Dy"].min() >= 1000 - 1e-6
    d["policy"] = {"min_recovered_kg_per_yr": {"Dy": 1e7}}
    with pytest.raises(SolverError, match="infeasible.*policy_min_recovered_Dy"):
        optimize(case_from_dict(d))


# --------------------------------------------------------------------------- bad input
def test_option_feeding_a_missing_option():
    d = small_case()
    d["options"][0]["next"] = ["refinery"]
    with pytest.raises(InputError, match=r"options.manual.next.*'refinery' does not exist"):
        case_from_dict(d, source="case.yaml")


def test_option_feeding_wrong_stage():
    d = small_case()
    d["options"][2]["next"] = ["sx"]
    with pytest.raises(InputError, match="feeds nothing"):
        case_from_dict(d)


def test_unsorted_and_negative_capex_points():
    d = small_case()
    d["options"][1]["capex"] = {"points": [[20000, 50000], [10000, 120000]]}
    with pytest.raises(InputError, match=r"options.shred.capex.*strictly increasing"):
        case_from_dict(d)
    d["options"][1]["capex"] = {"points": [[10000, -5], [20000, 120000]]}
    with pytest.raises(InputError, match=r"options.shred.capex.points\[0\]\[1\].*allowed range"):
        case_from_dict(d)


def test_product_without_price():
    d = small_case()
    d["options"][3]["products"] = {"Nd": "ndpr_metal", "Dy": "dy_oxide"}
    with pytest.raises(InputError, match="'ndpr_metal' has no price"):
        case_from_dict(d)


def test_availability_nan():
    d = small_case()
    d["feedstocks"][0]["availability_units"][2028] = float("nan")
    with pytest.raises(InputError, match=r"availability_units\[2028\].*NaN"):
        case_from_dict(d)


def test_horizon_without_operating_year():
    d = small_case()
    d["horizon"]["operating_years"] = 0
    with pytest.raises(InputError, match="operating_years must be >= 1"):
        case_from_dict(d)
