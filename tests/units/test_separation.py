"""Separation units (recyclopt.units.separation): hand-checked figures, balances, linearity, errors.

Expected values are derived independently in the comments: Kremser's equation by hand, the
saponification / strip stoichiometry (3 mol NaOH and HCl per mol RE3+), phase-ratio volume
arithmetic and the band-crossing formula of the displacement-chromatography model.
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unit_helpers import kg_h, reagent_kg_h, run

from recyclopt.chemistry import default_registry
from recyclopt.errors import InputError
from recyclopt.flowsheet import Flowsheet
from recyclopt.flowsheet import single_unit as flowsheet
from recyclopt.streams import Stream
from recyclopt.units import separation, unit_class
from recyclopt.units.cascade import (
    CascadeDesign,
    SeparationInfeasibleError,
    design_stages,
    simulate,
)

# molar masses (g/mol): IUPAC atomic weights Nd 144.242, Pr 140.908, Na 22.990, Cl 35.453,
# O 15.999, H 1.008
M_ND, M_PR, M_NAOH, M_HCL, M_NACL, M_H2O = 144.242, 140.908, 39.997, 36.461, 58.443, 18.015
M_NDCL3 = M_ND + 3 * 35.453
ND_PR_FEED = {"Nd": 0.76, "Pr": 0.24}
REG = default_registry()






# --------------------------------------------------------------------------- sx: design mode
ND_PR_DESIGN = {"extract": ["Nd"], "d_reference": 1.5, "design_feed": ND_PR_FEED,
                "design": {"target_purity": 0.995, "target_recovery": 0.99}}


@pytest.fixture(scope="module")
def nd_pr_unit():
    return unit_class("sx_cascade")("u", **ND_PR_DESIGN)


def test_nd_pr_design_reproduces_design_stages(nd_pr_unit):
    # The unit's design equals design_stages on the same binary problem: P507 Nd/Pr = 1.5
    # (data/separation_factors.csv), D_Nd = 1.5 -> D_Pr = 1.0, default strip D 0.05 at O/A 2.
    direct = design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": 1.5, "Pr": 1.0},
                           target_purity=0.995, target_recovery=0.99)
    info = nd_pr_unit._design_info()
    assert (info["n_extract"], info["n_scrub"], info["n_strip"]) == (
        direct.n_extract, direct.n_scrub, direct.n_strip)
    # measured: 48 extraction + 42 scrub + 4 strip stages
    assert (info["n_extract"], info["n_scrub"], info["n_strip"], info["n_stages"]) == (
        48, 42, 4, 94)
    # Strip section by Kremser: stripping factor S = A/(D O) = 1/(0.05 * 2) = 10; the fewest N
    # with (S - 1)/(S^(N+1) - 1) <= 1e-4 is N = 4 (10^4 = 1e4 -> 9/(1e5 - 1) = 9.0e-5;
    # N = 3 gives 9/(1e4 - 1) = 9.0e-4).
    assert info["n_strip"] == 4
    # Minimum reflux 1/(beta - 1) = 2, run at 1.5 x R_min = 3.
    assert info["min_reflux_ratio"] == pytest.approx(2.0)
    assert info["reflux_ratio"] == pytest.approx(3.0, rel=1e-9)
    # Fenske total-reflux bound of the constant-separation-factor theory, by hand:
    # extract Nd 0.99 * 0.76 = 0.7524, Pr 0.7524 * 0.005/0.995 = 0.0037809;
    # raffinate Nd 0.0076, Pr 0.24 - 0.0037809 = 0.2362191;
    # S = (0.7524/0.0037809) / (0.0076/0.2362191) = 199.0 / 0.032173 = 6185;
    # N_min = ln 6185 / ln 1.5 = 8.7299 / 0.405465 = 21.53. The constant-D model enriches by
    # about sqrt(beta) per stage, so it needs more than 2 x 21.53 stages at finite reflux.
    assert info["fenske_min_stages"] == pytest.approx(21.53, abs=0.01)
    assert info["n_extract"] + info["n_scrub"] > 2 * 21.53


def test_nd_pr_design_meets_targets_in_a_flowsheet():
    # A chloride feed of the design composition reaches the design purity and recovery
    # (rel 1e-6: the hand molar masses differ from the registry's in the 5th digit).
    mol = {"NdCl3(aq)": 0.76 / M_ND * M_NDCL3, "PrCl3(aq)": 0.24 / M_PR * (M_PR + 106.359)}
    res = run("sx_cascade", ND_PR_DESIGN, {**{k: 100 * v for k, v in mol.items()},
                                           "H2O(l)": 1000.0})
    info = res.units["u"].info
    assert info["purity"] >= 0.995 - 1e-9
    assert info["recovery"]["Nd"] >= 0.99 - 1e-9
    assert info["purity"] == pytest.approx(info["design_purity"], rel=1e-6)


def test_design_runs_once_before_any_solve():
    with mock.patch.object(separation, "design_stages", wraps=design_stages) as spy:
        fs = flowsheet("sx_cascade", {"design": {"target_purity": 0.99,
                                                 "target_recovery": 0.99}},
                       {"DyCl3(aq)": 1.0, "NdCl3(aq)": 5.0, "H2O(l)": 100.0})
        calls = spy.call_count
        for scale in (1.0, 2.0, 7.0):
            fs.solve({"feed": fs.feeds["feed"].stream.scaled(scale)})
    # one design for the unit built by the helper, one for the flowsheet's own unit; none
    # during the solves
    assert calls == spy.call_count == 2


# --------------------------------------------------------------------------- sx: Kremser
@pytest.mark.parametrize(("d", "oa"), [(1.5, 1.0), (3.0, 0.5)])
def test_single_extraction_section_is_kremser(d, oa):
    # Extraction only (no scrub), perfect strip (D_strip = 0) so the organic returns metal-free:
    # E = D O/A = 1.5, N = 5 -> raffinate fraction phi = (E - 1)/(E^(N+1) - 1)
    # = 0.5 / (11.390625 - 1) = 0.0481203 (Kremser; Treybal ch. 10).
    params = {"extract": ["Nd"], "d_reference": d, "n_extract": 5, "n_scrub": 0,
              "n_strip": 1, "oa_extract": oa, "d_strip": 0.0}
    res = run("sx_cascade", params, {"NdCl3(aq)": 10.0, "H2O(l)": 500.0})
    phi = kg_h(res, "s_raffinate", "NdCl3(aq)") / 10.0
    assert phi == pytest.approx(0.5 / 10.390625, rel=1e-12)
    assert kg_h(res, "s_strip", "NdCl3(aq)") / 10.0 == pytest.approx(1 - phi, rel=1e-12)


# --------------------------------------------------------------------------- sx: reagents
NEAR_COMPLETE = {"extract": ["Nd"], "d_reference": 1000.0, "n_extract": 2, "n_scrub": 0,
                 "n_strip": 3, "d_strip": 0.01}


def test_naoh_and_hcl_per_kg_by_stoichiometry():
    # 100 % saponification, no acid excess: 3 mol NaOH and 3 mol HCl per mol Nd stripped.
    # NaOH: 3 * 39.997 / 144.242 = 0.83187 kg/kg Nd (3 * 40.00/144.24 = 0.832);
    # HCl: 3 * 36.461 / 144.242 = 0.75833 kg/kg Nd.
    params = {**NEAR_COMPLETE, "saponification_degree": 1.0, "strip_acid_excess": 0.0}
    res = run("sx_cascade", params, {"NdCl3(aq)": 100.0, "H2O(l)": 1000.0})
    nd_strip = res.streams["s_strip"].element_flows()["Nd"] * 3600.0
    assert reagent_kg_h(res, "NaOH(aq)") / nd_strip == pytest.approx(3 * M_NAOH / M_ND, rel=1e-4)
    assert reagent_kg_h(res, "NaOH(aq)") / nd_strip == pytest.approx(0.832, abs=5e-4)
    assert reagent_kg_h(res, "HCl(aq)") / nd_strip == pytest.approx(3 * M_HCL / M_ND, rel=1e-4)
    info = res.units["u"].info
    assert info["NaOH_kg_per_kg_RE"] == pytest.approx(3 * M_NAOH / M_ND, rel=1e-4)
    # products: per mol Nd extracted the raffinate gains 3 NaCl and 3 H2O, no free acid
    mol_ext = nd_strip / M_ND
    assert kg_h(res, "s_raffinate", "NaCl(aq)") == pytest.approx(3 * mol_ext * M_NACL, rel=1e-4)
    assert kg_h(res, "s_raffinate", "HCl(aq)") == pytest.approx(0.0, abs=1e-12)
    assert kg_h(res, "s_strip", "NdCl3(aq)") == pytest.approx(mol_ext * M_NDCL3, rel=1e-4)


def test_default_reagents_match_the_cascade_module():
    # saponification 0.4, acid excess 0.2: NaOH 1.2 * 39.997/144.242 = 0.33275 kg/kg,
    # HCl 3.6 * 36.461/144.242 = 0.90999 kg/kg -- as cascade.simulate reports.
    res = run("sx_cascade", NEAR_COMPLETE, {"NdCl3(aq)": 100.0, "H2O(l)": 1000.0})
    info = res.units["u"].info
    assert info["NaOH_kg_per_kg_RE"] == pytest.approx(1.2 * M_NAOH / M_ND, rel=1e-4)
    assert info["HCl_kg_per_kg_RE"] == pytest.approx(3.6 * M_HCL / M_ND, rel=1e-4)
    d = CascadeDesign(("Nd",), 2, 0, 3, [1000.0], d_strip=0.01, oa_extract=1.0, oa_strip=2.0)
    ref = simulate(d, {"Nd": 1.0}).reagents
    assert info["NaOH_kg_per_kg_RE"] == pytest.approx(ref.naoh_kg_per_kg_re, rel=1e-5)
    assert info["HCl_kg_per_kg_RE"] == pytest.approx(ref.hcl_kg_per_kg_re, rel=1e-5)
    # unsaponified share: the raffinate gains 3 * 0.6 = 1.8 mol HCl and 1.2 mol NaCl per mol
    mol_ext = res.streams["s_strip"].element_flows()["Nd"] * 3600.0 / M_ND
    assert kg_h(res, "s_raffinate", "HCl(aq)") == pytest.approx(1.8 * mol_ext * M_HCL, rel=1e-4)
    assert kg_h(res, "s_raffinate", "NaCl(aq)") == pytest.approx(1.2 * mol_ext * M_NACL,
                                                                rel=1e-4)
    # the excess 0.6 mol HCl per mol leaves as free acid in the strip liquor
    assert kg_h(res, "s_strip", "HCl(aq)") == pytest.approx(0.6 * mol_ext * M_HCL, rel=1e-4)


def test_sulfate_feed_leaves_sodium_sulfate_and_acid_in_the_raffinate():
    # Nd2(SO4)3 + 6 s NaOH + 6 HCl -> 2 NdCl3 + 3 s Na2SO4 + 3 (1 - s) H2SO4 + 6 s H2O, s = 0.4
    params = {**NEAR_COMPLETE, "strip_acid_excess": 0.0}
    res = run("sx_cascade", params, {"Nd2(SO4)3(aq)": 57.66, "H2O(l)": 500.0})
    mol_nd = res.streams["s_strip"].element_flows()["Nd"] * 3600.0 / M_ND
    m_na2so4 = 2 * 22.990 + 32.06 + 4 * 15.999
    assert kg_h(res, "s_raffinate", "Na2SO4(aq)") == pytest.approx(
        1.5 * 0.4 * mol_nd * m_na2so4, rel=1e-4)
    assert kg_h(res, "s_strip", "NdCl3(aq)") == pytest.approx(mol_nd * M_NDCL3, rel=1e-4)


def test_volumes_energy_and_extractant_by_hand():
    # Feed water 3600 kg/h = 0.001 m3/s. Default simulation design: O/A 1 (extraction),
    # 2 (scrub), 2 (strip); feed aqueous = O (1/1 - 1/2) -> O = 0.002 m3/s; scrub liquor
    # 0.001 m3/s, strip liquor 0.001 m3/s. Aqueous through the stages: 6 x 0.002 + 6 x 0.001
    # + 4 x 0.001 = 0.022 m3/s; x 0.06 kWh/m3 x 3.6e6 J/kWh = 4752 W.
    # Extractant: 0.01 kg/m3 x (raffinate 0.002 + strip 0.001) m3/s = 3e-5 kg/s.
    res = run("sx_cascade", {}, {"DyCl3(aq)": 10.0, "NdCl3(aq)": 50.0, "H2O(l)": 3600.0})
    r = res.units["u"]
    assert r.electricity_W == pytest.approx(4752.0, rel=1e-9)
    assert reagent_kg_h(res, "H2O(l)") == pytest.approx(2 * 3600.0, rel=1e-12)
    assert r.info["extractant_makeup_kg_s"] == pytest.approx(3e-5, rel=1e-12)
    assert "cost-only" in r.info["extractant_note"]
    assert r.info["organic_flow_m3_s"] == pytest.approx(0.002)


def test_organic_flow_at_the_loading_limit():
    # Default simulation cascade (O/A 1 / 2 / 2: 0.5 m3 aqueous feed per m3 organic), design
    # feed 1 kg Dy + 1 kg Nd, fed as chlorides in that ratio. REO per kg RE (RE2O3 basis):
    # Dy 1 + 1.5 x 15.999 / 162.5 = 1.14768, Nd 1 + 1.5 x 15.999 / 144.242 = 1.16638.
    # A feed at the 200 g/L cap would load c f a = 200 x f x 0.5 > 20 g/L, so the unit sets
    # c = 20 / (f a) and the organic carries exactly 20 g REO/L:
    # organic = REO to the strip / 20 kg/m3.
    m_dycl3 = 162.5 + 3 * 35.453
    feed = {"DyCl3(aq)": m_dycl3, "NdCl3(aq)": M_NDCL3 * 162.5 / M_ND, "H2O(l)": 600.0}
    params = {"design_feed": {"Dy": 1.0, "Nd": 1.0}}
    res = run("sx_cascade", params, feed)
    r = res.units["u"]
    reo = {"Dy": 1 + 1.5 * 15.999 / 162.5, "Nd": 1 + 1.5 * 15.999 / M_ND}
    el = res.streams["s_strip"].element_flows()
    reo_strip = el["Dy"] * reo["Dy"] + el["Nd"] * reo["Nd"]  # kg/s
    # (rel 1e-6: the hand molar masses are rounded)
    assert r.info["organic_flow_m3_s"] == pytest.approx(reo_strip / 20.0, rel=1e-6)
    assert r.info["organic_loading_g_per_L"] == pytest.approx(20.0, rel=1e-5)
    # the feed volume is organic x 0.5; its water (600 kg/h) was short: dilution drawn
    v_feed = r.info["organic_flow_m3_s"] * 0.5
    assert r.info["feed_dilution_water_kg_s"] == pytest.approx(v_feed * 1000 - 600 / 3600,
                                                              rel=1e-9)
    assert r.info["feed_dilution_water_kg_s"] > 0
    assert r.warnings == []
    # 'loading' mode on a dilute feed evaporates the water above the design volume:
    # steam heat = evaporated x 2.257 MJ/kg / 2.5 (triple effect) / 0.85 (boiler)
    dilute = dict(feed, **{"H2O(l)": 60000.0})
    res = run("sx_cascade", {**params, "feed_volume": "loading"}, dilute)
    r = res.units["u"]
    assert r.info["feed_evaporated_kg_s"] == pytest.approx(60000 / 3600 - v_feed * 1000,
                                                          rel=1e-9)
    assert r.heat_W == pytest.approx(r.info["feed_evaporated_kg_s"] * 2.257e6 / 2.5 / 0.85,
                                     rel=1e-9)
    assert r.losses.mass("H2O(l)") == pytest.approx(r.info["feed_evaporated_kg_s"])


def test_sx_warns_outside_its_window():
    # a scrub O/A of 25 is above the ~20:1 mixer-settler window
    res = run("sx_cascade", {"oa_scrub": 25.0, "feed_volume": "water"},
              {"DyCl3(aq)": 10.0, "NdCl3(aq)": 50.0, "H2O(l)": 100.0})
    ws = res.units["u"].warnings
    assert any("oa_scrub 25 is above the usual mixer-settler window" in w for w in ws)
    # unchecked feed volume: 60 kg chlorides in 100 kg water loads the organic above 20 g/L
    assert any("above its limit 20 g/L" in w for w in ws)
    assert res.units["u"].info["organic_loading_g_per_L"] > 20


def test_rapid_sx_saves_contactors_and_energy():
    # Same theoretical cascade (6 + 6 + 4 = 16 stages): contactors ceil(16 x 0.5) = 8 at the
    # default reduction, ceil(16 x 0.15) = ceil(2.4) = 3 at 85 %; energy x (1 - reduction).
    feed = {"DyCl3(aq)": 10.0, "NdCl3(aq)": 50.0, "H2O(l)": 3600.0}
    base = run("sx_cascade", {}, feed)
    fast = run("rapid_sx", {}, feed)
    assert fast.units["u"].info["contactors"] == 8
    assert fast.units["u"].info["theoretical_stages"] == 16
    assert fast.units["u"].electricity_W == pytest.approx(0.5 * 4752.0, rel=1e-9)
    np.testing.assert_allclose(fast.streams["s_strip"].flows, base.streams["s_strip"].flows)
    assert "75 M$" in fast.units["u"].info["capex_note"]
    r85 = run("rapid_sx", {"stage_reduction": 0.85}, feed)
    assert r85.units["u"].info["contactors"] == 3
    assert r85.units["u"].electricity_W == pytest.approx(0.15 * 4752.0, rel=1e-9)


def test_group_split_design_on_the_default_magnet_feed():
    # Dy/Tb from Nd/Pr, P507: key pair Tb/Nd with beta 50 (table) -> few stages.
    u = unit_class("sx_cascade")("u", design={"target_purity": 0.995, "target_recovery": 0.99})
    info = u._design_info()
    assert (info["key_heavy"], info["key_light"], info["beta_key"]) == ("Tb", "Nd", 50.0)
    assert info["design_purity"] >= 0.995 and info["design_recovery"] >= 0.99
    # measured: 13 + 10 separation stages and 4 strip stages
    assert (info["n_extract"], info["n_scrub"], info["n_strip"]) == (13, 10, 4)


# --------------------------------------------------------------------------- ion exchange
def mm(species):
    """Registry molar mass in g/mol (used where a check must be exact to round-off)."""
    return REG.get(species).molar_mass * 1000.0


def test_ion_exchange_binary_split_by_hand():
    # Nd | Pr, EDTA selectivity 1.48 (table), 100 plates, loading 0.5, equal moles: bands of
    # 0.5 x 100 x 0.5 = 25 plates; a midpoint cut moves ln 2 / ln 1.48 = 0.69315/0.39204
    # = 1.7681 plates of each into the other product: 1.7681/25 = 0.070722.
    params = {"elements": ["Nd", "Pr"], "products": {"Nd": ["Nd"], "Pr": ["Pr"]},
              "n_plates": 100.0, "loading_fraction": 0.5,
              "design_feed": {"Nd": mm("Nd"), "Pr": mm("Pr")}}
    mol = 0.1  # kmol/h of each chloride
    feed = {"NdCl3(aq)": mol * mm("NdCl3(aq)"), "PrCl3(aq)": mol * mm("PrCl3(aq)"),
            "H2O(l)": 500.0}
    res = run("ion_exchange", params, feed)
    cross = math.log(2) / math.log(1.48) / 25
    assert cross == pytest.approx(0.070722, abs=1e-6)
    assert kg_h(res, "s_Pr", "NdCl3(aq)") / feed["NdCl3(aq)"] == pytest.approx(cross, rel=1e-9)
    assert kg_h(res, "s_Nd", "PrCl3(aq)") / feed["PrCl3(aq)"] == pytest.approx(cross, rel=1e-9)
    assert res.units["u"].info["band_order"] == ["Nd", "Pr"]  # Nd-EDTA is the stronger complex
    # eluent: 250 L/kg at the design feed's mean molar mass; the feed has the design
    # composition, so 250 kg water per kg RE (0.1 kmol/h x (144.242 + 140.908) = 28.515 kg/h)
    re_kg = mol * (mm("Nd") + mm("Pr"))
    assert re_kg == pytest.approx(28.515, abs=1e-3)
    eluate = sum(kg_h(res, f"s_{p}", "H2O(l)") for p in ("Nd", "Pr"))
    assert eluate == pytest.approx(250.0 * re_kg, rel=1e-9)
    # eluent cation: 3 mol NaOH per mol RE, regenerant 3 x 1.2 = 3.6 mol HCl per mol RE;
    # the rest liquor gains 3 NaCl + 3 H2O and 0.6 HCl per mol RE (0.2 kmol/h RE)
    assert reagent_kg_h(res, "NaOH(aq)") == pytest.approx(0.2 * 3 * M_NAOH, rel=1e-4)
    assert reagent_kg_h(res, "HCl(aq)") == pytest.approx(0.2 * 3.6 * M_HCL, rel=1e-4)
    assert kg_h(res, "s_rest", "NaCl(aq)") == pytest.approx(0.2 * 3 * M_NACL, rel=1e-4)
    assert kg_h(res, "s_rest", "HCl(aq)") == pytest.approx(0.2 * 0.6 * M_HCL, rel=1e-4)
    assert kg_h(res, "s_rest", "H2O(l)") == pytest.approx(500.0 + 0.2 * 3 * M_H2O, rel=1e-6)
    # resin: 3 eq per mol x 200 mol/h x 12 h / (0.5 x 2.0 eq/kg) = 7200 kg
    assert res.units["u"].info["resin_inventory_kg"] == pytest.approx(7200.0, rel=1e-9)
    # pumping: 0.1 kWh/kg RE x 28.515 kg/h = 2.8515 kW
    assert res.units["u"].electricity_W == pytest.approx(0.1 * re_kg / 3600 * 3.6e6, rel=1e-9)


def test_ion_exchange_default_design_reaches_purity_target():
    u = unit_class("ion_exchange")("u")
    assert u.active_outlets() == ("Dy", "Tb", "NdPr", "rest")
    assert u.target_purity == 0.995
    assert min(u.design_purity.values()) == pytest.approx(0.995, abs=1e-9)
    np.testing.assert_allclose(u.split.sum(axis=1), 1.0, rtol=1e-13)


# --------------------------------------------------------------------------- parameterised
def test_membrane_sx_by_hand():
    # RE recovery 0.99, no non-RE co-extraction (nitrate feed), 0.2 kWh and 50 kg strip water
    # per kg RE in the feed: 10 kg/h Nd(NO3)3 holds 10 x 144.242/330.257 = 4.3676 kg/h Nd.
    m_ndno3 = M_ND + 3 * (14.007 + 3 * 15.999)
    res = run("membrane_sx", {}, {"Nd(NO3)3(aq)": 10.0, "Fe(NO3)3(aq)": 5.0,
                                  "HNO3(aq)": 2.0, "H2O(l)": 300.0})
    nd = 10.0 * M_ND / m_ndno3
    assert kg_h(res, "s_product", "Nd(NO3)3(aq)") == pytest.approx(9.9, rel=1e-12)
    assert kg_h(res, "s_product", "Fe(NO3)3(aq)") == 0.0
    assert kg_h(res, "s_product", "H2O(l)") == pytest.approx(50.0 * nd, rel=1e-4)
    assert res.units["u"].electricity_W == pytest.approx(0.2 * nd * 1000.0, rel=1e-4)


def test_electrochemical_separation_by_hand():
    res = run("electrochemical_separation", {"recovery": {"Fe": 0.1}},
              {"NdCl3(aq)": 10.0, "FeCl2(aq)": 20.0, "H2O(l)": 300.0})
    assert kg_h(res, "s_product", "NdCl3(aq)") == pytest.approx(9.5, rel=1e-12)
    assert kg_h(res, "s_product", "FeCl2(aq)") == pytest.approx(2.0, rel=1e-12)
    nd = 10.0 * M_ND / M_NDCL3
    assert kg_h(res, "s_residue", "HCl(aq)") == pytest.approx(0.1 * nd, rel=1e-4)
    assert res.units["u"].electricity_W == pytest.approx(5.0 * nd * 1000.0, rel=1e-4)


# --------------------------------------------------------------------------- hypothesis
FEED_SPECIES = ["NdCl3(aq)", "PrCl3(aq)", "DyCl3(aq)", "TbCl3(aq)", "FeCl2(aq)", "FeCl3(aq)",
                "CoCl2(aq)", "NiCl2(aq)", "CuCl2(aq)", "AlCl3(aq)", "HCl(aq)", "NaCl(aq)",
                "H3BO3(aq)", "Nd2(SO4)3(aq)", "FeSO4(aq)", "Fe2O3"]
flow = st.one_of(st.just(0.0), st.floats(1e-3, 100.0))
aqueous_feeds = st.builds(
    lambda flows, water, T: Stream.from_masses(
        {**{s: f / 3600 for s, f in zip(FEED_SPECIES, flows, strict=True)},
         "H2O(l)": water / 3600}, T=T),
    st.lists(flow, min_size=len(FEED_SPECIES), max_size=len(FEED_SPECIES)),
    st.floats(1.0, 5000.0), st.floats(298.15, 360.0))

UNIT_CASES = {
    "sx_default": ("sx_cascade", {}),
    "sx_design": ("sx_cascade", {"design": {"target_purity": 0.995, "target_recovery": 0.99}}),
    "sx_nd_pr": ("sx_cascade", {"extract": ["Nd"], "d_reference": 1.0, "n_extract": 10,
                                "n_scrub": 8, "n_strip": 3, "oa_extract": 1.2,
                                "oa_scrub": 3.0, "saponification_degree": 0.0}),
    "rapid_sx": ("rapid_sx", {"stage_reduction": 0.8}),
    "ion_exchange": ("ion_exchange", {}),
    "membrane_sx": ("membrane_sx", {}),
    "electrochemical": ("electrochemical_separation", {}),
}
_FLOWSHEETS: dict[str, Flowsheet] = {}


def _fs(case: str) -> Flowsheet:
    if case not in _FLOWSHEETS:
        t, params = UNIT_CASES[case]
        _FLOWSHEETS[case] = flowsheet(t, params, {"NdCl3(aq)": 1.0, "H2O(l)": 10.0})
    return _FLOWSHEETS[case]


@pytest.mark.parametrize("case", list(UNIT_CASES))
@settings(max_examples=25, deadline=None)
@given(feed=aqueous_feeds)
def test_balances_close_over_random_feeds(case, feed):
    res = _fs(case).solve({"feed": feed})
    bal = res.check_balances(1e-9)
    assert ("u", "energy") in bal.index
    for s in res.streams.values():
        assert np.all(s.flows >= 0)


@pytest.mark.parametrize("case", list(UNIT_CASES))
@settings(max_examples=25, deadline=None)
@given(feed=aqueous_feeds, a=st.floats(1e-3, 1e3))
def test_outputs_are_linear_in_the_feed(case, feed, a):
    unit = _fs(case).units["u"].unit
    r1 = unit.run({"in": feed})
    ra = unit.run({"in": feed.scaled(a)})
    for port, s in r1.outlets.items():
        np.testing.assert_allclose(ra.outlets[port].flows, a * s.flows, rtol=1e-10,
                                   atol=1e-14 * a * feed.total)
    np.testing.assert_allclose(ra.reagents.flows, a * r1.reagents.flows, rtol=1e-10,
                               atol=1e-14 * a * feed.total)
    for duty in ("electricity_W", "heat_W", "heat_rejected_W"):
        assert getattr(ra, duty) == pytest.approx(a * getattr(r1, duty), rel=1e-8, abs=1e-6 * a)


# --------------------------------------------------------------------------- bad input
def test_purity_beta_one_cannot_reach_is_refused_with_the_unit_name():
    # beta Nd/Pr = 1: every stage splits Nd and Pr alike, the best purity is the feed's 0.76.
    params = {**ND_PR_DESIGN, "betas": {"Pr": 1.0}}
    with pytest.raises(SeparationInfeasibleError) as info:
        flowsheet("sx_cascade", params, {"NdCl3(aq)": 1.0})
    msg = str(info.value)
    assert "unit 'u' (sx_cascade) parameter 'design'" in msg
    assert "beta Nd/Pr = 1" in msg and "0.995" in msg and "0.76" in msg


def test_purity_beyond_the_stage_limit_is_refused():
    params = {**ND_PR_DESIGN, "max_stages": 30,
              "design": {"target_purity": 0.99999, "target_recovery": 0.99}}
    with pytest.raises(SeparationInfeasibleError, match=r"sx_cascade.*max_stages = 30"):
        unit_class("sx_cascade")("u", **params)


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({"n_extract": -1}, r"'n_extract': -1 - is outside the allowed range \[1, 1000\]"),
        ({"n_scrub": -2}, r"'n_scrub': -2 - is outside the allowed range \[0, 1000\]"),
        ({"n_strip": 0}, r"'n_strip': 0 - is outside the allowed range \[1, 1000\]"),
        ({"n_extract": 2.5}, r"'n_extract': 2.5 must be a whole number"),
        ({"oa_extract": 0.0}, r"'oa_extract': 0 is outside the allowed range \(0, 100\]"),
        ({"oa_extract": -1.0}, r"'oa_extract': -1 is outside the allowed range \(0, 100\]"),
        ({"oa_strip": 0.0}, r"'oa_strip': 0 is outside the allowed range \(0, 100\]"),
        ({"oa_scrub": 0.5}, r"'oa_scrub': 0.5 is outside the allowed range \(oa_extract = 1"),
        ({"saponification_degree": 1.5},
         r"'saponification_degree': 1.5 - is outside the allowed range \[0, 1\]"),
        ({"d_reference": -0.1}, r"'d_reference': -0.1 - is outside the allowed range"),
        ({"extract": ["Xx"]}, r"'extract': \['Xx'\] not allowed"),
        ({"extract": ["Cu"]}, r"'extract': Cu has no separation factor against Nd"),
        ({"extractant": "kerosene"}, r"'extractant': 'kerosene'; allowed"),
        ({"betas": {"Zz": 2.0}}, r"'betas': unknown component"),
        ({"design": {"target_purity": 0.99, "target_recovery": 0.9}, "n_extract": 5},
         r"either 'design' or the stage numbers"),
        ({"design": {"target_purity": 0.99}}, r"'design': unknown \[\] / missing "
                                              r"\['target_recovery'\]"),
        ({"design": {"target_purity": 1.2, "target_recovery": 0.9}},
         r"'design': target_purity must be in \(0, 1\)"),
        ({"design": {"target_purity": 0.99, "target_recovery": 0.9, "key": "Nd"}},
         r"key 'Nd' must be an element of 'extract'"),
        ({"design": {"target_purity": 0.99, "target_recovery": 0.9}, "reflux_factor": 1.0},
         r"'reflux_factor': 1 is outside the allowed range \(1, 100\]"),
    ],
)
def test_bad_sx_parameters_name_parameter_and_range(params, pattern):
    with pytest.raises(InputError, match=pattern):
        flowsheet("sx_cascade", params, {"NdCl3(aq)": 1.0})


def test_nitrate_feed_needs_sodium_nitrate_when_saponified():
    with pytest.raises(InputError, match=r"'Nd\(NO3\)3\(aq\)' cannot be processed.*NaNO3"):
        run("sx_cascade", {}, {"Nd(NO3)3(aq)": 1.0, "H2O(l)": 10.0})
    # without saponification the nitrate leaves as HNO3 in the raffinate and balances
    run("sx_cascade", {"saponification_degree": 0.0}, {"Nd(NO3)3(aq)": 1.0, "H2O(l)": 10.0})


@pytest.mark.parametrize(
    ("unit_type", "params", "pattern"),
    [
        ("rapid_sx", {"stage_reduction": 0.95},
         r"'stage_reduction': 0.95 - is outside the allowed range \[0, 0.9\]"),
        ("ion_exchange", {"products": {"DyNd": ["Dy", "Nd"], "Tb": ["Tb"], "Pr": ["Pr"]}},
         r"'products'.*contiguous"),
        ("ion_exchange", {"products": {"rest": ["Dy", "Tb", "Nd", "Pr"]}}, r"'rest' is reserved"),
        ("ion_exchange", {"n_plates": 100.0, "target_purity": 0.99}, r"not both"),
        ("ion_exchange", {"betas": {"Tb": 1.0}}, r"selectivity\[Tb/Nd\] must be > 1"),
        ("ion_exchange", {"n_plates": -5.0}, r"'n_plates': -5 - is outside the allowed range"),
        ("membrane_sx", {"recovery": {"Nd": 1.2}},
         r"'recovery.Nd': 1.2 - is outside the allowed range \[0, 1\]"),
        ("membrane_sx", {"reagents": {"Unobtainium": 1.0}}, r"'reagents'.*Unobtainium"),
        ("electrochemical_separation", {"kwh_per_kg_re": -1.0},
         r"'kwh_per_kg_re': -1 kWh/kg is outside the allowed range \[0, 1000\]"),
    ],
)
def test_bad_parameters_of_other_units(unit_type, params, pattern):
    with pytest.raises(InputError, match=pattern):
        flowsheet(unit_type, params, {"NdCl3(aq)": 1.0})


def test_unreachable_chromatography_purity_is_infeasible():
    with pytest.raises(SeparationInfeasibleError, match=r"ion_exchange.*'target_purity'"):
        unit_class("ion_exchange")("u", target_purity=0.999999, loading_fraction=1e-6)
