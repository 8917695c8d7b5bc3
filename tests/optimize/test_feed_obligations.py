"""Feed obligations (``supply: all`` / ``min_share``) on a four-stage case, checked against an
independent enumeration of every route written here in plain Python.

The enumeration does not use the optimizer's coefficient code: for each route (one option per
stage) it walks the feed through the options by hand (element yields, mass yields, basis),
sizes every costly option for its peak year, reads the capex off the case's capex points
(linear interpolation; a plant is never smaller than its first point), counts robots for the
peak year, and writes the yearly cash flows and the NPV of the simple costing convention
(all capex in the construction year, cash flows discounted to it).
"""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest

from recyclopt.errors import InputError
from recyclopt.optimize import case_from_dict, optimize

YEARS = [2027, 2028, 2029, 2030, 2031, 2032]
AVAIL = {2027: 600000, 2028: 900000, 2029: 1300000, 2030: 1100000, 2031: 700000,
         2032: 500000}
WAGE = 12.0 * 2080  # USD per operator-year
RATE = 0.08


def staged_case(price_scale: float = 1.0, supply: object = "all") -> dict:
    """Four stages (dismantle, liberation, extraction, refining), each with a cost-free
    option (blank or pass-through), robots sized for the peak year, piecewise capex curves,
    yearly feed. Figures are illustrative (test data, not sourced)."""
    return copy.deepcopy({
        "name": "staged",
        "horizon": {"construction_year": 2026, "operating_years": len(YEARS)},
        "costing": {"convention": "simple", "discount_rate": RATE},
        "elements": ["Nd", "Dy"],
        "stages": ["dismantle", "liberation", "extraction", "refining"],
        "feedstocks": [{
            "name": "motor", "content_kg_per_unit": {"Nd": 0.05, "Dy": 0.005},
            "magnet_kg_per_unit": 0.2, "cost_usd_per_unit": 1.0,
            "availability_units": AVAIL, "supply": supply}],
        "options": [
            {"name": "robot", "stage": "dismantle", "basis": "units",
             "yields": {"Nd": 0.96, "Dy": 0.96}, "opex_usd_per_basis": 0.15,
             "equipment": {"capacity_per_unit": 700000, "cost_usd": 120000,
                           "yearly_cost_usd": 6000, "operators_per_unit": 1}},
            {"name": "skip_dismantle", "stage": "dismantle", "basis": "units",
             "mass_yield": 4.0},  # whole motors go on: 4x the mass downstream, no cost
            {"name": "shred", "stage": "liberation", "mass_yield": 0.8,
             "yields": {"Nd": 0.98, "Dy": 0.98}, "opex_usd_per_basis": 0.4,
             "capex": {"points": [[20000, 150000], [200000, 400000], [1500000, 1200000]]}},
            {"name": "no_liberation", "stage": "liberation", "blank": True},
            {"name": "hydromet", "stage": "extraction", "yields": {"Nd": 0.95, "Dy": 0.92},
             "opex_usd_per_basis": 2.5, "operators": 2,
             "capex": {"points": [[50000, 600000], [500000, 1500000], [1500000, 3000000]]}},
            {"name": "pyromet", "stage": "extraction", "yields": {"Nd": 0.9, "Dy": 0.9},
             "opex_usd_per_basis": 1.5, "operators": 1, "opex_usd_per_yr": 50000,
             "capex": {"points": [[100000, 1500000], [1500000, 2600000]]}},
            {"name": "sx", "stage": "refining", "yields": {"Nd": 0.97, "Dy": 0.97},
             "products": {"Nd": "ndpr_oxide", "Dy": "dy_oxide"}, "opex_usd_per_basis": 1.0,
             "operators": 2,
             "capex": {"points": [[10000, 300000], [300000, 900000], [1500000, 2000000]]}},
            {"name": "sell_mixed", "stage": "refining", "products": {"Nd": "reo", "Dy": "reo"}},
        ],
        "products": {
            "reo": {"price_usd_per_kg": {"Nd": 40 * price_scale, "Dy": 150 * price_scale}},
            "ndpr_oxide": {"price_usd_per_kg": {"Nd": 70 * price_scale}},
            "dy_oxide": {"price_usd_per_kg": {"Dy": 280 * price_scale}},
        },
        "prices": {"electricity_usd_per_kwh": 0.1, "grid_co2_kg_per_kwh": 0.5},
        "labour": {"usd_per_hour": 12.0, "hours_per_operator_yr": 2080},
        "policy": {},
    })


