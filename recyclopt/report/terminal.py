"""What ``recyclopt optimize`` prints: the plan, or the smallest change that makes a plant pay,
and the assumptions the answer is most sensitive to.

The answer is gathered once (:func:`optimize_answer`) into blocks of text lines and tables
(:class:`Table`), then rendered as plain text (:func:`render_plain`: logs, tests, CI) or with
``rich`` tables (:func:`render`, when stdout is a terminal and ``rich`` is installed). Every
number goes through :func:`num` or :func:`usd`: thousands separators, no exponents, money of a
million and more in M USD.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any


# --------------------------------------------------------------------------- numbers
def num(v: float, unit: str = "") -> str:
    """One number format: ``12,345`` (100 and more), ``12.35`` (1 to 100), ``0.123`` (3
    significant figures below 1); never an exponent."""
    a = abs(v)
    if not math.isfinite(v):
        s = "unbounded" if v > 0 else "-unbounded"
    elif a >= 100 or float(v).is_integer():
        s = f"{v:,.0f}"
    elif a >= 1:
        s = f"{v:,.2f}"
    else:
        s = f"{v:.{max(3 - int(math.floor(math.log10(a))) - 1, 0)}f}"
    s = "0" if s in ("-0", "-0.00") else s
    return f"{s} {unit}".rstrip()


def usd(v: float) -> str:
    """Money: ``1.23 M USD`` from a million up, else ``12,345 USD``."""
    if math.isfinite(v) and abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M USD"
    return f"{v:,.0f} USD".replace("-0 USD", "0 USD")


def factor(m: float | None) -> str:
    """A multiplier: ``x2.052``."""
    return "none" if m is None else f"x{m:,.3f}"


# --------------------------------------------------------------------------- blocks
@dataclass
class Table:
    """A titled table of strings (numbers already formatted); ``right``: numeric columns."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    right: set[int] = field(default_factory=set)


Block = str | Table


def render_plain(blocks: list[Block]) -> str:
    """Plain text: lines as they are, tables as padded columns under their title."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, str):
            out.append(b)
            continue
        out.append(b.title)
        cells = [b.columns, *b.rows]
        w = [max(len(r[j]) for r in cells) for j in range(len(b.columns))]
        for r in cells:
            out.append("  " + "  ".join(c.rjust(w[j]) if j in b.right else c.ljust(w[j])
                                        for j, c in enumerate(r)).rstrip())
    return "\n".join(out)


def render(blocks: list[Block], stream: Any = None) -> None:
    """Print ``blocks``: rich tables on a terminal (when ``rich`` is installed), else plain."""
    stream = stream or sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        try:
            from rich.console import Console
            from rich.table import Table as RichTable
        except ImportError:
            tty = False
    if not tty:
        print(render_plain(blocks), file=stream)
        return
    con = Console(file=stream, highlight=False)
    for b in blocks:
        if isinstance(b, str):
            con.print(b, markup=False)
            continue
        t = RichTable(title=b.title, title_justify="left", show_edge=False)
        for j, c in enumerate(b.columns):
            t.add_column(c, justify="right" if j in b.right else "left")
        for r in b.rows:
            t.add_row(*r)
        con.print(t)


# --------------------------------------------------------------------------- plan pieces
def basis_text(plan: Any, option: str, basis: str) -> str:
    """What an option's capacity counts: units of which feedstocks, or kg of magnet alloy."""
    case = plan.case
    flows = plan.flows
    used = flows[flows["path"].str.split("/").apply(lambda p: option in p)] \
        if not flows.empty else flows
    names = list(dict.fromkeys(used["feedstock"])) if not used.empty else []
    if basis == "units":
        unit = {f.name: f.unit for f in case.feedstocks}
        what = ", ".join(f"{unit[n]} ({n})" for n in names) or "end-of-life units"
        return f"units/yr of {what}"
    src = f", from {', '.join(names)}" if names else ""
    return f"kg/yr of magnet alloy{src}"


def plan_table(plan: Any, title: str) -> Table:
    """The options a plan builds, with capacity, its basis, capex and equipment units."""
    cap = plan.capacities[plan.capacities["built"].astype(bool)]
    rows = []
    for o, r in cap.iterrows():
        eq = f"{int(r['equipment_units'])}" if r["equipment_units"] > 0 else "-"
        runs = "" if r["peak_throughput"] >= r["capacity"] * (1 - 1e-9) else \
            f" (runs at most {num(r['peak_throughput'])})"
        rows.append([o, r["stage"], num(r["capacity"]) + runs,
                     basis_text(plan, o, r["basis"]), usd(r["capex_usd"]), eq])
    return Table(title, ["option", "stage", "capacity", "basis", "capex", "equipment units"],
                 rows, right={2, 4, 5})


