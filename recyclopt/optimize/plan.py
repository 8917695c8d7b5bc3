"""Results of a plant optimisation: :class:`PlantPlan`, and the ``optimize`` entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..economics import cash_flow_table
from ..io.accessors import Result
from .case import Case, CaseError, load_case
from .model import OptModel, build_model
from .plan_phased import (
    phased_cash_flow,
    phased_plant,
    single_build_start,
    stockpile_table,
)
from .solve import SolveInfo, SolverError, solve
from .superstructure import Superstructure


@dataclass
class PlantPlan(Result):
    """The chosen plant: options built, capacities, flows, products and cash flows.

    Attributes are DataFrames: ``capacities``, ``flows`` (feedstock, path, year),
    ``option_flows`` (option, year), ``products`` (product, element, year), ``cash_flow``
    (per year, from the costing convention), ``capex`` and ``opex`` breakdowns; plus the
    objective value, ``npv_usd`` recomputed from the cash-flow table, and solver statistics.
    ``.plot()``/``.iplot()`` charts are attached by :mod:`recyclopt.report` when imported.
    ``blocks`` (``planning: phased``): one row per capacity block built (option, year
    online, capacity, capex, equipment bought); ``stockpile``: per stockpiled feedstock and
    year, units collected, processed and in store, and the holding cost.
    """

    case: Case
    objective: str
    objective_value: float
    npv_usd: float
    capacities: pd.DataFrame
    flows: pd.DataFrame
    option_flows: pd.DataFrame
    products: pd.DataFrame
    cash_flow: pd.DataFrame
    capex: pd.DataFrame
    opex: pd.DataFrame
    solver: SolveInfo
    build_s: float = 0.0
    mode: str | None = None  # the mode solved (None: the case's)
    #: the tie-break solve: its objective and time (empty when none ran)
    tie_break: dict = field(default_factory=dict)
    price_factor: float = 1.0  # every product price times this in the solve
    blocks: pd.DataFrame = field(default_factory=pd.DataFrame)
    stockpile: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def built(self) -> list[str]:
        return self.capacities.index[self.capacities["built"]].tolist()

    @property
    def paths_used(self) -> list[str]:
        if self.flows.empty:
            return []
        s = self.flows.groupby("path")["units"].sum()
        return s[s > 1e-9].index.tolist()

    def recovered_kg(self) -> pd.Series:
        """Total recovered kg of each element over the horizon."""
        if self.products.empty:
            return pd.Series(dtype=float)
        return self.products.groupby("element")["kg"].sum()

    def summary(self) -> str:
        c = self.case
        lines = [
            f"Plant plan for case {c.name!r} ({self.mode or c.mode}, objective "
            f"{self.objective})",
            f"  objective value: {self.objective_value + 0.0:,.6g}",  # + 0.0: no "-0"
            f"  NPV: {self.npv_usd:,.0f} USD ({type(c.costing).__name__}, "
            f"discount {c.costing.factors().discount_rate:.4g})",
            f"  solver: {self.solver.status}, gap {self.solver.mip_gap:.2g}, "
            f"{'proven optimal' if self.solver.proven_optimal else 'NOT proven optimal'}; "
            f"build {self.build_s:.2f} s, handoff {self.solver.handoff_s:.2f} s, solve "
            f"{self.solver.time_s:.2f} s; {self.solver.n_vars} vars "
            f"({self.solver.n_binary} binary, {self.solver.n_integer} integer), "
            f"{self.solver.n_rows} rows, {self.solver.n_nonzeros} nonzeros",
        ]
        if self.tie_break:
            lines.append(f"  tie-break: among plans within the gap of the best "
                         f"{self.objective}, the cheapest (discounted cost "
                         f"{self.tie_break['cost_usd']:,.0f} USD; {self.tie_break['time_s']:.2f}"
                         " s)")
        hr = self.solver.heuristic
        if hr:
            plan = (f"plan {hr['objective']:,.6g} ({hr['mip_status']}, {hr['mip_s']:.1f} s)"
                    if hr["mip_status"] else "no restricted MILP")
            lines.append(f"  start heuristic (LP-guided): LP {hr['lp_status']}, bound "
                         f"{hr['lp_bound']:,.6g} ({hr['lp_s']:.1f} s); {hr['n_closed']} of "
                         f"{hr['n_options']} options closed; {plan}")
            if hr.get("stages"):
                lines.append(f"    restricted MILPs: {hr['stages']}")
        lines += ["", "Options built:"]
        cap = self.capacities[self.capacities["built"]]
        if cap.empty:
            lines.append("  none (no route pays under these prices)" if self.objective in
                         ("npv", "annual_profit") else
                         f"  none ({self.objective} is best served by processing nothing)")
        for o, r in cap.iterrows():
            extra = f", {int(r['equipment_units'])} units" if r["equipment_units"] > 0 else ""
            lines.append(f"  {o:28s} {r['stage']:14s} capacity {r['capacity']:,.6g} "
                         f"{r['basis']}/yr, capex {r['capex_usd']:,.0f} USD{extra}")
        idle = self.capacities[self.capacities["idle"]]
        if not idle.empty:
            lines.append(f"  idle (paid for, no flow): {', '.join(idle.index)}; capex "
                         f"{idle['capex_usd'].sum():,.0f} USD")
        lines += _capex_note(cap)
        lines += ["", "Paths used (units over the horizon):"]
        if not self.flows.empty:
            s = self.flows.groupby(["feedstock", "path"])["units"].sum()
            for (f, p), u in s[s > 1e-9].items():
                lines.append(f"  {f:18s} {p:50s} {u:,.6g}")
        lines += ["", "Recovered over the horizon (kg):"]
        for e, v in self.recovered_kg().items():
            lines.append(f"  {e:4s} {v:,.1f}")
        cf = self.cash_flow.set_index("year")
        if not self.blocks.empty:
            lines += ["", "Capacity blocks (year online, capacity per year on the option's "
                      "basis, capex USD before the Lang factor):",
                      self.blocks.round(1).to_string(index=False)]
        if not self.stockpile.empty:
            lines += ["", "Stockpile (units of each feedstock; in store at year end):",
                      self.stockpile.round(1).to_string(index=False)]
        cols = ["capex_usd", "revenue_usd", "variable_opex_usd", "fixed_opex_usd",
                "labour_usd", "cash_flow_usd"]
        if cf["byproduct_revenue_usd"].any():
            cols.insert(2, "byproduct_revenue_usd")
        lines += ["", "Cash flow (USD):", cf[cols].round(0).to_string()]
        return "\n".join(lines)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"capacities": self.capacities, "flows": self.flows,
                "option_flows": self.option_flows, "products": self.products,
                "cash_flow": self.cash_flow, "capex": self.capex, "opex": self.opex,
                **({"blocks": self.blocks} if not self.blocks.empty else {}),
                **({"stockpile": self.stockpile} if not self.stockpile.empty else {}),
                "solver": pd.DataFrame([vars(self.solver) | {"objective": self.objective,
                                                             "objective_value":
                                                             self.objective_value,
                                                             "npv_usd": self.npv_usd}])}

    def to_file(self, path: str | Path, *, force: bool = False) -> Path:
        """Export to ``.xlsx`` (a sheet per table), ``.json`` or ``.csv`` (one file per table),
        with the metadata that reproduces the plan (see :mod:`recyclopt.optimize.plan_file`;
        :func:`~recyclopt.optimize.plan_file.write_plan` also returns every file written)."""
        from .plan_file import write_plan

        return write_plan(self, path, force=force)[0]


#: the plan's capex and its case's curve are reported as different above this relative gap
CAPEX_NOTE_RTOL = 1e-3


def _capex_note(cap: pd.DataFrame) -> list[str]:
    """Summary lines naming the built options whose piecewise (MILP) capex differs from the
    case's own curve at the built capacity by more than :data:`CAPEX_NOTE_RTOL`."""
    d = cap["capex_curve_usd"] - cap["capex_usd"]
    off = d.abs() > CAPEX_NOTE_RTOL * cap["capex_curve_usd"].abs()
    if not off.any():
        return []
    tot_pw, tot = float(cap["capex_usd"].sum()), float(cap["capex_curve_usd"].sum())
    out = [f"  capex: the MILP's piecewise-linear curves give {tot_pw:,.0f} USD, the case's "
           f"curves at the built capacities {tot:,.0f} USD ({(tot_pw / tot - 1) * 100:+.2f} %); "
           "more breakpoints (capex n_points, or capex_max_error) close the gap:"]
    for o, r in cap[off].iterrows():
        out.append(f"    {o:28s} piecewise {r['capex_usd']:,.0f} USD, curve "
                   f"{r['capex_curve_usd']:,.0f} USD")
    return out


