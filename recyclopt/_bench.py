"""The ``recyclopt bench`` command: time each step of optimizing a case, or run the suite.

``recyclopt bench [CASE] [--repeat N]`` runs the benchmark that ships in the package
(:mod:`recyclopt.optimize.bench`) on the user's case file (the bundled default case when
omitted): load, superstructure, model build, handoff, HiGHS solve and plan read timed
separately, against HiGHS reading the same model from an MPS file.

``recyclopt bench --suite [ARGS]`` runs the repository's full suite (the top-level
``benchmarks/`` folder of a source checkout, with its direct-highspy yardstick). The suite is
not part of the installed package, which keeps the yardstick out of the library's import path:
it is imported, when asked for, as Python finds it, without editing ``sys.path`` (in the
repository's root, ``python -m recyclopt bench --suite`` and ``python -m benchmarks`` find it,
as does ``recyclopt bench --suite`` with the checkout on ``PYTHONPATH``). Anywhere else the
command says so in one line.
"""

from __future__ import annotations

import argparse

from .errors import InputError

DESCRIPTION = ("Time each step of optimizing a case (load, superstructure, model build, handoff, "
               "HiGHS solve, plan read; best of N runs) against HiGHS reading the same model "
               "from an MPS file. --suite runs the repository's full benchmark suite instead "
               "(from a source checkout).")
HELP = "time each step of optimizing a case file (--suite: the repository's full suite)"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``bench [CASE] [--repeat N] | bench --suite [ARGS]``."""
    p = subparsers.add_parser("bench", help=HELP, description=DESCRIPTION)
    p.add_argument("case", nargs="?", default=None,
                   help="case file (.yaml/.json) or bundled case name; the bundled default "
                        "case when omitted")
    p.add_argument("--repeat", type=int, default=3, metavar="N",
                   help="runs of each phase; the best is reported (default 3)")
    p.add_argument("--suite", nargs=argparse.REMAINDER, metavar="ARGS",
                   help="run the repository's benchmark suite (from a source checkout) with "
                        "its own arguments, e.g. --suite --size medium")
    return p


def run(args: argparse.Namespace) -> int:
    """Benchmark the case, or run the suite (``--suite``)."""
    if args.suite is not None:
        return run_suite(args.suite)
    if args.repeat < 1:
        raise InputError(f"--repeat {args.repeat}; allowed range >= 1", field="--repeat")
    from .optimize.bench import bench_case

    print(bench_case(args.case, repeat=args.repeat).table())
    return 0


def run_suite(argv: list[str]) -> int:
    """The repository's suite with its own arguments; one line when it is not importable."""
    try:
        from benchmarks.cli import register
    except ImportError:
        raise InputError("the benchmark suite is not importable: it lives in the benchmarks/ "
                         "folder of a source checkout of recyclopt, not in the installed "
                         "package; in the repository's root run 'python -m benchmarks' (or "
                         "'python -m recyclopt bench --suite'), or put the checkout on "
                         "PYTHONPATH; 'recyclopt bench CASE' times a case file anywhere"
                         ) from None
    p = argparse.ArgumentParser(prog="recyclopt bench --suite")
    suite = register(p.add_subparsers(dest="command"))
    suite.prog = "recyclopt bench --suite"
    args = p.parse_args(["bench", *argv])
    return int(args.func(args) or 0)
