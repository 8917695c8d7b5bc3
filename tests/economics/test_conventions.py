"""Tests for recyclopt.economics.conventions; expected values derived by hand in comments."""

from __future__ import annotations

import dataclasses

import pytest

from recyclopt.economics import EconomicsInputError, QGESSCosting, SimpleCosting


def test_qgess_defaults_match_reference() -> None:
    q = QGESSCosting()
    # Values of the project reference table unit_ops.csv (row 'QGESS_factors') and PrOMMiS.
    assert q.lang_factor == 2.97
    assert q.financing == 0.027
    assert q.other_owners == 0.15
    assert q.atwacc == 0.0577
    assert q.discount_rate == 0.0577
    assert q.opex_escalation == 0.03
    assert q.capex_escalation == 0.036
    assert q.revenue_escalation == 0.03
    assert q.capex_schedule == (0.10, 0.60, 0.30)
    assert q.maintenance == 0.02
    assert q.property_taxes_insurance == 0.01
    assert q.sa_qa_qc == 0.10
    assert q.admin_support_labour == 0.20
    assert q.fringe_benefits == 0.25
    assert q.sales_ip_rnd == 0.01
    assert q.plant_overhead == 0.20
    assert q.operating_hours == 8000.0
    assert q.escalation_reference == "production_start"
    # TOC = TPC * (1 + 0.027 + 0.15) = 1.177 TPC.
    assert q.toc_per_tpc == pytest.approx(1.177)
    # 8000 h * 3600 s/h = 28,800,000 s.
    assert q.operating_seconds_per_year == pytest.approx(2.88e7)


def test_qgess_sources_cover_every_field() -> None:
    names = set(QGESSCosting.field_names())
    assert set(QGESSCosting.SOURCES) == names
    for name, text in QGESSCosting.SOURCES.items():
        assert "prommis" in text.lower(), name
    assert set(SimpleCosting.SOURCES) == {f.name for f in dataclasses.fields(SimpleCosting)}


def test_qgess_factors() -> None:
    f = QGESSCosting().factors()
    # M&SM 0.02 + PT&I 0.01 = 0.03 of TPC per year.
    assert f.fixed_opex_per_tpc == pytest.approx(0.03)
    # SA&QA/QC 0.10 + A&SL 0.20 + FB 0.25 = 0.55 of COL.
    assert f.labour_burden == pytest.approx(0.55)
    assert f.fixed_opex_per_revenue == pytest.approx(0.01)
    assert f.overhead_fraction == pytest.approx(0.20)
    assert f.toc_per_tpc == pytest.approx(1.177)


def test_qgess_tpc_and_fixed_items() -> None:
    q = QGESSCosting()
    # TPC = 2.97 * 1,000,000 + 30,000 = 3,000,000.
    assert q.tpc_usd(1_000_000.0, 30_000.0) == pytest.approx(3_000_000.0)
    items = q.fixed_opex_items_usd(tpc_usd=3e6, labour_usd=4e5, revenue_usd=2e6)
    # 0.02*3e6 = 60,000; 0.01*3e6 = 30,000; 0.1*4e5 = 40,000; 0.2*4e5 = 80,000;
    # 0.25*4e5 = 100,000; 0.01*2e6 = 20,000.
    assert items == pytest.approx(
        {
            "maintenance": 60_000.0,
            "property_taxes_insurance": 30_000.0,
            "sa_qa_qc": 40_000.0,
            "admin_support_labour": 80_000.0,
            "fringe_benefits": 100_000.0,
            "sales_ip_rnd": 20_000.0,
        }
    )


def test_simple_defaults() -> None:
    s = SimpleCosting()
    assert s.discount_rate == 0.08
    f = s.factors()
    assert f.capex_schedule == (1.0,)
    assert f.toc_per_tpc == 1.0
    assert f.overhead_fraction == 0.0
    assert f.labour_burden == 0.0


def test_schedule_tolerance() -> None:
    # Sum 1 + 5e-10 is within the 1e-9 tolerance.
    q = QGESSCosting(capex_schedule=(0.1, 0.6, 0.3 + 5e-10))
    assert len(q.capex_schedule) == 3
    # A list is accepted and stored as a tuple.
    assert QGESSCosting(capex_schedule=[0.5, 0.5]).capex_schedule == (0.5, 0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"capex_schedule": (0.1, 0.6, 0.2)},
            r"QGESSCosting.capex_schedule: fractions must sum to 1 \(within 1e-09\); "
            r"got sum 0.9 for \(0.1, 0.6, 0.2\)",
        ),
        (
            {"capex_schedule": (1.2, -0.2)},
            r"QGESSCosting.capex_schedule\[0\]: must be in \[0, 1\]; got 1.2",
        ),
        ({"capex_schedule": ()}, "QGESSCosting.capex_schedule: must be a non-empty"),
        ({"lang_factor": 0.9}, r"QGESSCosting.lang_factor: must be in \[1, inf\); got 0.9"),
        ({"atwacc": 1.0}, r"QGESSCosting.atwacc: must be in \[0, 1\); got 1"),
        ({"atwacc": -0.01}, r"QGESSCosting.atwacc: must be in \[0, 1\); got -0.01"),
        (
            {"opex_escalation": -0.6},
            r"QGESSCosting.opex_escalation: must be in \(-0.5, 1\); got -0.6",
        ),
        (
            {"capex_escalation": 1.0},
            r"QGESSCosting.capex_escalation: must be in \(-0.5, 1\); got 1",
        ),
        ({"maintenance": -0.01}, r"QGESSCosting.maintenance: must be in \[0, 1\); got -0.01"),
        ({"plant_overhead": 1.5}, r"QGESSCosting.plant_overhead: must be in \[0, 1\); got 1.5"),
        (
            {"operating_hours": 9000},
            r"QGESSCosting.operating_hours: must be in \(0, 8760\]; got 9000",
        ),
        ({"financing": "x"}, "QGESSCosting.financing: must be a real number; got 'x'"),
        ({"escalation_reference": "bogus"}, "QGESSCosting.escalation_reference: must be"),
    ],
)
def test_qgess_validation(kwargs, message) -> None:
    with pytest.raises(EconomicsInputError, match=message):
        QGESSCosting(**kwargs)


def test_simple_validation() -> None:
    with pytest.raises(
        EconomicsInputError, match=r"SimpleCosting.discount_rate: must be in \[0, 1\); got 1.5"
    ):
        SimpleCosting(discount_rate=1.5)
    with pytest.raises(EconomicsInputError, match=r"SimpleCosting.lang_factor"):
        SimpleCosting(lang_factor=0.5)
