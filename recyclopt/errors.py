"""Exception types raised by recyclopt.

Every error a user can cause derives from :class:`RecycloptError`, so the CLI can
turn it into one readable line. Messages name the file (where there is one), the
field, the offending value and the allowed range.
"""

from __future__ import annotations


class RecycloptError(Exception):
    """Base class of every error caused by user input or an unsolvable problem."""


class InputError(RecycloptError, ValueError):
    """Bad input: a field outside its allowed range, a missing field, a wrong type."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None,
                 line: int | None = None):
        self.source = source
        self.field = field
        self.line = line
        prefix = (f"{source}:{line}: " if line else f"{source}: ") if source else ""
        super().__init__(prefix + message)


class FormulaError(InputError):
    """A chemical formula that cannot be parsed."""


class UnknownSpeciesError(InputError, KeyError):
    """A species name that is not in the registry."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return Exception.__str__(self)


class TemperatureRangeError(InputError):
    """A temperature outside the valid range of a species' thermochemical data."""


class FlowsheetError(InputError):
    """A flowsheet definition that is inconsistent (dangling stream, unknown unit type...)."""


class ConvergenceError(RecycloptError):
    """A recycle loop that did not converge."""


class BalanceError(RecycloptError):
    """A mass or energy balance that does not close within tolerance."""


class FeedRefusedError(InputError):
    """A feed that a route cannot take (for example an oxidised feed sent to hydrogen decrepitation)."""


class SolverError(RecycloptError):
    """The optimisation solver did not return a usable, proven result."""


class OutputError(InputError):
    """An output path that cannot be written as asked: it is an input, a folder, in a missing or
    read-only folder, on a full disk, or an existing file without ``--force``."""


class NumericalError(SolverError):
    """A plan the solver called optimal that fails verification in the case's own units
    (infeasible, or worse than a trivially feasible plan): a numerical failure."""
