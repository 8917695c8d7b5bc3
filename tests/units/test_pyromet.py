"""Pyrometallurgical units: hand-checked figures, balances, linearity and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from unit_helpers import kg_h, reagent_kg_h, run

from recyclopt.errors import InputError
from recyclopt.flowsheet import Flowsheet
from recyclopt.flowsheet import single_unit as flowsheet
from recyclopt.streams import Stream
from recyclopt.units import unit_class
from recyclopt.units.pyromet import FARADAY

M_ND, M_PR, M_C, M_MG = 144.242, 140.908, 12.011, 24.305
M_FE, M_FE2O3 = 55.845, 159.69







def _comp(species, weights, rate):
    tot = sum(weights) or 1.0
    return {sp: rate * w / tot for sp, w in zip(species, weights, strict=True) if w > 0} or {
        species[0]: rate}


HDD_MAGNET = {"Nd": 22.9, "Pr": 2.7, "Dy": 1.4, "Fe": 69.8, "B": 0.9, "Co": 1.5, "Cu": 0.1,
              "Al": 0.3}  # wt%, feedstocks.csv HDD_VCM


# --------------------------------------------------------------------------- electrolysis
def test_electrolysis_energy_from_faraday():
    # CE 0.8, 10 V: 3 * 96485 * 10 / (0.8 * 0.144242 * 3.6e6) = 6.968 kWh DC per kg Nd
    # (the charge per kg Nd is 3 F / M = 2.007e6 C; / 0.8 x 10 V = 2.51e7 J = 6.97 kWh);
    # AC through a 96 % rectifier: 6.968 / 0.96 = 7.258 kWh
    p = {"current_efficiency": 0.8, "cell_voltage": 10.0, "conversion": 1.0, "pfc_cf4": 0.0}
    res = run("molten_salt_electrolysis", p, {"Nd2O3": 100.0})
    assert res.units["u"].info["DC_kWh_per_kg_metal"] == pytest.approx(
        3 * 96485 * 10 / (0.8 * 0.144242 * 3.6e6), rel=1e-4)
    kwh = 3 * 96485 * 10 / (0.8 * 0.144242 * 3.6e6) / 0.96
    assert res.units["u"].info["kWh_per_kg_metal"] == pytest.approx(kwh, rel=1e-4)
    nd_kg_h = kg_h(res, "s_metal", "Nd")
    assert nd_kg_h == pytest.approx(100.0 * 2 * M_ND / 336.48, rel=1e-4)
    # electricity in W = kWh/kg x kg/s x 3.6e6
    assert res.units["u"].electricity_W == pytest.approx(kwh * nd_kg_h / 3600 * 3.6e6, rel=1e-4)
    # the 10 V cell dissipates far more than the reaction takes up: heat is rejected
    assert res.units["u"].heat_rejected_W > 0.5 * res.units["u"].electricity_W
    assert FARADAY == pytest.approx(96485.332, rel=1e-8)


def test_electrolysis_anode_carbon():
    # all CO2: 2 Nd2O3 + 3 C -> 4 Nd + 3 CO2, 0.75 * 12.011 / 144.242 = 0.06245 kg C per kg Nd;
    # plus 10% air burn
    p = {"conversion": 1.0, "co_fraction": 0.0, "pfc_cf4": 0.0}
    res = run("molten_salt_electrolysis", p, {"Nd2O3": 100.0})
    nd = kg_h(res, "s_metal", "Nd")
    assert reagent_kg_h(res, "C") / nd == pytest.approx(0.75 * M_C / M_ND * 1.1, rel=1e-4)
    # all CO: Nd2O3 + 3 C -> 2 Nd + 3 CO, 1.5 * 12.011 / 144.242 = 0.1249 kg C per kg Nd
    res = run("molten_salt_electrolysis", {**p, "co_fraction": 1.0, "anode_burn": 0.0},
              {"Nd2O3": 100.0})
    assert reagent_kg_h(res, "C") / kg_h(res, "s_metal", "Nd") == pytest.approx(
        1.5 * M_C / M_ND, rel=1e-4)
    # Pr6O11 feeds as 3 Pr2O3 + O2: 6 Pr per mol, the same charge per Pr atom
    res = run("molten_salt_electrolysis", {**p, "current_efficiency": 0.8},
              {"Pr6O11": 100.0})
    assert kg_h(res, "s_metal", "Pr") == pytest.approx(100 * 6 * M_PR / 1021.44, rel=1e-4)
    kwh = 3 * 96485 * 10 / (0.8 * M_PR / 1000 * 3.6e6) / 0.96
    assert res.units["u"].info["kWh_per_kg_metal"] == pytest.approx(kwh, rel=1e-4)


def test_electrolysis_kwh_and_co2e_per_kg_by_hand():
    # defaults: CE 0.75, 10 V, rectifier 0.96:
    # 3 x 96485.33 x 10 / (0.75 x 0.144242 x 3.6e6) / 0.96 = 7.742 kWh per kg Nd
    # anode carbon, CO 2 mol%: 1.5 O per Nd = (2 - 0.02) C -> C = 0.757576 mol per mol Nd,
    # +10 % air burn to CO2; CO counted by its carbon:
    # 0.757576 x 1.1 x 44.009 / 144.242 = 0.2543 kg CO2 per kg Nd
    # PFC per kg metal: 0.5 g CF4 x 7380 + 0.05 g C2F6 x 12400 = 3.69 + 0.62 = 4.31 kg CO2e
    # (the PFC's own Nd, 4/3 x 0.5/88.004 + 2 x 0.05/138.01 mmol, adds 0.12 % metal)
    res = run("molten_salt_electrolysis", {"conversion": 1.0}, {"Nd2O3": 100.0})
    info = res.units["u"].info
    kwh = 3 * 96485.33212 * 10 / (0.75 * 0.144242 * 3.6e6) / 0.96
    assert kwh == pytest.approx(7.742, rel=1e-3)
    assert info["kWh_per_kg_metal"] == pytest.approx(kwh, rel=1e-4)  # M(Nd) 144.242 vs table
    nd_base = 100 * 2 * M_ND / 336.48
    pfc_nd = (4 / 3 * 0.5e-3 * nd_base / 88.004 + 2 * 0.05e-3 * nd_base / 138.01) * M_ND
    metal = nd_base + pfc_nd
    assert kg_h(res, "s_metal", "Nd") == pytest.approx(metal, rel=1e-4)
    co2 = 0.757576 * 1.1 * 44.009 / M_ND * nd_base
    pfc = (0.5e-3 * 7380 + 0.05e-3 * 12400) * nd_base
    assert info["direct_co2e_kg_per_kg_metal"] == pytest.approx((co2 + pfc) / metal, rel=1e-4)
    assert info["direct_co2e_kg_per_kg_metal"] == pytest.approx(4.56, rel=1e-2)
    # salt make-up 3 % of the metal, to the residue
    assert reagent_kg_h(res, "LiF") == pytest.approx(0.13 * 0.03 * nd_base, rel=1e-4)
    assert kg_h(res, "s_residue", "LiF") == pytest.approx(reagent_kg_h(res, "LiF"), rel=1e-12)


# --------------------------------------------------------------------------- LME + distillation
def test_liquid_metal_extraction_and_mg_recycle():
    res = run("liquid_metal_extraction", {}, {"Nd2Fe14B": 90.0, "Dy": 10.0})
    nd_in = Stream.from_masses({"Nd2Fe14B": 1.0}).element_flows()["Nd"] * 90.0
    assert kg_h(res, "s_extract", "Nd") == pytest.approx(0.98 * nd_in, rel=1e-9)
    assert kg_h(res, "s_extract", "Dy") == pytest.approx(0.93 * 10.0, rel=1e-9)
    assert kg_h(res, "s_extract", "Fe") == 0.0
    # Mg dose 10 kg/kg; 5% of it drains with the residue
    assert reagent_kg_h(res, "Mg") == pytest.approx(1000.0, rel=1e-12)
    assert kg_h(res, "s_extract", "Mg(l)") == pytest.approx(950.0, rel=1e-12)
    # Mg recycled at the optional inlet counts towards the dose
    d = {
        "feeds": {"magnet": {"flows_kg_per_h": {"Nd2Fe14B": 100.0}},
                  "mg": {"flows_kg_per_h": {"Mg": 600.0}}},
        "units": {"lme": {"type": "liquid_metal_extraction",
                          "inlets": {"in": "magnet", "mg": "mg"},
                          "outlets": {"extract": "ext", "residue": "res", "gas": "gas"}}},
    }
    res = Flowsheet.from_dict(d).solve()
    assert res.units["lme"].reagents.mass("Mg") * 3600 == pytest.approx(400.0, rel=1e-12)
    d["feeds"]["mg"]["flows_kg_per_h"]["Mg"] = 1200.0
    with pytest.raises(InputError, match="exceeds the dose"):
        Flowsheet.from_dict(d).solve()


def test_vacuum_distillation_heat_of_vaporisation():
    # feed already at 1073.15 K: heat = 127.4 kJ/mol / 24.305 g/mol / 0.6 efficiency
    # = 8.736 MJ per kg Mg = 2.4266 kWh per kg Mg distilled
    res = run("vacuum_distillation", {}, {"Mg(l)": 960.0, "Nd": 40.0}, T=1073.15)
    kwh = 127.4e3 / (M_MG / 1000) / 0.6 / 3.6e6
    assert res.units["u"].info["kWh_per_kg_Mg_distilled"] == pytest.approx(kwh, rel=1e-4)
    # Nd >99% in the metal at mg_recovery 0.9996: Mg left 0.0004 x 960 = 0.384 kg
    metal = res.streams["s_metal"]
    assert metal.mass("Nd") / metal.total > 0.99
    assert kg_h(res, "s_mg", "Mg") == pytest.approx(960.0 * 0.9996, rel=1e-12)


# --------------------------------------------------------------------------- smelting
def test_smelting_carbon_and_iron_by_hand():
    # Fe2O3 + 3 C -> 2 Fe + 3 CO: 3 * 12.011 / 159.69 = 0.2256 kg C per kg Fe2O3;
    # 2 * 55.845 / 159.69 = 0.6994 kg Fe per kg Fe2O3
    p = {"reduction": {"Fe": 1.0}, "metal_carbon": 0.0}
    res = run("smelting", p, {"Fe2O3": 100.0, "Nd2O3": 20.0})
    assert reagent_kg_h(res, "C") / 100 == pytest.approx(3 * M_C / M_FE2O3, rel=1e-4)
    assert kg_h(res, "s_metal", "Fe") / 100 == pytest.approx(2 * M_FE / M_FE2O3, rel=1e-4)
    assert kg_h(res, "s_slag", "Nd2O3") == pytest.approx(20.0, rel=1e-12)
    # flux goes to the slag; carburised metal carries metal_carbon per kg metal
    res = run("smelting", {"flux": {"CaO": 0.1}, "reduction": {"Fe": 1.0}},
              {"Fe2O3": 100.0})
    assert kg_h(res, "s_slag", "CaO") == pytest.approx(10.0, rel=1e-12)
    assert kg_h(res, "s_metal", "C") / kg_h(res, "s_metal", "Fe") == pytest.approx(0.043)


def test_smelting_reproduces_chung_grades():
    # Chung et al. 2022: metal 92.3 wt% Fe, slag 47.47 wt% REE at 1500 C. The default Fe
    # reduction and dissolved carbon were calibrated to these on the HDD_VCM magnet; the run
    # is at 1760 K because the Co data end at its melting point (1768 K).
    calcine = run("oxidative_roast", {}, HDD_MAGNET).streams["s_out"].nonzero()
    res = run("smelting", {"T_K": 1760.0}, {k: v * 3600 for k, v in calcine.items()})
    info = res.units["u"].info
    assert info["metal_Fe_wt"] == pytest.approx(0.923, abs=0.005)
    assert info["slag_REE_wt"] == pytest.approx(0.4747, abs=0.01)


# --------------------------------------------------------------------------- balances
fractions = st.floats(0.0, 1.0)
rates = st.floats(1e-2, 1e5)


@given(st.lists(fractions, min_size=6, max_size=6), rates, st.floats(0.3, 1.0),
       st.floats(3.0, 15.0), fractions, fractions, st.floats(0.0, 1.0))
def test_electrolysis_balances(w, rate, ce, v, conv, co, burn):
    sp = ["Nd2O3", "Pr6O11", "Pr2O3", "Dy2O3", "Tb4O7", "Fe2O3"]
    run("molten_salt_electrolysis", {"current_efficiency": ce, "cell_voltage": v,
                                     "conversion": conv, "co_fraction": co, "anode_burn": burn},
        _comp(sp, w, rate))


def test_electrolysis_per_kg_figures_without_metal_are_nan():
    # Hypothesis found this feed: Tb4O7 is pre-reduced to Tb2O3 in full (its O burns the anode
    # carbon to CO2), while a conversion of 2.2e-313 makes 5e-317 kg/s of metal. The CO2 is
    # real and reported per second; per kg of metal it is undefined (it was inf with an
    # overflow warning). At conversion 1 the same figures are finite and positive.
    import warnings

    p = {"current_efficiency": 1.0, "cell_voltage": 3.0, "co_fraction": 0.0,
         "anode_burn": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = run("molten_salt_electrolysis", {**p, "conversion": 2.2250738585e-313},
                  {"Tb4O7": 1.0})
    info = res.units["u"].info
    assert res.units["u"].outlets["metal"].total < 1e-300
    assert info["direct_co2e_kg_s"] > 1e-6
    for key in ("kWh_per_kg_metal", "DC_kWh_per_kg_metal", "C_kg_per_kg_metal",
                "direct_co2e_kg_per_kg_metal"):
        assert np.isnan(info[key]), key
    full = run("molten_salt_electrolysis", {**p, "conversion": 1.0}, {"Tb4O7": 1.0})
    assert all(0 < full.units["u"].info[k] < np.inf for k in
               ("kWh_per_kg_metal", "C_kg_per_kg_metal", "direct_co2e_kg_per_kg_metal"))


@given(st.lists(fractions, min_size=7, max_size=7), rates, st.floats(1.0, 20.0), fractions,
       fractions)
def test_lme_balances(w, rate, ratio, dy, ent):
    sp = ["Nd2Fe14B", "Dy2Fe14B", "Nd", "Fe", "B", "Nd2O3", "NdH2"]
    run("liquid_metal_extraction", {"mg_ratio": ratio, "extraction": {"Dy": dy},
                                    "mg_entrainment": ent}, _comp(sp, w, rate))


@given(st.lists(fractions, min_size=4, max_size=4), rates, fractions,
       st.floats(950.0, 1300.0), st.floats(298.15, 1300.0))
def test_distillation_balances(w, rate, rec, T, Td):
    sp = ["Mg(l)", "Nd", "Pr", "Dy"]
    run("vacuum_distillation", {"mg_recovery": rec, "T_K": T, "discharge_T_K": Td},
        _comp(sp, w, rate), T=1100.0)


@given(st.lists(fractions, min_size=7, max_size=7), rates, fractions, fractions,
       st.floats(0.0, 1.0), st.floats(0.0, 0.5))
def test_smelting_balances(w, rate, fe, co, excess, caO):
    sp = ["Fe2O3", "NdFeO3", "Nd2O3", "Pr6O11", "Dy2O3", "B2O3", "CuO"]
    run("smelting", {"reduction": {"Fe": fe}, "co_fraction": co, "carbon_excess": excess,
                     "flux": {"CaO": caO, "Al2O3": caO / 2}}, _comp(sp, w, rate))


# --------------------------------------------------------------------------- linearity
@pytest.mark.parametrize("unit_type, params, a, b, T", [
    ("molten_salt_electrolysis", {}, {"Nd2O3": 70.0}, {"Pr6O11": 20.0, "Dy2O3": 5.0}, 298.15),
    ("liquid_metal_extraction", {}, {"Nd2Fe14B": 80.0}, {"Dy2Fe14B": 5.0, "Fe": 20.0}, 298.15),
    ("vacuum_distillation", {}, {"Mg(l)": 100.0, "Nd": 4.0}, {"Mg(l)": 50.0, "Pr": 1.0},
     1173.15),
    ("smelting", {}, {"Fe2O3": 90.0, "Nd2O3": 25.0}, {"NdFeO3": 10.0, "B2O3": 3.0}, 298.15),
])
def test_units_are_linear_in_the_feed(unit_type, params, a, b, T):
    fs = flowsheet(unit_type, params, a, T)

    def outputs(flows):
        s = Stream.from_masses({k: v / 3600 for k, v in flows.items()}, T=T)
        res = fs.solve({"feed": s})
        vecs = [res.streams[n].flows for n in sorted(res.streams) if n != "feed"]
        e = res.units["u"].electricity_W + res.units["u"].heat_W
        return np.concatenate(vecs + [res.units["u"].reagents.flows, [e]])

    both = {k: a.get(k, 0.0) + b.get(k, 0.0) for k in set(a) | set(b)}
    np.testing.assert_allclose(outputs(both), outputs(a) + outputs(b), rtol=1e-9, atol=1e-15)


# --------------------------------------------------------------------------- bad input
def test_bad_parameters_name_field_and_range():
    with pytest.raises(InputError, match=r"'current_efficiency': 0 - is outside the allowed "
                                         r"range \[0.05, 1\]"):
        flowsheet("molten_salt_electrolysis", {"current_efficiency": 0.0}, {"Nd2O3": 1.0})
    with pytest.raises(InputError, match=r"'conversion': 1.1 - is outside .*\[0, 1\]"):
        flowsheet("molten_salt_electrolysis", {"conversion": 1.1}, {"Nd2O3": 1.0})
    with pytest.raises(InputError, match=r"'anode_burn': -0.2 - is outside .*\[0, 5\]"):
        flowsheet("molten_salt_electrolysis", {"anode_burn": -0.2}, {"Nd2O3": 1.0})
    with pytest.raises(InputError, match=r"'carbon_excess': -0.5 - is outside .*\[0, 5\]"):
        flowsheet("smelting", {"carbon_excess": -0.5}, {"Fe2O3": 1.0})
    with pytest.raises(InputError, match=r"'reduction.Fe': 1.5 - is outside .*\[0, 1\]"):
        flowsheet("smelting", {"reduction": {"Fe": 1.5}}, {"Fe2O3": 1.0})
    with pytest.raises(InputError, match=r"'reduction': element 'Nd' cannot be reduced"):
        flowsheet("smelting", {"reduction": {"Nd": 0.5}}, {"Fe2O3": 1.0})
    with pytest.raises(InputError, match=r"'extraction': 'Fe' is not a rare earth"):
        flowsheet("liquid_metal_extraction", {"extraction": {"Fe": 0.5}}, {"Nd2Fe14B": 1.0})
    with pytest.raises(InputError, match=r"'mg_recovery': 1.01 - is outside .*\[0, 1\]"):
        flowsheet("vacuum_distillation", {"mg_recovery": 1.01}, {"Mg(l)": 1.0}, T=1100.0)
    with pytest.raises(InputError, match=r"unknown parameter.*'voltage'"):
        unit_class("molten_salt_electrolysis")("u", voltage=9.0)


def test_smelting_at_its_default_temperature_takes_a_real_hdd_magnet():
    # Co (1768 K) and Ni (1728 K) melt below the 1500 C default: the liquid rows of the thermo
    # table (NIST-JANAF Co-001, Ni-001) let a roasted HDD magnet with its Ni coating smelt
    d = {"feeds": {"feed": {"feedstock": "HDD_VCM", "rate_kg_per_h": 100.0}},
         "units": {"roast": {"type": "oxidative_roast", "inlets": {"in": "feed"},
                             "outlets": {"out": "calcine", "offgas": "g1"}},
                   "smelt": {"type": "smelting", "inlets": {"in": "calcine"},
                             "outlets": {"metal": "metal", "slag": "slag", "offgas": "g2"}}}}
    res = Flowsheet.from_dict(d).solve()
    res.check_balances(1e-9)
    assert res.streams["metal"].element_flows()["Ni"] > 0
