"""Results of a plant optimisation: :class:`PlantPlan`, and the ``optimize`` entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..economics import cash_flow_table
from ..io import write_tables
from .case import Case, CaseError, load_case
from .model import OptModel, build_model
from .plan_phased import (
    holding_cost,
    phased_cash_flow,
    phased_plant,
    single_build_start,
    stockpile_table,
)
from .solve import SolveInfo, SolverError, solve


@dataclass
class PlantPlan:
    """The chosen plant: options built, capacities, flows, products and cash flows.

    Attributes are DataFrames: ``capacities``, ``flows`` (feedstock, path, year),
    ``option_flows`` (option, year), ``products`` (product, element, year), ``cash_flow``
    (per year, from the costing convention), ``capex`` and ``opex`` breakdowns; plus the
    objective value, ``npv_usd`` recomputed from the cash-flow table, and solver statistics.
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
            f"Plant plan for case {c.name!r} ({c.mode}, objective {self.objective})",
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
            lines.append("  none (no route pays under these prices)")
        for o, r in cap.iterrows():
            extra = f", {int(r['equipment_units'])} units" if r["equipment_units"] > 0 else ""
            lines.append(f"  {o:28s} {r['stage']:14s} capacity {r['capacity']:,.6g} "
                         f"{r['basis']}/yr, capex {r['capex_usd']:,.0f} USD{extra}")
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
        lines += ["", "Cash flow (USD):",
                  cf[["capex_usd", "revenue_usd", "variable_opex_usd", "fixed_opex_usd",
                      "labour_usd", "cash_flow_usd"]].round(0).to_string()]
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

    def plot(self, kind: str = "sankey", **kw):
        """Static matplotlib chart of the plan (see :func:`recyclopt.report.plot`)."""
        from ..report import plot

        return plot(self, kind, **kw)

    def iplot(self, kind: str = "sankey", **kw):
        """Interactive plotly chart of the plan (see :func:`recyclopt.report.iplot`)."""
        from ..report import iplot

        return iplot(self, kind, **kw)

    def to_file(self, path: str | Path, *, force: bool = False) -> Path:
        """Export to ``.xlsx`` (a sheet per table), ``.json`` or ``.csv`` (one file per table)."""
        t = self.tables()
        t["solver"] = t["solver"].astype({"diagnosis": str})
        return write_tables(path, t, force=force)


