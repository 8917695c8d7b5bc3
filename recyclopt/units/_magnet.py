"""Compatibility alias of :mod:`recyclopt.units.magnet` (renamed: no private module names are
imported across modules). New code imports :mod:`recyclopt.units.magnet`."""

from .magnet import *  # noqa: F403
