"""Hand a built Pyomo model to HiGHS and read the solution back.

The handoff compiles the Pyomo model with Pyomo's linear standard-form compiler
(``LinearStandardFormCompiler``, mixed form) and passes the arrays to ``highspy`` directly —
the fastest path we measured; Pyomo's own HiGHS interface (``appsi_highs``) is available as
``method="appsi"`` for cross-checks. A non-optimal status raises :class:`SolverError` with
what to change; an infeasible model is diagnosed by re-solving with elastic slacks on every
row and naming the constraint groups that need them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp

from ..errors import SolverError
from .model import OptModel


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


@dataclass
class Compiled:
    """The standard-form arrays of a Pyomo model, ready for highspy."""

    A: sp.csc_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integrality: np.ndarray
    c: np.ndarray
    offset: float
    sense: str
    columns: list
    rows: list


def compile_model(m: pyo.ConcreteModel) -> Compiled:
    """Compile a linear Pyomo model to arrays with Pyomo's standard-form compiler."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
    n = len(repn.columns)
    rhs = np.asarray(repn.rhs, dtype=float)
    mult = np.array([r.bound_type for r in repn.rows], dtype=int)
    row_lo = np.where(mult == 1, -np.inf, rhs)
    row_hi = np.where(mult == -1, np.inf, rhs)
    col_lo = np.array([-np.inf if v.lb is None else v.lb for v in repn.columns], dtype=float)
    col_hi = np.array([np.inf if v.ub is None else v.ub for v in repn.columns], dtype=float)
    integ = np.array([1 if v.is_integer() else 0 for v in repn.columns], dtype=np.int32)
    c = repn.c.toarray()[0] if repn.c.shape[0] else np.zeros(n)
    obj = repn.objectives[0]
    sense = "max" if obj.sense == pyo.maximize else "min"
    return Compiled(repn.A, row_lo, row_hi, col_lo, col_hi, integ, c,
                    float(repn.c_offset[0]) if len(repn.c_offset) else 0.0, sense,
                    list(repn.columns), list(repn.rows))


def _highs(cm: Compiled, *, time_limit: float | None, mip_gap: float | None,
           threads: int | None, verbose: bool):
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(verbose))
    h.setOptionValue("random_seed", 0)  # same input, same plan
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    n = cm.A.shape[1]
    lp.num_col_ = n
    lp.num_row_ = cm.A.shape[0]
    lp.col_cost_ = cm.c
    lp.col_lower_ = cm.col_lo
    lp.col_upper_ = cm.col_hi
    lp.row_lower_ = cm.row_lo
    lp.row_upper_ = cm.row_hi
    lp.offset_ = cm.offset
    lp.sense_ = highspy.ObjSense.kMaximize if cm.sense == "max" else highspy.ObjSense.kMinimize
    A = sp.csc_array(cm.A)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if cm.integrality.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
                           for k in cm.integrality]
    h.passModel(lp)
    return h


def _group_of(rowentry) -> str:
    return rowentry.constraint.parent_component().name


def diagnose_infeasible(cm: Compiled) -> list[str]:
    """Re-solve the LP relaxation with elastic slacks on every row; name the groups that need
    slack and by how much (the constraint groups in conflict)."""
    import highspy

    A = sp.csc_array(cm.A)
    m, n = A.shape
    lo_fin = np.isfinite(cm.row_lo)
    hi_fin = np.isfinite(cm.row_hi)
    # columns: original (relaxed integrality) + s_up (relaxes upper bound) + s_lo
    up_rows = np.flatnonzero(hi_fin)
    lo_rows = np.flatnonzero(lo_fin)
    S_up = sp.csc_array((-np.ones(len(up_rows)), (up_rows, np.arange(len(up_rows)))),
                        shape=(m, len(up_rows)))
    S_lo = sp.csc_array((np.ones(len(lo_rows)), (lo_rows, np.arange(len(lo_rows)))),
                        shape=(m, len(lo_rows)))
    Afull = sp.hstack([A, S_up, S_lo], format="csc")
    ns = len(up_rows) + len(lo_rows)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = n + ns
    lp.num_row_ = m
    # scale-free: weight each slack by 1 / (1 + |rhs|) so big and small rows count alike
    w_up = 1.0 / (1.0 + np.abs(cm.row_hi[up_rows]))
    w_lo = 1.0 / (1.0 + np.abs(cm.row_lo[lo_rows]))
    lp.col_cost_ = np.r_[np.zeros(n), w_up, w_lo]
    lp.col_lower_ = np.r_[cm.col_lo, np.zeros(ns)]
    lp.col_upper_ = np.r_[cm.col_hi, np.full(ns, np.inf)]
    lp.row_lower_ = cm.row_lo
    lp.row_upper_ = cm.row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = Afull.indptr.astype(np.int32)
    lp.a_matrix_.index_ = Afull.indices.astype(np.int32)
    lp.a_matrix_.value_ = Afull.data.astype(float)
    h.passModel(lp)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    if len(x) != n + ns:
        return ["the elastic re-solve found no solution either: check variable bounds"]
    s_up, s_lo = x[n:n + len(up_rows)], x[n + len(up_rows):]
    need: dict[str, float] = {}
    for rows, s in ((up_rows, s_up), (lo_rows, s_lo)):
        for r, v in zip(rows, s, strict=True):
            if v > 1e-7:
                g = _group_of(cm.rows[r])
                need[g] = need.get(g, 0.0) + float(v)
    return [f"{g} (total violation {v:.4g})" for g, v in sorted(need.items(), key=lambda t: -t[1])]


