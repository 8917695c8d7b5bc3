"""Unit operations, one module per family.

``generic`` (mixer, splitter, separator, heater, stoichiometric reactor), and the magnet
recycling families: ``mechanical`` (liberation), ``hydrogen`` (decrepitation short loop),
``hydromet``, ``pyromet`` and ``separation`` (solvent extraction, ion exchange).
"""

from __future__ import annotations

import importlib

from .base import UNIT_TYPES, Param, UnitOperation, UnitResult, register_unit, unit_class

_FAMILIES = ("generic", "mechanical", "hydrogen", "hydromet", "pyromet", "separation", "alloy")


def _load_all() -> None:
    for fam in _FAMILIES:
        try:
            importlib.import_module(f"{__name__}.{fam}")
        except ModuleNotFoundError as exc:  # a family not written yet
            if exc.name != f"{__name__}.{fam}":
                raise


_load_all()
load_all = True

__all__ = ["UNIT_TYPES", "Param", "UnitOperation", "UnitResult", "register_unit", "unit_class"]
