"""The flowsheet engine: ordering, recycle convergence, balances, linearisation, errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recyclopt.errors import ConvergenceError, FlowsheetError, InputError
from recyclopt.flowsheet import Flowsheet, available_flowsheets, load_flowsheet
from recyclopt.streams import Stream

MW_FE, MW_FE2O3 = 55.845, 159.687


def oxidation_loop(conversion=0.6, recycle=0.9, excess=0.2, nd_conv=0.8, nd_recycle=0.5,
                   comp=None, rate_kg_h=100.0):
    """Heater -> mixer -> roaster -> classifier with a recycle of unreacted metal."""
    return {
        "name": "loop",
        "feeds": {"feed": {"rate_kg_per_h": rate_kg_h,
                           "composition": comp or {"Fe": 0.7, "Nd": 0.3}}},
        "units": {
            "mix": {"type": "mixer", "inlets": {"a": "feed", "b": "recycle"},
                    "outlets": {"out": "s1"}},
            "heat": {"type": "heater", "inlets": {"in": "s1"}, "outlets": {"out": "s2"},
                     "params": {"T_K": 873.15}},
            "roast": {
                "type": "stoich_reactor", "inlets": {"in": "s2"},
                "outlets": {"out": "calcine", "gas": "offgas"},
                "params": {
                    "reactions": [
                        {"equation": "4 Fe + 3 O2 -> 2 Fe2O3", "key": "Fe",
                         "conversion": conversion},
                        {"equation": "4 Nd + 3 O2 -> 2 Nd2O3", "key": "Nd",
                         "conversion": nd_conv},
                    ],
                    "reagents": {"O2": excess}, "T_K": 873.15, "separate_gas": True,
                },
            },
            "classify": {"type": "separator", "inlets": {"in": "calcine"},
                         "outlets": {"top": "recycle", "bottom": "oxide"},
                         "params": {"split": {"Fe": recycle, "Nd": nd_recycle},
                                    "T_K": 298.15}},
        },
        "products": {"oxide": "product", "offgas": "emission"},
    }


def test_recycle_converges_to_analytic_steady_state():
    # Steady state by hand: reactor feed X = F / (1 - r (1 - c)) for each metal.
    # Fe: F = 70 kg/h, c = 0.6, r = 0.9 -> X = 70 / 0.64 = 109.375 kg/h, recycle = 0.36 X
    fs = Flowsheet.from_dict(oxidation_loop())
    res = fs.solve(tol=1e-12)
    x_fe = 70.0 / (1 - 0.9 * 0.4)
    assert res.streams["s1"].mass("Fe") * 3600 == pytest.approx(x_fe, rel=1e-10)
    assert res.streams["recycle"].mass("Fe") * 3600 == pytest.approx(0.9 * 0.4 * x_fe, rel=1e-10)
    # Fe2O3 made = c X * 2 MW(Fe2O3) / (4 MW(Fe))
    fe2o3 = 0.6 * x_fe * 2 * MW_FE2O3 / (4 * MW_FE)
    assert res.streams["oxide"].mass("Fe2O3") * 3600 == pytest.approx(fe2o3, rel=1e-4)
    # every Fe atom fed leaves in the oxide stream (offgas holds only O2)
    assert res.streams["oxide"].element_flows()["Fe"] * 3600 == pytest.approx(70.0, rel=1e-10)
    assert list(res.iterations.values())[0] < 20


def test_loop_that_cannot_converge_says_so():
    d = {
        "feeds": {"feed": {"rate_kg_per_h": 1.0, "composition": {"Fe": 1.0}}},
        "units": {
            "mix": {"type": "mixer", "inlets": {"a": "feed", "b": "back"},
                    "outlets": {"out": "s1"}},
            "split": {"type": "splitter", "inlets": {"in": "s1"},
                      "outlets": {"back": "back", "out": "out"},
                      "params": {"fractions": {"back": 1.0, "out": 0.0}}},
        },
    }
    with pytest.raises(ConvergenceError, match="did not converge.*loop gain"):
        Flowsheet.from_dict(d).solve(max_iter=100)


@given(
    conversion=st.floats(0.05, 1.0), recycle=st.floats(0.0, 0.98), excess=st.floats(0.0, 2.0),
    nd_conv=st.floats(0.0, 1.0), nd_recycle=st.floats(0.0, 0.95), x_fe=st.floats(0.0, 1.0),
    rate=st.floats(1e-3, 1e5),
)
def test_balances_close_for_random_feeds_and_parameters(conversion, recycle, excess, nd_conv,
                                                        nd_recycle, x_fe, rate):
    d = oxidation_loop(conversion, recycle, excess, nd_conv, nd_recycle,
                       comp={"Fe": x_fe, "Nd": 1.0 - x_fe}, rate_kg_h=rate)
    res = Flowsheet.from_dict(d).solve(check=False)
    bal = res.balance()
    elements = bal.drop(index=["energy"], level="quantity")
    assert (elements["rel_error"] <= 1e-9).all(), elements[elements["rel_error"] > 1e-9]
    res.check_balances(1e-9)  # energy too, per unit and overall


def test_linearisation_predicts_another_rate_and_composition():
    fs = Flowsheet.from_dict(oxidation_loop())
    lin = fs.linearize()
    # re-solve at another rate and composition and compare with J @ f
    other = Stream.from_composition(250.0 / 3600, {"Fe": 0.2, "Nd": 0.8})
    res = fs.solve({"feed": other})
    pred = lin.predict(other)
    assert pred[("product_element", "oxide", "Nd")] == pytest.approx(
        res.streams["oxide"].element_flows()["Nd"], rel=1e-9)
    assert pred[("product", "oxide", "Fe2O3")] == pytest.approx(
        res.streams["oxide"].mass("Fe2O3"), rel=1e-9)
    assert pred[("reagent", "total", "O2")] == pytest.approx(
        res.units["roast"].reagents.mass("O2"), rel=1e-9)
    # the heater's electricity is linear in the feed (same inlet and outlet temperatures)
    e_pred = pred[("energy", "total", "electricity_kWh")]
    assert e_pred == pytest.approx(res.totals()["electricity_W"] / 3.6e6, rel=1e-6)
    # per kg of the base feed, Fe leaves at 1 kg/kg of Fe fed: 0.7 kg Fe per kg feed
    assert lin.per_kg_feed()[("product_element", "oxide", "Fe")] == pytest.approx(0.7, rel=1e-10)


# --------------------------------------------------------------------------- bad input
def test_dangling_stream():
    d = oxidation_loop()
    d["units"]["mix"]["inlets"]["b"] = "nowhere"
    with pytest.raises(FlowsheetError, match="dangling stream 'nowhere'"):
        Flowsheet.from_dict(d, source="my.yaml")


def test_unknown_unit_type_lists_allowed():
    d = oxidation_loop()
    d["units"]["heat"]["type"] = "teleporter"
    with pytest.raises(FlowsheetError, match=r"units.heat.*unknown unit type 'teleporter'.*allowed"):
        Flowsheet.from_dict(d)


def test_conversion_above_one():
    d = oxidation_loop(conversion=1.2)
    with pytest.raises(InputError, match=r"conversion 1.2 is outside the allowed range \[0, 1\]"):
        Flowsheet.from_dict(d)


def test_negative_excess():
    d = oxidation_loop(excess=-0.1)
    with pytest.raises(InputError, match=r"units.roast.*'reagents.O2'.*allowed range"):
        Flowsheet.from_dict(d)


def test_unknown_parameter_and_species():
    d = oxidation_loop()
    d["units"]["heat"]["params"]["temprature"] = 500
    with pytest.raises(InputError, match="unknown parameter.*temprature"):
        Flowsheet.from_dict(d)
    d = oxidation_loop()
    d["units"]["classify"]["params"]["split"]["Adamantium"] = 0.5
    with pytest.raises(InputError, match="unknown species 'Adamantium'"):
        Flowsheet.from_dict(d)


def test_unbalanced_reaction():
    d = copy.deepcopy(oxidation_loop())
    d["units"]["roast"]["params"]["reactions"][0]["equation"] = "2 Fe + O2 -> Fe2O3"
    with pytest.raises(InputError, match="does not conserve elements"):
        Flowsheet.from_dict(d)


def test_temperature_outside_species_range():
    d = oxidation_loop()
    d["units"]["heat"]["params"]["T_K"] = 2999.0
    with pytest.raises(InputError, match="outside the data range of species"):
        Flowsheet.from_dict(d).solve()


def test_feed_composition_not_summing_to_one():
    d = oxidation_loop(comp={"Fe": 0.5, "Nd": 0.3})
    with pytest.raises(InputError, match=r"feeds.feed.*sum to 0.8"):
        Flowsheet.from_dict(d)


def test_unconnected_outlet_port():
    d = oxidation_loop()
    del d["units"]["roast"]["outlets"]["gas"]
    with pytest.raises(FlowsheetError, match=r"outlet port\(s\) \['gas'\] are not connected"):
        Flowsheet.from_dict(d)


def test_bundled_flowsheets_load_by_name():
    names = available_flowsheets()
    assert "demo_recycle" in names
    res = load_flowsheet("demo_recycle").solve()
    # demo: 100 kg/h Fe, c = 0.6, r = 0.9 -> reactor feed 100 / 0.64 = 156.25 kg/h
    assert res.streams["roaster_feed"].total * 3600 == pytest.approx(156.25, rel=1e-10)
    assert np.isclose(res.streams["oxide"].element_flows()["Fe"] * 3600, 100.0, rtol=1e-10)


def test_unknown_flowsheet_name():
    with pytest.raises(FlowsheetError, match="unknown flowsheet 'nope'.*bundled"):
        load_flowsheet("nope")


def test_malformed_yaml(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("units: [\n  - a: b\n feeds", encoding="utf-8")
    with pytest.raises(FlowsheetError, match=r"bad.yaml.*not valid YAML at line"):
        load_flowsheet(p)


def test_unit_warnings_reach_the_result_and_its_report():
    # a roast claiming full oxidation at 873 K (below the 1173 K window) warns; the warning is
    # collected by the result (prefixed with the unit) and printed by its text report
    d = {"feeds": {"feed": {"rate_kg_per_h": 10.0, "composition": {"Fe": 1.0}}},
         "units": {"roast": {"type": "oxidative_roast", "params": {"T_K": 873.15},
                             "inlets": {"in": "feed"},
                             "outlets": {"out": "calcine", "offgas": "gas"}}}}
    res = Flowsheet.from_dict(d).solve()
    assert len(res.warnings) == 1 and res.warnings[0].startswith("units.roast: ")
    text = res.report()
    assert "Operating-window warnings" in text and "below the 1173 K" in text
    # the same flowsheet at the sourced temperature has none
    d["units"]["roast"]["params"] = {}
    res = Flowsheet.from_dict(d).solve()
    assert res.warnings == [] and "Operating-window warnings" not in res.report()


@given(st.integers(1, 9).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20))))
def test_strongly_connected_components_match_reachability(graph_spec):
    """Against an enumeration: two nodes share a component exactly when each reaches the other
    (transitive closure), and every edge between components points forward in the order."""
    from recyclopt.flowsheet import strongly_connected_components

    n, edges = graph_spec
    graph = {str(i): sorted({str(b) for a, b in edges if a == i}) for i in range(n)}
    reach = [[i == j for j in range(n)] for i in range(n)]
    for a, b in edges:
        reach[a][b] = True
    for k in range(n):  # Warshall's closure
        for i in range(n):
            for j in range(n):
                reach[i][j] = reach[i][j] or (reach[i][k] and reach[k][j])
    comps = strongly_connected_components(graph)
    where = {v: c for c, comp in enumerate(comps) for v in comp}
    assert sorted(where) == sorted(graph)  # every node exactly once
    assert sum(len(c) for c in comps) == n
    for i in range(n):
        for j in range(n):
            assert (where[str(i)] == where[str(j)]) == (reach[i][j] and reach[j][i])
    for a, b in edges:
        assert where[str(a)] <= where[str(b)]
