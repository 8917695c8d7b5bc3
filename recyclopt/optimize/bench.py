"""How long each step of ``optimize`` takes on a case: the benchmark the package ships.

``recyclopt bench CASE`` times, each best of ``repeat`` runs (the first, cold run reported
too: it includes one-off work such as the flowsheet solves behind the coefficients, cached
after):

* ``load``: reading and validating the case file;
* ``superstructure``: paths and per-pair coefficients (:func:`~.superstructure.build`);
* ``model build``: the model as a Pyomo model (:func:`~.model.build_model`);
* ``handoff``: compiled to standard-form arrays, scaled and passed to HiGHS;
* ``HiGHS solve``: the solver's run on the model it holds;
* ``plan read``: the plan read back from the solution (:func:`~.plan.read_plan`).

The floor is HiGHS reading the same model from an MPS file written once in the same run
(:func:`~.highs.read_mps`): the cost of getting this model into HiGHS with no modelling
layer at all. ``build + handoff`` over it says what the modelling layer costs on this machine.
The repository's full suite (against a direct-highspy yardstick) stays in ``benchmarks/``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import highs
from .case import load_case
from .compiler import compile_model
from .model import build_model
from .plan import MIP_GAP, read_plan
from .solve import solve
from .superstructure import build

#: The timed phases, in the order they run.
PHASES = ("load", "superstructure", "model build", "handoff", "HiGHS solve", "plan read")


@dataclass
class CaseBench:
    """The timings of one case (seconds): each phase's first (cold) and best run.

    ``size``: rows, columns, binary and integer columns, nonzeros of the compiled model;
    ``floor_s``: best time HiGHS takes to read the model from an MPS file; ``status``: the
    solver's status of the solve timed.
    """

    case: str
    repeat: int
    first_s: dict[str, float] = field(default_factory=dict)
    best_s: dict[str, float] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)
    floor_s: float = float("nan")
    status: str = ""

    @property
    def floor_ratio(self) -> float:
        """Best ``model build + handoff`` over the MPS-read floor."""
        return (self.best_s["model build"] + self.best_s["handoff"]) / self.floor_s

    def table(self) -> str:
        """The timings as a plain-text table with the model size and the floor ratio."""
        s = self.size
        lines = [f"Benchmark of case {self.case!r} (best of {self.repeat}; first run = cold "
                 "caches)",
                 f"  model: {s['rows']:,} rows, {s['columns']:,} columns ({s['binary']:,} "
                 f"binary or integer), {s['nonzeros']:,} nonzeros; solve status {self.status}",
                 "", f"  {'phase':<16}{'first s':>12}{'best s':>12}"]
        for ph in PHASES:
            lines.append(f"  {ph:<16}{self.first_s[ph]:>12.4f}{self.best_s[ph]:>12.4f}")
        total = sum(self.best_s.values())
        lines += [f"  {'total':<16}{sum(self.first_s.values()):>12.4f}{total:>12.4f}", "",
                  f"  floor: HiGHS reads the same model from an MPS file in "
                  f"{self.floor_s:.4f} s (best of {self.repeat})",
                  f"  model build + handoff = {self.floor_ratio:.1f} x the floor"]
        return "\n".join(lines)


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, float]:
    """``fn()`` run ``repeat`` times: (last result, first time, best time) in seconds."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times[0], min(times)


def _handoff(om: Any) -> Any:
    cm = compile_model(om.model)
    cm_s, _, _ = highs.scale_compiled(cm)
    return highs.handoff(cm_s, time_limit=None, mip_gap=MIP_GAP, threads=None, verbose=False)


def bench_case(path: str | Path | None = None, repeat: int = 3) -> CaseBench:
    """Time each phase of optimizing the case at ``path`` (None: the bundled default case),
    best of ``repeat`` runs, and the MPS-read floor (see the module's notes)."""
    if repeat < 1:
        raise ValueError(f"repeat {repeat}; allowed range >= 1")
    res = CaseBench(str(path or "taiwan"), repeat)

    def phase(name: str, fn: Callable[[], Any]) -> Any:
        out, res.first_s[name], res.best_s[name] = _timed(fn, repeat)
        return out

    case = phase("load", lambda: load_case(path))
    res.case = case.name
    sup = phase("superstructure", lambda: build(case))
    om = phase("model build", lambda: build_model(case, sup=sup))
    phase("handoff", lambda: _handoff(om))

    def run() -> Any:  # a fresh handoff each time, outside the timing
        h = _handoff(om)
        t0 = time.perf_counter()
        highs.run(h)
        return time.perf_counter() - t0, highs.status(h)

    runs = [run() for _ in range(repeat)]
    res.first_s["HiGHS solve"] = runs[0][0]
    res.best_s["HiGHS solve"] = min(t for t, _ in runs)
    res.status = runs[-1][1]
    x, info = solve(om)
    phase("plan read", lambda: read_plan(om, x, info, 0.0))
    cm = compile_model(om.model)
    res.size = {"rows": int(cm.A.shape[0]), "columns": int(cm.A.shape[1]),
                "binary": int((cm.integrality > 0).sum()),
                "nonzeros": int(cm.A.nnz)}
    with tempfile.TemporaryDirectory(prefix="recyclopt-bench-") as tmp:
        mps = Path(tmp) / "model.mps"
        highs.write_mps(cm, mps)
        _, _, res.floor_s = _timed(lambda: highs.read_mps(mps), repeat)
    return res
