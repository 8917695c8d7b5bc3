"""The ``recyclopt bench`` command: a bridge to the repository's benchmark suite.

The suite lives in the top-level ``benchmarks/`` folder of a source checkout, not in the
installed package. :func:`register_bench` finds it (the current directory, or the checkout an
editable install points at), lets ``benchmarks.cli.register`` add the ``bench`` command, and
otherwise adds a ``bench`` command that fails with a one-line explanation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InputError

_SIZES = ("small", "medium", "large")


def _checkout() -> Path | None:
    here = Path(__file__).resolve().parent.parent  # an editable install: the checkout itself
    for root in (Path.cwd(), here):
        if (root / "benchmarks" / "cli.py").is_file():
            return root
    return None


def _unavailable(_args: argparse.Namespace) -> int:
    raise InputError("the benchmark suite is not importable: it lives in the benchmarks/ folder "
                     "of a source checkout of recyclopt, not in the installed package; run "
                     "'recyclopt bench' (or 'python -m benchmarks') from the repository's root")


def register_bench(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bench`` command to ``recyclopt``'s subparsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned in ``recyclopt.cli``.
    """
    root = _checkout()
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        from benchmarks.cli import register
    except ImportError:
        p = subparsers.add_parser("bench", help="benchmark the optimizer (needs a source "
                                  "checkout of recyclopt)")
        p.add_argument("--size", choices=_SIZES, default="small")
        p.add_argument("--json", metavar="FILE")
        p.set_defaults(func=_unavailable)
        return
    register(subparsers)
