"""Analyses of sweep results: tornado, NPV distribution, route-choice frequency, and a
two-stage stochastic plan.

The first three read a results frame (:meth:`recyclopt.scenarios.store.ResultStore.frame` or
rows from :class:`~recyclopt.scenarios.engine.SweepEngine`). :func:`two_stage` solves the
extensive form of the two-stage problem: the design (options built, capacities, equipment,
staff) is chosen once, the operation (which feedstock goes down which path, every year) per
scenario, maximising the probability-weighted NPV; it is compared with the deterministic plan
(the base case's design) operated as well as possible in each scenario:

* RP, the expected NPV of the stochastic plan (the extensive form's objective);
* EEV, the expected NPV of the deterministic plan's design;
* VSS = RP - EEV >= 0, the value of the stochastic solution;
* WS, the expected NPV when each scenario gets its own best plan (wait and see), and
  EVPI = WS - RP >= 0, the expected value of perfect information.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, SolverError
from ..optimize.case import Case
from .definition import Scenario, scenario_case
from .engine import DESIGN_BLOCKS, EngineOptions, SweepEngine

_OK = ("optimal", "feasible")


def npv_distribution(df: pd.DataFrame, column: str = "npv_usd",
                     percentiles: Sequence[float] = (5, 10, 25, 50, 75, 90, 95)
                     ) -> dict[str, float]:
    """Percentiles (``p5`` ...), mean, standard deviation and probability of loss
    (``prob_loss``: share of scenarios with NPV < 0) of an NPV column over the solved scenarios.

    Use ``npv_fixed_design_usd`` for the NPV of committing to the base plan's design: the best
    plan of each scenario (``npv_usd``) never loses money, since building nothing is allowed.
    """
    if column not in df.columns:
        raise InputError(f"no column {column!r} in the results", field="column")
    ok = df[df["status"].isin(_OK)] if "status" in df.columns else df
    v = ok[column].astype(float).dropna().to_numpy()
    out: dict[str, float] = {"n": float(len(v))}
    if not len(v):
        return out | {f"p{p:g}": math.nan for p in percentiles} | {
            "mean": math.nan, "std": math.nan, "min": math.nan, "max": math.nan,
            "prob_loss": math.nan}
    for p in percentiles:
        out[f"p{p:g}"] = float(np.percentile(v, p))
    out.update(mean=float(v.mean()), std=float(v.std(ddof=1)) if len(v) > 1 else 0.0,
               min=float(v.min()), max=float(v.max()), prob_loss=float((v < 0).mean()))
    return out


def route_frequency(df: pd.DataFrame, by: str = "routes") -> pd.DataFrame:
    """How often each route choice (the set of paths used; or ``by="built"``: the set of
    options built) is optimal across the solved scenarios, with its mean NPV."""
    ok = df[df["status"].isin(_OK)] if "status" in df.columns else df
    if ok.empty:
        return pd.DataFrame(columns=[by, "count", "share", "mean_npv_usd"])
    g = ok.groupby(by, dropna=False)
    out = pd.DataFrame({"count": g.size(), "mean_npv_usd": g["npv_usd"].mean()})
    out["share"] = out["count"] / len(ok)
    out = out.reset_index().sort_values(["count", by], ascending=[False, True])
    return out[[by, "count", "share", "mean_npv_usd"]].reset_index(drop=True)


def tornado(df: pd.DataFrame, set_name: str | None = None) -> pd.DataFrame:
    """One-at-a-time sensitivity from a ``one_at_a_time`` set's results: for each parameter,
    the NPV at its low and high value, the swing, and whether the route choice (paths used)
    differs from the base scenario's; sorted by swing, widest first."""
    d = df.copy()
    if set_name is not None:
        d = d[d["set_name" if "set_name" in d.columns else "set"] == set_name]
    base = d[d["id"].str.endswith("/base")]
    if len(base) != 1:
        raise InputError("tornado: expected exactly one '<set>/base' scenario; pass set_name "
                         "or run a one_at_a_time set", field="set_name")
    b = base.iloc[0]
    rows: dict[str, dict[str, Any]] = {}
    for _, r in d.iterrows():
        sid = str(r["id"]).split("/", 1)[1]
        if "@" not in sid:
            continue
        path, tag = sid.rsplit("@", 1)
        e = rows.setdefault(path, {"parameter": path})
        e[f"npv_{tag}_usd"] = r["npv_usd"]
        e[f"routes_{tag}"] = r["routes"]
        e[f"value_{tag}"] = r.get(path, math.nan)
    out = pd.DataFrame(list(rows.values()))
    if out.empty:
        return out
    out["base_npv_usd"] = b["npv_usd"]
    out["swing_usd"] = (out["npv_high_usd"] - out["npv_low_usd"]).abs()
    out["route_change"] = (out["routes_low"] != b["routes"]) | (out["routes_high"] != b["routes"])
    return out.sort_values("swing_usd", ascending=False).reset_index(drop=True)


