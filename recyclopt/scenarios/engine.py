"""Re-solving one plant model under many scenarios without rebuilding it.

How a scenario reaches HiGHS (chosen by measurement, see ``benchmarks/sweep_speed.py``): the
model of a *structure* is built and compiled to standard form once, from its builder's arrays
(:func:`recyclopt.optimize.standard_form.compile_builder`: the same arrays as compiling its
Pyomo model, which is never made) and handed to one ``highspy.Highs``; each
scenario then recomputes only its numbers and pushes the ones that differ from what HiGHS
holds, with ``changeColsCost``, ``changeColsBounds``, ``changeRowsBounds`` and
``changeCoeff``, before ``run``. The assembly code is the single source of truth: the solver's
arrays come from compiling what it builds, and a scenario's numbers come from the same code
(:func:`recyclopt.optimize.model.build_model` with ``pyomo=False``), so they equal a
full rebuild's (tested against :func:`recyclopt.optimize.optimize` on the modified case).

Three tiers, cheapest first (:data:`recyclopt.scenarios.definition.TIERS`):

``price``
    prices, floors, credits, feedstock costs, utility and carbon prices: the per-pair revenue
    and variable cost are re-priced from the kept superstructure, and the objective of the
    flow columns is the linear map ``a * revenue + b * var_cost`` that the assembly code
    applies (its coefficients are read off the assembly once per structure, by probing it with
    unit revenues and costs, and checked against the base objective).
``arrays``
    availabilities, markets, policy limits, fixed costs, capex, discount rate: the arrays are
    re-assembled from the (re-priced) superstructure and their differences pushed.
``superstructure``
    reagent and by-product prices, CO2 factors, per-basis opex: the per-pair tables are
    recomputed first.

**Structure changes.** A scenario whose arrays differ in *structure* from the model held (a
policy constraint absent from the base case, a coefficient that becomes zero, a row whose
bound changes kind) is detected by comparing a signature of the sparsity pattern, the blocks
and the row kinds. Such a scenario is solved on a model built and compiled for its own
structure (a rebuild), which is then kept, so later scenarios of the same structure re-use it.
We chose this over building every model with all policy rows present but relaxed: it keeps the
optimizer's model untouched and costs one rebuild per distinct structure, not per scenario.

Each MIP run starts from a cleared solver state (``clearSolver``), and the LP check's
answers do not depend on the LP's history (:meth:`SweepEngine._lp_proof`), so a scenario's
result depends only on its own numbers, never on which scenarios the same worker solved
before: the serial, process-pool and Dask backends give identical results.

**Per scenario, cheaply** (timings: ``benchmarks/sweep_speed.py`` and
``benchmarks/RESULTS.md``):

* *LP check* (:attr:`EngineOptions.lp_check`): a second HiGHS instance holds the LP
  relaxation, hot-started from its last basis; when its bound proves the warm start optimal,
  or its optimum is integral, no MIP runs (an LP costs a fraction of a MIP run);
* *warm start*: HiGHS gets the base case's plan (solved once per engine, so the same on
  every worker) as its first incumbent whenever that plan satisfies the scenario's bounds and
  rows (checked in numpy; always so on the ``price`` tier), and then skips its
  feasibility-jump heuristic, whose only job is finding a first incumbent;
* *lean HiGHS options* on small models (:data:`recyclopt.optimize.highs.LEAN_OPTIONS`): no
  symmetry detection or sub-MIP heuristics, which cost more than they save on a few hundred
  columns; the optimum is proven at the same gap;
* the ``price`` tier re-prices the objective from arrays (:class:`_PriceMap`), without a
  copy of the superstructure's tables, and pushes only the costs;
* the sweep row is read straight from the solution vector
  (:class:`recyclopt.optimize.plan.PlanReader`, equal to the full plan's numbers); the
  :class:`~recyclopt.optimize.PlantPlan` is built only when kept (``keep_plan``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..constants import KG_PER_T
from ..errors import InputError
from ..optimize import highs
from ..optimize.case import Case
from ..optimize.coefficients import all_elements
from ..optimize.model import OptModel, build_model, stack_csr
from ..optimize.plan import PlanReader, PlantPlan, read_plan
from ..optimize.solve import SolveInfo, standard_form_of
from ..optimize.standard_form import bound_ahead
from ..optimize.superstructure import Superstructure, build, pair_revenue
from .definition import TIERS, Scenario, scenario_case

#: Variable blocks that make up a plant's design (first-stage decisions).
DESIGN_BLOCKS = ("cap", "build", "seg_z", "seg_w", "units", "staff", "use")


@dataclass(frozen=True)
class EngineOptions:
    """Solver settings of a sweep (the same on every worker).

    Attributes
    ----------
    objective, mode : override the case's (None: the case's own).
    mip_gap : relative MIP gap at which HiGHS stops.
    time_limit : seconds per scenario (None: no limit).
    threads : HiGHS threads per worker (1 keeps workers from competing for cores).
    fixed_design : also evaluate each scenario with the base plan's design fixed (capacities,
        equipment, staff) and only the operation re-optimised: the NPV of committing to the
        deterministic plan, which can be negative (probability of loss).
    warm_start : hand HiGHS the base case's optimal plan as a start whenever it satisfies the
        scenario's bounds and rows (always on the ``price`` tier), and skip HiGHS's
        feasibility-jump heuristic then (it only looks for a first feasible plan, which the
        start is). The start depends only on the base case, never on earlier scenarios.
    lp_check : before the MIP, solve the scenario's LP relaxation (a second HiGHS instance
        per structure, kept in step with the MIP's); when its bound is within the MIP gap of
        the warm start's objective, the start is optimal, and when its optimum is integral,
        that is optimal: either way the MIP is not run (see :meth:`SweepEngine._lp_proof`).
    lean_highs : run HiGHS without symmetry detection and its sub-MIP heuristics (RINS,
        RENS, root reduced cost) (:data:`recyclopt.optimize.highs.LEAN_OPTIONS`); None: on models of at
        most :data:`SMALL_MIP_COLUMNS` columns, where that machinery costs more than the
        search it saves.
    """

    objective: str | None = None
    mode: str | None = None
    mip_gap: float = 1e-6
    time_limit: float | None = None
    threads: int = 1
    fixed_design: bool = True
    warm_start: bool = True
    lean_highs: bool | None = None
    lp_check: bool = True


#: Compiled models with at most this many columns are solved with HiGHS's lean options
#: (:data:`recyclopt.optimize.highs.LEAN_OPTIONS`) unless :attr:`EngineOptions.lean_highs`
#: says otherwise: above it the sub-MIP heuristics pay (``benchmarks/RESULTS.md``, sweeps).
SMALL_MIP_COLUMNS = 2000


@dataclass
class _Arrays:
    """A model's numbers in the order of its matrix builder."""

    c: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    A: sp.csr_matrix  # explicit zeros removed, indices sorted
    sig: str