def solved_mode(om: OptModel) -> str:
    """The mode the model was built in (a single-path model has the ``use`` block)."""
    return "single_path" if "use" in om.builder.blocks else "parallel"


def read_plan(om: OptModel, x: np.ndarray, info: SolveInfo, build_s: float,
              reader: PlanReader | None = None) -> PlantPlan:
    """The full :class:`PlantPlan` of the builder-order solution ``x``; its money comes from
    :meth:`PlanReader.money`, the one evaluation of revenue and costs that the sweep rows
    use too."""
    case, sup = om.case, om.sup
    reader = reader or PlanReader(om)
    years = case.years.astype(int)
    xv = reader.flows(x)
    m = reader.money(x, xv)
    flows = _flow_frame(om, xv, years)
    option_flows = pd.DataFrame(m["throughput"], index=reader.names, columns=years)
    option_flows.index.name = "option"
    products = _product_frame(sup, xv, years)
    options = case.options
    curve_exact = np.array([o.capex.exact_cost(min(c, o.capex.points[-1])) if
                            (o.capex is not None and pw > 0) else 0.0 for o, c, pw in
                            zip(options, m["cap"], m["capex_pw"], strict=True)])
    capacities = pd.DataFrame({
        "stage": [o.stage for o in options],
        "built": m["built"],
        "idle": m["idle"],
        "capacity": m["cap"],
        "basis": [o.basis for o in options],
        "peak_throughput": m["peak"],
        "equipment_units": m["units"],
        "capex_usd": m["capex"],
        "capex_curve_usd": curve_exact + m["capex"] - m["capex_pw"],
        "capex_lang": [o.capex_lang for o in options],
    }, index=pd.Index(reader.names, name="option"))
    Y = len(years)
    blocks = pd.DataFrame()
    plant = m["plant"]  # the phased plant PlanReader.money read (None: single build)
    if plant is not None:  # phased: capex in each block's build years
        cf_table = phased_cash_flow(om, plant, m["rev"], m["var"], m["byp"])
        npv_usd = float(cf_table["discounted_cash_flow_usd"].sum())
        blocks = plant.blocks
    else:
        cfr = cash_flow_table(case.costing, case.horizon, revenue_usd=m["rev"],
                              byproduct_revenue_usd=m["byp"], variable_opex_usd=m["var"],
                              labour_usd=np.full(Y, m["labour"]),
                              fixed_opex_usd=np.full(Y, m["fixed"]), bec_usd=m["bec"],
                              direct_tpc_usd=m["direct"])
        cf_table, npv_usd = cfr.table, cfr.npv_usd
    capex = capacities.loc[capacities["built"] | capacities["idle"],
                           ["stage", "capacity", "capex_usd", "capex_curve_usd",
                            "capex_lang"]].copy()
    pairs = sup.pairs
    kwh = pairs["kwh_per_unit"].to_numpy() @ xv
    heat = pairs["heat_kwh_per_unit"].to_numpy() @ xv
    opex = pd.DataFrame({
        "year": years, "revenue_usd": m["rev"], "byproduct_revenue_usd": m["byp"],
        "variable_opex_usd": m["var"],
        "electricity_kwh": kwh, "electricity_usd": kwh * case.electricity_usd_per_kwh,
        "heat_kwh": heat, "heat_usd": heat * case.heat_usd_per_kwh,
        "co2_t": reader.co2 @ xv / 1000.0, "fixed_opex_usd": m["fixed"],
        "labour_usd": m["labour"], "staff": m["staff"],
    })
    return PlantPlan(case, om.objective, info.objective, npv_usd, capacities, flows,
                     option_flows, products, cf_table, capex, opex, info, build_s,
                     mode=solved_mode(om), price_factor=float(om.meta["price_factor"]),
                     blocks=blocks, stockpile=stockpile_table(om, x, xv))


