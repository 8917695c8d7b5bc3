"""Command-line interface: ``recyclopt simulate | optimize | ...``.

Errors are printed as one readable line on stderr with a non-zero exit code; ``--debug``
shows the traceback.

**Adding a command.** Every sub-command is one entry of :data:`COMMANDS`: its name -> the
module that implements it, the help line of ``recyclopt --help`` and the name of the
module's ``add_parser(subparsers) -> argparse.ArgumentParser`` function (default
``add_parser``). The module is imported only when its command is on the command line, so
``recyclopt --help`` and argument errors load none of numpy, pandas, Pyomo or SciPy: a command
module imports its heavy dependencies inside the function that runs the command. The parser
that ``add_parser`` returns runs the command through its ``func`` default, or, when it sets
none, through the module's ``run(args) -> int``. For example::

    "case": Command("recyclopt.cli.case", "export or show a bundled case"),
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..constants import J_PER_KWH, S_PER_H
from ..errors import InputError, RecycloptError, SolverError

EXIT_INPUT = 2
EXIT_FAILURE = 1
#: The tables ``simulate --output`` writes (a .csv output holds the first; the others go beside
#: it as ``<stem>.<table>.csv``).
SIMULATE_TABLES = ("streams", "elements", "duties", "balance")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise SystemExit(_fail(f"{self.prog}: {message}", EXIT_INPUT))


def _fail(message: str, code: int) -> int:
    one_line = "; ".join(ln.strip() for ln in str(message).splitlines() if ln.strip())
    print(f"recyclopt: error: {one_line}", file=sys.stderr)
    return code


# --------------------------------------------------------------------------- feeds
def _read_feed(spec: str, rate_kg_h: float | None, flowsheet) -> tuple[str, object]:
    """Resolve ``--feed`` (a catalogue feedstock name or a file) into (feed port, Stream)."""
    import pandas as pd
    import yaml

    from ..flowsheet import feed_from_dict
    from ..io import read_input_text

    port = next(iter(flowsheet.feeds)) if len(flowsheet.feeds) == 1 else None
    if port is None:
        raise InputError(f"flowsheet {flowsheet.name!r} has several feeds "
                         f"{sorted(flowsheet.feeds)}; --feed replaces a single feed only",
                         field="--feed")
    default = flowsheet.feeds[port].stream
    p = Path(spec)
    if p.suffix.lower() in (".yaml", ".yml", ".json", ".csv") or p.exists():
        if not p.is_file():
            raise InputError(f"feed file {spec!r} does not exist", field="--feed")
        if p.suffix.lower() == ".csv":
            try:
                df = pd.read_csv(p, encoding="utf-8")
            except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                msg = str(exc).strip().splitlines()[0] if str(exc).strip() else "empty"
                raise InputError(f"not a readable UTF-8 CSV file: {msg}", source=spec,
                                 field="--feed") from None
            need = {"species", "mass_fraction"}
            if not need <= set(df.columns):
                raise InputError(f"columns {sorted(need)} are required", source=spec,
                                 field="columns")
            fr = pd.to_numeric(df["mass_fraction"], errors="coerce")
            if fr.isna().any():
                k = int(fr.isna().to_numpy().argmax())
                raise InputError(f"mass_fraction {df['mass_fraction'].iloc[k]!r} on data row "
                                 f"{k + 1} is not a number; allowed range [0, 1]", source=spec,
                                 field="mass_fraction")
            d = {"composition": dict(zip(df["species"].astype(str), fr.astype(float),
                                         strict=True))}
        else:
            try:
                d = yaml.safe_load(read_input_text(p, "feed file"))  # JSON is YAML too
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
                raise InputError(f"not valid YAML/JSON{at}: {getattr(exc, 'problem', exc)}",
                                 source=spec) from None
            if not isinstance(d, dict):
                raise InputError("a feed file must hold a mapping", source=spec)
        d = dict(d)
        if rate_kg_h is not None:
            d.pop("rate_kg_per_s", None)
            d["rate_kg_per_h"] = rate_kg_h
        elif "rate_kg_per_h" not in d and "rate_kg_per_s" not in d and "flows_kg_per_h" not in d:
            d["rate_kg_per_h"] = default.total * S_PER_H
        try:
            f = feed_from_dict(port, d, flowsheet.registry, "feed")
        except InputError as exc:
            raise InputError(str(exc), source=spec, field=exc.field) from None
        return port, f.stream
    from ..feedstock import feed_stream

    rate = (rate_kg_h / S_PER_H) if rate_kg_h is not None else default.total
    return port, feed_stream(spec, rate, T=default.T, registry=flowsheet.registry, name=port)


# --------------------------------------------------------------------------- commands
def _check_output(args: argparse.Namespace, inputs: dict[str, object] | None = None,
                  tables: Sequence[str] = ()) -> None:
    """Before any solve: the --output format is supported, the path is writable, it is none of
    the ``inputs`` the command reads, and no file would be overwritten without --force (for a
    .csv output also the ``<stem>.<table>.csv`` files written beside it)."""
    from ..io.outputs import check_output

    if not args.output:
        return
    out = Path(args.output)
    if out.suffix.lower() not in (".csv", ".xlsx", ".json"):
        raise InputError(f"--output {args.output!r}: allowed formats .csv, .xlsx, .json",
                         field="--output")
    paths = [out]
    if out.suffix.lower() == ".csv":
        paths += [out.with_name(f"{out.stem}.{t}.csv") for t in tables[1:]]
    for p in paths:
        check_output(p, inputs=inputs, force=args.force)


def _feed_input(spec: str | None) -> dict[str, object]:
    return {"feed file": Path(spec)} if spec and Path(spec).is_file() else {}


def cmd_simulate(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..flowsheet import load_flowsheet
    from ..io import table_files, write_tables

    if args.rate is not None and not (args.rate >= 0):
        raise InputError(f"--rate {args.rate!r} kg/h; allowed range >= 0", field="--rate")
    from ..io.route_files import flowsheet_file

    _check_output(args, {"flowsheet file": flowsheet_file(args.flowsheet),
                         **_feed_input(args.feed)}, SIMULATE_TABLES)
    fs = load_flowsheet(args.flowsheet)
    feeds = {}
    if args.feed:
        port, stream = _read_feed(args.feed, args.rate, fs)
        from ..feedstock import check_accepts

        check_accepts(fs, stream, args.feed)
        feeds[port] = stream
    elif args.rate is not None:
        if len(fs.feeds) != 1:
            raise InputError("--rate needs a flowsheet with a single feed", field="--rate")
        port, f = next(iter(fs.feeds.items()))
        feeds[port] = f.stream.scaled(args.rate / S_PER_H / f.stream.total) if f.stream.total \
            else f.stream
    res = fs.solve(feeds)
    unit = args.unit
    with pd.option_context("display.width", 200, "display.max_columns", 40,
                           "display.max_rows", 500, "display.float_format", "{:.6g}".format):
        print(f"Flowsheet: {fs.name} - {fs.description}")
        for n in fs.feeds:
            print(f"Feed {n}: {res.streams[n].total * S_PER_H:.6g} kg/h")
        print(f"\nStream table [{unit}]")
        print(res.stream_table(unit=unit).to_string())
        if args.elements:
            print(f"\nElement flows [{unit}]")
            print(res.stream_table(basis="element", unit=unit).to_string())
        print("\nDuties")
        print(res.duties().to_string())
        print("\nBalance closure (largest relative error; elements, total mass, energy)")
        print(res.balance_summary().to_string())
        tot = res.totals()
        feed = max(tot["feed_kg_s"], 1e-300)
        print(f"\nElectricity {tot['electricity_W'] / J_PER_KWH / feed:.4g} kWh per kg feed; "
              f"fuel heat {tot['heat_W'] / J_PER_KWH / feed:.4g} kWh per kg feed; "
              f"reagents {tot['reagents_kg_s'] / feed:.4g} kg per kg feed")
    if args.output:
        tables = {  # in the order of SIMULATE_TABLES
            "streams": res.stream_table(unit=unit),
            "elements": res.stream_table(basis="element", unit=unit),
            "duties": res.duties(),
            "balance": res.balance().reset_index(),
        }
        write_tables(args.output, tables, force=args.force)
        written = table_files(args.output, list(tables))
        print(f"\nwrote {len(written)} file(s): " + ", ".join(str(p) for p in written))
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    import math

    from ..inputs import case_inputs
    from ..optimize import load_case, optimize

    if args.time_limit is not None and not args.time_limit > 0:
        raise InputError(f"--time-limit {args.time_limit!r} s; allowed range > 0",
                         field="--time-limit")
    if not (math.isfinite(args.price_factor) and args.price_factor > 0):
        raise InputError(f"--price-factor {args.price_factor!r}; allowed range > 0 (finite)",
                         field="--price-factor")
    if args.heuristic == "lp_guided" and args.time_limit is None:
        raise InputError("--heuristic lp_guided needs --time-limit (it takes a share of it)",
                         field="--heuristic")
    from ..optimize.analysis import with_price_factor
    from ..optimize.case import CaseError
    from ..optimize.case_paths import parse_assignments
    from ..scenarios.assumptions import declared_assumptions

    case = load_case(args.case)
    if args.set:  # the case file's values, edited: before the price scenario
        case = case.with_overrides(parse_assignments(args.set, error=CaseError),
                                   source="--set")
    case = with_price_factor(case, args.price_factor)
    declared_assumptions(case)  # a bad assumption table fails before any solve
    target = None if args.break_even in (None, "all") else args.break_even
    if target is not None:  # a bad name fails before any solve
        from ..optimize.analysis import targeted_prices

        targeted_prices(case, target)
    _check_output(args, case_inputs(case))
    from ..optimize.superstructure import build

    sup = build(case)  # one superstructure for the plan and every search after it
    try:
        plan = optimize(case, objective=args.objective, mode=args.mode,
                        time_limit=args.time_limit, heuristic=args.heuristic, sup=sup)
    except SolverError as exc:  # name the case file the fault is in
        raise SolverError(f"{case.source}: {exc}") from None
    from ..report.terminal import optimize_answer, render

    render(optimize_answer(case, plan, price_factor=args.price_factor, mode=args.mode,
                           exact_top=3 if args.exact_drivers else 0, sup=sup))
    if args.break_even is not None and (plan.built or target is not None):
        from ..optimize import cost_of_recovery
        from ..report.terminal import price_blocks

        render(["", f"Cost of recovery ({target or 'all products'}):",
                *price_blocks(case, cost_of_recovery(case, target, mode=args.mode, sup=sup),
                              {})])
    if args.output:
        from ..optimize.plan_file import write_plan

        written = write_plan(plan, args.output, force=args.force)
        print(f"\nwrote {len(written)} file(s): " + ", ".join(str(p) for p in written))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..feedstock import get
    from ..io import write_tables
    from ..routes import compare_routes

    get(args.feedstock)  # clear error for an unknown feedstock, before any solve
    _check_output(args)
    routes = args.routes.split(",") if args.routes else None
    df = compare_routes(args.feedstock, routes, grid_co2_kg_per_kwh=args.grid_co2)
    with pd.option_context("display.width", 220, "display.max_columns", 40,
                           "display.float_format", "{:.4g}".format):
        print(f"Route comparison for feedstock {args.feedstock} (CO2 at grid "
              f"{args.grid_co2} kg/kWh, fuel heat at natural gas 0.202 kg/kWh)")
        print(df.drop(columns=["feedstock"]).to_string())
    if args.markdown:
        print()
        print(_markdown(df))
    if args.output:
        write_tables(args.output, {"routes": df}, force=args.force)
        print(f"\nwrote 1 file(s): {args.output}")
    return 0


def _markdown(df) -> str:
    cols = ["recovery_Nd", "recovery_Pr", "recovery_Dy", "recovery_Tb", "product",
            "electricity_kWh_per_kg", "heat_kWh_per_kg", "reagents_kg_per_kg", "co2_kg_per_kg"]
    lines = ["| route | Nd | Pr | Dy | Tb | product | kWh el./kg | kWh heat/kg | reagents kg/kg "
             "| CO2 kg/kg |", "|" + "---|" * 10]
    for r, row in df.iterrows():
        if row.get("status") != "ok":
            lines.append(f"| {r} | {row.get('status')} |" + " |" * 8)
            continue
        vals = [f"{row[c]:.3f}" if c.startswith("recovery") else
                (str(row[c]) if c == "product" else f"{row[c]:.3g}") for c in cols]
        lines.append(f"| {r} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


def cmd_flowsheets(args: argparse.Namespace) -> int:
    from ..flowsheet import available_flowsheets, load_flowsheet

    for name in available_flowsheets():
        fs = load_flowsheet(name)
        print(f"{name:32s} {fs.description}")
    return 0


# --------------------------------------------------------------------------- parsers
def with_progress(cmd):  # noqa: ANN001, ANN201 - a command function, wrapped
    """``cmd`` run with progress bars on stderr per its ``--progress/--no-progress`` flag
    (default: when stderr is a terminal; :func:`recyclopt.progress.terminal`)."""
    def run(args: argparse.Namespace) -> int:
        from ..progress import terminal

        with terminal(args.progress):
            return cmd(args)
    return run


def add_output_args(p: argparse.ArgumentParser, what: str) -> None:
    """``--output FILE`` (``.csv``, ``.xlsx`` or ``.json``) and ``--force`` of a command that
    writes ``what``."""
    p.add_argument("--output", help=f"write {what} to FILE.csv, .xlsx or .json")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")


def add_simulate(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    s = sub.add_parser("simulate", help=COMMANDS["simulate"].help)
    s.add_argument("flowsheet", help="bundled flowsheet name or path to a .yaml file")
    s.add_argument("--feed", help="catalogue feedstock name, or a feed file (.yaml/.json with "
                   "'composition' and 'rate_kg_per_h'; .csv with species,mass_fraction)")
    s.add_argument("--rate", type=float, help="feed rate in kg/h")
    s.add_argument("--unit", default="kg/h", choices=["kg/s", "kg/h", "t/yr"],
                   help="flow unit of the printed tables (t/yr at 8000 h/yr)")
    s.add_argument("--elements", action="store_true", help="also print element flows")
    add_output_args(s, "the tables")
    s.set_defaults(func=cmd_simulate)
    return s


def add_optimize(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    o = sub.add_parser("optimize", help=COMMANDS["optimize"].help)
    o.add_argument("case", nargs="?", default=None,
                   help="case file (.yaml); the bundled Taiwan default case when omitted")
    o.add_argument("--objective", choices=["npv", "annual_profit", "recovered_value",
                                           "recovered_mass", "min_co2"])
    o.add_argument("--mode", choices=["parallel", "single_path"])
    o.add_argument("--time-limit", type=float, help="solver time limit in seconds")
    o.add_argument("--heuristic", choices=["auto", "lp_guided", "none"], default="auto",
                   help="first plan for HiGHS from the LP-guided restricted MILP (needs "
                        "--time-limit; auto: when HiGHS alone does not solve the model in 5 %% of "
                        "the limit)")
    o.add_argument("--break-even", metavar="TARGET",
                   help="print the exact break-even price of a product, an element or "
                        "product:element ('all': every product price together) and the plan "
                        "that breaks even (printed anyway when no plant pays)")
    o.add_argument("--price-factor", type=float, default=1.0, metavar="F",
                   help="every product price times F (> 0), a price scenario")
    o.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="set one number of the case, by the scenario files' dotted path "
                        "(repeatable): feedstocks.HDD.availability_factor=2, "
                        "products.NdPr_oxide.price_usd_per_kg.Nd=80 (applied before "
                        "--price-factor)")
    o.add_argument("--exact-drivers", action="store_true",
                   help="when no plant pays, also give the exact break-even price at each end "
                        "of the three most sensitive assumptions (about 30 more MILPs)")
    add_output_args(o, "the plan")
    o.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars on stderr (default: when stderr is a terminal)")
    o.set_defaults(func=with_progress(cmd_optimize))
    return o


def add_compare(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    c = sub.add_parser("compare", help=COMMANDS["compare"].help)
    c.add_argument("feedstock", help="catalogue feedstock id (e.g. HDD_VCM, EV_traction)")
    c.add_argument("--routes", help="comma-separated route names (default: all bundled)")
    c.add_argument("--grid-co2", type=float, default=0.494,
                   help="grid emission factor, kg CO2/kWh (default: Taiwan 2023, 0.494)")
    c.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    add_output_args(c, "the table")
    c.set_defaults(func=cmd_compare)
    return c


def add_flowsheets(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    f = sub.add_parser("flowsheets", help=COMMANDS["flowsheets"].help)
    f.set_defaults(func=cmd_flowsheets)
    return f


# --------------------------------------------------------------------------- entry point
@dataclass(frozen=True)
class Command:
    """A sub-command: the module implementing it (imported only when the command is used),
    its help line and the module's function that adds its parser."""

    module: str
    help: str
    add_parser: str = "add_parser"


