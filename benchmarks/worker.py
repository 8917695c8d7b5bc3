"""One measurement: a case size and a method, in a process of its own.

Run as ``python -m benchmarks.worker SIZE METHOD [--repeats N] [--time-limit S]``; prints one
JSON object. Each (size, method) runs in a fresh interpreter so that peak memory is the
method's own and no timing inherits another method's garbage.

Methods
-------
``direct``  the yardstick: :mod:`benchmarks.direct` (numpy/scipy arrays straight to highspy)
``pyomo``   recyclopt: ``build_model`` (the Pyomo model), then ``compile_model`` + ``highs.handoff``
``arrays``  recyclopt as ``optimize`` and the sweeps run it: ``build_model(pyomo=False)`` (the
            builder's arrays, no Pyomo model), then ``compile_builder`` + ``highs.handoff``

Phases (seconds, the least over the repeats: the machine is shared, and the least time is the
one least disturbed by other processes; ``runs`` keeps every repeat's figures for the spread)
---------------------------------------------
``tables``   ``superstructure.build(case)``: the coefficient tables both methods start from
``build``    tables -> model (arrays for ``direct``, the Pyomo model for ``pyomo``, the
             builder's triplets for ``arrays``)
``handoff``  model -> a ``highspy.Highs`` holding it (for ``pyomo`` and ``arrays``: compile +
             pass)
``gc``       a full ``gc.collect()`` right after the handoff, less one just before the build:
             the collector work the model's objects leave behind (hundreds of thousands of
             Python objects for a large Pyomo model), paid here
``scale``    ``pyomo`` and ``arrays``: ``scale_compiled`` on the compiled model, which
             :func:`recyclopt.optimize.solve.solve` adds to the handoff by default
             (``scaling=True``); not part of ``handoff``, so that every method hands HiGHS the
             same arrays
``solve``    ``Highs.run()`` (once for medium and large; every repeat for small)

Memory (MiB, each measured from :func:`benchmarks.rss.settle`: garbage collected and free heap
pages given back, so what the case generation and the warm-up left behind counts for neither
method)
---------------------------------------------------------------------------------------------
``build_peak_mib``  growth of the resident high-water mark from just before the build to just
                    after the handoff (the kernel's mark is reset there): what build + handoff
                    needs at its peak, transient arrays included (the most over the repeats)
``model_mib``       resident memory held with the model and HiGHS's copy alive, above the
                    process before the first build
``peak_mib``        the whole process's peak (case generation included)

``input_digest`` is a SHA-256 of every array (and the sense and offset) handed to
``Highs.passModel``: equal digests mean the methods gave HiGHS the same model, bit for bit.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from typing import Any

import numpy as np

from benchmarks import rss

#: the measured methods (module docstring): the yardstick first
METHODS = ("direct", "pyomo", "arrays")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def input_digest(A: Any, c: np.ndarray, col_lo: np.ndarray, col_hi: np.ndarray,
                 row_lo: np.ndarray, row_hi: np.ndarray, integrality: np.ndarray, sense: str,
                 offset: float) -> str:
    """SHA-256 of a model as ``Highs.passModel`` receives it (column-wise, int32 indices)."""
    import hashlib

    import scipy.sparse as sp

    A = sp.csc_array(A)
    h = hashlib.sha256(f"{A.shape}|{sense}|{float(offset)!r}".encode())
    for a, t in ((A.indptr, np.int32), (A.indices, np.int32), (A.data, float), (c, float),
                 (col_lo, float), (col_hi, float), (row_lo, float), (row_hi, float),
                 (integrality, np.int32)):
        h.update(np.ascontiguousarray(a, dtype=t).tobytes())
    return h.hexdigest()


def pipeline(method: str, case: Any, sup: Any, time_limit: float | None) -> tuple:
    """Build, hand off and collect once; returns (times, highs, size, digest).

    The ``gc`` figure is the time of a full collection after the handoff minus that of one
    just before the build: the collector work the new model's objects cause, without the
    scan of the rest of the process's heap (imports, the case) that any full collection pays.
    """
    rss.settle()  # frees what the previous repeat left; the next pass only scans the heap
    g0 = time.perf_counter()
    gc.collect()
    g_base = time.perf_counter() - g0
    start = rss.rss_mib()
    reset = rss.reset_peak()
    t0 = time.perf_counter()
    if method == "direct":
        from benchmarks.direct import build_direct, to_highs

        dm = build_direct(case, sup)
        t1 = time.perf_counter()
        h = to_highs(dm, time_limit=time_limit)
        t2 = time.perf_counter()
        model = (dm.A, dm.c, dm.col_lo, dm.col_hi, dm.row_lo, dm.row_hi, dm.integrality,
                 dm.sense, 0.0)
    elif method == "pyomo":
        from recyclopt.optimize.compiler import compile_model
        from recyclopt.optimize.highs import handoff
        from recyclopt.optimize.model import build_model

        om = build_model(case, sup=sup)
        t1 = time.perf_counter()
        cm = compile_model(om.model)
        h = handoff(cm, time_limit=time_limit, mip_gap=1e-6, threads=None, verbose=False)
        t2 = time.perf_counter()
        model = (cm.A, cm.c, cm.col_lo, cm.col_hi, cm.row_lo, cm.row_hi, cm.integrality,
                 cm.sense, cm.offset)
    elif method == "arrays":
        from recyclopt.optimize.highs import handoff
        from recyclopt.optimize.model import build_model
        from recyclopt.optimize.standard_form import compile_builder

        om = build_model(case, sup=sup, pyomo=False)
        t1 = time.perf_counter()
        cm = compile_builder(om)
        h = handoff(cm, time_limit=time_limit, mip_gap=1e-6, threads=None, verbose=False)
        t2 = time.perf_counter()
        model = (cm.A, cm.c, cm.col_lo, cm.col_hi, cm.row_lo, cm.row_hi, cm.integrality,
                 cm.sense, cm.offset)
    else:
        raise ValueError(f"unknown method {method!r}")
    gc.collect()
    t3 = time.perf_counter()
    peak = rss.peak_mib() - start if reset else float("nan")
    rss.settle()
    held = rss.rss_mib()  # the model (and HiGHS's copy) still alive
    times = {"build": t1 - t0, "handoff": t2 - t1, "gc": max(t3 - t2 - g_base, 0.0),
             "scale": 0.0, "rss": held, "build_peak": peak}
    if method != "direct":  # what solve() adds by default, timed apart from the handoff
        from recyclopt.optimize.highs import scale_compiled

        t4 = time.perf_counter()
        scale_compiled(cm)
        times["scale"] = time.perf_counter() - t4
    A, lo, hi, ints = model[0], model[2], model[3], model[6].astype(bool)
    size = {"vars": int(A.shape[1]), "binaries": int((ints & (lo >= 0) & (hi <= 1)).sum()),
            "integers": int(ints.sum()), "rows": int(A.shape[0]), "nonzeros": int(A.nnz)}
    return times, h, size, input_digest(*model)


def _run(h: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    h.run()
    dt = time.perf_counter() - t0
    info = h.getInfo()
    return {"solve": dt, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": float(info.objective_function_value),
            "mip_gap": float(info.mip_gap), "nodes": int(info.mip_node_count)}


def measure(size: str, method: str, *, repeats: int | None = None,
            time_limit: float | None = None) -> dict[str, Any]:
    """Measure one (size, method) in this process.

    Parameters
    ----------
    size : str
        A key of :data:`benchmarks.cases.REGISTRY`.
    method : str
        One of :data:`METHODS`.
    repeats : int, optional
        Build/handoff repeats (default: 20 small, 3 medium, 1 large).
    time_limit : float, optional
        Solver time limit (default: the case's).

    Returns
    -------
    dict
        Phase times (least over the repeats; every repeat under ``runs``), model size,
        objective, gap, memory, and the digest of what HiGHS was given.
    """
    from benchmarks.cases import REGISTRY
    from recyclopt.optimize.superstructure import build

    bc = REGISTRY[size]
    repeats = repeats or {"small": 20, "medium": 3}.get(size, 1)
    time_limit = time_limit if time_limit is not None else bc.time_limit
    t0 = time.perf_counter()
    case = bc.make()
    t_case = time.perf_counter() - t0
    t0 = time.perf_counter()
    sup = build(case)
    t_tables = time.perf_counter() - t0
    if size != "large":  # warm-up: imports, first-call set-up of Pyomo and HiGHS
        pipeline(method, case, sup, time_limit)
    else:
        from recyclopt.optimize import load_case

        small = load_case()
        pipeline(method, small, build(small), None)
    rss.settle()
    base = rss.rss_mib()
    runs, solves, digests = [], [], set()
    h = size_info = None
    for _ in range(repeats):
        h = None  # the previous model is freed before the next is built
        times, h, size_info, digest = pipeline(method, case, sup, time_limit)
        runs.append(times)
        digests.add(digest)
        if size == "small":
            solves.append(_run(h))
    if not solves:
        solves.append(_run(h))
    out: dict[str, Any] = {"size": size, "method": method, "repeats": repeats,
                           "case_s": t_case, "tables": t_tables}
    for k in ("build", "handoff", "gc", "scale"):
        out[k] = min(r[k] for r in runs)
    out["solve"] = min(s["solve"] for s in solves)
    out["runs"] = {k: [r[k] for r in runs] for k in ("build", "handoff", "gc", "scale")}
    out["runs"]["solve"] = [s["solve"] for s in solves]
    out["input_digest"] = digests.pop() if len(digests) == 1 else "differs between repeats"
    out.update({k: solves[-1][k] for k in ("status", "objective", "mip_gap", "nodes")})
    out.update(size_info)
    out["peak_mib"] = _peak_mib()
    out["model_mib"] = max(max(r["rss"] for r in runs) - base, 0.0)
    out["build_peak_mib"] = max(r["build_peak"] for r in runs)
    out["time_limit"] = time_limit
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line of the worker; prints the measurement as JSON."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    p.add_argument("size")
    p.add_argument("method", choices=METHODS)
    p.add_argument("--repeats", type=int)
    p.add_argument("--time-limit", type=float)
    a = p.parse_args(argv)
    res = measure(a.size, a.method, repeats=a.repeats, time_limit=a.time_limit)
    json.dump(res, sys.stdout, default=lambda o: float(o) if isinstance(o, np.floating) else str(o))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
