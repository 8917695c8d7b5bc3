"""Checks of the bundled species registry and curated thermochemical table.

Independent of the package code: the Shomate integral, the formula parser and the
reference values below are implemented / quoted here directly.

Reference values (cited per test):
  * NIST-JANAF Thermochemical Tables, 4th ed. (M.W. Chase Jr., J. Phys. Chem. Ref. Data
    Monograph 9, 1998); table ids as on janaf.nist.gov (e.g. Fe-030 = Fe2O3 hematite).
  * SGTE unary data, A.T. Dinsdale, CALPHAD 15 (1991) 317-425.
  * NBS tables, D.D. Wagman et al., J. Phys. Chem. Ref. Data 11 Suppl. 2 (1982).
"""
import math
import re
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "recyclopt" / "data"
SPECIES_COLS = ["name", "formula", "phase", "thermo_source", "cas", "description"]
TABLE_COLS = ["species", "T_min_K", "T_max_K", "dHf_298_kJ_per_mol", "A", "B", "C", "D", "E",
              "dH_transition_kJ_per_mol", "source", "confidence", "notes"]
CHEMICALS_SPECIES = {"H2", "O2", "N2", "Ar", "H2O(g)", "H2O(l)", "HCl(g)", "CO", "CO2", "Cl2", "CF4",
                     "C2F6"}
T_REF = 298.15

