"""``recyclopt case``: the case file format for people and editors.

* ``recyclopt case schema`` prints the JSON Schema of case files (``--scenarios``: of scenario
  files), for editors: put ``# yaml-language-server: $schema=<file>`` on a case file's first
  line;
* ``recyclopt case schema --write`` regenerates the copies shipped in ``recyclopt/schemas``;
* ``recyclopt case fields`` prints the Markdown table of case fields (``docs/case_fields.md``);
* ``recyclopt case export [NAME] [-o FILE] [--force]`` writes a bundled case to a file to edit
  (availability tables expanded inline; the same plan as the bundled case);
* ``recyclopt case show [CASE]`` prints the resolved case, each value with its source.
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import Any

SCHEMA_FILES = {"case": "case.schema.json", "scenarios": "scenarios.schema.json"}


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``kind`` (``case`` or ``scenarios``), generated from the
    declarations."""
    if kind == "case":
        from ..optimize.case_schema import case_json_schema

        return case_json_schema()
    from ..scenarios.schema import scenario_json_schema

    return scenario_json_schema()


def schema_text(kind: str) -> str:
    """The schema as the shipped file holds it (sorted keys, two-space indent)."""
    return json.dumps(schema(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def shipped_schema_path(kind: str) -> Path:
    """Path of the schema file shipped in the package."""
    return Path(str(resources.files("recyclopt.schemas").joinpath(SCHEMA_FILES[kind])))


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``recyclopt case`` on the CLI's subparsers."""
    p = subparsers.add_parser("case", help="export, show or describe case files")
    sub = p.add_subparsers(dest="case_command")
    s = sub.add_parser("schema", help="print the JSON Schema of case (or scenario) files")
    s.add_argument("--scenarios", action="store_true", help="the scenario file format")
    s.add_argument("--write", action="store_true", help="regenerate the schema files shipped "
                   "in recyclopt/schemas (development)")
    s.set_defaults(func=run)
    f = sub.add_parser("fields", help="print the Markdown table of case fields")
    f.set_defaults(func=run)
    e = sub.add_parser("export", help="write a bundled case to a file to edit (availability "
                       "tables expanded inline)")
    e.add_argument("name", nargs="?", default="taiwan", metavar="NAME",
                   help="bundled case (default taiwan; see recyclopt/cases)")
    e.add_argument("-o", "--output", help="file to write (default NAME.yaml)")
    e.add_argument("--force", action="store_true", help="overwrite an existing file")
    e.set_defaults(func=run)
    w = sub.add_parser("show", help="print the resolved case: every field after defaults, "
                       "with its source")
    w.add_argument("case", nargs="?", default=None, metavar="CASE",
                   help="case file (.yaml) or bundled case name (default taiwan)")
    w.set_defaults(func=run)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``recyclopt case ...``."""
    cmd = getattr(args, "case_command", None)
    if cmd == "fields":
        from ..optimize.case_docs import fields_markdown

        print(fields_markdown(), end="")
        return 0
    if cmd == "export":
        return export(args)
    if cmd == "show":
        return show(args)
    if cmd != "schema":
        print("usage: recyclopt case {schema [--scenarios] [--write], fields, "
              "export [NAME] [-o FILE] [--force], show [CASE]}")
        return 2
    if args.write:
        for kind in SCHEMA_FILES:
            shipped_schema_path(kind).write_text(schema_text(kind), encoding="utf-8")
            print(f"wrote {shipped_schema_path(kind)}")
        return 0
    print(schema_text("scenarios" if args.scenarios else "case"), end="")
    return 0


def export(args: argparse.Namespace) -> int:
    """``recyclopt case export``: the bundled case, tables expanded, to a user file."""
    from ..io.outputs import atomic_write, check_output
    from ..optimize.case_export import exported_text

    text = exported_text(args.name)
    out = check_output(args.output or f"{args.name}.yaml", force=args.force)
    atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=args.force)
    print(f"wrote {out} (bundled case {args.name!r}; edit it, then: recyclopt optimize {out})")
    return 0


def show(args: argparse.Namespace) -> int:
    """``recyclopt case show``: every field of the resolved case, with its source."""
    from ..optimize.case_export import resolved_rows

    rows = resolved_rows(args.case)
    width = min(60, max(len(r[0]) for r in rows))
    vwidth = min(40, max(len(r[1]) for r in rows))
    text = [f"# case {args.case or 'taiwan'}: each value's source is its line in the case file, "
            "'default' (the case schema) or the bundled table it comes from",
            *(f"{path:<{width}}  {value:<{vwidth}}  {src}" for path, value, src in rows)]
    print("\n".join(text))  # one write: a pager or `head` closing early breaks no pipe
    return 0
