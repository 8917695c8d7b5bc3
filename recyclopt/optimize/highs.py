"""The HiGHS boundary: the one module of recyclopt that imports ``highspy``.

Everything the rest of the package does with HiGHS goes through these names:

* :func:`new_highs`, :func:`set_threads`, :func:`use_default_threads`: instances and HiGHS's
  process-wide thread scheduler;
* :func:`handoff`: a :class:`~recyclopt.optimize.compiler.Compiled` model passed through
  HiGHS's array API, with recyclopt's options (:data:`LEAN_OPTIONS` for small MIPs);
* :func:`scale_compiled`, :func:`pow2`: scaling by powers of two;
* :func:`run`, :func:`status`, :func:`has_solution`, :func:`set_start`: running, reading the
  outcome by name (:data:`OPTIMAL`, :data:`LIMITS`, ...) and handing a first plan;
* :func:`diagnose_infeasible`: the constraint groups in conflict of an infeasible model;
* :func:`write_mps`, :func:`read_mps`, :func:`model_size`: the model as an MPS file and back
  (the floor of ``recyclopt bench``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from ..errors import SolverError
from .standard_form import Compiled

#: HiGHS's model status names (``HighsModelStatus`` without its ``k``) that :func:`status`
#: returns and callers compare with
OPTIMAL = "Optimal"
INFEASIBLE = "Infeasible"
UNBOUNDED_OR_INFEASIBLE = "UnboundedOrInfeasible"
UNBOUNDED = "Unbounded"
TIME_LIMIT = "TimeLimit"
#: the statuses of a run stopped by a limit; its incumbent, if any, is a usable plan
LIMITS = frozenset({TIME_LIMIT, "IterationLimit", "SolutionLimit"})
INTERRUPT = "Interrupt"

#: HiGHS options of lean MIP runs on small models: no symmetry detection, no sub-MIP
#: heuristics (RINS, RENS, root reduced cost); on a few hundred columns that machinery costs
#: more than the search it saves (measurements: ``benchmarks/RESULTS.md``, sweep engine)
LEAN_OPTIONS: dict[str, Any] = {
    "mip_detect_symmetry": False, "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False, "mip_heuristic_run_root_reduced_cost": False,
}

#: HiGHS runs on one process-wide thread scheduler; a run whose ``threads`` option differs
#: from the count the scheduler started with fails without solving (status "Not Set").
_SCHEDULER: dict[str, int | None] = {"threads": None}


_BANNER = {"shown": False}


def new_highs():
    """A ``highspy.Highs`` instance; the licence banner HiGHS prints to the process's stdout on
    its first construction is kept out of recyclopt's output (tables and plans)."""
    if _BANNER["shown"]:
        return highspy.Highs()
    _BANNER["shown"] = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout file descriptor
        return highspy.Highs()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def set_threads(h, threads: int | None) -> None:
    """Set HiGHS's ``threads`` option, restarting the global scheduler when the count changes
    (0 = HiGHS's automatic choice)."""
    want = 0 if threads is None else int(threads)
    # unknown (None): a HiGHS run outside recyclopt (appsi, user code) may have started the
    # scheduler with the automatic count, so an explicit count restarts it too
    if _SCHEDULER["threads"] != want and not (_SCHEDULER["threads"] is None and want == 0):
        highspy.Highs.resetGlobalScheduler(True)
    _SCHEDULER["threads"] = want
    h.setOptionValue("threads", want)


