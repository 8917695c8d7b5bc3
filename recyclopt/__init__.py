"""recyclopt: flowsheets and plant optimisation for recovering rare earths from NdFeB magnets.

The public names below are re-exported lazily (a module-level ``__getattr__``, PEP 562):
``import recyclopt`` loads none of numpy, pandas, Pyomo or SciPy, so the command line starts
fast; each name is imported from its module on first use.
"""

from __future__ import annotations

from .constants import __version__
from .lazy import lazy_exports

#: public name -> the module that defines it
_EXPORTS = {
    "Registry": "recyclopt.chemistry",
    "default_registry": "recyclopt.chemistry",
    "parse_formula": "recyclopt.chemistry",
    "RecycloptError": "recyclopt.errors",
    "Stream": "recyclopt.streams",
    "mix": "recyclopt.streams",
    "stream_table": "recyclopt.streams",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