def _flow_frame(om: OptModel, xv: np.ndarray, years: np.ndarray) -> pd.DataFrame:
    """Units and magnet kg per (feedstock, path, year) with a positive flow."""
    pairs, case = om.sup.pairs, om.case
    rows = []
    for k in np.flatnonzero(xv.sum(axis=1) > 0):
        f = case.feedstocks[int(om.meta["f_idx"][k])]
        for yi, y in enumerate(years):
            if xv[k, yi] > 0:
                rows.append({"feedstock": pairs.at[k, "feedstock"], "path": pairs.at[k, "path"],
                             "year": y, "units": xv[k, yi],
                             "magnet_kg": xv[k, yi] * f.magnet_kg_per_unit})
    return pd.DataFrame(rows, columns=["feedstock", "path", "year", "units", "magnet_kg"])


def _product_frame(sup: Any, xv: np.ndarray, years: np.ndarray) -> pd.DataFrame:
    """Recovered kg per (product, element, year)."""
    prow = []
    if sup.recovered.columns.size:
        tot = sup.recovered.to_numpy().T @ xv  # (form, element) x Y
        for j, (form, el) in enumerate(sup.recovered.columns):
            for yi, y in enumerate(years):
                if tot[j, yi] > 0:
                    prow.append({"product": form, "element": el, "year": y, "kg": tot[j, yi]})
    return pd.DataFrame(prow, columns=["product", "element", "year", "kg"])


