"""The Markdown table of case fields, generated from the case schema (``docs/case_fields.md``).

``python -m recyclopt.optimize.case_docs > docs/case_fields.md`` regenerates the checked-in
file; a test asserts that it equals :func:`fields_markdown`.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from ..io.input_errors import range_of

#: Each mapping of a case file and where it sits.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("CaseSpec", "top level"), ("HorizonSpec", "horizon"), ("CostingSpec", "costing"),
    ("FeedstockSpec", "feedstocks[]"), ("OptionSpec", "options[]"),
    ("CapexSpec", "options[].capex"), ("EquipmentSpec", "options[].equipment"),
    ("ProductSpec", "products.<name>"), ("PricesSpec", "prices"), ("LabourSpec", "labour"),
    ("PolicySpec", "policy"), ("RecycledContentSpec", "policy.recycled_content"),
)


def _type(ann: Any) -> str:
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:
        return "number or {year: number}" if args[0] is Any else _type(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type(a) for a in args if a is not type(None))
    if origin is typing.Literal:
        return " \\| ".join(map(str, args))
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"{{{_type(args[0])}: {_type(args[1])}}}"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return "mapping"
    return {float: "number", int: "integer", str: "text", bool: "true/false"}.get(
        ann, "see doc")


def _default(info: Any) -> str:
    if info.is_required():
        return "**required**"
    d = info.get_default(call_default_factory=True)
    if isinstance(d, BaseModel):
        return "(mapping defaults)"
    return "—" if d is None else f"`{d!r}`" if d not in ([], {}, "") else "empty"


def _allowed(info: Any) -> str:
    meta = list(info.metadata)
    for a in typing.get_args(info.annotation):
        if typing.get_origin(a) is typing.Annotated or hasattr(a, "__metadata__"):
            meta.extend(getattr(a, "__metadata__", ()))
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "minimum" in extra:
        return f">= {extra['minimum']}"
    r = range_of(meta)
    return "" if r == "[-inf, inf]" else r


def section_markdown(spec: type[BaseModel], where: str) -> str:
    """One table: field, type, unit, default, allowed, plausible (why), description, source."""
    rows = [f"### `{where}`", "", (spec.__doc__ or "").strip().split("\n")[0], "",
            "| field | type | unit | default | allowed | plausible (why) | description | source |",
            "|---|---|---|---|---|---|---|---|"]
    for name, info in spec.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        plaus = ""
        if "plausible" in extra:
            lo, hi = extra["plausible"]
            plaus = f"[{lo:g}, {hi:g}] ({extra['plausible_why']})"
        cells = [f"`{name}`", _type(info.annotation), extra.get("unit", ""), _default(info),
                 _allowed(info), plaus, info.description or "", extra.get("source", "")]
        rows.append("| " + " | ".join(c.replace("|", "\\|") if c != cells[1] else c
                                      for c in cells) + " |")
    return "\n".join(rows) + "\n"


def fields_markdown() -> str:
    """The whole documentation page of case fields."""
    from . import case_schema

    parts = ["# Case file fields", "",
             "Generated from `recyclopt/optimize/case_schema.py` by "
             "`python -m recyclopt.optimize.case_docs`; do not edit by hand. "
             "A value outside its *plausible* range is refused unless the case lists the "
             "field's dotted path (`*` matches a name) in `allow_implausible`. The costing "
             "convention's own parameters (`discount_rate`, `atwacc`, ...) and their defaults "
             "and sources are documented in `recyclopt/economics/conventions.py`.", ""]
    parts += [section_markdown(getattr(case_schema, cls), where) for cls, where in SECTIONS]
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    print(fields_markdown(), end="")
