"""``recyclopt sweep CASE SCENARIOS``: run a scenario sweep into a result store.

:func:`register` adds the command to the main CLI's sub-parsers. Everything is validated (case,
scenario file, every scenario's values, options, the store) before the first solve.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import shlex
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .. import progress as progress_report
from ..errors import InputError, RecycloptError
from .params import BACKENDS

#: Exit code of an interrupted sweep (128 + SIGINT, the shell's convention).
EXIT_INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``sweep`` command to ``subparsers`` (the main CLI's)."""
    s = subparsers.add_parser("sweep", help="solve a case under many price and policy "
                              "scenarios (serial, a process pool or Dask)")
    s.add_argument("case", help="case file (.yaml) or bundled case name (e.g. taiwan)")
    s.add_argument("scenarios", help="scenario file (.yaml) or bundled name "
                   "(e.g. taiwan_scenarios)")
    s.add_argument("--backend", choices=list(BACKENDS), default="serial",
                   help="where to solve (default: serial)")
    s.add_argument("--scheduler", help="address of an existing Dask scheduler "
                   "(with --backend dask; default: a local cluster)")
    s.add_argument("--workers", type=int, help="worker processes (default: CPU count)")
    s.add_argument("--sets", help="comma-separated scenario sets to run (default: all)")
    s.add_argument("--out", help="result store (.sqlite; default: <scenarios>.sqlite here)")
    s.add_argument("--resume", action="store_true", help="continue an interrupted sweep "
                   "in --out (solves only the scenarios not yet stored)")
    s.add_argument("--salvage", action="store_true", help="with --resume: a damaged store "
                   "keeps its readable rows (the damaged file stays as <store>.damaged) and "
                   "the rest is solved again")
    s.add_argument("--force", action="store_true", help="replace an existing store")
    s.add_argument("--allow-large-samples", action="store_true", help="allow a sampled set "
                   "of more than 100,000 scenarios (they stream to the store as solved)")
    s.add_argument("--objective", choices=["npv", "annual_profit", "recovered_value",
                                           "recovered_mass", "min_co2"])
    s.add_argument("--time-limit", type=float, help="solver time limit per scenario (s)")
    s.add_argument("--no-fixed-design", action="store_true", help="skip the evaluation of "
                   "the base plan's design under each scenario (halves the solves)")
    s.add_argument("--export", help="also write the results to FILE.parquet or FILE.csv")
    s.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: when stderr is a terminal)")
    s.set_defaults(func=cmd_sweep)
    return s


def sweep_inputs(case: Any, scen_source: str) -> dict[str, Path]:
    """``{description: path}`` of every file a sweep's results depend on: the case file, the
    flowsheets and data tables it references, the scenario file and its price histories."""
    from ..inputs import case_inputs, scenario_inputs

    return {**case_inputs(case), **scenario_inputs(scen_source)}


def fingerprint(files: dict[str, Path], ids_values: Iterable[str], opts: object
                ) -> tuple[str, dict[str, str]]:
    """The store fingerprint of a sweep and its parts ``{description: digest}``: each input
    file's bytes, the scenarios' ids and values with the solver settings, and the recyclopt
    version (a new version may solve differently)."""
    from ..constants import __version__
    from ..inputs import file_digests

    parts = file_digests(files)
    h = hashlib.sha256()
    for key in ids_values:  # one at a time: a large sweep's keys are never held together
        h.update(key.encode())
        h.update(b"\n")
    h.update(pickle.dumps(opts))
    parts["the scenarios or solver settings"] = h.hexdigest()[:24]
    parts["the recyclopt version"] = __version__
    whole = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]
    return whole, parts


def resume_command(args: argparse.Namespace, out: Path) -> str:
    """The exact command that continues an interrupted sweep (same options, ``--resume``)."""
    argv = ["recyclopt", "sweep", args.case, args.scenarios, "--out", str(out), "--resume",
            "--backend", args.backend]
    for opt, val in (("--scheduler", args.scheduler), ("--workers", args.workers),
                     ("--sets", args.sets), ("--objective", args.objective),
                     ("--time-limit", args.time_limit), ("--export", args.export)):
        if val is not None:
            argv += [opt, str(val)]
    if args.no_fixed_design:
        argv.append("--no-fixed-design")
    if args.allow_large_samples:
        argv.append("--allow-large-samples")
    return shlex.join(argv)


