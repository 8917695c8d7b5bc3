"""The ``recyclopt bench`` command: the repository's benchmark suite, imported when it runs.

The suite (the top-level ``benchmarks/`` folder of a source checkout, with its
direct-highspy yardstick) is not part of the installed package, which keeps the yardstick out
of the library's import path. The command imports ``benchmarks.cli`` as Python finds it,
without editing ``sys.path``: in the repository's root, ``python -m recyclopt bench`` and
``python -m benchmarks`` find it (``-m`` puts the current directory on the path), as does
``recyclopt bench`` with the checkout on ``PYTHONPATH``. Anywhere else the command says so in
one line.
"""

from __future__ import annotations

import argparse

from .errors import InputError

HELP = "benchmark the optimizer against direct highspy (from a source checkout)"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``bench``: the suite's own parser when it is importable, else one that accepts any
    arguments and explains (:func:`run`)."""
    try:
        from benchmarks.cli import register
    except ImportError:
        # no option prefix: every argument, "--size" included, lands in ``args`` unparsed
        p = subparsers.add_parser("bench", help=HELP, prefix_chars="+", add_help=False)
        p.add_argument("args", nargs="*")
        return p
    return register(subparsers)


def run(_args: argparse.Namespace) -> int:
    """The command when the suite is not importable: one line saying where it runs."""
    raise InputError("the benchmark suite is not importable: it lives in the benchmarks/ folder "
                     "of a source checkout of recyclopt, not in the installed package; in the "
                     "repository's root run 'python -m benchmarks' (or 'python -m recyclopt "
                     "bench'), or put the checkout on PYTHONPATH")