def route_economics(d: dict, route: tuple[str, ...], flow: dict[int, float]) -> dict:
    """NPV, capex and yearly cash flows of one route processing ``flow[y]`` units, by hand
    (simple costing), with the cost items the cash flows are made of."""
    feed = d["feedstocks"][0]
    opts = {o["name"]: o for o in d["options"]}
    mass = feed["magnet_kg_per_unit"]
    kg = dict(feed["content_kg_per_unit"])  # element kg per unit still on the route
    var = feed["cost_usd_per_unit"]
    bec = direct = fixed = staff = 0.0
    for name in route:
        o = opts[name]
        load = 1.0 if o.get("basis") == "units" else mass  # basis units per end-of-life unit
        var += load * o.get("opex_usd_per_basis", 0.0)
        peak = max(load * f for f in flow.values())
        if "capex" in o:  # curve capex (Lang-factor basis), the plant at least its first point
            caps, costs = zip(*o["capex"]["points"], strict=True)
            bec += float(np.interp(max(peak, caps[0]), caps, costs))
        if "equipment" in o:  # robots for the peak year, their price enters capex directly
            e = o["equipment"]
            n = math.ceil(peak / e["capacity_per_unit"] - 1e-12)
            direct += n * e["cost_usd"]
            fixed += n * e["yearly_cost_usd"]
            staff += n * e["operators_per_unit"]
        staff += o.get("operators", 0)
        fixed += o.get("opex_usd_per_yr", 0.0)
        kg = {el: v * o.get("yields", {}).get(el, 1.0) for el, v in kg.items()}
        mass *= o.get("mass_yield", 1.0)
    last = opts[route[-1]]
    rev = sum(v * d["products"][last["products"][el]]["price_usd_per_kg"][el]
              for el, v in kg.items())
    capex = bec + direct
    cash = {2026: -capex}
    for y in YEARS:
        cash[y] = (rev - var) * flow[y] - fixed - staff * WAGE
    npv = sum(c / (1 + RATE) ** (y - 2026) for y, c in cash.items())
    return {"npv": npv, "capex": capex, "cash": cash, "margin": rev - var, "rev": rev,
            "var": var, "bec": bec, "direct": direct, "fixed": fixed, "staff": staff}


def all_routes(d: dict) -> list[tuple[str, ...]]:
    by_stage = [[o["name"] for o in d["options"] if o["stage"] == s] for s in d["stages"]]
    return list(itertools.product(*by_stage))


def best_route(d: dict, flow: dict[int, float]) -> tuple[tuple[str, ...], dict, float]:
    """The best route by the enumeration, its economics and the NPV gap to the second best."""
    res = sorted(((route_economics(d, r, flow), r) for r in all_routes(d)),
                 key=lambda t: -t[0]["npv"])
    return res[0][1], res[0][0], res[0][0]["npv"] - res[1][0]["npv"]


