"""The plant optimizer: a Pyomo MILP over staged process options, solved with HiGHS."""

from __future__ import annotations

from .analysis import cost_of_recovery, pareto_front
from .case import Case, CaseError, case_from_dict, load_case
from .model import build_model
from .plan import PlantPlan, optimize
from .solve import solve

__all__ = [
    "Case",
    "CaseError",
    "PlantPlan",
    "build_model",
    "case_from_dict",
    "cost_of_recovery",
    "load_case",
    "optimize",
    "pareto_front",
    "solve",
]
