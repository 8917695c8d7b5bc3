"""The resolved case as JSON, losslessly: what a saved plan carries to be reproduced.

A :class:`~recyclopt.optimize.case.Case` is built from YAML plus bundled tables (availability,
flowsheet yields); :func:`case_to_json` writes the resolved objects themselves (every
dataclass field, pandas Series with their index, tuples and frozensets tagged), so
:func:`case_from_json` rebuilds an equal case without the original files. Only the case's own
types are decoded (an allow-list), never an arbitrary class named in the file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from ..economics import CapexCurve, Horizon, QGESSCosting, SimpleCosting
from ..errors import InputError
from .case import Case, Equipment, Feedstock, Option, Planning, Policy, Product, Stockpile

#: Types a saved case may hold, by the tag written for them.
TYPES: dict[str, type] = {t.__name__: t for t in (
    Case, Feedstock, Option, Equipment, Product, Policy, Planning, Stockpile, Horizon,
    SimpleCosting, QGESSCosting, CapexCurve)}


def encode(v: Any) -> Any:
    """A JSON-able form of a case value (dataclasses, Series, arrays, sets, tuples)."""
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        name = type(v).__name__
        if TYPES.get(name) is not type(v):
            raise TypeError(f"cannot encode {type(v)!r} in a saved case")
        return {"__type__": name, **{f.name: encode(getattr(v, f.name))
                                     for f in dataclasses.fields(v) if f.init}}
    if isinstance(v, pd.Series):
        return {"__series__": {"index": encode(v.index.tolist()),
                               "values": encode(v.tolist()), "name": v.name}}
    if isinstance(v, np.ndarray):
        return {"__array__": encode(v.tolist())}
    if isinstance(v, frozenset | set):
        return {"__frozenset__": sorted(encode(x) for x in v)}
    if isinstance(v, tuple):
        return {"__tuple__": [encode(x) for x in v]}
    if isinstance(v, list):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        return {str(k): encode(x) for k, x in v.items()}
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        return f if np.isfinite(f) else {"__float__": repr(f)}
    return v


def decode(v: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(v, list):
        return [decode(x) for x in v]
    if not isinstance(v, dict):
        return v
    if "__type__" in v:
        cls = TYPES.get(v["__type__"])
        if cls is None:
            raise InputError(f"saved case: unknown type {v['__type__']!r}", field="case")
        return cls(**{k: decode(x) for k, x in v.items() if k != "__type__"})
    if "__series__" in v:
        s = v["__series__"]
        return pd.Series(decode(s["values"]), index=decode(s["index"]), name=s.get("name"),
                         dtype=float)
    if "__array__" in v:
        return np.asarray(decode(v["__array__"]), dtype=float)
    if "__frozenset__" in v:
        return frozenset(decode(v["__frozenset__"]))
    if "__tuple__" in v:
        return tuple(decode(x) for x in v["__tuple__"])
    if "__float__" in v:
        return float(v["__float__"])
    return {k: decode(x) for k, x in v.items()}


def case_to_json(case: Case) -> dict[str, Any]:
    """The resolved case as a JSON-able dict (see the module docstring)."""
    return encode(case)


def case_from_json(data: dict[str, Any]) -> Case:
    """Rebuild a case written by :func:`case_to_json`."""
    case = decode(data)
    if not isinstance(case, Case):
        raise InputError("saved case: not a case object", field="case")
    return case
