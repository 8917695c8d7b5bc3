"""Tests for recyclopt.economics.cashflow; expected values derived by hand in comments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recyclopt.economics import (
    EconomicsInputError,
    Horizon,
    QGESSCosting,
    SimpleCosting,
    cash_flow_npv,
    cash_flow_table,
    npv_weights,
)
from recyclopt.economics.cashflow import TABLE_COLUMNS

# ---------------------------------------------------------------------------------------------
# Horizon


def test_horizon_properties() -> None:
    h = Horizon(construction_year=2025, operating_years=3, construction_years=2)
    # Construction 2025-2026, production 2027-2029: 5 years in all.
    assert h.first_operating_year == 2027
    assert h.last_year == 2029
    assert h.n_years == 5
    assert list(h.years) == [2025, 2026, 2027, 2028, 2029]
    assert list(h.operating_calendar_years) == [2027, 2028, 2029]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"operating_years": 0}, "horizon: operating_years must be >= 1; got 0"),
        (
            {"operating_years": 3, "construction_years": 0},
            "horizon: construction_years must be >= 1; got 0",
        ),
        ({"operating_years": 2.5}, "horizon: operating_years must be an integer; got 2.5"),
    ],
)
def test_horizon_validation(kwargs, message) -> None:
    with pytest.raises(EconomicsInputError) as info:
        Horizon(construction_year=2025, **kwargs)
    assert str(info.value) == message


# ---------------------------------------------------------------------------------------------
# SimpleCosting


def test_simple_two_years_at_8_percent() -> None:
    # Capex 100 in 2025 (time zero), revenue 100 in 2026 and 2027, 8 %:
    # NPV = -100 + 100/1.08 + 100/1.08^2 = -100 + 92.593 + 85.734 = 78.326.
    res = cash_flow_table(SimpleCosting(), Horizon(2025, 2), revenue_usd=100.0, bec_usd=100.0)
    assert res.npv_usd == pytest.approx(78.3265, abs=1e-4)
    t = res.table
    assert tuple(t.columns) == TABLE_COLUMNS
    assert list(t["year"]) == [2025, 2026, 2027]
    np.testing.assert_allclose(t["capex_usd"], [100.0, 0.0, 0.0])
    np.testing.assert_allclose(t["cash_flow_usd"], [-100.0, 100.0, 100.0])
    # Discount factors 1, 1/1.08 = 0.925926, 1/1.1664 = 0.857339.
    np.testing.assert_allclose(t["discount_factor"], [1.0, 0.925926, 0.857339], atol=1e-6)
    assert res.tpc_usd == res.toc_usd == 100.0


def test_simple_costs_subtract_and_lang_factor_applies() -> None:
    # Revenue 300 - variable 100 - labour 50 - fixed 50 = 100 per year, as above; with
    # lang_factor 2 a BEC of 50 gives capex 2 * 50 = 100 -> same NPV 78.326.
    res = cash_flow_table(
        SimpleCosting(lang_factor=2.0),
        Horizon(2025, 2),
        revenue_usd=[300.0, 300.0],
        variable_opex_usd=100.0,
        labour_usd=50.0,
        fixed_opex_usd=50.0,
        bec_usd=50.0,
    )
    assert res.npv_usd == pytest.approx(78.3265, abs=1e-4)
    np.testing.assert_allclose(res.table["overhead_usd"], 0.0)
    np.testing.assert_allclose(res.table["labour_usd"], [0.0, 50.0, 50.0])


def test_simple_weights_by_hand() -> None:
    w = npv_weights(SimpleCosting(), Horizon(2025, 2))
    # 1/1.08 = 0.925926, 1/1.08^2 = 0.857339; capex in year 0: weight 1 per USD.
    np.testing.assert_allclose(w.w_revenue, [0.925926, 0.857339], atol=1e-6)
    np.testing.assert_allclose(w.w_variable_opex, w.w_revenue)
    np.testing.assert_allclose(w.w_labour, w.w_revenue)
    assert w.w_bec == pytest.approx(1.0)
    assert w.w_direct_tpc == pytest.approx(1.0)
    assert list(w.years) == [2026, 2027]
    # Same example as above through the weights: 100 * 1.783265 - 100 = 78.3265.
    assert w.npv_usd(revenue_usd=100.0, bec_usd=100.0) == pytest.approx(78.3265, abs=1e-4)


# ---------------------------------------------------------------------------------------------
# QGESS worked example
#
# Horizon: construction starts 2025, production 2026-2028 (construction_years = 1).
# Inputs: BEC (Lang items) 1,000,000; direct TPC (no Lang) 30,000; base-year revenue
# 2,000,000/yr; variable opex 500,000/yr; operating labour COL 400,000/yr.
#
# TPC = 2.97 * 1,000,000 + 30,000 = 3,000,000.   TOC = 1.177 * 3,000,000 = 3,531,000.
# Capex, 10/60/30 % from 2025, escalated 3.6 %/yr from construction start:
#   2025: 0.1 * 3,531,000                 =   353,100.00
#   2026: 0.6 * 3,531,000 * 1.036          = 2,118,600 * 1.036    = 2,194,869.60
#   2027: 0.3 * 3,531,000 * 1.036^2        = 1,059,300 * 1.073296 = 1,136,942.45
# First operating year (2026), before escalation:
#   M&SM 0.02*TPC = 60,000; PT&I 0.01*TPC = 30,000; SA&QA/QC 0.1*COL = 40,000;
#   A&SL 0.2*COL = 80,000; FB 0.25*COL = 100,000; S,IP,R&D 0.01*revenue = 20,000
#   -> fixed (excluding COL) = 330,000; overhead = 0.2 * (500,000 + 400,000 + 330,000)
#   = 246,000; operating cash = 2,000,000 - 500,000 - 400,000 - 330,000 - 246,000 = 524,000.
# Revenue and opex both escalate 3 %/yr from the first production year:
#   2026: 524,000;  2027: 524,000 * 1.03 = 539,720;  2028: 524,000 * 1.0609 = 555,911.60.
# Cash flows: 2025: -353,100; 2026: 524,000 - 2,194,869.60 = -1,670,869.60;
#   2027: 539,720 - 1,136,942.45 = -597,222.45; 2028: 555,911.60.
# Discount at 5.77 %, 2025 = time zero: 1; 1/1.0577 = 0.945448; 1/1.0577^2 = 0.893871;
#   1/1.0577^3 = 0.845109.
# NPV = -353,100 - 1,670,869.60*0.945448 - 597,222.45*0.893871 + 555,911.60*0.845109
#     = -353,100 - 1,579,719.8 - 533,840.0 + 469,805.6 = -1,996,854.1.

QGESS_INPUTS = {
    "revenue_usd": 2_000_000.0,
    "variable_opex_usd": 500_000.0,
    "labour_usd": 400_000.0,
    "bec_usd": 1_000_000.0,
    "direct_tpc_usd": 30_000.0,
}


def test_qgess_worked_example() -> None:
    res = cash_flow_table(QGESSCosting(), Horizon(2025, 3), **QGESS_INPUTS)
    t = res.table
    assert res.tpc_usd == pytest.approx(3_000_000.0)
    assert res.toc_usd == pytest.approx(3_531_000.0)
    np.testing.assert_allclose(
        t["capex_usd"], [353_100.0, 2_194_869.60, 1_136_942.45, 0.0], atol=0.01
    )
    # Year 2026 line items (escalation factor 1).
    row = t.iloc[1]
    assert row["revenue_usd"] == pytest.approx(2_000_000.0)
    assert row["variable_opex_usd"] == pytest.approx(500_000.0)
    assert row["labour_usd"] == pytest.approx(400_000.0)
    assert row["fixed_opex_usd"] == pytest.approx(330_000.0)
    assert row["overhead_usd"] == pytest.approx(246_000.0)
    # Year 2028: everything x 1.0609 -> revenue 2,121,800; overhead 246,000*1.0609 = 260,981.4.
    assert t.iloc[3]["revenue_usd"] == pytest.approx(2_121_800.0)
    assert t.iloc[3]["overhead_usd"] == pytest.approx(260_981.4)
    np.testing.assert_allclose(
        t["cash_flow_usd"], [-353_100.0, -1_670_869.60, -597_222.45, 555_911.60], atol=0.01
    )
    np.testing.assert_allclose(t["discount_factor"], [1.0, 0.945448, 0.893871, 0.845109], atol=1e-6)
    assert res.npv_usd == pytest.approx(-1_996_854.1, abs=0.1)


def test_qgess_construction_start_escalation() -> None:
    # PrOMMiS-code timing: operating cash escalates from construction start, one more year:
    # 2026: 524,000*1.03 = 539,720; 2027: 524,000*1.0609 = 555,911.60;
    # 2028: 524,000*1.092727 = 572,588.95. Capex unchanged.
    # NPV = -353,100 + (539,720 - 2,194,869.60)*0.945448 + (555,911.60 - 1,136,942.45)
    #       *0.893871 + 572,588.95*0.845109 = -353,100 - 1,564,856.3 - 519,365.0 + 483,900.1
    #     = -1,953,421.2 (to the rounding of the discount factors; exact -1,953,424.3).
    conv = QGESSCosting(escalation_reference="construction_start")
    res = cash_flow_table(conv, Horizon(2025, 3), **QGESS_INPUTS)
    np.testing.assert_allclose(
        res.table["cash_flow_usd"],
        [-353_100.0, -1_655_149.60, -581_030.85, 572_588.95],
        atol=0.01,
    )
    assert res.npv_usd == pytest.approx(-1_953_424.3, abs=5.0)


def test_qgess_weights_by_hand() -> None:
    w = npv_weights(QGESSCosting(), Horizon(2025, 3))
    # Variable/fixed opex weight = discount * escalation * (1 + overhead 0.2):
    #   2026: 1.2 * 0.945448 = 1.134537; 2027: 1.2 * 1.03 * 0.893871 = 1.104825;
    #   2028: 1.2 * 1.0609 * 0.845109 = 1.075891.
    np.testing.assert_allclose(w.w_variable_opex, [1.134537, 1.104825, 1.075891], atol=1e-6)
    np.testing.assert_allclose(w.w_fixed_opex, w.w_variable_opex)
    # Labour carries the 0.55 burden: 1.55 * 1.134537 = 1.758533.
    assert w.w_labour[0] == pytest.approx(1.758533, abs=1e-6)
    # Revenue loses 1 % S,IP,R&D plus its 20 % overhead: 0.945448 * (1 - 0.012) = 0.934102.
    assert w.w_revenue[0] == pytest.approx(0.934102, abs=1e-6)
    # Capex per USD TOC: 0.1 + 0.6*1.036/1.0577 + 0.3*1.036^2/1.0577^2
    #   = 0.1 + 0.587690 + 0.287817 = 0.975507;
    # per USD TPC: 1.177 * 0.975507 + 0.03 * (1.134537 + 1.104825 + 1.075891)
    #   = 1.148172 + 0.03 * 3.315253 = 1.148172 + 0.099458 = 1.247630;
    # per USD BEC: 2.97 * 1.247630 = 3.705460.
    assert w.w_direct_tpc == pytest.approx(1.247630, abs=2e-6)
    assert w.w_bec == pytest.approx(3.705460, abs=5e-6)
    # Worked example through the weights: same NPV as the table.
    assert w.npv_usd(**QGESS_INPUTS) == pytest.approx(-1_996_854.1, abs=0.1)
    assert list(w.to_frame().columns) == [
        "year",
        "w_revenue",
        "w_variable_opex",
        "w_labour",
        "w_fixed_opex",
    ]


# ---------------------------------------------------------------------------------------------
# Errors


def test_schedule_longer_than_horizon() -> None:
    # 3-year capex schedule, 1 construction + 1 operating year = 2 years: does not fit.
    with pytest.raises(EconomicsInputError, match="3 yearly fractions do not fit in a 2-year"):
        cash_flow_table(QGESSCosting(), Horizon(2025, 1), revenue_usd=1.0)
    with pytest.raises(EconomicsInputError, match="do not fit"):
        npv_weights(QGESSCosting(), Horizon(2025, 1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"revenue_usd": [1.0, 2.0]},
            r"revenue_usd: must be a scalar or a 1-D array of length 3 .* got shape \(2,\)",
        ),
        ({"revenue_usd": 1.0, "labour_usd": -5.0}, "labour_usd: must be >= 0; got -5 at index 0"),
        ({"revenue_usd": 1.0, "bec_usd": -1.0}, r"bec_usd: must be in \[0, inf\); got -1"),
        (
            {"revenue_usd": [1.0, np.nan, 1.0]},
            "revenue_usd: values must be finite; got nan at index 1",
        ),
    ],
)
def test_input_validation(kwargs, message) -> None:
    with pytest.raises(EconomicsInputError, match=message):
        cash_flow_table(SimpleCosting(), Horizon(2025, 3), **kwargs)


# ---------------------------------------------------------------------------------------------
# Property: NPV from the weights equals NPV from the table, for both conventions.
# Example counts follow the project's Hypothesis profile (tests/conftest.py).

money = st.floats(min_value=0.0, max_value=1e8, allow_nan=False, allow_infinity=False)
signed_money = st.floats(min_value=-1e7, max_value=1e8, allow_nan=False, allow_infinity=False)


@st.composite
def qgess_conventions(draw: st.DrawFn) -> QGESSCosting:
    raw = draw(st.lists(st.floats(0.01, 1.0), min_size=1, max_size=4))
    schedule = tuple(v / sum(raw) for v in raw)
    schedule = (*schedule[:-1], 1.0 - sum(schedule[:-1]))
    frac = st.floats(0.0, 0.5)
    esc = st.floats(-0.2, 0.2)
    return QGESSCosting(
        lang_factor=draw(st.floats(1.0, 6.0)),
        financing=draw(frac),
        other_owners=draw(frac),
        atwacc=draw(st.floats(0.0, 0.3)),
        opex_escalation=draw(esc),
        capex_escalation=draw(esc),
        revenue_escalation=draw(esc),
        capex_schedule=schedule,
        maintenance=draw(frac),
        property_taxes_insurance=draw(frac),
        sa_qa_qc=draw(frac),
        admin_support_labour=draw(frac),
        fringe_benefits=draw(frac),
        sales_ip_rnd=draw(frac),
        plant_overhead=draw(frac),
        escalation_reference=draw(st.sampled_from(["production_start", "construction_start"])),
    )


conventions = st.one_of(
    st.builds(SimpleCosting, discount_rate=st.floats(0.0, 0.3), lang_factor=st.floats(1.0, 6.0)),
    qgess_conventions(),
)


#: a costing convention, a horizon's lengths and the data to draw its money flows from (the
#: NPV property tests below)
npv_cases = given(convention=conventions, construction_years=st.integers(1, 3),
                  operating_years=st.integers(3, 15), data=st.data())


def _draw_inputs(data, n: int, byproducts: bool = False) -> dict:
    """Random yearly money flows over ``n`` operating years and the two capital costs."""
    inputs = {"revenue_usd": data.draw(arrays(float, n, elements=money))}
    if byproducts:
        inputs["byproduct_revenue_usd"] = data.draw(arrays(float, n, elements=money))
    inputs |= {
        "variable_opex_usd": data.draw(arrays(float, n, elements=signed_money)),
        "labour_usd": data.draw(arrays(float, n, elements=money)),
        "fixed_opex_usd": data.draw(arrays(float, n, elements=signed_money)),
        "bec_usd": data.draw(money),
        "direct_tpc_usd": data.draw(money),
    }
    return inputs


@npv_cases
def test_weights_reproduce_table_npv(convention, construction_years, operating_years, data):
    horizon = Horizon(2030, operating_years, construction_years)
    inputs = _draw_inputs(data, operating_years)
    table_npv = cash_flow_table(convention, horizon, **inputs).npv_usd
    weights_npv = npv_weights(convention, horizon).npv_usd(**inputs)
    # Scale of the terms: rounding is relative to the largest magnitudes involved.
    scale = 1.0 + sum(float(np.sum(np.abs(v))) for v in inputs.values()) * 20.0
    assert abs(table_npv - weights_npv) <= 1e-10 * scale


@npv_cases
def test_npv_alone_equals_table_npv(convention, construction_years, operating_years, data):
    """cash_flow_npv is the table's NPV without the table: the same number bit for bit, and
    the sum of the table's discounted cash-flow column (independent of either)."""
    horizon = Horizon(2030, operating_years, construction_years)
    inputs = _draw_inputs(data, operating_years, byproducts=True)
    res = cash_flow_table(convention, horizon, **inputs)
    assert cash_flow_npv(convention, horizon, **inputs) == res.npv_usd
    column = float(res.table["discounted_cash_flow_usd"].sum())
    assert abs(res.npv_usd - column) <= 1e-9 * (1.0 + res.table["cash_flow_usd"].abs().sum())


