"""Results of a plant optimisation: :class:`PlantPlan`, and the ``optimize`` entry point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..economics import cash_flow_table
from ..io import write_tables
from .case import Case, load_case
from .model import OptModel, build_model
from .solve import SolveInfo, solve


@dataclass
class PlantPlan:
    """The chosen plant: options built, capacities, flows, products and cash flows.

    Attributes are DataFrames: ``capacities``, ``flows`` (feedstock, path, year),
    ``option_flows`` (option, year), ``products`` (product, element, year), ``cash_flow``
    (per year, from the costing convention), ``capex`` and ``opex`` breakdowns; plus the
    objective value, ``npv_usd`` recomputed from the cash-flow table, and solver statistics.
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
            f"  objective value: {self.objective_value:,.6g}",
            f"  NPV: {self.npv_usd:,.0f} USD ({type(c.costing).__name__}, "
            f"discount {c.costing.factors().discount_rate:.4g})",
            f"  solver: {self.solver.status}, gap {self.solver.mip_gap:.2g}, "
            f"{'proven optimal' if self.solver.proven_optimal else 'NOT proven optimal'}; "
            f"build {self.build_s:.2f} s, handoff {self.solver.handoff_s:.2f} s, solve "
            f"{self.solver.time_s:.2f} s; {self.solver.n_vars} vars "
            f"({self.solver.n_binary} binary, {self.solver.n_integer} integer), "
            f"{self.solver.n_rows} rows, {self.solver.n_nonzeros} nonzeros",
            "", "Options built:",
        ]
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
        lines += ["", "Cash flow (USD):",
                  cf[["capex_usd", "revenue_usd", "variable_opex_usd", "fixed_opex_usd",
                      "labour_usd", "cash_flow_usd"]].round(0).to_string()]
        return "\n".join(lines)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"capacities": self.capacities, "flows": self.flows,
                "option_flows": self.option_flows, "products": self.products,
                "cash_flow": self.cash_flow, "capex": self.capex, "opex": self.opex,
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
    var = pairs["var_cost_usd_per_unit"].to_numpy() @ xv
    fixed = float(sum(o.opex_usd_per_yr for o, b in zip(case.options, built, strict=True) if b))
    fixed += float(sum(units[i] * o.equipment.yearly_cost_usd for i, o in
                       enumerate(case.options) if o.equipment))
    staff = float(om.block_values(x, "staff").sum())
    labour = staff * case.labour_usd_per_hour * case.hours_per_operator_yr
    cfr = cash_flow_table(case.costing, case.horizon, revenue_usd=rev, variable_opex_usd=var,
                          labour_usd=np.full(Y, labour), fixed_opex_usd=np.full(Y, fixed),
                          bec_usd=bec, direct_tpc_usd=direct)
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
    return PlantPlan(case, om.objective, info.objective, cfr.npv_usd, capacities, flows,
                     option_flows, products, cfr.table, capex, opex, info, build_s)


def optimize(case: Case | str | Path | None = None, *, objective: str | None = None,
             mode: str | None = None, time_limit: float | None = None,
             mip_gap: float | None = 1e-6, method: str = "highspy",
             extra: list | None = None, price_factor: float = 1.0) -> PlantPlan:
    """Build and solve the plant MILP for a case (the bundled default when None)."""
    import time

    if not isinstance(case, Case):
        case = load_case(case)
    t0 = time.perf_counter()
    om = build_model(case, objective=objective, mode=mode, extra=extra,
                     price_factor=price_factor)
    build_s = time.perf_counter() - t0
    x, info = solve(om, time_limit=time_limit, mip_gap=mip_gap, method=method)
    return _plan(om, x, info, build_s)
