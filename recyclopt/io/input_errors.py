"""One-line input errors: ``<file>:<line>: <dotted.field>: <what is wrong>; allowed <range>;
did you mean '<closest>'?``.

:class:`Where` knows an input's file, its raw data and (for YAML files) the line of each key;
it turns a path into the dotted field name users write (items of a named list by their name:
``feedstocks.HDD.tags``) and builds the error. :func:`validation_error` turns the first
pydantic validation error (in file order) into that line.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

Path = tuple[Any, ...]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggest(word: Any, candidates: Iterable[Any]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or ``""`` when none is close.

    Close means: the same but for letter case; else at most one edit per four characters
    (one for short names: ``rio`` -> ``reo``); else a difflib similarity of 0.7 or more
    (``price_usd_kg`` -> ``price_usd_per_kg``)."""
    cands = [str(c) for c in candidates]
    w = str(word)
    lower = {c.lower(): c for c in cands}
    if w.lower() in lower and lower[w.lower()] != w:
        return f"; did you mean {lower[w.lower()]!r}?"
    if cands:
        dist, best = min((edit_distance(w, c), c) for c in cands)
        if dist <= max(1, len(w) // 4):
            return f"; did you mean {best!r}?"
    close = difflib.get_close_matches(w, cands, n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else ""


def allowed_text(names: Iterable[Any], limit: int | None = 20) -> str:
    """``"allowed: a, b, c"`` (the first ``limit`` names, then a count; all when None)."""
    names = sorted(map(str, names))
    limit = len(names) if limit is None else limit
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return f"allowed: {', '.join(names[:limit])}{more}"


@dataclass
class Where:
    """An input being validated: the file, the error class, the raw data and the key lines."""

    source: str
    error: type[InputError]
    data: Any = None
    lines: Mapping[Path, int] | None = None

    def line(self, path: Sequence[Any]) -> int | None:
        """Line of ``path`` or of its nearest written ancestor."""
        if not self.lines:
            return None
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get(())

    def dotted(self, path: Sequence[Any]) -> str:
        """``feedstocks.HDD.availability_units.2030`` (list items by name, else ``[i]``)."""
        out, node = "", self.data
        for part in path:
            if isinstance(part, int) and isinstance(node, list):
                item = node[part] if 0 <= part < len(node) else None
                name = item.get("name") if isinstance(item, Mapping) else None
                out += f".{name}" if isinstance(name, str) and name else f"[{part}]"
                node = item
            else:  # a year key reads as an index: availability_units[2030]
                out += f"[{part}]" if isinstance(part, int) else f".{part}"
                node = node.get(part) if isinstance(node, Mapping) else None
        return out.lstrip(".") or "(top level)"

    def path_of(self, dotted: str) -> Path:
        """The data path of a dotted field name (the inverse of :meth:`dotted`; keys that
        contain dots, such as scenario parameter paths, are matched whole)."""
        path: list[Any] = []
        node, rest = self.data, dotted
        while rest and node is not None:
            rest = rest.lstrip(".")
            if isinstance(node, list):
                idx = None
                if rest.startswith("["):
                    head, _, rest = rest[1:].partition("]")
                    idx = int(head) if head.isdigit() else None
                else:
                    for i, item in enumerate(node):
                        name = item.get("name") if isinstance(item, Mapping) else None
                        if isinstance(name, str) and rest.split(".")[0] == name:
                            idx, rest = i, rest[len(name):]
                            break
                if idx is None or idx >= len(node):
                    break
                path.append(idx)
                node = node[idx]
            elif isinstance(node, Mapping):
                keys = sorted((k for k in node if rest == str(k) or rest.startswith(
                    f"{k}.") or rest.startswith(f"{k}[")), key=lambda k: -len(str(k)))
                if not keys:
                    break
                path.append(keys[0])
                node, rest = node[keys[0]], rest[len(str(keys[0])):]
            else:
                break
        return tuple(path)

    def fail(self, path: Sequence[Any], msg: str) -> InputError:
        """The error ``<file>:<line>: <field>: <msg>``."""
        name = self.dotted(path)
        return self.error(f"{name}: {msg}", source=self.source, field=name,
                          line=self.line(path))


# --------------------------------------------------------------------------- pydantic
def _strip(ann: Any, meta: list[Any]) -> Any:
    """Strip Annotated (collecting its metadata) and Optional."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            meta.extend(ann.__metadata__)
            ann = ann.__origin__
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) != 1:
                return ann
            ann = args[0]
        else:
            return ann


def _resolve(model: type, loc: Sequence[Any]) -> tuple[Any, list[Any]]:
    """(annotation, constraint metadata) of the value at ``loc`` in ``model``."""
    return _resolve_doc(model, loc)[:2]


def _resolve_doc(model: type, loc: Sequence[Any]) -> tuple[Any, list[Any], str]:
    """(annotation, constraint metadata, doc of the nearest declared field) at ``loc``."""
    from pydantic import BaseModel

    ann: Any = model
    meta: list[Any] = []
    doc = ""
    for part in loc:
        ann = _strip(ann, meta)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            info = ann.model_fields.get(part) if isinstance(part, str) else None
            if info is None:
                return None, [], doc
            ann, meta, doc = info.annotation, list(info.metadata), info.description or ""
        elif typing.get_origin(ann) in (list, tuple):
            ann, meta = typing.get_args(ann)[0], []
        elif typing.get_origin(ann) is dict:
            ann, meta = typing.get_args(ann)[1], []
        else:
            return None, [], doc
    return _strip(ann, meta), meta, doc


def range_of(meta: list[Any]) -> str:
    """``[lo, hi]`` (open ends as ``(``/``)``) from pydantic constraint metadata."""
    lo = hi = None
    lo_open = hi_open = False
    flat: list[Any] = []
    for m in meta:  # a FieldInfo in Annotated carries its bounds in .metadata
        flat.extend([m, *getattr(m, "metadata", [])])
    for m in flat:
        for attr, is_lo, open_ in (("ge", True, False), ("gt", True, True), ("le", False, False),
                                   ("lt", False, True)):
            v = getattr(m, attr, None)
            if v is not None:
                if is_lo:
                    lo, lo_open = v, open_
                else:
                    hi, hi_open = v, open_
    return (f"{'(' if lo_open else '['}{'-inf' if lo is None else f'{lo:g}'}, "
            f"{'inf' if hi is None else f'{hi:g}'}{')' if hi_open else ']'}")


def _what(v: Any) -> str:
    if isinstance(v, str):
        return f"the text {v!r}"
    if isinstance(v, Mapping):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return f"{v!r}"


def _message(err: Mapping[str, Any], model: type, loc: Path) -> str:
    """The ``<what is wrong>; allowed ...; did you mean ...?`` part for one pydantic error."""
    kind, v, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "extra_forbidden":
        parent, _ = _resolve(model, loc[:-1])
        names = list(getattr(parent, "model_fields", {}))
        return f"unknown field; {allowed_text(names, None)}{suggest(loc[-1], names)}"
    if kind == "missing":
        return f"missing (required: {_resolve_doc(model, loc)[2]})"
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        want = "a whole number" if kind.startswith("int") else "a number"
        return f"{_what(v)} is not {want}"
    if kind == "finite_number":
        return f"{v!r} is not a finite number (NaN/inf not allowed)"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        _, meta = _resolve(model, loc)
        return f"{v:g} is outside the allowed range {range_of(meta)}"
    if kind == "literal_error":
        allowed = [a.strip(" '") for a in str(ctx.get("expected", "")).replace(" or ", ", ")
                   .split(",")]
        return f"{v!r} is not allowed; allowed: {', '.join(allowed)}{suggest(v, allowed)}"
    if kind == "list_type":
        hint = f" (write [{v}])" if isinstance(v, str) else ""
        return f"expected a list, got {_what(v)}{hint}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping, got {_what(v)}"
    if kind == "string_type":
        return f"expected text, got {_what(v)}"
    if kind == "bool_type":
        return f"expected true or false, got {_what(v)}"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        size = "at least" if kind == "too_short" else "at most"
        unit = "character" if isinstance(v, str) else "item"
        return (f"needs {size} {n} {unit}{'s' if n != 1 else ''} "
                f"({_resolve_doc(model, loc)[2]})")
    return err["msg"]


def validation_error(exc: Any, model: type, where: Where) -> InputError:
    """The first error of a pydantic ``ValidationError`` (in file order) as a one-line
    ``where.error``."""
    errs = []
    for e in exc.errors(include_url=False):
        loc = tuple(p for p in e["loc"] if p != "[key]")
        sub = (e.get("ctx") or {}).get("sub")
        if sub is not None:
            loc = (*loc, sub)
        # an unknown key first (a misspelt required key is also reported "missing"), then
        # in file order; stable: pydantic's order within a line
        errs.append((e["type"] != "extra_forbidden", where.line(loc) or 0, loc, e))
    errs.sort(key=lambda t: t[:2])
    *_, loc, e = errs[0]
    return where.fail(loc, _message(e, model, loc))
