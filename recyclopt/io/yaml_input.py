"""Bounded YAML input that remembers where every key was written.

Input files (cases, scenarios, flowsheets) are read with PyYAML's safe loader (no ``!!python``
tags) plus four guards, each a one-line :class:`~recyclopt.errors.InputError`:

* size: a file over :data:`MAX_CHARS` characters is refused before parsing;
* depth: nesting deeper than :data:`MAX_DEPTH` is refused while composing (no RecursionError);
* aliases: a document whose aliases expand to more than :data:`MAX_NODES` nodes (an "alias
  bomb"), or an alias that contains itself, is refused before it is built;
* duplicate keys: a key written twice in one mapping is refused naming both lines (PyYAML
  would silently keep the last).

:func:`load_yaml` also returns the line of every key and list item, keyed by its path
(``("feedstocks", 1, "tags")``), so validation errors can say ``file:line: field: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import InputError

#: Largest input file, in characters: 20 MB is ~100x the largest bundled case with yearly
#: tables written out; a bigger file is almost certainly not a hand-edited input.
MAX_CHARS = 20_000_000
#: Deepest nesting: cases and scenarios nest at most ~8 levels; 100 leaves room for any
#: hand-written structure while staying far below Python's recursion limit.
MAX_DEPTH = 100
#: Most nodes after alias expansion: a 50-year case with 1,000 feedstocks is ~200,000 nodes.
MAX_NODES = 1_000_000

Path = tuple[Any, ...]


@dataclass
class YamlDocument:
    """Parsed data and the 1-based line of each key / list item, by path."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """Line of ``path`` or of its nearest written ancestor (None when unknown)."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses nesting deeper than ``max_depth``."""

    def __init__(self, stream: str, max_depth: int) -> None:
        super().__init__(stream)
        self.depth = 0
        self.max_depth = max_depth

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                mark = self.peek_event().start_mark
                raise _Refused(f"nesting deeper than {self.max_depth} levels", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Refused(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for kv in node.value for n in kv]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_nodes(root: yaml.Node, max_nodes: int) -> dict[int, tuple[str, int, int]]:
    """Expanded node count within ``max_nodes`` and no self-containing alias; returns the
    mappings with a duplicate key (by node id), reported with their path later.

    Post-order walk over the distinct nodes with an explicit stack; an aliased node is
    counted once per use through the memoised sizes."""
    dups: dict[int, tuple[str, int, int]] = {}
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            on_path.discard(nid)
            size[nid] = 1 + sum(size[id(c)] for c in _children(node))
            if size[nid] > max_nodes:
                raise _Refused(f"aliases expand to more than {max_nodes:,} nodes (an alias "
                               "bomb?); write the data out or use fewer aliases",
                               node.start_mark.line + 1)
            continue
        if nid in size:
            continue
        if nid in on_path:
            raise _Refused("an alias refers to a node that contains it (a recursive "
                           "structure)", node.start_mark.line + 1)
        on_path.add(nid)
        if isinstance(node, yaml.MappingNode) and (dup := _duplicate_key(node)):
            dups[nid] = dup
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return dups


def _duplicate_key(node: yaml.MappingNode) -> tuple[str, int, int] | None:
    """(key, first line, second line) of a key written twice in one mapping, read before
    construction (merge keys ``<<`` are flattened later and may repeat a key by design)."""
    seen: dict[tuple[str, str], int] = {}
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode) or k.tag == "tag:yaml.org,2002:merge":
            continue
        key, line = (k.tag, k.value), k.start_mark.line + 1
        if key in seen:
            return k.value, seen[key], line
        seen[key] = line
    return None


def _duplicate_error(dup: tuple[str, int, int], name: str) -> _Refused:
    return _Refused(f"{name}: duplicate key (lines {dup[1]} and {dup[2]}); YAML would keep "
                    "only the last; delete one", dup[2])


def _record_lines(loader: _BoundedLoader, root: yaml.Node, data: Any,
                  dups: dict[int, tuple[str, int, int]]) -> dict[Path, int]:
    """Line of each key and list item, by path (walks the data and the nodes together);
    a mapping in ``dups`` is refused naming its dotted path."""
    from .input_errors import Where

    lines: dict[Path, int] = {(): root.start_mark.line + 1}
    stack: list[tuple[yaml.Node, Any, Path]] = [(root, data, ())]
    while stack:
        node, obj, path = stack.pop()
        if isinstance(node, yaml.MappingNode) and isinstance(obj, Mapping):
            if id(node) in dups:
                dup = dups[id(node)]
                raise _duplicate_error(dup, Where("", InputError, data).dotted((*path, dup[0])))
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    continue
                key = loader.construct_object(k)
                if key in obj:
                    lines[(*path, key)] = k.start_mark.line + 1  # explicit keys win over merged
                    stack.append((v, obj[key], (*path, key)))
        elif isinstance(node, yaml.SequenceNode) and isinstance(obj, list):
            for i, (v, item) in enumerate(zip(node.value, obj, strict=False)):
                lines[(*path, i)] = v.start_mark.line + 1
                stack.append((v, item, (*path, i)))
    return lines


def load_yaml(text: str, source: str, error: type[InputError], *, max_chars: int = MAX_CHARS,
              max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> YamlDocument:
    """Parse one YAML document within the limits above; errors are ``error`` naming the file
    and line.

    Parameters
    ----------
    text : the file's text.
    source : the file name, for messages.
    error : the InputError subclass to raise (CaseError, ScenarioError ...).
    max_chars, max_depth, max_nodes : the limits (defaults: the module constants).
    """
    if len(text) > max_chars:
        raise error(f"file is {len(text):,} characters, over the input limit of "
                    f"{max_chars:,}", source=source)
    try:
        loader = _BoundedLoader(text, max_depth)
        try:
            node = loader.get_single_node()
            if node is None:
                return YamlDocument(None, {})
            dups = _check_nodes(node, max_nodes)
            data = loader.construct_document(node)
            lines = _record_lines(loader, node, data, dups)
            if dups:  # in a part the walk did not reach (a mapping used as a key)
                dup = next(iter(dups.values()))
                raise _duplicate_error(dup, dup[0])
            return YamlDocument(data, lines)
        finally:
            loader.dispose()
    except _Refused as exc:
        raise error(str(exc), source=source, line=exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}",
                    source=source) from None