def one_at_a_time(case: Case, ranges: dict[str, tuple[float, float]], *,
                  options: EngineOptions | None = None, engine: SweepEngine | None = None
                  ) -> pd.DataFrame:
    """Solve a tornado directly (serially): ``ranges`` maps parameter paths to (low, high)."""
    from .definition import ScenarioSet, expand_set

    eng = engine or SweepEngine(case, options or EngineOptions(fixed_design=False))
    s = ScenarioSet("tornado", one_at_a_time={k: (float(a), float(b)) for k, (a, b) in
                                             ranges.items()})
    rows = [eng.solve(sc).row for sc in expand_set(s, case, "<tornado>")]
    out = pd.DataFrame(rows)
    vals = [json.loads(v) for v in out["values"]]
    for p in ranges:
        out[p] = [v.get(p, math.nan) for v in vals]
    return tornado(out)


# --------------------------------------------------------------------------- two-stage
@dataclass
class TwoStageResult:
    """A two-stage stochastic plan and its value against the deterministic plan."""

    rp_usd: float  # expected NPV of the stochastic plan
    eev_usd: float  # expected NPV of the deterministic plan's design
    ws_usd: float  # expected NPV with a best plan per scenario
    design: dict[str, pd.Series]  # design block -> values (options by name)
    deterministic_design: dict[str, pd.Series]
    scenarios: pd.DataFrame  # per scenario: probability, NPVs of both designs and best plan
    solver_status: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def vss_usd(self) -> float:
        """Value of the stochastic solution, RP - EEV."""
        return self.rp_usd - self.eev_usd

    @property
    def evpi_usd(self) -> float:
        """Expected value of perfect information, WS - RP."""
        return self.ws_usd - self.rp_usd

    def built(self, deterministic: bool = False) -> list[str]:
        d = self.deterministic_design if deterministic else self.design
        b = d.get("build")
        return [] if b is None else sorted(b.index[b > 0.5])

    def summary(self) -> str:
        return "\n".join([
            f"Two-stage stochastic plan over {len(self.scenarios)} scenarios",
            f"  built (stochastic):    {', '.join(self.built()) or 'nothing'}",
            f"  built (deterministic): {', '.join(self.built(True)) or 'nothing'}",
            f"  RP   expected NPV of the stochastic plan     {self.rp_usd:,.0f} USD",
            f"  EEV  expected NPV of the deterministic plan  {self.eev_usd:,.0f} USD",
            f"  VSS  value of the stochastic solution        {self.vss_usd:,.0f} USD",
            f"  WS   expected NPV, best plan per scenario    {self.ws_usd:,.0f} USD",
            f"  EVPI value of perfect information            {self.evpi_usd:,.0f} USD",
        ])


def _design_series(om: Any, dcols: np.ndarray, v: np.ndarray) -> dict[str, pd.Series]:
    out, pos = {}, 0
    for name, b in sorted(om.builder.blocks.items(), key=lambda t: t[1].offset):
        if name not in DESIGN_BLOCKS:
            continue
        out[name] = pd.Series(v[pos:pos + b.size], index=list(b.labels), name=name)
        pos += b.size
    return out


