"""Solve a built plant model: compile it, hand it to HiGHS, read the plan back.

The steps live in their own modules: :mod:`~recyclopt.optimize.compiler` (Pyomo model to
standard-form arrays), :mod:`~recyclopt.optimize.highs` (the HiGHS boundary: handoff,
scaling, status, infeasibility diagnosis) and :mod:`~recyclopt.optimize.heuristic` (a first
plan for large models). Pyomo's own HiGHS interface (``appsi_highs``) is available as
``method="appsi"`` for cross-checks. A non-optimal status raises :class:`SolverError` saying
what to change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .. import progress
from ..errors import InputError, SolverError
from . import heuristic as start_heuristic
from . import highs
from .model import OptModel, feed_to_build_rows
from .standard_form import Compiled, bound_ahead, compile_builder


@dataclass
class SolveInfo:
    status: str
    objective: float
    proven_optimal: bool
    mip_gap: float
    time_s: float
    handoff_s: float
    n_vars: int
    n_binary: int
    n_integer: int
    n_rows: int
    n_nonzeros: int
    diagnosis: list[str] = field(default_factory=list)
    #: what the start heuristic did (:meth:`recyclopt.optimize.heuristic.HeuristicResult.summary`),
    #: empty when none ran
    heuristic: dict = field(default_factory=dict)


def solve(om: OptModel, *, time_limit: float | None = None, mip_gap: float | None = 1e-6,
          threads: int | None = None, verbose: bool = False, method: str = "highspy",
          raise_on_failure: bool = True, scaling: bool = True,
          heuristic: str = "auto", start: np.ndarray | None = None
          ) -> tuple[np.ndarray, SolveInfo]:
    """Solve a built model; returns the column values (builder order) and solver info.

    Parameters
    ----------
    time_limit : seconds; at the limit the incumbent is returned with its gap and
        ``proven_optimal=False``.
    mip_gap : relative MIP gap at which HiGHS stops (default 1e-6).
    method : ``highspy`` (standard-form arrays straight to HiGHS) or ``appsi`` (Pyomo's
        persistent HiGHS interface).
    scaling : hand HiGHS the model scaled by powers of two
        (:func:`~recyclopt.optimize.highs.scale_compiled`); the values and objective returned
        are in the case's units either way.
    heuristic : a first plan for HiGHS (:mod:`recyclopt.optimize.heuristic`): ``lp_guided``
        spends :data:`~recyclopt.optimize.heuristic.SHARE` of ``time_limit`` on the LP-guided
        restricted MILP and hands its plan to the full solve; ``auto`` does so on models of
        at least :data:`~recyclopt.optimize.heuristic.AUTO_MIN_COLUMNS` columns when a time
        limit is given; ``none`` never. It needs a time limit and ``method="highspy"``; the
        optimum is the same. The solve time reported includes the heuristic's.
    start : a known feasible plan (column values in builder order) handed to HiGHS as its
        first incumbent (``method="highspy"``; ignored by HiGHS if infeasible, and when the
        heuristic's plan is given).
    """
    if heuristic not in start_heuristic.HEURISTICS:
        allowed = ", ".join(start_heuristic.HEURISTICS)
        raise InputError(f"heuristic {heuristic!r}; allowed: {allowed}",
                         field="heuristic")
    if heuristic == "lp_guided" and time_limit is None:
        raise InputError("heuristic 'lp_guided' needs a time limit (it takes a share of it)",
                         field="heuristic")
    t0 = time.perf_counter()
    if method == "appsi":
        return _solve_appsi(om, time_limit, mip_gap, raise_on_failure)
    cm = standard_form_of(om)
    if scaling:
        cm_s, col_scale, obj_scale = highs.scale_compiled(cm)
    else:
        cm_s, col_scale, obj_scale = cm, np.ones(cm.n_columns), 1.0
    h = highs.handoff(cm_s, time_limit=time_limit, mip_gap=mip_gap, threads=threads,
                      verbose=verbose)
    t1 = time.perf_counter()
    heur, idx = _first_plan(om, cm, cm_s, h, col_scale, scaling, time_limit, threads,
                            heuristic, start, t1)
    del cm_s  # HiGHS holds its own copy: the scaled arrays are not kept through the solve
    try:
        with _spinner(time_limit, cm.n_columns):
            run_ok = highs.run(h)
    except Exception as exc:  # a crash inside the solver library is a solver fault
        raise SolverError(f"HiGHS failed while solving ({type(exc).__name__}: {exc}); rerun "
                          "with --debug and report the case file") from exc
    status = highs.status(h)
    has_sol = highs.has_solution(h)
    info = _solve_info(h, cm, _n_binary(om, cm), obj_scale, has_sol, time.perf_counter() - t1,
                       t1 - t0)
    if heur is not None:
        _with_heuristic_bound(info, heur, cm.sense, obj_scale, has_sol)
    if status == highs.OPTIMAL or (
            has_sol and (status in highs.LIMITS or status == highs.INTERRUPT)):
        values = _to_builder_order(om, cm, np.asarray(h.getSolution().col_value) * col_scale,
                                   idx)
        return values, info
    if not raise_on_failure:
        return np.full(om.builder.n, np.nan), info
    _raise_failure(_with_rows(om, cm), info, status, run_ok, time_limit,
                   {g.name: g.labels for g in om.builder.groups})



def _first_plan(om: OptModel, cm: Compiled, cm_s: Compiled, h, col_scale: np.ndarray,
                scaling: bool, time_limit: float | None, threads: int | None, heuristic: str,
                start: np.ndarray | None, t1: float):
    """Hand HiGHS a first incumbent: the start heuristic's plan when it runs (see
    :func:`solve`), else ``start``. Returns the heuristic's result (None when it did not
    run) and the compiled column of each builder column (None when not needed)."""
    run_heur = time_limit is not None and "build" in om.builder.blocks and (
        heuristic == "lp_guided" or (heuristic == "auto"
                                     and cm.n_columns >= start_heuristic.AUTO_MIN_COLUMNS))
    heur = idx = None
    if run_heur:
        idx = _index(om, cm)
        heur = _start(om, cm_s, idx, col_scale if scaling else None, time_limit, threads)
        if heur.x is not None:
            highs.set_start(h, heur.x)
        h.setOptionValue("time_limit", max(time_limit - (time.perf_counter() - t1), 1.0))
    if start is not None and (heur is None or heur.x is None):
        idx = idx if idx is not None else _index(om, cm)
        ok = idx >= 0
        sv = np.zeros(cm.n_columns)
        sv[idx[ok]] = np.asarray(start, dtype=float)[ok] / col_scale[idx[ok]]
        highs.set_start(h, sv)
    return heur, idx


def _with_heuristic_bound(info: SolveInfo, heur, sense: str, obj_scale: float,
                          has_sol: bool) -> None:
    """Record the heuristic's stages and tighten the reported gap with its LP bound: HiGHS's
    own dual bound may still be the trivial one when the time limit strikes before its root
    LP ends, and the heuristic's LP bound is valid for the same model."""
    info.heuristic = heur.summary(obj_scale)  # in the case's units
    bound = info.heuristic["lp_bound"]
    if has_sol and np.isfinite(bound) and info.objective != 0:
        ahead = bound_ahead(sense, bound, info.objective)
        info.mip_gap = min(info.mip_gap, max(ahead, 0.0) / abs(info.objective))

