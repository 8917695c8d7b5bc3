"""Compatibility alias of :mod:`recyclopt.units.reacting` (renamed: no private module names
are imported across modules). New code imports :mod:`recyclopt.units.reacting`."""

from .reacting import *  # noqa: F403