def _arrays(om: OptModel) -> _Arrays:
    mb = om.builder
    blocks = sorted(mb.blocks.values(), key=lambda b: b.offset)
    col_lo = np.concatenate([b.lb for b in blocks]) if blocks else np.zeros(0)
    col_hi = np.concatenate([b.ub for b in blocks]) if blocks else np.zeros(0)
    if mb.groups:
        # the groups' CSR arrays (sorted, summed column indices) stacked row-wise, explicit
        # zeros dropped: numpy only, no sparse-matrix constructor per group
        data, indices, indptr = stack_csr([g.csr for g in mb.groups])
        data = data.astype(float, copy=False)
        counts = np.diff(indptr)
        keep = data != 0
        if not keep.all():
            row = np.repeat(np.arange(len(counts)), counts)
            data, indices = data[keep], indices[keep]
            counts = np.bincount(row[keep], minlength=len(counts))
            indptr = np.zeros(len(counts) + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
        A = sp.csr_matrix((data, indices, indptr), shape=(len(counts), mb.n))
        A.sort_indices()  # a no-op check when the groups' indices are sorted (the builder's)
        row_lo = np.concatenate([g.lo for g in mb.groups])
        row_hi = np.concatenate([g.hi for g in mb.groups])
    else:
        A = sp.csr_matrix((0, mb.n))
        row_lo = row_hi = np.zeros(0)
    h = hashlib.sha256()
    h.update(repr([(b.name, b.size, b.kind, b.offset) for b in blocks]).encode())
    h.update(repr([(g.name, g.shape[0]) for g in mb.groups]).encode())
    h.update(A.indptr.tobytes())
    h.update(A.indices.tobytes())
    kinds = (np.isfinite(row_lo).astype(np.int8) + 2 * np.isfinite(row_hi).astype(np.int8)
             + 4 * (row_lo == row_hi).astype(np.int8))
    h.update(kinds.tobytes())
    used = np.zeros(mb.n, dtype=bool)
    used[A.indices] = True
    used |= om.c != 0
    h.update(np.packbits(used).tobytes())
    return _Arrays(np.asarray(om.c, float), col_lo, col_hi, row_lo, row_hi, A,
                   h.hexdigest()[:24])


@dataclass
class _Struct:
    """One compiled model and the maps between its builder and its compiled arrays."""

    om: OptModel
    arr: _Arrays
    h: Any
    ccol: np.ndarray  # compiled column -> builder column
    crow: np.ndarray  # compiled row -> builder row
    ctype: np.ndarray  # compiled row bound type: 0 ==, 1 <=, -1 >=
    nz_r: np.ndarray  # compiled nonzeros: row, column, builder nonzero index
    nz_j: np.ndarray
    nz_q: np.ndarray
    integer: np.ndarray  # builder columns that are integer
    offset: float = 0.0  # the objective's constant (the same in every scenario)
    lp: Any = None  # a highspy.Highs with the LP relaxation (lp_check), in step with h
    lp_basis: Any = None  # the LP's optimal basis at the structure's own numbers
    icols: np.ndarray | None = None  # compiled columns that are integer
    cur: dict[str, np.ndarray] = field(default_factory=dict)  # what HiGHS holds
    price_map: tuple[np.ndarray, ...] | None = None  # x columns, pair of each, c0, a, b
    targets: dict[str, np.ndarray] = field(default_factory=dict)  # of its own arrays
    reader: PlanReader | None = None  # reads its own model's plans


@dataclass
class ScenarioResult:
    """One scenario's outcome: a flat ``row`` for the store, and the plan when kept."""

    row: dict[str, Any]
    plan: PlantPlan | None = None


@dataclass
class _Prepared:
    """One scenario ready to solve: its case, tier, structure, numbers and plan reader."""

    case: Case
    tier: str
    s: _Struct
    t: dict[str, np.ndarray]  # compiled-order numbers
    reader: PlanReader
    col_lo: np.ndarray  # builder-order column bounds
    col_hi: np.ndarray
    price: bool = False  # the base structure, only the objective re-priced
    om: OptModel | None = None  # the arrays-only model (made on demand on the price tier)
    c: np.ndarray | None = None  # price tier: objective, per-pair revenue and variable cost
    revenue: np.ndarray | None = None
    var: np.ndarray | None = None


class _PriceMap:
    """What re-pricing a superstructure needs, as arrays (read once from the superstructure).

    :meth:`prices` gives the per-pair revenue and variable cost of a case that differs from
    the superstructure's only in ``price``-tier parameters: the revenue by the superstructure's
    own :func:`~recyclopt.optimize.superstructure.pair_revenue`, the variable cost with the
    same operations, in the same order, as its assembly (so the numbers are identical).
    """

    def __init__(self, sup: Superstructure, elements: list[str]) -> None:
        base, pairs, rec = sup.case, sup.pairs, sup.recovered
        self.base = base
        self.revenue0 = pairs["revenue_usd_per_unit"].to_numpy()
        self.var0 = pairs["var_cost_usd_per_unit"].to_numpy()
        # recovered kg per unit, columns in element order (as the superstructure sums along
        # a path), and the (form, element) of each
        self.cols: list[tuple[str, str]] = []
        order: list[int] = []
        if rec.columns.size:
            for e in elements:
                for j, c in enumerate(rec.columns):
                    if c[1] == e:
                        self.cols.append((c[0], e))
                        order.append(j)
        self.has_rec = bool(rec.columns.size)
        self.R = rec.to_numpy(dtype=float)[:, order] if order else np.zeros((len(pairs), 0))
        fnames = pairs["feedstock"].tolist()
        self.fpairs = {n: np.array([f == n for f in fnames]) for n in set(fnames)}
        self.fc0 = {f.name: f.cost_usd_per_unit for f in base.feedstocks}
        self.kwh = pairs["kwh_per_unit"].to_numpy()
        self.heat = pairs["heat_kwh_per_unit"].to_numpy()
        self.co2 = pairs["co2_kg_per_unit"].to_numpy()

    def prices(self, case_s: Case) -> tuple[np.ndarray, np.ndarray]:
        """Per-pair ``(revenue, var_cost)`` of ``case_s``."""
        base = self.base
        revenue = pair_revenue(self.R, self.cols, case_s) if self.has_rec else self.revenue0
        var = self.var0.copy()
        dfc = {f.name: f.cost_usd_per_unit - self.fc0[f.name] for f in case_s.feedstocks
               if f.cost_usd_per_unit != self.fc0[f.name]}
        if dfc:
            d = np.zeros(len(var))
            for n, v in dfc.items():
                m = self.fpairs.get(n)
                if m is not None:
                    d[m] = v
            var = var + d
        if case_s.electricity_usd_per_kwh != base.electricity_usd_per_kwh:
            var = var + self.kwh * (case_s.electricity_usd_per_kwh - base.electricity_usd_per_kwh)
        if case_s.heat_usd_per_kwh != base.heat_usd_per_kwh:
            var = var + self.heat * (case_s.heat_usd_per_kwh - base.heat_usd_per_kwh)
        dcp = case_s.policy.carbon_price_usd_per_t - base.policy.carbon_price_usd_per_t
        if dcp:
            var = var + self.co2 / KG_PER_T * dcp
        return revenue, var


def _compiled_maps(om: OptModel, cm: Any) -> tuple[np.ndarray, np.ndarray]:
    """The builder column of each compiled column and the builder row of each compiled row
    (groups stacked in order)."""
    if om.model is None:  # compiled from the builder: its columns, rows named by number
        return (np.arange(om.builder.n, dtype=np.int64),
                np.array([r.row for r in cm.rows], dtype=np.int64))
    pos = {id(v): j for j, v in enumerate(om.columns)}
    ccol = np.array([pos[id(v)] for v in cm.columns], dtype=np.int64)
    gpos: dict[str, int] = {}
    off = 0
    for g in om.builder.groups:
        gpos[g.name] = off
        off += g.A.shape[0]
    crow = np.array([gpos[r.constraint.parent_component().name] + int(r.constraint.index())
                     for r in cm.rows], dtype=np.int64)
    return ccol, crow


class SweepEngine:
    """Solve a case under many scenarios, re-using one compiled model per structure.

    Parameters
    ----------
    case : the base case.
    options : solver settings (:class:`EngineOptions`).
    settings : lever settings (:func:`recyclopt.scenarios.policy.resolve_settings`); the
        defaults when None.
    design : a fixed design (builder-order values of :data:`DESIGN_BLOCKS`) for the
        fixed-design evaluation; computed from the base case's plan when needed and None.
    sup : the superstructure built from this ``case`` object when already at hand (a
        sweep's workers get the driver's, unpickled with the case, so none of them re-runs
        the flowsheets); built here when None.
    """

    def __init__(self, case: Case, options: EngineOptions | None = None, settings: Any = None,
                 design: np.ndarray | None = None, sup: Superstructure | None = None) -> None:
        from .policy import resolve_settings

        if sup is not None and sup.case is not case:
            raise ValueError("sup must be the superstructure built from this case object")
        self.case = case
        self.options = options or EngineOptions()
        self.settings = settings if settings is not None else resolve_settings(case, {})
        self.sup = sup if sup is not None else build(case)
        self._els = all_elements(case)
        self._specs: dict[str, Any] = {}  # find_param memo for self.case (scenario_case)
        self._pm = _PriceMap(self.sup, self._els)
        self._structs: dict[str, _Struct] = {}
        t0 = time.perf_counter()
        self.base = self._new_struct(build_model(case, objective=self.options.objective,
                                                 mode=self.options.mode, sup=self.sup,
                                                 pyomo=False))
        self.build_s = time.perf_counter() - t0
        self._design = design
        self._x0: np.ndarray | None = None  # the base case's plan (builder order)
        self._x0_info: SolveInfo | None = None  # set once it is solved
        self.n_rebuilds = 0
        #: solver runs by outcome, fixed-design runs included: ``mip`` (HiGHS's branch and
        #: bound ran), ``lp_start`` (the LP bound proved the warm start optimal) and
        #: ``lp_integral`` (the LP optimum was integral), see :attr:`EngineOptions.lp_check`
        self.runs: dict[str, int] = {"mip": 0, "lp_start": 0, "lp_integral": 0}
        #: seconds spent per part, summed over the scenarios solved: ``case`` (applying the
        #: scenario's values), ``model`` (its numbers, and a rebuild for a new structure),
        #: ``highs`` (``Highs.run``, the fixed-design run and the base plan's one-off solve
        #: included), ``read`` (the row, the fixed-design NPV, the plan when kept) and
        #: ``other`` (the rest of :meth:`solve_values`: pushing the numbers, the warm start,
        #: reading HiGHS's solution, bookkeeping)
        self.timings: dict[str, float] = dict.fromkeys(("case", "model", "highs", "read",
                                                        "other"), 0.0)

    # ------------------------------------------------------------------ structures
    def _new_struct(self, om: OptModel) -> _Struct:
        arr = _arrays(om)
        cm = standard_form_of(om)  # without a Pyomo model: compiled from the builder
        h = highs.handoff(cm, time_limit=self.options.time_limit, mip_gap=self.options.mip_gap,
                          threads=self.options.threads, verbose=False)
        ccol, crow = _compiled_maps(om, cm)
        ctype = np.array([r.bound_type for r in cm.rows], dtype=np.int64)
        # compiled nonzeros -> builder nonzeros
        A = arr.A
        key = {}
        for i in range(A.shape[0]):
            for q in range(A.indptr[i], A.indptr[i + 1]):
                key[(i, int(A.indices[q]))] = q
        C = sp.coo_matrix(cm.A)
        nz_r, nz_j, nz_q = [], [], []
        for r, j, v in zip(C.row, C.col, C.data, strict=True):
            q = key.get((int(crow[r]), int(ccol[j])))
            if q is None:
                if v != 0.0:
                    raise InputError("sweep engine: the compiled model has a coefficient the "
                                     "assembly does not (model and compiler disagree)")
                continue
            if A.data[q] != v:
                raise InputError("sweep engine: a compiled coefficient differs from the "
                                 "assembled one (model and compiler disagree)")
            nz_r.append(r)
            nz_j.append(j)
            nz_q.append(q)
        integer = np.zeros(om.builder.n, dtype=bool)
        for b in om.builder.blocks.values():
            if b.kind in ("B", "I"):
                integer[b.offset:b.offset + b.size] = True
        s = _Struct(om, arr, h, ccol, crow, ctype, np.array(nz_r, np.int32),
                    np.array(nz_j, np.int32), np.array(nz_q, np.int64), integer,
                    offset=float(cm.offset))
        s.icols = np.flatnonzero(integer[ccol])
        if self.options.lp_check:
            s.lp = highs.handoff(cm.relaxation(), time_limit=self.options.time_limit,
                                 mip_gap=None, threads=self.options.threads, verbose=False)
            highs.run(s.lp)
            if highs.status(s.lp) == highs.OPTIMAL:
                s.lp_basis = s.lp.getBasis()
        s.cur = self._targets(s, arr)
        for k, ref in (("c", cm.c), ("col_lo", cm.col_lo), ("col_hi", cm.col_hi),
                       ("row_lo", cm.row_lo), ("row_hi", cm.row_hi)):
            if not np.array_equal(s.cur[k], np.asarray(ref, float)):
                raise InputError(f"sweep engine: compiled {k} differs from the assembled one")
        s.price_map = self._probe_price_map(om, arr)
        s.cur = {k: np.array(v, copy=True) for k, v in s.cur.items()}
        for v in s.cur.values():  # the structure's own numbers: shared, never modified
            v.flags.writeable = False
        s.targets = s.cur
        s.reader = PlanReader(om, like=self.base.reader if self._structs else None)
        lean = self.options.lean_highs
        if lean if lean is not None else len(s.ccol) <= SMALL_MIP_COLUMNS:
            for name, value in highs.LEAN_OPTIONS.items():
                h.setOptionValue(name, value)
        self._structs[arr.sig] = s
        return s

    def _probe_price_map(self, om: OptModel, arr: _Arrays) -> tuple[np.ndarray, ...] | None:
        """Objective of the flow columns as ``c0 + a * revenue[k] + b * var_cost[k]``, read off
        the assembly; None when the base objective does not follow that form."""
        sup = om.sup
        K = len(sup.pairs)
        xb = om.builder.blocks["x"]
        xcols = np.arange(xb.offset, xb.offset + xb.size)
        kx = np.array([lab[0] for lab in xb.labels], dtype=np.int64)

        def c_with(rev: float, var: float) -> np.ndarray:
            pairs = sup.pairs.copy()
            pairs["revenue_usd_per_unit"] = np.full(K, rev)
            pairs["var_cost_usd_per_unit"] = np.full(K, var)
            s2 = dataclasses.replace(sup, pairs=pairs)
            return build_model(om.case, objective=self.options.objective, mode=self.options.mode,
                               sup=s2, pyomo=False).c

        c0, c1, c2 = c_with(0.0, 0.0), c_with(1.0, 0.0), c_with(0.0, 1.0)
        a, b = c1[xcols] - c0[xcols], c2[xcols] - c0[xcols]
        rest = np.ones(len(c0), dtype=bool)
        rest[xcols] = False
        rev = sup.pairs["revenue_usd_per_unit"].to_numpy()[kx]
        var = sup.pairs["var_cost_usd_per_unit"].to_numpy()[kx]
        pred = c0[xcols] + a * rev + b * var
        scale = np.maximum(np.abs(arr.c[xcols]), 1.0)
        if not (np.array_equal(c0[rest], arr.c[rest]) and np.array_equal(c1[rest], c0[rest])
                and np.all(np.abs(pred - arr.c[xcols]) <= 1e-12 * scale)):
            return None
        return xcols, kx, c0[xcols], a, b

    def _targets(self, s: _Struct, arr: _Arrays) -> dict[str, np.ndarray]:
        """The compiled-order numbers of ``arr``."""
        lo, hi = arr.row_lo[s.crow], arr.row_hi[s.crow]
        return {
            "c": arr.c[s.ccol],
            "col_lo": arr.col_lo[s.ccol], "col_hi": arr.col_hi[s.ccol],
            "row_lo": np.where(s.ctype == 1, -np.inf, lo),
            "row_hi": np.where(s.ctype == -1, np.inf, np.where(s.ctype == 0, lo, hi)),
            "A": arr.A.data,
        }

    def _push(self, s: _Struct, t: dict[str, np.ndarray]) -> None:
        """Hand HiGHS the numbers of ``t`` that differ from what it holds (the MIP instance
        and, with :attr:`EngineOptions.lp_check`, the LP one). An array that is the very
        object HiGHS's numbers were last taken from is not compared (the price tier shares
        every array but the costs with the structure's own, which are read-only)."""
        cur = s.cur
        new = dict(cur)
        hs = [h for h in (s.h, s.lp) if h is not None]

        def moved(*keys: str) -> bool:
            return any(t[k] is not cur[k] for k in keys)

        if moved("c"):
            d = np.flatnonzero(t["c"] != cur["c"])
            if len(d):
                for h in hs:
                    h.changeColsCost(len(d), d.astype(np.int32), t["c"][d])
        if moved("col_lo", "col_hi"):
            d = np.flatnonzero((t["col_lo"] != cur["col_lo"]) | (t["col_hi"] != cur["col_hi"]))
            if len(d):
                for h in hs:
                    h.changeColsBounds(len(d), d.astype(np.int32), t["col_lo"][d],
                                       t["col_hi"][d])
        if moved("row_lo", "row_hi"):
            d = np.flatnonzero((t["row_lo"] != cur["row_lo"]) | (t["row_hi"] != cur["row_hi"]))
            if len(d):
                for h in hs:
                    h.changeRowsBounds(len(d), d.astype(np.int32), t["row_lo"][d],
                                       t["row_hi"][d])
        if moved("A"):
            changed = t["A"] != cur["A"]
            if changed.any():
                sel = np.flatnonzero(changed[s.nz_q])
                for r, j, q in zip(s.nz_r[sel], s.nz_j[sel], s.nz_q[sel], strict=True):
                    for h in hs:
                        h.changeCoeff(int(r), int(j), float(t["A"][q]))
        for k, v in t.items():
            if v is not cur[k]:
                new[k] = v if not v.flags.writeable else np.array(v, copy=True)
        s.cur = new

    # ------------------------------------------------------------------ re-pricing
    def reprice(self, sup: Superstructure, case_s: Case) -> Superstructure:
        """``sup`` (built for ``self.case``) with the revenue and variable cost per pair of
        ``case_s``, which may differ from the base only in ``price``-tier parameters (and
        parameters that do not enter the superstructure)."""
        pm = self._pm if sup is self.sup else _PriceMap(sup, self._els)
        revenue, var = pm.prices(case_s)
        pairs = sup.pairs.copy()
        pairs["revenue_usd_per_unit"] = revenue
        pairs["var_cost_usd_per_unit"] = var
        out = dataclasses.replace(sup, case=case_s, pairs=pairs)
        # the numpy columns the model builder reads (Superstructure.column), converted once
        # for the kept superstructure: the same arrays, but the two re-priced ones
        cache = dict(sup.__dict__.get("_columns", {}))
        cache[("pairs", "revenue_usd_per_unit")] = pairs["revenue_usd_per_unit"].to_numpy()
        cache[("pairs", "var_cost_usd_per_unit")] = pairs["var_cost_usd_per_unit"].to_numpy()
        out.__dict__["_columns"] = cache
        return out

    def _price_c(self, s: _Struct, revenue: np.ndarray, var: np.ndarray) -> np.ndarray:
        """The objective (builder order) of structure ``s`` at these per-pair prices."""
        xcols, kx, c0, a, b = s.price_map
        c = s.arr.c.copy()
        c[xcols] = a * revenue[kx] + b * var[kx]
        if c0.any():
            c[xcols] += c0
        return c

    # ------------------------------------------------------------------ solving
    def scenario_model(self, case_s: Case, tier: str) -> tuple[_Struct, OptModel, _Arrays]:
        """The structure a scenario is solved on, its arrays-only model and its arrays.

        On the ``price`` tier only the objective differs from the base structure's arrays; on
        the others the arrays are re-assembled, and a structure not seen before is built and
        compiled once (a rebuild) and kept.
        """
        opts = self.options
        if tier == "superstructure":
            sup_s = build(case_s)
        else:
            sup_s = self.reprice(self.sup, case_s)
        if tier == "price" and self.base.price_map is not None:
            s = self.base
            c = self._price_c(s, sup_s.pairs["revenue_usd_per_unit"].to_numpy(),
                              sup_s.pairs["var_cost_usd_per_unit"].to_numpy())
            om_s = dataclasses.replace(s.om, case=case_s, sup=sup_s, c=c, model=None,
                                       columns=[])
            arr = dataclasses.replace(s.arr, c=c)
            return s, om_s, arr
        om_s = build_model(case_s, objective=opts.objective, mode=opts.mode, sup=sup_s,
                           pyomo=False)
        arr = _arrays(om_s)
        s = self._structs.get(arr.sig)
        if s is None:  # a new structure: build and compile its model once, keep it
            self.n_rebuilds += 1
            s = self._new_struct(build_model(case_s, objective=opts.objective, mode=opts.mode,
                                             sup=sup_s, pyomo=False))
        return s, om_s, arr

    def _run(self, s: _Struct, t: dict[str, np.ndarray], start: np.ndarray | None = None
             ) -> tuple[np.ndarray | None, SolveInfo]:
        """Push ``t`` (compiled order), solve from a cleared state, return the plan in builder
        order (None without a usable solution) and the solver's info. ``start``: a feasible
        plan (compiled order) handed to HiGHS as its first incumbent, or returned as the
        optimum when the LP relaxation proves it (:attr:`EngineOptions.lp_check`)."""
        self._push(s, t)
        n_int = int(s.integer.sum())
        if s.lp is not None:
            proof = self._lp_proof(s, t, start, n_int)
            if proof is not None:
                self.runs["lp_start" if proof[0] is start else "lp_integral"] += 1
                return self._builder_x(s, proof[0]), proof[1]
        self.runs["mip"] += 1
        h = s.h
        h.clearSolver()
        # another solve in this process may have restarted HiGHS's scheduler with another
        # thread count; a persistent instance must re-assert its own before running
        highs.set_threads(h, self.options.threads)
        h.setOptionValue("mip_heuristic_run_feasibility_jump", start is None)
        if start is not None:
            highs.set_start(h, start)
        t0 = time.perf_counter()
        highs.run(h)
        dt = time.perf_counter() - t0
        self.timings["highs"] += dt
        status = highs.status(h)
        info_h = h.getInfo()
        has_sol = bool(getattr(info_h, "primal_solution_status", 0) == 2)
        ok = status == highs.OPTIMAL
        gap = float(getattr(info_h, "mip_gap", 0.0)) if n_int else 0.0
        info = SolveInfo(h.modelStatusToString(h.getModelStatus()),
                         float(info_h.objective_function_value) if (ok or has_sol) else math.nan,
                         ok, gap if math.isfinite(gap) else math.inf, dt, 0.0,
                         len(s.ccol), 0, n_int, len(s.crow), len(s.nz_q))
        if not (ok or (has_sol and status in highs.LIMITS)):
            return None, info
        return self._builder_x(s, np.asarray(h.getSolution().col_value)), info

    @staticmethod
    def _builder_x(s: _Struct, xc: np.ndarray) -> np.ndarray:
        """A compiled-order plan in builder order (columns the compiler dropped at their
        lower bound, or 0 when it is infinite), integer columns rounded."""
        x = s.arr.col_lo.copy()
        x[~np.isfinite(x)] = 0.0
        x[s.ccol] = xc
        x[s.integer] = np.round(x[s.integer])
        return x

    def _lp_proof(self, s: _Struct, t: dict[str, np.ndarray], start: np.ndarray | None,
                  n_int: int) -> tuple[np.ndarray, SolveInfo] | None:
        """A plan (compiled order) and its info when the LP relaxation proves it optimal,
        else None (then the MIP runs).

        Two proofs, cheapest first:

        1. *the start*: the LP instance holds the same numbers as the MIP one (:meth:`_push`
           feeds both) and keeps its last basis, so a scenario is a few simplex iterations
           from the previous one. When the LP bound is within the MIP gap of the start's
           objective (HiGHS's own stopping rule: bound - objective <= max(``mip_abs_gap``,
           ``mip_gap`` x abs(objective))), the start is optimal. The start is the base plan
           and the bound is the LP optimum, which does not depend on the basis it started
           from, so the answer does not depend on the scenarios solved before.
        2. *an integral LP optimum*: the LP is solved again from the structure's own optimal
           basis (fixed, so the vertex reached depends only on this scenario's numbers); when
           every integer column is integral there (within 1e-9), that vertex is a MIP
           optimum.
        """
        lp = s.lp
        highs.set_threads(lp, self.options.threads)
        dt = 0.0

        def run() -> bool:
            nonlocal dt
            t0 = time.perf_counter()
            highs.run(lp)
            d = time.perf_counter() - t0
            dt += d
            self.timings["highs"] += d
            return highs.status(lp) == highs.OPTIMAL

        def info(z: float, ahead: float) -> SolveInfo:
            return SolveInfo("Optimal", z, True, max(ahead, 0.0) / max(1.0, abs(z)), dt, 0.0,
                             len(s.ccol), 0, n_int, len(s.crow), len(s.nz_q))

        if start is not None:
            if not run():
                return None
            bound = float(lp.getInfo().objective_function_value)
            z0 = float(np.dot(t["c"], start)) + s.offset
            ahead = bound_ahead(s.om.sense, bound, z0)
            abs_gap = float(s.h.getOptionValue("mip_abs_gap")[1])  # (status, value)
            if ahead <= max(abs_gap, self.options.mip_gap * abs(z0)):
                return start, info(z0, ahead)
        if s.lp_basis is None:
            return None
        lp.clearSolver()
        lp.setBasis(s.lp_basis)
        if not run():
            return None
        x = np.asarray(lp.getSolution().col_value)
        xi = x[s.icols]
        if np.any(np.abs(xi - np.round(xi)) > 1e-9):
            return None
        return x, info(float(lp.getInfo().objective_function_value), 0.0)

    # ------------------------------------------------------------------ warm start
    def _base_solution(self) -> np.ndarray | None:
        """The base case's plan (builder order; optimal unless a time limit stopped HiGHS),
        solved once without a start; None when the base case has none."""
        if self._x0_info is None:
            s = self.base
            self._x0, self._x0_info = self._run(s, s.targets)
        return self._x0

    def warm_up(self) -> None:
        """Solve the base case's plan now (every scenario's warm start, and the fixed design)
        instead of in the first scenario: a sweep's worker does it while it starts."""
        if self.options.warm_start or self.options.fixed_design:
            self._base_solution()

    def _start(self, s: _Struct, t: dict[str, np.ndarray], *, price: bool = False
               ) -> np.ndarray | None:
        """The base case's optimal plan in ``s``'s compiled order when it satisfies the
        bounds and rows ``t`` (on the ``price`` tier it always does: only the objective
        differs from the base case); None otherwise or without warm starts."""
        if not self.options.warm_start:
            return None
        x0 = self._base_solution()
        if x0 is None or len(x0) != s.om.builder.n:
            return None
        xc = x0[s.ccol]
        if price and s is self.base:
            return xc
        return xc if self.satisfies(s, t, xc) else None

    @staticmethod
    def satisfies(s: _Struct, t: dict[str, np.ndarray], xc: np.ndarray) -> bool:
        """Whether the plan ``xc`` (compiled order of ``s``) satisfies the bounds and rows of
        ``t`` (within 1e-9 relative): only then may it be a start, or be proven optimal."""
        tol = 1e-9
        if np.any(xc < t["col_lo"] - tol * np.maximum(1.0, np.abs(t["col_lo"]))) or np.any(
                xc > t["col_hi"] + tol * np.maximum(1.0, np.abs(t["col_hi"]))):
            return False
        ax = np.zeros(len(s.crow))
        if len(s.nz_q):
            np.add.at(ax, s.nz_r, t["A"][s.nz_q] * xc[s.nz_j])
        lo, hi = t["row_lo"], t["row_hi"]
        return not (np.any(ax < lo - tol * np.maximum(1.0, np.abs(lo))) or np.any(
            ax > hi + tol * np.maximum(1.0, np.abs(hi))))

    # ------------------------------------------------------------------ scenarios
    def design_columns(self, om: OptModel) -> np.ndarray:
        """Builder columns of the design blocks."""
        cols = [np.arange(b.offset, b.offset + b.size) for n, b in om.builder.blocks.items()
                if n in DESIGN_BLOCKS]
        return np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)

    @property
    def design(self) -> np.ndarray:
        """The base plan's design (builder-order values of the design columns)."""
        if self._design is None:
            x = self._base_solution()
            if x is None:
                raise InputError("the base case has no plan to fix "
                                 f"({self._x0_info.status if self._x0_info else ''})")
            self._design = x[self.design_columns(self.base.om)]
        return self._design

    def _prepare(self, values: dict[str, float]) -> _Prepared:
        """A scenario's structure, numbers (compiled order) and plan reader."""
        t0 = time.perf_counter()
        case_s, tier, _ = scenario_case(self.case, values, self.settings, specs=self._specs)
        t1 = time.perf_counter()
        self.timings["case"] += t1 - t0
        if tier == "price" and self.base.price_map is not None:
            s = self.base
            revenue, var = self._pm.prices(case_s)
            c = self._price_c(s, revenue, var)
            t = dict(s.targets)
            t["c"] = c[s.ccol]
            p = _Prepared(case_s, tier, s, t, s.reader.with_prices(revenue, var),
                          col_lo=s.arr.col_lo, col_hi=s.arr.col_hi, price=True,
                          c=c, revenue=revenue, var=var)
        else:
            s, om_s, arr = self.scenario_model(case_s, tier)
            p = _Prepared(case_s, tier, s, self._targets(s, arr),
                          PlanReader(om_s, like=s.reader), col_lo=arr.col_lo,
                          col_hi=arr.col_hi, om=om_s)
        self.timings["model"] += time.perf_counter() - t1
        return p

    def _model_of(self, p: _Prepared) -> OptModel:
        """The arrays-only model of a prepared scenario (made on demand on the price tier)."""
        if p.om is None:
            s = p.s
            pairs = s.om.sup.pairs.copy()
            pairs["revenue_usd_per_unit"] = p.revenue
            pairs["var_cost_usd_per_unit"] = p.var
            sup_s = dataclasses.replace(s.om.sup, case=p.case, pairs=pairs)
            p.om = dataclasses.replace(s.om, case=p.case, sup=sup_s, c=p.c, model=None,
                                       columns=[])
        return p.om

    def _solve(self, values: dict[str, float], fixed_design: bool, keep_plan: bool = False
               ) -> tuple[dict[str, Any], PlantPlan | None, np.ndarray | None, SolveInfo]:
        p = self._prepare(values)
        s = p.s
        row: dict[str, Any] = {"tier": p.tier,
                               "structure": "base" if s is self.base else s.arr.sig[:12]}
        x, info = self._run(s, p.t, self._start(s, p.t, price=p.price))
        t0 = time.perf_counter()
        row.update(_empty_row(self.case))
        if info.proven_optimal:
            row["status"] = "optimal"
        elif x is not None:
            row["status"] = "feasible"
        else:
            row["status"] = info.status.lower().replace(" ", "_")
        plan = None
        if x is not None:
            row.update(p.reader.row(x, info.objective))
            if keep_plan:
                plan = read_plan(self._model_of(p), x, info, 0.0)
        self.timings["read"] += time.perf_counter() - t0
        if fixed_design:
            row["npv_fixed_design_usd"] = self._fixed_design_npv(p)
        return row, plan, x, info

    def solve_values(self, values: dict[str, float], *, scenario_id: str = "", set_name: str = "",
                     index: int = 0, keep_plan: bool = False,
                     fixed_design: bool | None = None) -> ScenarioResult:
        """Solve one scenario given by its values (case paths and lever paths)."""
        t0 = time.perf_counter()
        parts = sum(v for k, v in self.timings.items() if k != "other")
        fixed_design = self.options.fixed_design if fixed_design is None else fixed_design
        row: dict[str, Any] = {"id": scenario_id, "set": set_name, "index": int(index)}
        r, plan, _, _ = self._solve(values, fixed_design, keep_plan)
        row.update(r)
        row["solve_s"] = time.perf_counter() - t0
        self.timings["other"] += row["solve_s"] - (
            sum(v for k, v in self.timings.items() if k != "other") - parts)
        return ScenarioResult(row, plan if keep_plan else None)

    def _fixed_design_npv(self, p: _Prepared, design: np.ndarray | None = None) -> float:
        s = p.s
        dcols = self.design_columns(s.om)
        design = self.design if design is None else design
        if len(dcols) != len(design):
            return math.nan
        lo, hi = p.col_lo.copy(), p.col_hi.copy()
        v = np.minimum(np.maximum(design, lo[dcols]), hi[dcols])
        lo[dcols] = v
        hi[dcols] = v
        t = dict(p.t)
        t["col_lo"], t["col_hi"] = lo[s.ccol], hi[s.ccol]
        x, info = self._run(s, t, self._start(s, t))
        if x is None:
            return math.nan
        x[dcols] = design  # the design as built, even where a scenario's bounds are tighter
        t0 = time.perf_counter()
        npv = p.reader.npv(x)
        self.timings["read"] += time.perf_counter() - t0
        return npv

    def evaluate_design(self, values: dict[str, float], design: np.ndarray) -> float:
        """NPV of building ``design`` (builder-order values of :data:`DESIGN_BLOCKS`) and
        operating it as well as possible under the scenario ``values``; NaN when the design
        cannot operate feasibly there."""
        return self._fixed_design_npv(self._prepare(values), np.asarray(design, float))

    def solve(self, scenario: Scenario, *, keep_plan: bool = False) -> ScenarioResult:
        """Solve one :class:`~recyclopt.scenarios.definition.Scenario`; never raises for an
        infeasible or failed scenario (its ``status`` says so)."""
        import json

        try:
            res = self.solve_values(scenario.values, scenario_id=scenario.id,
                                    set_name=scenario.set, index=scenario.index,
                                    keep_plan=keep_plan)
        except InputError as exc:
            res = ScenarioResult({"id": scenario.id, "set": scenario.set,
                                  "index": scenario.index, "tier": "", "structure": "",
                                  **_empty_row(self.case), "status": "error",
                                  "error": str(exc), "solve_s": 0.0})
        res.row["probability"] = scenario.probability
        res.row["values"] = json.dumps(scenario.values, sort_keys=True)
        return res