#: A solve gets a spinner with its elapsed time (:mod:`recyclopt.progress`) when it has a time
#: limit or at least this many columns (a solve likely to take more than a few seconds).
SPINNER_MIN_COLUMNS = 20_000


def _spinner(time_limit: float | None, n_columns: int):  # noqa: ANN202 - a context manager
    """A progress task of unknown length around a long solve, else a no-op context."""
    import contextlib

    if time_limit is None and n_columns < SPINNER_MIN_COLUMNS:
        return contextlib.nullcontext()
    return progress.task(f"HiGHS solve ({n_columns:,} columns)", None, "")


def _solve_info(h, cm: Compiled, n_bin: int, obj_scale: float, has_sol: bool, time_s: float,
                handoff_s: float) -> SolveInfo:
    """What HiGHS reports after a run, objective in the case's units."""
    info_h = h.getInfo()
    n_int = int(cm.integrality.sum())
    gap = float(getattr(info_h, "mip_gap", 0.0)) if n_int else 0.0
    if not np.isfinite(gap):
        gap = float("inf")
    return SolveInfo(h.modelStatusToString(h.getModelStatus()),
                     float(info_h.objective_function_value) / obj_scale if has_sol
                     else float("nan"),
                     highs.status(h) == highs.OPTIMAL, gap, time_s, handoff_s, cm.n_columns,
                     n_bin, n_int - n_bin, cm.A.shape[0], int(cm.A.nnz))


def _start(om: OptModel, cm_s: Compiled, idx: np.ndarray, col_scale: np.ndarray | None,
           time_limit: float, threads: int | None) -> start_heuristic.HeuristicResult:
    """The start heuristic's plan for the (scaled) compiled model ``cm_s``."""
    b = om.builder.blocks["build"]
    build = idx[b.offset:b.offset + b.size]
    lp_model = _cut_lp(om, cm_s, idx, col_scale)
    return start_heuristic.lp_guided_plan(cm_s, build[build >= 0],
                                          time_limit=start_heuristic.SHARE * time_limit,
                                          threads=threads, lp_model=lp_model)