def check_plan(plan, route: tuple[str, ...], eco: dict, flow: dict[int, float]) -> None:
    rel = 1e-6
    assert plan.paths_used == ["/".join(route)]
    assert plan.npv_usd == pytest.approx(eco["npv"], rel=rel)
    assert plan.objective_value == pytest.approx(eco["npv"], rel=rel)
    assert plan.capex["capex_usd"].sum() == pytest.approx(eco["capex"], rel=rel)
    cash = plan.cash_flow.set_index("year")["cash_flow_usd"]
    for y, c in eco["cash"].items():
        assert cash[y] == pytest.approx(c, rel=rel, abs=1e-6 * abs(eco["capex"]))
    units = plan.flows.groupby("year")["units"].sum()
    for y in YEARS:
        assert units.get(y, 0.0) == pytest.approx(flow[y], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("mode", ["single_path", "parallel"])
@pytest.mark.parametrize("price_scale", [1.0, 0.2], ids=["profitable", "loses_money"])
def test_supply_all_equals_the_route_enumeration(mode, price_scale):
    # Every collected unit is processed, so each route's flows are the availability itself;
    # the optimizer must pick the enumeration's best route, even when every route loses
    # money (then the least-bad one, not "build nothing"). Parallel mode could split a year's
    # stream over two routes; here that does not pay: a second plant of any costly stage
    # costs at least its curve's first point, and one robot less (about 0.3 M USD of present
    # value) would send at least 1.2 M units through the whole-motor route at 0.75 USD/unit
    # or more extra. So its optimum is the best single route too.
    d = staged_case(price_scale)
    route, eco, gap = best_route(d, AVAIL)
    assert gap > 1e-4 * abs(eco["npv"])  # a unique best route
    assert (eco["npv"] > 0) == (price_scale == 1.0)
    plan = optimize(case_from_dict(d), mode=mode)
    check_plan(plan, route, eco, AVAIL)


def test_without_the_obligation_a_losing_case_builds_nothing():
    # the contrast: availability as a ceiling (supply: optional) and every route losing money
    plan = optimize(case_from_dict(staged_case(0.2, supply="optional")))
    assert plan.npv_usd == pytest.approx(0.0, abs=1e-6)
    assert plan.flows.empty


@pytest.mark.parametrize("formulation", ["naive", "tight_bounds", "tight_cuts",
                                         "tight_cuts_yearly"])
def test_tight_bounds_keep_the_forced_flow(formulation):
    # The tight capacity bounds (deliverable throughput, the curve's minimum size), the
    # clipped capex segments, the robots' bound and the feed_to_build rows all leave room for
    # every unit an obligation forces through: each formulation finds the enumeration's plan.
    from recyclopt.optimize.model import build_model
    from recyclopt.optimize.solve import solve

    d = staged_case(1.0)
    _, eco, _ = best_route(d, AVAIL)
    _, info = solve(build_model(case_from_dict(d), formulation=formulation))
    assert info.objective == pytest.approx(eco["npv"], rel=1e-6)


def test_min_share_by_year_processes_the_minimum():
    # Every route loses money on each unit at these prices (checked by hand below), so the
    # plant processes exactly the obligation: half the stream from 2027, 80 % from 2029, all
    # from 2031 (a share holds from its year until the next one listed).
    shares = {2027: 0.5, 2029: 0.8, 2031: 1.0}
    d = staged_case(0.2, supply={"min_share": shares})
    step = {2027: 0.5, 2028: 0.5, 2029: 0.8, 2030: 0.8, 2031: 1.0, 2032: 1.0}
    flow = {y: step[y] * AVAIL[y] for y in YEARS}
    assert all(route_economics(d, r, flow)["margin"] < 0 for r in all_routes(d))
    route, eco, gap = best_route(d, flow)
    assert gap > 1e-4 * abs(eco["npv"])
    for mode in ("single_path", "parallel"):
        check_plan(optimize(case_from_dict(d), mode=mode), route, eco, flow)


def test_min_share_is_a_floor_not_a_ceiling():
    # at profitable prices every unit pays: a 0.3 share obligation processes everything
    d = staged_case(1.0, supply={"min_share": 0.3})
    route, eco, _ = best_route(d, AVAIL)
    check_plan(optimize(case_from_dict(d)), route, eco, AVAIL)


def test_an_obligation_no_route_can_take_names_the_feedstock_and_year():
    from recyclopt.errors import SolverError

    d = staged_case(1.0)
    d["feedstocks"].append({"name": "potted", "content_kg_per_unit": {"Nd": 0.05},
                            "magnet_kg_per_unit": 0.2, "availability_units": 1000,
                            "tags": ["potted"], "supply": {"min_share": {2029: 1.0}}})
    for o in d["options"]:
        if o["stage"] == "extraction":
            o["excludes"] = ["potted"]
    with pytest.raises(SolverError, match=r"supply \(total violation [0-9.e+]+; at potted 2029, "
                                          r"potted 2030, potted 2031 and 1 more\)"):
        optimize(case_from_dict(d))
    d["feedstocks"][1]["supply"] = "optional"  # as a ceiling the case solves
    assert optimize(case_from_dict(d)).npv_usd > 0


def test_an_obligation_above_every_plant_s_limit_names_the_year_it_does_not_fit():
    # extraction capped at 2 x 100 t/yr of magnet; the lightest load reaching it is the
    # robot + shred route's 0.2 x 0.8 = 0.16 kg/unit, so at most 200,000 / 0.16 = 1.25 M units
    # a year fit: 2029's 1.3 M do not (50,000 units short), every other year does. The
    # diagnosis names that supply row and the shortfall.
    from recyclopt.errors import SolverError

    d = staged_case(1.0)
    for o in d["options"]:
        if o["stage"] == "extraction":
            o["max_capacity"] = 100000
    with pytest.raises(SolverError, match=r"supply \(total violation 5e\+04; at motor 2029\)"):
        optimize(case_from_dict(d))


def test_qgess_supply_all_equals_the_route_enumeration():
    # QGESS costing: each route's yearly revenue, costs and capex by hand (as above), its
    # NPV from the economics package's cash-flow table (the convention's own arithmetic, not
    # the optimizer's coefficients); the best route's NPV is the optimizer's.
    from recyclopt.economics import QGESSCosting, cash_flow_table

    d = staged_case(1.0)
    d["costing"] = {"convention": "qgess", "capex_schedule": [1.0]}
    case = case_from_dict(d)
    assert isinstance(case.costing, QGESSCosting)
    best = -math.inf
    for r in all_routes(d):
        e = route_economics(d, r, AVAIL)
        t = cash_flow_table(case.costing, case.horizon,
                            revenue_usd=[e["rev"] * AVAIL[y] for y in YEARS],
                            variable_opex_usd=[e["var"] * AVAIL[y] for y in YEARS],
                            labour_usd=e["staff"] * WAGE, fixed_opex_usd=e["fixed"],
                            bec_usd=e["bec"], direct_tpc_usd=e["direct"])
        best = max(best, t.npv_usd)
    plan = optimize(case, mode="single_path")
    assert plan.npv_usd == pytest.approx(best, rel=1e-6)
    # parallel mode may split the stream (under QGESS's Lang factor and owner's costs it
    # does: -0.12 M against the best single route's -0.18 M USD); any single route is one of
    # its plans, so it is at least as good, and it still processes every unit each year
    par = optimize(case, mode="parallel")
    assert par.npv_usd >= best - 1e-6 * abs(best)
    units = par.flows.groupby("year")["units"].sum()
    assert units.to_dict() == pytest.approx({y: float(v) for y, v in AVAIL.items()}, rel=1e-9)


@pytest.mark.parametrize("supply", ["all", {"min_share": {2027: 0.5, 2030: 1.0}}])
def test_sweep_under_an_obligation_equals_a_rebuild(supply):
    # the engine pushes the changed supply bounds (upper and the obligation's lower) when a
    # scenario scales the availability; its answer is the rebuilt model's
    from recyclopt.scenarios.definition import scenario_case
    from recyclopt.scenarios.engine import EngineOptions, SweepEngine

    case = case_from_dict(staged_case(0.5, supply=supply))
    engine = SweepEngine(case, EngineOptions(fixed_design=False))
    for values in ({"feedstocks.motor.availability_factor": 0.6},
                   {"feedstocks.motor.availability_factor": 1.5},
                   {"products.ndpr_oxide.price_usd_per_kg.Nd": 120.0}):
        row = engine.solve_values(values).row
        ref = optimize(scenario_case(case, values)[0])
        assert row["status"] == "optimal"
        assert row["npv_usd"] == pytest.approx(ref.npv_usd, rel=1e-7, abs=1e-6)
        assert row["routes"] == "|".join(sorted(ref.paths_used))


@pytest.mark.parametrize("supply, msg", [
    ("everything", "allowed: optional, all"),
    ({"min_share": 1.5}, "min_share"),
    ({"share": 0.5}, "share"),
    ({"min_share": {2040: 1.0}}, "after the last operating year"),
    ({"min_share": {"soon": 1.0}}, "not a year"),
])
def test_bad_supply_is_an_input_error(supply, msg):
    with pytest.raises(InputError, match=msg):
        case_from_dict(staged_case(1.0, supply=supply))
