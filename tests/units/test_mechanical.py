"""Liberation units: hand-checked figures, balances over random feeds, parameter errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from unit_helpers import assert_additive

from recyclopt.chemistry import default_registry
from recyclopt.errors import InputError
from recyclopt.flowsheet import Flowsheet
from recyclopt.units import unit_class

REG = default_registry()
RATE = 100.0  # kg/h
# a coated HDD-type magnet with some product material (steel, Al)
MAGNET = {"Nd2Fe14B": 0.78, "Pr2Fe14B": 0.06, "Dy2Fe14B": 0.03, "Nd": 0.05, "Co": 0.015,
          "B": 0.005, "Ni": 0.008, "Cu": 0.002, "Al": 0.01, "Fe": 0.04}
POOL = ["Nd2Fe14B", "Pr2Fe14B", "Dy2Fe14B", "Tb2Fe14B", "Nd", "Pr", "Dy", "Tb", "NdH2",
        "NdH2.7", "PrH2", "DyH2", "Nd2Fe14BH2.7", "Nd2O3", "Fe", "B", "Co", "Ni", "Cu", "Al"]


def one_unit(utype: str, params: dict | None = None, comp: dict | None = None,
             rate: float = RATE, T: float = 298.15):
    """Solve a flowsheet holding one unit; every active outlet becomes a product stream."""
    params = params or {}
    unit = unit_class(utype)("probe", **params)
    d = {
        "feeds": {"feed": {"rate_kg_per_h": rate, "T_K": T, "composition": comp or MAGNET}},
        "units": {"u": {"type": utype, "inlets": {"in": "feed"},
                        "outlets": {p: p for p in unit.active_outlets()}, "params": params}},
    }
    return Flowsheet.from_dict(d).solve()


def element(res, stream: str, el: str) -> float:
    return float(res.streams[stream].element_flows()[el])


compositions = st.lists(st.floats(0.0, 1.0), min_size=len(POOL), max_size=len(POOL)).filter(
    lambda xs: sum(xs) > 1e-3).map(lambda xs: {s: x / sum(xs) for s, x in zip(POOL, xs,
                                                                                strict=True)})
rates = st.floats(1e-3, 1e5)


# --------------------------------------------------------------------------- hand values
def test_disassembly_counts_units_and_robots():
    res = one_unit("disassembly", {"mode": "robotic"})
    r = res.units["u"]
    # magnet species: RE/B solids + Co + Ni = 1 - Cu - Al - Fe = 0.948 of 100 kg/h
    units_h = 94.8 / 0.003317
    assert r.info["units_per_h"] == pytest.approx(units_h, rel=1e-12)
    # Laliwala: 523,636 HDD/yr per robot over 8000 h -> 65.4545 /h
    robots = units_h / (523_636 / 8000)
    assert r.info["robots"] == pytest.approx(robots, rel=1e-12)
    assert r.electricity_W == pytest.approx(robots * 3000.0, rel=1e-12)
    # magnet outlet: 95% of magnet species + 1.24% of the rest
    assert res.streams["magnet"].total * 3600 == pytest.approx(0.95 * 94.8 + 0.0124 * 5.2)
    manual = one_unit("disassembly").units["u"]
    assert manual.info["workers"] == pytest.approx(units_h / (181_132 / 8000), rel=1e-12)
    assert manual.electricity_W == 0.0


def test_shredding_loses_739_percent_of_rare_earth_and_draws_o2():
    comp = {"Nd2Fe14B": 0.9, "Fe": 0.1}
    res = one_unit("shredding", {"fines_outlet": True}, comp)
    nd_in = element(res, "feed", "Nd")
    # Habibzadeh et al. 2024: 73.9% of the REE lost versus manual liberation
    assert element(res, "out", "Nd") == pytest.approx(0.261 * nd_in, rel=1e-12)
    assert element(res, "fines", "Nd") == pytest.approx(0.739 * nd_in, rel=1e-12)
    # O2: Nd2Fe14B + 1.5 O2 -> Nd2O3 + 14 Fe + B; fines fully, recovered shred 5% oxidised
    mol = 90.0 / 3600 / (REG.molar_masses[REG.idx("Nd2Fe14B")])
    o2 = 1.5 * mol * (0.739 * 1.0 + 0.261 * 0.05) * 0.0319988
    assert res.units["u"].reagents.mass("O2") == pytest.approx(o2, rel=1e-4)
    # 14.71 kW at 2,700 drives/h of 0.5 kg -> 10.896 kWh/t; x 0.1 t/h -> 1089.63 W
    assert res.units["u"].electricity_W == pytest.approx(1089.6296, rel=1e-7)
    # oxidation heat is rejected, so rejected > electricity
    assert res.units["u"].heat_rejected_W > res.units["u"].electricity_W


def test_shredding_fines_to_losses_by_default():
    res = one_unit("shredding", {}, {"Nd2Fe14B": 1.0})
    r = res.units["u"]
    assert "fines" not in res.streams
    assert float(REG.element_vector(r.losses.flows)[REG.element_index["Nd"]]) == pytest.approx(
        0.739 * element(res, "feed", "Nd"), rel=1e-12)


def test_demagnetisation_heat_of_iron_from_shomate_by_hand():
    # Fe, NIST Shomate 298-700 K: A..E = 18.42868, 24.64301, -8.91372, 9.664706, -0.012643
    # int_298.15^623.15 Cp dT = 9361.55 J/mol -> 167.63 kJ/kg; / 0.95 efficiency -> 176.46 kJ/kg
    res = one_unit("demagnetisation", {}, {"Fe": 1.0}, rate=3.6)  # 1 g/s
    r = res.units["u"]
    assert r.electricity_W == pytest.approx(176.457, rel=1e-4)
    # all of it leaves as heat (load cooled back to 298.15 K)
    assert r.heat_rejected_W == pytest.approx(r.electricity_W, rel=1e-12)
    assert r.info["load_heat_kWh_per_kg"] == pytest.approx(167.6346 / 3600, rel=1e-4)


def test_demagnetisation_fuel_heating():
    r = one_unit("demagnetisation", {"heating": "fuel", "efficiency": 0.5}, {"Fe": 1.0},
                 rate=3.6).units["u"]
    assert r.heat_W == pytest.approx(167.6346 / 0.5, rel=1e-4)
    assert r.electricity_W == 0.0


def test_coating_removal_and_sieving_split():
    res = one_unit("coating_removal")
    ni_in = res.streams["feed"].mass("Ni")
    assert res.streams["coating"].mass("Ni") == pytest.approx(0.95 * ni_in, rel=1e-12)
    assert res.streams["coating"].mass("Nd2Fe14B") == pytest.approx(
        0.01 * res.streams["feed"].mass("Nd2Fe14B"), rel=1e-12)
    res = one_unit("sieving")
    # Walton 2015: Ni < 330 ppm in sieved HD powder -> 3.5% of the coating passes
    assert res.streams["powder"].mass("Ni") == pytest.approx(0.035 * ni_in, rel=1e-12)
    assert res.streams["powder"].mass("Fe") == 0.0
    assert res.streams["powder"].mass("Nd") == pytest.approx(0.98 * 0.05 * RATE / 3600)
    # a 0.9 wt% Ni coating on an otherwise pure magnet ends near the reported 330 ppm
    pure = one_unit("sieving", {}, {"Nd2Fe14B": 0.991, "Ni": 0.009})
    assert pure.units["u"].info["Ni_ppm_in_powder"] == pytest.approx(
        1e6 * 0.035 * 0.009 / (0.035 * 0.009 + 0.98 * 0.991), rel=1e-12)
    assert pure.units["u"].info["Ni_ppm_in_powder"] < 330


def test_jet_milling_energy_n2_and_oxygen_pickup():
    res = one_unit("jet_milling", {}, {"Nd2Fe14B": 1.0}, rate=3.6)
    r = res.units["u"]
    assert r.electricity_W == pytest.approx(1.5 * 3.6e6 * 1e-3, rel=1e-12)  # 1.5 kWh/kg x 1 g/s
    assert res.streams["offgas"].mass("N2") == pytest.approx(0.3e-3, rel=1e-12)
    # 1% of Nd2Fe14B oxidised: 3 O per formula unit
    o = 0.01 * 1e-3 / REG.molar_masses[REG.idx("Nd2Fe14B")] * 3 * 15.999e-3
    assert r.info["O_pickup_kg_per_kg"] == pytest.approx(o / 1e-3, rel=1e-4)


# --------------------------------------------------------------------------- balances
UNIT_PARAMS = {
    "disassembly": st.fixed_dictionaries({
        "mode": st.sampled_from(["manual", "robotic"]), "magnet_recovery": st.floats(0, 1),
        "carryover": st.floats(0, 1)}),
    "shredding": st.fixed_dictionaries({
        "re_loss": st.floats(0, 1), "oxidation": st.floats(0, 1),
        "fines_oxidation": st.floats(0, 1), "fines_outlet": st.booleans()}),
    "demagnetisation": st.fixed_dictionaries({
        "T_K": st.floats(500, 900), "oxidation": st.floats(0, 1),
        "heating": st.sampled_from(["electric", "fuel"]), "efficiency": st.floats(0.1, 1)}),
    "coating_removal": st.fixed_dictionaries({
        "removal": st.floats(0, 1), "magnet_loss": st.floats(0, 1)}),
    "sieving": st.fixed_dictionaries({
        "magnet_to_powder": st.floats(0, 1), "coating_to_powder": st.floats(0, 1),
        "default_to_powder": st.floats(0, 1)}),
    "jet_milling": st.fixed_dictionaries({
        "specific_energy_kWh_per_kg": st.floats(0, 5), "n2_kg_per_kg": st.floats(0, 2),
        "oxidation": st.floats(0, 1)}),
}


@pytest.mark.parametrize("utype", sorted(UNIT_PARAMS))
def test_balances_close_for_random_feeds_and_parameters(utype):
    @given(comp=compositions, rate=rates, params=UNIT_PARAMS[utype])
    def check(comp, rate, params):
        res = one_unit(utype, params, comp, rate)
        bal = res.check_balances(1e-9)  # elements, mass and energy, unit and flowsheet
        assert (bal.drop(index=["energy"], level="quantity")["rel_error"] <= 1e-9).all()

    check()


@pytest.mark.parametrize("utype", sorted(UNIT_PARAMS))
def test_units_are_affine_in_the_feed(utype):
    # outputs at feed a + b equal the sum of the outputs at a and b (no constant part here)
    a = {"Nd2Fe14B": 0.7, "Nd": 0.1, "Ni": 0.05, "Fe": 0.15}
    b = {"NdH2.7": 0.2, "Pr2Fe14B": 0.5, "Co": 0.1, "Cu": 0.2}
    ra, rb = one_unit(utype, comp=a, rate=10.0), one_unit(utype, comp=b, rate=30.0)
    ab = {k: (10.0 * a.get(k, 0) + 30.0 * b.get(k, 0)) / 40.0 for k in set(a) | set(b)}
    rab = one_unit(utype, comp=ab, rate=40.0)
    assert_additive(ra, rb, rab, ("electricity_W", "heat_W"))


# --------------------------------------------------------------------------- bad parameters
@pytest.mark.parametrize("utype, params, match", [
    ("disassembly", {"mode": "telepathic"}, r"'mode'.*allowed: \['manual', 'robotic'\]"),
    ("disassembly", {"magnet_recovery": 1.2},
     r"'magnet_recovery': 1.2 - is outside the allowed range \[0, 1\]"),
    ("disassembly", {"magnet_species": ["Unobtainium"]}, r"magnet_species.*Unobtainium"),
    ("shredding", {"re_loss": -0.1}, r"'re_loss': -0.1 - is outside the allowed range \[0, 1\]"),
    ("shredding", {"specific_energy_kWh_per_t": -1},
     r"'specific_energy_kWh_per_t'.*outside the allowed range \[0, 10000\]"),
    ("demagnetisation", {"T_K": 2000}, r"'T_K': 2000 K is outside the allowed range \[450, 1000\]"),
    ("demagnetisation", {"T_K": 600, "T_out_K": 700}, r"'T_out_K': 700 K is above"),
    ("demagnetisation", {"efficiency": 0}, r"'efficiency'.*\[0.05, 1\]"),
    ("coating_removal", {"coating_species": "Ni"}, r"'coating_species': expected a list"),
    ("sieving", {"split": {"Ni": 2}}, r"'split.Ni': 2 - is outside the allowed range \[0, 1\]"),
    ("jet_milling", {"oxidation": 1.5}, r"'oxidation': 1.5 - is outside the allowed range"),
])
def test_bad_parameters_name_the_parameter_and_range(utype, params, match):
    with pytest.raises(InputError, match=match):
        one_unit(utype, params)
