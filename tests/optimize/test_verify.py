"""Plans are verified after the solve, in the case's units: a wrong answer is a numerical
failure, never "Optimal"."""

from __future__ import annotations

import dataclasses

import pytest

from recyclopt.errors import InputError, NumericalError
from recyclopt.optimize import case_from_dict, optimize
from recyclopt.optimize.verify import check_plan, likely_cause, verify_plan

from .cases import small_case


@pytest.fixture(scope="module")
def plan():
    # small_case: builds manual + sx and takes 30,000 'ev' units a year (see its summary)
    return optimize(case_from_dict(small_case()))


def _with(plan, **tables):
    return dataclasses.replace(plan, **{k: v for k, v in tables.items()})


def test_a_sound_plan_passes(plan) -> None:
    assert verify_plan(plan) == []
    assert check_plan(plan) is plan


def test_units_above_availability(plan) -> None:
    flows = plan.flows.copy()
    ev = flows["feedstock"] == "ev"
    # 'ev' availability is 30,000 units a year (small_case); take 40,000 in one year
    k = flows.index[ev][0]
    flows.loc[k, "units"] = 40_000.0
    problems = verify_plan(_with(plan, flows=flows))
    y = int(flows.loc[k, "year"])
    assert f"feedstock 'ev' in {y}: 40000 units taken of 30000 available" in problems


def test_throughput_above_capacity_and_unbuilt_option(plan) -> None:
    of = plan.option_flows.copy()
    of.loc["sx", of.columns[0]] = 30_001.0  # capacity 30,000 kg/yr
    of.loc["shred", of.columns[1]] = 5.0  # not built
    problems = verify_plan(_with(plan, option_flows=of))
    assert "option 'sx' runs 30001 per year above its capacity 30000" in problems
    assert "option 'shred' runs 5 per year above its zero capacity (not built)" in problems


def test_equipment_that_cannot_run_the_peak(plan) -> None:
    cap = plan.capacities.copy()
    cap.loc["manual", "equipment_units"] = 0.0  # 0 x 50,000 units/yr < 30,000 units/yr
    problems = verify_plan(_with(plan, capacities=cap))
    assert "option 'manual': 0 equipment units of 50000 cannot run 30000 per year" in problems


def test_more_recovered_than_fed(plan) -> None:
    prod = plan.products.copy()
    y = int(prod["year"].iloc[0])
    nd = (prod["element"] == "Nd") & (prod["year"] == y)
    # the year's feed holds 30,000 units x 0.25 kg Nd = 7,500 kg (small_case 'ev' content)
    prod.loc[nd, "kg"] = 0.0
    prod.loc[prod.index[nd][0], "kg"] = 7_600.0
    problems = verify_plan(_with(plan, products=prod))
    assert f"7600 kg of Nd recovered in {y} from feed holding 7500" in problems


def test_objective_that_is_not_the_plans_npv(plan) -> None:
    bad = _with(plan, objective_value=plan.npv_usd + 1_000.0)
    assert any("the solver's objective" in p for p in verify_plan(bad))


def test_worse_than_building_nothing(plan) -> None:
    cf = plan.cash_flow.copy()
    cf["cash_flow_usd"] -= 1e6
    cf["discounted_cash_flow_usd"] = cf["cash_flow_usd"] * cf["discount_factor"]
    npv = float(cf["discounted_cash_flow_usd"].sum())
    bad = _with(plan, cash_flow=cf, npv_usd=npv, objective_value=npv)
    assert npv < 0
    with pytest.raises(NumericalError, match="worse than building nothing") as info:
        check_plan(bad)
    assert "Optimal" in str(info.value) and "likely cause" in str(info.value)
    # with extra constraints (a forced route), building nothing may be infeasible
    assert verify_plan(bad, nothing_feasible=False) == []


@pytest.mark.parametrize("edit", ["availability", "equipment"])
def test_red_team_magnitudes_never_optimal(edit: str) -> None:
    # issue 21: availability 1e12 returned NPV -2.16e12 "Optimal"; an equipment capacity of
    # 1e12 bought zero units. Either the input is refused up front (plausibility ranges) or
    # the plan fails verification; it is never returned.
    d = small_case()
    if edit == "availability":
        d["feedstocks"][1]["availability_units"] = 1e12
    else:
        d["options"][0]["equipment"]["capacity_per_unit"] = 1e12
    with pytest.raises((NumericalError, InputError)) as info:
        optimize(case_from_dict(d))
    if isinstance(info.value, NumericalError):
        assert "outside the safe range" in str(info.value)