#: design-only constraint groups whose big-M (upper end) may differ between scenarios
_LOOSEST_TAKEN = frozenset({"build_switch", "capex_segment_upper"})


def two_stage(case: Case, scenarios: Sequence[Scenario], *,
              options: EngineOptions | None = None, levers: dict[str, Any] | None = None,
              engine: SweepEngine | None = None) -> TwoStageResult:
    """Solve the two-stage stochastic plan over ``scenarios`` (weighted by their
    probabilities, normalised) as one extensive-form MILP, and value it against the base
    case's deterministic plan.

    The extensive form is built from each scenario's arrays (the same assembly as the plant
    model) and expressed as a Pyomo model, compiled and solved like the plant model. The design
    columns are shared; each scenario has its own flow columns and its own copy of every
    constraint that involves flows. Constraints on the design alone must be the same in every
    scenario, except the build switch and the capex segments' upper ends, which the tight
    formulation sets from each scenario's deliverable throughput: the largest over the
    scenarios is taken (a shared design may be sized for any of them).

    Raises
    ------
    InputError
        When a scenario changes the model's layout or a design-only constraint (for example a
        capex curve), which a shared first stage cannot represent.
    """
    from .policy import resolve_settings

    if not scenarios:
        raise InputError("two_stage: no scenarios", field="scenarios")
    opts = options or EngineOptions()
    eng = engine or SweepEngine(case, opts, resolve_settings(case, levers or {}))
    p = np.array([max(s.probability, 0.0) for s in scenarios], dtype=float)
    if p.sum() <= 0:
        raise InputError("two_stage: the scenario probabilities sum to zero", field="probability")
    p = p / p.sum()
    per = _scenario_models(case, scenarios, eng)
    om0 = per[0][0]
    dcols = eng.design_columns(om0)
    is_d = np.zeros(om0.builder.n, dtype=bool)
    is_d[dcols] = True
    mb, colmap = _extensive_columns(per, is_d)
    Ad, lo_d, hi_d, xrows = _shared_design_rows(per, scenarios, is_d)
    nrow = _add_extensive_rows(mb, per, colmap, Ad, lo_d, hi_d, xrows)
    design, rp, status = _solve_extensive_form(mb, per, colmap, p, len(dcols), opts)
    det = eng.design
    tab = _scenario_values(eng, scenarios, p, design, det)
    S = len(scenarios)
    eev = float((tab["probability"] * tab["npv_deterministic_design_usd"]).sum(min_count=S))
    ws = float((tab["probability"] * tab["npv_best_usd"]).sum(min_count=S))
    rp_check = float((tab["probability"] * tab["npv_stochastic_design_usd"]).sum(min_count=S))
    return TwoStageResult(rp, eev, ws, _design_series(om0, dcols, design),
                          _design_series(om0, dcols, det), tab, status,
                          {"rp_from_evaluation_usd": rp_check, "n_columns": int(mb.n),
                           "n_rows": int(nrow)})


def _scenario_models(case: Case, scenarios: Sequence[Scenario], eng: SweepEngine
                     ) -> list[tuple[Any, Any]]:
    """Each scenario's arrays-only model and arrays; all must share the base layout."""
    per = []
    for sc in scenarios:
        case_s, tier, _ = scenario_case(case, sc.values, eng.settings)
        _, om_s, arr = eng.scenario_model(case_s, tier)
        per.append((om_s, arr))
    layout = [(b.name, b.size, b.kind, b.offset) for b in per[0][0].builder.blocks.values()]
    for sc, (om_s, _) in zip(scenarios, per, strict=True):
        if [(b.name, b.size, b.kind, b.offset) for b in om_s.builder.blocks.values()] != layout:
            raise InputError(f"two_stage: scenario {sc.id!r} changes the model's variables "
                             "(e.g. the mode); a shared design needs the same layout",
                             field=sc.id)
    return per


