"""Field checks shared by the case and scenario loaders.

Each takes the error class to raise, so a case file reports a ``CaseError`` and a scenario file a
``ScenarioError``, both naming the source file and the dotted field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .errors import InputError


def field_error(cls: type[InputError], src: str, fieldname: str, msg: str) -> InputError:
    """``cls`` with the message ``"<field>: <msg>"``, the source file and the field set."""
    return cls(f"{fieldname}: {msg}", source=src, field=fieldname)


def mapping(cls: type[InputError], src: str, where: str, v: Any) -> Mapping[str, Any]:
    """``v`` as a mapping (``None`` is empty); anything else is an error at ``where``."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise field_error(cls, src, where, f"expected a mapping, got {type(v).__name__}")
    return v


def only(cls: type[InputError], src: str, where: str, d: Mapping[str, Any],
         allowed: set[str]) -> None:
    """Refuse keys of ``d`` outside ``allowed``, naming the first unknown one and the closest
    allowed key."""
    from .io.input_errors import suggest

    extra = sorted(set(map(str, d)) - allowed)
    if extra:
        raise field_error(cls, src, f"{where}.{extra[0]}" if where else extra[0],
                          f"unknown field; allowed: {', '.join(sorted(allowed))}"
                          f"{suggest(extra[0], allowed)}")


def number(cls: type[InputError], src: str, fieldname: str, v: Any, lo: float | None = None,
           hi: float | None = None, *, lo_open: bool = False) -> float:
    """``v`` as a finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``); booleans, text,
    ``None``, NaN and infinities are refused with the field and the allowed range."""
    if isinstance(v, bool) or v is None:
        raise field_error(cls, src, fieldname, f"{v!r} is not a number")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise field_error(cls, src, fieldname, f"{v!r} is not a number") from None
    if not math.isfinite(x):
        raise field_error(cls, src, fieldname,
                          f"{v!r} is not a finite number (NaN/inf not allowed)")
    rng = f"{'(' if lo_open else '['}{'-inf' if lo is None else f'{lo:g}'}, " \
          f"{'inf' if hi is None else f'{hi:g}'}]"
    if (lo is not None and (x < lo or (lo_open and x <= lo))) or (hi is not None and x > hi):
        raise field_error(cls, src, fieldname, f"{x:g} is outside the allowed range {rng}")
    return x
