"""Reading a time-phased plan (and any plan's stockpile) from a solution vector.

The phased plant (:mod:`recyclopt.optimize.phased`) is read into its capacity blocks (option,
year online, size, capex), its money per year (fixed opex and labour only in the years an
option operates, equipment cost in the year bought) and the cash-flow table with each
block's capex in its build years (:func:`recyclopt.economics.phased_capex_cash`). The
stockpile (:mod:`recyclopt.optimize.stockpile`) is read per feedstock and year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..economics import cash_flow_table, phased_capex_cash
from .model import OptModel


def _block(om: OptModel, x: np.ndarray, name: str, shape: tuple[int, int]) -> np.ndarray:
    v = om.block_values(x, name)
    return v.reshape(shape) if v.size else np.zeros(shape)


def stock_levels(om: OptModel, x: np.ndarray) -> np.ndarray:
    """Units in store at each year end, F_stock x Y (feedstocks with a stockpile)."""
    Y = len(om.meta["years"])
    return _block(om, x, "stock", (len(om.meta["stock_f"]), Y))


def holding_cost(om: OptModel, x: np.ndarray) -> np.ndarray:
    """USD of holding stock in each operating year."""
    return om.meta["stock_hold"] @ stock_levels(om, x)


def stockpile_table(om: OptModel, x: np.ndarray, xv: np.ndarray) -> pd.DataFrame:
    """Per stockpiled feedstock and year: ``collected``, ``processed``, ``in_store`` (end of
    year, units) and ``holding_usd``; ``xv`` the flows, pairs x years."""
    case, years = om.case, [int(y) for y in om.meta["years"]]
    s = stock_levels(om, x)
    rows = []
    for j, f in enumerate(om.meta["stock_f"].tolist()):
        processed = xv[om.meta["f_idx"] == f].sum(axis=0)
        before = np.concatenate(([0.0], s[j, :-1]))
        hold = case.feedstocks[f].stockpile.holding_usd_per_unit_yr
        for yi, y in enumerate(years):
            rows.append({"feedstock": case.feedstocks[f].name, "year": y,
                         "collected": processed[yi] + s[j, yi] - before[yi],
                         "processed": processed[yi], "in_store": s[j, yi],
                         "holding_usd": hold * s[j, yi]})
    return pd.DataFrame(rows, columns=["feedstock", "year", "collected", "processed",
                                       "in_store", "holding_usd"])


@dataclass
class PhasedPlant:
    """A phased plan's plant: per option totals, blocks and yearly fixed costs.

    Attributes
    ----------
    cap, built, units : total capacity, built flag and equipment units owned at the end.
    capex_curve, eq_cost : capex (before the Lang factor) of the blocks and of the equipment
        per option, undiscounted.
    blocks : one row per block built: option, year online, capacity, basis, capex_usd,
        equipment units bought and their cost.
    tpc_by_start : TPC (Lang factor applied) online from each operating year.
    fixed, labour, staff : fixed opex, labour cost and headcount per operating year.
    """

    cap: np.ndarray
    built: np.ndarray
    units: np.ndarray
    capex_curve: np.ndarray
    eq_cost: np.ndarray
    blocks: pd.DataFrame
    tpc_by_start: np.ndarray
    fixed: np.ndarray
    labour: np.ndarray
    staff: np.ndarray


def phased_plant(om: OptModel, x: np.ndarray) -> PhasedPlant:
    """Read the plant of a phased solution ``x`` (builder order)."""
    case, options = om.case, om.case.options
    starts = np.asarray(om.meta["starts"])
    years = [int(y) for y in om.meta["years"]]
    n, T, Y = len(options), len(starts), len(years)
    blk = _block(om, x, "blk", (n, T))
    bld = _block(om, x, "bld", (n, T)) > 0.5
    seg = om.meta["seg_arrays"]
    S = len(seg["o"])
    cost_b = np.zeros((n, T))  # curve capex per block, before the Lang factor
    if S:
        z, w = _block(om, x, "bseg_z", (S, T)), _block(om, x, "bseg_w", (S, T))
        np.add.at(cost_b, seg["o"], seg["intercept"][:, None] * z + seg["slope"][:, None] * w)
    eq = list(om.meta["eq_opts"])
    buy = np.zeros((n, T))
    if eq:
        buy[eq] = np.maximum(np.round(_block(om, x, "buy", (len(eq), T))), 0.0) + 0.0
    unit_cost = np.array([o.equipment.cost_usd if o.equipment else 0.0 for o in options])
    lang = np.where([o.capex_lang for o in options], case.costing.factors().lang_factor, 1.0)
    tpc_t = lang @ cost_b + unit_cost @ buy
    tpc_by_start = np.zeros(Y)
    np.add.at(tpc_by_start, starts, tpc_t)
    on = starts[:, None] <= np.arange(Y)[None, :]  # T x Y
    owned = buy @ on  # n x Y
    fx = [i for i, o in enumerate(options) if o.opex_usd_per_yr > 0 or o.operators > 0]
    act = np.zeros((n, Y))
    if fx:
        act[fx] = _block(om, x, "act", (len(fx), Y)) > 0.5
    yearly = np.array([o.equipment.yearly_cost_usd if o.equipment else 0.0 for o in options])
    fixed = np.array([o.opex_usd_per_yr for o in options]) @ act + yearly @ owned
    staff = np.maximum(np.round(om.block_values(x, "staff")), 0.0) + 0.0 \
        if "staff" in om.builder.blocks else np.zeros(Y)
    labour = staff * case.labour_usd_per_hour * case.hours_per_operator_yr
    # an option without a capex curve or fixed costs has no capacity of its own: its block
    # is the equipment bought (or nothing)
    sized = np.array([o.capex is not None or o.opex_usd_per_yr > 0 or o.operators > 0
                      for o in options])
    cpu = np.array([o.equipment.capacity_per_unit if o.equipment else 0.0 for o in options])
    size = np.where(sized[:, None], blk, buy * cpu[:, None])
    rows = [{"option": options[o].name, "year": years[starts[t]], "capacity": size[o, t],
             "basis": options[o].basis, "capex_usd": cost_b[o, t],
             "equipment_units": buy[o, t], "equipment_usd": buy[o, t] * unit_cost[o]}
            for o in range(n) for t in range(T)
            if (sized[o] and bld[o, t] and blk[o, t] > 1e-9) or buy[o, t] > 0]
    blocks = pd.DataFrame(rows, columns=["option", "year", "capacity", "basis", "capex_usd",
                                         "equipment_units", "equipment_usd"])
    return PhasedPlant(om.block_values(x, "cap"), om.block_values(x, "build") > 0.5,
                       owned[:, -1] if Y else np.zeros(n), cost_b.sum(axis=1),
                       buy.sum(axis=1) * unit_cost, blocks, tpc_by_start, fixed, labour, staff)


def phased_cash_flow(om: OptModel, plant: PhasedPlant, revenue: np.ndarray,
                     variable: np.ndarray, byproduct_revenue: np.ndarray | None = None
                     ) -> pd.DataFrame:
    """The cash-flow table of a phased plan: each block's capex from its construction
    start by the convention's schedule, the TPC-linked fixed opex from its year online;
    by-products booked as revenue in their own column."""
    case = om.case
    capex, tpc_on = phased_capex_cash(case.costing, case.horizon, plant.tpc_by_start)
    f = case.costing.factors()
    t = cash_flow_table(case.costing, case.horizon, revenue_usd=revenue,
                        byproduct_revenue_usd=0.0 if byproduct_revenue is None else byproduct_revenue,
                        variable_opex_usd=variable, labour_usd=plant.labour,
                        fixed_opex_usd=plant.fixed + f.fixed_opex_per_tpc * tpc_on).table
    t["capex_usd"] = capex
    t["cash_flow_usd"] = t["cash_flow_usd"] - capex
    t["discounted_cash_flow_usd"] = t["cash_flow_usd"] * t["discount_factor"]
    return t


def single_build_start(phased: OptModel, single: OptModel, x: np.ndarray) -> np.ndarray | None:
    """The single-build plan ``x`` (columns of ``single``) as a plan of the phased model
    ``phased`` (same case): every block online in the first build year, every option
    operating in every year it is built, equipment bought then, the same headcount each year.

    It is feasible for the phased model when the first build year is the first operating
    year (None otherwise): a first incumbent for the solver, so that the phased plan found
    within a time limit is never worse than the single build.
    """
    starts = np.asarray(phased.meta["starts"])
    if not len(starts) or starts[0] != 0:
        return None
    options = phased.case.options
    T, Y, n = len(starts), len(phased.meta["years"]), len(options)
    pb, sb = phased.builder, single.builder
    out = np.zeros(pb.n)

    def get(name: str) -> np.ndarray:
        b = sb.blocks[name]
        return x[b.offset:b.offset + b.size]

    def put(name: str, idx: np.ndarray, v: np.ndarray) -> None:
        out[pb.col(name, idx)] = v

    for name in ("x", "cap", "build", "use", "stock"):
        if name in sb.blocks and name in pb.blocks:
            put(name, np.arange(sb.blocks[name].size), get(name))
    put("blk", np.arange(n) * T, get("cap"))
    put("bld", np.arange(n) * T, np.round(get("build")))
    S = len(phased.meta["seg_arrays"]["o"])
    if S:
        put("bseg_z", np.arange(S) * T, np.round(get("seg_z")))
        put("bseg_w", np.arange(S) * T, get("seg_w"))
    fx = [i for i, o in enumerate(options) if o.opex_usd_per_yr > 0 or o.operators > 0]
    if fx:
        put("act", np.arange(len(fx) * Y), np.repeat(np.round(get("build"))[fx], Y))
    eq = list(phased.meta["eq_opts"])
    if eq:
        put("buy", np.arange(len(eq)) * T, np.round(get("units")))
    if "staff" in pb.blocks:
        put("staff", np.arange(Y), np.full(Y, np.round(get("staff")[0])))
    return out
