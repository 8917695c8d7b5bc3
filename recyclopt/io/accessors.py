"""The base of recyclopt's result objects, to which higher layers attach accessors.

The pandas/xarray accessor pattern: a solved flowsheet or a plant plan derives from
:class:`Result`, and a package higher up attaches named accessors to it with
:func:`register_accessor` when it is imported (:mod:`recyclopt.report` attaches ``.plot`` and
``.iplot``), so results never import the packages that draw them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: accessor name -> the module that registers it, for the error when it is not imported yet
EXPECTED = {"plot": "recyclopt.report", "iplot": "recyclopt.report"}


class _Accessor:
    """A class attribute that builds ``accessor(obj)`` on access from an instance."""

    def __init__(self, accessor: Callable[[Any], Any]) -> None:
        self._accessor = accessor

    def __get__(self, obj: Any, owner: type) -> Any:
        return self._accessor if obj is None else self._accessor(obj)


class Result:
    """Base of result objects; see the module docstring."""

    def __getattr__(self, name: str) -> Any:  # only for names not found otherwise
        if name in EXPECTED:
            raise AttributeError(f"{type(self).__name__}.{name} is attached by "
                                 f"{EXPECTED[name]}: import it first (it needs the plots "
                                 "extra: pip install 'recyclopt[plots]')")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def register_accessor(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Class decorator: ``accessor(result)`` becomes available as ``result.<name>`` on every
    :class:`Result`.

    Parameters
    ----------
    name : the attribute name; it must not shadow an attribute of a result class.
    """
    def decorate(accessor: Callable[[Any], Any]) -> Callable[[Any], Any]:
        setattr(Result, name, _Accessor(accessor))
        return accessor

    return decorate
