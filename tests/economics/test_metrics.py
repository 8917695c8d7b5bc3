"""Tests for recyclopt.economics.metrics; expected values derived by hand in comments."""

from __future__ import annotations

import pytest

from recyclopt.economics import (
    EconomicsInputError,
    Horizon,
    QGESSCosting,
    SimpleCosting,
    annuity_factor,
    cash_flow_table,
    cost_of_recovery,
    irr,
    npv,
    npv_weights,
    payback_year,
)


def test_npv_two_years() -> None:
    # -100 + 100/1.08 + 100/1.08^2 = -100 + 92.593 + 85.734 = 78.326.
    assert npv(0.08, [-100.0, 100.0, 100.0]) == pytest.approx(78.3265, abs=1e-4)
    # At rate 0 the NPV is the plain sum: -100 + 100 + 100 = 100.
    assert npv(0.0, [-100.0, 100.0, 100.0]) == pytest.approx(100.0)


def test_npv_rejects_bad_rate() -> None:
    with pytest.raises(EconomicsInputError, match=r"npv rate: must be in \(-1, inf\); got -1"):
        npv(-1.0, [1.0])


def test_irr_hand_values() -> None:
    # -100 now, 110 in a year: 110/(1+r) = 100 -> r = 0.10.
    assert irr([-100.0, 110.0]) == pytest.approx(0.10, abs=1e-10)
    # -100, 60, 60: with x = 1/(1+r), 60x^2 + 60x - 100 = 0 ->
    # x = (-60 + sqrt(3600 + 24000)) / 120 = (-60 + 166.1325)/120 = 0.884437 -> r = 0.130662.
    assert irr([-100.0, 60.0, 60.0]) == pytest.approx(0.130662, abs=1e-6)


def test_irr_of_plant_zeroes_npv() -> None:
    res = cash_flow_table(
        QGESSCosting(), Horizon(2025, 20), revenue_usd=3e6, variable_opex_usd=5e5, bec_usd=1e6
    )
    rate = irr(res.table["cash_flow_usd"].to_numpy())
    # By definition the NPV at the IRR is zero (relative to the undiscounted cash scale).
    assert abs(npv(rate, res.table["cash_flow_usd"])) < 1e-6 * 3e6


def test_irr_not_bracketed() -> None:
    # All cash flows positive: NPV > 0 at every rate, no IRR.
    with pytest.raises(EconomicsInputError, match="irr: NPV does not change sign"):
        irr([100.0, 10.0])


def test_payback_year() -> None:
    # Cumulative -100, -40, +20: pays back in the third year, 2025 + 2 = 2027.
    assert payback_year([-100.0, 60.0, 60.0], first_year=2025) == 2027
    # Cumulative -100, -50: never.
    assert payback_year([-100.0, 50.0]) is None
    # Cumulative -100, +50, -50, +50: the year-1 crossing is undone by the year-2 outlay;
    # payback counts from t = 3.
    assert payback_year([-100.0, 150.0, -100.0, 100.0]) == 3
    # No outlay at all: pays back at once.
    assert payback_year([10.0, 10.0], first_year=2030) == 2030


def test_annuity_factor() -> None:
    # 1/1.08 + 1/1.08^2 = 0.925926 + 0.857339 = 1.783265.
    assert annuity_factor(0.08, 2) == pytest.approx(1.783265, abs=1e-6)
    # 1/1.1 + 1/1.21 + 1/1.331 = 0.909091 + 0.826446 + 0.751315 = 2.486852.
    assert annuity_factor(0.10, 3) == pytest.approx(2.486852, abs=1e-6)
    # Rate 0: n payments of 1.
    assert annuity_factor(0.0, 7) == 7.0
    with pytest.raises(EconomicsInputError, match="annuity n_years: must be >= 0; got -1"):
        annuity_factor(0.1, -1)


def test_cost_of_recovery_linear() -> None:
    # NPV = 1000 p - 2500 is zero at p = 2.5.
    price = cost_of_recovery(lambda p: 1000.0 * p - 2500.0, 0.0, 10.0, tol=1e-9)
    assert price == pytest.approx(2.5, abs=1e-9)
    assert 1000.0 * price - 2500.0 >= 0.0


def test_cost_of_recovery_with_plant_weights() -> None:
    # 50 kg/yr for 2 years, capex 100 at time zero, 8 %:
    # NPV(p) = 50 p (1/1.08 + 1/1.08^2) - 100 = 89.16324 p - 100 -> p* = 1.121538 USD/kg.
    weights = npv_weights(SimpleCosting(), Horizon(2025, 2))

    def plant_npv(price: float) -> float:
        return weights.npv_usd(revenue_usd=50.0 * price, bec_usd=100.0)

    assert cost_of_recovery(plant_npv, 0.0, 100.0, tol=1e-8) == pytest.approx(1.121538, abs=1e-6)


def test_cost_of_recovery_not_bracketed() -> None:
    with pytest.raises(EconomicsInputError, match="not bracketed; NPV at price_lo=3 is 500 USD"):
        cost_of_recovery(lambda p: 1000.0 * p - 2500.0, 3.0, 10.0)
    with pytest.raises(EconomicsInputError, match="not bracketed; NPV at price_hi=2 is -500"):
        cost_of_recovery(lambda p: 1000.0 * p - 2500.0, 0.0, 2.0)
    with pytest.raises(EconomicsInputError, match="cost_of_recovery price_hi"):
        cost_of_recovery(lambda p: p, 1.0, 1.0)
    with pytest.raises(EconomicsInputError, match="is not finite"):
        cost_of_recovery(lambda p: float("nan"), 0.0, 1.0)
