"""Hydrometallurgical units: hand-checked figures, balances, linearity and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from unit_helpers import kg_h, reagent_kg_h, run

from recyclopt.chemistry import default_registry
from recyclopt.errors import InputError
from recyclopt.flowsheet import Flowsheet
from recyclopt.flowsheet import single_unit as flowsheet
from recyclopt.streams import Stream
from recyclopt.units.hydromet import fe_coprecipitation, oxalate_recovery

# molar masses (g/mol) used in the hand checks
M_ND, M_HCL, M_H2SO4, M_ND2O3 = 144.242, 36.461, 98.079, 336.48
M_OX, M_OX2H2O, M_NDOX = 90.035, 126.065, 732.7
M_FE, M_FE2O3, M_O2, M_N2 = 55.845, 159.69, 31.998, 28.014
M_CU, M_CUNO3 = 63.546, 187.56






MAGNET = {"Nd2Fe14B": 85.0, "Nd": 5.0, "Pr": 3.0, "Dy": 2.0, "Fe": 3.0, "Co": 1.5, "B": 0.5}


def roasted_magnet():
    return run("oxidative_roast", {}, MAGNET).streams["s_out"].nonzero()


# --------------------------------------------------------------------------- hand values
def test_leach_acid_per_kg_nd2o3():
    # Nd2O3 + 6 HCl -> 2 NdCl3 + 3 H2O: 6 * 36.461 / 336.48 = 0.6502 kg HCl per kg Nd2O3
    res = run("leach", {"dissolution": {"Nd": 1.0}, "acid_excess": 0.0}, {"Nd2O3": 100.0})
    assert reagent_kg_h(res, "HCl(aq)") / 100.0 == pytest.approx(6 * M_HCL / M_ND2O3, rel=1e-4)
    assert kg_h(res, "s_out", "HCl(aq)") == pytest.approx(0.0, abs=1e-9)
    # default excess: n(HCl)/n(Nd) = 3.5 -> 0.6502 * 3.5 / 3 = 0.7585 kg/kg
    res = run("leach", {"dissolution": {"Nd": 1.0}}, {"Nd2O3": 100.0})
    assert reagent_kg_h(res, "HCl(aq)") / 100.0 == pytest.approx(
        6 * M_HCL / M_ND2O3 * 3.5 / 3, rel=1e-4)
    # water: plant-scale liquid_to_solid 4 kg per kg solids
    assert reagent_kg_h(res, "H2O(l)") == pytest.approx(400.0, rel=1e-12)


def test_leach_recycle_is_credited_against_the_draws():
    # 100 kg/h Nd2O3 needs 6 x 36.461 / 336.48 x 3.5 / 3 x 100 = 75.85 kg/h HCl and 400 kg/h
    # water; a recycle bringing 50 kg/h HCl and 300 kg/h water leaves 25.85 and 100 to buy
    feed = {"feeds": {"feed": {"rate_kg_per_h": 100.0, "composition": {"Nd2O3": 1.0}},
                      "ret": {"rate_kg_per_h": 350.0,
                              "composition": {"HCl(aq)": 50 / 350, "H2O(l)": 300 / 350}}},
            "units": {"u": {"type": "leach", "params": {"dissolution": {"Nd": 1.0}},
                            "inlets": {"in": "feed", "recycle": "ret"},
                            "outlets": {"out": "s_out", "gas": "s_gas"}}}}
    res = Flowsheet.from_dict(feed).solve()
    need = 6 * M_HCL / M_ND2O3 * 3.5 / 3 * 100
    assert reagent_kg_h(res, "HCl(aq)") == pytest.approx(need - 50.0, rel=1e-4)
    assert reagent_kg_h(res, "H2O(l)") == pytest.approx(100.0, rel=1e-9)
    assert res.warnings == []


def test_hcl_demand_includes_the_chlorine_of_pr6o11():
    # Pr6O11 + 22 HCl -> 6 PrCl3 + 11 H2O + 2 Cl2 (Pr(IV) oxidises chloride), not 18 HCl + O2:
    # M(Pr6O11) = 6 x 140.908 + 11 x 15.999 = 1021.437 g/mol
    # HCl 22 x 36.461 / 1021.437 = 0.7853 kg/kg; Cl2 2 x 70.906 / 1021.437 = 0.1388 kg/kg
    m_pr6o11, m_cl2 = 6 * 140.908 + 11 * 15.999, 70.906
    res = run("leach", {"dissolution": {"Pr": 1.0}, "acid_excess": 0.0}, {"Pr6O11": 100.0})
    assert reagent_kg_h(res, "HCl(aq)") / 100 == pytest.approx(22 * M_HCL / m_pr6o11, rel=1e-4)
    assert kg_h(res, "s_gas", "Cl2") / 100 == pytest.approx(2 * m_cl2 / m_pr6o11, rel=1e-4)
    assert kg_h(res, "s_gas", "O2") == 0.0
    assert res.units["u"].info["Cl2_kg_per_kg_feed"] == pytest.approx(2 * m_cl2 / m_pr6o11,
                                                                     rel=1e-4)
    assert any("Cl2" in w for w in res.warnings)
    # Tb4O7 + 14 HCl -> 4 TbCl3 + 7 H2O + Cl2; M = 4 x 158.925 + 7 x 15.999 = 747.693
    res = run("leach", {"dissolution": {"Tb": 1.0}, "acid_excess": 0.0}, {"Tb4O7": 100.0})
    assert reagent_kg_h(res, "HCl(aq)") / 100 == pytest.approx(14 * M_HCL / 747.693, rel=1e-4)
    # in sulfuric acid the same oxide releases O2 instead: 2 Pr6O11 + 18 H2SO4 ->
    # 6 Pr2(SO4)3 + 18 H2O + 2 O2, i.e. 1 O2 per Pr6O11 (31.998 / 1021.437 kg/kg)
    res = run("leach", {"acid": "H2SO4", "dissolution": {"Pr": 1.0}, "acid_excess": 0.0},
              {"Pr6O11": 100.0})
    assert kg_h(res, "s_gas", "O2") / 100 == pytest.approx(M_O2 / m_pr6o11, rel=1e-4)


def test_leach_metal_releases_hydrogen_and_sulfate_stoichiometry():
    # Nd + 3 HCl -> NdCl3 + 1.5 H2: 3 * 36.461 / 144.242 = 0.7583 kg HCl/kg Nd,
    # 1.5 * 2.016 / 144.242 = 0.02096 kg H2/kg Nd
    res = run("leach", {"mode": "total", "dissolution": {"Nd": 1.0}, "acid_excess": 0.0},
              {"Nd": 100.0})
    assert reagent_kg_h(res, "HCl(aq)") / 100.0 == pytest.approx(3 * M_HCL / M_ND, rel=1e-4)
    assert kg_h(res, "s_gas", "H2") / 100.0 == pytest.approx(1.5 * 2.016 / M_ND, rel=1e-3)
    # Fe + 2 HCl -> FeCl2 + H2 (Fe metal dissolves as Fe2+)
    res = run("leach", {"mode": "total", "dissolution": {"Fe": 1.0}, "acid_excess": 0.0},
              {"Fe": 100.0})
    assert reagent_kg_h(res, "HCl(aq)") / 100.0 == pytest.approx(2 * M_HCL / M_FE, rel=1e-4)
    assert kg_h(res, "s_out", "FeCl3(aq)") == 0.0
    # Nd2O3 + 3 H2SO4 -> Nd2(SO4)3 + 3 H2O: 3 * 98.079 / 336.48 = 0.8745 kg/kg
    res = run("leach", {"acid": "H2SO4", "dissolution": {"Nd": 1.0}, "acid_excess": 0.0},
              {"Nd2O3": 100.0})
    assert reagent_kg_h(res, "H2SO4(aq)") / 100.0 == pytest.approx(3 * M_H2SO4 / M_ND2O3,
                                                                  rel=1e-4)


def test_selective_leach_of_roasted_magnet_leaves_iron():
    res = run("leach", {}, roasted_magnet())
    out = res.streams["s_out"]
    reg = out.registry
    aq = np.array([s.phase == "aq" for s in reg.species])
    fe_aq = reg.element_vector(np.where(aq, out.flows, 0.0))[reg.element_index["Fe"]]
    nd_aq = reg.element_vector(np.where(aq, out.flows, 0.0))[reg.element_index["Nd"]]
    assert fe_aq / out.element_flows()["Fe"] == pytest.approx(0.01, rel=1e-9)
    assert nd_aq / out.element_flows()["Nd"] == pytest.approx(0.925, rel=1e-9)
    # Pr6O11 is reduced on dissolution and oxidises chloride:
    # Pr6O11 + 22 HCl -> 6 PrCl3 + 11 H2O + 2 Cl2
    assert kg_h(res, "s_gas", "Cl2") > 0
    assert kg_h(res, "s_gas", "O2") == 0.0


def test_roast_warns_below_its_temperature_window():
    # complete oxidation needs > 1173 K for 1 h (J. Japan Inst. Met. Mater. 78 (2014) 258):
    # full conversion claimed at 873 K is flagged, at the default 1173.15 K it is not
    res = run("oxidative_roast", {"T_K": 873.15}, {"Fe": 10.0})
    (w,) = res.warnings
    assert "1 oxidation at 873 K, below the 1173 K" in w
    assert run("oxidative_roast", {}, {"Fe": 10.0}).warnings == []
    assert run("oxidative_roast", {"T_K": 873.15, "default_conversion": 0.5},
               {"Fe": 10.0}).warnings == []


def test_roast_iron_air_and_calcine():
    # 4 Fe + 3 O2 -> 2 Fe2O3: 0.75 * 31.998 / 55.845 = 0.4297 kg O2 per kg Fe;
    # air at 50% excess: O2 0.6446, N2 0.6446 / 31.998 * 79/21 * 28.014 = 2.123 kg/kg
    res = run("oxidative_roast", {}, {"Fe": 100.0})
    o2 = 0.75 * M_O2 / M_FE
    assert reagent_kg_h(res, "O2") / 100 == pytest.approx(1.5 * o2, rel=1e-4)
    assert reagent_kg_h(res, "N2") / 100 == pytest.approx(1.5 * o2 / M_O2 * 79 / 21 * M_N2,
                                                          rel=1e-4)
    assert kg_h(res, "s_offgas", "O2") / 100 == pytest.approx(0.5 * o2, rel=1e-4)
    assert kg_h(res, "s_out", "Fe2O3") / 100 == pytest.approx(M_FE2O3 / (2 * M_FE), rel=1e-4)
    # Fe oxidation releases 825.5 kJ per mol Fe2O3 (7.39 MJ/kg Fe): the roast rejects heat
    assert res.units["u"].heat_rejected_W > 0 and res.units["u"].heat_W == 0


def test_roast_rare_earth_oxides_and_perovskite():
    res = run("oxidative_roast", {}, {"Pr": 10.0, "Tb": 10.0, "Nd2Fe14B": 50.0, "NdH2": 5.0})
    assert kg_h(res, "s_out", "Pr6O11") / 10 == pytest.approx(1021.44 / (6 * 140.908), rel=1e-3)
    assert kg_h(res, "s_out", "Tb4O7") / 10 == pytest.approx(747.7 / (4 * 158.925), rel=1e-3)
    assert kg_h(res, "s_out", "B2O3") > 0 and kg_h(res, "s_offgas", "H2O(g)") > 0
    # all Nd into NdFeO3 (Fe in excess): 144.242 + 55.845 + 3 x 15.999 = 248.08 g per 144.242 g
    res = run("oxidative_roast", {"perovskite_fraction": 1.0}, {"Nd": 10.0, "Fe": 40.0})
    assert kg_h(res, "s_out", "NdFeO3") / 10 == pytest.approx(248.084 / M_ND, rel=1e-4)
    assert kg_h(res, "s_out", "Nd2O3") == pytest.approx(0.0, abs=1e-12)


def test_oxalic_acid_per_kg_nd_at_1_2x():
    # 1.5 mol H2C2O4 per mol Nd x 90.035 g/mol x 1.2 / 144.242 = 1.1237 kg per kg Nd
    nd = 10.0
    ndcl3 = nd * (M_ND + 3 * 35.453) / M_ND
    res = run("oxalate_precipitation", {"reagent": "H2C2O4(aq)"},
              {"NdCl3(aq)": ndcl3, "H2O(l)": 500.0}, T=333.15)
    assert reagent_kg_h(res, "H2C2O4(aq)") / nd == pytest.approx(1.5 * M_OX * 1.2 / M_ND,
                                                                 rel=1e-4)
    # recovery 96.7%: 0.967 * (nd / 144.242 / 2) mol/h of Nd2(C2O4)3·10H2O (732.7 g/mol)
    assert kg_h(res, "s_out", "Nd2(C2O4)3·10H2O") == pytest.approx(
        0.967 * nd / M_ND / 2 * M_NDOX, rel=1e-4)
    # the dihydrate: 1.5 x 126.065 x 1.2 / 144.242 = 1.5734 kg per kg Nd
    res = run("oxalate_precipitation", {}, {"NdCl3(aq)": ndcl3, "H2O(l)": 500.0}, T=333.15)
    assert reagent_kg_h(res, "H2C2O4·2H2O") / nd == pytest.approx(1.5 * M_OX2H2O * 1.2 / M_ND,
                                                                  rel=1e-4)
    assert res.units["u"].info["recovery"] == pytest.approx(0.967)


def test_oxalate_dose_curve_and_iron_coprecipitation():
    assert oxalate_recovery(1.0) == pytest.approx(0.93)
    assert oxalate_recovery(1.1) == pytest.approx(0.9485)
    assert oxalate_recovery(1.4) == pytest.approx(0.981)
    assert oxalate_recovery(2.0) == pytest.approx(0.981)  # held above the last point
    assert fe_coprecipitation(1.0) == 0.0
    assert fe_coprecipitation(1.4) == pytest.approx(0.07)
    res = run("oxalate_precipitation", {"dose_ratio": 1.4},
              {"NdCl3(aq)": 25.0, "FeCl2(aq)": 5.0, "FeCl3(aq)": 5.0, "H2O(l)": 500.0},
              T=333.15)
    fe2_mol = 5.0 / 126.751
    assert kg_h(res, "s_out", "FeC2O4·2H2O") == pytest.approx(0.07 * fe2_mol * 179.89, rel=1e-3)
    assert kg_h(res, "s_out", "FeCl3(aq)") == pytest.approx(5.0, rel=1e-12)  # Fe(III) stays


def test_calcination_oxalate_to_oxide_ratio():
    # Nd2(C2O4)3·10H2O -> Nd2O3: 732.7 / 336.48 = 2.177 kg oxalate per kg oxide
    res = run("calcination", {}, {"Nd2(C2O4)3·10H2O": 100.0})
    assert 100.0 / kg_h(res, "s_out", "Nd2O3") == pytest.approx(M_NDOX / M_ND2O3, rel=1e-4)
    # 3 CO + 3 CO2 + 10 H2O per mol; all CO burnt: 6 CO2 and 1.5 O2 per mol
    n = 100.0 / M_NDOX
    assert kg_h(res, "s_offgas", "CO2") == pytest.approx(6 * n * 44.009, rel=1e-4)
    assert kg_h(res, "s_offgas", "H2O(g)") == pytest.approx(10 * n * 18.015, rel=1e-4)
    assert reagent_kg_h(res, "O2") == pytest.approx(1.5 * 1.5 * n * M_O2, rel=1e-4)
    # without afterburning: 3 CO + 3 CO2 and no air
    res = run("calcination", {"co_burn": 0.0}, {"Nd2(C2O4)3·10H2O": 100.0})
    assert kg_h(res, "s_offgas", "CO") == pytest.approx(3 * n * 28.010, rel=1e-4)
    assert res.units["u"].reagents.total == 0.0
    # the decomposition is endothermic: heat must be supplied
    assert res.units["u"].heat_W > 0


def test_solid_liquid_separation_by_hand():
    # 10 kg solids, 100 kg liquor (95 water + 5 NdCl3): cake solids 9.99 kg (0.1% fines);
    # cake water 0.3 x 9.99 = 2.997 kg; NdCl3 carried: the unwashed 10% of a 0.3/10 = 3%
    # share of the solute, 0.1 x 0.03 x 5 = 0.015 kg; wash 2 x (2.997 + 0.015) = 6.024 kg
    feed = {"Fe2O3": 10.0, "H2O(l)": 95.0, "NdCl3(aq)": 5.0}
    res = run("solid_liquid_separation", {}, feed, T=320.0)
    assert kg_h(res, "s_cake", "Fe2O3") == pytest.approx(9.99, rel=1e-12)
    assert kg_h(res, "s_cake", "NdCl3(aq)") == pytest.approx(0.015, rel=1e-9)
    assert kg_h(res, "s_cake", "H2O(l)") == pytest.approx(2.997, rel=1e-9)
    assert kg_h(res, "s_filtrate", "NdCl3(aq)") == pytest.approx(4.985, rel=1e-9)
    assert reagent_kg_h(res, "H2O(l)") == pytest.approx(6.024, rel=1e-12)
    assert res.units["u"].warnings == []  # feed at the design liquor-to-solid 10
    # exact per-kg-solids entrainment: cake liquor / cake solids = moisture
    res = run("solid_liquid_separation", {"entrainment": "actual", "moisture": 0.4}, feed,
              T=320.0)
    assert res.units["u"].info["cake_moisture_kg_per_kg"] == pytest.approx(0.4, rel=1e-9)


def test_cake_water_of_a_dilute_oxalate_slurry_after_washing():
    # A strip-liquor oxalate slurry: 1 kg Dy oxalate in 300 kg liquor (297 water + 3 HCl),
    # 30x the design liquor-to-solid. Cake solids 0.999 kg; water 0.3 kg/kg -> 0.2997 kg;
    # HCl carried 0.1 x 0.03 x 3 = 0.009 kg: 0.3 kg water per kg of cake solids after washing
    # (the old design-fraction cake held 0.03 x 297 = 8.9 kg water per kg).
    feed = {"Dy2(C2O4)3·10H2O": 1.0, "H2O(l)": 297.0, "HCl(aq)": 3.0}
    res = run("solid_liquid_separation", {}, feed, T=333.15)
    info = res.units["u"].info
    assert kg_h(res, "s_cake", "H2O(l)") == pytest.approx(0.2997, rel=1e-9)
    assert kg_h(res, "s_cake", "HCl(aq)") == pytest.approx(0.009, rel=1e-9)
    assert info["cake_water_kg_per_kg"] == pytest.approx(0.3, rel=1e-9)
    assert info["cake_moisture_kg_per_kg"] == pytest.approx(0.3087 / 0.999, rel=1e-9)
    # the design point is 30x off: the unit says so
    (w,) = res.units["u"].warnings
    assert "liquor-to-solid 300 kg/kg is 30x design_liquor_to_solid 10" in w
    assert res.warnings == [f"units.u: {w}"]


def test_cake_wetter_than_its_dry_feed_is_refused():
    with pytest.raises(InputError, match="less water than its cake retains"):
        run("solid_liquid_separation", {"wash_ratio": 0.9}, {"Fe2O3": 10.0, "H2O(l)": 0.1})


def test_nitrate_dissolution_cements_copper_and_leaves_iron():
    # 2 Nd + 3 Cu(NO3)2 -> 2 Nd(NO3)3 + 3 Cu: 1.5 * 63.546 / 144.242 = 0.6608 kg Cu per kg Nd;
    # dose 2 x 1.5 * 187.56 / 144.242 = 3.901 kg Cu(NO3)2 per kg Nd
    res = run("nitrate_dissolution", {"dissolution": {"Nd": 1.0}}, {"Nd": 10.0})
    assert kg_h(res, "s_out", "Cu") / 10 == pytest.approx(1.5 * M_CU / M_ND, rel=1e-4)
    assert reagent_kg_h(res, "Cu(NO3)2(aq)") / 10 == pytest.approx(2 * 1.5 * M_CUNO3 / M_ND,
                                                                   rel=1e-4)
    res = run("nitrate_dissolution", {}, MAGNET)
    fe_in = Stream.from_masses({k: v / 3600 for k, v in MAGNET.items()}).element_flows()["Fe"]
    assert kg_h(res, "s_out", "Fe") / 3600 == pytest.approx(fe_in, rel=1e-9)
    assert kg_h(res, "s_out", "Nd2Fe14B") == 0.0


def test_nitrate_dissolution_takes_oxidised_swarf_by_exchange():
    # Nd2O3 + 3 Cu(NO3)2 -> 2 Nd(NO3)3 + 3 CuO at 98.5 %: per 100 kg Nd2O3 (0.29720 kmol)
    # CuO 3 x 0.29720 x 0.985 x 79.545 = 69.86 kg; Nd(NO3)3 2 x 0.29720 x 0.985 x 330.257
    # = 193.36 kg; Cu(NO3)2 dose 2 x 1.5 x 2 x 0.29720 kmol x 187.56 = 334.4 kg
    m_cuo, m_ndno3 = 79.545, 144.242 + 3 * 62.004
    n = 100.0 / M_ND2O3
    res = run("nitrate_dissolution", {}, {"Nd2O3": 100.0})
    assert kg_h(res, "s_out", "CuO") == pytest.approx(3 * n * 0.985 * m_cuo, rel=1e-4)
    assert kg_h(res, "s_out", "Nd(NO3)3(aq)") == pytest.approx(2 * n * 0.985 * m_ndno3,
                                                             rel=1e-4)
    assert reagent_kg_h(res, "Cu(NO3)2(aq)") == pytest.approx(2 * 1.5 * 2 * n * M_CUNO3,
                                                              rel=1e-4)
    # Pr6O11 + 9 Cu(NO3)2 -> 6 Pr(NO3)3 + 9 CuO + O2: 1 O2 per Pr6O11 (31.998/1021.437 kg/kg)
    res = run("nitrate_dissolution", {"oxide_dissolution": 1.0}, {"Pr6O11": 100.0})
    assert kg_h(res, "s_gas", "O2") == pytest.approx(100 * M_O2 / 1021.437, rel=1e-4)
    # Fe2O3 is not attacked
    res = run("nitrate_dissolution", {}, {"Fe2O3": 100.0})
    assert kg_h(res, "s_out", "Fe2O3") == pytest.approx(100.0, rel=1e-12)


# --------------------------------------------------------------------------- balances
fractions = st.floats(0.0, 1.0)
rates = st.floats(1e-2, 1e5)


def _comp(species, weights, rate):
    tot = sum(weights) or 1.0
    return {sp: rate * w / tot for sp, w in zip(species, weights, strict=True) if w > 0} or {
        species[0]: rate}


@given(st.lists(fractions, min_size=9, max_size=9), rates, fractions, st.floats(0.0, 3.0),
       st.floats(673.15, 1300.0))
def test_roast_balances(w, rate, conv, excess, T):
    sp = ["Nd2Fe14B", "Pr2Fe14B", "Dy2Fe14B", "Fe", "Nd", "B", "Co", "Cu", "Tb"]
    # unconverted hydrides would leave above their data range: keep them out
    run("oxidative_roast", {"conversion": {"Fe": conv, "Nd": conv}, "air_excess": excess,
                            "T_K": T}, _comp(sp, w, rate))


@given(st.lists(fractions, min_size=8, max_size=8), rates, st.sampled_from(["HCl", "H2SO4"]),
       st.sampled_from(["selective", "total"]), fractions, st.floats(0.0, 2.0),
       st.floats(0.5, 50.0))
def test_leach_balances(w, rate, acid, mode, f_fe, excess, ls):
    sp = ["Nd2O3", "Pr6O11", "Dy2O3", "Tb4O7", "Fe2O3", "NdFeO3", "Nd2Fe14B", "CoO"]
    run("leach", {"acid": acid, "mode": mode, "dissolution": {"Fe": f_fe},
                  "acid_excess": excess, "liquid_to_solid": ls}, _comp(sp, w, rate))


@given(st.lists(fractions, min_size=6, max_size=6), rates, st.floats(0.0, 2.0), fractions,
       st.floats(1.0, 5.0), st.sampled_from(["design", "actual"]))
def test_solid_liquid_balances(w, rate, moisture, eta, wash, mode):
    sp = ["Fe2O3", "Nd2O3", "H2O(l)", "NdCl3(aq)", "HCl(aq)", "FeCl2(aq)"]
    # wash_ratio >= 1 supplies the cake's liquid even from a dry feed
    run("solid_liquid_separation", {"moisture": moisture, "wash_efficiency": eta,
                                    "wash_ratio": wash, "entrainment": mode},
        _comp(sp, w, rate), T=330.0)


@given(st.lists(fractions, min_size=5, max_size=5), rates, st.floats(1.0, 2.0),
       st.sampled_from(["H2C2O4·2H2O", "H2C2O4(aq)"]))
def test_oxalate_balances(w, rate, dose, reagent):
    sp = ["NdCl3(aq)", "PrCl3(aq)", "DyCl3(aq)", "Nd2(SO4)3(aq)", "FeCl2(aq)"]
    flows = _comp(sp, w, rate)
    flows["H2O(l)"] = 20.0 * rate  # dilute liquor
    flows["FeCl2(aq)"] = min(flows.get("FeCl2(aq)", 0.0), 0.1 * rate)
    run("oxalate_precipitation", {"dose_ratio": dose, "reagent": reagent}, flows, T=333.15)


@given(st.lists(fractions, min_size=7, max_size=7), rates, fractions, st.floats(873.15, 1290.0))
def test_calcination_balances(w, rate, burn, T):
    sp = ["Nd2(C2O4)3·10H2O", "Pr2(C2O4)3·10H2O", "Dy2(C2O4)3·10H2O", "FeC2O4·2H2O",
          "H2O(l)", "NdCl3(aq)", "HCl(aq)"]
    run("calcination", {"co_burn": burn, "T_K": T}, _comp(sp, w, rate), T=320.0)


@given(st.lists(fractions, min_size=8, max_size=8), rates, st.floats(1.0, 5.0), fractions)
def test_nitrate_balances(w, rate, ratio, fe_ox):
    sp = ["Nd2Fe14B", "Dy2Fe14B", "Nd", "Pr", "Fe", "NdH2", "Nd2O3", "Pr6O11"]
    run("nitrate_dissolution", {"reagent_ratio": ratio, "fe_oxidation": fe_ox},
        _comp(sp, w, rate))


# --------------------------------------------------------------------------- linearity
@pytest.mark.parametrize("unit_type, params, a, b, T", [
    ("oxidative_roast", {}, MAGNET, {"Fe": 10.0, "Nd": 30.0}, 298.15),
    ("leach", {}, {"Nd2O3": 30.0, "Fe2O3": 60.0}, {"Pr6O11": 5.0, "NdFeO3": 20.0}, 298.15),
    ("solid_liquid_separation", {}, {"Fe2O3": 10.0, "H2O(l)": 100.0},
     {"Nd2O3": 3.0, "NdCl3(aq)": 7.0, "H2O(l)": 40.0}, 330.0),
    ("oxalate_precipitation", {}, {"NdCl3(aq)": 20.0, "H2O(l)": 400.0},
     {"DyCl3(aq)": 2.0, "FeCl2(aq)": 1.0, "H2O(l)": 100.0}, 333.15),
    ("calcination", {}, {"Nd2(C2O4)3·10H2O": 10.0}, {"Pr2(C2O4)3·10H2O": 5.0, "H2O(l)": 3.0},
     330.0),
    ("nitrate_dissolution", {}, MAGNET, {"Nd": 5.0, "Fe": 10.0}, 298.15),
])
def test_units_are_linear_in_the_feed(unit_type, params, a, b, T):
    """Outlet and reagent mass flows of feed a + b equal those of a plus those of b."""
    fs = flowsheet(unit_type, params, a, T)
    reg = default_registry()

    def outputs(flows):
        s = Stream.from_masses({k: v / 3600 for k, v in flows.items()}, T=T)
        res = fs.solve({"feed": s})
        vecs = [res.streams[n].flows for n in sorted(res.streams) if n != "feed"]
        return np.concatenate(vecs + [res.units["u"].reagents.flows])

    both = {k: a.get(k, 0.0) + b.get(k, 0.0) for k in set(a) | set(b)}
    np.testing.assert_allclose(outputs(both), outputs(a) + outputs(b), rtol=1e-9, atol=1e-15)
    assert len(reg)  # registry loaded


# --------------------------------------------------------------------------- bad input
def test_conversion_above_one_names_parameter_and_range():
    with pytest.raises(InputError, match=r"'conversion.Fe': 1.2 - is outside the allowed range "
                                         r"\[0, 1\]"):
        flowsheet("oxidative_roast", {"conversion": {"Fe": 1.2}}, {"Fe": 1.0})


def test_negative_excess_names_parameter_and_range():
    with pytest.raises(InputError, match=r"'acid_excess': -0.1 - is outside the allowed range "
                                         r"\[0, 10\]"):
        flowsheet("leach", {"acid_excess": -0.1}, {"Nd2O3": 1.0})
    with pytest.raises(InputError, match=r"'air_excess': -1 .*\[0, 10\]"):
        flowsheet("calcination", {"air_excess": -1.0}, {"Nd2(C2O4)3·10H2O": 1.0})


def test_other_bad_parameters():
    with pytest.raises(InputError, match=r"'dose_ratio': 2.5 .*\[1, 2\]"):
        flowsheet("oxalate_precipitation", {"dose_ratio": 2.5}, {"NdCl3(aq)": 1.0})
    with pytest.raises(InputError, match=r"'dissolution'.*unknown element 'Xx'"):
        flowsheet("leach", {"dissolution": {"Xx": 0.5}}, {"Nd2O3": 1.0})
    with pytest.raises(InputError, match=r"'acid'.*'HNO3'.*allowed"):
        flowsheet("leach", {"acid": "HNO3"}, {"Nd2O3": 1.0})
    with pytest.raises(InputError, match=r"'moisture'.*exceeds design_liquor_to_solid"):
        flowsheet("solid_liquid_separation", {"moisture": 5.0, "design_liquor_to_solid": 2.0},
                  {"Fe2O3": 1.0})
    with pytest.raises(InputError, match=r"'wash_efficiency': 0.9 exceeds wash_ratio 0.5"):
        flowsheet("solid_liquid_separation", {"wash_ratio": 0.5}, {"Fe2O3": 1.0})
    with pytest.raises(InputError, match=r"'conversion': species 'Nd2O3' is not oxidised"):
        flowsheet("oxidative_roast", {"conversion": {"Nd2O3": 0.5}}, {"Fe": 1.0})


def test_too_little_water_for_precipitation_is_reported():
    with pytest.raises(InputError, match="needs more 'H2O\\(l\\)'"):
        run("oxalate_precipitation", {"reagent": "H2C2O4(aq)"}, {"NdCl3(aq)": 10.0},
            T=333.15)
