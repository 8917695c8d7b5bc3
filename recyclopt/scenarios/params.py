"""The vocabulary of the scenario modules: what a scenario may set (:class:`ParamSpec`: a
path pattern, its range and tier), the :class:`ScenarioError` a value outside it raises, and
the backends a sweep runs on.

The base of the scenario modules: :mod:`~recyclopt.scenarios.policy` declares its levers
with it and :mod:`~recyclopt.scenarios.definition` the case parameters, so neither imports
the other to learn what a parameter is; the command line reads :data:`BACKENDS` without
loading the solver stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..errors import InputError
from ..optimize.case_paths import CasePath, range_text

__all__ = ["BACKENDS", "ParamSpec", "ScenarioError", "range_text"]

#: Where a sweep's scenarios are solved (:func:`recyclopt.scenarios.backends.run_sweep`).
BACKENDS = ("serial", "processes", "dask")


class ScenarioError(InputError):
    """A scenario file, set or value that does not validate."""


@dataclass(frozen=True)
class ParamSpec(CasePath):
    """A parameter a scenario may set (a case path or a lever): a path pattern (``*`` matches a
    name), its allowed range and the cheapest tier that reaches its effect; a value outside
    the range is a :class:`ScenarioError`."""

    error: ClassVar[type[InputError]] = ScenarioError

    @classmethod
    def of(cls, p: CasePath) -> ParamSpec:
        """The scenario parameter of a case path."""
        return cls(p.pattern, p.lo, p.hi, p.tier, p.lo_open, p.doc)