def _empty_row(case: Case) -> dict[str, Any]:
    row: dict[str, Any] = {"status": "", "objective": math.nan, "npv_usd": math.nan,
                           "npv_fixed_design_usd": math.nan, "capex_usd": math.nan,
                           "revenue_usd": math.nan, "co2_t": math.nan, "built": "",
                           "routes": "", "error": ""}
    for e in case.elements:
        row[f"recovered_kg_{e}"] = math.nan
    return row


def _plan_row(plan: PlantPlan, case: Case) -> dict[str, Any]:
    """The sweep row read off a full :class:`PlantPlan`'s tables: what the lean reader
    (:class:`~recyclopt.optimize.plan.PlanReader`) must reproduce, and the tests' reference."""
    rec = plan.recovered_kg()
    row = {"objective": float(plan.objective_value), "npv_usd": float(plan.npv_usd),
           "capex_usd": float(plan.capex["capex_usd"].sum()),
           "revenue_usd": float(plan.opex["revenue_usd"].sum()),
           "co2_t": float(plan.opex["co2_t"].sum()),
           "built": ",".join(sorted(plan.built)), "routes": "|".join(sorted(plan.paths_used))}
    for e in case.elements:
        row[f"recovered_kg_{e}"] = float(rec.get(e, 0.0))
    return row


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Result rows as a DataFrame in sweep order."""
    df = pd.DataFrame(rows)
    return df.sort_values("index").reset_index(drop=True) if len(df) else df


__all__ = ["DESIGN_BLOCKS", "SMALL_MIP_COLUMNS", "EngineOptions",
           "ScenarioResult", "SweepEngine", "TIERS", "rows_frame"]
