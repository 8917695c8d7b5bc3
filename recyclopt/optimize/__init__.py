"""The plant optimizer: a Pyomo MILP over staged process options, solved with HiGHS.

The names below are imported from their modules on first use (a module-level ``__getattr__``,
PEP 562), so a light module of this package (:mod:`.case_paths`, used by the scenario
vocabulary that ``recyclopt sweep --help`` reads) loads none of the solver stack. The solver
call is ``recyclopt.optimize.solve.solve`` (a lazy ``solve`` here would be shadowed by its
module once that is imported).
"""

from __future__ import annotations

from ..lazy import lazy_exports

#: public name -> its module in this package
_EXPORTS = {
    "cost_of_recovery": "analysis",
    "pareto_front": "analysis",
    "Case": "case",
    "CaseError": "case",
    "case_from_dict": "case",
    "load_case": "case",
    "build_model": "model",
    "PlantPlan": "plan",
    "optimize": "plan",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
