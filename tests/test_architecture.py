"""The package's import rules (``shared/DESIGN.md`` (beside the repository) section 2), checked on its source.

An AST walk over ``recyclopt/`` finds every import of a recyclopt module and fails on:

(a) an import going UP the layers (:data:`LAYERS`; a module may import its own layer or a lower
    one). Every import counts: module-level, inside a function and under ``TYPE_CHECKING``
    (a deferred import is still a dependency), and ``importlib.import_module("recyclopt...")``
    with a literal name;
(b) an import cycle between modules. Module-level AND function-level imports count: an
    import deferred into a function to break a cycle does not break the dependency, so it
    does not satisfy the rule. Only ``if TYPE_CHECKING:`` imports are left out of the cycle
    graph (they never run; with ``from __future__ import annotations`` they are names in
    strings), though they still count for (a). Importing a submodule does not count as
    importing its parent package (Python runs the package's ``__init__`` first, but that is
    not a dependency of the importing module);
(c) a private name (``_x``, not a dunder) taken from another module: ``from m import _x`` or
    ``m._x`` where ``m`` names an imported recyclopt module. Underscore *modules*
    (``recyclopt._fields``) are package-internal and may be imported within the package;
    the names in them follow the same rule.

Known violations that other branches remove are listed in :data:`ALLOWED`, each saying who
removes it; an entry that no longer matches a violation fails
:func:`test_allowlist_has_no_stale_entries`, so the list shrinks as the branches merge.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from recyclopt.flowsheet import strongly_connected_components

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "recyclopt"

#: DESIGN.md section 2, lowest first.
LAYERS = ("data", "chemistry", "streams", "units", "flowsheet", "economics", "feed",
          "optimize", "scenarios", "report", "cli")

#: Module or package -> layer; a module takes the layer of its nearest listed ancestor. A new
#: top-level module must be added here (the test says so).
LAYER_OF = {
    # foundations every layer may use: error types, unit constants, file reading/writing,
    # input-field helpers, bundled tables and cases
    "recyclopt.errors": "data",
    "recyclopt.constants": "data",
    "recyclopt.lazy": "data",  # lazy re-exports for the packages' __init__
    "recyclopt.io": "data",  # files in and out: tables, YAML, outputs, cache, result base
    "recyclopt.schemas": "data",  # the shipped JSON Schemas (package data)
    "recyclopt.progress": "data",  # progress sink: no-op default, rich bars for the CLI
    "recyclopt.inputs": "flowsheet",  # the files a command reads (case, routes, scenarios)
    "recyclopt._fields": "data",
    "recyclopt.data": "data",
    "recyclopt.cases": "data",
    "recyclopt.flowsheets": "data",
    "recyclopt.chemistry": "chemistry",
    "recyclopt.streams": "streams",
    "recyclopt.feedstock": "streams",  # the feedstock catalogue: compositions as Streams
    "recyclopt.units": "units",
    "recyclopt.flowsheet": "flowsheet",
    "recyclopt.routes": "flowsheet",  # route comparison: solved flowsheets side by side
    "recyclopt.economics": "economics",
    "recyclopt.feed": "feed",
    "recyclopt.optimize": "optimize",
    "recyclopt.scenarios": "scenarios",
    "recyclopt.report": "report",
    "recyclopt.cli": "cli",
    "recyclopt.__main__": "cli",
    "recyclopt._bench": "cli",
    "recyclopt": "cli",  # the package's own __init__ (exactly): it re-exports the public API
}

#: Known violations that another branch removes (the integrator deletes each entry once that
#: branch is merged). Keys: ("upward" | "private", importer, imported) or ("cycle", importer,
#: imported) for an import edge allowed to close a cycle.
ALLOWED: dict[tuple[str, str, str], str] = {
}


@dataclass(frozen=True)
class Import:
    """One import of a package module by another, as found in the source."""

    importer: str
    target: str  # the imported module
    name: str | None  # the attribute taken from it (None: the module itself)
    line: int
    in_function: bool
    type_checking: bool


# --------------------------------------------------------------------------- the scan
def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root``: dotted name -> file."""
    out = {}
    for f in sorted(root.rglob("*.py")):
        parts = [package, *f.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _resolve(importer: str, is_pkg: bool, level: int, module: str | None) -> str:
    base = importer.split(".") if is_pkg else importer.split(".")[:-1]
    if level > 1:
        base = base[:len(base) - (level - 1)]
    return ".".join([*base, module] if module else base) if level else (module or "")


class _Visitor(ast.NodeVisitor):
    def __init__(self, importer: str, is_pkg: bool, modules: set[str], package: str) -> None:
        self.importer, self.is_pkg, self.modules, self.package = importer, is_pkg, modules, package
        self.found: list[Import] = []
        self.module_aliases: dict[str, str] = {}  # local name -> package module
        #: private attributes of names, ``x._y``: (name, attr, line, in function, type only)
        self.attrs: list[tuple[str, str, int, bool, bool]] = []
        self._func = 0
        self._tc = 0

    def _ours(self, name: str) -> bool:
        return name == self.package or name.startswith(self.package + ".")

    def _add(self, target: str, name: str | None, line: int) -> None:
        self.found.append(Import(self.importer, target, name, line, self._func > 0,
                                 self._tc > 0))

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self._func += 1
        self.generic_visit(node)
        self._func -= 1

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        t = node.test
        tc = (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
            isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")
        self._tc += tc
        for n in node.body:
            self.visit(n)
        self._tc -= tc
        for n in node.orelse:
            self.visit(n)

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if self._ours(a.name):
                self._add(a.name, None, node.lineno)
                if a.asname:
                    self.module_aliases[a.asname] = a.name

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(self.importer, self.is_pkg, node.level, node.module)
        if not self._ours(base):
            return
        for a in node.names:
            sub = f"{base}.{a.name}"
            if sub in self.modules:
                self._add(sub, None, node.lineno)
                self.module_aliases[a.asname or a.name] = sub
            else:
                self._add(base, a.name, node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name == "import_module" and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            target = node.args[0].value
            if target.startswith("."):
                level = len(target) - len(target.lstrip("."))
                target = _resolve(self.importer, self.is_pkg, level, target.lstrip(".") or None)
            if self._ours(target):
                self._add(target, None, node.lineno)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.attr.startswith("_"):
            self.attrs.append((node.value.id, node.attr, node.lineno, self._func > 0,
                               self._tc > 0))
        self.generic_visit(node)


def scan(root: Path, package: str) -> tuple[dict[str, Path], list[Import]]:
    """The package's modules and every import between them (``m._x`` uses included, as
    imports of the name ``_x`` from ``m``)."""
    modules = module_names(root, package)
    out: list[Import] = []
    for mod, f in modules.items():
        v = _Visitor(mod, f.name == "__init__.py", set(modules), package)
        v.visit(ast.parse(f.read_text(encoding="utf-8"), filename=str(f)))
        out += v.found
        for alias, attr, line, in_f, tc in v.attrs:
            if alias in v.module_aliases:
                out.append(Import(mod, v.module_aliases[alias], attr, line, in_f, tc))
    return modules, out


# --------------------------------------------------------------------------- the rules
def layer_of(module: str, table: dict[str, str], package: str) -> str | None:
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        key = ".".join(parts[:k])
        if key == package and module != package:
            break
        if key in table:
            return table[key]
    return None


def unmapped(modules: dict[str, Path], table: dict[str, str], package: str) -> list[str]:
    return sorted(m for m in modules if layer_of(m, table, package) is None)


def upward(imports: list[Import], table: dict[str, str], layers: tuple[str, ...],
           package: str) -> list[tuple[str, str, str]]:
    """Imports whose target sits in a higher layer than the importer."""
    rank = {name: i for i, name in enumerate(layers)}
    out = set()
    for i in imports:
        a, b = layer_of(i.importer, table, package), layer_of(i.target, table, package)
        if a is not None and b is not None and rank[b] > rank[a]:
            out.add(("upward", i.importer, i.target))
    return sorted(out)


def private(imports: list[Import]) -> list[tuple[str, str, str]]:
    """Private names taken from another module."""
    return sorted({("private", i.importer, f"{i.target}.{i.name}") for i in imports
                   if i.name and i.name.startswith("_") and not i.name.startswith("__")
                   and i.target != i.importer})


def cycles(imports: list[Import], allowed_edges: set[tuple[str, str]] = frozenset()
           ) -> list[list[str]]:
    """Strongly connected components (more than one module, or a module importing itself)
    of the runtime import graph, without ``allowed_edges``."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        if not i.type_checking and (i.importer, i.target) not in allowed_edges:
            graph.setdefault(i.importer, set()).add(i.target)
            graph.setdefault(i.target, set())
    comps = strongly_connected_components({v: sorted(graph[v]) for v in sorted(graph)})
    return sorted(sorted(c) for c in comps if len(c) > 1 or c[0] in graph[c[0]])


def cycle_edges(imports: list[Import], comp: list[str]) -> list[str]:
    """The imports that make up a cycle (first line of each), for the failure message."""
    members = set(comp)
    first: dict[tuple[str, str], Import] = {}
    for i in sorted(imports, key=lambda i: i.line):
        if not i.type_checking and i.importer in members and i.target in members:
            first.setdefault((i.importer, i.target), i)
    return [f"{a} -> {b} (line {i.line}{', in a function' if i.in_function else ''})"
            for (a, b), i in sorted(first.items())]


def violations(root: Path, package: str, table: dict[str, str], layers: tuple[str, ...],
               allowed: dict[tuple[str, str, str], str]) -> list[str]:
    """Every rule broken by the package under ``root``, as readable lines; ``allowed``
    entries are not reported."""
    modules, imports = scan(root, package)
    out = [f"module {m} has no layer: add it to LAYER_OF" for m in
           unmapped(modules, table, package)]
    for v in upward(imports, table, layers, package) + private(imports):
        if v not in allowed:
            kind, a, b = v
            lines = sorted({i.line for i in imports if i.importer == a and (
                i.target == b or f"{i.target}.{i.name}" == b)})
            out.append(f"{kind} import: {a} imports {b} (line {', '.join(map(str, lines))})")
    edges = {(a, b) for (k, a, b) in allowed if k == "cycle"}
    for comp in cycles(imports, edges):
        out.append("import cycle: " + "; ".join(cycle_edges(imports, comp)))
    return out


# --------------------------------------------------------------------------- the package
def test_package_imports_follow_the_layers():
    found = violations(PACKAGE_DIR, "recyclopt", LAYER_OF, LAYERS, ALLOWED)
    assert not found, "\n".join(found)


def test_allowlist_has_no_stale_entries():
    modules, imports = scan(PACKAGE_DIR, "recyclopt")
    current = set(upward(imports, LAYER_OF, LAYERS, "recyclopt")) | set(private(imports))
    edges = {(i.importer, i.target) for i in imports if not i.type_checking}
    stale = [k for k in ALLOWED if (k not in current if k[0] != "cycle"
                                    else (k[1], k[2]) not in edges
                                    or not any(set(k[1:]) <= set(c) for c in cycles(imports)))]
    assert not stale, f"fixed on this branch: delete from ALLOWED: {stale}"


# --------------------------------------------------------------------------- self-test
def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


SYN_LAYERS = ("low", "mid", "high")
SYN_TABLE = {"syn.low": "low", "syn.mid": "mid", "syn.high": "high", "syn": "high"}


def test_checker_finds_each_kind_of_violation(tmp_path):
    # a tiny package written to break each rule once, in each way it can be broken
    root = tmp_path / "syn"
    _write(root, {
        "__init__.py": "",
        "low/__init__.py": "",
        "low/a.py": "import syn.high.h\n",  # upward, module level
        "low/b.py": "def f():\n    from ..mid import m\n",  # upward, deferred
        "low/c.py": "from typing import TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n    from syn.high import h\n",  # upward, type only
        "low/d.py": "import importlib\nimportlib.import_module('syn.mid.m')\n",
        "mid/__init__.py": "",
        "mid/m.py": "from ..low.a import _secret\n",  # private name
        "mid/n.py": "from ..low import a as alias\nx = alias._hidden\n",  # private attribute
        "mid/p.py": "from . import q\n",  # cycle p -> q -> p, one side deferred
        "mid/q.py": "def g():\n    from . import p\n",
        "high/__init__.py": "", "high/h.py": "",
        "stray.py": "",  # no layer
    })
    found = violations(root, "syn", SYN_TABLE, SYN_LAYERS, {})
    text = "\n".join(found)
    assert "module syn.stray has no layer" in text
    assert "upward import: syn.low.a imports syn.high.h" in text
    assert "upward import: syn.low.b imports syn.mid.m" in text
    assert "upward import: syn.low.c imports syn.high.h" in text
    assert "upward import: syn.low.d imports syn.mid.m" in text
    assert "private import: syn.mid.m imports syn.low.a._secret" in text
    assert "private import: syn.mid.n imports syn.low.a._hidden" in text
    assert "import cycle: syn.mid.p -> syn.mid.q (line 1); syn.mid.q -> syn.mid.p " \
           "(line 2, in a function)" in text
    assert len(found) == 8, text


def test_checker_passes_a_clean_package_and_honours_the_allowlist(tmp_path):
    root = tmp_path / "syn"
    _write(root, {
        "__init__.py": "", "low/__init__.py": "", "low/a.py": "PUBLIC = 1\n_own = PUBLIC\n",
        "mid/__init__.py": "from .m import f\n",
        "mid/m.py": "from ..low.a import PUBLIC\nfrom ..low import a\n"
                    "def f():\n    return a.PUBLIC, a.__name__\n",
        "mid/_helpers.py": "X = 1\n", "mid/k.py": "from ._helpers import X\n",
        "high/__init__.py": "", "high/h.py": "import syn.low.a\nfrom syn.mid import f\n",
    })
    assert violations(root, "syn", SYN_TABLE, SYN_LAYERS, {}) == []
    _write(root, {"low/a.py": "PUBLIC = 1\ndef f():\n    from ..mid.m import f\n"})
    found = violations(root, "syn", SYN_TABLE, SYN_LAYERS, {})
    assert any("upward import: syn.low.a imports syn.mid.m" in v for v in found)
    assert any(v.startswith("import cycle:") for v in found)
    allowed = {("upward", "syn.low.a", "syn.mid.m"): "test",
               ("cycle", "syn.low.a", "syn.mid.m"): "test"}
    assert violations(root, "syn", SYN_TABLE, SYN_LAYERS, allowed) == []


@pytest.mark.parametrize("module,layer", [("recyclopt", "cli"), ("recyclopt.feedstock", "streams"),
                                          ("recyclopt.feed.forecast", "feed"),
                                          ("recyclopt.optimize.highs", "optimize")])
def test_layer_lookup(module, layer):
    # "recyclopt.feed" is a package of its own, not a prefix of "recyclopt.feedstock"
    assert layer_of(module, LAYER_OF, "recyclopt") == layer


def test_only_the_highs_boundary_imports_highspy():
    # issue 19 item 2: one module talks to HiGHS; the rest use its public names
    importers = set()
    for mod, f in module_names(PACKAGE_DIR, "recyclopt").items():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "highspy" or n.startswith("highspy.") for n in names):
                importers.add(mod)
    assert importers == {"recyclopt.optimize.highs"}


# --------------------------------------------------------------------------- function length
#: Issue 19: no function body over this many lines (the docstring not counted).
MAX_BODY_LINES = 80

#: Functions allowed to be longer, each with the reason; an entry naming a function that no
#: longer exists, or that is no longer long, fails
#: :func:`test_long_function_allowlist_has_no_stale_entries`.
LONG_ALLOWED: dict[str, str] = {}


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the function's last line."""
    body = node.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return node.end_lineno - body[0].lineno + 1


def long_functions(root: Path, package: str, limit: int = MAX_BODY_LINES) -> dict[str, int]:
    """Every function or method over ``limit`` body lines: dotted name -> body lines (nested
    functions are named through their enclosing function or class; ``limit=0`` lists all)."""
    out = {}
    for mod, f in module_names(root, package).items():
        def walk(node: ast.AST, prefix: str) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}.{child.name}"
                    if not isinstance(child, ast.ClassDef) and body_lines(child) > limit:
                        out[name] = body_lines(child)
                    walk(child, name)
                else:
                    walk(child, prefix)
        walk(ast.parse(f.read_text(encoding="utf-8")), mod)
    return out


def test_no_function_over_80_body_lines():
    found = {k: v for k, v in long_functions(PACKAGE_DIR, "recyclopt").items()
             if k not in LONG_ALLOWED}
    assert not found, "split into named steps (or allow with a reason): " + ", ".join(
        f"{k} ({v} lines)" for k, v in sorted(found.items()))


def test_long_function_allowlist_has_no_stale_entries():
    every = long_functions(PACKAGE_DIR, "recyclopt", limit=0)
    stale = sorted(k for k in LONG_ALLOWED if every.get(k, 0) <= MAX_BODY_LINES)
    assert not stale, f"gone or no longer long: delete from LONG_ALLOWED: {stale}"


def test_length_checker_counts_the_body_without_the_docstring(tmp_path):
    # hand-counted: f has a 3-line docstring and 81 body lines; g has 80; C.m has 81
    body81 = "".join(f"    x{i} = {i}\n" for i in range(81))
    _write(tmp_path / "syn", {
        "__init__.py": "",
        "a.py": 'def f():\n    """Doc\n\n    more."""\n' + body81
                + "def g():\n" + body81[: body81.index("    x80")]
                + "class C:\n    def m(self):\n" + body81.replace("    x", "        x"),
    })
    assert long_functions(tmp_path / "syn", "syn") == {"syn.a.f": 81, "syn.a.C.m": 81}


# --------------------------------------------------------------------------- README module map
README = PACKAGE_DIR.parent / "README.md"


def readme_module_map(text: str) -> dict[str, str]:
    """The module map of the README's "Architecture" section: listed path -> layer heading.

    The map is the section's first ``text`` block: an unindented line names a layer (its first
    word), an indented line starts with a module path relative to ``recyclopt/`` (``x.py``, or
    ``x/`` for a package of data files).
    """
    section = text.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    out: dict[str, str] = {}
    layer = ""
    for line in block.splitlines():
        if not line.strip():
            continue
        if line.startswith(" "):
            out[line.split()[0]] = layer
        else:
            layer = line.split()[0]
    return out


def package_paths(root: Path, package: str) -> dict[str, str]:
    """Each module as the map writes it -> its dotted name: ``a/b.py`` for a module, ``a/``
    for a package with nothing but its ``__init__.py``, ``__init__.py`` for the package's own
    (a package whose ``__init__`` sits beside modules is covered by them)."""
    out = {}
    for mod, f in module_names(root, package).items():
        rel = f.relative_to(root)
        if rel.name != "__init__.py":
            out[rel.as_posix()] = mod
        elif rel.parent == Path("."):
            out["__init__.py"] = mod
        elif [p.name for p in f.parent.glob("*.py")] == ["__init__.py"] and not any(
                d.is_dir() and (d / "__init__.py").exists() for d in f.parent.iterdir()):
            out[rel.parent.as_posix() + "/"] = mod
    return out


def test_readme_module_map_lists_every_module_under_its_layer():
    listed = readme_module_map(README.read_text(encoding="utf-8"))
    paths = package_paths(PACKAGE_DIR, "recyclopt")
    missing = sorted(set(paths) - set(listed))
    unknown = sorted(set(listed) - set(paths))
    wrong = sorted(f"{p} under {listed[p]}, but its layer is "
                   f"{layer_of(m, LAYER_OF, 'recyclopt')}" for p, m in paths.items()
                   if p in listed and listed[p] != layer_of(m, LAYER_OF, "recyclopt"))
    assert not (missing or unknown or wrong), (
        f"README Architecture map: add {missing}; remove {unknown}; move {wrong}")
    assert list(dict.fromkeys(listed.values())) == list(LAYERS)  # layers in DESIGN.md order


def test_module_map_reader_finds_a_stale_map(tmp_path):
    _write(tmp_path / "syn", {"__init__.py": "", "low/__init__.py": "", "low/a.py": "",
                              "data/__init__.py": "", "high/h.py": ""})
    text = "x\n## Architecture\n```text\nlow\n  low/a.py  does a\n  data/   tables\n" \
           "high\n  gone.py  removed\n```\n## Next\n"
    listed = readme_module_map(text)
    assert listed == {"low/a.py": "low", "data/": "low", "gone.py": "high"}
    # hand-derived: high/h.py is missing from the map, gone.py is not in the package
    paths = package_paths(tmp_path / "syn", "syn")
    assert set(paths) == {"__init__.py", "low/a.py", "data/", "high/h.py"}
    assert sorted(set(paths) - set(listed)) == ["__init__.py", "high/h.py"]
    assert sorted(set(listed) - set(paths)) == ["gone.py"]
