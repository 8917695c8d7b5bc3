"""Species registry, formula parser, molar masses and enthalpies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recyclopt.chemistry import (
    T_REF,
    Registry,
    check_element_balance,
    default_registry,
    element_matrix,
    molar_mass,
    parse_formula,
    reaction_enthalpy,
)
from recyclopt.errors import FormulaError, InputError, TemperatureRangeError, UnknownSpeciesError

# IUPAC standard atomic weights (g/mol), the values chemicals' periodic table carries.
ND, C, OX, H, FE, B = 144.242, 12.011, 15.999, 1.008, 55.845, 10.81


def test_parse_hydrate_and_parentheses():
    # Nd2(C2O4)3·10H2O: Nd 2, C 6, O 12 + 10, H 20
    assert parse_formula("Nd2(C2O4)3·10H2O") == {"Nd": 2, "C": 6, "O": 22, "H": 20}
    assert parse_formula("Nd2(C2O4)3*10H2O") == parse_formula("Nd2(C2O4)3·10H2O")


def test_parse_non_integer_hydride():
    assert parse_formula("NdH2.7") == {"Nd": 1.0, "H": 2.7}
    assert parse_formula("Nd2Fe14BH2.7") == {"Nd": 2, "Fe": 14, "B": 1, "H": 2.7}


def test_parse_nested_groups():
    # Cu(NO3)2: Cu 1, N 2, O 6
    assert parse_formula("Cu(NO3)2") == {"Cu": 1, "N": 2, "O": 6}
    assert parse_formula("Ca3(PO4)2") == {"Ca": 3, "P": 2, "O": 8}


def test_molar_masses_by_hand():
    # Nd2Fe14B = 2*144.242 + 14*55.845 + 10.81 = 1081.12 g/mol
    assert molar_mass("Nd2Fe14B") * 1000 == pytest.approx(2 * ND + 14 * FE + B, rel=1e-4)
    # Nd2(C2O4)3·10H2O = 2 Nd + 6 C + 22 O + 20 H = 732.69 g/mol
    assert molar_mass("Nd2(C2O4)3·10H2O") * 1000 == pytest.approx(
        2 * ND + 6 * C + 22 * OX + 20 * H, rel=1e-4
    )


@pytest.mark.parametrize(
    "bad", ["", "Nd2(C2O4", "Nd2)3", "Xx2O3", "nd2o3", "Nd2O3·", "3Nd2O3", "Nd#"]
)
def test_malformed_formula_raises(bad):
    with pytest.raises(FormulaError, match="formula"):
        parse_formula(bad)


def test_element_matrix_rows_sum_to_one():
    # every species' element mass fractions sum to 1 (conservation of the formula mass)
    E = element_matrix()
    assert np.allclose(E.sum(axis=1).to_numpy(), 1.0, rtol=1e-12)


def test_element_matrix_nd2o3_by_hand():
    E = element_matrix()
    # Nd in Nd2O3: 2*144.242 / (2*144.242 + 3*15.999) = 0.85734
    assert E.loc["Nd2O3", "Nd"] == pytest.approx(2 * ND / (2 * ND + 3 * OX), rel=1e-4)


def test_registry_has_the_magnet_species():
    reg = default_registry()
    for sp in ["Nd2Fe14B", "Nd", "Pr", "Dy", "Tb", "Fe", "B", "Co", "Ni", "Cu", "NdH2",
               "NdH2.7", "Nd2O3", "Pr6O11", "Dy2O3", "Tb4O7", "Fe2O3", "Fe3O4", "NdFeO3",
               "Nd2(C2O4)3·10H2O", "NdCl3", "FeCl2", "FeCl3", "H2", "O2", "N2", "Ar",
               "H2O(l)", "H2O(g)", "HCl(g)", "CO", "CO2"]:
        assert sp in reg, sp


def test_unknown_species_names_the_field():
    with pytest.raises(UnknownSpeciesError, match="unknown species 'Unobtainium'"):
        default_registry().idx("Unobtainium")


# --------------------------------------------------------------------------- enthalpies
def _shomate_dh(coef, T):
    """NIST WebBook Shomate H(T) - H(298.15) in kJ/mol, with the published F and H constants."""
    A, B_, C_, D, E, F, Hc = coef
    t = T / 1000
    return A * t + B_ * t**2 / 2 + C_ * t**3 / 3 + D * t**4 / 4 - E / t + F - Hc


def test_heat_fe2o3_25_to_800C_against_nist():
    # NIST Chemistry WebBook, Fe2O3 (hematite) Shomate parameters (Chase 1998, NIST-JANAF):
    # 298-950 K, 950-1050 K, 1050-2500 K; H - H298 at 1073.15 K from the 1050-2500 K set.
    high = (110.9362, 32.04714, -9.192333, 0.901506, 5.433677, -843.1471, -825.5032)
    dh_kj_mol = _shomate_dh(high, 1073.15)
    expected_gj_per_t = dh_kj_mol / 159.687 * 1e3 / 1e6 * 1e3  # kJ/mol -> GJ/t
    assert expected_gj_per_t == pytest.approx(0.69, abs=0.01)  # the "about 0.69 GJ/t"
    reg = default_registry()
    m = np.zeros(len(reg))
    m[reg.idx("Fe2O3")] = 1000.0  # 1 t
    got = (reg.enthalpy_flow(m, 1073.15) - reg.enthalpy_flow(m, T_REF)) / 1e9
    assert got == pytest.approx(expected_gj_per_t, rel=0.01)


def test_heat_h2_25_to_500C_against_nist():
    # NIST WebBook H2 Shomate 298-1000 K: A..E, F, H (Chase 1998)
    coef = (33.066178, -11.363417, 11.432816, -2.772874, -0.158558, -9.980797, 0.0)
    expected = _shomate_dh(coef, 773.15) / 2.01588  # kJ/g = MJ/kg, ~6.9 MJ/kg
    assert expected == pytest.approx(6.9, abs=0.05)
    reg = default_registry()
    dh = (reg.molar_enthalpy("H2", 773.15) - reg.molar_enthalpy("H2", T_REF)) / 2.01588e-3 / 1e6
    assert dh == pytest.approx(expected, rel=0.005)


def test_formation_enthalpies_at_298():
    reg = default_registry()
    # NIST-JANAF: dHf(H2O, l) = -285.83 kJ/mol; dHf(CO2, g) = -393.52 kJ/mol; elements 0
    assert reg.molar_enthalpy("H2O(l)", T_REF) / 1000 == pytest.approx(-285.83, abs=0.05)
    assert reg.molar_enthalpy("CO2", T_REF) / 1000 == pytest.approx(-393.52, abs=0.1)
    assert reg.molar_enthalpy("Fe", T_REF) == pytest.approx(0.0, abs=1e-6)


def test_heat_of_reaction_from_enthalpies():
    # 2 H2 + O2 -> 2 H2O(l) at 298.15 K: 2 * -285.83 = -571.66 kJ (NIST-JANAF)
    dh = reaction_enthalpy({"H2": 2, "O2": 1}, {"H2O(l)": 2})
    assert dh / 1000 == pytest.approx(-571.66, abs=0.2)


def test_iron_cp_is_valid_at_room_temperature():
    # thermo's default Cp for Fe is only valid at 1674-1803 K; ours must be right at 298 K:
    # NIST-JANAF Cp(Fe, 298.15 K) = 25.09 J/mol/K
    reg = default_registry()
    assert reg.thermo(reg.idx("Fe")).cp(298.15) == pytest.approx(25.09, rel=0.01)


def test_temperature_outside_range_names_species_and_range():
    reg = default_registry()
    t_max = reg.valid_range("Nd2(C2O4)3·10H2O")[1]
    with pytest.raises(TemperatureRangeError, match=r"Nd2\(C2O4\)3·10H2O.*allowed"):
        reg.molar_enthalpy("Nd2(C2O4)3·10H2O", t_max + 200)


def test_reaction_not_conserving_elements_is_refused():
    with pytest.raises(InputError, match="does not conserve elements"):
        check_element_balance({"Fe": 2, "O2": 1}, {"Fe2O3": 1})


def test_registry_rejects_bad_phase_and_bad_formula(tmp_path):
    th = pd.DataFrame(columns=["species", "T_min_K", "T_max_K", "dHf_298_kJ_per_mol", "A", "B",
                               "C", "D", "E", "dH_transition_kJ_per_mol", "source"])
    sp = pd.DataFrame({"name": ["X"], "formula": ["Fe"], "phase": ["plasma"],
                       "thermo_source": ["table"], "cas": [""], "description": [""]})
    with pytest.raises(InputError, match="phase"):
        Registry(sp, th, source="my_species.csv")
    sp["phase"] = "s"
    sp["formula"] = "Fe(("
    with pytest.raises(InputError, match="my_species.csv.*formula"):
        Registry(sp, th, source="my_species.csv")
