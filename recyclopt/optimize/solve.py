"""Solve a built plant model: compile it, hand it to HiGHS, read the plan back.

The steps live in their own modules: :mod:`~recyclopt.optimize.compiler` (Pyomo model to
standard-form arrays), :mod:`~recyclopt.optimize.highs` (the HiGHS boundary: handoff,
scaling, status, infeasibility diagnosis) and :mod:`~recyclopt.optimize.heuristic` (a first
plan for models HiGHS alone does not settle quickly). Pyomo's own HiGHS interface
(``appsi_highs``) is available as ``method="appsi"`` for cross-checks. A non-optimal status raises :class:`SolverError` saying
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
from .segment_flows import SegmentFlows, segment_flow_rows
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
    #: what the solve measured and chose (the probe's outcome, the rows of the heuristic's LP
    #: and of the full solve), one line; empty when it chose nothing
    choice: str = ""


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
        spends up to :data:`~recyclopt.optimize.heuristic.SHARE` of ``time_limit`` on the
        LP-guided restricted MILPs and hands their plan to the full solve; ``auto`` first
        lets HiGHS alone try the model for
        :data:`~recyclopt.optimize.heuristic.PROBE_SHARE` of the limit and runs the heuristic
        only when that probe does not settle it (a measurement on the model itself, not a
        size threshold); ``none`` never. The heuristic also measures whether the yearly
        ``feed_to_build`` rows are affordable on a model built without them (:func:`_start`)
        and then gives them to the full solve. It needs a time limit and
        ``method="highspy"``; the optimum is the same. The solve time reported includes the
        probe's and the heuristic's (``SolveInfo.choice`` says what was chosen).
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
    scaled, cm_s = [cm_s], None  # _run releases the scaled arrays once HiGHS holds them
    heur, idx, run_ok, h, choice = _run(om, cm, scaled, h, col_scale if scaling else None,
                                        time_limit, (mip_gap, threads, verbose), heuristic,
                                        start, t1)
    status = highs.status(h)
    has_sol = highs.has_solution(h)
    info = _solve_info(h, cm, _n_binary(om, cm), obj_scale, has_sol, time.perf_counter() - t1,
                       t1 - t0)
    info.choice = "; ".join(f"{k}: {v}" for k, v in choice.items())
    if heur is not None:
        _with_heuristic_bound(info, heur, cm.sense, obj_scale, has_sol)
    if status == highs.OPTIMAL or (
            has_sol and (status in highs.LIMITS or status == highs.INTERRUPT)):
        values = _to_builder_order(om, cm, np.asarray(h.getSolution().col_value) * col_scale,
                                   idx)
        return values, info
    if not raise_on_failure:
        return np.full(om.builder.n, np.nan), info
    _raise_failure(_named_rows(om, cm), info, status, run_ok, time_limit,
                   {g.name: g.labels for g in om.builder.groups})


def _run(om: OptModel, cm: Compiled, scaled: list[Compiled], h, col_scale: np.ndarray | None,
         time_limit: float | None, settings: tuple, heuristic: str, start: np.ndarray | None,
         t1: float):
    """Run HiGHS (``h`` holds ``scaled``'s one model, taken out of the list so that it is
    released before the final run), with the probe and the start heuristic first when
    they run (see :func:`solve`; ``settings``: mip_gap, threads, verbose). Returns the
    heuristic's result (None when it did not run), the compiled column of each builder
    column (None when not needed), whether HiGHS's run returned without error, the HiGHS
    object holding the final run and the choice made."""
    heur = idx = None
    choice: dict = {}
    cm_s = scaled.pop()
    run_heur = time_limit is not None and "build" in om.builder.blocks and heuristic != "none"
    if run_heur and heuristic == "auto":
        probe = start_heuristic.PROBE_SHARE * time_limit
        h.setOptionValue("time_limit", probe)
        _set_start(h, om, cm, col_scale, start)
        run_ok = _run_highs(h, time_limit, cm.n_columns)
        choice["probe"] = f"HiGHS alone {probe:.3g} s: {h.modelStatusToString(h.getModelStatus())}"
        if (highs.status(h) not in highs.LIMITS  # settled (or failed) within the probe
                or time.perf_counter() - t1 >= time_limit):  # or no time is left
            return None, None, run_ok, h, choice
        if start is None and highs.has_solution(h):
            start = np.asarray(h.getSolution().col_value) * (1.0 if col_scale is None
                                                             else col_scale)
            start = _to_builder_order(om, cm, start, load=False)
    if run_heur:
        h.clear()  # the probe's memory is not held through the heuristic (solve refers to h)
        mip_gap, threads, verbose = settings
        idx = _index(om, cm)
        heur, full, choice["rows"] = _start(om, cm_s, idx, col_scale, time_limit, threads, t1)
        h = highs.handoff(full, time_limit=time_limit, mip_gap=mip_gap, threads=threads,
                          verbose=verbose)
        del full
        h.setOptionValue("time_limit", max(time_limit - (time.perf_counter() - t1), 1.0))
    del cm_s  # HiGHS holds its own copy: the scaled arrays are not kept through the solve
    if heur is not None and heur.x is not None:
        highs.set_start(h, heur.x)
    else:
        _set_start(h, om, cm, col_scale, start, idx)
    return heur, idx, _run_highs(h, time_limit, cm.n_columns), h, choice


def _run_highs(h, time_limit: float | None, n_columns: int) -> bool:
    """One HiGHS run, with a spinner on long ones; a crash inside the library is a solver
    fault."""
    try:
        with _spinner(time_limit, n_columns):
            return highs.run(h)
    except Exception as exc:
        raise SolverError(f"HiGHS failed while solving ({type(exc).__name__}: {exc}); rerun "
                          "with --debug and report the case file") from exc


def _set_start(h, om: OptModel, cm: Compiled, col_scale: np.ndarray | None,
               start: np.ndarray | None, idx: np.ndarray | None = None) -> None:
    """Hand HiGHS the plan ``start`` (builder order, case units) as its first incumbent."""
    if start is None:
        return
    idx = idx if idx is not None else _index(om, cm)
    ok = idx >= 0
    sv = np.zeros(cm.n_columns)
    scale = col_scale[idx[ok]] if col_scale is not None else 1.0
    sv[idx[ok]] = np.asarray(start, dtype=float)[ok] / scale
    highs.set_start(h, sv)


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
           time_limit: float, threads: int | None, t1: float):
    """The start heuristic's plan for the (scaled) compiled model ``cm_s``, the model the full
    solve gets (``cm_s``, or it with the yearly ``feed_to_build`` rows) and which rows the LP
    had.

    A model built with the rows uses its own LP. One built without them gets the horizon rows
    in its LP; when that LP took at most
    :data:`~recyclopt.optimize.heuristic.YEARLY_TRY_SHARE` of the limit, the yearly rows are
    tried in the LP, and when it finishes within
    :data:`~recyclopt.optimize.heuristic.YEARLY_LP_SHARE` of the limit it guides the closing
    and the full solve gets the rows too (its root, a few times the LP, then fits). Then the
    capex segments' split rows (:mod:`~recyclopt.optimize.segment_flows`) are added to the
    model the full solve gets, without the horizon rows, which they imply for the options
    they split (:func:`_split_guide`: one year block, then as many as its time affords);
    when their LP finishes it guides the closing, after a first stage from the looser LP's
    clear options. The restricted MILPs are always those of ``cm_s``. The bound is the
    tighter of the LPs'.
    """
    H = start_heuristic
    b = om.builder.blocks["build"]
    build = idx[b.offset:b.offset + b.size]
    build = build[build >= 0]
    t0 = time.perf_counter()
    budget = H.SHARE * (time_limit - (t0 - t1))
    horizon = _cut_lp(om, cm_s, idx, col_scale)
    lp_model = cm_s if horizon is None else horizon
    guide = H.lp_guide(lp_model, build, time_limit=budget, threads=threads)
    first_s = guide.seconds
    rows, full = ("the model's" if horizon is None else "horizon rows in the first LP"), cm_s
    if horizon is not None and guide.seconds <= H.YEARLY_TRY_SHARE * time_limit:
        yearly = _cut_lp(om, cm_s, idx, col_scale, yearly=True)
        g2 = H.lp_guide(yearly, build, time_limit=H.YEARLY_LP_SHARE * time_limit,
                        threads=threads)
        g2_s = g2.seconds
        guide, taken = H.adopt(guide, g2, cm_s.sense)
        if taken:
            full = yearly
            rows = "yearly rows in the LP and the full solve"
        else:
            rows += f" (yearly LP unfinished in {g2_s:.1f} s)"
        del yearly
    # the first LP's model (a copy of the matrix with the horizon rows) is done with: not
    # held through the split LP, which builds its own copy
    del horizon, lp_model
    looser = guide
    # the split rows imply the horizon rows of the options they split: the split LP goes
    # without them (the model the full solve gets), and is faster for it
    guide, split = _split_guide(om, full, idx, col_scale, guide, build, first_s,
                                min(budget - guide.seconds, H.SPLIT_SHARE * time_limit),
                                threads)
    if split:
        rows += f"; {split}"
    res = H.lp_guided_plan(cm_s, build, time_limit=budget, threads=threads, guide=guide,
                           first=None if guide is looser else looser)
    return res, full, rows


def _split_guide(om: OptModel, lp_model: Compiled, idx: np.ndarray,
                 col_scale: np.ndarray | None, guide, build: np.ndarray, first_s: float,
                 seconds: float, threads: int | None):
    """The LP of ``lp_model`` with the capex segments' split rows
    (:func:`~recyclopt.optimize.segment_flows.segment_flow_rows`) as the new guide, within
    ``seconds``: one year block when it is predicted to fit
    (:data:`~recyclopt.optimize.heuristic.SPLIT_FIRST_COST` times the first LP's
    ``first_s``), then as many blocks as the time left affords
    (:func:`~recyclopt.optimize.heuristic.split_blocks`). A finished LP replaces ``guide``
    (its bound the tighter of the two); the seconds of an unfinished one are added to it.
    Also what was done, in words ("" when nothing)."""
    H = start_heuristic
    one = segment_flow_rows(om, 1) if H.SPLIT_FIRST_COST * first_s <= seconds else None
    if one is None:
        return guide, ""
    t0 = time.perf_counter()
    done: list[str] = []
    guide, one_s = _take_split(lp_model, idx, col_scale, build, one, seconds, threads, guide,
                               done)
    if one_s is not None:
        left = seconds - (time.perf_counter() - t0)
        n_blocks = H.split_blocks(one_s, left, om.meta["years"])
        if n_blocks >= 2:
            guide, _ = _take_split(lp_model, idx, col_scale, build,
                                   segment_flow_rows(om, n_blocks), left, threads, guide, done)
    return guide, "segment-split LP: " + ", ".join(done)


def _take_split(lp_model: Compiled, idx: np.ndarray, col_scale: np.ndarray | None,
                build: np.ndarray, split: SegmentFlows, seconds: float, threads: int | None,
                guide, done: list[str]):
    """The LP of ``lp_model`` with the ``split`` rows and columns, solved by
    :func:`~recyclopt.optimize.heuristic.lp_guide` within ``seconds`` and adopted as the
    guide when it finishes (:func:`~recyclopt.optimize.heuristic.adopt`). Returns the guide
    and the split LP's own seconds (None when unfinished); what was done is appended to
    ``done``."""
    H = start_heuristic
    ext, idx2, scale2 = H.with_columns(lp_model, split.col_hi, split.scale_like, idx, col_scale)
    ext = H.with_rows(ext, split.A, split.lo, split.hi, idx2, scale2)
    g = H.lp_guide(ext, build, time_limit=max(seconds, 0.0), threads=threads,
                   ipm_tolerance=H.SPLIT_IPM_TOLERANCE)
    del ext
    own = g.seconds
    guide, taken = H.adopt(guide, g, lp_model.sense)
    n = split.n_blocks
    done.append(f"{n} year block{'s' if n > 1 else ''} {own:.1f} s"
                + ("" if taken else " (unfinished)"))
    return guide, own if taken else None


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


def _cut_lp(om: OptModel, cm: Compiled, idx: np.ndarray, col_scale: np.ndarray | None,
            yearly: bool = False) -> Compiled | None:
    """``cm`` with the horizon (or ``yearly``) ``feed_to_build`` rows added, for the start
    heuristic's LP; None when the model already has such rows or no option has a fixed cost.

    The rows are valid inequalities, so the LP stays a relaxation of the model with a tighter
    bound, whose build values are nearer 0 or 1 (figures: ``benchmarks/RESULTS.md``).
    """
    if any(g.name == "feed_to_build" for g in om.builder.groups):
        return None
    cuts = feed_to_build_rows(om, yearly=yearly)
    if cuts is None:
        return None
    return start_heuristic.with_rows(cm, cuts.A, cuts.lo, cuts.hi, idx, col_scale)


def _to_builder_order(om: OptModel, cm: Compiled, x: np.ndarray,
                      idx: np.ndarray | None = None, load: bool = True) -> np.ndarray:
    """Solution values in builder column order (loaded into the Pyomo variables too);
    integer columns rounded. A column the compiler left out sits at its lower bound (or 0).
    ``idx``: :func:`~recyclopt.optimize.compiler.compiled_index` when already at hand;
    ``load=False`` leaves the Pyomo variables alone."""
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
    if not load or om.model is None:
        return out
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


def _named_rows(om: OptModel, cm: Compiled) -> Compiled:
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