def _plan(om: OptModel, x: np.ndarray, info: SolveInfo, build_s: float) -> PlantPlan:
    case, sup = om.case, om.sup
    years = case.years.astype(int)
    Y = len(years)
    K = len(sup.pairs)
    xv = om.block_values(x, "x").reshape(K, Y)
    xv = np.where(xv < 1e-12 * max(xv.max(initial=0.0), 1.0), 0.0, xv)
    pairs = sup.pairs
    rows = []
    for k in np.flatnonzero(xv.sum(axis=1) > 0):
        f = case.feedstocks[int(om.meta["f_idx"][k])]
        for yi, y in enumerate(years):
            if xv[k, yi] > 0:
                rows.append({"feedstock": pairs.at[k, "feedstock"], "path": pairs.at[k, "path"],
                             "year": y, "units": xv[k, yi],
                             "magnet_kg": xv[k, yi] * f.magnet_kg_per_unit})
    flows = pd.DataFrame(rows, columns=["feedstock", "path", "year", "units", "magnet_kg"])
    # option throughput per year
    ld = sup.load
    thr = np.zeros((len(case.options), Y))
    oi = {o.name: i for i, o in enumerate(case.options)}
    np.add.at(thr, ld["option"].map(oi).to_numpy(),
              ld["basis_per_unit"].to_numpy()[:, None] * xv[ld["pair"].to_numpy()])
    option_flows = pd.DataFrame(thr, index=[o.name for o in case.options], columns=years)
    option_flows.index.name = "option"
    # products
    prow = []
    if sup.recovered.columns.size:
        R = sup.recovered.to_numpy()  # K x (form, element)
        tot = R.T @ xv  # (form, element) x Y
        for j, (form, el) in enumerate(sup.recovered.columns):
            for yi, y in enumerate(years):
                if tot[j, yi] > 0:
                    prow.append({"product": form, "element": el, "year": y, "kg": tot[j, yi]})
    products = pd.DataFrame(prow, columns=["product", "element", "year", "kg"])
    # capacities and capex
    phased = om.meta.get("npv_c") is not None
    if phased:  # blocks over time (recyclopt.optimize.phased)
        plant = phased_plant(om, x)
        cap, built, units = plant.cap, plant.built, plant.units
        capex_curve, eq_cost = plant.capex_curve, plant.eq_cost
    else:
        cap = om.block_values(x, "cap")
        built = om.block_values(x, "build") > 0.5
        units = np.zeros(len(case.options))
        for j, o in enumerate(om.meta["eq_opts"]):
            units[o] = om.block_values(x, "units")[j]
        capex_curve = np.zeros(len(case.options))
        seg = om.meta["seg"]
        if len(seg):
            z = om.block_values(x, "seg_z")
            w = om.block_values(x, "seg_w")
            c = seg["intercept"].to_numpy() * z + seg["slope"].to_numpy() * w
            np.add.at(capex_curve, seg["o"].to_numpy(), c)
        eq_cost = np.array([units[i] * (o.equipment.cost_usd if o.equipment else 0.0)
                            for i, o in enumerate(case.options)])
    peak = thr.max(axis=1)
    costly = np.array([o.capex is not None or o.opex_usd_per_yr > 0 or o.operators > 0
                       for o in case.options])
    # an option with no cost of being built is "built" when it carries flow
    built = np.where(costly, built, peak > 1e-9)
    cap = np.where(costly, cap, peak)
    capacities = pd.DataFrame({
        "stage": [o.stage for o in case.options],
        "built": built,
        "capacity": cap,
        "basis": [o.basis for o in case.options],
        "peak_throughput": peak,
        "equipment_units": units,
        "capex_usd": capex_curve + eq_cost,
        "capex_lang": [o.capex_lang for o in case.options],
    }, index=pd.Index([o.name for o in case.options], name="option"))
    bec = float(capex_curve[[o.capex_lang for o in case.options]].sum())
    direct = float(capex_curve[[not o.capex_lang for o in case.options]].sum() + eq_cost.sum())
    # yearly money
    rev = pairs["revenue_usd_per_unit"].to_numpy() * om.meta["price_factor"] @ xv
    var = pairs["var_cost_usd_per_unit"].to_numpy() @ xv + holding_cost(om, x)
    fixed = float(sum(o.opex_usd_per_yr for o, b in zip(case.options, built, strict=True) if b))
    fixed += float(sum(units[i] * o.equipment.yearly_cost_usd for i, o in
                       enumerate(case.options) if o.equipment))
    staff = float(om.block_values(x, "staff").sum())
    labour = staff * case.labour_usd_per_hour * case.hours_per_operator_yr
    if phased:
        fixed, labour, staff = plant.fixed, plant.labour, plant.staff
        cf_table = phased_cash_flow(om, plant, rev, var)
        npv_usd = float(cf_table["discounted_cash_flow_usd"].sum())
    else:
        cfr = cash_flow_table(case.costing, case.horizon, revenue_usd=rev,
                              variable_opex_usd=var, labour_usd=np.full(Y, labour),
                              fixed_opex_usd=np.full(Y, fixed), bec_usd=bec,
                              direct_tpc_usd=direct)
        cf_table, npv_usd = cfr.table, cfr.npv_usd
    capex = capacities.loc[capacities["built"], ["stage", "capacity", "capex_usd",
                                                  "capex_lang"]].copy()
    kwh = pairs["kwh_per_unit"].to_numpy() @ xv
    heat = pairs["heat_kwh_per_unit"].to_numpy() @ xv
    co2 = pairs["co2_kg_per_unit"].to_numpy() @ xv
    opex = pd.DataFrame({
        "year": years, "revenue_usd": rev, "variable_opex_usd": var,
        "electricity_kwh": kwh, "electricity_usd": kwh * case.electricity_usd_per_kwh,
        "heat_kwh": heat, "heat_usd": heat * case.heat_usd_per_kwh,
        "co2_t": co2 / 1000.0, "fixed_opex_usd": fixed, "labour_usd": labour,
        "staff": staff,
    })
    return PlantPlan(case, om.objective, info.objective, npv_usd, capacities, flows,
                     option_flows, products, cf_table, capex, opex, info, build_s,
                     blocks=plant.blocks if phased else pd.DataFrame(),
                     stockpile=stockpile_table(om, x, xv))


