"""Where the memory of build + handoff goes, stage by stage, for one case size and method.

Usage: ``python -m benchmarks.build_memory SIZE [direct|pyomo|arrays] [--trace]`` (results:
``benchmarks/RESULTS.md``, "Memory of build + handoff"). Runs in its own process after the
same warm-up as :mod:`benchmarks.worker` (the default case, once); the case and its
coefficient tables are made before the first stage and count for no stage.

For each stage: the growth of the resident high-water mark over the stage (``peak``), the
resident memory held after it (``held``, after :func:`benchmarks.rss.settle`), both above
the process before the first stage, and the stage's time. Memory is given back between
stages, which the real pipeline does not do, so the last stage's peak can differ from the
whole pipeline's (:mod:`benchmarks.worker`'s ``build_peak_mib``). The ``pyomo`` stages are those of
:func:`recyclopt.optimize.model.build_model` called one at a time: ``arrays`` (the constraint
families' triplets and the objective, ``build_model(pyomo=False)``), ``assemble`` (the
groups' CSR arrays), ``components`` (the Pyomo model), then ``compile`` and ``handoff``. The
``arrays`` stages are those :func:`recyclopt.optimize.solve.solve` runs on the model
``optimize`` builds: ``arrays``, ``assemble``, ``compile``
(:func:`recyclopt.optimize.standard_form.compile_builder`), ``scale``
(:func:`recyclopt.optimize.highs.scale_compiled`, on by default) and the ``handoff`` of the
scaled model, whose arrays are then released (HiGHS holds its own copy through the solve).
With ``--trace`` the Python allocations are also traced (``tracemalloc``: current and peak
per stage, and the lines holding the most at the end); tracing slows the stages down.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks import rss
from benchmarks.worker import METHODS


def _stages(method: str, case: Any, sup: Any) -> list[tuple[str, Callable[[dict], Any]]]:
    """The stages as (name, step); each step reads and writes a shared dict."""
    if method == "direct":
        from benchmarks.direct import build_direct, to_highs

        return [("build", lambda s: s.update(dm=build_direct(case, sup))),
                ("handoff", lambda s: s.update(h=to_highs(s["dm"])))]
    from recyclopt.optimize.compiler import compile_model
    from recyclopt.optimize.highs import handoff, scale_compiled
    from recyclopt.optimize.model import build_model, pyomo_from_builder
    from recyclopt.optimize.standard_form import compile_builder

    def to_highs(s: dict) -> None:
        s["h"] = handoff(s["cm"], time_limit=None, mip_gap=1e-6, threads=None, verbose=False)

    if method == "arrays":  # in the order of solve(): the scaled model is handed over
        return [("arrays", lambda s: s.update(om=build_model(case, sup=sup, pyomo=False))),
                ("assemble", lambda s: s["om"].builder.assemble()),
                ("compile", lambda s: s.update(cm=compile_builder(s["om"]))),
                ("scale", lambda s: s.update(cm_s=scale_compiled(s["cm"])[0])),
                ("handoff", lambda s: s.update(h=handoff(s.pop("cm_s"), time_limit=None,
                                                        mip_gap=1e-6, threads=None,
                                                        verbose=False)))]

    def components(s: dict) -> None:
        om = s["om"]
        om.model, om.columns = pyomo_from_builder(om.builder, om.c, om.sense)

    return [("arrays", lambda s: s.update(om=build_model(case, sup=sup, pyomo=False))),
            ("assemble", lambda s: s["om"].builder.assemble()),
            ("components", components),
            ("compile", lambda s: s.update(cm=compile_model(s["om"].model))),
            ("handoff", to_highs)]


def measure(size: str, method: str, trace: bool = False) -> list[dict[str, Any]]:
    """Run the stages of one (size, method) in this process; one dict per stage."""
    from benchmarks.cases import REGISTRY
    from recyclopt.optimize import load_case
    from recyclopt.optimize.superstructure import build

    case = REGISTRY[size].make()
    sup = build(case)
    small = load_case()
    warm: dict = {}
    for _, step in _stages(method, small, build(small)):  # imports, first-call set-up
        step(warm)
    del warm
    rss.settle()
    base = rss.rss_mib()
    if trace:
        tracemalloc.start()
    state: dict = {}
    out = []
    for name, step in _stages(method, case, sup):
        rss.settle()
        rss.reset_peak()
        if trace:
            tracemalloc.reset_peak()
        t0 = time.perf_counter()
        step(state)
        dt = time.perf_counter() - t0
        row = {"stage": name, "seconds": dt, "peak": rss.peak_mib() - base}
        if trace:
            row["traced"], row["traced_peak"] = (v / 2**20 for v in
                                                 tracemalloc.get_traced_memory())
        rss.settle()
        row["held"] = rss.rss_mib() - base
        out.append(row)
    if trace:
        snap = tracemalloc.take_snapshot()
        out.append({"stage": "top", "lines": [(st.size / 2**20, st.count, str(st.traceback[0]))
                                              for st in snap.statistics("lineno")[:15]]})
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the stages of one (size, method) as a Markdown table."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.build_memory")
    p.add_argument("size")
    p.add_argument("method", nargs="?", default="pyomo", choices=METHODS)
    p.add_argument("--trace", action="store_true", help="also trace Python allocations")
    a = p.parse_args(argv)
    rows = measure(a.size, a.method, a.trace)
    head = "| stage | time | peak MiB | held MiB |" + (" traced MiB | traced peak MiB |"
                                                     if a.trace else "")
    print(f"{a.size} / {a.method} (MiB above the process before the first stage)\n")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for r in rows:
        if r["stage"] == "top":
            continue
        line = f"| {r['stage']} | {r['seconds'] * 1000:.0f} ms | {r['peak']:.1f} | {r['held']:.1f} |"
        if a.trace:
            line += f" {r['traced']:.1f} | {r['traced_peak']:.1f} |"
        print(line)
    for r in rows:
        if r["stage"] == "top":
            print("\nPython allocations held at the end (tracemalloc, by line):\n")
            for mib, count, where in r["lines"]:
                print(f"  {mib:6.1f} MiB {count:8d} blocks  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