def _check_outputs(args: argparse.Namespace, out: Path, inputs: dict[str, Path]) -> None:
    """Before any solve: the store and the export are writable and neither is an input."""
    from ..io.outputs import check_output

    check_output(out, inputs=inputs, force=True, option="--out", create_parent=True)
    if args.export:
        exp = Path(args.export)
        check_output(exp, inputs={**inputs, "result store": out}, force=args.force,
                     option="--export")


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run the ``sweep`` command."""
    from .pool import close_early, start_early

    _check_options(args)
    if args.backend == "processes" or (args.backend == "dask" and not args.scheduler):
        # the workers start (and import) while the driver sets up below
        start_early(args.backend, args.workers or os.cpu_count() or 1)
    try:
        return _sweep(args)
    finally:
        close_early()  # a local Dask cluster no sweep took (an input error)


def _check_options(args: argparse.Namespace) -> None:
    """The options that need no file, checked before any worker starts."""
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers {args.workers}; allowed range >= 1", field="--workers")
    if args.time_limit is not None and not args.time_limit > 0:
        raise InputError(f"--time-limit {args.time_limit!r} s; allowed range > 0",
                         field="--time-limit")
    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler needs --backend dask", field="--scheduler")
    if args.salvage and not args.resume:
        raise InputError("--salvage needs --resume (it continues a damaged store)",
                         field="--salvage")
    if args.export and Path(args.export).suffix.lower() not in (".parquet", ".csv"):
        raise InputError(f"--export {args.export!r}: allowed formats .parquet, .csv",
                         field="--export")


def _sweep(args: argparse.Namespace) -> int:
    """The sweep itself, once the options are checked (and the workers started)."""
    from ..optimize import load_case
    from .analysis import npv_distribution, route_frequency
    from .backends import run_sweep
    from .definition import load_scenarios
    from .engine import EngineOptions
    from .store import ResultStore

    case = load_case(args.case)
    sf = load_scenarios(args.scenarios, allow_large=args.allow_large_samples)
    sets = [x for x in args.sets.split(",") if x] if args.sets else None
    # every value validated before any solve (a first pass over the stream), then drawn
    # again as they are solved
    keys = [0]

    def validated() -> Iterator[str]:
        for sc in sf.iter_scenarios(case, sets):
            keys[0] += 1
            yield sc.key()
    opts = EngineOptions(objective=args.objective, time_limit=args.time_limit,
                         fixed_design=not args.no_fixed_design)
    out = Path(args.out) if args.out else Path(Path(args.scenarios).stem + ".sqlite")
    files = sweep_inputs(case, sf.source)
    fp, parts = fingerprint(files, validated(), (opts, sorted(sf.levers.items())))
    total = keys[0]
    _check_outputs(args, out, files)
    with ResultStore(out, fingerprint=fp, resume=args.resume, force=args.force,
                     inputs=parts, salvage=args.salvage) as store, \
            progress_report.terminal(args.progress):
        if store.salvaged is not None:
            print(f"Salvaged {store.salvaged} rows of the damaged store (kept as "
                  f"{str(out) + '.damaged'!r}); solving the rest")
        before = len(store)
        try:
            n = run_sweep(case, sf.iter_scenarios(case, sets), store, backend=args.backend,
                          workers=args.workers, scheduler=args.scheduler, options=opts,
                          levers=sf.levers, total=total)
        except KeyboardInterrupt:
            print(f"recyclopt: error: interrupted; {len(store)} of {total} scenarios "
                  f"are stored in {str(out)!r}; resume with: {resume_command(args, out)}",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        df = store.frame()
        print(f"Sweep of case {case.name!r}: {total} scenarios "
              f"({before} already stored, {n} solved now) -> {out}")
        print("status: " + ", ".join(f"{k} {v}" for k, v in
                                     df["status"].value_counts().items()))
        ok = df[df["status"].isin(["optimal", "feasible"])]
        if len(ok):
            d = npv_distribution(ok)
            print("NPV of the best plan per scenario (USD): " + ", ".join(
                f"{k} {d[k]:,.0f}" for k in ("p5", "p50", "p95", "mean")))
            if ok["npv_fixed_design_usd"].notna().any():
                d2 = npv_distribution(ok, column="npv_fixed_design_usd")
                print("NPV of the base plan's design (USD): " + ", ".join(
                    f"{k} {d2[k]:,.0f}" for k in ("p5", "p50", "p95", "mean"))
                    + f"; probability of loss {d2['prob_loss']:.1%}")
            rf = route_frequency(ok).head(5)
            print("Route choices (share of scenarios):")
            for _, r in rf.iterrows():
                print(f"  {r['share']:6.1%}  {r['routes'] or '(build nothing)'}")
        if args.export:
            store.export(args.export, force=args.force)
            print(f"wrote {args.export}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sweep`` on its own (``python -m recyclopt.scenarios.cli CASE SCENARIOS ...``),
    with the main CLI's error handling."""
    p = argparse.ArgumentParser(prog="recyclopt")
    sub = p.add_subparsers(dest="command")
    register(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "sweep":
        argv = ["sweep", *argv]
    try:
        args = p.parse_args(argv)
        return int(args.func(args) or 0)
    except SystemExit as exc:
        return int(exc.code or 0)
    except RecycloptError as exc:
        print(f"recyclopt: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InputError) else 1
    except KeyboardInterrupt:
        print("recyclopt: error: interrupted (resume with --resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
