"""A bundled case as a user's file, and a case resolved field by field with each value's source.

* :func:`exported_text`: the bundled case file's text (comments and sources kept) with every
  ``availability_table: <name>`` replaced by the per-year mapping it stands for
  (``availability_units: {year: units x collection rate}``), so availability is edited in
  the file; the exported file gives the same case, number for number.
* :func:`resolved_rows`: every field of a case after defaults, as ``(dotted path, value,
  source)`` with source ``line N`` (the case file), ``default`` or the bundled table or
  catalogue the value comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from .case import CaseError, case_from_dict, load_case
from .case_schema import CaseSpec

#: bundled files of ``recyclopt/cases`` that are not cases
NOT_CASES = ("_scenarios",)


def bundled_cases() -> list[str]:
    """Names of the bundled cases (``recyclopt/cases/<name>.yaml``)."""
    return sorted(f.name[:-5] for f in resources.files("recyclopt.cases").iterdir()
                  if f.name.endswith(".yaml") and not f.name[:-5].endswith(NOT_CASES))


def bundled_text(name: str) -> str:
    """The text of bundled case ``name``."""
    if name not in bundled_cases():
        raise CaseError(f"unknown bundled case {name!r}; allowed: {', '.join(bundled_cases())}",
                        field="NAME")
    return resources.files("recyclopt.cases").joinpath(f"{name}.yaml").read_text(
        encoding="utf-8")


def _read(text: str, src: str) -> tuple[Any, Any]:
    from ..io.yaml_input import load_yaml

    doc = load_yaml(text, src, CaseError)
    return doc, case_from_dict(doc.data, source=src, lines=doc.lines)


def exported_text(name: str = "taiwan") -> str:
    """Bundled case ``name`` with its availability tables expanded inline (see the module)."""
    text = bundled_text(name)
    doc, case = _read(text, f"{name}.yaml")
    lines = text.splitlines(keepends=True)
    tables = set()
    for k, f in enumerate(doc.data.get("feedstocks") or []):
        table = f.get("availability_table")
        if table is None:
            continue
        tables.add(table)
        i = doc.lines[("feedstocks", k, "availability_table")] - 1
        av = case.feedstocks[k].availability
        units = "availability_units: {" + ", ".join(f"{int(y)}: {float(v)!r}"
                                                     for y, v in av.items()) + "}"
        lines[i], n = re.subn(r"availability_table:\s*[\w.-]+", units.replace("\\", r"\\"),
                              lines[i], count=1)
        if n != 1:  # pragma: no cover - the loader gave this line for the key
            raise CaseError(f"cannot find availability_table on line {i + 1}", source=name)
    head = (f"# Exported by `recyclopt case export {name}` from the bundled {name}.yaml.\n")
    if tables:
        head += ("# availability_units: end-of-life units x collection rate per operating year,"
                 "\n# expanded from the bundled table(s) "
                 f"{', '.join(f'recyclopt/data/{t}_availability.csv' for t in sorted(tables))}"
                 "\n# (sources there); edit them here, or scale them with\n"
                 "# `recyclopt optimize FILE --set feedstocks.<name>.availability_factor=2`.\n")
    return head + "".join(lines)


def _named(items: list[Any], k: int) -> str:
    item = items[k]
    return str(item["name"]) if isinstance(item, dict) and "name" in item else str(k)


def _walk(v: Any, raw: tuple[Any, ...], dotted: tuple[str, ...]
          ) -> Iterator[tuple[tuple[Any, ...], tuple[str, ...], Any]]:
    """Leaves of a dumped spec: (path in the file, dotted path by names, value)."""
    if isinstance(v, dict) and v:
        for key, x in v.items():
            yield from _walk(x, (*raw, key), (*dotted, str(key)))
    elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        for k in range(len(v)):
            yield from _walk(v[k], (*raw, k), (*dotted, _named(v, k)))
    else:
        yield raw, dotted, v


def _compact(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list) and len(v) > 6:
        return f"[{', '.join(map(_compact, v[:3]))}, ... ({len(v)} items)]"
    if isinstance(v, list):
        return f"[{', '.join(map(_compact, v))}]"
    return "none" if v is None else str(v)


def _line_of(lines: Any, raw: tuple[Any, ...]) -> int | None:
    for n in range(len(raw), 0, -1):  # the key's own line, else its nearest written parent
        if raw[:n] in lines:
            return int(lines[raw[:n]]) if n == len(raw) else None
    return None


def resolved_rows(path: str | Path | None = None) -> list[tuple[str, str, str]]:
    """Every field of a case after defaults: ``(dotted path, value, source)``."""
    case = load_case(path)
    from ..io.yaml_input import load_yaml

    p = Path(path) if path is not None else None
    if p is not None and (p.suffix in (".yaml", ".yml") or p.exists()):
        text = p.read_text(encoding="utf-8")
    else:
        text = bundled_text(str(path or "taiwan"))
    doc = load_yaml(text, str(case.source), CaseError)
    spec = CaseSpec.model_validate(dict(doc.data))
    rows = []
    for raw, dotted, v in _walk(spec.model_dump(), (), ()):
        line = _line_of(doc.lines, raw)
        rows.append((".".join(dotted), _compact(v), f"line {line}" if line else "default"))
    for k, f in enumerate(spec.feedstocks):
        av = case.feedstocks[k].availability
        years = f"{int(av.index[0])}-{int(av.index[-1])}"
        src = (f"bundled table {f.availability_table}_availability.csv"
               if f.availability_table else "computed from the case file")
        rows.append((f"feedstocks.{f.name}.availability (units/yr after collection, {years})",
                     _compact([float(x) for x in av.values]), src))
        if f.catalogue:
            rows.append((f"feedstocks.{f.name}.content_kg_per_unit",
                         ", ".join(f"{e}: {x:g}" for e, x in
                                   case.feedstocks[k].content_kg_per_unit.items()),
                         f"bundled catalogue feedstocks.csv ({f.catalogue})"))
    return rows
