"""The solver ladder: generated networks from medium to 50 sites, each solved in a time limit.

Run from the repository root::

    python -m benchmarks.ladder                               # the five sizes, 120 s each
    python -m benchmarks.ladder --sizes sites20 sites30 --time-limit 120
    python -m benchmarks.ladder --large --time-limit 600      # the registered large case

For each network of :data:`benchmarks.cases.LADDER` (``--large``: the registered ``large``
case instead) it builds the model with :func:`recyclopt.optimize.model.build_model`'s
defaults, calls ``solve(om, time_limit=..., threads=1)`` (:func:`recyclopt.optimize.solve
.solve`, whose default choice of cuts and start heuristic is what is measured) and prints one
markdown row per size: columns, rows, nonzeros, plan value, certified gap (the tighter of
HiGHS's and the start heuristic's LP bound, as ``solve`` reports it), the bound it implies,
seconds, HiGHS's status and what the solve used. Results: ``benchmarks/RESULTS.md``
("No dead zone").
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from .cases import LADDER, REGISTRY, generate

HEAD = ("| size | columns | integers | rows | nonzeros | plan (USD) | certified gap | bound (USD) "
        "| solve s | status | used |\n|---|---|---|---|---|---|---|---|---|---|---|")


def _used(om: Any, info: Any) -> str:
    """What the solve used: the model's valid inequalities, the solve's own choice, the
    start heuristic's stages."""
    parts = []
    if any(g.name == "feed_to_build" for g in om.builder.groups):
        parts.append("feed_to_build rows in the model")
    if getattr(info, "choice", ""):
        parts.append(info.choice)
    if info.heuristic:
        h = info.heuristic
        parts.append(f"start: LP {h['lp_s']:.1f} s, {h['stages']}")
    return "; ".join(parts) or "HiGHS alone"


def run_one(name: str, case: Any, time_limit: float, threads: int = 1) -> dict[str, Any]:
    """Build and solve one case; the row's figures."""
    from recyclopt.optimize.model import build_model
    from recyclopt.optimize.solve import solve

    t0 = time.perf_counter()
    om = build_model(case)
    build_s = time.perf_counter() - t0
    _, info = solve(om, time_limit=time_limit, threads=threads)
    gap = info.mip_gap
    sign = 1.0 if om.sense == "max" else -1.0
    bound = info.objective + sign * gap * abs(info.objective)
    return {"size": name, "columns": info.n_vars, "integers": info.n_binary + info.n_integer,
            "rows": info.n_rows, "nonzeros": info.n_nonzeros, "objective": info.objective,
            "gap": gap, "bound": bound, "build_s": build_s, "solve_s": info.time_s,
            "status": info.status, "used": _used(om, info), "time_limit": time_limit}


def markdown_row(r: dict[str, Any]) -> str:
    return (f"| {r['size']} | {r['columns']:,} | {r['integers']:,} | {r['rows']:,} | "
            f"{r['nonzeros']:,} | {r['objective']:,.0f} | {r['gap']:.2%} | {r['bound']:,.0f} | "
            f"{r['solve_s']:.1f} | {r['status']} | {r['used']} |")


def main(argv: list[str] | None = None) -> int:
    from recyclopt.optimize import case_from_dict

    names = [s.name for s in LADDER]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", choices=names, default=names,
                    help="ladder sizes to run (default: all)")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads (default 1)")
    ap.add_argument("--large", action="store_true",
                    help="run the registered large case instead of the ladder")
    ap.add_argument("--json", default=None, help="append each row to this JSON-lines file")
    a = ap.parse_args(argv)
    if a.large:
        todo = [("large", REGISTRY["large"].make)]
    else:
        specs = {s.name: s for s in LADDER}
        todo = [(n, lambda s=specs[n]: case_from_dict(generate(s), source=f"benchmarks:{s.name}"))
                for n in a.sizes]
    print(f"load average before: {os.getloadavg()}", flush=True)
    print(HEAD, flush=True)
    for name, make in todo:
        r = run_one(name, make(), a.time_limit, a.threads)
        print(markdown_row(r), flush=True)
        if a.json:
            with open(a.json, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(r, default=float) + "\n")
    print(f"load average after: {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