def handoff(cm: Compiled, *, time_limit: float | None, mip_gap: float | None,
            threads: int | None, verbose: bool) -> highspy.Highs:
    """A new ``highspy.Highs`` holding the compiled model, passed through its array API.

    Parameters
    ----------
    cm : the compiled model (scaled or not).
    time_limit : seconds (None: no limit).
    mip_gap : relative MIP gap at which HiGHS stops (None: HiGHS's default).
    threads : HiGHS threads (None: HiGHS's automatic choice), see :func:`set_threads`.
    verbose : show HiGHS's log.

    Returns
    -------
    highspy.Highs
        Ready to :func:`run`; a fixed random seed, so the same input gives the same plan.
    """
    bad = [n for n, arrs in (("costs", (cm.c,)), ("bounds", (cm.col_lo, cm.col_hi)),
                             ("limits", (cm.row_lo, cm.row_hi)), ("coefficients", (cm.A.data,)))
           if any(np.isnan(a).any() for a in arrs)]
    if bad:
        raise SolverError(f"the plant model has NaN in its {', '.join(bad)}: check the case "
                          "for missing or non-numeric values")
    h = new_highs()
    h.setOptionValue("output_flag", bool(verbose))
    h.setOptionValue("random_seed", 0)  # same input, same plan
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_gap))
    set_threads(h, threads)
    A = cm.A if cm.A.format in ("csc", "csr") else sp.csc_array(cm.A)
    fmt = highspy.MatrixFormat.kRowwise if A.format == "csr" else highspy.MatrixFormat.kColwise
    sense = highspy.ObjSense.kMaximize if cm.sense == "max" else highspy.ObjSense.kMinimize
    # the arrays are passed as they are when already of HiGHS's types (no copies)
    st = h.passModel(int(A.shape[1]), int(A.shape[0]), int(A.nnz), int(fmt),
                     int(sense), float(cm.offset), np.ascontiguousarray(cm.c, dtype=float),
                     np.ascontiguousarray(cm.col_lo, dtype=float),
                     np.ascontiguousarray(cm.col_hi, dtype=float),
                     np.ascontiguousarray(cm.row_lo, dtype=float),
                     np.ascontiguousarray(cm.row_hi, dtype=float),
                     np.ascontiguousarray(A.indptr, dtype=np.int32),
                     np.ascontiguousarray(A.indices, dtype=np.int32),
                     np.ascontiguousarray(A.data, dtype=float),
                     np.ascontiguousarray(cm.integrality, dtype=np.int32))
    if st == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model: check the case for missing, non-numeric "
                          "or inconsistent values (a lower bound above an upper bound)")
    return h


def _group_of(rowentry) -> str:
    return rowentry.constraint.parent_component().name


def diagnose_infeasible(cm: Compiled, labels: dict[str, list] | None = None) -> list[str]:
    """Re-solve the LP relaxation with elastic slacks on every row; name the groups that need
    slack and by how much (the constraint groups in conflict), and with ``labels`` (group
    name -> row labels, e.g. ``(feedstock, year)``) the first rows of each."""
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
    h = new_highs()
    set_threads(h, None)
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
    where: dict[str, list[str]] = {}
    for rows, s in ((up_rows, s_up), (lo_rows, s_lo)):
        for r, v in zip(rows, s, strict=True):
            if v > 1e-7:
                g = _group_of(cm.rows[r])
                need[g] = need.get(g, 0.0) + float(v)
                i = cm.rows[r].constraint.index()
                if labels and g in labels and isinstance(i, int) and i < len(labels[g]):
                    lab = labels[g][i]
                    where.setdefault(g, []).append(" ".join(map(str, lab)) if isinstance(
                        lab, tuple) else str(lab))
    out = []
    for g, v in sorted(need.items(), key=lambda t: -t[1]):
        at = where.get(g, [])
        more = f" and {len(at) - 3} more" if len(at) > 3 else ""
        out.append(f"{g} (total violation {v:.4g}" + (f"; at {', '.join(at[:3])}{more})"
                                                       if at else ")"))
    return out


def pow2(x: np.ndarray) -> np.ndarray:
    """The power of two nearest each positive ``x`` (scaling by it is exact in floating point)."""
    return np.exp2(np.round(np.log2(x)))


#: nonzeros per chunk of :func:`scale_compiled`'s row pass (a few MiB of scratch at a time)
SCALE_CHUNK = 1 << 18