def _raise_failure(cm: Compiled, info: SolveInfo, status: str, run_ok: bool,
                   time_limit: float | None, labels: dict[str, list]) -> None:
    """Raise the :class:`SolverError` that says what to change for a run without a plan
    (``labels``: group name -> row labels, for the infeasibility diagnosis)."""
    if status in (highs.INFEASIBLE, highs.UNBOUNDED_OR_INFEASIBLE):
        info.diagnosis = highs.diagnose_infeasible(cm, labels)
        groups = "; ".join(info.diagnosis) or "no single group (check variable bounds)"
        raise SolverError(f"the plant model is infeasible: constraint groups in conflict: "
                          f"{groups}. Relax those limits (policy minima, markets, CO2 caps, feed "
                          "obligations) or "
                          "add feedstock")
    if status == highs.UNBOUNDED:
        raise SolverError("the plant model is unbounded: some option has no capacity limit while "
                          "earning money per unit (give it a max_capacity or a capex curve)")
    if status == highs.TIME_LIMIT:
        raise SolverError(f"HiGHS reached the time limit ({time_limit} s) without a feasible "
                          "plan: raise --time-limit or simplify the case")
    returned = "" if run_ok else ", run returned an error"
    raise SolverError(f"HiGHS did not solve the model (status {info.status!r}{returned}): no "
                      "plan was produced. Check the case for extreme numbers (costs, capacities "
                      "or yields many orders of magnitude apart, or unit mix-ups), give a "
                      "--time-limit, and rerun with --debug to see the solver log")


def _cut_lp(om: OptModel, cm: Compiled, idx: np.ndarray, col_scale: np.ndarray | None
            ) -> Compiled | None:
    """``cm`` with the horizon ``feed_to_build`` rows added, for the start heuristic's LP;
    None when the model already has such rows or no option has a fixed cost.

    The rows are valid inequalities, so the LP stays a relaxation of the model with a tighter
    bound, whose build values are nearer 0 or 1 (figures: ``benchmarks/RESULTS.md``).
    """
    if any(g.name == "feed_to_build" for g in om.builder.groups):
        return None
    cuts = feed_to_build_rows(om)
    if cuts is None:
        return None
    return start_heuristic.with_rows(cm, cuts.A, cuts.lo, cuts.hi, idx, col_scale)


def _to_builder_order(om: OptModel, cm: Compiled, x: np.ndarray,
                      idx: np.ndarray | None = None) -> np.ndarray:
    """Solution values in builder column order (loaded into the Pyomo variables too);
    integer columns rounded. A column the compiler left out sits at its lower bound (or 0).
    ``idx``: :func:`~recyclopt.optimize.compiler.compiled_index` when already at hand."""
    idx = _index(om, cm) if idx is None else idx
    x = np.asarray(x, dtype=float)
    out = x[np.maximum(idx, 0)] if len(x) else np.zeros(len(idx))
    ints = cm.integrality[np.maximum(idx, 0)].astype(bool) if len(x) else np.zeros(len(idx),
                                                                                    bool)
    for j in np.flatnonzero(idx < 0).tolist():
        v = om.columns[j]
        out[j] = v.lb if v.lb is not None else 0.0
        ints[j] = v.is_integer()
    out[ints] = np.round(out[ints])
    if om.model is not None:
        for v, val in zip(om.columns, out.tolist(), strict=True):
            v.set_value(val, skip_validation=True)
    return out


def standard_form_of(om: OptModel) -> Compiled:
    """The standard form of ``om``: from its Pyomo model, or from its builder when it was
    built without one (``pyomo=False``; the same arrays, Pyomo never imported)."""
    if om.model is None:
        return compile_builder(om)
    from .compiler import compile_model

    return compile_model(om.model)


def _index(om: OptModel, cm: Compiled) -> np.ndarray:
    """The compiled column of each builder column (-1 for a column the compiler left out)."""
    if om.model is None:  # compiled from the builder: its columns, in order
        return np.arange(om.builder.n)
    from .compiler import compiled_index

    return compiled_index(om, cm)


def _n_binary(om: OptModel, cm: Compiled) -> int:
    """Number of binary columns."""
    if om.model is None:
        return sum(b.size for b in om.builder.blocks.values() if b.kind == "B")
    from .compiler import count_binary

    return count_binary(cm.columns)


def _with_rows(om: OptModel, cm: Compiled) -> Compiled:
    """``cm`` with its rows named (for the infeasibility diagnosis): compiled from the Pyomo
    model, made from the builder when ``om`` has none."""
    if om.model is not None:
        return cm
    from .compiler import compile_model
    from .model import pyomo_from_builder

    return compile_model(pyomo_from_builder(om.builder, om.c, om.sense)[0])


def _solve_appsi(om: OptModel, time_limit, mip_gap, raise_on_failure):
    from pyomo.contrib.appsi.base import TerminationCondition
    from pyomo.contrib.appsi.solvers import Highs

    t0 = time.perf_counter()
    highs.use_default_threads()  # appsi runs HiGHS with its default threads
    s = Highs()
    if time_limit is not None:
        s.config.time_limit = time_limit
    if mip_gap is not None:
        s.config.mip_gap = mip_gap
    s.config.load_solution = False
    res = s.solve(om.model)
    ok = res.termination_condition == TerminationCondition.optimal
    if not ok and raise_on_failure:
        raise SolverError(f"HiGHS (appsi) returned {res.termination_condition}")
    res.solution_loader.load_vars()
    x = np.array([v.value if v.value is not None else 0.0 for v in om.columns])
    info = SolveInfo(str(res.termination_condition), float(res.best_feasible_objective), ok,
                     0.0, time.perf_counter() - t0, 0.0, len(om.columns), 0, 0, 0, 0)
    return x, info