def _extensive_columns(per: list[tuple[Any, Any]], is_d: np.ndarray) -> tuple[Any, np.ndarray]:
    """The extensive form's columns: the shared design blocks (bounds spanning every
    scenario's), then each scenario's copy of the flow blocks; and the map (scenario,
    builder column) -> extensive-form column."""
    from ..optimize.model import MatrixBuilder

    om0 = per[0][0]
    blocks = sorted(om0.builder.blocks.items(), key=lambda t: t[1].offset)
    mb = MatrixBuilder()
    for name, b in blocks:
        if name in DESIGN_BLOCKS:
            lo = np.min([a.col_lo[b.offset:b.offset + b.size] for _, a in per], axis=0)
            hi = np.max([a.col_hi[b.offset:b.offset + b.size] for _, a in per], axis=0)
            mb.add_block(name, b.size, lo, hi, b.kind, labels=list(b.labels))
    for s, (_, a) in enumerate(per):
        for name, b in blocks:
            if name not in DESIGN_BLOCKS:
                mb.add_block(f"{name}_s{s}", b.size, a.col_lo[b.offset:b.offset + b.size],
                             a.col_hi[b.offset:b.offset + b.size], b.kind,
                             labels=list(b.labels))
    dcols, xcols = np.flatnonzero(is_d), np.flatnonzero(~is_d)
    nd, nx = len(dcols), len(xcols)
    colmap = np.empty((len(per), len(is_d)), dtype=np.int64)
    colmap[:, dcols] = np.arange(nd)
    for s in range(len(per)):
        colmap[s, xcols] = nd + s * nx + np.arange(nx)
    return mb, colmap