def scale_compiled(cm: Compiled) -> tuple[Compiled, np.ndarray, float]:
    """Scale a compiled model by powers of two so HiGHS sees numbers near 1.

    Continuous columns are scaled so their finite upper bound (or, unbounded, the geometric
    mean of their matrix entries' inverse) is near 1; rows so their largest entry is near 1;
    the objective so its largest cost is near 1. Integer columns are not scaled. A case in
    grams of magnet with plants in kt/yr spans ~1e-8 to 1e12 unscaled; HiGHS then warns that
    the problem is badly scaled.

    Parameters
    ----------
    cm : the compiled model.

    Returns
    -------
    (Compiled, numpy.ndarray, float)
        The scaled model, the column scale ``s`` (original ``x = s * x_scaled``) and the
        objective scale ``k`` (original objective ``= scaled objective / k``). The scaled
        matrix shares its index arrays with ``cm.A`` when that is column-wise and canonical:
        neither is to be changed in place.
    """
    A = sp.csc_array(cm.A)
    A.sum_duplicates()  # canonical: sorted, no duplicates (a no-op on compiled models)
    cnt = np.diff(A.indptr)
    work = np.abs(A.data)  # one scratch array over the nonzeros, reused below
    col = _column_scale(A, cm, cnt, work)
    # A diag(col), then rows by their largest entry: diag(row) A diag(col) (exact: powers of 2)
    data = np.repeat(col, cnt)
    del cnt
    data *= A.data
    np.abs(data, out=work)
    rmax = np.zeros(A.shape[0])
    # in chunks: numpy gathers and scatters through an intp copy of the (int32) row indices
    for a in range(0, len(data), SCALE_CHUNK):
        np.maximum.at(rmax, A.indices[a:a + SCALE_CHUNK], work[a:a + SCALE_CHUNK])
    del work
    row = pow2(1.0 / np.where(rmax > 0, rmax, 1.0))
    for a in range(0, len(data), SCALE_CHUNK):
        data[a:a + SCALE_CHUNK] *= row[A.indices[a:a + SCALE_CHUNK]]
    # the scaled matrix shares the index arrays of the model's (same sparsity pattern)
    A = sp.csc_array((data, A.indices, A.indptr), shape=A.shape, copy=False)
    c = cm.c * col
    cm_ = float(np.abs(c).max(initial=0.0))
    k = float(pow2(np.array([1.0 / cm_]))[0]) if cm_ > 0 else 1.0
    c *= k
    with np.errstate(invalid="ignore"):
        scaled = Compiled(A, cm.row_lo * row, cm.row_hi * row, cm.col_lo / col, cm.col_hi / col,
                          cm.integrality, c, cm.offset * k, cm.sense, cm.columns, cm.rows)
    return scaled, col, k



def _column_scale(A: sp.csc_array, cm: Compiled, cnt: np.ndarray, work: np.ndarray
                  ) -> np.ndarray:
    """Powers of two scaling the columns of ``cm`` (see :func:`scale_compiled`): a continuous
    column's finite bound, else the inverse geometric mean of its entries' magnitudes; 1 for
    an integer column. ``A`` is ``cm.A`` column-wise, ``cnt`` its entries per column and
    ``work`` holds ``|A.data|`` (overwritten with its base-2 logarithm)."""
    n = A.shape[1]
    has = cnt > 0
    starts = A.indptr[:-1][has]
    cmax = np.zeros(n)
    gmean = np.zeros(n)  # the sum of log2 |a| first
    if len(work):
        cmax[has] = np.maximum.reduceat(work, starts)
        with np.errstate(divide="ignore"):
            gmean[has] = np.add.reduceat(np.log2(work, out=work), starts)
    del starts
    np.exp2(np.divide(gmean, cnt, out=gmean, where=has), out=gmean)
    # the larger finite magnitude of the two bounds (0 where neither is finite)
    bound = np.abs(cm.col_hi)
    bound[~np.isfinite(bound)] = 0.0
    other = np.abs(cm.col_lo)
    other[~np.isfinite(other)] = 0.0
    np.maximum(bound, other, out=bound)
    del other
    cont = cm.integrality == 0
    col = np.ones(n)
    by_bound = cont & (bound > 0)
    col[by_bound] = bound[by_bound]
    del bound
    by_mat = cont & ~by_bound & (cmax > 0)
    col[by_mat] = 1.0 / gmean[by_mat]
    col = pow2(np.clip(col, 1e-12, 1e12))
    col[~cont] = 1.0
    return col


