"""Plant economics for recyclopt: capex curves, costing conventions, cash flows and NPV.

Pure Python (numpy/pandas); the Pyomo optimiser consumes :class:`CapexCurve` segments and the
linear NPV coefficients from :func:`npv_weights`.
"""

from recyclopt.economics.capex import (
    CapexCurve,
    escalate,
    points_for_error,
    power_law_chord_error,
    rescale_by_index,
    scaling_law_curve,
)
from recyclopt.economics.cashflow import (
    CashFlowResult,
    Horizon,
    NPVWeights,
    capex_start_fits,
    capex_start_weights,
    cash_flow_npv,
    cash_flow_table,
    npv_weights,
    phased_capex_cash,
)
from recyclopt.economics.conventions import (
    Convention,
    CostFactors,
    QGESSCosting,
    SimpleCosting,
)
from recyclopt.economics.errors import EconomicsInputError
from recyclopt.economics.metrics import (
    annuity_factor,
    cost_of_recovery,
    irr,
    npv,
    payback_year,
)

__all__ = [
    "CapexCurve",
    "CashFlowResult",
    "Convention",
    "CostFactors",
    "EconomicsInputError",
    "Horizon",
    "NPVWeights",
    "QGESSCosting",
    "SimpleCosting",
    "annuity_factor",
    "capex_start_fits",
    "capex_start_weights",
    "cash_flow_npv",
    "cash_flow_table",
    "cost_of_recovery",
    "escalate",
    "irr",
    "npv",
    "npv_weights",
    "payback_year",
    "points_for_error",
    "phased_capex_cash",
    "power_law_chord_error",
    "rescale_by_index",
    "scaling_law_curve",
]