def _shared_design_rows(per: list[tuple[Any, Any]], scenarios: Sequence[Scenario],
                        is_d: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """The rows on the design alone, checked equal in every scenario except the groups in
    :data:`_LOOSEST_TAKEN` (their loosest big-M is kept), and the rows that touch flows.

    Returns ``(A_design, lo, hi, flow_rows)``.
    """
    om0, arr0 = per[0]
    group_of = np.concatenate([np.full(g.A.shape[0], k) for k, g in
                               enumerate(om0.builder.groups)]) if om0.builder.groups else \
        np.zeros(0, dtype=int)
    gnames = [g.name for g in om0.builder.groups]
    A0 = arr0.A
    touches_x = np.asarray((abs(A0) @ (~is_d).astype(float)) > 0).ravel()
    drows = np.flatnonzero(~touches_x)
    for s, (om_s, a) in enumerate(per):
        if [g.name for g in om_s.builder.groups] != gnames or a.A.shape != A0.shape or \
                not (np.array_equal(a.A.indptr, A0.indptr)
                     and np.array_equal(a.A.indices, A0.indices)):
            raise InputError(f"two_stage: scenario {scenarios[s].id!r} changes the model's "
                             "constraints (e.g. adds a policy limit); give every scenario the "
                             "same policy constraints", field=scenarios[s].id)
    Ad = A0[drows].tocsr().copy()
    lo_d, hi_d = arr0.row_lo[drows].copy(), arr0.row_hi[drows].copy()
    for s, (_, a) in enumerate(per[1:], start=1):
        As = a.A[drows].tocsr()
        same = (As.indptr.tolist() == Ad.indptr.tolist()
                and As.indices.tolist() == Ad.indices.tolist())
        rows_diff = set()
        if same:
            diff = np.flatnonzero(As.data != Ad.data)
            rows_diff |= set(np.searchsorted(Ad.indptr, diff, side="right") - 1)
        else:
            rows_diff |= set(range(len(drows)))
        rows_diff |= set(np.flatnonzero((a.row_lo[drows] != lo_d) | (a.row_hi[drows] != hi_d)))
        bad = sorted({gnames[group_of[drows[r]]] for r in rows_diff} - _LOOSEST_TAKEN)
        if bad or not same:
            raise InputError(f"two_stage: scenario {scenarios[s].id!r} changes first-stage "
                             f"constraint group(s) {bad or ['build_switch pattern']}; a shared "
                             "design needs them equal in every scenario", field=scenarios[s].id)
        # cap - M build <= 0 and w_s - hi_s z_s <= 0: the largest M and hi (data are -M, -hi)
        Ad.data = np.minimum(Ad.data, As.data)
    return Ad, lo_d, hi_d, np.flatnonzero(touches_x)


def _add_extensive_rows(mb: Any, per: list[tuple[Any, Any]], colmap: np.ndarray, Ad: Any,
                        lo_d: np.ndarray, hi_d: np.ndarray, xrows: np.ndarray) -> int:
    """Add the design rows once and each scenario's flow rows on its own columns, as one
    group; returns the number of rows."""
    rows_l, cols_l, vals_l, lo_l, hi_l = [], [], [], [], []
    Adc = Ad.tocoo()
    rows_l.append(Adc.row)
    cols_l.append(colmap[0][Adc.col])
    vals_l.append(Adc.data)
    lo_l.append(lo_d)
    hi_l.append(hi_d)
    nrow = len(lo_d)
    for s, (_, a) in enumerate(per):
        As = a.A[xrows].tocoo()
        rows_l.append(As.row + nrow)
        cols_l.append(colmap[s][As.col])
        vals_l.append(As.data)
        lo_l.append(a.row_lo[xrows])
        hi_l.append(a.row_hi[xrows])
        nrow += len(xrows)
    mb.add_group("extensive_form", np.concatenate(rows_l), np.concatenate(cols_l),
                 np.concatenate(vals_l), nrow, np.concatenate(lo_l), np.concatenate(hi_l))
    return nrow


def _solve_extensive_form(mb: Any, per: list[tuple[Any, Any]], colmap: np.ndarray,
                          p: np.ndarray, nd: int, opts: EngineOptions
                          ) -> tuple[np.ndarray, float, str]:
    """Solve the extensive form with the probability-weighted objective; returns the shared
    design (integers rounded), the expected objective and the solver status."""
    from ..optimize import highs
    from ..optimize.compiler import compile_model
    from ..optimize.model import pyomo_from_builder

    c = np.zeros(mb.n)
    for s, (_, a) in enumerate(per):
        np.add.at(c, colmap[s], p[s] * a.c)
    m, columns = pyomo_from_builder(mb, c, per[0][0].sense)
    cm = compile_model(m)
    h = highs.handoff(cm, time_limit=opts.time_limit, mip_gap=opts.mip_gap,
                      threads=opts.threads, verbose=False)
    h.run()
    if highs.status(h) != highs.OPTIMAL:
        raise SolverError(f"two_stage: the extensive form did not solve to optimality "
                          f"({h.modelStatusToString(h.getModelStatus())})")
    xv = np.asarray(h.getSolution().col_value)
    pos = {id(v): j for j, v in enumerate(cm.columns)}
    x_ef = np.array([xv[pos[id(v)]] if id(v) in pos else (v.lb or 0.0) for v in columns])
    design = x_ef[:nd].copy()
    ints = np.array([columns[j].is_integer() for j in range(nd)])
    design[ints] = np.round(design[ints])
    return (design, float(h.getInfo().objective_function_value),
            h.modelStatusToString(h.getModelStatus()))


def _scenario_values(eng: SweepEngine, scenarios: Sequence[Scenario], p: np.ndarray,
                     design: np.ndarray, det: np.ndarray) -> pd.DataFrame:
    """Per scenario: its probability, the NPV of the stochastic and the deterministic design,
    and its own best plan."""
    rows = []
    for s, sc in enumerate(scenarios):
        best = eng.solve_values(sc.values, fixed_design=False).row
        rows.append({"id": sc.id, "probability": p[s],
                     "npv_stochastic_design_usd": eng.evaluate_design(sc.values, design),
                     "npv_deterministic_design_usd": eng.evaluate_design(sc.values, det),
                     "npv_best_usd": best["npv_usd"], "routes_best": best["routes"]})
    return pd.DataFrame(rows)


__all__ = ["TwoStageResult", "npv_distribution", "one_at_a_time", "route_frequency",
           "tornado", "two_stage"]
