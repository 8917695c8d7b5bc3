"""JSON Schema of the scenario file format, built from the parser's own declarations.

The keys of the file, of a set, of a scenario and of ``sample`` (:data:`FILE_FIELDS` ...) and
the distributions with their keys (:data:`DIST_KEYS`) are the ones
:func:`recyclopt.scenarios.definition.scenarios_from_dict` checks, so the schema cannot drift
from the loader. Dotted case paths (override and parameter names) are checked against the
case when a sweep expands, not here.
"""

from __future__ import annotations

from typing import Any

from .definition import (
    DIST_KEYS,
    FILE_FIELDS,
    MAX_SAMPLES,
    SAMPLE_FIELDS,
    SAMPLE_METHODS,
    SCENARIO_FIELDS,
    SET_FIELDS,
)

SCENARIO_SCHEMA_ID = "https://recyclopt.invalid/schemas/scenarios.schema.json"

_NUMBER = {"type": "number"}
_OVERRIDES = {"type": "object", "description": "dotted case path -> value",
              "additionalProperties": {"type": ["number", "object"]}}


def _object(fields: dict[str, str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "properties": {k: {"description": doc, **props.get(k, {})}
                           for k, doc in fields.items()}}


def _distribution(kind: str) -> dict[str, Any]:
    need, opt = DIST_KEYS[kind]
    props: dict[str, Any] = {"dist": {"const": kind}}
    for k in sorted(need | opt):
        props[k] = _NUMBER
    if kind == "resample":
        props.update(values={"type": "array", "items": _NUMBER}, file={"type": "string"},
                     column={"type": "string"}, mode={"enum": ["level", "ratio"]})
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": ["dist", *sorted(need)]}


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file."""
    scenario = _object(SCENARIO_FIELDS, {"name": {"type": "string"},
                                         "overrides": _OVERRIDES, "description":
                                         {"type": "string"}})
    sample = _object(SAMPLE_FIELDS, {"method": {"enum": list(SAMPLE_METHODS)},
                                     "n": {"type": "integer", "minimum": 1,
                                           "maximum": MAX_SAMPLES},
                                     "seed": {"type": "integer", "minimum": 0},
                                     "allow_large": {"type": "boolean"}})
    pair = {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2}
    one_set = _object(SET_FIELDS, {
        "overrides": _OVERRIDES,
        "scenarios": {"type": "array", "items": scenario},
        "sample": sample,
        "parameters": {"type": "object", "additionalProperties": {
            "oneOf": [_distribution(k) for k in sorted(DIST_KEYS)]}},
        "one_at_a_time": {"type": "object", "additionalProperties": {"oneOf": [pair, {
            "type": "object", "additionalProperties": False, "required": ["low", "high"],
            "properties": {"low": _NUMBER, "high": _NUMBER}}]}},
        "description": {"type": "string"}})
    schema = _object(FILE_FIELDS, {
        "case": {"type": "string"}, "seed": {"type": "integer", "minimum": 0},
        "levers": {"type": "object"}, "description": {"type": "string"},
        "sets": {"type": "object", "minProperties": 1, "additionalProperties": one_set}})
    schema["required"] = ["sets"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCENARIO_SCHEMA_ID, "title": "recyclopt scenario file", **schema}
