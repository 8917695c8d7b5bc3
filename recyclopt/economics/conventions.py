"""Costing conventions: how capex, opex and revenue turn into yearly cash flows.

Two conventions are provided:

* :class:`SimpleCosting` - capex paid once in the construction year, cash flow = revenue - opex,
  no escalation, no tax, no owner's-cost or fixed-cost factors.
* :class:`QGESSCosting` - the NETL QGESS-based method adapted to rare-earth recovery by Keim
  (2019), as used by the PrOMMiS superstructure function (Laliwala, Amusat, Torres). Each
  default value names its source in :attr:`QGESSCosting.SOURCES`.

Both reduce to a :class:`CostFactors` record (:meth:`factors`), which is all that
:mod:`recyclopt.economics.cashflow` needs. Every factor enters the cash flow linearly, so the
NPV is an exact linear function of the yearly revenue, opex, labour and equipment cost.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Literal

import numpy as np

from recyclopt.economics.errors import EconomicsInputError, check_range

__all__ = ["Convention", "CostFactors", "QGESSCosting", "SimpleCosting"]

EscalationReference = Literal["production_start", "construction_start"]

_RST = (
    "PrOMMiS superstructure function documentation (C. Laliwala; defaults from NETL QGESS "
    "[Theis 2021] and Keim 2019), github prommis/prommis "
    "docs/superstructure/superstructure_function_documentation.rst (commit 076b419e)"
)
_CODE = (
    "PrOMMiS superstructure code, github prommis/prommis "
    "src/prommis/superstructure/add_superstructure_blocks.py (commit 663bfb05)"
)


@dataclass(frozen=True)
class CostFactors:
    """The linear factors a convention applies to build yearly cash flows.

    All fractions are dimensionless; rates are per year.

    Attributes
    ----------
    discount_rate : float
        Rate used to discount cash flows to the construction-start year.
    lang_factor : float
        Total plant cost (TPC) per USD of purchased equipment subject to the Lang factor.
    toc_per_tpc : float
        Total overnight cost per USD of TPC (1 + financing + other owner's costs).
    capex_schedule : tuple of float
        Fraction of TOC spent in each year from the construction-start year on.
    capex_escalation, revenue_escalation, opex_escalation : float
        Annual escalation rates.
    escalation_reference : {"production_start", "construction_start"}
        Year at which revenue/opex escalation starts from a factor of 1.
    fixed_opex_per_tpc : float
        Yearly fixed opex per USD of TPC (maintenance + property taxes and insurance).
    labour_burden : float
        Yearly fixed opex per USD of operating labour (QA/QC + admin labour + fringe benefits).
    fixed_opex_per_revenue : float
        Fixed opex per USD of the same year's revenue (sales, IP and R&D).
    overhead_fraction : float
        Plant overhead per USD of variable plus fixed opex (labour included).
    """

    discount_rate: float
    lang_factor: float
    toc_per_tpc: float
    capex_schedule: tuple[float, ...]
    capex_escalation: float
    revenue_escalation: float
    opex_escalation: float
    escalation_reference: EscalationReference
    fixed_opex_per_tpc: float
    labour_burden: float
    fixed_opex_per_revenue: float
    overhead_fraction: float


def _check_schedule(owner: str, schedule: object) -> tuple[float, ...]:
    field = f"{owner}.capex_schedule"
    try:
        arr = np.asarray(schedule, dtype=float)
    except (TypeError, ValueError):
        raise EconomicsInputError(
            f"{field}: must be a sequence of fractions; got {schedule!r}", field=field
        ) from None
    if arr.ndim != 1 or arr.size == 0:
        raise EconomicsInputError(
            f"{field}: must be a non-empty 1-D sequence of fractions; got {schedule!r}",
            field=field,
        )
    for i, v in enumerate(arr):
        check_range(f"{field}[{i}]", float(v), 0.0, 1.0, hi_closed=True)
    total = float(arr.sum())
    if abs(total - 1.0) > 1e-9:
        raise EconomicsInputError(
            f"{field}: fractions must sum to 1 (within 1e-09); got sum {total:.12g} for "
            f"{tuple(float(v) for v in arr)}",
            field=field,
        )
    return tuple(float(v) for v in arr)


@dataclass(frozen=True)
class SimpleCosting:
    """Minimal convention: capex at construction, cash flow = revenue - opex, no tax.

    Parameters
    ----------
    discount_rate : float, optional
        Annual discount rate in ``[0, 1)``. The default 0.08 is a convention (a round real
        hurdle rate for screening studies), not a sourced value: set it for each study.
    lang_factor : float, optional
        Installed capex per USD of purchased equipment, ``>= 1``. Default 1: the equipment
        cost passed in is taken as the full capital cost.

    Notes
    -----
    Capex (``lang_factor * bec + direct_tpc``) is spent entirely in the construction-start
    year; operating years carry revenue minus variable opex, labour and other fixed opex. No
    escalation, owner's costs, fixed-cost factors, overhead or tax.
    """

    discount_rate: float = 0.08
    lang_factor: float = 1.0

    #: how by-products with a positive price are booked unless a case says otherwise:
    #: as a negative variable cost (this convention has no revenue-linked items, escalation
    #: or overhead, so the two bookings give the same NPV; the choice only moves the money
    #: between cash-flow columns). Assumption, the tool's historical default.
    BYPRODUCTS_BOOK_AS: ClassVar[str] = "negative_cost"

    SOURCES: ClassVar[dict[str, str]] = {
        "discount_rate": "convention (round real hurdle rate for screening); not sourced",
        "lang_factor": "convention: purchased cost taken as installed cost unless set",
    }

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "discount_rate",
            check_range("SimpleCosting.discount_rate", self.discount_rate, 0.0, 1.0),
        )
        object.__setattr__(
            self,
            "lang_factor",
            check_range("SimpleCosting.lang_factor", self.lang_factor, 1.0, np.inf),
        )

    def factors(self) -> CostFactors:
        """Return the linear cost factors of this convention."""
        return CostFactors(
            discount_rate=self.discount_rate,
            lang_factor=self.lang_factor,
            toc_per_tpc=1.0,
            capex_schedule=(1.0,),
            capex_escalation=0.0,
            revenue_escalation=0.0,
            opex_escalation=0.0,
            escalation_reference="production_start",
            fixed_opex_per_tpc=0.0,
            labour_burden=0.0,
            fixed_opex_per_revenue=0.0,
            overhead_fraction=0.0,
        )


@dataclass(frozen=True)
class QGESSCosting:
    """NETL QGESS / Keim (2019) convention as used by the PrOMMiS superstructure.

    Section names below refer to the PrOMMiS superstructure function documentation
    (``docs/superstructure/superstructure_function_documentation.rst``); values the document
    does not state are taken from the PrOMMiS superstructure code
    (``add_superstructure_blocks.py``, ``add_costing_params``). See :attr:`SOURCES`.

    Parameters
    ----------
    lang_factor : float
        TPC per USD of purchased equipment of continuous units (2.97). Discrete disassembly
        units enter TPC without it ("Capital Expenses", eq. TPC).
    financing, other_owners : float
        Financing (0.027) and other owner's costs (0.15) as fractions of TPC; TOC = TPC *
        (1 + financing + other_owners) = 1.177 TPC ("Capital Expenses", eq. TOC).
    atwacc : float
        After-tax weighted average cost of capital, the discount rate (0.0577).
    opex_escalation, capex_escalation : float
        Annual escalation of operating cash flows (0.03) and of capex (0.036)
        ("Net Present Value", eq. CF).
    revenue_escalation : float
        Annual escalation of revenue. The document applies a single rate,
        i^{esc,sales,OPEX}, to revenue minus opex, so the default equals ``opex_escalation``
        (0.03); a separate field lets a study hold prices flat while costs escalate.
    capex_schedule : tuple of float
        Fraction of TOC spent in each year from the construction-start year: (0.10, 0.60,
        0.30) ("Net Present Value"). Spending may overlap the first operating years, as in
        PrOMMiS, where production starts one year after construction starts.
    maintenance : float
        Maintenance and supply materials (M&SM), fraction of TPC per year (0.02).
    property_taxes_insurance : float
        Property taxes and insurance (PT&I), fraction of TPC per year (0.01).
    sa_qa_qc : float
        Sample analysis and QA/QC, fraction of the cost of operating labour COL (0.10).
    admin_support_labour : float
        Administrative and supporting labour (A&SL), fraction of COL (0.20).
    fringe_benefits : float
        Fringe benefits (FB), fraction of COL (0.25).
    sales_ip_rnd : float
        Sales, IP and R&D, fraction of the same year's revenue (0.01).
    plant_overhead : float
        Plant overhead, fraction of the year's variable plus fixed opex, the fixed opex
        including COL (0.20).
    operating_hours : float
        Operating hours per year (8000), in ``(0, 8760]``; use
        :attr:`operating_seconds_per_year` to turn kg/s into kg/yr.
    escalation_reference : {"production_start", "construction_start"}
        Year from which revenue/opex escalation is counted. The document's eq. CF uses
        ``t - t_prod_start`` (default); the PrOMMiS code uses ``t - t_start`` (construction
        start), i.e. one more year of escalation when production starts a year after
        construction. Choose ``"construction_start"`` to reproduce PrOMMiS code results.

    Raises
    ------
    EconomicsInputError
        If a field is outside its range: fractions and ``atwacc`` in ``[0, 1)``; escalation
        rates in ``(-0.5, 1)``; ``lang_factor >= 1``; ``capex_schedule`` entries in
        ``[0, 1]`` summing to 1 within 1e-9.
    """

    lang_factor: float = 2.97
    financing: float = 0.027
    other_owners: float = 0.15
    atwacc: float = 0.0577
    opex_escalation: float = 0.03
    capex_escalation: float = 0.036
    revenue_escalation: float = 0.03
    capex_schedule: tuple[float, ...] = (0.10, 0.60, 0.30)
    maintenance: float = 0.02
    property_taxes_insurance: float = 0.01
    sa_qa_qc: float = 0.10
    admin_support_labour: float = 0.20
    fringe_benefits: float = 0.25
    sales_ip_rnd: float = 0.01
    plant_overhead: float = 0.20
    operating_hours: float = 8000.0
    escalation_reference: EscalationReference = "production_start"

    #: how by-products with a positive price are booked unless a case says otherwise: as
    #: revenue. NETL, "Quality Guidelines for Energy System Studies: Cost Estimation
    #: Methodology for NETL Assessments of Power Plant Performance" (QGESS, NETL-PUB-22580)
    #: treats saleable by-products as sales (revenue) and waste disposal as a variable
    #: operating cost; the PrOMMiS costing after Keim (2019) likewise counts every product
    #: sold in the sales revenue that its revenue-linked fixed cost (S,IP,R&D) applies to.
    BYPRODUCTS_BOOK_AS: ClassVar[str] = "revenue"

    SOURCES: ClassVar[dict[str, str]] = {
        "lang_factor": f"{_RST}, section 'Capital Expenses' (eq. TPC, Lang factor from "
        f"Keim 2019); value 2.97 from {_CODE}, add_costing_params",
        "financing": f"{_RST}, section 'Capital Expenses' (eq. TOC: 2.7 % of TPC, Theis 2021)",
        "other_owners": f"{_RST}, section 'Capital Expenses' (eq. TOC: 15 % of TPC, Theis 2021)",
        "atwacc": f"{_RST}, section 'Net Present Value' (eq. NPV, rate IR); value 0.0577 "
        f"(after-tax weighted average cost of capital, QGESS) from {_CODE}, add_costing_params",
        "opex_escalation": f"{_RST}, section 'Net Present Value' (eq. CF, i^esc,sales,OPEX); "
        f"value 0.03 (Keim 2019) from {_CODE}, add_costing_params",
        "capex_escalation": f"{_RST}, section 'Net Present Value' (eq. CF, i^esc,CAPEX); "
        f"value 0.036 (Keim 2019) from {_CODE}, add_costing_params",
        "revenue_escalation": f"{_RST}, section 'Net Present Value' (eq. CF applies one rate "
        "to sales and OPEX); default set equal to opex_escalation",
        "capex_schedule": f"{_RST}, section 'Net Present Value' (10 %, 60 %, 30 % over the "
        "first three years, Keim 2019)",
        "maintenance": f"{_RST}, section 'Operating Expenses (OPEX)', table of fixed costs "
        "(M&SM = 0.02 TPC, Keim 2019)",
        "property_taxes_insurance": f"{_RST}, section 'Operating Expenses (OPEX)', table of "
        "fixed costs (PT&I = 0.01 TPC, Keim 2019)",
        "sa_qa_qc": f"{_RST}, section 'Operating Expenses (OPEX)', table of fixed costs "
        "(SA&QA/QC = 0.1 COL, Keim 2019)",
        "admin_support_labour": f"{_RST}, section 'Operating Expenses (OPEX)', table of fixed "
        "costs (A&SL = 0.2 COL, Keim 2019)",
        "fringe_benefits": f"{_RST}, section 'Operating Expenses (OPEX)', table of fixed costs "
        "(FB = 0.25 COL, Keim 2019)",
        "sales_ip_rnd": f"{_RST}, section 'Operating Expenses (OPEX)', table of fixed costs "
        "(S,IP,R&D = 0.01 R_t, Keim 2019)",
        "plant_overhead": "not in the documentation; 20 % of yearly variable + fixed operating "
        f"cost (Keim 2019) per {_CODE}, add_costing_params and add_cash_flow_cons",
        "operating_hours": f"{_RST}, section 'Cost of Labor' (8000 h/yr, Seider 2017)",
        "escalation_reference": f"{_RST}, section 'Net Present Value' (eq. CF: exponent "
        f"t - t_prod_start); {_CODE}, add_cash_flow_cons uses t - t_start",
    }

    def __post_init__(self) -> None:
        name = type(self).__name__
        for f in (
            "financing",
            "other_owners",
            "atwacc",
            "maintenance",
            "property_taxes_insurance",
            "sa_qa_qc",
            "admin_support_labour",
            "fringe_benefits",
            "sales_ip_rnd",
            "plant_overhead",
        ):
            object.__setattr__(self, f, check_range(f"{name}.{f}", getattr(self, f), 0.0, 1.0))
        for f in ("opex_escalation", "capex_escalation", "revenue_escalation"):
            value = check_range(f"{name}.{f}", getattr(self, f), -0.5, 1.0, lo_closed=False)
            object.__setattr__(self, f, value)
        object.__setattr__(
            self, "lang_factor", check_range(f"{name}.lang_factor", self.lang_factor, 1.0, np.inf)
        )
        object.__setattr__(self, "capex_schedule", _check_schedule(name, self.capex_schedule))
        object.__setattr__(
            self,
            "operating_hours",
            check_range(
                f"{name}.operating_hours",
                self.operating_hours,
                0.0,
                8760.0,
                lo_closed=False,
                hi_closed=True,
            ),
        )
        if self.escalation_reference not in ("production_start", "construction_start"):
            raise EconomicsInputError(
                f"{name}.escalation_reference: must be 'production_start' or "
                f"'construction_start'; got {self.escalation_reference!r}",
                field="escalation_reference",
            )

    @property
    def discount_rate(self) -> float:
        """Discount rate of the convention (the ATWACC)."""
        return self.atwacc

    @property
    def toc_per_tpc(self) -> float:
        """Total overnight cost per USD of total plant cost, ``1 + financing + other_owners``."""
        return 1.0 + self.financing + self.other_owners

    @property
    def operating_seconds_per_year(self) -> float:
        """Operating time per year in seconds (``operating_hours * 3600``)."""
        return self.operating_hours * 3600.0

    def tpc_usd(self, bec_usd: float, direct_tpc_usd: float = 0.0) -> float:
        """Total plant cost: ``lang_factor * bec_usd + direct_tpc_usd`` (USD)."""
        return self.lang_factor * bec_usd + direct_tpc_usd

    def fixed_opex_items_usd(
        self, tpc_usd: float, labour_usd: float, revenue_usd: float
    ) -> dict[str, float]:
        """Yearly fixed-cost items other than labour, before escalation (USD/yr).

        Parameters
        ----------
        tpc_usd : float
            Total plant cost.
        labour_usd : float
            Cost of operating labour (COL) for the year.
        revenue_usd : float
            Revenue of the year.

        Returns
        -------
        dict of str to float
            Keys ``maintenance``, ``property_taxes_insurance``, ``sa_qa_qc``,
            ``admin_support_labour``, ``fringe_benefits``, ``sales_ip_rnd``.
        """
        return {
            "maintenance": self.maintenance * tpc_usd,
            "property_taxes_insurance": self.property_taxes_insurance * tpc_usd,
            "sa_qa_qc": self.sa_qa_qc * labour_usd,
            "admin_support_labour": self.admin_support_labour * labour_usd,
            "fringe_benefits": self.fringe_benefits * labour_usd,
            "sales_ip_rnd": self.sales_ip_rnd * revenue_usd,
        }

    def factors(self) -> CostFactors:
        """Return the linear cost factors of this convention."""
        return CostFactors(
            discount_rate=self.atwacc,
            lang_factor=self.lang_factor,
            toc_per_tpc=self.toc_per_tpc,
            capex_schedule=self.capex_schedule,
            capex_escalation=self.capex_escalation,
            revenue_escalation=self.revenue_escalation,
            opex_escalation=self.opex_escalation,
            escalation_reference=self.escalation_reference,
            fixed_opex_per_tpc=self.maintenance + self.property_taxes_insurance,
            labour_burden=self.sa_qa_qc + self.admin_support_labour + self.fringe_benefits,
            fixed_opex_per_revenue=self.sales_ip_rnd,
            overhead_fraction=self.plant_overhead,
        )

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of the dataclass fields (the keys of :attr:`SOURCES`)."""
        return tuple(f.name for f in fields(cls))


Convention = SimpleCosting | QGESSCosting
"""Any costing convention accepted by :mod:`recyclopt.economics.cashflow`."""
