"""Tests for recyclopt.economics.capex; expected values derived by hand in comments."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from recyclopt.economics import (
    CapexCurve,
    EconomicsInputError,
    escalate,
    power_law_chord_error,
    rescale_by_index,
    scaling_law_curve,
)
from recyclopt.errors import InputError

# Curve used below: (0, 0) - (10, 100) - (20, 150); slopes 100/10 = 10 and 50/10 = 5.
CURVE = CapexCurve(points=(0.0, 10.0, 20.0), costs=(0.0, 100.0, 150.0), capacity_unit="kg/s")


def test_cost_interpolates_linearly() -> None:
    # 5 is half-way along the first segment: 0 + 10 * 5 = 50.
    assert CURVE.cost(5.0) == pytest.approx(50.0)
    # 15 is half-way along the second segment: 100 + 5 * 5 = 125.
    assert CURVE.cost(15.0) == pytest.approx(125.0)
    assert isinstance(CURVE.cost(15.0), float)
    # Vectorised: the breakpoints return their own costs.
    np.testing.assert_allclose(CURVE.cost([0.0, 10.0, 20.0]), [0.0, 100.0, 150.0])


def test_cost_below_first_point_is_smallest_unit() -> None:
    curve = CapexCurve(points=(2.0, 4.0), costs=(100.0, 140.0))
    # Below the smallest buildable size the cost stays at the smallest unit's cost, 100.
    assert curve.cost(1.0) == pytest.approx(100.0)
    # 3 is mid-way: (100 + 140) / 2 = 120.
    assert curve.cost(3.0) == pytest.approx(120.0)


def test_cost_above_last_point_raises() -> None:
    with pytest.raises(EconomicsInputError, match=r"capacity must be in \[0, 20\].*got 25"):
        CURVE.cost(25.0)
    with pytest.raises(EconomicsInputError, match="got -1"):
        CURVE.cost(-1.0)


def test_segments_table() -> None:
    seg = CURVE.segments()
    assert list(seg.columns) == ["cap_lo", "cap_hi", "cost_lo", "cost_hi", "slope", "intercept"]
    np.testing.assert_allclose(seg["slope"], [10.0, 5.0])
    # Intercepts: first segment passes through (0, 0) -> 0; second: 100 - 5 * 10 = 50.
    np.testing.assert_allclose(seg["intercept"], [0.0, 50.0])
    np.testing.assert_allclose(seg["cap_hi"], [10.0, 20.0])


def test_is_concave() -> None:
    # Slopes 10 then 5: non-increasing -> concave.
    assert CURVE.is_concave()
    # Slopes 1 then 2: increasing -> not concave.
    assert not CapexCurve(points=(0, 1, 2), costs=(0, 1, 3)).is_concave()
    # A straight line (slopes 2, 2) counts as concave.
    assert CapexCurve(points=(0, 1, 2), costs=(0, 2, 4)).is_concave()


def test_curve_is_frozen_and_keeps_metadata() -> None:
    curve = CapexCurve(points=[1, 2], costs=[3, 4], source="test data")
    assert curve.points == (1.0, 2.0)
    assert curve.source == "test data"
    assert curve.max_relative_error is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        curve.points = (0.0, 1.0)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("points", "costs", "message"),
    [
        (
            (0.0, 10.0, 5.0),
            (0.0, 1.0, 2.0),
            "capex points: capacity must be strictly increasing; got 5.0 after 10.0 at index 2",
        ),
        (
            (0.0, 10.0, 10.0),
            (0.0, 1.0, 2.0),
            "capex points: capacity must be strictly increasing; got 10.0 after 10.0 at index 2",
        ),
        ((0.0, 1.0), (0.0, -5.0), "capex costs: cost must be >= 0 USD; got -5.0 at index 1"),
        ((-1.0, 1.0), (0.0, 5.0), "capex points: capacity must be >= 0; got -1.0 at index 0"),
        (
            (0.0, 1.0, 2.0),
            (0.0, 100.0, 90.0),
            "capex costs: cost must be non-decreasing with capacity; got 90.0 after 100.0 at "
            "index 2",
        ),
        ((1.0,), (1.0,), "capex points: need at least 2 points; got 1"),
        ((0.0, 1.0), (1.0,), "capex costs: need one cost per point; got 1 costs for 2 points"),
        (
            (0.0, float("nan")),
            (1.0, 2.0),
            "capex points: values must be finite; got nan at index 1",
        ),
    ],
)
def test_curve_validation(points, costs, message) -> None:
    with pytest.raises(EconomicsInputError) as info:
        CapexCurve(points=points, costs=costs)
    assert str(info.value) == message
    # The economics error is a project InputError and a ValueError.
    assert isinstance(info.value, InputError)
    assert isinstance(info.value, ValueError)


def test_scaling_law_geometric_hand_example() -> None:
    # cost = 1000 * cap^0.5 on [1, 16] with 3 geometric points: ratio sqrt(16) = 4 ->
    # points 1, 4, 16 and costs 1000*1 = 1000, 1000*2 = 2000, 1000*4 = 4000.
    curve = scaling_law_curve(1000.0, 1.0, 0.5, 1.0, 16.0, n_points=3, capacity_unit="kg/s")
    np.testing.assert_allclose(curve.points, [1.0, 4.0, 16.0])
    np.testing.assert_allclose(curve.costs, [1000.0, 2000.0, 4000.0])
    # Chord of sqrt(x) on [1, 4]: slope s = (2 - 1) / 3 = 1/3, intercept c = 1 - 1/3 = 2/3.
    # chord/f is stationary at x* = n c / ((1 - n) s) = 0.5 * (2/3) / (0.5 * 1/3) = 2,
    # where chord = 2/3 + 2/3 = 4/3 and sqrt(2) = 1.414214: error 1 - 1.333333/1.414214
    # = 0.0571910. Segment [4, 16] has the same ratio, so the same error.
    assert curve.max_relative_error == pytest.approx(0.0571910, abs=1e-7)
    assert curve.is_concave()
    assert curve.capacity_unit == "kg/s"
    assert "power law" in curve.source


def test_scaling_law_linear_spacing_and_source() -> None:
    # Linear spacing on [1, 16] with 3 points: 1, 8.5, 16.
    curve = scaling_law_curve(
        1000.0, 1.0, 0.5, 1.0, 16.0, n_points=3, spacing="linear", source="Keim 2019"
    )
    np.testing.assert_allclose(curve.points, [1.0, 8.5, 16.0])
    # 1000 * sqrt(8.5) = 2915.476
    assert curve.costs[1] == pytest.approx(2915.476, abs=1e-3)
    assert curve.source.startswith("Keim 2019; power law")


def test_scaling_law_error_matches_dense_sampling() -> None:
    # Brute force: compare the curve with the law on a dense grid and take the worst
    # relative deviation; it must equal the analytic value reported.
    ref_cost, ref_cap, n = 263_100.0, 10.0, 0.6197
    curve = scaling_law_curve(ref_cost, ref_cap, n, 0.5, 50.0, n_points=5)
    x = np.linspace(0.5, 50.0, 400_001)
    law = ref_cost * (x / ref_cap) ** n
    worst = float(np.max(np.abs(curve.cost(x) - law) / law))
    assert curve.max_relative_error == pytest.approx(worst, rel=1e-6)


def test_scaling_law_exponent_one_is_exact() -> None:
    # cost = 50 * cap: chords coincide with the law, error 0; cost at 3 = 150.
    curve = scaling_law_curve(50.0, 1.0, 1.0, 1.0, 10.0, n_points=4)
    assert curve.max_relative_error == 0.0
    assert curve.cost(3.0) == pytest.approx(150.0)


def test_power_law_chord_error_hand_value() -> None:
    # Exponent 0.6 on [1, 2]: s = 2^0.6 - 1 = 0.515717, c = 1 - s = 0.484283,
    # x* = 0.6 * 0.484283 / (0.4 * 0.515717) = 1.408574, chord = 0.484283 + 0.515717 *
    # 1.408574 = 1.210710, f = 1.408574^0.6 = 1.228198, error = 1 - 1.210710/1.228198
    # = 0.014239.
    assert power_law_chord_error(1.0, 2.0, 0.6) == pytest.approx(0.014239, abs=1e-6)
    # Scale invariance: [10, 20] has the same ratio, same error.
    assert power_law_chord_error(10.0, 20.0, 0.6) == pytest.approx(0.014239, abs=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cap_min": 0.0}, r"scaling_law cap_min: must be in \(0, inf\); got 0"),
        ({"cap_max": 1.0}, r"scaling_law cap_max: must be in \(1, inf\); got 1"),
        ({"n_points": 1}, "scaling_law n_points: must be >= 2; got 1"),
        ({"exponent": -0.5}, r"scaling_law exponent: must be in \(0, inf\); got -0.5"),
        ({"ref_cost": 0.0}, r"scaling_law ref_cost: must be in \(0, inf\); got 0"),
        ({"spacing": "log"}, "scaling_law spacing: must be 'geometric' or 'linear'; got 'log'"),
    ],
)
def test_scaling_law_validation(kwargs, message) -> None:
    args = {
        "ref_cost": 1000.0,
        "ref_capacity": 1.0,
        "exponent": 0.6,
        "cap_min": 1.0,
        "cap_max": 10.0,
    }
    args.update(kwargs)
    with pytest.raises(EconomicsInputError, match=message):
        scaling_law_curve(**args)


def test_escalate() -> None:
    # Two years at 3 %: 100 * 1.03^2 = 100 * 1.0609 = 106.09.
    assert escalate(100.0, 2020, 2022, 0.03) == pytest.approx(106.09)
    # And back again: 106.09 / 1.0609 = 100.
    assert escalate(106.09, 2022, 2020, 0.03) == pytest.approx(100.0)
    # Vectorised: 1.036^1 = 1.036 -> [103.6, 207.2].
    np.testing.assert_allclose(escalate([100.0, 200.0], 2016, 2017, 0.036), [103.6, 207.2])
    with pytest.raises(EconomicsInputError, match=r"escalate rate: must be in \(-0.5, 1\)"):
        escalate(100.0, 2020, 2022, 1.5)


def test_rescale_by_index() -> None:
    # Index 500 -> 600: 100 * 600 / 500 = 120.
    assert rescale_by_index(100.0, 500.0, 600.0) == pytest.approx(120.0)
    with pytest.raises(EconomicsInputError, match="index_from"):
        rescale_by_index(100.0, 0.0, 600.0)
    assert math.isclose(rescale_by_index(0.0, 1.0, 2.0), 0.0)