#: objectives whose vector holds no cost: among their optimal plans :func:`optimize` returns
#: the cheapest (a second, lexicographic solve). ``npv`` and ``annual_profit`` already pay
#: for every option built, so an idle one never helps them and the second solve would only
#: repeat the first; options with no cost at all carry no flow then and are read as not built.
TIE_BREAK_OBJECTIVES = ("recovered_value", "recovered_mass", "min_co2")

#: the default relative MIP gap: two plans whose objectives differ by 1e-6 relative are told
#: apart (HiGHS stops only when the incumbent is within this of the bound; its own default,
#: 1e-4, is not tight enough for that)
MIP_GAP = 1e-7


def phased_start(om: OptModel, *, time_limit: float | None = None, **kw) -> np.ndarray | None:
    """The single-build optimum of ``om``'s case as a first plan for its phased model
    (:func:`~recyclopt.optimize.plan_phased.single_build_start`); ``kw`` as
    :func:`build_model`. None when the phased model's first build year is not the first
    operating year or the single build finds no plan."""
    import dataclasses

    from .case import Planning

    single = build_model(dataclasses.replace(om.case, planning=Planning()), sup=om.sup,
                         pyomo=False, **kw)
    try:
        xs, _ = solve(single, time_limit=None if time_limit is None else time_limit / 4)
    except SolverError:  # no single-build plan: the phased solve reports the failure
        return None
    return single_build_start(om, single, xs) if np.isfinite(xs).all() else None


def optimize(case: Case | str | Path | None = None, *, objective: str | None = None,
             mode: str | None = None, time_limit: float | None = None,
             mip_gap: float | None = MIP_GAP, method: str = "highspy",
             extra: list | None = None, price_factor: float = 1.0,
             heuristic: str = "auto", tie_break: bool | None = None,
             sup: Superstructure | None = None) -> PlantPlan:
    """Build and solve the plant MILP for a case (the bundled default when None).

    ``heuristic``: a first plan for HiGHS on hard models with a time limit (see
    :func:`recyclopt.optimize.solve.solve`). ``tie_break``: after the first solve, minimise the
    discounted cost (capex, fixed, labour, variable) with the first objective held within its
    gap (:func:`tie_break_cheapest`); None runs it for :data:`TIE_BREAK_OBJECTIVES`. ``sup``:
    the superstructure of ``case`` when already built."""
    import time

    if not isinstance(case, Case):
        case = load_case(case)
    t0 = time.perf_counter()
    om = build_model(case, objective=objective, mode=mode, extra=extra,
                     price_factor=price_factor, pyomo=method == "appsi", sup=sup)
    build_s = time.perf_counter() - t0
    from .verify import check_coefficients, check_plan

    check_coefficients(om)  # magnitudes the solver's tolerances cannot handle: refused here
    start = None
    if case.planning.mode == "phased" and method == "highspy":
        start = phased_start(om, objective=objective, mode=mode, extra=extra,
                             price_factor=price_factor, time_limit=time_limit)
    x, info = solve(om, time_limit=time_limit, mip_gap=mip_gap, method=method,
                    heuristic=heuristic, start=start)
    # the plan is re-checked in the case's units (check_plan): never a wrong "Optimal"

    # building nothing is a feasible plan unless a limit or a feed obligation forbids it
    nothing_ok = extra is None and not any(
        np.any(f.min_share(om.case.years) > 0) for f in om.case.feedstocks)
    if tie_break is None:
        tie_break = om.objective in TIE_BREAK_OBJECTIVES
    if not tie_break:
        return check_plan(read_plan(om, x, info, build_s), nothing_feasible=nothing_ok)
    t1 = time.perf_counter()
    om2, x2, info2 = tie_break_cheapest(om, x, info, mip_gap=mip_gap, time_limit=time_limit,
                                        method=method, extra=extra, price_factor=price_factor)
    if x2 is None:
        return check_plan(read_plan(om, x, info, build_s), nothing_feasible=nothing_ok)
    plan = read_plan(om2, x2, info, build_s)
    plan.objective = om.objective
    plan.objective_value = float(om.c @ x2)
    plan.tie_break = {"cost_usd": info2.objective, "time_s": time.perf_counter() - t1}
    return check_plan(plan, nothing_feasible=nothing_ok)


