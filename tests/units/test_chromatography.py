"""Tests of the displacement-chromatography split model (recyclopt.units.chromatography).

Expected values are derived by hand in the comments from the model's stated equations
(logistic boundary with log-odds slope ln(alpha) per plate, isotachic bands).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recyclopt.errors import InputError
from recyclopt.units.cascade import SeparationInfeasibleError
from recyclopt.units.chromatography import (
    DisplacementDesign,
    required_plates,
    selectivity_from_log_k,
    simulate,
    split_fractions,
)

MAGNET_RE = {"Dy": 3.5, "Tb": 0.5, "Nd": 21.5, "Pr": 5.5}  # kg/h, typical NdFeB RE mix


def _design(n_plates=1000.0, alphas=(2.3, 34.0, 1.48), **kw):
    return DisplacementDesign(("Dy", "Tb", "Nd", "Pr"), alphas, n_plates, **kw)


def test_midpoint_cut_crossing_by_hand():
    # Binary A|B, alpha = 2, 100 plates, loading 0.5, z = (0.5, 0.5): bands of 25 plates.
    # Midpoint cut: each side receives ln 2 / ln 2 = 1 plate of the other component,
    # so 1/25 = 4 % of each component crosses over.
    d = DisplacementDesign(("A", "B"), (2.0,), 100.0, loading_fraction=0.5)
    s = split_fractions(d, [1.0, 1.0])
    assert s.loc["A", "B"] == pytest.approx(1 / 25, rel=1e-12)
    assert s.loc["B", "A"] == pytest.approx(1 / 25, rel=1e-12)
    assert s.loc["A", "A"] == pytest.approx(24 / 25, rel=1e-12)


def test_offset_cut_by_hand():
    # Offset c = +1 plate towards the rear band with s = ln 4:
    # u = ln(1 + 4)/ln 4 (rear into front), v = ln(1 + 1/4)/ln 4 (front into rear).
    d = DisplacementDesign(("A", "B"), (4.0,), 100.0, loading_fraction=0.5, cut_offsets=(1.0,))
    s = split_fractions(d, [1.0, 1.0])
    assert s.loc["B", "A"] == pytest.approx(math.log(5) / math.log(4) / 25, rel=1e-12)
    assert s.loc["A", "B"] == pytest.approx(math.log(1.25) / math.log(4) / 25, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 50.0)), min_size=4, max_size=4),
       st.floats(10.0, 1e5), st.lists(st.floats(1.01, 100.0), min_size=3, max_size=3),
       st.floats(0.01, 1.0))
def test_mass_balance_closes(feed, plates, alphas, loading):
    if sum(feed) == 0:
        feed[0] = 1.0
    d = _design(plates, tuple(alphas), loading_fraction=loading)
    r = simulate(d, dict(zip(d.components, feed, strict=True)))
    np.testing.assert_allclose(r.products.sum(axis=1), feed, rtol=1e-12, atol=1e-12)
    assert r.balance_error < 1e-12
    assert (r.split.to_numpy() >= 0).all()
    np.testing.assert_allclose(r.split.sum(axis=1), 1.0, rtol=1e-12)


def test_split_is_linear_in_feed_rate():
    d = _design()
    r1, r3 = simulate(d, MAGNET_RE), simulate(d, {k: 3 * v for k, v in MAGNET_RE.items()})
    np.testing.assert_allclose(r3.products.to_numpy(), 3 * r1.products.to_numpy(), rtol=1e-12)
    assert r3.resin_inventory_kg == pytest.approx(3 * r1.resin_inventory_kg)


def test_purity_increases_with_plates():
    purities = [simulate(_design(n), MAGNET_RE).purity for n in (300, 1000, 3000, 10000)]
    for lo, hi in zip(purities[:-1], purities[1:], strict=True):
        assert (hi.to_numpy() > lo.to_numpy()).all()


def test_purity_increases_with_selectivity():
    purities = [simulate(_design(3000, (a, 34.0, b)), MAGNET_RE).purity
                for a, b in ((1.5, 1.2), (2.3, 1.48), (4.0, 3.0))]
    for lo, hi in zip(purities[:-1], purities[1:], strict=True):
        assert (hi.to_numpy() > lo.to_numpy()).all()


def test_grouped_products_and_required_split():
    d = _design(products=(("Dy", "Tb"), ("Nd", "Pr")))
    r = simulate(d, MAGNET_RE)
    assert list(r.products.columns) == ["Dy+Tb", "Nd+Pr"]
    # only the Tb|Nd boundary is cut: Dy never reaches Nd+Pr, Pr never reaches Dy+Tb
    assert r.products.loc["Dy", "Nd+Pr"] == 0.0 and r.products.loc["Pr", "Dy+Tb"] == 0.0
    # within a product a selectivity <= 1 is allowed (no split required there)
    DisplacementDesign(("Dy", "Tb", "Nd", "Pr"), (0.9, 34.0, 1.0), 100.0,
                       products=(("Dy", "Tb"), ("Nd", "Pr")))


@pytest.mark.parametrize("alpha", [1.0, 0.8])
def test_selectivity_not_above_one_for_required_split_is_an_error(alpha):
    with pytest.raises(InputError, match=r"selectivity\[Nd/Pr\] must be > 1 for the required "
                                         r"split") as info:
        DisplacementDesign(("Nd", "Pr"), (alpha,), 100.0)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(n_plates=0.0), r"n_plates must be > 0"),
        (dict(loading_fraction=1.5), r"loading_fraction must be in \(0, 1\]"),
        (dict(loading_fraction=0.0), r"loading_fraction must be > 0"),
        (dict(resin_capacity_eq_per_kg=-1.0), r"resin_capacity_eq_per_kg must be > 0"),
        (dict(cut_offsets=(0.0,)), r"cut_offsets needs 3 finite values"),
        (dict(products=(("Tb", "Dy"), ("Nd", "Pr"))), r"contiguous components"),
    ],
)
def test_design_validation(kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        _design(**kwargs)


def test_resin_inventory_and_eluent_by_hand():
    # Nd/Pr only, 1 kg/h each. Capacity 2 eq/kg, loading 0.3, RE3+: 0.2 mol RE per kg resin
    # per cycle; mean molar mass = 2 kg / (1/0.144242 + 1/0.140908) mol.
    # Resin = 2 kg/h * 12 h / (0.2 * M_mean); eluent = 250 L/kg * 2 kg/h = 0.5 m3/h.
    d = DisplacementDesign(("Nd", "Pr"), (1.48,), 1000.0)
    r = simulate(d, {"Nd": 1.0, "Pr": 1.0})
    m_mean = 2.0 / (1 / 0.144242 + 1 / 0.140908)
    assert r.re_per_kg_resin_per_cycle == pytest.approx(0.2 * m_mean, rel=1e-4)
    assert r.resin_inventory_kg == pytest.approx(24.0 / (0.2 * m_mean), rel=1e-4)
    assert r.eluent_m3_per_h == pytest.approx(0.5)


def test_required_plates_meets_target():
    comp = {"Nd": 0.76, "Pr": 0.24}
    d = DisplacementDesign(("Nd", "Pr"), (1.48,), 1.0)
    n = required_plates(d, comp, 0.995)
    # by hand (midpoint cut, both products must reach 99.5 %): crossings are
    # ln 2 / ln 1.48 plates; the Pr product (band 0.3 * 0.24 N) is the binding one:
    # (0.072 N - x) / (0.072 N) = 0.995 with x = ln2/ln1.48 -> N = x / (0.005 * 0.072)
    x = math.log(2) / math.log(1.48)
    assert n == pytest.approx(x / (0.005 * 0.072), rel=1e-6)
    s = split_fractions(DisplacementDesign(("Nd", "Pr"), (1.48,), n), comp)
    pr_product_purity = 0.24 * s.loc["Pr", "Pr"] / (0.24 * s.loc["Pr", "Pr"]
                                                     + 0.76 * s.loc["Nd", "Pr"])
    assert pr_product_purity == pytest.approx(0.995, abs=1e-9)


def test_required_plates_unreachable():
    with pytest.raises(SeparationInfeasibleError, match="max_plates"):
        required_plates(DisplacementDesign(("Nd", "Pr"), (1.01,), 1.0), [0.5, 0.5], 0.9999,
                        max_plates=100.0)


def test_selectivity_from_log_k():
    # EDTA: log K Nd 16.31 > Pr 16.14 -> Nd first, alpha = 10^0.17 = 1.479
    order, alphas = selectivity_from_log_k({"Pr": 16.14, "Nd": 16.31})
    assert order == ("Nd", "Pr")
    assert alphas[0] == pytest.approx(10 ** 0.17)


def test_absent_component_bridged():
    # No Tb in the feed: Dy and Nd bands touch, with selectivity 2.3 * 34.
    d = _design()
    s = split_fractions(d, {"Dy": 1.0, "Nd": 1.0, "Pr": 1.0})
    assert s.loc["Tb", "Tb"] == 1.0
    band = 0.3 * 1000 / 3
    assert s.loc["Dy", "Nd"] == pytest.approx(math.log(2) / math.log(2.3 * 34) / band)
