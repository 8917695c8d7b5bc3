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
from typing import Any

from .._fields import field_error, number
from ..errors import InputError

#: Where a sweep's scenarios are solved (:func:`recyclopt.scenarios.backends.run_sweep`).
BACKENDS = ("serial", "processes", "dask")


class ScenarioError(InputError):
    """A scenario file, set or value that does not validate."""


def range_text(lo: float | None, hi: float | None, lo_open: bool = False) -> str:
    """An allowed range as text: ``[0, 1]``, ``(0, inf]``."""
    a = "(" if lo_open else "["
    return f"{a}{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"


@dataclass(frozen=True)
class ParamSpec:
    """A parameter a scenario may set: a path pattern (``*`` matches a name), its allowed range
    and the cheapest tier that reaches its effect."""

    pattern: tuple[str, ...]
    lo: float | None
    hi: float | None
    tier: str
    lo_open: bool = False
    doc: str = ""

    def check(self, src: str, fieldname: str, value: Any) -> float:
        """``value`` as a float inside the allowed range, or a :class:`ScenarioError`."""
        x = number(ScenarioError, src, fieldname, value)
        if (self.lo is not None and (x < self.lo or (self.lo_open and x <= self.lo))) or (
                self.hi is not None and x > self.hi):
            raise field_error(ScenarioError, src, fieldname,
                              f"{x:g} is outside the allowed range "
                              f"{range_text(self.lo, self.hi, self.lo_open)} of "
                              f"{'.'.join(self.pattern)}")
        return x
