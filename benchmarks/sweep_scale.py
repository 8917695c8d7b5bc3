"""Sweeps that scale: one 2,000-scenario sweep on each backend, and MIP scenarios against a rebuild.

Run from the repository root, with both cores free (issue 20 item 5)::

    python -m benchmarks.sweep_scale
    python -m benchmarks.sweep_scale --backends serial,processes:2 --mip 20

Part 1, *backends*: the whole ``recyclopt sweep taiwan benchmarks/sweep_scale.yaml`` command
(2,000 scenarios, the fixed-design evaluation on) runs in a fresh process per backend
(``serial``, ``processes:W``, ``dask:W``): wall time start to exit, interpreter start-up,
flowsheets, worker start-up and store included. Speed-ups are against the serial run of the
same invocation. Every backend's store must hold the serial store's rows: same ids, and the
same status, NPV, fixed-design NPV and plant per id (exact comparison). ``solving s`` sums the
scenarios' own times (``solve_s``, measured in the worker): when it grows with the workers,
they are competing for the cores (with each other, the driver, or other processes).
``--repeat`` runs the list again and prints each run; compare the best of each.

Part 2, *MIP scenarios*: the first ``--mip`` scenarios of the ``availability`` set whose
plan builds a plant (so a MIP decides them) are solved twice each, by
:func:`recyclopt.optimize.optimize` on the scenario's case (a rebuild: Pyomo model, compile,
HiGHS, plan) and by :meth:`SweepEngine.solve_values` (no fixed-design run, as the rebuild), and
the milliseconds per scenario, the engine's parts and its solver runs are printed.

Part 3, *warm starts* (``--starts N``): on the first N such MIP scenarios, HiGHS's time per
scenario (best of ``--start-reps``, the variants interleaved per scenario) with the start the
engine gives (the base plan when it satisfies the scenario's bounds and rows), with the
scenario's own optimal plan (what no warm start can beat), and with the plan of the nearest
earlier scenario (standardised lever values) among the five nearest that satisfy the
scenario's bounds and rows (:meth:`SweepEngine.satisfies`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "benchmarks" / "sweep_scale.yaml"
#: Columns that must agree exactly between backends.
COMPARED = ("status", "npv_usd", "npv_fixed_design_usd", "built", "routes")
#: Further columns read: the seconds each scenario took in its worker.
TIMED = ("solve_s",)


def _sweep(backend: str, workers: int, out: Path, scen: Path, extra: list[str]) -> float:
    cmd = [sys.executable, "-m", "recyclopt", "sweep", "taiwan", str(scen), "--out", str(out),
           "--force", "--backend", backend, "--workers", str(workers), "--no-progress", *extra]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def _rows(path: Path):
    import sqlite3

    import pandas as pd

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cols = ", ".join(("id",) + COMPARED + TIMED)
        return pd.read_sql_query(f"SELECT {cols} FROM results", con).set_index("id").sort_index()
    finally:
        con.close()


def backends(specs: list[str], scen: Path, extra: list[str]) -> None:
    """Part 1 (see the module docstring)."""
    print(f"load average before: {os.getloadavg()}")
    print(f"{'backend':14s} {'wall s':>8s} {'vs serial':>10s} {'rows':>6s} {'same rows':>10s} "
          f"{'solving s':>10s}")
    with tempfile.TemporaryDirectory() as d:
        ref = None
        t_serial = None
        for spec in specs:
            name, _, w = spec.partition(":")
            workers = int(w or 1)
            out = Path(d) / f"{name}{workers}.sqlite"
            dt = _sweep(name, workers, out, scen, extra)
            rows = _rows(out)
            if ref is None:
                ref = rows
            if name == "serial":
                t_serial = dt
            same = rows.index.equals(ref.index) and all(
                rows[c].equals(ref[c]) for c in COMPARED)
            speed = f"{t_serial / dt:9.2f}x" if t_serial else f"{'':10s}"
            print(f"{spec:14s} {dt:8.2f} {speed} {len(rows):6d} {str(same):>10s} "
                  f"{rows['solve_s'].sum():10.2f}", flush=True)
    print(f"load average after: {os.getloadavg()}")


def mip_vs_rebuild(n: int, scen: Path) -> None:
    """Part 2 (see the module docstring)."""
    from recyclopt.optimize import load_case, optimize
    from recyclopt.scenarios import EngineOptions, SweepEngine, load_scenarios
    from recyclopt.scenarios.definition import scenario_case
    from recyclopt.scenarios.policy import resolve_settings

    case = load_case("taiwan")
    sf = load_scenarios(scen)
    eng = SweepEngine(case, EngineOptions(fixed_design=False),
                      settings=resolve_settings(case, sf.levers))
    picked = [p[0] for p in _mip_scenarios(eng, case, sf, n)]
    before, runs0 = dict(eng.timings), dict(eng.runs)
    t_eng = t_reb = diff = 0.0
    for v in picked:
        t0 = time.perf_counter()
        row = eng.solve_values(v).row
        t_eng += time.perf_counter() - t0
        cs, _, _ = scenario_case(case, v, eng.settings)
        t0 = time.perf_counter()
        ref = optimize(cs)
        t_reb += time.perf_counter() - t0
        diff = max(diff, abs(row["npv_usd"] - ref.npv_usd) / max(1.0, abs(ref.npv_usd)))
    k = len(picked)
    print(f"\nMIP scenarios (availability set, plant built): {k}")
    print(f"  rebuild {t_reb / k * 1e3:.1f} ms, engine {t_eng / k * 1e3:.1f} ms, "
          f"speed-up {t_reb / t_eng:.2f}x, largest relative NPV difference {diff:.1e}")
    print("  engine per part (ms): " + ", ".join(
        f"{p} {(eng.timings[p] - before[p]) / k * 1e3:.2f}" for p in eng.timings))
    print("  engine runs: " + ", ".join(f"{p} {eng.runs[p] - runs0[p]}" for p in eng.runs))


def _mip_scenarios(eng, case, sf, n: int) -> list[tuple[dict, float, object]]:
    """The first ``n`` scenarios of the availability set that a MIP decides and whose plan
    builds a plant: (values, NPV, optimal plan in builder order)."""
    run, got = eng._run, {}

    def capture(s, t, start=None):
        got["x"] = (out := run(s, t, start))[0]
        return out

    eng._run = capture
    picked = []
    try:
        for sc in sf.iter_scenarios(case, ["availability"]):
            r0 = eng.runs["mip"]
            row = eng.solve_values(sc.values).row
            if row["built"] and eng.runs["mip"] > r0:
                picked.append((sc.values, row["npv_usd"], got["x"]))
            if len(picked) == n:
                break
    finally:
        eng._run = run
    return picked


def warm_starts(n: int, reps: int, scen: Path) -> None:
    """Part 3 (see the module docstring)."""
    import numpy as np

    from recyclopt.optimize import load_case
    from recyclopt.scenarios import EngineOptions, SweepEngine, load_scenarios
    from recyclopt.scenarios.policy import resolve_settings

    case = load_case("taiwan")
    sf = load_scenarios(scen)
    eng = SweepEngine(case, EngineOptions(fixed_design=False),
                      settings=resolve_settings(case, sf.levers))
    picked = _mip_scenarios(eng, case, sf, n)
    keys = sorted(picked[0][0])
    v = np.array([[p[0][k] for k in keys] for p in picked])
    z = (v - v.mean(0)) / (v.std(0) + 1e-12)
    run = eng._run
    best = {k: np.full(len(picked), np.inf) for k in ("engine's", "own optimum", "nearest")}
    used = np.zeros(len(picked), dtype=bool)
    worst = 0.0

    def start_for(i: int, how: str, s, t, start):
        if how == "own optimum":
            return picked[i][2][s.ccol]
        if how == "nearest":
            for j in np.argsort(((z[:i] - z[i]) ** 2).sum(1))[:5]:
                xc = picked[j][2][s.ccol]
                if eng.satisfies(s, t, xc):
                    used[i] = True
                    return xc
        return start

    for i, (vals, npv, _) in enumerate(picked):
        for _ in range(reps):
            for how in best:
                eng._run = lambda s, t, start=None, how=how, i=i: run(
                    s, t, start_for(i, how, s, t, start))
                h0 = eng.timings["highs"]
                row = eng.solve_values(vals).row
                eng._run = run
                best[how][i] = min(best[how][i], eng.timings["highs"] - h0)
                worst = max(worst, abs(row["npv_usd"] - npv) / max(1.0, abs(npv)))
    print(f"\nwarm starts, {len(picked)} MIP scenarios, HiGHS ms per scenario (best of {reps}); "
          f"a nearest earlier plan was feasible in {int(used.sum())}; largest relative NPV "
          f"difference {worst:.1e}")
    for how, t in best.items():
        print(f"  {how:12s} {t.mean() * 1e3:6.2f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", default="serial,processes:1,processes:2,dask:2",
                   help="comma-separated NAME[:WORKERS]; the first is the rows' reference")
    p.add_argument("--scenarios", default=str(SCENARIOS), help="scenario file")
    p.add_argument("--mip", type=int, default=30, help="MIP scenarios timed against a "
                   "rebuild (0: skip)")
    p.add_argument("--sets", help="only these sets (passed to recyclopt sweep)")
    p.add_argument("--repeat", type=int, default=1, help="runs of the backend list")
    p.add_argument("--starts", type=int, default=0, help="MIP scenarios of part 3 (0: skip)")
    p.add_argument("--start-reps", type=int, default=3, help="runs per variant in part 3")
    a = p.parse_args(argv)
    extra = ["--sets", a.sets] if a.sets else []
    for _ in range(a.repeat if a.backends else 0):
        backends([b for b in a.backends.split(",") if b], Path(a.scenarios), extra)
    if a.mip:
        mip_vs_rebuild(a.mip, Path(a.scenarios))
    if a.starts:
        warm_starts(a.starts, a.start_reps, Path(a.scenarios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
