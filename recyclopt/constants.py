"""Constants named once: the package version and unit conversions (SI inside the package;
these convert at its edges)."""

#: the package version (kept in step with ``pyproject.toml``)
__version__ = "0.1.0"

#: joules per kilowatt-hour (3600 s x 1000 W)
J_PER_KWH = 3.6e6
#: seconds per hour
S_PER_H = 3600.0
#: kilograms per metric tonne
KG_PER_T = 1000.0
