"""Time-phased plant benchmark: the same case single-build and phased, size and time.

``python -m benchmarks.phased [--size small|medium] [--every 1 3] [--time-limit 120]``
builds and solves each case through :func:`recyclopt.optimize.plan.optimize` (end to end:
model build, compile, HiGHS, plan read) in this interpreter, once per variant, and prints a
markdown table of model size (rows, columns, binaries, integers), times and the NPV. The
phased variants add ``planning: {mode: phased, every_years: N}`` to the case dict
(:data:`benchmarks.cases.REGISTRY` sizes; ``small`` is the bundled default case). Results
are recorded in ``benchmarks/RESULTS.md`` ("Time-phased plant").
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

from recyclopt.optimize.case import Planning
from recyclopt.optimize.plan import optimize

from .cases import REGISTRY


def variants(size: str, every: Sequence[int]) -> list[tuple[str, Any]]:
    """The case of ``size`` single-build, then phased with a build year every N years."""
    base = REGISTRY[size].make()
    out = [("single_build", base)]
    for n in every:
        years = tuple(int(y) for y in base.years[::n])
        out.append((f"phased every {n} yr", dataclasses.replace(
            base, planning=Planning("phased", years, None, True))))
    return out


def run(size: str, every: Sequence[int], time_limit: float | None,
        price_factor: float = 1.0) -> list[dict[str, Any]]:
    """One row per variant: sizes, build and solve seconds, end-to-end seconds, NPV, gap."""
    rows = []
    for name, case in variants(size, every):
        t0 = time.perf_counter()
        plan = optimize(case, time_limit=time_limit, price_factor=price_factor)
        s = plan.solver
        rows.append({"case": size, "prices": f"x{price_factor:g}", "variant": name,
                     "rows": s.n_rows, "columns": s.n_vars, "binaries": s.n_binary,
                     "integers": s.n_integer, "build_s": plan.build_s, "solve_s": s.time_s,
                     "end_to_end_s": time.perf_counter() - t0, "npv_usd": plan.npv_usd,
                     "gap": s.mip_gap, "status": s.status, "blocks": len(plan.blocks)})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """The rows as a markdown table."""
    head = ["case", "prices", "variant", "rows", "columns", "binaries", "integers", "build_s",
            "solve_s", "end_to_end_s", "npv_usd", "gap", "status", "blocks"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join(
            f"{r[h]:,.2f}" if h.endswith("_s") else f"{r[h]:,.0f}" if h == "npv_usd"
            else f"{r[h]:.2%}" if h == "gap" else str(r[h]) for h in head) + " |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.phased", description=__doc__)
    p.add_argument("--size", default="small", choices=["small", "medium"])
    p.add_argument("--every", type=int, nargs="+", default=[1, 3])
    p.add_argument("--time-limit", type=float, default=120.0)
    p.add_argument("--price-factor", type=float, default=1.0)
    a = p.parse_args(argv)
    print(markdown(run(a.size, a.every, a.time_limit, a.price_factor)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
