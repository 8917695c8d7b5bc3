"""Wall time of the main job, ``recyclopt optimize`` on the default case, against its floor.

Run ``python -m benchmarks.main_job [--runs 3]``. Every figure is a fresh interpreter, timed
from outside (start-up, imports and teardown included):

* ``recyclopt optimize`` on the default case with a warm design cache (a cache folder of its
  own, filled by one untimed run first), the plan written to a temporary folder;
* the *floor*: one more run of the same command with ``RECYCLOPT_DUMP_MODELS`` set
  (:data:`recyclopt.optimize.highs.DUMP_MODELS_ENV`), so every model the job hands HiGHS is
  written as an MPS file with HiGHS's options; then a fresh ``python -c`` process that imports
  only ``highspy`` reads each model and its options and solves it (interpreter start
  included);
* ``recyclopt --help`` against ``python -c 'import argparse'``, and
  ``recyclopt simulate <route>`` against a bare interpreter (``python -c pass``).

Each command alternates run by run with its floor, so both see the same load. The code under
test is byte-compiled first, as ``pip install`` does for an installed package (a checkout run
with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile ~60 modules from source in every
run, ~0.09 s); ``--no-compile`` skips that.

Prints least / median / most wall seconds, the ratios of the least, of the medians and the
median of the run-by-run ratios (on a shared machine the least and the paired figures are the
steadier ones) and the load average before and after. With
``PYTHONPATH`` pointing at another checkout, every command runs that code (its ``highs.run``
needs the dump hook for the floor).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
#: Reads and solves every ``*.mps`` of a folder with its ``.opt`` options; imports highspy only
FLOOR = """
import os, sys, highspy
d = sys.argv[1]
threads = None
n = 0
for f in sorted(os.listdir(d)):
    if not f.endswith('.mps'):
        continue
    h = highspy.Highs()
    h.setOptionValue('output_flag', False)
    h.readOptions(os.path.join(d, f[:-4] + '.opt'))
    t = h.getOptionValue('threads')
    if t != threads:
        if threads is not None:
            highspy.Highs.resetGlobalScheduler(True)
        threads = t
    h.readModel(os.path.join(d, f))
    h.run()
    n += 1
print(n)
"""


def wall(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    """Wall seconds of one run of ``cmd`` (output discarded; a failure raises)."""
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def load() -> str:
    """The 1/5/15-minute load average."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def byte_compile() -> list[str]:
    """Byte-compile the recyclopt package and its bundled flowsheets where this interpreter
    imports them from (what ``pip install`` does at install time); returns the folders."""
    where = subprocess.run(
        [PY, "-c", "import recyclopt, recyclopt.flowsheets as f, os; "
                   "print(os.path.dirname(recyclopt.__file__)); print(*f.__path__, sep='\\n')"],
        check=True, capture_output=True, text=True).stdout.split()
    subprocess.run([PY, "-m", "compileall", "-q", *where], check=True,
                   stdout=subprocess.DEVNULL)
    return where


def measure(runs: int, route: str) -> dict[str, list[float] | int]:
    """Wall seconds per run of each command and its floor, and the number of models."""
    out: dict[str, list[float] | int] = {}
    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, "RECYCLOPT_CACHE_DIR": str(Path(work) / "cache")}
        env.pop("RECYCLOPT_CACHE", None)
        env.pop("RECYCLOPT_DUMP_MODELS", None)
        rec = [PY, "-m", "recyclopt"]

        def optimize(i: int) -> list[str]:
            return [*rec, "optimize", "--output", str(Path(work) / f"plan{i}.json")]

        wall(optimize(-1), env, work)  # fills the design cache
        models = Path(work) / "models"
        models.mkdir()
        wall(optimize(-2), {**env, "RECYCLOPT_DUMP_MODELS": str(models)}, work)
        out["models"] = len(list(models.glob("*.mps")))
        wall([*rec, "simulate", route], env, work)  # the route's design, cached
        pairs = {"optimize": (optimize, lambda i: [PY, "-c", FLOOR, str(models)], "floor"),
                 "--help": (lambda i: [*rec, "--help"], lambda i: [PY, "-c", "import argparse"],
                            "import argparse"),
                 f"simulate {route}": (lambda i: [*rec, "simulate", route],
                                       lambda i: [PY, "-c", "pass"], "python -c pass")}
        for name, (cmd, floor, floor_name) in pairs.items():
            # a command and its floor alternate, so both see the same load on a shared machine
            out[name], out[floor_name] = [], []
            for i in range(runs):
                out[name].append(wall(cmd(i), env, work))
                out[floor_name].append(wall(floor(i), env, work))
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.main_job", description=__doc__)
    p.add_argument("--runs", type=int, default=3, help="timed runs per command (default 3)")
    p.add_argument("--route", default="intensified_sx",
                   help="the designed route for simulate (default intensified_sx)")
    p.add_argument("--no-compile", action="store_true",
                   help="do not byte-compile the code under test first")
    a = p.parse_args(argv)
    if not a.no_compile:
        print("byte-compiled first:", ", ".join(byte_compile()))
    before = load()
    res = measure(a.runs, a.route)
    after = load()
    med = {k: statistics.median(v) for k, v in res.items() if isinstance(v, list)}
    print(f"{a.runs} runs each; load average {before} before, {after} after; "
          f"{res['models']} models handed to HiGHS by one optimize run\n")
    print("| command | least s | median s | most s | floor | ratio (least) | ratio (medians) "
          "| ratio (median of paired runs) |")
    print("|---|---|---|---|---|---|---|---|")
    pairs = {"optimize": "floor", "--help": "import argparse",
             f"simulate {a.route}": "python -c pass"}
    for k, v in res.items():
        if not isinstance(v, list):
            continue
        fl = pairs.get(k)
        least = f"{min(v) / min(res[fl]):.2f}x" if fl else ""
        ratio = f"{med[k] / med[fl]:.2f}x" if fl else ""
        paired = f"{statistics.median(a / b for a, b in zip(v, res[fl], strict=True)):.2f}x" \
            if fl else ""
        print(f"| {k} | {min(v):.3f} | {med[k]:.3f} | {max(v):.3f} | {fl or ''} | {least} "
              f"| {ratio} | {paired} |")


if __name__ == "__main__":
    main()