#: name -> command, in the order ``recyclopt --help`` lists them (see the module docstring)
COMMANDS: dict[str, Command] = {
    "simulate": Command(__name__, "solve a flowsheet and print its stream table",
                        "add_simulate"),
    "optimize": Command(__name__, "choose routes, capacities and feedstocks (MILP)",
                        "add_optimize"),
    "compare": Command(__name__, "compare the bundled routes on one catalogue feedstock",
                       "add_compare"),
    "flowsheets": Command(__name__, "list the bundled flowsheets", "add_flowsheets"),
    "report": Command("recyclopt.report.cli", "write a self-contained HTML report (plan, "
                      "charts, assumptions)", "register"),
    "sweep": Command("recyclopt.scenarios.cli", "solve a case under many price and policy "
                     "scenarios (serial, a process pool or Dask)", "register"),
    "case": Command("recyclopt.cli.case", "export a bundled case to edit, show a resolved "
                    "case, the case file format (JSON Schema, field table)"),
    "forecast": Command("recyclopt.cli.forecast", "forecast end-of-life feed from sales, "
                        "stocks and lifetimes (stock-and-flow model)"),
    "bench": Command("recyclopt._bench", "time each step of optimizing a case file "
                     "(--suite: the repository's full suite)"),
}


def _command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (its first positional argument), if any."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``recyclopt`` parser. Only the command named in ``argv`` gets its real parser (its
    module imported); the others are listed with their help line. ``argv`` None: every
    command's real parser (every module imported)."""
    p = _Parser(prog="recyclopt", description="Rare-earth magnet recycling: flowsheets and "
                "plant optimisation.")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    chosen = _command_in(argv) if argv is not None else None
    for name, cmd in COMMANDS.items():
        if argv is not None and name != chosen:
            sub.add_parser(name, help=cmd.help)
            continue
        mod = importlib.import_module(cmd.module)
        parser = getattr(mod, cmd.add_parser)(sub)
        if parser.get_default("func") is None:
            parser.set_defaults(func=mod.run)
    return p