def phased_start(om: OptModel, *, time_limit: float | None = None, **kw) -> np.ndarray | None:
    """The single-build optimum of ``om``'s case as a first plan for its phased model
    (:func:`~recyclopt.optimize.plan_phased.single_build_start`); ``kw`` as
    :func:`build_model`. None when the phased model's first build year is not the first
    operating year or the single build finds no plan."""
    import dataclasses

    from .case import Planning

    single = build_model(dataclasses.replace(om.case, planning=Planning()), sup=om.sup, **kw)
    try:
        xs, _ = solve(single, time_limit=None if time_limit is None else time_limit / 4)
    except SolverError:  # no single-build plan: the phased solve reports the failure
        return None
    return single_build_start(om, single, xs) if np.isfinite(xs).all() else None


def optimize(case: Case | str | Path | None = None, *, objective: str | None = None,
             mode: str | None = None, time_limit: float | None = None,
             mip_gap: float | None = 1e-6, method: str = "highspy",
             extra: list | None = None, price_factor: float = 1.0,
             heuristic: str = "auto") -> PlantPlan:
    """Build and solve the plant MILP for a case (the bundled default when None).

    ``heuristic``: a first plan for HiGHS on large models with a time limit (see
    :func:`recyclopt.optimize.solve.solve`)."""
    import time

    if not isinstance(case, Case):
        case = load_case(case)
    t0 = time.perf_counter()
    om = build_model(case, objective=objective, mode=mode, extra=extra,
                     price_factor=price_factor)
    build_s = time.perf_counter() - t0
    start = None
    if case.planning.mode == "phased" and method == "highspy":
        start = phased_start(om, objective=objective, mode=mode, extra=extra,
                             price_factor=price_factor, time_limit=time_limit)
    x, info = solve(om, time_limit=time_limit, mip_gap=mip_gap, method=method,
                    heuristic=heuristic, start=start)
    return _plan(om, x, info, build_s)



