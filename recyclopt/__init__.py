"""recyclopt: flowsheets and plant optimisation for recovering rare earths from NdFeB magnets."""

from __future__ import annotations

__version__ = "0.1.0"

from .chemistry import Registry, default_registry, parse_formula  # noqa: E402
from .errors import RecycloptError  # noqa: E402
from .streams import Stream, mix, stream_table  # noqa: E402

__all__ = [
    "Registry",
    "RecycloptError",
    "Stream",
    "default_registry",
    "mix",
    "parse_formula",
    "stream_table",
]
