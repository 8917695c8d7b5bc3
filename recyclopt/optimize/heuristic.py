"""A first plan for hard plant models: the LP-guided restricted MILP.

On networks of many candidate sites HiGHS spends most of a time-limited run on the root of
the full model and holds a poor incumbent when the limit strikes. This heuristic gives it a
good plan to start from (:func:`~recyclopt.optimize.solve.solve` runs it when HiGHS alone
does not settle the model within :data:`PROBE_SHARE` of the limit):

1. solve the LP relaxation (:func:`lp_guide`; interior point without crossover: only the
   build values are needed, and on large models it is much faster than the dual simplex).
   When the model was built without the ``feed_to_build`` valid inequalities (large models
   are, see :data:`~recyclopt.optimize.model.CUTS_MAX_FLOW_COLUMNS`),
   :func:`~recyclopt.optimize.solve.solve` adds their horizon form to this LP
   (:func:`with_rows`), whose build values are then nearer 0 or 1 and whose bound is tighter,
   and their yearly form when that LP was quick (:data:`YEARLY_TRY_SHARE`). Last, the capex
   segments' split rows (:mod:`~recyclopt.optimize.segment_flows`, new columns by
   :func:`with_columns`) go into that LP, in one year block and then in as many as
   :func:`split_blocks` affords: on networks of sites it is the much tighter LP, for the
   bound and the guide;
2. close every option whose LP build value is below a threshold (its ``build`` upper bound
   set to 0) and let HiGHS solve the much smaller restricted MILP (without the added rows)
   within the remaining time; the thresholds of :data:`THRESHOLDS` are tried from the
   largest down, each solved restricted MILP handing its plan to the next, wider one (after
   a split LP, a first stage opens the looser LP's clear options, kept open after: see
   :func:`restrict`);
3. hand the plan found to the full model's solve as its first incumbent.

The LP's row duals also give a bound on the MILP (:func:`dual_bound`: weak duality, valid
for any multipliers, so it needs no certificate of LP optimality from the interior point);
when the full solve's own root LP does not finish within the limit, it is the only bound.

Closing options only removes plans, so whatever the restricted MILP finds is feasible for the
full model, and the full solve keeps searching (and bounding) the whole model: the optimum is
unchanged, only the incumbent at a time limit improves. Figures on the ``large`` case and the
generated networks: ``benchmarks/RESULTS.md``.

It is akin to HiGHS's own RENS heuristic (fix what the LP relaxation settles, solve the rest
as a sub-MIP), applied to whole options with a threshold instead of exact integrality, before
the solve rather than inside it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import highs
from .standard_form import Compiled, bound_ahead

#: Names accepted by :func:`recyclopt.optimize.solve.solve`'s ``heuristic``.
HEURISTICS = ("auto", "lp_guided", "none")

#: ``heuristic="auto"`` with a time limit first lets HiGHS alone try the model for this share
#: of the limit (the probe, a measurement on the model itself): a model it settles in that
#: time is done, as without the heuristic; otherwise the start runs and the full solve begins
#: again from its plan (``benchmarks/RESULTS.md``, "No dead zone").
PROBE_SHARE = 0.05

#: A model built without the yearly ``feed_to_build`` rows gets them in the heuristic's LP
#: and in the full solve when its LP with the horizon rows took at most this share of the time
#: limit (so the yearly LP, a few times dearer, and the full model's root with them fit in
#: it) and their LP then finishes within :data:`YEARLY_LP_SHARE` of the limit.
YEARLY_TRY_SHARE = 1.0 / 30.0
YEARLY_LP_SHARE = 1.0 / 6.0

#: The LPs with the capex segments' split rows (:mod:`~recyclopt.optimize.segment_flows`)
#: share ``SPLIT_SHARE`` of the time limit. The first has one year block and runs when it is
#: predicted to fit: ``SPLIT_FIRST_COST`` times the first LP's seconds (measured 2.1-3.7 on
#: the ladder and the large case). A second, with as many blocks as the time left affords at
#: ``SPLIT_BLOCK_COST`` times the one-block LP's seconds each (measured per block: 0.5-0.9
#: on most of the ladder, 0.9 with 2 blocks on sites50, 1.13 with 2 on the large case, 1.19
#: with 12 on sites30; an LP predicted too cheap may not finish, and its time is lost),
#: replaces it when it finishes (``benchmarks/RESULTS.md``, "Capex segments split by
#: feedstock").
SPLIT_SHARE = 0.5
SPLIT_FIRST_COST = 4.0
SPLIT_BLOCK_COST = 1.25

#: The split LPs stop at this interior-point optimality tolerance (HiGHS's default is 1e-8):
#: their duals only bound the MILP (:func:`dual_bound` is valid for any multipliers), and the
#: bound moved by under 1e-5 of itself while the two-block LP of sites50 took 36.9 s instead of
#: 52.5 s (``benchmarks/RESULTS.md``, "Split LPs over the model's own rows").
SPLIT_IPM_TOLERANCE = 1e-5

#: Share of the time limit given to the heuristic (LP and restricted MILPs together); the
#: full model gets the rest. On large models the restricted MILP keeps improving its plan
#: while the full solve's root LP has not finished (``benchmarks/RESULTS.md``).
SHARE = 0.8

#: Options whose LP build value is below a threshold are closed in the restricted MILP. The
#: thresholds are tried from the largest down: each restricted MILP that HiGHS solves (to
#: ``mip_gap``) within the time left hands its plan, as a start, to the next and wider one
#: (closing fewer options only adds plans). A narrow MILP is solved quickly and holds a
#: better plan than a wide one finds in the same time; the ladder keeps that and still
#: searches the wider sets when time remains.
THRESHOLDS = (0.2, 0.1, 0.05)


@dataclass
class HeuristicResult:
    """What the heuristic did: the plan (compiled order, None when none was found), the bound
    from the LP's duals (:func:`dual_bound`, NaN when it is not finite) and the restricted
    MILP's outcome, with their times in seconds (objective and bound in the units of the
    compiled model handed in)."""

    x: np.ndarray | None
    lp_status: str
    lp_bound: float
    lp_s: float
    n_closed: int
    n_options: int
    mip_status: str = ""
    objective: float = float("nan")
    mip_s: float = 0.0
    #: one entry per restricted MILP run: (threshold, options closed, status, seconds,
    #: objective of its plan or NaN)
    stages: list[tuple[float, int, str, float, float]] = field(default_factory=list)
    #: how many of the first stages the looser first LP guided (:func:`restrict`)
    first_stages: int = 0

    def summary(self, obj_scale: float = 1.0) -> dict[str, float | int | str]:
        """The figures as a flat dict (no plan, the stages as one line of text), for
        :class:`SolveInfo` and reports; objectives and bound divided by ``obj_scale`` (the
        objective scale of a scaled model: :func:`~recyclopt.optimize.highs.scale_compiled`)."""
        out: dict[str, float | int | str] = {k: v for k, v in self.__dict__.items()
                                             if k not in ("x", "stages")}
        out["lp_bound"] = self.lp_bound / obj_scale
        out["objective"] = self.objective / obj_scale
        out["stages"] = "; ".join(
            f"{'first LP ' if i < self.first_stages else ''}threshold {t:g}: {n} closed, "
            f"{st} in {sec:.1f} s, plan {z / obj_scale:,.6g}"
            for i, (t, n, st, sec, z) in enumerate(self.stages))
        return out


def with_rows(cm: Compiled, A, row_lo: np.ndarray, row_hi: np.ndarray, idx: np.ndarray,
              col_scale: np.ndarray | None = None):
    """``cm`` with rows appended that were written over a model's builder columns.

    Parameters
    ----------
    cm : :class:`~recyclopt.optimize.compiler.Compiled` (scaled or not).
    A : sparse rows over the builder's columns (e.g. :func:`~recyclopt.optimize.model
        .feed_to_build_rows`), with limits ``row_lo``, ``row_hi``.
    idx : compiled column of each builder column (-1: left out by the compiler; such a
        column must have no entry in ``A``).
    col_scale : the column scale of a scaled ``cm`` (original ``x = s * x_scaled``); the new
        rows are then scaled by powers of two to a largest entry near 1, as
        :func:`~recyclopt.optimize.highs.scale_compiled` scales the others.

    Returns
    -------
    Compiled
        The rows appended (``rows`` entries None); the other arrays shared, not copied.
    """
    C = sp.coo_array(A)
    cols = idx[C.col]
    if np.any(cols < 0):
        raise ValueError("with_rows: a row has an entry on a column the compiler left out")
    vals = C.data * (col_scale[cols] if col_scale is not None else 1.0)
    lo, hi = np.asarray(row_lo, float), np.asarray(row_hi, float)
    if col_scale is not None:
        rmax = np.zeros(C.shape[0])
        np.maximum.at(rmax, C.row, np.abs(vals))
        rs = highs.pow2(1.0 / np.where(rmax > 0, rmax, 1.0))
        vals = vals * rs[C.row]
        lo, hi = lo * rs, hi * rs
    n = len(cm.columns) if cm.columns else cm.A.shape[1]
    extra = sp.csr_array((vals, (C.row, cols)), shape=(C.shape[0], n))
    return dataclasses.replace(
        cm, A=sp.vstack([sp.csr_array(cm.A), extra], format="csr"),
        row_lo=np.concatenate([np.asarray(cm.row_lo, float), lo]),
        row_hi=np.concatenate([np.asarray(cm.row_hi, float), hi]),
        rows=[*cm.rows, *([None] * C.shape[0])])


def with_columns(cm: Compiled, col_hi: np.ndarray, scale_like: np.ndarray, idx: np.ndarray,
                 col_scale: np.ndarray | None = None) -> tuple[Compiled, np.ndarray, np.ndarray]:
    """``cm`` with continuous columns ``0 <= g <= col_hi`` appended (no cost), for rows over
    a model's builder columns and the new ones (:func:`with_rows` adds those next).

    Parameters
    ----------
    cm : :class:`~recyclopt.optimize.compiler.Compiled` (scaled or not).
    col_hi : upper bound of each new column, in the model's units.
    scale_like : for each new column, a builder column in the same units: a scaled ``cm``
        scales the new column as it scales that one.
    idx : compiled column of each builder column.
    col_scale : the column scale of a scaled ``cm`` (None: not scaled).

    Returns
    -------
    (Compiled, numpy.ndarray, numpy.ndarray)
        The model with the columns, the compiled column of each builder column followed by
        the new ones (the ``idx`` for :func:`with_rows`), and the column scale extended (None
        when ``cm`` is not scaled).
    """
    n, m = cm.A.shape[1], len(col_hi)
    s_new = col_scale[idx[scale_like]] if col_scale is not None else np.ones(m)
    A = sp.csr_array(cm.A)  # empty new columns: the same arrays, a wider shape (no copy)
    ext = dataclasses.replace(
        cm, A=sp.csr_array((A.data, A.indices, A.indptr), shape=(A.shape[0], n + m)),
        col_lo=np.concatenate([np.asarray(cm.col_lo, float), np.zeros(m)]),
        col_hi=np.concatenate([np.asarray(cm.col_hi, float), np.asarray(col_hi) / s_new]),
        integrality=np.concatenate([cm.integrality, np.zeros(m, dtype=cm.integrality.dtype)]),
        c=np.concatenate([np.asarray(cm.c, float), np.zeros(m)]),
        columns=[*cm.columns, *([None] * m)] if cm.columns else cm.columns)
    scale = None if col_scale is None else np.concatenate([col_scale, s_new])
    return ext, np.concatenate([idx, n + np.arange(m)]), scale


def split_blocks(one_block_s: float, seconds_left: float, years) -> int:
    """Year blocks for the second segment-split LP: as many as fit in the seconds left at
    :data:`SPLIT_BLOCK_COST` times the one-block LP's seconds each, at most one per year::

        n = min(Y, floor(seconds_left / (SPLIT_BLOCK_COST * one_block_s)))
    """
    per_block = SPLIT_BLOCK_COST * max(one_block_s, 1e-3)
    return int(min(len(years), max(np.floor(seconds_left / per_block), 0)))


@dataclass
class LPGuide:
    """The LP relaxation that guides the closing: the build values, the bound from its duals
    (NaN when not finite), HiGHS's status and the seconds it took; ``usable`` is False when it
    gave no values to guide by (infeasible, unbounded, or stopped without a point),
    ``finished`` False when its time limit stopped it."""

    xb: np.ndarray | None
    bound: float
    status: str
    seconds: float
    usable: bool
    finished: bool


def lp_guide(lpm: Compiled, build: np.ndarray, *, time_limit: float,
             threads: int | None = None, ipm_tolerance: float | None = None) -> LPGuide:
    """Solve the LP relaxation of ``lpm`` (interior point without crossover: only the build
    values are needed) within ``time_limit``; its build values and dual bound.

    Parameters
    ----------
    lpm : :class:`~recyclopt.optimize.compiler.Compiled`, the model or the model with valid
        rows added (:func:`with_rows`).
    build : compiled column indices of the options' ``build`` binaries.
    ipm_tolerance : the interior point's optimality tolerance (None: HiGHS's default).
    """
    t0 = time.perf_counter()
    lp = highs.handoff(lpm.relaxation(), time_limit=max(time_limit, 0.0), mip_gap=None,
                       threads=threads, verbose=False)
    lp.setOptionValue("solver", "ipm")
    lp.setOptionValue("run_crossover", "off")
    if ipm_tolerance is not None:
        lp.setOptionValue("ipm_optimality_tolerance", float(ipm_tolerance))
    lp.run()
    status = lp.modelStatusToString(lp.getModelStatus())
    sol = lp.getSolution()
    bound = float("nan")
    if sol.dual_valid:
        y = np.asarray(sol.row_dual)
        bound = tighter_bound(lpm.sense, dual_bound(lpm, y), dual_bound(lpm, -y))
    # the interior point's values guide the closing even when, without crossover, HiGHS
    # cannot certify them optimal (status "Unknown"); not when it stopped at its time limit
    usable = sol.value_valid and highs.status(lp) not in (highs.INFEASIBLE, highs.UNBOUNDED)
    xb = np.asarray(sol.col_value)[build] if usable else None
    return LPGuide(xb, bound, status, time.perf_counter() - t0, usable,
                   highs.status(lp) not in highs.LIMITS)


def adopt(guide: LPGuide, new: LPGuide, sense: str) -> tuple[LPGuide, bool]:
    """The guide after trying a tighter LP ``new``: when it finished with values, ``new``
    (its bound the tighter of the two, the seconds of both); otherwise ``guide`` with
    ``new``'s seconds added. Also whether ``new`` was taken."""
    if new.usable and new.finished:
        new.bound = tighter_bound(sense, new.bound, guide.bound)
        new.seconds += guide.seconds
        return new, True
    guide.seconds += new.seconds
    return guide, False


def lp_guided_plan(cm: Compiled, build: np.ndarray, *, time_limit: float,
                   threshold: float | Sequence[float] = THRESHOLDS,
                   mip_gap: float = 1e-4, threads: int | None = None,
                   lp_model=None, guide: LPGuide | None = None,
                   first: LPGuide | None = None) -> HeuristicResult:
    """A plan of the compiled model ``cm`` from its LP relaxation (see the module docstring).

    Parameters
    ----------
    cm : :class:`~recyclopt.optimize.compiler.Compiled`, as handed to HiGHS (scaled or not).
    build : compiled column indices of the options' ``build`` binaries.
    time_limit : seconds for the LP and the restricted MILP together.
    threshold : options with an LP build value below it are closed; with several, the
        restricted MILPs run from the largest down, each started from the last plan, while
        each is solved within the time left (see :data:`THRESHOLDS`).
    mip_gap : relative gap at which the restricted MILP stops (a start need not be optimal).
    threads : HiGHS threads (None: HiGHS's choice).
    lp_model : the model whose LP relaxation guides the closing and gives the bound (None:
        ``cm``): ``cm`` with valid inequalities added (:func:`with_rows`), same columns.
    guide : the LP already solved (:func:`lp_guide`); ``lp_model`` is then not used and its
        seconds count against ``time_limit``.
    first : an earlier, looser LP whose clear options make the first stage (``first_xb`` of
        :func:`restrict`); None: the stages follow ``guide`` alone.

    Returns
    -------
    HeuristicResult
    """
    t0 = time.perf_counter()
    if guide is None:
        guide = lp_guide(cm if lp_model is None else lp_model, build, time_limit=time_limit,
                         threads=threads)
    res = HeuristicResult(None, guide.status, guide.bound, guide.seconds, 0, len(build))
    if not guide.usable:
        return res
    first_xb = first.xb if first is not None and first.usable else None
    restrict(cm, build, guide.xb, res, deadline=t0 - guide.seconds + time_limit,
             threshold=threshold, mip_gap=mip_gap, threads=threads, first_xb=first_xb)
    return res


def restrict(cm: Compiled, build: np.ndarray, xb: np.ndarray, res: HeuristicResult, *,
             deadline: float, threshold: float | Sequence[float] = THRESHOLDS,
             mip_gap: float = 1e-4, threads: int | None = None,
             first_xb: np.ndarray | None = None) -> None:
    """The restricted MILPs of the ladder (options with ``xb`` below a threshold closed), from
    the largest threshold down until ``deadline`` (a ``time.perf_counter`` value) or the first
    one not solved; plan, objective and stages recorded in ``res``.

    With ``first_xb`` (the build values of an earlier, looser LP), the first stage keeps open
    the options at or above the largest threshold there, and every later stage keeps those
    open too (the sets stay nested, so each stage starts from the last plan). On networks of
    sites the looser LP's few clear options make a quick first plan, while the tighter LP
    opens more options partly (``benchmarks/RESULTS.md``, "Capex segments split by
    feedstock").
    """
    ladder = sorted({float(t) for t in np.atleast_1d(threshold)}, reverse=True)
    stages = [(xb, th) for th in ladder]
    if first_xb is not None:
        stages.insert(0, (first_xb, ladder[0]))
        res.first_stages = 1
    opened = np.zeros(len(build), dtype=bool)
    last = -1
    for values, th in stages:
        opened |= values >= th
        closed = build[~opened]
        if len(closed) == last:  # the sets are nested: the same count is the same set
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        last = res.n_closed = len(closed)
        solved = _restricted_milp(cm, closed, res, th, left, mip_gap, threads)
        if not solved:  # stopped by the time limit: a wider set would get no time
            break


def _restricted_milp(cm: Compiled, closed: np.ndarray, res: HeuristicResult, th: float,
                     left: float, mip_gap: float, threads: int | None) -> bool:
    """One restricted MILP (``closed`` build columns held at 0) within ``left`` seconds,
    started from ``res``'s plan; a better plan and the stage recorded in ``res``. Whether
    HiGHS solved it."""
    col_hi = np.array(cm.col_hi, dtype=float, copy=True)
    col_hi[closed] = 0.0
    t1 = time.perf_counter()
    h = highs.handoff(dataclasses.replace(cm, col_hi=col_hi), time_limit=left,
                      mip_gap=mip_gap, threads=threads, verbose=False)
    if res.x is not None:  # a plan of the narrower set is a plan of this one
        highs.set_start(h, res.x)
    h.run()
    dt = time.perf_counter() - t1
    res.mip_s += dt
    res.mip_status = h.modelStatusToString(h.getModelStatus())
    solved = highs.status(h) == highs.OPTIMAL
    info = h.getInfo()
    z = float("nan")
    if getattr(info, "primal_solution_status", 0) == 2:
        z = float(info.objective_function_value)
        if res.x is None or bound_ahead(cm.sense, z, res.objective) > 0:
            res.x = np.asarray(h.getSolution().col_value)
            res.objective = z
    res.stages.append((th, len(closed), res.mip_status, dt, z))
    return solved


def dual_bound(cm: Compiled, y: np.ndarray) -> float:
    """A bound on the objective of ``cm`` (MILP or LP) from row multipliers ``y``.

    For ``max c x`` over ``row_lo <= A x <= row_hi``, ``col_lo <= x <= col_hi`` and any ``y``,
    ``c x = (c - A'y) x + y'(A x) <= max over the column box of (c - A'y) x + sum_i max(y_i
    row_lo_i, y_i row_hi_i)`` (weak duality; a minimisation the same with min). The bound is
    tight at the LP's optimal duals and valid for any ``y``; a multiplier that points at an
    infinite row bound is set to 0 (still a valid ``y``). NaN when a reduced cost points at an
    infinite column bound.

    Parameters
    ----------
    cm : :class:`~recyclopt.optimize.compiler.Compiled`.
    y : one multiplier per row.
    """
    sgn = 1.0 if cm.sense == "max" else -1.0
    y = sgn * np.asarray(y, dtype=float)  # as multipliers of the maximisation of sgn * c
    lo, hi = np.asarray(cm.row_lo, float), np.asarray(cm.row_hi, float)
    y = np.where(((y > 0) & ~np.isfinite(hi)) | ((y < 0) & ~np.isfinite(lo)), 0.0, y)
    rows = np.where(y > 0, y * np.where(np.isfinite(hi), hi, 0.0),
                    y * np.where(np.isfinite(lo), lo, 0.0))
    d = sgn * np.asarray(cm.c, float) - cm.A.T @ y
    clo, chi = np.asarray(cm.col_lo, float), np.asarray(cm.col_hi, float)
    if np.any((d > 0) & ~np.isfinite(chi)) or np.any((d < 0) & ~np.isfinite(clo)):
        return float("nan")
    cols = np.where(d > 0, d * np.where(np.isfinite(chi), chi, 0.0),
                    d * np.where(np.isfinite(clo), clo, 0.0))
    return float(sgn * (rows.sum() + cols.sum()) + cm.offset)


def tighter_bound(sense: str, a: float, b: float) -> float:
    """The tighter of two bounds of a ``sense`` problem, ignoring NaN (NaN when both are)."""
    vals = [v for v in (a, b) if np.isfinite(v)]
    if not vals:
        return float("nan")
    return min(vals) if sense == "max" else max(vals)