class PlanReader:
    """The headline numbers of a plan read straight from a solution vector.

    :func:`_plan` builds a full :class:`PlantPlan` (flows, products, cash-flow table and cost
    breakdowns as DataFrames, ~10 ms on the bundled case). A scenario sweep needs only the
    headline numbers, thousands of times, so this reader precomputes, once per model, the
    index arrays and coefficient vectors they need and evaluates them with numpy (~0.2 ms).
    The formulas are :func:`_plan`'s, thresholds included; the results equal the plan's to
    rounding (tested against :func:`_plan` to 1e-9 relative).

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

    def _values(self, om: OptModel) -> None:
        """The case's numbers: per-pair money and CO2, option costs, capex curves, weights."""
        case, pairs = om.case, om.sup.pairs
        options = case.options
        self._pf = float(om.meta["price_factor"])
        self.revenue = pairs["revenue_usd_per_unit"].to_numpy(dtype=float) * self._pf
        self.var_cost = pairs["var_cost_usd_per_unit"].to_numpy(dtype=float)
        self.co2 = pairs["co2_kg_per_unit"].to_numpy(dtype=float)
        self.costly = np.array([o.capex is not None or o.opex_usd_per_yr > 0 or o.operators > 0
                                for o in options], dtype=bool)
        self.lang = np.array([o.capex_lang for o in options], dtype=bool)
        # throughput per unit of each pair of the options without costs (their "built")
        self._free = np.flatnonzero(~self.costly)
        pos = np.full(len(options), -1, dtype=np.int64)
        pos[self._free] = np.arange(len(self._free))
        sel = pos[self._ld_o] >= 0
        self._free_load = np.zeros((len(self._free), self.K))
        np.add.at(self._free_load, (pos[self._ld_o[sel]], self._ld_k[sel]), self._ld_v[sel])
        self.opex_yr = [float(o.opex_usd_per_yr) for o in options]
        self.eq_cost = np.array([o.equipment.cost_usd if o.equipment else 0.0 for o in options])
        self.eq_yearly = [(i, o.equipment.yearly_cost_usd) for i, o in enumerate(options)
                          if o.equipment]
        seg = om.meta["seg_arrays"]  # the arrays, not the frame: no pandas per scenario
        self.seg_o = np.asarray(seg["o"], dtype=np.int64)
        self.seg_a = np.asarray(seg["intercept"], dtype=float)
        self.seg_b = np.asarray(seg["slope"], dtype=float)
        self.wage = case.labour_usd_per_hour * case.hours_per_operator_yr
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
    def _flows(self, x: np.ndarray) -> np.ndarray:
        xv = x[self._x].reshape(self.K, self.Y)
        return np.where(xv < 1e-12 * max(xv.max(initial=0.0), 1.0), 0.0, xv)

    def _money(self, x: np.ndarray, xv: np.ndarray) -> dict[str, Any]:
        n = len(self.names)
        units = np.zeros(n)
        if self._units is not None and len(self._eq_opts):
            units[self._eq_opts] = x[self._units]
        eq_cost = units * self.eq_cost
        if self._npv_c is not None:  # phased: capex summed over the blocks (undiscounted)
            plant = phased_plant(self._om, x)
            capex_curve, eq_cost = plant.capex_curve, plant.eq_cost
        elif len(self.seg_o):
            c = self.seg_a * x[self._seg_z] + self.seg_b * x[self._seg_w]
            capex_curve = np.bincount(self.seg_o, weights=c, minlength=n)
        else:
            capex_curve = np.zeros(n)
        built = x[self._build] > 0.5 if self._build is not None else np.zeros(n, bool)
        if len(self._free):  # options without costs count as built when they carry flow
            peak = (self._free_load @ xv).max(axis=1) if self.Y else np.zeros(len(self._free))
            built[self._free] = peak > 1e-9
        bl = built.tolist()
        fixed = float(sum(v for v, b in zip(self.opex_yr, bl, strict=True) if b))
        fixed += float(sum(units[i] * c for i, c in self.eq_yearly))
        staff = float(x[self._staff].sum()) if self._staff is not None else 0.0
        var = self.var_cost @ xv
        if self._stock is not None:  # stockpile holding cost
            var = var + (self._hold * x[self._stock]).reshape(-1, self.Y).sum(axis=0)
        return {"rev": self.revenue @ xv, "var": var, "fixed": fixed,
                "labour": staff * self.wage, "bec": float(capex_curve[self.lang].sum()),
                "direct": float(capex_curve[~self.lang].sum() + eq_cost.sum()),
                "capex": capex_curve + eq_cost, "built": built}

    def _npv(self, m: dict[str, Any]) -> float:
        w, Y = self.weights, self.Y
        # NPVWeights.npv_usd's expression, without its input validation
        return float(w.w_revenue @ m["rev"] - w.w_variable_opex @ m["var"]
                     - w.w_labour @ np.full(Y, m["labour"])
                     - w.w_fixed_opex @ np.full(Y, m["fixed"])
                     - w.w_bec * m["bec"] - w.w_direct_tpc * m["direct"])

    def npv(self, x: np.ndarray) -> float:
        """The plan's NPV (``PlantPlan.npv_usd``) for the builder-order solution ``x``."""
        if self._npv_c is not None:  # phased: the model's NPV vector
            return float(self._npv_c @ x)
        return self._npv(self._money(x, self._flows(x)))

    def row(self, x: np.ndarray, objective: float) -> dict[str, Any]:
        """The headline numbers of the plan ``x`` (builder order) with objective value
        ``objective``: ``objective``, ``npv_usd``, ``capex_usd`` (of the options built),
        ``revenue_usd`` and ``co2_t`` (horizon totals), ``built`` and ``routes`` (sorted
        option and path names joined by ``,`` and ``|``) and ``recovered_kg_<element>`` for
        every element of the case (horizon totals)."""
        xv = self._flows(x)
        m = self._money(x, xv)
        by_path = np.bincount(self.path_code, weights=xv.sum(axis=1),
                              minlength=len(self.path_names))
        built = m["built"]
        row: dict[str, Any] = {
            "objective": float(objective),
            "npv_usd": self._npv(m) if self._npv_c is None else float(self._npv_c @ x),
            "capex_usd": float(m["capex"][built].sum()),
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
