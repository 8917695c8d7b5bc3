"""Command line of the benchmark suite: ``python -m benchmarks`` and ``recyclopt bench``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

SIZES = ("small", "medium", "large")


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--size", choices=SIZES, default="small",
                   help="run every case size up to this one (default: small; large takes "
                        "several minutes and ~2 GiB)")
    p.add_argument("--json", metavar="FILE", help="also write all figures to FILE (JSON)")
    p.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE (Markdown)")
    p.add_argument("--repeats", type=int, help="build/handoff repeats per measurement")
    p.add_argument("--rounds", type=int, help="alternating rounds of every method per size "
                   "(default: 3 for small, 1 otherwise)")
    p.add_argument("--time-limit", type=float, help="solver time limit in seconds (default: "
                   "none for small and medium, 300 for large)")
    p.add_argument("--no-flowsheets", action="store_true", help="skip flowsheet throughput")


def run_bench(args: argparse.Namespace) -> int:
    """Run the suite with parsed arguments; print the tables; return an exit code."""
    from benchmarks.runner import RATIO_KEYS, machine_line, markdown, run

    for f in (args.json, args.markdown):
        if f and Path(f).exists() and not getattr(args, "force", False):
            print(f"error: {f} already exists (remove it first)", file=sys.stderr)
            return 2
    res = run(args.size, repeats=args.repeats, time_limit=args.time_limit,
              flowsheets=not args.no_flowsheets,
              progress=lambda s: print(s, file=sys.stderr, flush=True),
              rounds=getattr(args, "rounds", None))
    text = markdown(res)
    print(f"Machine: {machine_line(res['machine'])}\n")
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str) + "\n",
                                   encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(f"Machine: {machine_line(res['machine'])}\n\n{text}\n",
                                       encoding="utf-8")
    bad = [f"{s} ({m})" for s, e in res["cases"].items() for m, key in RATIO_KEYS.items()
           if key in e and e[key]["objectives_agree"] is False]
    if bad:
        print(f"error: recyclopt's model and the direct model disagree on the objective for "
              f"{', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``bench [--size ...] [--json FILE]`` to a CLI's subparsers (for ``recyclopt bench``).

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``bench`` parser; its ``func`` default runs the suite and returns an exit code.
    """
    p = subparsers.add_parser("bench", help="benchmark the optimizer against direct highspy "
                              "(run from the repository)")
    _add_arguments(p)
    p.set_defaults(func=run_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks",
                                description="recyclopt benchmarks: its models (Pyomo and "
                                            "arrays-only) against the same MILP written "
                                            "directly for highspy.")
    _add_arguments(p)
    return run_bench(p.parse_args(list(sys.argv[1:] if argv is None else argv)))