def tie_break_cheapest(om: OptModel, x: np.ndarray, info: SolveInfo, *,
                       mip_gap: float | None = MIP_GAP, time_limit: float | None = None,
                       method: str = "highspy", extra: list | None = None,
                       price_factor: float = 1.0
                       ) -> tuple[OptModel, np.ndarray | None, SolveInfo]:
    """The cheapest plan among those whose objective is within the first solve's gap.

    Solves ``min cost(x)`` subject to the model's rows and one more,
    ``c x >= z* - tol`` (maximised objectives) or ``c x <= z* + tol`` (minimised), with ``c``
    the first objective, ``z*`` its optimum and ``tol = max(gap, 1e-9) |z*| + 1e-7`` with
    ``gap`` the relative gap the first solve proved (the
    first plan satisfies it, so the model stays feasible). ``cost`` is the NPV's discounted
    cost (:func:`~recyclopt.optimize.model.build_model`, objective ``min_cost``). Returns the
    second model, its solution (None when the solve found none) and its solver info.
    """
    z = float(info.objective)
    # within the gap the first solve proved (not the one it was allowed): a proven optimum
    # keeps its objective to 1e-9 relative
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else float(mip_gap or 0.0)
    tol = max(gap, 1e-9) * abs(z) + 1e-7
    lo, hi = (z - tol, np.inf) if om.sense == "max" else (-np.inf, z + tol)
    om2 = build_model(om.case, objective="min_cost", mode=solved_mode(om), sup=om.sup,
                      extra=[*(extra or []), (f"objective_{om.objective}", om.c, lo, hi)],
                      price_factor=price_factor, pyomo=method == "appsi")
    x2, info2 = solve(om2, time_limit=time_limit, mip_gap=mip_gap, method=method,
                      raise_on_failure=False)
    ok = x2 is not None and bool(np.all(np.isfinite(x2)))
    return om2, (x2 if ok else None), info2