def cash_flow_table(plan: Any) -> Table:
    """The yearly cash flow in M USD (columns that are zero in every year left out)."""
    cf = plan.cash_flow
    cols = {"capex_usd": "capex", "revenue_usd": "revenue",
            "byproduct_revenue_usd": "by-products", "variable_opex_usd": "variable opex",
            "fixed_opex_usd": "fixed opex", "labour_usd": "labour",
            "overhead_usd": "overhead", "cash_flow_usd": "net cash flow"}
    keep = [c for c in cols if c in cf and (cf[c] != 0).any()]
    rows = [[str(int(y))] + [f"{cf.loc[i, c] / 1e6:,.3f}" for c in keep]
            for i, y in cf["year"].items()]
    return Table("Cash flow (M USD per year):", ["year"] + [cols[c] for c in keep], rows,
                 right=set(range(1, len(keep) + 1)))


def recovered_line(plan: Any) -> str:
    """Elements recovered over the horizon, kg."""
    rec = plan.recovered_kg()
    return "  recovered over the horizon: " + ", ".join(
        f"{e} {num(v, 'kg')}" for e, v in rec.items() if v > 0)


def header(plan: Any, price_factor: float) -> list[str]:
    """Mode and objective, the price scenario, solver facts, tie-break and heuristic lines."""
    c, s = plan.case, plan.solver
    lines = [f"Plant plan for case {c.name!r} ({plan.mode or c.mode}, objective "
             f"{plan.objective}; product prices {factor(price_factor)} of the case's)",
             f"  solver: {s.status}, gap {s.mip_gap:.2g}, "
             f"{'proven optimal' if s.proven_optimal else 'NOT proven optimal'}; build "
             f"{plan.build_s:.2f} s, solve {s.time_s:.2f} s; {num(s.n_vars)} variables "
             f"({num(s.n_binary)} binary, {num(s.n_integer)} integer), {num(s.n_rows)} rows"]
    if getattr(c, "overrides", None):
        lines.append("  overrides: " + ", ".join(f"{k}={v:g}" for k, v in c.overrides.items()))
    if plan.tie_break:
        lines.append(f"  tie-break: among plans within the gap of the best {plan.objective},"
                     f" the cheapest (discounted cost {usd(plan.tie_break['cost_usd'])})")
    hr = s.heuristic
    if hr:
        lines.append(f"  start heuristic (LP-guided): LP {hr['lp_status']}, "
                     f"{hr['n_closed']} of {hr['n_options']} options closed")
        if hr.get("stages"):
            lines.append(f"    restricted MILPs: {hr['stages']}")
    return lines


def capex_note(plan: Any) -> list[str]:
    """The built options whose piecewise capex differs from the case's curve (see the plan
    summary's note)."""
    from ..optimize.plan import CAPEX_NOTE_RTOL

    cap = plan.capacities[plan.capacities["built"].astype(bool)]
    off = (cap["capex_curve_usd"] - cap["capex_usd"]).abs() > \
        CAPEX_NOTE_RTOL * cap["capex_curve_usd"].abs()
    if not off.any():
        return []
    pw, cv = float(cap["capex_usd"].sum()), float(cap["capex_curve_usd"].sum())
    return [f"  capex: the MILP's piecewise-linear curves give {usd(pw)}, the case's curves "
            f"at the built capacities {usd(cv)} ({(pw / cv - 1) * 100:+.2f} %); more "
            "breakpoints (capex n_points) close the gap"]


def built_blocks(plan: Any) -> list[Block]:
    """A plan that builds: what, when, how big, its NPV and cash flow."""
    h = plan.case.horizon
    years = plan.case.years
    costing = plan.case.costing
    blocks: list[Block] = [
        "",
        plan_table(plan, f"Plan: build in {h.construction_year}, operate "
                         f"{int(years[0])}-{int(years[-1])}"),
        *capex_note(plan),
        f"  NPV {usd(plan.npv_usd)} ({type(costing).__name__}, discount "
        f"{costing.factors().discount_rate * 100:.1f} %/yr)",
        recovered_line(plan),
        "",
        cash_flow_table(plan),
    ]
    return blocks


# --------------------------------------------------------------------------- no plant pays
def price_blocks(case: Any, cor: Any, alone: dict[str, Any]) -> list[Block]:
    """The break-even price of all products together, each product alone, and the plant."""
    what = "every product price" if cor.target == "all products" else \
        f"the price of {cor.target}"
    if cor.multiplier is None:
        return [f"  Price of {cor.target}: {cor.message} ({cor.n_milp} MILPs)."]
    rows = [[k, num(case.products[k.split(':')[0]].price_usd_per_kg[k.split(':')[1]]),
             num(v)] for k, v in cor.prices_usd_per_kg.items()]
    out: list[Block] = [
        f"  Price: {what} {factor(cor.multiplier)} of today's (exact, {cor.n_milp} MILPs).",
        Table("  Break-even prices, USD per kg of element:",
              ["product:element", "today", "break-even"], rows, right={1, 2})]
    arows = []
    for p, be in alone.items():
        if be.multiplier is None:
            arows.append([p, "none", be.message])
            continue
        arows.append([p, factor(be.multiplier), ", ".join(
            f"{k.split(':')[1]} {num(v)}" for k, v in be.prices_usd_per_kg.items())])
    if arows:
        out.append(Table("  Each product alone (the others at today's prices), USD per kg of "
                         "element:", ["product", "break-even", "prices"], arows, right={1}))
    if cor.plan is not None:
        out.append(plan_table(cor.plan, f"  The plant that then gets built (NPV 0 at the "
                                        f"break-even prices, {usd(cor.npv_today_usd)} at "
                                        "today's):"))
    return out


