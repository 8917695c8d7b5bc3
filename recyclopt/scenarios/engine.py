"""Re-solving one plant model under many scenarios without rebuilding it.

How a scenario reaches HiGHS (chosen by measurement, see ``benchmarks/sweep_speed.py``): the
Pyomo model of a *structure* is built and compiled to standard form once
(:func:`recyclopt.optimize.solve.compile_model`) and handed to one ``highspy.Highs``; each
scenario then recomputes only its numbers and pushes the ones that differ from what HiGHS
holds, with ``changeColsCost``, ``changeColsBounds``, ``changeRowsBounds`` and
``changeCoeff``, before ``run``. The Pyomo model stays the single source of truth: the solver's
arrays come from compiling it, and a scenario's numbers come from the same assembly code that
builds it (:func:`recyclopt.optimize.model.build_model` with ``pyomo=False``), so they equal a
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

Each run starts from a cleared solver state (``clearSolver``), so a scenario's result depends
only on its own numbers, never on which scenarios the same worker solved before: the serial,
process-pool and Dask backends give identical results.
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

from ..errors import InputError
from ..optimize.case import Case
from ..optimize.model import OptModel, build_model
from ..optimize.plan import PlantPlan, _plan
from ..optimize.solve import SolveInfo, compile_model
from ..optimize.superstructure import Superstructure, _all_elements, build
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
    """

    objective: str | None = None
    mode: str | None = None
    mip_gap: float = 1e-6
    time_limit: float | None = None
    threads: int = 1
    fixed_design: bool = True


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
        A = sp.vstack([g.A for g in mb.groups], format="csr")
        row_lo = np.concatenate([g.lo for g in mb.groups])
        row_hi = np.concatenate([g.hi for g in mb.groups])
    else:
        A = sp.csr_matrix((0, mb.n))
        row_lo = row_hi = np.zeros(0)
    A = sp.csr_matrix(A, copy=True)
    A.eliminate_zeros()
    A.sort_indices()
    h = hashlib.sha256()
    h.update(repr([(b.name, b.size, b.kind, b.offset) for b in blocks]).encode())
    h.update(repr([(g.name, g.A.shape[0]) for g in mb.groups]).encode())
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
    cur: dict[str, np.ndarray] = field(default_factory=dict)  # what HiGHS holds
    price_map: tuple[np.ndarray, ...] | None = None  # x columns, pair of each, c0, a, b