ELEMENTS = set("""H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge
As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy
Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Th U""".split())


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def species():
    return pd.read_csv(DATA / "species.csv", dtype={"cas": str}, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def table():
    return pd.read_csv(DATA / "thermo_table.csv", encoding="utf-8")


def parse_formula(formula):
    """Element counts for formulas with parentheses, decimal counts and '·' hydrates."""
    total = {}
    for part in formula.split("\u00b7"):
        m = re.match(r"^(\d+(?:\.\d+)?)(.*)$", part)
        mult, body = (float(m.group(1)), m.group(2)) if m else (1.0, part)
        stack = [{}]
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == "(":
                stack.append({})
                i += 1
            elif ch == ")":
                m = re.match(r"\d+(?:\.\d+)?", body[i + 1:])
                n = float(m.group(0)) if m else 1.0
                i += 1 + (len(m.group(0)) if m else 0)
                inner = stack.pop()
                for el, c in inner.items():
                    stack[-1][el] = stack[-1].get(el, 0.0) + c * n
            else:
                m = re.match(r"([A-Z][a-z]?)(\d+(?:\.\d+)?)?", body[i:])
                if not m:
                    raise ValueError(f"cannot parse {formula!r} at {body[i:]!r}")
                el, n = m.group(1), float(m.group(2) or 1.0)
                if el not in ELEMENTS:
                    raise ValueError(f"unknown element {el} in {formula!r}")
                stack[-1][el] = stack[-1].get(el, 0.0) + n
                i += len(m.group(0))
        if len(stack) != 1:
            raise ValueError(f"unbalanced parentheses in {formula!r}")
        for el, c in stack[0].items():
            total[el] = total.get(el, 0.0) + c * mult
    return total


def cp(row, T):
    t = T / 1000.0
    return row.A + row.B * t + row.C * t**2 + row.D * t**3 + row.E / t**2


def shomate_int(row, T):
    """Antiderivative of the Shomate Cp in kJ/mol (t = T/1000)."""
    t = T / 1000.0
    return row.A * t + row.B * t**2 / 2 + row.C * t**3 / 3 + row.D * t**4 / 4 - row.E / t


def rows_of(table, name):
    return list(table[table.species == name].sort_values("T_min_K").itertuples())


def cp_at(table, name, T):
    for r in rows_of(table, name):
        if r.T_min_K <= T <= r.T_max_K:
            return cp(r, T)
    raise ValueError(f"{name}: T={T} outside table range")


def dH(table, name, T, T0=T_REF):
    """H(T) - H(T0) [kJ/mol] incl. latent heats of transitions crossed (T0 < T)."""
    rows = rows_of(table, name)
    assert rows[0].T_min_K <= T0 and T <= rows[-1].T_max_K
    h = 0.0
    for i, r in enumerate(rows):
        if i > 0 and T0 < r.T_min_K <= T:
            h += r.dH_transition_kJ_per_mol
        lo, hi = max(r.T_min_K, T0), min(r.T_max_K, T)
        if hi > lo:
            h += shomate_int(r, hi) - shomate_int(r, lo)
    return h


def H_abs(table, name, T):
    """dHf(298.15) + sensible + latent heat, kJ/mol."""
    return rows_of(table, name)[0].dHf_298_kJ_per_mol + dH(table, name, T)


# --------------------------------------------------------------------------- schema
def test_columns(species, table):
    assert list(species.columns) == SPECIES_COLS
    assert list(table.columns) == TABLE_COLS


def test_species_registry(species):
    assert species.name.is_unique
    assert set(species.phase) <= {"s", "l", "g", "aq"}
    assert set(species.thermo_source) <= {"chemicals", "table"}
    chem = species[species.thermo_source == "chemicals"]
    assert set(chem.name) == CHEMICALS_SPECIES
    assert (chem.cas.str.match(r"^\d{2,7}-\d{2}-\d$")).all(), "chemicals rows need a CAS number"
    filled = species[species.cas != ""]
    assert filled.cas.str.match(r"^\d{2,7}-\d{2}-\d$").all()
    for f in species.formula:
        assert "(" + "aq" + ")" not in f and not re.search(r"\((s|l|g|aq)\)$", f), f
        assert parse_formula(f), f
    for name in ["Nd2Fe14B", "Nd2O3", "H2", "H2O(l)", "H2O(g)", "HCl(g)", "HCl(aq)", "NdCl3(aq)",
                 "Nd2(C2O4)3\u00b710H2O", "NdH2.7", "Nd2Fe14BH2.7", "Mg(l)", "C", "NdFeO3"]:
        assert name in set(species.name), name


def test_formula_parser_examples():
    assert parse_formula("Nd2(C2O4)3\u00b710H2O") == {"Nd": 2, "C": 6, "O": 22, "H": 20}
    assert parse_formula("NdH2.7") == {"Nd": 1, "H": 2.7}
    assert parse_formula("Fe2(SO4)3") == {"Fe": 2, "S": 3, "O": 12}


def test_table_species_consistency(species, table):
    table_species = set(species[species.thermo_source == "table"].name)
    assert set(table.species) <= set(species.name)
    assert set(table.species) == table_species
    assert not (set(table.species) & CHEMICALS_SPECIES)


def test_rows_contiguous_and_valid(table):
    for name, g in table.groupby("species", sort=False):
        g = g.reset_index(drop=True)
        assert g.T_min_K.is_monotonic_increasing, name
        assert g.T_min_K.iloc[0] <= T_REF, name
        assert (g.T_max_K > g.T_min_K).all(), name
        for i in range(1, len(g)):
            assert g.T_min_K[i] == pytest.approx(g.T_max_K[i - 1], abs=1e-9), name
        assert g.dHf_298_kJ_per_mol.nunique() == 1, f"{name}: dHf must be repeated identically"
        assert g.dH_transition_kJ_per_mol.iloc[0] == 0, name
        assert (g.dH_transition_kJ_per_mol >= 0).all(), name
        for col in ["source", "confidence", "notes"]:
            assert g[col].astype(str).str.strip().str.len().gt(0).all(), (name, col)
        assert set(g.confidence) <= {"high", "medium", "low", "assumption"}, name
        assert g[["A", "B", "C", "D", "E", "dHf_298_kJ_per_mol"]].notna().all().all(), name


def test_condensed_cp_physical(species, table):
    """Cp of every solid/liquid row positive and below 6R per atom on a grid."""
    atoms = {r.name: sum(parse_formula(r.formula).values()) for r in species.itertuples()}
    for r in table.itertuples():
        if r.species.endswith("(aq)"):
            continue
        for T in [r.T_min_K + 1e-6 + k * (r.T_max_K - r.T_min_K) / 20 for k in range(21)]:
            T = min(T, r.T_max_K)
            c = cp(r, T)
            assert 0 < c < 6 * 8.314 * atoms[r.species] + 60, (r.species, T, c)


def test_aqueous_convention(species, table):
    aq = species[species.phase == "aq"].name
    assert len(aq) >= 38
    for name in aq:
        g = table[table.species == name]
        assert len(g) == 1, name
        r = g.iloc[0]
        assert (r.T_min_K, r.T_max_K) == (273.15, 373.15), name
        assert (r[["A", "B", "C", "D", "E"]] == 0).all(), name
        assert "solute sensible heat carried by the solvent water (convention)" in r.notes, name


# --------------------------------------------------------------------------- hand values
def test_fe2o3_vs_janaf(table):
    # NIST-JANAF table Fe-030 (Fe2O3, hematite): Cp(298.15)=103.763 J/mol/K,
    # H-H298 = 100.522 kJ/mol at 1000 K and 115.083 kJ/mol at 1100 K.
    assert cp_at(table, "Fe2O3", 298.15) == pytest.approx(103.763, abs=0.5)
    assert dH(table, "Fe2O3", 1000.0) == pytest.approx(100.522, abs=0.15)
    assert dH(table, "Fe2O3", 1100.0) == pytest.approx(115.083, abs=0.15)
    # heating hematite 25 -> 800 degC: JANAF H-H298 interpolated linearly between 1050 K (108.053)
    # and 1100 K (115.083) gives 111.31 kJ/mol = 0.697 GJ per tonne (M = 159.687 g/mol)
    janaf_1073 = 108.053 + (1073.15 - 1050.0) / 50.0 * (115.083 - 108.053)
    assert dH(table, "Fe2O3", 1073.15) == pytest.approx(janaf_1073, abs=0.15)
    gj_per_t = dH(table, "Fe2O3", 1073.15) / 159.687   # kJ/g == GJ/t
    assert gj_per_t == pytest.approx(0.697, abs=0.003)
    assert rows_of(table, "Fe2O3")[0].dHf_298_kJ_per_mol == pytest.approx(-825.503, abs=0.01)


def test_nd2o3_cp_and_dhf(table):
    # Konings et al., J. Phys. Chem. Ref. Data 43, 013101 (2014): Cp(298.15)=111.3 J/mol/K
    # (same as CRC Handbook); dHf = -1806.9 kJ/mol.
    assert cp_at(table, "Nd2O3", 298.15) == pytest.approx(111.3, abs=0.5)
    assert rows_of(table, "Nd2O3")[0].dHf_298_kJ_per_mol == pytest.approx(-1806.9, abs=0.1)


def test_alumina_and_graphite_vs_janaf(table):
    # JANAF Al-096 (alpha-Al2O3): Cp(298.15)=79.015, H-H298(1000 K)=77.965 kJ/mol
    assert cp_at(table, "Al2O3", 298.15) == pytest.approx(79.015, abs=0.5)
    assert dH(table, "Al2O3", 1000.0) == pytest.approx(77.965, abs=0.15)
    # JANAF C-002 (graphite): Cp(298.15)=8.517, H-H298(1000 K)=11.795 kJ/mol
    assert cp_at(table, "C", 298.15) == pytest.approx(8.517, abs=0.2)
    assert dH(table, "C", 1000.0) == pytest.approx(11.795, abs=0.1)


def test_iron_transitions_vs_janaf(table):
    # JANAF Fe-007 (Fe cr,l): H-H298 = 45.643 kJ/mol at 1500 K (gamma) and 72.452 kJ/mol
    # for liquid at 1809 K (alpha->gamma 0.900, gamma->delta 0.837, fusion 13.807 kJ/mol).
    assert dH(table, "Fe", 1500.0) == pytest.approx(45.643, abs=0.3)
    assert dH(table, "Fe", 1809.0) == pytest.approx(72.452, abs=0.3)
    lat = {r.T_min_K: r.dH_transition_kJ_per_mol for r in rows_of(table, "Fe")}
    assert lat[1809.0] == pytest.approx(13.807, abs=1e-3)


def test_melting_species_vs_janaf(table):
    # JANAF B-097 B2O3(cr,l): H-H298(1000 K, liquid) = 97.585 kJ/mol (fusion 24.07 at 723 K)
    assert dH(table, "B2O3", 1000.0) == pytest.approx(97.585, abs=0.2)
    # JANAF Cu-004 Cu(cr,l): H-H298(1400 K, liquid) = 44.177 kJ/mol
    assert dH(table, "Cu", 1400.0) == pytest.approx(44.177, abs=0.2)
    # JANAF Cl-055 NaCl(cr,l): H-H298(1100 K, liquid) = 74.748 kJ/mol
    assert dH(table, "NaCl", 1100.0) == pytest.approx(74.748, abs=0.2)
    # JANAF F-023 LiF(cr,l): H-H298(1300 K, liquid) = 82.581 kJ/mol
    assert dH(table, "LiF", 1300.0) == pytest.approx(82.581, abs=0.2)
    # JANAF Mg-003 Mg(l): dHf(298)=4.79, H-H298(1000 K) = 24.080 kJ/mol; Mg(cr)->Mg(l) at 923 K
    assert H_abs(table, "Mg(l)", 1000.0) == pytest.approx(4.79 + 24.080, abs=0.05)
    assert H_abs(table, "Mg(l)", 923.0) - H_abs(table, "Mg", 923.0) == pytest.approx(8.477, abs=0.1)


def test_neodymium_vs_sgte(table):
    # SGTE (Dinsdale 1991) GHSERND, 298.15-900 K: G = a + bT + cTlnT + dT^2 + eT^3 + f/T
    a, c, d, e, f = -8402.93, -27.0858, 5.56125e-4, -2.6923e-6, 34887.0

    def H_sgte(T):  # H = G - T dG/dT
        return (a - c * T - d * T**2 - 2 * e * T**3 + 2 * f / T) / 1000.0

    assert dH(table, "Nd", 800.0) == pytest.approx(H_sgte(800.0) - H_sgte(298.15), abs=0.01)
    assert cp_at(table, "Nd", 298.15) == pytest.approx(27.45, abs=0.3)  # CRC Handbook: 27.45 J/mol/K
    lat = {r.T_min_K: r.dH_transition_kJ_per_mol for r in rows_of(table, "Nd")}
    assert lat[1128.0] == pytest.approx(3.03, abs=0.05)   # dhcp -> bcc
    assert lat[1289.0] == pytest.approx(7.14, abs=0.05)   # fusion


def test_aqueous_hand_sums(table):
    # NBS 1982 ionic values (kJ/mol): Nd3+ -696.2, Cl- -167.159, Na+ -240.12, SO4-- -909.27, NO3- -207.36
    h = {r.species: r.dHf_298_kJ_per_mol for r in table.itertuples()}
    assert h["NdCl3(aq)"] == pytest.approx(-696.2 + 3 * -167.159, abs=1e-6)
    assert h["Na2SO4(aq)"] == pytest.approx(2 * -240.12 - 909.27, abs=1e-6)
    assert h["Nd(NO3)3(aq)"] == pytest.approx(-696.2 + 3 * -207.36, abs=1e-6)
    assert h["HCl(aq)"] == pytest.approx(-167.159, abs=1e-6)


def test_roasting_energy_sanity(table):
    # Nd2O3 + Fe2O3 -> 2 NdFeO3 should be mildly exothermic (~ -2 x 55 kJ)
    h = {r.species: r.dHf_298_kJ_per_mol for r in table.itertuples()}
    dr = 2 * h["NdFeO3"] - h["Nd2O3"] - h["Fe2O3"]
    assert -200 < dr < 0
    # hydrided matrix lies below Nd2Fe14B + 1.35 H2 (exothermic absorption)
    assert h["Nd2Fe14BH2.7"] < h["Nd2Fe14B"]
    assert math.isclose(h["Nd2Fe14BH2.7"] - h["Nd2Fe14B"], 1.35 * -70.0, abs_tol=1e-6)