def use_default_threads() -> None:
    """Restart HiGHS's scheduler with its automatic thread count, for a solver that sets no
    ``threads`` option itself (Pyomo's appsi interface)."""
    if _SCHEDULER["threads"] not in (None, 0):
        highspy.Highs.resetGlobalScheduler(True)
        _SCHEDULER["threads"] = 0


#: Environment variable naming a folder: every model :func:`run` hands HiGHS is first written
#: there as ``<pid>-<n>.mps`` with its options as ``<pid>-<n>.opt`` (the
#: MPS-solve floor of ``benchmarks/main_job.py``); unset in normal use.
DUMP_MODELS_ENV = "RECYCLOPT_DUMP_MODELS"
_DUMPED = {"n": 0}


def dump_model(h: highspy.Highs, folder: str) -> None:
    """Write the model ``h`` holds and its options into ``folder`` (see
    :data:`DUMP_MODELS_ENV`)."""
    _DUMPED["n"] += 1
    stem = os.path.join(folder, f"{os.getpid()}-{_DUMPED['n']:05d}")
    h.writeModel(stem + ".mps")
    h.writeOptions(stem + ".opt")


def run(h: highspy.Highs) -> bool:
    """Run HiGHS on the model it holds; False when the run itself returned an error (the
    model status then says more)."""
    folder = os.environ.get(DUMP_MODELS_ENV)
    if folder:
        dump_model(h, folder)
    return h.run() != highspy.HighsStatus.kError


def status(h: highspy.Highs) -> str:
    """The model status after a run, by name: :data:`OPTIMAL`, :data:`INFEASIBLE`,
    :data:`TIME_LIMIT`, ... (``HighsModelStatus``'s name without its ``k``)."""
    return h.getModelStatus().name.removeprefix("k")


def has_solution(h: highspy.Highs) -> bool:
    """Whether the last run left a feasible primal solution (an optimum or an incumbent)."""
    return (getattr(h.getInfo(), "primal_solution_status", 0) == 2
            or h.getModelStatus() == highspy.HighsModelStatus.kOptimal)


def set_start(h: highspy.Highs, x: np.ndarray) -> None:
    """Hand HiGHS a plan (one value per column of the model it holds) as its first
    incumbent."""
    start = highspy.HighsSolution()
    start.col_value = np.asarray(x, dtype=float).tolist()
    start.value_valid = True
    h.setSolution(start)


def write_mps(cm: Compiled, path: str | os.PathLike) -> None:
    """Write the compiled model to ``path`` as an MPS file (HiGHS's writer; the model as
    :func:`handoff` passes it)."""
    h = handoff(cm, time_limit=None, mip_gap=None, threads=None, verbose=False)
    if h.writeModel(str(path)) == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS could not write the model to {str(path)!r}")


def read_mps(path: str | os.PathLike) -> highspy.Highs:
    """A new ``highspy.Highs`` holding the model HiGHS reads from the MPS file ``path``."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    if h.readModel(str(path)) == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS could not read the model file {str(path)!r}")
    return h


def model_size(h: highspy.Highs) -> tuple[int, int, int]:
    """(rows, columns, nonzeros) of the model ``h`` holds."""
    lp = h.getLp()
    return int(lp.num_row_), int(lp.num_col_), int(h.getNumNz())
