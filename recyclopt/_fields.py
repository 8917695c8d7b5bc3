"""Field checks shared by the case and scenario loaders.

Each takes the error class to raise, so a case file reports a ``CaseError`` and a scenario file a
``ScenarioError``, both naming the source file and the dotted field.
"""

from __future__ import annotations

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
    """Refuse keys of ``d`` outside ``allowed``, naming the first unknown one."""
    extra = sorted(set(map(str, d)) - allowed)
    if extra:
        raise field_error(cls, src, f"{where}.{extra[0]}" if where else extra[0],
                          f"unknown field; allowed: {sorted(allowed)}")