#: Commands that end the process without the interpreter's teardown once their outputs are
#: flushed (:func:`exit_now`); not ``sweep`` and ``bench``, whose worker pools and clients
#: shut down at exit.
FAST_EXIT = frozenset(COMMANDS) - {"sweep", "bench"}


def exit_now(code: int) -> None:
    """End the process with ``code`` at once: stdout and stderr flushed, logging shut down,
    but no teardown of the interpreter (freeing every module's objects takes ~0.2 s once
    pandas and HiGHS are loaded). The commands close the files they write themselves."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more to say
            pass
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (None: the process's own, and then, for a command of
    :data:`FAST_EXIT` and without a profiler or tracer, the process ends here once outputs
    are flushed); returns the exit code."""
    entry = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    code = _main(argv)
    # not under a profiler or a tracer (coverage): they write their results at exit
    if entry and _command_in(argv) in FAST_EXIT and sys.getprofile() is None \
            and sys.gettrace() is None:
        exit_now(code)
    return code


def _main(argv: list[str]) -> int:
    debug = "--debug" in argv
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_INPUT
        return int(args.func(args) or 0)
    except SystemExit as exc:
        return int(exc.code or 0)
    except RecycloptError as exc:
        if debug:
            raise
        return _fail(str(exc), EXIT_INPUT if isinstance(exc, InputError) else EXIT_FAILURE)
    except (OSError, ValueError, KeyError) as exc:
        if debug:
            raise
        return _fail(f"{type(exc).__name__}: {exc}", EXIT_FAILURE)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