class PlanReader:
    """The headline numbers of a plan read straight from a solution vector.

    The one reader of solutions: :meth:`money` is the revenue and cost evaluation that
    :func:`read_plan` (the full :class:`PlantPlan`: flows, products, cash-flow table and
    cost breakdowns as DataFrames) and the scenario sweeps' headline rows (:meth:`row`,
    :meth:`npv`) share. It precomputes, once per model, the index arrays and coefficient
    vectors they need and evaluates them with numpy (~0.2 ms on the bundled case), so a
    sweep can read thousands of plans.

    Parameters
    ----------
    om : the built model whose solutions are read (arrays-only models, ``pyomo=False``, are
        fine).
    like : a reader whose index arrays are re-used when ``om`` has the same superstructure
        tables (the very ``load``, ``recovered`` and ``paths`` objects, as a re-priced
        superstructure keeps them) and variable layout; only the numbers that depend on the
        case (costs, capex curves, weights) are then read from ``om``.

    Notes
    -----
    The NPV is evaluated with the model's linear NPV weights (``om.meta["weights"]``, from
    :func:`recyclopt.economics.npv_weights`), which equal the cash-flow table's NPV to
    rounding.
    """

    def __init__(self, om: OptModel, like: PlanReader | None = None) -> None:
        if like is not None and like._same_structure(om):
            self.__dict__.update(like.__dict__)
        else:
            self._structure(om)
        self._values(om)

    # ------------------------------------------------------------------ set-up
    def _same_structure(self, om: OptModel) -> bool:
        return (om.sup.load is self._load and om.sup.recovered is self._rec
                and om.sup.paths is self._paths and len(om.sup.pairs) == self.K
                and self._layout == _layout(om))

    def _structure(self, om: OptModel) -> None:
        """Index arrays that depend only on the superstructure and the variable layout."""
        case, sup = om.case, om.sup
        self._load, self._rec, self._paths = sup.load, sup.recovered, sup.paths
        self._layout = _layout(om)
        self.K, self.Y = len(sup.pairs), len(case.years)
        self.elements = list(case.elements)
        blocks = om.builder.blocks

        def block(name: str) -> slice | None:
            b = blocks.get(name)
            return None if b is None else slice(b.offset, b.offset + b.size)

        self._x = block("x")
        self._build, self._units = block("build"), block("units")
        self._seg_z, self._seg_w, self._staff = block("seg_z"), block("seg_w"), block("staff")
        self._stock = block("stock")
        names, code = np.unique(np.asarray(sup.pairs["path"].tolist(), dtype=object)
                                .astype(str), return_inverse=True)
        self.path_names, self.path_code = names, code.astype(np.int64)
        rec = sup.recovered
        self.R = rec.to_numpy(dtype=float) if rec.columns.size else np.zeros((self.K, 0))
        el_of = [e for _, e in rec.columns] if rec.columns.size else []
        self._rec_cols = np.array([j for j, e in enumerate(el_of) if e in self.elements],
                                  dtype=np.int64)
        self._rec_el = np.array([self.elements.index(e) for e in el_of if e in self.elements],
                                dtype=np.int64)
        self.names = [o.name for o in case.options]
        oi = {n: i for i, n in enumerate(self.names)}
        ld = sup.load
        self._ld_o = np.fromiter((oi[n] for n in ld["option"].tolist()), dtype=np.int64,
                                 count=len(ld))
        self._ld_k = ld["pair"].to_numpy(dtype=np.int64)
        self._ld_v = ld["basis_per_unit"].to_numpy(dtype=float)
        self._eq_opts = np.asarray(om.meta["eq_opts"], dtype=np.int64)
        self._cap = block("cap")
        # throughput of every option per unit of each pair (options x pairs)
        self._load_mat = sp.csr_matrix((self._ld_v, (self._ld_o, self._ld_k)),
                                       shape=(len(self.names), self.K))

    def _values(self, om: OptModel) -> None:
        """The case's numbers: per-pair money and CO2, option costs, capex curves, weights."""
        case, sup = om.case, om.sup
        options = case.options

        def col(name: str) -> np.ndarray:  # converted once per superstructure (read only)
            return np.asarray(sup.column("pairs", name), dtype=float)

        self._pf = float(om.meta["price_factor"])
        self.revenue = col("revenue_usd_per_unit") * self._pf
        self.var_cost = col("var_cost_usd_per_unit")
        self.co2 = col("co2_kg_per_unit")
        self.byp = (col("byproduct_revenue_usd_per_unit")
                    if "byproduct_revenue_usd_per_unit" in sup.pairs else np.zeros(self.K))
        self.costly = np.array([o.has_fixed_cost for o in options], dtype=bool)
        self.blank = np.array([o.blank for o in options], dtype=bool)
        self.lang = np.array([o.capex_lang for o in options], dtype=bool)
        self.operators = np.array([o.operators for o in options], dtype=float)
        self.op_per_unit = np.array([o.equipment.operators_per_unit if o.equipment else 0.0
                                     for o in options])
        self.opex_yr = [float(o.opex_usd_per_yr) for o in options]
        self.eq_cost = np.array([o.equipment.cost_usd if o.equipment else 0.0 for o in options])
        self.eq_yearly = [(i, o.equipment.yearly_cost_usd) for i, o in enumerate(options)
                          if o.equipment]
        seg = om.meta["seg_arrays"]  # the arrays, not the frame: no pandas per scenario
        self.seg_o = np.asarray(seg["o"], dtype=np.int64)
        self.seg_a = np.asarray(seg["intercept"], dtype=float)
        self.seg_b = np.asarray(seg["slope"], dtype=float)
        self.wage = case.wage_usd_per_operator_yr
        self.weights = om.meta["weights"]
        self._hold = np.repeat(np.asarray(om.meta["stock_hold"], dtype=float), self.Y)
        self._npv_c = om.meta.get("npv_c")  # the phased plant's NPV vector
        self._om = om

    def blocks(self, x: np.ndarray) -> pd.DataFrame:
        """The capacity blocks of a phased plan (``PlantPlan.blocks``); empty otherwise."""
        if self._npv_c is None:
            return pd.DataFrame()
        return phased_plant(self._om, x).blocks

    def stockpile(self, x: np.ndarray) -> pd.DataFrame:
        """Stockpile per feedstock and year (``PlantPlan.stockpile``)."""
        return stockpile_table(self._om, x, self._flows(x))

    def with_prices(self, revenue: np.ndarray, var_cost: np.ndarray) -> PlanReader:
        """A copy reading plans whose per-pair revenue and variable cost (USD per unit, before
        the model's price factor) are these; everything else is this reader's."""
        if self._npv_c is not None:
            raise CaseError("re-pricing reads single-build plans; planning: phased is "
                            "solved and read per case", field="planning")
        r = object.__new__(PlanReader)
        r.__dict__.update(self.__dict__)
        r.revenue = np.asarray(revenue, dtype=float) * self._pf
        r.var_cost = np.asarray(var_cost, dtype=float)
        return r

    # ------------------------------------------------------------------ reading
    def flows(self, x: np.ndarray) -> np.ndarray:
        """Units of each pair per year (K x Y): flows below 1e-12 of the largest, and flows
        on a path through an option with costs whose build switch is off, set to 0 (the
        latter pass a big-M row only by the solver's integrality tolerance)."""
        xv = x[self._x].reshape(self.K, self.Y)
        xv = np.where(xv < 1e-12 * max(xv.max(initial=0.0), 1.0), 0.0, xv)
        if self._build is not None:
            off = self.costly & (x[self._build] < 0.5)
            if off.any():  # pairs loading a switched-off option (a stored nonzero entry)
                m = self._load_mat
                on = np.repeat(off, np.diff(m.indptr)) & (m.data != 0)
                dead = np.zeros(self.K, dtype=bool)
                dead[m.indices[on]] = True
                xv = np.where(dead[:, None], 0.0, xv)
        return xv

    def money(self, x: np.ndarray, xv: np.ndarray | None = None) -> dict[str, Any]:
        """Yearly revenue, by-product revenue and costs, capex, and what is built.

        Costs are those the solution pays: every option whose build switch (or equipment) is
        on. ``built`` is the options that carry flow (peak throughput above 1e-9 of their
        basis per year) and, if they have costs, are switched on; ``idle`` the options paid
        for with no flow (possible at a gap, or for a design fixed in advance), which are
        never reported as built; ``plant`` the phased plant read once (None: single build).
        """
        xv = self.flows(x) if xv is None else xv
        n = len(self.names)
        thr = np.asarray(self._load_mat @ xv)
        peak = thr.max(axis=1) if self.Y else np.zeros(n)
        flowing = peak > 1e-9
        paid = (x[self._build] > 0.5 if self._build is not None else np.zeros(n, bool)) \
            & self.costly
        # a blank is a cost-free pass-through (stage skipped), never equipment that is built
        built = (paid | ~self.costly) & flowing & ~self.blank
        units = np.zeros(n)
        if self._units is not None and len(self._eq_opts):
            units[self._eq_opts] = x[self._units]
        idle = (paid | (units > 0.5)) & ~flowing
        eq_cost = units * self.eq_cost
        plant = phased_plant(self._om, x) if self._npv_c is not None else None
        if plant is not None:  # phased: capex summed over the blocks (undiscounted)
            units, capex_pw, eq_cost = plant.units, plant.capex_curve, plant.eq_cost
        elif len(self.seg_o):
            c = self.seg_a * x[self._seg_z] + self.seg_b * x[self._seg_w]
            capex_pw = np.bincount(self.seg_o, weights=c, minlength=n)
            # a switched-off option's segments hold only solver noise (|x| ~ 1e-9): no capex
            capex_pw = np.where(paid | ~self.costly, capex_pw, 0.0)
        else:
            capex_pw = np.zeros(n)
        cap = x[self._cap] if self._cap is not None else np.zeros(n)
        cap = np.where(self.costly, np.where(paid, cap, 0.0), peak)
        fixed = float(sum(v for v, b in zip(self.opex_yr, paid.tolist(), strict=True) if b))
        fixed += float(sum(units[i] * c for i, c in self.eq_yearly))
        staff = float(x[self._staff].sum()) if self._staff is not None else 0.0
        labour = staff * self.wage
        if plant is not None:  # per year: blocks online, idling, yearly headcount
            fixed, labour, staff = plant.fixed, plant.labour, plant.staff
        var = self.var_cost @ xv
        if self._stock is not None:  # stockpile holding cost
            var = var + (self._hold * x[self._stock]).reshape(-1, self.Y).sum(axis=0)
        return {"rev": self.revenue @ xv, "byp": self.byp @ xv, "var": var,
                "fixed": fixed, "labour": labour, "staff": staff,
                "bec": float(capex_pw[self.lang].sum()),
                "direct": float(capex_pw[~self.lang].sum() + eq_cost.sum()),
                "capex": capex_pw + eq_cost, "capex_pw": capex_pw, "built": built,
                "idle": idle, "units": units, "cap": cap, "peak": peak, "throughput": thr,
                "plant": plant}

    def _npv(self, m: dict[str, Any]) -> float:
        w, Y = self.weights, self.Y
        # NPVWeights.npv_usd's expression, without its input validation
        return float(w.w_revenue @ (m["rev"] + m["byp"]) - w.w_variable_opex @ m["var"]
                     - w.w_labour @ np.full(Y, m["labour"])
                     - w.w_fixed_opex @ np.full(Y, m["fixed"])
                     - w.w_bec * m["bec"] - w.w_direct_tpc * m["direct"])

    def npv(self, x: np.ndarray) -> float:
        """The plan's NPV (``PlantPlan.npv_usd``) for the builder-order solution ``x``."""
        if self._npv_c is not None:  # phased: the model's NPV vector
            return float(self._npv_c @ x)
        return self._npv(self.money(x))

    def row(self, x: np.ndarray, objective: float) -> dict[str, Any]:
        """The headline numbers of the plan ``x`` (builder order) with objective value
        ``objective``: ``objective``, ``npv_usd``, ``capex_usd`` (of the options built),
        ``revenue_usd`` and ``co2_t`` (horizon totals), ``built`` and ``routes`` (sorted
        option and path names joined by ``,`` and ``|``) and ``recovered_kg_<element>`` for
        every element of the case (horizon totals)."""
        xv = self.flows(x)
        m = self.money(x, xv)
        by_path = np.bincount(self.path_code, weights=xv.sum(axis=1),
                              minlength=len(self.path_names))
        built = m["built"]
        row: dict[str, Any] = {
            "objective": float(objective),
            "npv_usd": self._npv(m) if self._npv_c is None else float(self._npv_c @ x),
            "capex_usd": float(m["capex"][built | m["idle"]].sum()),
            "revenue_usd": float(m["rev"].sum()),
            "co2_t": float((self.co2 @ xv / 1000.0).sum()),
            "built": ",".join(sorted(n for n, b in zip(self.names, built.tolist(), strict=True)
                                     if b)),
            "routes": "|".join(sorted(self.path_names[by_path > 1e-9].tolist())),
        }
        rec = np.zeros(len(self.elements))
        if len(self._rec_cols):
            tot = self.R[:, self._rec_cols].T @ xv
            rec = np.bincount(self._rec_el, weights=np.where(tot > 0, tot, 0.0).sum(axis=1),
                              minlength=len(self.elements))
        for e, v in zip(self.elements, rec.tolist(), strict=True):
            row[f"recovered_kg_{e}"] = float(v)
        return row


def _layout(om: OptModel) -> tuple:
    return tuple((b.name, b.size, b.offset) for b in om.builder.blocks.values())
