"""Tight against naive formulation: the same optimum, and what the tightening buys the solver.

Run from the repository root::

    python -m benchmarks.formulation                       # small and medium, to optimality
    python -m benchmarks.formulation --size large --time-limit 600
    python -m benchmarks.formulation --networks --time-limit 180   # the nine-network study

For each registered case and each formulation of :func:`recyclopt.optimize.model.build_model`
(``naive``: capacities bounded by every pair's peak load, full capex segments, no valid
inequalities; ``tight_bounds``: capacities bounded by what can arrive and segments clipped
to it; ``tight_cuts``: the same plus the ``feed_to_build`` valid inequalities over the
horizon; ``tight_cuts_yearly``: the same inequalities year by year; the default ``tight`` is
``tight_cuts_yearly`` or ``tight_bounds`` by model size) it builds the Pyomo model, hands it to HiGHS the way
:func:`recyclopt.optimize.solve.solve` does (scaled by powers of two) and reports the model
size, the LP-relaxation bound, the MILP objective, the dual bound, the gap, the
branch-and-bound nodes and the solve time. The LP relaxation is solved separately (same
arrays, integrality dropped) so the bound is comparable across formulations. HiGHS runs on one
thread (``--threads``) with a fixed seed, so node counts repeat from run to run.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from .cases import MEDIUM, REGISTRY, GenSpec, sizes_up_to

FORMULATIONS = ("naive", "tight_bounds", "tight_cuts", "tight_cuts_yearly")

#: The generated networks the default formulation was chosen on (``--networks``;
#: ``benchmarks/RESULTS.md``): the registered medium case, five more seeds of its size, two
#: with five reachable sites per feedstock, one with 100 feedstocks and 20 sites.
NETWORKS: tuple[GenSpec, ...] = (
    MEDIUM,
    *(GenSpec(f"medium_s{s}", n_feedstocks=50, n_sites=10, n_years=10, n_near=3,
              market_scale=12.0, seed=s) for s in (1, 2, 3, 4, 5)),
    *(GenSpec(f"near5_s{s}", n_feedstocks=50, n_sites=10, n_years=10, n_near=5,
              market_scale=12.0, seed=s) for s in (1, 2)),
    GenSpec("f100_s1", n_feedstocks=100, n_sites=20, n_years=10, n_near=4, market_scale=12.0,
            seed=1),
)


def _solve(cm: Any, *, relax: bool, time_limit: float | None, threads: int) -> dict[str, Any]:
    from recyclopt.optimize.highs import handoff, scale_compiled

    scaled, _, k = scale_compiled(cm)
    if relax:
        scaled = scaled.relaxation()
    h = handoff(scaled, time_limit=time_limit, mip_gap=1e-6, threads=threads, verbose=False)
    t0 = time.perf_counter()
    h.run()
    dt = time.perf_counter() - t0
    info = h.getInfo()
    has = getattr(info, "primal_solution_status", 0) == 2
    return {"status": h.modelStatusToString(h.getModelStatus()), "time": dt,
            "objective": float(info.objective_function_value) / k if has else float("nan"),
            "bound": float(info.mip_dual_bound) / k if not relax else float("nan"),
            "gap": float(info.mip_gap) if not relax else 0.0,
            "nodes": int(info.mip_node_count) if not relax else 0}


def measure(size: str | GenSpec, formulation: str, *, time_limit: float | None = None,
            threads: int = 1) -> dict[str, Any]:
    """Build, relax and solve one case in one formulation.

    Parameters
    ----------
    size : a registered case (``small``, ``medium``, ``large``) or a generated network's
        :class:`~benchmarks.cases.GenSpec`.
    formulation : one of :data:`FORMULATIONS`.
    time_limit : seconds for the MILP (and, separately, for the LP relaxation).
    threads : HiGHS threads.

    Returns
    -------
    dict
        Size, LP bound, MILP objective, dual bound, gap, nodes and times.
    """
    from recyclopt.optimize.compiler import compile_model
    from recyclopt.optimize.model import build_model
    from recyclopt.optimize.superstructure import build

    if isinstance(size, GenSpec):
        from recyclopt.optimize import case_from_dict

        from .cases import generate

        case = case_from_dict(generate(size), source=f"benchmarks:{size.name}")
        size = size.name
    else:
        case = REGISTRY[size].make()
    sup = build(case)
    t0 = time.perf_counter()
    om = build_model(case, sup=sup, formulation=formulation)
    cm = compile_model(om.model)
    build_s = time.perf_counter() - t0
    lp = _solve(cm, relax=True, time_limit=time_limit, threads=threads)
    mip = _solve(cm, relax=False, time_limit=time_limit, threads=threads)
    ints = cm.integrality.astype(bool)
    return {"size": size, "formulation": formulation, "vars": int(cm.A.shape[1]),
            "integers": int(ints.sum()), "rows": int(cm.A.shape[0]),
            "nonzeros": int(cm.A.nnz), "build_s": build_s,
            "lp_bound": lp["objective"], "lp_status": lp["status"], "lp_s": lp["time"],
            "objective": mip["objective"], "dual_bound": mip["bound"], "gap": mip["gap"],
            "nodes": mip["nodes"], "solve_s": mip["time"], "status": mip["status"]}


def markdown(rows: list[dict[str, Any]]) -> str:
    """The comparison as a markdown table."""
    head = ("| size | formulation | vars | rows | nonzeros | LP bound | objective | gap | nodes "
            "| solve s | status |\n|---|---|---|---|---|---|---|---|---|---|---|")
    out = [head]
    for r in rows:
        out.append(f"| {r['size']} | {r['formulation']} | {r['vars']:,} | {r['rows']:,} | "
                   f"{r['nonzeros']:,} | {r['lp_bound']:,.2f} | {r['objective']:,.2f} | "
                   f"{r['gap']:.2%} | {r['nodes']:,} | {r['solve_s']:.2f} | {r['status']} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="medium", help="largest size to run (small, medium, "
                    "large)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads (default 1)")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    ap.add_argument("--force", action="store_true", help="overwrite an existing --json file")
    ap.add_argument("--networks", action="store_true", help="run the generated networks of "
                    "NETWORKS instead of the registered sizes")
    a = ap.parse_args(argv)
    rows = []
    for size in NETWORKS if a.networks else sizes_up_to(a.size):
        for form in FORMULATIONS:
            r = measure(size, form, time_limit=a.time_limit, threads=a.threads)
            rows.append(r)
            print(f"{r['size']} {form}: objective {r['objective']:,.2f} nodes {r['nodes']} "
                  f"solve {r['solve_s']:.2f} s ({r['status']})", flush=True)
    print()
    print(markdown(rows))
    if a.json:
        from recyclopt.io import atomic_write

        text = json.dumps(rows, indent=2, default=float)
        atomic_write(a.json, lambda p: p.write_text(text, encoding="utf-8"), force=a.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
