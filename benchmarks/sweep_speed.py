"""Sweep speed: re-solving a compiled model vs rebuilding it, and throughput vs workers.

Run from the repository root::

    python -m benchmarks.sweep_speed                 # bundled Taiwan case, 40 scenarios
    python -m benchmarks.sweep_speed --case medium --n 20 --workers 1,2

For each tier of scenario (``price``: product prices and the carbon price; ``arrays``: the
same plus feedstock availability) it times, per scenario,

* ``rebuild``: :func:`recyclopt.optimize.optimize` on the scenario's case (build the Pyomo
  model, compile, solve, read the plan), the case object already modified;
* ``engine``: :meth:`recyclopt.scenarios.SweepEngine.solve_values` (push the changed numbers
  into the compiled model held by HiGHS, solve from the base plan as a warm start, read the
  sweep row);

checks that both give the same NPV, and prints the speed-up and where the time of each goes.
On the bundled Taiwan case it also times every scenario of ``taiwan_scenarios.yaml`` (its
export-control, price-uncertainty and sensitivity sets, with the file's policy levers;
``--scenario-file`` picks another file):

* rebuild: ``build`` (the Pyomo model, :attr:`PlantPlan.build_s`), ``handoff`` (compile and
  pass to HiGHS, ``solver.handoff_s``), ``highs`` (``solver.time_s``: HiGHS's run and reading
  its solution), ``read`` (the rest: the :class:`PlantPlan`);
* engine (:attr:`SweepEngine.timings`): ``case`` (applying the scenario's values), ``model``
  (its numbers), ``highs`` (``Highs.run``: the LP check and the MIP), ``read`` (the sweep
  row), ``other`` (the rest: pushing the numbers, the warm start, bookkeeping); and how many
  scenarios the LP check settled (``lp_start``, ``lp_integral``) or left to the MIP (``mip``,
  :attr:`SweepEngine.runs`).

Times are milliseconds per scenario. The engine solves every scenario of a tier first, then
the rebuilds run, each as a sweep would run them; ``--interleave`` alternates the two per
scenario instead, so each also pays for the other's switch of HiGHS's global thread scheduler
(the engine runs one thread, :func:`~recyclopt.optimize.optimize` HiGHS's default) and for
cold caches. With ``--workers`` it then runs the same scenarios
through ``run_sweep`` on the process-pool backend with each worker count and prints the
throughput (scenarios per second, worker start-up included).
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


def _time_tier(eng, case, scen: list[dict[str, float]], interleave: bool
               ) -> tuple[float, float, float, dict[str, float], dict[str, float]]:
    """Engine and rebuild seconds over ``scen``, the largest relative NPV difference, and
    the per-part seconds of each (see the module docstring)."""
    from recyclopt.optimize import optimize
    from recyclopt.scenarios.definition import scenario_case

    t = {"engine": 0.0, "rebuild": 0.0}
    slow = dict.fromkeys(("build", "handoff", "highs", "read"), 0.0)
    before = dict(eng.timings)

    def engine(v: dict[str, float]) -> dict:
        t0 = time.perf_counter()
        r = eng.solve_values(v).row
        t["engine"] += time.perf_counter() - t0
        return r

    def rebuild(v: dict[str, float]):
        cs, _, _ = scenario_case(case, v, eng.settings)
        t0 = time.perf_counter()
        ref = optimize(cs)
        dt = time.perf_counter() - t0
        t["rebuild"] += dt
        slow["build"] += ref.build_s
        slow["handoff"] += ref.solver.handoff_s
        slow["highs"] += ref.solver.time_s
        slow["read"] += dt - ref.build_s - ref.solver.handoff_s - ref.solver.time_s
        return ref

    if interleave:
        pairs = [(engine(v), rebuild(v)) for v in scen]
    else:
        rows = [engine(v) for v in scen]
        pairs = list(zip(rows, [rebuild(v) for v in scen], strict=True))
    diff = max((abs(r["npv_usd"] - ref.npv_usd) / max(1.0, abs(ref.npv_usd))
                for r, ref in pairs), default=0.0)
    fast = {k: eng.timings[k] - before[k] for k in eng.timings}
    return t["engine"], t["rebuild"], diff, slow, fast


def _load(name: str):
    from recyclopt.optimize import load_case

    if name in ("medium", "large"):
        from benchmarks.cases import REGISTRY

        return REGISTRY[name].make()
    return load_case(name)


def main(argv: list[str] | None = None) -> None:
    from recyclopt.scenarios import EngineOptions, ResultStore, Scenario, SweepEngine, run_sweep

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", default="taiwan", help="bundled case, .yaml, or medium/large (benchmarks.cases)")
    ap.add_argument("--n", type=int, default=40, help="scenarios per tier")
    ap.add_argument("--scenario-file", default=None,
                    help="also time the scenarios of this file, every set (default: "
                         "taiwan_scenarios for the taiwan case; 'none' to skip)")
    ap.add_argument("--workers", default="", help="comma-separated worker counts, e.g. 1,2")
    ap.add_argument("--interleave", action="store_true",
                    help="alternate engine and rebuild per scenario (both then pay for "
                         "restarting HiGHS's thread scheduler and for cold caches)")
    a = ap.parse_args(argv)
    case = _load(a.case)
    t0 = time.perf_counter()
    eng = SweepEngine(case, EngineOptions(fixed_design=False))
    print(f"case {case.name!r}: engine set-up (build + compile once) {time.perf_counter() - t0:.2f} s")
    print(f"{'tier':8s} {'n':>4s} {'rebuild ms':>11s} {'engine ms':>10s} {'speed-up':>9s} "
          f"{'max rel NPV diff':>17s}")
    parts = []
    tiers = [("price", eng, _scenarios(case, a.n, "price")),
             ("arrays", eng, _scenarios(case, a.n, "arrays"))]
    sfile = a.scenario_file or ("taiwan_scenarios" if a.case == "taiwan" else "none")
    if sfile != "none":
        from recyclopt.scenarios import load_scenarios
        from recyclopt.scenarios.policy import resolve_settings

        sf = load_scenarios(sfile)
        eng_f = SweepEngine(case, EngineOptions(fixed_design=False),
                            settings=resolve_settings(case, sf.levers), sup=eng.sup)
        tiers.append((Path(sfile).stem[:8], eng_f, [sc.values for sc in sf.expand(case)]))
    for tier, e, scen in tiers:
        e.solve_values(scen[0])  # warm
        runs0 = dict(e.runs)
        t_fast, t_slow, diff, slow, fast = _time_tier(e, case, scen, a.interleave)
        fast["runs"] = {k: e.runs[k] - runs0[k] for k in runs0}
        n = len(scen)
        print(f"{tier:8s} {n:4d} {t_slow / n * 1e3:11.1f} {t_fast / n * 1e3:10.1f} "
              f"{t_slow / t_fast:8.2f}x {diff:17.2e}")
        parts.append((tier, n, slow, fast))
    print("\nper part, ms per scenario")
    for tier, n, slow, fast in parts:
        print(f"  {tier:8s} rebuild: " + ", ".join(f"{k} {v / n * 1e3:.2f}"
                                                   for k, v in slow.items()))
        runs = fast.pop("runs")
        print(f"  {tier:8s} engine:  " + ", ".join(f"{k} {v / n * 1e3:.2f}"
                                                   for k, v in fast.items()))
        print(f"  {tier:8s} engine runs: " + ", ".join(f"{k} {v}" for k, v in runs.items()))
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
