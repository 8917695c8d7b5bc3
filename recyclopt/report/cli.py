"""``recyclopt report CASE|RESULTS -o report.html``: the command-line handler.

:data:`recyclopt.cli.COMMANDS` names :func:`register` as the command's ``add_parser``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError

RESULT_SUFFIXES = (".json", ".xlsx")
HTML_SUFFIXES = (".html", ".htm")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``report`` sub-command to a ``recyclopt`` sub-parser set.

    Parameters
    ----------
    subparsers : the object returned by ``parser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The ``report`` parser (its handler is set as ``func``).
    """
    r = subparsers.add_parser(
        "report", help="write a self-contained HTML report (plan, charts, assumptions)",
        description="Optimise a case (or read a saved plan) and write one HTML file that opens "
                    "offline: the plan, its Sankey, capacity, cost, cash-flow and NPV charts, "
                    "and the assumptions with their sources.")
    r.add_argument("source", nargs="?", default=None,
                   help="case file (.yaml) or bundled case name (default: the Taiwan case), "
                        "or a results file (.json/.xlsx from 'recyclopt optimize --output', "
                        "optionally with scenario tables tornado, samples, pareto)")
    r.add_argument("-o", "--output", required=True, help="HTML file to write")
    r.add_argument("--force", action="store_true", help="overwrite an existing output file")
    r.add_argument("--objective", choices=["npv", "annual_profit", "recovered_value",
                                           "recovered_mass", "min_co2"])
    r.add_argument("--mode", choices=["parallel", "single_path"])
    r.add_argument("--price-factor", type=float, default=1.0,
                   help="multiply every product price by this factor (default 1)")
    r.add_argument("--pareto", type=int, default=0, metavar="N",
                   help="add an N-point NPV-CO2 Pareto front (N+1 extra solves)")
    r.add_argument("--no-routes", action="store_true",
                   help="leave out the element Sankeys of the built routes' flowsheets")
    r.add_argument("--time-limit", type=float, help="solver time limit in seconds")
    r.add_argument("--title", default="", help="page title")
    r.set_defaults(func=cmd_report)
    return r


def _inputs(src: str | None) -> dict[str, object]:
    """The files the report reads: a results file, or a case and what it references."""
    if src is not None and Path(src).suffix.lower() in RESULT_SUFFIXES:
        return {"results file": Path(src)}
    from ..inputs import case_inputs
    from ..optimize import load_case

    return dict(case_inputs(load_case(src)))


def cmd_report(args: argparse.Namespace) -> int:
    """Handle ``recyclopt report``; returns the exit code."""
    from ..io.outputs import check_output
    from .html import write_report
    from .make import case_report, results_report

    out = Path(args.output)
    if out.suffix.lower() not in HTML_SUFFIXES:
        raise InputError(f"--output {args.output!r}: the report is HTML; use a .html name",
                         field="--output")
    if not args.price_factor > 0:
        raise InputError(f"--price-factor {args.price_factor!r}; allowed range > 0",
                         field="--price-factor")
    if args.pareto < 0 or args.pareto > 50:
        raise InputError(f"--pareto {args.pareto}; allowed range 0..50", field="--pareto")
    if args.time_limit is not None and not args.time_limit > 0:
        raise InputError(f"--time-limit {args.time_limit!r} s; allowed range > 0",
                         field="--time-limit")
    src = args.source
    check_output(out, inputs=_inputs(src), force=args.force)
    if src is not None and Path(src).suffix.lower() in RESULT_SUFFIXES:
        inp = results_report(src, title=args.title, routes=not args.no_routes)
    else:
        inp = case_report(src, objective=args.objective, mode=args.mode,
                          price_factor=args.price_factor, pareto=args.pareto,
                          routes=not args.no_routes, time_limit=args.time_limit,
                          title=args.title)
    if inp.plan is not None:
        built = ", ".join(inp.plan.built) or "nothing"
        print(f"plan: NPV {inp.plan.npv_usd:,.0f} USD; built: {built}")
    for n in inp.notes:
        print(n)
    write_report(out, inp, force=args.force)
    print(f"wrote {out}")
    return 0
