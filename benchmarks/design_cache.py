"""Wall time of the default case cold vs warm persistent cache (``recyclopt.io.cache``).

Run ``python -m benchmarks.design_cache [--runs 3]``. Each run is a fresh interpreter: *cold*
with an empty cache folder (design searches and coefficient solves computed and stored),
*warm* with the folder the cold runs filled, *off* with ``RECYCLOPT_CACHE=off``. Two commands:
building the default case's superstructure (the coefficient computation) and
``recyclopt optimize``. Prints least / median / most wall seconds and the load average.
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

BUILD = ("from recyclopt.optimize import load_case; "
         "from recyclopt.optimize.superstructure import build; build(load_case())")
COMMANDS = {"build superstructure": [sys.executable, "-c", BUILD],
            "recyclopt optimize": [sys.executable, "-m", "recyclopt", "optimize"]}


def _wall(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def measure(cmd: list[str], runs: int) -> dict[str, list[float]]:
    """Wall seconds of ``cmd`` per run: cold (empty cache each run), warm, off."""
    out: dict[str, list[float]] = {"cold": [], "warm": [], "off": []}
    with tempfile.TemporaryDirectory() as work:
        base = dict(os.environ)
        base.pop("RECYCLOPT_CACHE", None)
        for i in range(runs):
            env = {**base, "RECYCLOPT_CACHE_DIR": str(Path(work) / f"cold{i}")}
            out["cold"].append(_wall(cmd, env, work))
        env = {**base, "RECYCLOPT_CACHE_DIR": str(Path(work) / "cold0")}
        for _ in range(runs):
            out["warm"].append(_wall(cmd, env, work))
        for _ in range(runs):
            out["off"].append(_wall(cmd, {**base, "RECYCLOPT_CACHE": "off"}, work))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    print("| command | cache | least s | median s | most s |")
    print("|---|---|---|---|---|")
    for name, cmd in COMMANDS.items():
        for mode, times in measure(cmd, args.runs).items():
            print(f"| {name} | {mode} | {min(times):.2f} | {statistics.median(times):.2f} | "
                  f"{max(times):.2f} |", flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
