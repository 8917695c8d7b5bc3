"""Dotted case paths (recyclopt.optimize.case_paths): overrides on a loaded case."""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.optimize import load_case
from recyclopt.optimize.case import CaseError
from recyclopt.optimize.case_paths import CASE_PATHS, case_paths, parse_assignments
from recyclopt.scenarios.definition import PARAMETERS, apply_values

ND = "products.NdPr_oxide.price_usd_per_kg.Nd"


@pytest.fixture(scope="module")
def case():
    return load_case()


def test_overrides_make_a_new_case_and_leave_the_base_alone(case):
    hdd = case.feedstocks[0].availability.to_numpy().copy()
    new = case.with_overrides({"feedstocks.HDD.availability_factor": 2, ND: 80})
    # factor: every year times 2; a price: replaced
    np.testing.assert_array_equal(new.feedstocks[0].availability.to_numpy(), hdd * 2)
    assert new.products["NdPr_oxide"].price_usd_per_kg == {"Nd": 80.0, "Pr": 61.6}
    np.testing.assert_array_equal(case.feedstocks[0].availability.to_numpy(), hdd)
    assert case.products["NdPr_oxide"].price_usd_per_kg["Nd"] == 59.5
    assert case.overrides == {}
    assert new.overrides == {"feedstocks.HDD.availability_factor": 2.0, ND: 80.0}


def test_overrides_accumulate_and_factors_compound(case):
    # x2 then x1.5 is x3 of the case file's availability, both recorded
    hdd = case.feedstocks[0].availability.to_numpy()
    new = case.with_overrides({"feedstocks.HDD.availability_factor": 2}).with_overrides(
        {"labour.usd_per_hour": 20})
    new = new.with_overrides({"feedstocks.HDD.availability_factor": 1.5})
    np.testing.assert_allclose(new.feedstocks[0].availability.to_numpy(), hdd * 3, rtol=1e-15)
    assert new.labour_usd_per_hour == 20.0
    assert list(new.overrides) == ["feedstocks.HDD.availability_factor", "labour.usd_per_hour"]


def test_override_is_the_scenario_engine_s_value(case):
    # one path resolution: a scenario's apply_values and an override set the same numbers
    values = {ND: 91.0, "policy.carbon_price_usd_per_t": 40.0,
              "options.sx_separated.capex_factor": 1.25}
    a, b = case.with_overrides(values), apply_values(case, values)
    assert a.products == b.products and a.policy == b.policy
    assert a.option("sx_separated").capex.costs == b.option("sx_separated").capex.costs
    assert [p.pattern for p in PARAMETERS] == [p.pattern for p in CASE_PATHS]


@pytest.mark.parametrize(("values", "message"), [
    ({"feedstocks.HDD.availability_factor": -1},
     "overrides: feedstocks.HDD.availability_factor: -1 is outside the allowed range [0, inf] "
     "of feedstocks.*.availability_factor"),
    ({"costing.discount_rates": 0.1},
     "overrides: costing.discount_rates: unknown parameter 'costing.discount_rates'; did you "
     "mean 'costing.discount_rate'?"),
    ({"products.NdPr_oxide.price_usd_per_kg.Dy": 1},
     "overrides: products.NdPr_oxide.price_usd_per_kg.Dy: 'Dy' is not one of the case's names "
     "here; allowed: ['Nd', 'Pr']; did you mean 'products.NdPr_oxide.price_usd_per_kg.Nd'?"),
])
def test_bad_override_is_one_line(case, values, message):
    with pytest.raises(CaseError) as exc:
        case.with_overrides(values)
    assert str(exc.value) == message


def test_case_paths_enumerate_every_name(case):
    paths = case_paths(case)
    # one availability factor per feedstock, one price per element of each product
    assert sum(p.endswith(".availability_factor") for p in paths) == len(case.feedstocks)
    assert sum(".price_usd_per_kg." in p for p in paths) == sum(
        len(p.price_usd_per_kg) for p in case.products.values())


def test_assignments_are_yaml_scalars():
    assert parse_assignments(["a.b=2", "c.d=1.5e3", "e.f=-0.1", "a.b=3"]) == {
        "a.b": 3, "c.d": 1500.0, "e.f": -0.1}
    with pytest.raises(CaseError, match=r"^--set 'a\.b': expected PATH=VALUE"):
        parse_assignments(["a.b"], error=CaseError)
    with pytest.raises(CaseError, match="the value must be a number"):
        parse_assignments(["a.b=[1, 2]"], error=CaseError)
