"""Unit operations, one module per family.

``generic`` (mixer, splitter, separator, heater, stoichiometric reactor), and the magnet
recycling families: ``mechanical`` (liberation), ``hydrogen`` (decrepitation short loop),
``hydromet``, ``pyromet`` and ``separation`` (solvent extraction, ion exchange).
"""

from __future__ import annotations

from .base import (
    FAMILIES,
    UNIT_TYPES,
    Param,
    UnitOperation,
    UnitResult,
    load_families,
    register_unit,
    unit_class,
)

load_families()

__all__ = ["FAMILIES", "UNIT_TYPES", "Param", "UnitOperation", "UnitResult", "load_families",
           "register_unit", "unit_class"]