def feed_blocks(fs: Any) -> list[Block]:
    """The break-even feed scale and the plant it builds."""
    if fs.scale is None:
        return [f"  Feed: {fs.message} ({fs.n_milp} MILPs)."]
    lo, hi = fs.bracket
    out: list[Block] = [
        f"  Feed: every feedstock's availability {factor(fs.scale)} of today's, at today's "
        f"prices (between {factor(lo)} and {factor(hi)}, tolerance {fs.rtol * 100:g} %; "
        f"{fs.n_milp} MILPs)."]
    if fs.message:
        out.append(f"    ({fs.message})")
    out.append(plan_table(fs.plan, f"  The plant that then gets built (NPV "
                                   f"{usd(fs.npv_usd)}):"))
    return out


def driver_blocks(dr: Any, counts: dict[str, int], n_ranged: int, measure: str
                  ) -> list[Block]:
    """The three assumption-grade inputs the answer moves most with, and the count."""
    total = sum(counts.values())
    parts = ", ".join(f"{num(v)} in {k}" for k, v in counts.items())
    out: list[Block] = ["", f"The answer rests on {num(total)} assumption-grade numbers "
                            f"({parts}); {num(n_ranged)} have a range and are ranked."]
    if dr is None:
        out.append("  (the inputs are ranked by their effect on the NPV: objective npv only)")
        return out
    if dr.table.empty:
        out.append("  (no ranged assumption-grade inputs declared for this case)")
        return out
    rows = []
    for i, r in enumerate(dr.table.head(3).itertuples(), start=1):
        be = dr.break_even.get(r.path)
        rows.append([str(i), r.path, f"{num(r.value)} ({num(r.low)} to {num(r.high)}) "
                     f"{r.unit}", f"{usd(r.npv_low_usd)} / {usd(r.npv_high_usd)}"]
                    + ([f"{factor(be[0])} / {factor(be[1])}" if be else "-"]
                       if dr.break_even else []))
    cols = ["#", "input", "value (range) unit", "NPV at low / high"]
    cols += ["break-even price at low / high"] if dr.break_even else []
    out.append(Table(f"The three assumptions the answer is most sensitive to ({measure}, each "
                     f"input at the low / high end of its range, re-solved; {num(dr.n_milp)} "
                     "MILPs):", cols, rows, right=set()))
    return out


def optimize_answer(case: Any, plan: Any, *, price_factor: float = 1.0,
                    mode: str | None = None, drivers: bool = True, exact_top: int = 0,
                    sup: Any = None) -> list[Block]:
    """Everything ``recyclopt optimize`` prints for ``plan``, solved on ``case`` (the case with
    its prices already times ``price_factor``).

    A plan that builds: the plan, its NPV, recovered elements and cash flow. An NPV plan that
    builds nothing: the smallest change that makes a plant pay (the break-even price of all
    products and of each product alone, the break-even feed scale, each with its plant).
    Then the assumption-grade inputs ranked by their effect (the best plant's NPV at today's
    prices, or at the break-even prices when nothing pays; with ``exact_top``, the exact
    break-even price multiplier at each end of that many top inputs) and their count.
    ``sup``: the superstructure of ``case`` when already built (shared by every search).
    """
    from ..optimize.analysis import break_even_feed_scale, cost_of_recovery
    from ..scenarios.assumptions import assumption_count, declared_assumptions, rank_assumptions

    blocks: list[Block] = header(plan, price_factor)
    m = 1.0
    if plan.built:
        blocks += built_blocks(plan)
        measure = "the best plant's NPV at these prices"
    elif plan.objective != "npv":
        blocks += ["", f"Nothing is built: {plan.objective} is best served by processing "
                       "nothing."]
        return blocks
    else:
        cor = cost_of_recovery(case, mode=mode, sup=sup)
        alone = {p: cost_of_recovery(case, p, mode=mode, sup=sup) for p in case.products}
        fs = break_even_feed_scale(case, mode=mode, rtol=1e-2, sup=sup)
        blocks += ["", f"No plant pays at these prices (NPV {usd(plan.npv_usd)}: build "
                       "nothing). The smallest change that makes a plant pay:"]
        blocks += price_blocks(case, cor, alone)
        blocks += feed_blocks(fs)
        m = cor.multiplier if cor.multiplier is not None else 1.0
        measure = f"the best plant's NPV at the break-even prices, {factor(m)}"
    drivers = drivers and plan.objective == "npv"  # the ranking's measure is an NPV
    dr = rank_assumptions(case, price_multiplier=m, mode=mode,
                          exact_top=0 if plan.built else exact_top, sup=sup) if drivers else None
    declared = declared_assumptions(case)
    blocks += driver_blocks(dr, assumption_count(case), int(declared["ranged"].sum()), measure)
    return blocks
