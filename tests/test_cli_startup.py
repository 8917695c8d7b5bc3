"""``recyclopt --help`` and argument errors load none of the heavy stack (a correctness test of
the lazy command registration in :mod:`recyclopt.cli`, not a timing test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from recyclopt.cli import COMMANDS, build_parser

HEAVY = ("numpy", "pandas", "pyomo", "scipy", "highspy", "matplotlib", "plotly")

_PROBE = """
import json, sys
from recyclopt.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in {heavy!r} if m in sys.modules)]))
"""


def _run(*argv: str) -> tuple[int, list[str]]:
    # a fresh interpreter: this test process has the heavy stack loaded already
    r = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY), *argv],
                       capture_output=True, text=True, check=True)
    code, loaded = json.loads(r.stdout.strip().splitlines()[-1])
    return code, loaded


@pytest.mark.parametrize("argv", [
    ["--help"], [], ["optimize", "--help"], ["simulate", "--help"], ["sweep", "--help"],
    ["report", "--help"], ["optimize", "--objective", "bad"], ["sweep"], ["no-such-command"],
])
def test_help_and_argument_errors_load_no_heavy_module(argv):
    code, loaded = _run(*argv)
    assert loaded == [], f"recyclopt {' '.join(argv)} imported {loaded}"
    # --help exits 0; a missing or bad argument, or no command, exits 2 (argparse's code)
    assert code == (0 if "--help" in argv else 2)


def test_import_recyclopt_is_light_and_its_public_names_still_work():
    r = subprocess.run([sys.executable, "-c", "import json, sys, recyclopt; "
                        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"],
                       capture_output=True, text=True, check=True)
    assert json.loads(r.stdout) == []
    import recyclopt

    for name in recyclopt.__all__:  # each lazy name resolves to its module's object
        assert getattr(recyclopt, name) is not None
    assert recyclopt.Stream.__module__ == "recyclopt.streams"


def test_every_command_has_a_real_parser():
    # argv None: every command's module is imported and its parser added, as argparse sees it
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == list(COMMANDS)
    for name, p in sub.choices.items():
        assert p.get_default("func") is not None, name
