"""Security: no eval/exec, no pickle of user input, YAML loaded safely, no network at run time.

The package source is parsed (``ast``) rather than grepped, so comments and strings do not
count. Documented exceptions are listed with their reason; a new use fails the test.
"""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest
import yaml

import recyclopt

PKG = Path(recyclopt.__file__).parent
SOURCES = sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)

NETWORK = {"socket", "urllib", "urllib3", "requests", "http", "httpx", "aiohttp", "ftplib",
           "smtplib", "xmlrpc", "websocket", "distributed", "dask"}
DANGEROUS_CALLS = {"eval", "exec", "compile", "__import__"}
#: module -> (imported modules allowed, reason)
ALLOWED_IMPORTS = {
    "scenarios/backends.py": ({"pickle", "distributed"},
                              "pickle: the parent process pickles its own SweepSpec for its "
                              "worker processes (never a file); distributed: the optional Dask "
                              "backend, imported inside _iter_dask only, connects to the "
                              "scheduler address the user gives with --scheduler"),
    "scenarios/pool.py": ({"distributed"}, "distributed: the optional Dask backend's local "
                                           "cluster (LocalCluster on this machine, no address "
                                           "from outside), imported inside local_cluster only"),
    "scenarios/cli.py": ({"pickle"}, "pickle.dumps of the engine options, hashed into the "
                                     "store fingerprint; nothing is unpickled"),
}
#: (module, function) allowed to call pickle.loads
ALLOWED_UNPICKLE = {("scenarios/backends.py", "_init_worker")}


def _rel(p: Path) -> str:
    return p.relative_to(PKG).as_posix()


def _imports(tree: ast.AST) -> list[tuple[ast.AST, str, bool]]:
    """(node, top-level module name, at module level?) of every import."""
    out = []
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node, a.name.split(".")[0], id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node, node.module.split(".")[0], id(node) in top))
    return out


def _enclosing_functions(tree: ast.AST) -> dict[int, str]:
    owner: dict[int, str] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for n in ast.walk(fn):
                owner.setdefault(id(n), fn.name)
    return owner


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_source_is_safe(path: Path) -> None:
    rel = _rel(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = ALLOWED_IMPORTS.get(rel, (set(), ""))[0]
    problems = []
    for node, mod, at_top in _imports(tree):
        if mod in {"pickle", "marshal", "shelve", "dill", "cloudpickle"} and mod not in allowed:
            problems.append(f"line {node.lineno}: imports {mod}")
        if mod in NETWORK and mod not in allowed:
            problems.append(f"line {node.lineno}: imports network module {mod}")
        if mod in NETWORK and at_top:
            problems.append(f"line {node.lineno}: network module {mod} at module level")
    owner = _enclosing_functions(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        base = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
            else ""
        if isinstance(f, ast.Name) and name in DANGEROUS_CALLS:
            problems.append(f"line {node.lineno}: calls {name}()")
        if base == "yaml" and name in {"load", "load_all", "unsafe_load", "full_load",
                                       "unsafe_load_all", "full_load_all"}:
            loader = {k.arg: ast.unparse(k.value) for k in node.keywords}.get("Loader", "")
            if len(node.args) > 1:
                loader = ast.unparse(node.args[1])
            if "SafeLoader" not in loader or name.startswith(("unsafe", "full")):
                problems.append(f"line {node.lineno}: yaml.{name} without SafeLoader")
        if base in {"pickle", "marshal", "dill"} and name in {"load", "loads"} and (
                rel, owner.get(id(node), "")) not in ALLOWED_UNPICKLE:
            problems.append(f"line {node.lineno}: {base}.{name} outside the allowed worker "
                            "initialiser")
        if name in {"run", "Popen", "call", "check_call", "check_output", "system", "popen"} \
                and base in {"subprocess", "os"}:
            problems.append(f"line {node.lineno}: runs a process ({base}.{name})")
        if any(k.arg == "shell" for k in node.keywords):
            problems.append(f"line {node.lineno}: shell=")
    assert not problems, f"{rel}: " + "; ".join(problems)


def test_allowed_exceptions_are_still_needed() -> None:
    """An allow-list entry whose module no longer imports the name should be removed."""
    for rel, (mods, reason) in ALLOWED_IMPORTS.items():
        tree = ast.parse((PKG / rel).read_text(encoding="utf-8"))
        found = {m for _, m, _ in _imports(tree)}
        assert mods <= found, (rel, mods - found, reason)


def test_yaml_aliases_bomb_is_refused(tmp_path: Path) -> None:
    """safe_load builds only plain data: a !!python tag is an error, not code."""
    from recyclopt.errors import InputError
    from recyclopt.optimize import load_case

    f = tmp_path / "evil.yaml"
    f.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_case(f)
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(f.read_text())


def test_no_network_at_run_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """simulate, optimize, compare and report run with every socket refused."""
    from recyclopt.cli import main

    def refuse(*a, **k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    from tests.optimize.cases import small_case

    case = tmp_path / "small.yaml"
    case.write_text(yaml.safe_dump(small_case()))
    assert main(["simulate", "demo_recycle"]) == 0
    assert main(["optimize", str(case)]) == 0
    assert main(["compare", "HDD_VCM", "--routes", "hd_short_loop"]) == 0
    assert main(["report", str(case), "--no-routes", "-o", str(tmp_path / "r.html")]) == 0