def test_likely_cause_names_the_largest_offender() -> None:
    d = small_case()
    d["feedstocks"][1]["availability_units"] = 1e12
    d["options"][0]["equipment"]["capacity_per_unit"] = 1e10
    try:
        case = case_from_dict(d)
    except InputError:
        pytest.skip("refused up front by the case's plausibility ranges")
    cause = likely_cause(case)
    assert cause.index("feedstocks.ev.availability_units = 1e+12") < cause.index(
        "options.manual.equipment.capacity_per_unit = 1e+10")
    assert "solver tolerances" in likely_cause(case_from_dict(small_case()))


# --------------------------------------------------------------------------- before the solve
def _taiwan_with(edit) -> dict:
    import copy
    from importlib import resources

    from recyclopt.io.yaml_input import load_yaml
    from recyclopt.optimize.case import CaseError

    text = resources.files("recyclopt.cases").joinpath("taiwan.yaml").read_text("utf-8")
    d = copy.deepcopy(load_yaml(text, "taiwan.yaml", CaseError).data)
    edit(d)
    return d


def _tb_price(d: dict) -> None:
    d["products"]["Tb_oxide"]["price_usd_per_kg"]["Tb"] = 1e300
    d["allow_implausible"] = ["products.Tb_oxide.price_usd_per_kg"]


def _swarf_availability(d: dict) -> None:
    f = d["feedstocks"][4]  # swarf, 0.7095 kg of magnet per kg (catalogue)
    del f["availability_table"]
    f["availability_units"] = 1e12
    d["allow_implausible"] = ["feedstocks.swarf.availability_units"]


def _robot_capacity(d: dict) -> None:
    d["options"][1]["equipment"]["capacity_per_unit"] = 1e12  # robotic_hdd
    d["allow_implausible"] = ["options.robotic_hdd.equipment.capacity_per_unit"]


@pytest.mark.parametrize(("edit", "message"), [
    # 1e300 USD/kg x 3 (price factor) x ~3.9e-3 kg Tb per kg magnet ... x discounting: the
    # objective coefficient is ~1e298, above 1e13
    (_tb_price, "products.Tb_oxide.price_usd_per_kg.Tb: gives the objective a "
     "coefficient of 1.18e+298, above 1e+13"),
    # build_switch: cap <= M build with M = 1e12 kg x 0.7095 kg magnet per kg = 7.1e11
    (_swarf_availability, "feedstocks.swarf.availability_units (the capacity bound "
     "of options.swarf_intake): gives the 'build_switch' constraint 'swarf_intake' a "
     "coefficient of 7.1e+11 on an integer variable, above 1e+09 (the solver's integrality "
     "tolerance of 1e-6 would let a unit not built run)"),
    # equipment_peak: units x 1e12 >= throughput: 1e12 on the integer 'units' column
    (_robot_capacity, "options.robotic_hdd.equipment.capacity_per_unit: gives the "
     "'equipment_peak' constraint 'robotic_hdd' a coefficient of 1e+12 on an integer "
     "variable, above 1e+09 (the solver's integrality tolerance of 1e-6 would let a unit not "
     "built run)"),
])
def test_out_of_range_coefficients_refused_before_the_solve(edit, message, monkeypatch):
    from recyclopt.optimize import plan as plan_module

    def no_solve(*a, **k):  # the check must come first: the solver is never reached
        raise AssertionError("solved")

    monkeypatch.setattr(plan_module, "solve", no_solve)
    with pytest.raises(NumericalError) as info:
        optimize(case_from_dict(_taiwan_with(edit), source="red.yaml"), price_factor=3.0)
    assert str(info.value) == (message + "; rescale the field's unit (e.g. tonnes or thousands"
                               " of items) or correct it; the model is not solved")


def test_bundled_cases_are_inside_the_safe_range():
    # the limits leave room: the bundled case's largest coefficient on an integer column is
    # 9.6e5 (a capex segment bound), its largest objective coefficient 5.9e7 USD (a capex
    # segment at 3x prices)
    from recyclopt.optimize import load_case
    from recyclopt.optimize.model import build_model
    from recyclopt.optimize.verify import coefficient_problem

    for name in ("taiwan", "families"):
        for pf in (1.0, 3.0):
            assert coefficient_problem(build_model(load_case(name), price_factor=pf)) is None
