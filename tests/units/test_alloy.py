"""Strip casting (units/alloy.py): hand-checked alloy make-up and melting energy, balances,
linearity and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unit_helpers import assert_additive, kg_h, reagent_kg_h, run

from recyclopt.chemistry import default_registry
from recyclopt.errors import InputError
from recyclopt.flowsheet import single_unit
from recyclopt.units.alloy import fusion_enthalpy

# IUPAC standard atomic weights, g/mol
M_ND, M_PR, M_FE, M_B = 144.242, 140.908, 55.845, 10.81
M_ND2FE14B = 2 * M_ND + 14 * M_FE + M_B


def test_fusion_enthalpy_from_species_data():
    reg = default_registry()
    # JANAF table Fe-007: Fe melts at 1809 K with 13.807 kJ/mol; Nd at 1289 K, 7.142 kJ/mol
    assert fusion_enthalpy(reg, "Fe") == pytest.approx((1809.0, 13807.0))
    assert fusion_enthalpy(reg, "Nd") == pytest.approx((1289.0, 7142.1))
    # B has a single (solid) range up to 1800 K: no fusion in the data
    assert fusion_enthalpy(reg, "B") == (float("inf"), 0.0)


def test_strip_casting_alloy_make_up_by_hand():
    # 100 kg/h Nd, matrix fraction 0.82: 0.82 x 100/144.242 kmol/h Nd -> 0.41 x that of
    # Nd2Fe14B, drawing 14 x 0.41 x n Fe and 0.41 x n B; 18 kg/h Nd stays as grain-boundary metal
    res = run("strip_casting", {}, {"Nd": 100.0})
    n = 100.0 / M_ND
    phase = 0.41 * n
    assert kg_h(res, "s_alloy", "Nd2Fe14B") == pytest.approx(phase * M_ND2FE14B, rel=1e-4)
    assert kg_h(res, "s_alloy", "Nd") == pytest.approx(18.0, rel=1e-9)
    assert reagent_kg_h(res, "Fe") == pytest.approx(14 * phase * M_FE, rel=1e-4)
    assert reagent_kg_h(res, "B") == pytest.approx(phase * M_B, rel=1e-3)
    # alloy = 100 + Fe + B = 100 + 0.41 x 0.69327 x (14 x 55.845 + 10.81) = 325.3 kg/h:
    # 30.7 wt% RE, inside the 28-35 wt% of sintered grades
    alloy = 100.0 + phase * (14 * M_FE + M_B)
    assert res.streams["s_alloy"].total * 3600 == pytest.approx(alloy, rel=1e-4)
    assert res.units["u"].info["RE_wt_pct"] == pytest.approx(100 * 100.0 / alloy, rel=1e-4)
    assert 28.0 < res.units["u"].info["RE_wt_pct"] < 35.0


def test_strip_casting_energy_by_hand():
    # kWh/kg alloy = [n_Nd dH_Nd + n_Fe (dH_Fe + 13.807 kJ/mol) + n_B dH_B] / eff / 3.6e6 / m
    # with dH = H(1723.15 K) - H(298.15 K) from the species data (Nd molten: its fusion is in
    # dH; Fe melts at 1809 K > 1723 K, so its JANAF fusion enthalpy is added: it dissolves)
    reg = default_registry()
    T = 1723.15

    def dh(sp: str) -> float:
        return reg.molar_enthalpy(sp, T) - reg.molar_enthalpy(sp, 298.15)  # J/mol

    n = 100.0 / M_ND / 3.6  # mol/s of Nd for 100 kg/h
    n_fe, n_b = 14 * 0.41 * n, 0.41 * n
    melt_W = n * dh("Nd") + n_fe * (dh("Fe") + 13807.0) + n_b * dh("B")
    alloy_kg_s = (100.0 + 0.41 * 100.0 / M_ND * (14 * M_FE + M_B)) / 3600.0
    res = run("strip_casting", {"efficiency": 0.65}, {"Nd": 100.0})
    u = res.units["u"]
    assert u.electricity_W == pytest.approx(melt_W / 0.65, rel=1e-3)
    kwh = melt_W / 0.65 / 3.6e6 / alloy_kg_s
    assert u.info["kWh_per_kg_alloy"] == pytest.approx(kwh, rel=1e-3)
    # plausibility: the Fe share per kg Fe, 1450 C, at 0.65 is 0.50-0.55 kWh/kg; crucible
    # induction furnaces melt iron to 1550 C at 0.56-0.64 kWh/kg (aboutfoundry.com)
    fe_kwh_per_kg = (dh("Fe") + 13807.0) / (M_FE / 1000) / 0.65 / 3.6e6
    assert 0.45 < fe_kwh_per_kg < 0.64
    # the flakes leave cold: all the furnace energy and the heat of formation are rejected
    assert u.heat_rejected_W > 0.9 * u.electricity_W


def test_strip_casting_skims_non_metals_to_dross():
    # an oxide in the charge is not alloyed: it leaves unchanged with the dross
    res = run("strip_casting", {}, {"Nd": 90.0, "Nd2O3": 10.0, "Co": 2.0})
    assert kg_h(res, "s_dross", "Nd2O3") == pytest.approx(10.0)
    assert kg_h(res, "s_alloy", "Nd2O3") == 0.0
    assert kg_h(res, "s_alloy", "Co") == pytest.approx(2.0)  # other metals go into the alloy


def test_strip_casting_is_linear_in_its_feed():
    a = {"Nd": 60.0, "Pr": 20.0}
    b = {"Dy": 10.0, "Tb": 1.0, "Fe": 5.0}
    ab = {k: a.get(k, 0.0) + b.get(k, 0.0) for k in {**a, **b}}
    assert_additive(run("strip_casting", {}, a), run("strip_casting", {}, b),
                    run("strip_casting", {}, ab))


@settings(max_examples=15, deadline=None)
@given(w=st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
       rate=st.floats(1e-3, 1e5), phi=st.floats(0.5, 1.0), T=st.floats(1473.15, 1800.0))
def test_strip_casting_balances(w, rate, phi, T):
    species = ["Nd", "Pr", "Dy", "Tb", "Fe", "Nd2O3"]
    tot = sum(w) or 1.0
    flows = {sp: rate * x / tot for sp, x in zip(species, w, strict=True) if x > 0} or {"Nd": rate}
    run("strip_casting", {"matrix_fraction": phi, "T_pour_K": T}, flows)


@pytest.mark.parametrize("params, field", [({"matrix_fraction": 1.5}, "matrix_fraction"),
                                           ({"T_pour_K": 2500.0}, "T_pour_K"),
                                           ({"efficiency": 0.0}, "efficiency"),
                                           ({"yield": 0.9}, "yield")])
def test_strip_casting_rejects_bad_parameters(params, field):
    with pytest.raises(InputError) as exc:
        single_unit("strip_casting", params, {"Nd": 1.0})
    assert exc.value.field == field