def test_npv_alone_checks_its_inputs() -> None:
    # the same one-line errors as cash_flow_table (test_input_validation above)
    with pytest.raises(EconomicsInputError, match="labour_usd: must be >= 0; got -5 at index 0"):
        cash_flow_npv(SimpleCosting(), Horizon(2025, 3), revenue_usd=1.0, labour_usd=-5.0)


def test_byproduct_revenue_column_and_weights() -> None:
    """By-product sales booked as revenue: own column, revenue escalation and the 1 % sales
    fee of QGESS, and the linear weights give the table's NPV."""
    conv = QGESSCosting()
    hz = Horizon(2026, 3)
    res = cash_flow_table(conv, hz, revenue_usd=1000.0, byproduct_revenue_usd=100.0)
    t = res.table.set_index("year")
    # by hand, 2028 (second operating year): 100 x 1.03 = 103; fixed 0.01 x (1030 + 103)
    assert t.loc[2028, "byproduct_revenue_usd"] == pytest.approx(103.0, rel=1e-12)
    assert t.loc[2028, "fixed_opex_usd"] == pytest.approx(11.33, rel=1e-12)
    w = npv_weights(conv, hz)
    assert w.npv_usd(revenue_usd=1000.0, byproduct_revenue_usd=100.0) == pytest.approx(
        res.npv_usd, rel=1e-12)
