"""Streams: construction checks, mixing energy balance, splitting, tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recyclopt.chemistry import default_registry
from recyclopt.errors import InputError, UnknownSpeciesError
from recyclopt.streams import Stream, mix, split, stream_table

REG = default_registry()


def test_negative_flow_names_species_and_range():
    with pytest.raises(InputError, match=r"'Fe'.*allowed range >= 0"):
        Stream.from_masses({"Fe": -1.0})


def test_unknown_species():
    with pytest.raises(UnknownSpeciesError, match="Kryptonite"):
        Stream.from_masses({"Kryptonite": 1.0})


def test_composition_must_sum_to_one():
    with pytest.raises(InputError, match="sum to 0.9"):
        Stream.from_composition(1.0, {"Fe": 0.6, "Nd": 0.3})
    s = Stream.from_composition(2.0, {"Fe": 0.7, "Nd": 0.3})
    assert s.mass("Fe") == pytest.approx(1.4)


def test_fraction_out_of_range():
    with pytest.raises(InputError, match="allowed range 0-1"):
        Stream.from_composition(1.0, {"Fe": 1.5, "Nd": -0.5})


def test_element_flows_by_hand():
    # 1 kg/s Nd2O3: Nd = 2*144.242/336.482 = 0.85735 kg/s, O = 0.14265 kg/s
    s = Stream.from_masses({"Nd2O3": 1.0})
    e = s.element_flows()
    assert e["Nd"] == pytest.approx(0.85735, rel=1e-4)
    assert e["Nd"] + e["O"] == pytest.approx(1.0, rel=1e-12)


def test_mixing_water_by_hand():
    # equal masses of liquid water at 300 K and 350 K: Cp nearly constant (4.18 kJ/kg/K),
    # so the mixture sits at the mass-weighted mean, 325 K, within 0.05 K
    a = Stream.from_masses({"H2O(l)": 1.0}, T=300.0)
    b = Stream.from_masses({"H2O(l)": 1.0}, T=350.0)
    m = mix([a, b])
    assert m.T == pytest.approx(325.0, abs=0.05)
    assert m.enthalpy() == pytest.approx(a.enthalpy() + b.enthalpy(), rel=1e-10)


@given(
    st.floats(0.01, 10), st.floats(0.01, 10), st.floats(300, 360), st.floats(300, 640),
)
def test_mixing_conserves_mass_and_enthalpy(m1, m2, T1, T2):
    a = Stream.from_masses({"H2O(l)": m1, "Fe": 0.1 * m1}, T=T1)
    b = Stream.from_masses({"Fe2O3": m2}, T=T2)
    out = mix([a, b])
    assert out.total == pytest.approx(m1 + 0.1 * m1 + m2, rel=1e-12)
    h_in = a.enthalpy() + b.enthalpy()
    # the outlet T is solved so that H_out = H_in (absolute enthalpies; scale by throughput)
    assert abs(out.enthalpy() - h_in) <= 1e-9 * max(abs(h_in), 1e6 * out.total)
    assert min(T1, T2) - 1e-6 <= out.T <= max(T1, T2) + 1e-6


def test_split_keeps_composition_and_mass():
    s = Stream.from_masses({"Fe": 3.0, "Nd": 1.0}, T=400.0)
    a, b = split(s, [0.25, 0.75])
    assert a.mass("Fe") == pytest.approx(0.75)
    assert (a.flows + b.flows == pytest.approx(s.flows))
    assert a.T == b.T == 400.0
    with pytest.raises(InputError, match="sum to 1"):
        split(s, [0.5, 0.6])


def test_stream_table_layout():
    s1 = Stream.from_masses({"Fe": 1.0}, name="a")
    s2 = Stream.from_masses({"Nd2O3": 2.0}, T=500.0, name="b")
    t = stream_table([s1, s2], unit="kg/h")
    assert list(t.columns) == ["a", "b"]
    assert t.loc["Fe", "a"] == pytest.approx(3600.0)
    assert t.loc["total [kg/h]", "b"] == pytest.approx(7200.0)
    assert t.loc["T [K]", "b"] == 500.0
    te = stream_table([s1, s2], basis="element", unit="kg/s")
    assert te.loc["Nd", "b"] + te.loc["O", "b"] == pytest.approx(2.0)
    assert np.isclose(te.loc["Fe", "a"], 1.0)
