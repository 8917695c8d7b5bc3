"""Generic units: heat duties and heats of reaction against hand calculations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recyclopt.errors import InputError
from recyclopt.flowsheet import Flowsheet
from recyclopt.streams import Stream
from recyclopt.units import unit_class

MW_FE2O3 = (2 * 55.845 + 3 * 15.9994) / 1000  # kg/mol (atomic weights of chemicals' table)
MW_FE = 0.055845


def one_unit(unit_type: str, params: dict, feed: dict[str, float], T: float = 298.15,
             outlets: dict[str, str] | None = None) -> dict:
    return {
        "feeds": {"feed": {"flows_kg_per_h": {k: v * 3600 for k, v in feed.items()}, "T_K": T}},
        "units": {"u": {"type": unit_type, "inlets": {"in": "feed"},
                        "outlets": outlets or {"out": "out"}, "params": params}},
    }


def test_heater_duty_fe2o3_against_janaf():
    # NIST-JANAF (Chase 1998) Fe2O3: H(1073.15 K) - H(298.15 K) = 110.66 kJ/mol from the
    # WebBook Shomate set (1050-2500 K: A..F, H) -> 110.66 / 0.159687 = 693 kJ/kg = 0.693 GJ/t
    A, B, C, D, E, F, H = 110.9362, 32.04714, -9.192333, 0.901506, 5.433677, -843.1471, -825.5032
    t = 1.07315
    dh = A * t + B * t**2 / 2 + C * t**3 / 3 + D * t**4 / 4 - E / t + F - H  # kJ/mol
    res = Flowsheet.from_dict(one_unit("heater", {"T_K": 1073.15}, {"Fe2O3": 1.0})).solve()
    assert res.units["u"].electricity_W == pytest.approx(dh / MW_FE2O3 * 1000, rel=0.01)


def test_heat_of_oxidation_from_formation_enthalpies():
    # 4 Fe + 3 O2 -> 2 Fe2O3 at 298.15 K: dH = 2 x dHf(Fe2O3) = 2 x -824.2 kJ (NIST-JANAF)
    # per kg Fe: 2 * 824.2 / (4 * 0.055845) = 7,379 kJ released, rejected as heat
    d = one_unit("stoich_reactor",
                 {"reactions": [{"equation": "4 Fe + 3 O2 -> 2 Fe2O3", "key": "Fe",
                                 "conversion": 1.0}],
                  "reagents": {"O2": 0.0}, "T_K": 298.15}, {"Fe": 1.0})
    res = Flowsheet.from_dict(d).solve()
    assert res.units["u"].heat_rejected_W == pytest.approx(2 * 824.2e3 / (4 * MW_FE), rel=0.002)
    assert res.streams["out"].mass("Fe2O3") == pytest.approx(2 * MW_FE2O3 / (4 * MW_FE))


@given(fr=st.floats(0.0, 1.0), x=st.floats(0.0, 1.0), rate=st.floats(1e-6, 1e4),
       T=st.floats(300.0, 900.0))
def test_separator_and_splitter_close_balances(fr, x, rate, T):
    feed = {"Fe": rate * x, "Fe2O3": rate * (1 - x) + 1e-9}
    d = one_unit("separator", {"split": {"Fe": fr}, "T_K": T}, feed,
                 outlets={"top": "a", "bottom": "b"})
    Flowsheet.from_dict(d).solve().check_balances(1e-9)
    d = one_unit("splitter", {"fractions": {"p": fr, "q": 1 - fr}}, feed,
                 outlets={"p": "a", "q": "b"})
    res = Flowsheet.from_dict(d).solve()
    assert res.streams["a"].total == pytest.approx(fr * sum(feed.values()), rel=1e-12, abs=1e-300)


@given(conv=st.floats(0.0, 1.0), excess=st.floats(0.0, 3.0), o2_in_feed=st.floats(0.0, 2.0),
       scale=st.floats(0.1, 10.0))
def test_stoich_reactor_is_linear_even_with_reagent_in_feed(conv, excess, o2_in_feed, scale):
    # reagents are drawn in full for the reaction, so outputs scale with the feed
    params = {"reactions": [{"equation": "4 Fe + 3 O2 -> 2 Fe2O3", "key": "Fe",
                             "conversion": conv}], "reagents": {"O2": excess}, "T_K": 900.0}
    u = unit_class("stoich_reactor")("r", **params)
    f1 = Stream.from_masses({"Fe": 1.0, "O2": o2_in_feed})
    r1 = u.run({"in": f1})
    r2 = u.run({"in": f1.scaled(scale)})
    assert r2.outlets["out"].flows == pytest.approx(scale * r1.outlets["out"].flows, rel=1e-9,
                                                    abs=1e-15)
    assert r2.reagents.flows == pytest.approx(scale * r1.reagents.flows, rel=1e-9, abs=1e-15)


def test_missing_reactant_not_listed_as_reagent():
    u = unit_class("stoich_reactor")("r", reactions=[
        {"equation": "4 Fe + 3 O2 -> 2 Fe2O3", "key": "Fe", "conversion": 1.0}])
    with pytest.raises(InputError, match="needs .* of 'O2'.*list it under 'reagents'"):
        u.run({"in": Stream.from_masses({"Fe": 1.0})})


def test_splitter_fractions_must_sum_to_one():
    with pytest.raises(InputError, match="'fractions' sums to 0.9"):
        unit_class("splitter")("s", fractions={"a": 0.5, "b": 0.4})
