"""Sweep speed: re-solving a compiled model vs rebuilding it, and throughput vs workers.

Run from the repository root::

    python -m benchmarks.sweep_speed                 # bundled Taiwan case, 40 scenarios
    python -m benchmarks.sweep_speed --case medium --n 20 --workers 1,2

For each tier of scenario (``price``: product prices and the carbon price; ``arrays``: the
same plus feedstock availability) it times, per scenario,

* ``rebuild``: :func:`recyclopt.optimize.optimize` on the scenario's case (build the Pyomo
  model, compile, solve, read the plan), the case object already modified;
* ``engine``: :meth:`recyclopt.scenarios.SweepEngine.solve_values` (push the changed numbers
  into the compiled model held by HiGHS, solve, read the plan);

checks that both give the same NPV, and prints the speed-up. With ``--workers`` it then runs
the same scenarios through ``run_sweep`` on the process-pool backend with each worker count
and prints the throughput (scenarios per second, worker start-up included).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def _scenarios(case, n: int, tier: str, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        v: dict[str, float] = {}
        for pname, prod in case.products.items():
            for e, price in prod.price_usd_per_kg.items():
                v[f"products.{pname}.price_usd_per_kg.{e}"] = float(price * rng.uniform(0.7, 2.0))
        v["policy.carbon_price_usd_per_t"] = float(rng.uniform(0, 100))
        if tier == "arrays":
            for f in case.feedstocks:
                v[f"feedstocks.{f.name}.availability_factor"] = float(rng.uniform(0.5, 1.5))
        out.append(v)
    return out


def _load(name: str):
    from recyclopt.optimize import load_case

    if name in ("medium", "large"):
        from benchmarks.cases import REGISTRY

        return REGISTRY[name].make()
    return load_case(name)


def main(argv: list[str] | None = None) -> None:
    from recyclopt.optimize import optimize
    from recyclopt.scenarios import EngineOptions, ResultStore, Scenario, SweepEngine, run_sweep
    from recyclopt.scenarios.definition import scenario_case

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", default="taiwan", help="bundled case, .yaml, or medium/large (benchmarks.cases)")
    ap.add_argument("--n", type=int, default=40, help="scenarios per tier")
    ap.add_argument("--workers", default="", help="comma-separated worker counts, e.g. 1,2")
    a = ap.parse_args(argv)
    case = _load(a.case)
    t0 = time.perf_counter()
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    print(f"case {case.name!r}: engine set-up (build + compile once) {time.perf_counter() - t0:.2f} s")
    print(f"{'tier':8s} {'n':>4s} {'rebuild ms':>11s} {'engine ms':>10s} {'speed-up':>9s} "
          f"{'max rel NPV diff':>17s}")
    for tier in ("price", "arrays"):
        scen = _scenarios(case, a.n, tier)
        eng.solve_values(scen[0])  # warm
        t_fast, t_slow, diff = 0.0, 0.0, 0.0
        for v in scen:
            t0 = time.perf_counter()
            r = eng.solve_values(v).row
            t_fast += time.perf_counter() - t0
            cs, _, _ = scenario_case(case, v, eng.settings)
            t0 = time.perf_counter()
            ref = optimize(cs)
            t_slow += time.perf_counter() - t0
            diff = max(diff, abs(r["npv_usd"] - ref.npv_usd) / max(1.0, abs(ref.npv_usd)))
        print(f"{tier:8s} {len(scen):4d} {t_slow / len(scen) * 1e3:11.1f} "
              f"{t_fast / len(scen) * 1e3:10.1f} {t_slow / t_fast:8.2f}x {diff:17.2e}")
    if a.workers:
        scen = [Scenario(f"b/{i:05d}", "b", i, v) for i, v in
                enumerate(_scenarios(case, a.n, "price", seed=1))]
        print(f"\nthroughput on the process-pool backend ({len(scen)} scenarios, start-up "
              "included)")
        for w in [int(x) for x in a.workers.split(",")]:
            with tempfile.TemporaryDirectory() as d:
                with ResultStore(Path(d) / "s.sqlite") as st:
                    t0 = time.perf_counter()
                    run_sweep(case, scen, st, backend="processes", workers=w,
                              options=EngineOptions(fixed_design=False))
                    dt = time.perf_counter() - t0
            print(f"  workers {w}: {dt:6.2f} s, {len(scen) / dt:6.1f} scenarios/s")


if __name__ == "__main__":
    main()