@dataclass
class ScenarioResult:
    """One scenario's outcome: a flat ``row`` for the store, and the plan when kept."""

    row: dict[str, Any]
    plan: PlantPlan | None = None


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
    """

    def __init__(self, case: Case, options: EngineOptions | None = None, settings: Any = None,
                 design: np.ndarray | None = None) -> None:
        from .policy import resolve_settings

        self.case = case
        self.options = options or EngineOptions()
        self.settings = settings if settings is not None else resolve_settings(case, {})
        self.sup = build(case)
        self._structs: dict[str, _Struct] = {}
        t0 = time.perf_counter()
        self.base = self._new_struct(build_model(case, objective=self.options.objective,
                                                 mode=self.options.mode, sup=self.sup))
        self.build_s = time.perf_counter() - t0
        self._els = _all_elements(case)
        self._design = design
        self.n_rebuilds = 0

    # ------------------------------------------------------------------ structures
    def _new_struct(self, om: OptModel) -> _Struct:
        from ..optimize.solve import _highs

        arr = _arrays(om)
        cm = compile_model(om.model)
        h = _highs(cm, time_limit=self.options.time_limit, mip_gap=self.options.mip_gap,
                   threads=self.options.threads, verbose=False)
        pos = {id(v): j for j, v in enumerate(om.columns)}
        ccol = np.array([pos[id(v)] for v in cm.columns], dtype=np.int64)
        gpos: dict[str, int] = {}
        off = 0
        for g in om.builder.groups:
            gpos[g.name] = off
            off += g.A.shape[0]
        crow = np.array([gpos[r.constraint.parent_component().name] + int(r.constraint.index())
                         for r in cm.rows], dtype=np.int64)
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
                    np.array(nz_j, np.int32), np.array(nz_q, np.int64), integer)
        s.cur = self._targets(s, arr)
        for k, ref in (("c", cm.c), ("col_lo", cm.col_lo), ("col_hi", cm.col_hi),
                       ("row_lo", cm.row_lo), ("row_hi", cm.row_hi)):
            if not np.array_equal(s.cur[k], np.asarray(ref, float)):
                raise InputError(f"sweep engine: compiled {k} differs from the assembled one")
        s.price_map = self._probe_price_map(om, arr)
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
        h, cur = s.h, s.cur
        d = np.flatnonzero(t["c"] != cur["c"])
        if len(d):
            h.changeColsCost(len(d), d.astype(np.int32), t["c"][d])
        d = np.flatnonzero((t["col_lo"] != cur["col_lo"]) | (t["col_hi"] != cur["col_hi"]))
        if len(d):
            h.changeColsBounds(len(d), d.astype(np.int32), t["col_lo"][d], t["col_hi"][d])
        d = np.flatnonzero((t["row_lo"] != cur["row_lo"]) | (t["row_hi"] != cur["row_hi"]))
        if len(d):
            h.changeRowsBounds(len(d), d.astype(np.int32), t["row_lo"][d], t["row_hi"][d])
        changed = t["A"] != cur["A"]
        if changed.any():
            sel = np.flatnonzero(changed[s.nz_q])
            for r, j, q in zip(s.nz_r[sel], s.nz_j[sel], s.nz_q[sel], strict=True):
                h.changeCoeff(int(r), int(j), float(t["A"][q]))
        s.cur = {k: np.array(v, copy=True) for k, v in t.items()}

    # ------------------------------------------------------------------ re-pricing
    def reprice(self, sup: Superstructure, case_s: Case) -> Superstructure:
        """``sup`` (built for ``self.case``) with the revenue and variable cost per pair of
        ``case_s``, which may differ from the base only in ``price``-tier parameters (and
        parameters that do not enter the superstructure)."""
        base = sup.case
        rec = sup.recovered
        pairs = sup.pairs.copy()
        if rec.columns.size:
            rv = rec.to_numpy()
            pol = case_s.policy
            ecol = {e: [j for j, c in enumerate(rec.columns) if c[1] == e] for e in self._els}
            revenue = np.zeros(len(pairs))
            for e in self._els:  # element order, as the superstructure sums along a path
                for j in ecol[e]:
                    form = rec.columns[j][0]
                    up = max(case_s.products[form].price_usd_per_kg[e],
                             pol.price_floor_usd_per_kg.get(form, 0.0)) \
                        + pol.credit_usd_per_kg.get(form, 0.0)
                    revenue = np.where(rv[:, j] != 0.0, revenue + rv[:, j] * up, revenue)
            pairs["revenue_usd_per_unit"] = revenue
        var = pairs["var_cost_usd_per_unit"].to_numpy().copy()
        fc_b = {f.name: f.cost_usd_per_unit for f in base.feedstocks}
        dfc = {f.name: f.cost_usd_per_unit - fc_b[f.name] for f in case_s.feedstocks
               if f.cost_usd_per_unit != fc_b[f.name]}
        if dfc:
            var = var + pairs["feedstock"].map(lambda n: dfc.get(n, 0.0)).to_numpy(float)
        if case_s.electricity_usd_per_kwh != base.electricity_usd_per_kwh:
            var = var + pairs["kwh_per_unit"].to_numpy() * (
                case_s.electricity_usd_per_kwh - base.electricity_usd_per_kwh)
        if case_s.heat_usd_per_kwh != base.heat_usd_per_kwh:
            var = var + pairs["heat_kwh_per_unit"].to_numpy() * (
                case_s.heat_usd_per_kwh - base.heat_usd_per_kwh)
        dcp = case_s.policy.carbon_price_usd_per_t - base.policy.carbon_price_usd_per_t
        if dcp:
            var = var + pairs["co2_kg_per_unit"].to_numpy() / 1000.0 * dcp
        pairs["var_cost_usd_per_unit"] = var
        return dataclasses.replace(sup, case=case_s, pairs=pairs)

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
            xcols, kx, c0, a, b = s.price_map
            c = s.arr.c.copy()
            rev = sup_s.pairs["revenue_usd_per_unit"].to_numpy()[kx]
            var = sup_s.pairs["var_cost_usd_per_unit"].to_numpy()[kx]
            c[xcols] = a * rev + b * var
            if c0.any():
                c[xcols] += c0
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
                                             sup=sup_s))
        return s, om_s, arr

    def _run(self, s: _Struct, t: dict[str, np.ndarray]) -> tuple[np.ndarray | None, SolveInfo]:
        import highspy

        from ..optimize.solve import set_threads

        self._push(s, t)
        h = s.h
        h.clearSolver()
        # another solve in this process may have restarted HiGHS's scheduler with another
        # thread count; a persistent instance must re-assert its own before running
        set_threads(h, self.options.threads)
        t0 = time.perf_counter()
        h.run()
        dt = time.perf_counter() - t0
        status = h.getModelStatus()
        info_h = h.getInfo()
        has_sol = bool(getattr(info_h, "primal_solution_status", 0) == 2)
        ok = status == highspy.HighsModelStatus.kOptimal
        n_int = int(s.integer.sum())
        gap = float(getattr(info_h, "mip_gap", 0.0)) if n_int else 0.0
        info = SolveInfo(h.modelStatusToString(status),
                         float(info_h.objective_function_value) if (ok or has_sol) else math.nan,
                         ok, gap if math.isfinite(gap) else math.inf, dt, 0.0,
                         len(s.ccol), 0, n_int, len(s.crow), len(s.nz_q))
        if not (ok or (has_sol and status in (highspy.HighsModelStatus.kTimeLimit,
                                               highspy.HighsModelStatus.kIterationLimit,
                                               highspy.HighsModelStatus.kSolutionLimit))):
            return None, info
        xc = np.asarray(h.getSolution().col_value)
        x = s.arr.col_lo.copy()
        x[~np.isfinite(x)] = 0.0
        x[s.ccol] = xc
        x[s.integer] = np.round(x[s.integer])
        return x, info

    def design_columns(self, om: OptModel) -> np.ndarray:
        """Builder columns of the design blocks."""
        cols = [np.arange(b.offset, b.offset + b.size) for n, b in om.builder.blocks.items()
                if n in DESIGN_BLOCKS]
        return np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)

    @property
    def design(self) -> np.ndarray:
        """The base plan's design (builder-order values of the design columns)."""
        if self._design is None:
            _, _, x, _, info = self._solve({}, fixed_design=False)
            if x is None:
                raise InputError(f"the base case has no plan to fix ({info.status})")
            self._design = x[self.design_columns(self.base.om)]
        return self._design

    def _solve(self, values: dict[str, float], fixed_design: bool
               ) -> tuple[dict[str, Any], PlantPlan | None, np.ndarray | None, OptModel, SolveInfo]:
        row: dict[str, Any] = {}
        case_s, tier, _ = scenario_case(self.case, values, self.settings)
        s, om_s, arr = self.scenario_model(case_s, tier)
        row["tier"] = tier
        row["structure"] = "base" if s is self.base else s.arr.sig[:12]
        x, info = self._run(s, self._targets(s, arr))
        row.update(_empty_row(self.case))
        if info.proven_optimal:
            row["status"] = "optimal"
        elif x is not None:
            row["status"] = "feasible"
        else:
            row["status"] = info.status.lower().replace(" ", "_")
        plan = None
        if x is not None:
            plan = _plan(om_s, x, info, 0.0)
            row.update(_plan_row(plan, self.case))
        if fixed_design:
            row["npv_fixed_design_usd"] = self._fixed_design_npv(s, om_s, arr)
        return row, plan, x, om_s, info

    def solve_values(self, values: dict[str, float], *, scenario_id: str = "", set_name: str = "",
                     index: int = 0, keep_plan: bool = False,
                     fixed_design: bool | None = None) -> ScenarioResult:
        """Solve one scenario given by its values (case paths and lever paths)."""
        t0 = time.perf_counter()
        fixed_design = self.options.fixed_design if fixed_design is None else fixed_design
        row: dict[str, Any] = {"id": scenario_id, "set": set_name, "index": int(index)}
        r, plan, _, _, _ = self._solve(values, fixed_design)
        row.update(r)
        row["solve_s"] = time.perf_counter() - t0
        return ScenarioResult(row, plan if keep_plan else None)

    def _fixed_design_npv(self, s: _Struct, om_s: OptModel, arr: _Arrays,
                          design: np.ndarray | None = None) -> float:
        dcols = self.design_columns(om_s)
        design = self.design if design is None else design
        if len(dcols) != len(design):
            return math.nan
        lo, hi = arr.col_lo.copy(), arr.col_hi.copy()
        v = np.minimum(np.maximum(design, lo[dcols]), hi[dcols])
        lo[dcols] = v
        hi[dcols] = v
        fixed = dataclasses.replace(arr, col_lo=lo, col_hi=hi)
        x, info = self._run(s, self._targets(s, fixed))
        if x is None:
            return math.nan
        x[dcols] = design  # the design as built, even where a scenario's bounds are tighter
        return float(_plan(om_s, x, info, 0.0).npv_usd)

    def evaluate_design(self, values: dict[str, float], design: np.ndarray) -> float:
        """NPV of building ``design`` (builder-order values of :data:`DESIGN_BLOCKS`) and
        operating it as well as possible under the scenario ``values``; NaN when the design
        cannot operate feasibly there."""
        case_s, tier, _ = scenario_case(self.case, values, self.settings)
        s, om_s, arr = self.scenario_model(case_s, tier)
        return self._fixed_design_npv(s, om_s, arr, np.asarray(design, float))

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


__all__ = ["DESIGN_BLOCKS", "EngineOptions", "ScenarioResult", "SweepEngine", "TIERS",
           "rows_frame"]
