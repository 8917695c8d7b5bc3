"""Peak memory of generating N sampled scenarios' values (no solve): held as a list or streamed.

Usage: ``python benchmarks/sample_memory.py N list|stream`` (results: benchmarks/RESULTS.md).
``list`` is :meth:`ScenarioFile.expand` (the sweep's path before streaming), ``stream`` is
:meth:`ScenarioFile.iter_scenarios` (its path now).
"""

import resource
import sys
import time
import tracemalloc

from recyclopt.optimize import load_case
from recyclopt.scenarios.definition import scenarios_from_dict

PARAMETERS = {  # the bundled taiwan_scenarios.yaml price_uncertainty set
    "products.NdPr_oxide.price_usd_per_kg.Nd": {"dist": "triangular", "low": 58.3,
                                                "mode": 59.5, "high": 128.4},
    "products.Dy_oxide.price_usd_per_kg.Dy": {"dist": "uniform", "low": 257.2, "high": 1147.7},
    "products.Tb_oxide.price_usd_per_kg.Tb": {"dist": "uniform", "low": 1093.9, "high": 4704.8}}


def main(n: int, mode: str) -> None:
    case = load_case()
    sf = scenarios_from_dict({"sets": {"big": {"sample": {"method": "lhs", "n": n, "seed": 1},
                                               "parameters": PARAMETERS}}}, allow_large=True)
    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t = time.perf_counter()
    k = len(sf.expand(case)) if mode == "list" else sum(1 for _ in sf.iter_scenarios(case))
    peak = tracemalloc.get_traced_memory()[1]
    r1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{mode} n={k}: tracemalloc peak {peak / 2**20:.0f} MiB, maxrss {r0 / 1024:.0f}->"
          f"{r1 / 1024:.0f} MiB, {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