def solve(om: OptModel, *, time_limit: float | None = None, mip_gap: float | None = 1e-6,
          threads: int | None = None, verbose: bool = False, method: str = "highspy",
          raise_on_failure: bool = True) -> tuple[np.ndarray, SolveInfo]:
    """Solve a built model; returns the column values (builder order) and solver info.

    Parameters
    ----------
    time_limit : seconds; at the limit the incumbent is returned with its gap and
        ``proven_optimal=False``.
    mip_gap : relative MIP gap at which HiGHS stops (default 1e-6).
    method : ``highspy`` (standard-form arrays straight to HiGHS) or ``appsi`` (Pyomo's
        persistent HiGHS interface).
    """
    t0 = time.perf_counter()
    if method == "appsi":
        return _solve_appsi(om, time_limit, mip_gap, raise_on_failure)
    cm = compile_model(om.model)
    h = _highs(cm, time_limit=time_limit, mip_gap=mip_gap, threads=threads, verbose=verbose)
    t1 = time.perf_counter()
    h.run()
    import highspy

    status = h.getModelStatus()
    st = h.modelStatusToString(status)
    info_h = h.getInfo()
    sol = h.getSolution()
    has_sol = bool(getattr(info_h, "primal_solution_status", 0) == 2) or status == \
        highspy.HighsModelStatus.kOptimal
    n_int = int(cm.integrality.sum())
    n_bin = int(sum(1 for v in cm.columns if v.is_binary()))
    gap = float(getattr(info_h, "mip_gap", 0.0)) if n_int else 0.0
    if not np.isfinite(gap):
        gap = float("inf")
    info = SolveInfo(st, float(info_h.objective_function_value) if has_sol else float("nan"),
                     status == highspy.HighsModelStatus.kOptimal, gap,
                     time.perf_counter() - t1, t1 - t0, len(cm.columns), n_bin, n_int - n_bin,
                     cm.A.shape[0], int(cm.A.nnz))
    if status == highspy.HighsModelStatus.kOptimal or (
            status in (highspy.HighsModelStatus.kTimeLimit,
                       highspy.HighsModelStatus.kIterationLimit,
                       highspy.HighsModelStatus.kSolutionLimit,
                       highspy.HighsModelStatus.kInterrupt) and has_sol):
        values = _to_builder_order(om, cm, np.asarray(sol.col_value))
        return values, info
    if not raise_on_failure:
        return np.full(om.builder.n, np.nan), info
    if status in (highspy.HighsModelStatus.kInfeasible,
                  highspy.HighsModelStatus.kUnboundedOrInfeasible):
        info.diagnosis = diagnose_infeasible(cm)
        groups = "; ".join(info.diagnosis) or "no single group (check variable bounds)"
        raise SolverError(f"the plant model is infeasible: constraint groups in conflict: "
                          f"{groups}. Relax those limits (policy minima, markets, CO2 caps) or "
                          "add feedstock")
    if status == highspy.HighsModelStatus.kUnbounded:
        raise SolverError("the plant model is unbounded: some option has no capacity limit while "
                          "earning money per unit (give it a max_capacity or a capex curve)")
    if status == highspy.HighsModelStatus.kTimeLimit:
        raise SolverError(f"HiGHS reached the time limit ({time_limit} s) without a feasible "
                          "plan: raise --time-limit or simplify the case")
    raise SolverError(f"HiGHS did not solve the model (status {st!r}); run with --debug and "
                      "verbose output to see the solver log")


def _to_builder_order(om: OptModel, cm: Compiled, x: np.ndarray) -> np.ndarray:
    pos = {id(v): i for i, v in enumerate(cm.columns)}
    out = np.zeros(om.builder.n)
    for j, v in enumerate(om.columns):
        i = pos.get(id(v))
        if i is not None:
            out[j] = x[i]
            v.set_value(float(x[i]), skip_validation=True)
        else:  # the column appears nowhere: it sits at its lower bound (or 0)
            lb = v.lb if v.lb is not None else 0.0
            out[j] = lb
            v.set_value(lb, skip_validation=True)
    ints = np.array([v.is_integer() for v in om.columns])
    out[ints] = np.round(out[ints])
    return out


def _solve_appsi(om: OptModel, time_limit, mip_gap, raise_on_failure):
    from pyomo.contrib.appsi.base import TerminationCondition
    from pyomo.contrib.appsi.solvers import Highs

    t0 = time.perf_counter()
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
