"""Analyses built on repeated solves: cost of recovery and epsilon-constraint Pareto fronts."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import progress
from ..economics import cash_flow_npv
from ..errors import SolverError
from .case import Case, CaseError
from .model import OptModel, build_model, repriced, with_epsilon_rows
from .plan import MIP_GAP, PlanReader, PlantPlan, optimize, read_plan
from .solve import SolveInfo, solve
from .superstructure import Superstructure, build


@dataclass
class BreakEven:
    """The cost of recovery: the break-even price of some product prices, all others fixed.

    Attributes
    ----------
    target : what was priced: ``all products``, a product, an element (its price in every
        product form) or ``product:element``.
    multiplier : the factor on the targeted prices at which the best plant's NPV is zero
        (None when no plant breaks even below ``max_multiplier``).
    prices_usd_per_kg : ``product:element`` -> break-even price, USD per kg of element.
    plan : the plan that breaks even, read at the break-even prices (None when not found).
    npv_today_usd : that plan's NPV at the case's prices (the plan fixed).
    n_milp : MILPs solved.
    steps : per MILP, the multiplier it was solved at, its optimum, and the line
        ``NPV(m) = a m + b`` of the plan it returned.
    message : why no break-even was found, or empty.
    """

    target: str
    multiplier: float | None
    prices_usd_per_kg: dict[str, float]
    plan: PlantPlan | None
    npv_today_usd: float | None
    n_milp: int
    steps: list[dict] = field(default_factory=list)
    message: str = ""

    def __getitem__(self, key: str) -> float:
        """The dict form of earlier versions: ``price_multiplier`` and
        ``<product>:<element>_usd_per_kg``."""
        if key == "price_multiplier":
            if self.multiplier is None:
                raise KeyError(f"{key}: {self.message}")
            return self.multiplier
        if key.endswith("_usd_per_kg") and key[:-len("_usd_per_kg")] in self.prices_usd_per_kg:
            return self.prices_usd_per_kg[key[:-len("_usd_per_kg")]]
        raise KeyError(key)

    def summary(self) -> str:
        """Lines for the CLI: the break-even prices and the plan that breaks even."""
        if self.multiplier is None:
            return f"Cost of recovery ({self.target}): {self.message} ({self.n_milp} MILPs)."
        lines = [f"Cost of recovery ({self.target}), exact in {self.n_milp} MILPs: the best "
                 f"plant breaks even at x{self.multiplier:.6g} of today's prices:"]
        for k, v in self.prices_usd_per_kg.items():
            lines.append(f"  {k:28s} {v:,.4f} USD/kg of element")
        if self.message:
            lines.append(f"  ({self.message})")
        p = self.plan
        if p is not None:
            lines.append(f"  the plan that breaks even (NPV at today's prices "
                         f"{self.npv_today_usd:,.0f} USD):")
            cap = p.capacities[p.capacities["built"]]
            for o, r in cap.iterrows():
                lines.append(f"    {o:28s} capacity {r['capacity']:,.6g} {r['basis']}/yr, "
                             f"capex {r['capex_usd']:,.0f} USD")
        return "\n".join(lines)


def targeted_prices(case: Case, target: str | None) -> list[tuple[str, str]]:
    """The (product, element) prices a break-even moves: all of them (``target`` None), those
    of a product, those of an element in every product, or one ``product:element``."""
    allp = [(p, e) for p, prod in case.products.items() for e in prod.price_usd_per_kg]
    if target is None:
        sel = allp
    elif ":" in target:
        sel = [t for t in allp if f"{t[0]}:{t[1]}" == target]
    else:
        sel = [t for t in allp if target in t]
    if not sel:
        raise CaseError(f"cost of recovery of {target!r}: not a product, element or "
                        f"product:element of the case; products: {sorted(case.products)}, "
                        f"elements: {sorted({e for _, e in allp})}", field="product")
    floors = case.policy.price_floor_usd_per_kg
    bad = sorted({p for p, _ in sel if floors.get(p, 0.0) > 0})
    if bad:
        raise CaseError(f"cost of recovery of {target or 'all products'}: product(s) {bad} "
                        "have a price floor, so their revenue is not linear in their price",
                        field="policy.price_floor_usd_per_kg")
    return sel


def _selected_revenue(sup: Superstructure, case: Case, sel: list[tuple[str, str]]
                      ) -> np.ndarray:
    """Revenue per unit of each pair from the targeted prices at today's values (USD): the
    slope of the pairs' revenue in the multiplier (credits and other prices do not move)."""
    rec = sup.recovered
    r1 = np.zeros(len(sup.pairs))
    if not rec.columns.size:
        return r1
    R = rec.to_numpy(dtype=float)
    for j, (form, el) in enumerate(rec.columns):  # column by column, in order
        if (form, el) in sel:
            r1 += R[:, j] * case.products[form].price_usd_per_kg[el]
    return r1


def _at(case: Case, sup: Superstructure, sel: list[tuple[str, str]], r1: np.ndarray,
        m: float) -> tuple[Case, Superstructure]:
    """The case and superstructure with the targeted prices times ``m``."""
    prods = dict(case.products)
    for form in {f for f, _ in sel}:
        pr = dict(prods[form].price_usd_per_kg)
        for f, e in sel:
            if f == form:
                pr[e] = pr[e] * m
        prods[form] = dataclasses.replace(prods[form], price_usd_per_kg=pr)
    case_m = dataclasses.replace(case, products=prods)
    pairs = sup.pairs.copy()
    revenue = sup.column("pairs", "revenue_usd_per_unit") + (m - 1) * r1
    pairs["revenue_usd_per_unit"] = revenue
    out = dataclasses.replace(sup, case=case_m, pairs=pairs)
    # the numpy columns the model builder reads, converted once for ``sup``: the same
    # arrays but the re-priced revenue
    out.__dict__["_columns"] = {**sup.__dict__.get("_columns", {}),
                                ("pairs", "revenue_usd_per_unit"): revenue}
    return case_m, out


def plan_line(om: OptModel, x: np.ndarray, r1: np.ndarray, m: float,
              reader: PlanReader | None = None) -> tuple[float, float]:
    """``(a, b)`` with the plan ``x`` worth ``NPV(m') = a m' + b`` when the targeted prices
    are ``m'`` times today's, the plan fixed; ``om`` is the model priced at ``m``.

    Read off the plan's own cash flow at ``m`` and ``m + 1`` (:func:`cash_flow_npv`, the NPV
    of :func:`~recyclopt.economics.cash_flow_table`):
    revenue, its escalation and the revenue-linked fixed costs and overhead of the costing
    convention are linear in the revenue, and nothing else moves with the price, so the
    two points fix the line.
    """
    reader = reader or PlanReader(om)
    xv = reader.flows(x)
    mo = reader.money(x, xv)
    case, Y = om.case, len(om.case.years)

    def npv(rev: np.ndarray) -> float:
        return cash_flow_npv(case.costing, case.horizon, revenue_usd=rev,
                             byproduct_revenue_usd=mo["byp"], variable_opex_usd=mo["var"],
                             labour_usd=np.full(Y, mo["labour"]),
                             fixed_opex_usd=np.full(Y, mo["fixed"]), bec_usd=mo["bec"],
                             direct_tpc_usd=mo["direct"])

    v0 = npv(mo["rev"])
    a = npv(mo["rev"] + r1 @ xv) - v0
    return a, v0 - a * m


def cost_of_recovery(case: Case, product: str | None = None, *, mode: str | None = None,
                     extra: list | None = None, mip_gap: float | None = MIP_GAP,
                     max_multiplier: float = 1e3, sup: Superstructure | None = None
                     ) -> BreakEven:
    """The break-even price of a product (or element, or all products), others fixed.

    NPV*(m), the best NPV when the targeted prices are ``m`` times today's, is the maximum
    over plans of lines ``a m + b`` (:func:`plan_line`; ``a`` > 0 for a plan that sells a
    targeted product), so it is convex and piecewise linear, and 0 (build nothing) below the
    break-even ``m*``. Newton's method on it from above is exact and finite (a Dinkelbach
    sequence): solve at ``m``, take the returned plan's own root ``-b / a``, re-solve there;
    a plan whose NPV there exceeds zero has a smaller root; stop when the optimum at the
    root is zero (within the gap) or the plan repeats. The start, when nothing pays today, is
    the best plan that sells a targeted product (an extra row: its revenue at least 1e-6 of
    the most it could be), whose root is above ``m*``. "A plant exists" means some option
    carries flow.

    Parameters
    ----------
    case : the case.
    product : None (all product prices together, the multiplier form), a product name, an
        element (its price in every product form) or ``product:element``.
    mode : overrides the case's mode.
    extra : epsilon rows passed to :func:`~recyclopt.optimize.model.build_model` (e.g. a
        horizon-total CO2 cap).
    mip_gap : the MILPs' relative gap.
    max_multiplier : no break-even above this factor is looked for.
    sup : the superstructure of ``case`` when already built (:func:`superstructure_of`).

    Progress (:mod:`recyclopt.progress`): one step per MILP (``n_milp`` in all).
    """
    s = _Search(case, product, mode, extra, mip_gap, sup)
    with progress.task(f"cost of recovery ({s.target})", None, "MILP") as t:
        s.on_milp = t.advance
        return _newton(s, mip_gap, max_multiplier)


def _newton(s: _Search, mip_gap: float | None, max_multiplier: float) -> BreakEven:
    """The Newton (Dinkelbach) sequence of :func:`cost_of_recovery` on the search ``s``."""
    om, x, info = s.solve_at(1.0)
    if not s.steps[-1]["sells"]:
        if _built_any(om, x) and info.objective > 0:
            return s.result(None, None, "a plant that sells none of the targeted products "
                            "pays at today's prices, so their break-even is not defined")
        om, x, _ = s.solve_at(1.0, require=True)
        if x is None:
            return s.result(None, None, "no feasible plan sells the targeted products")
    while True:
        a, b = s.steps[-1]["a"], s.steps[-1]["b"]  # the line of the plan x
        root = -b / a
        if root <= 0:
            return s.result(0.0, x, "the plant pays even when the targeted products are "
                            "given away")
        if root > max_multiplier:
            return s.result(None, None, f"no plant breaks even below x{max_multiplier:g} of "
                            "today's prices")
        _, x_r, info_r = s.solve_at(root)
        if info_r.objective <= max(mip_gap or 0.0, 1e-9) * max(abs(b), 1.0) + 1e-6:
            return s.result(root, x)  # nothing beats x at its own root: m* = root
        new = s.steps[-1]
        if not new["sells"]:
            return s.result(None, None, "a plant that sells none of the targeted products "
                            f"pays at x{root:.6g}, so their break-even is not defined")
        if -new["b"] / new["a"] >= root * (1 - 1e-12):  # no progress: x's root, to rounding
            return s.result(root, x)
        x = x_r


class _Search:
    """The state of one break-even search: the targeted prices, the slope of the pairs'
    revenue in the multiplier, and the MILPs solved so far (``steps``)."""

    def __init__(self, case: Case, product: str | None, mode: str | None,
                 extra: list | None, mip_gap: float | None,
                 sup: Superstructure | None = None) -> None:
        self.case, self.mode, self.extra, self.mip_gap = case, mode, list(extra or []), mip_gap
        self.sel = targeted_prices(case, product)
        self.target = "all products" if product is None else product
        self.sup = superstructure_of(case, sup)
        self.r1 = _selected_revenue(self.sup, case, self.sel)
        self.steps: list[dict] = []
        self.reader: PlanReader | None = None  # of the last model solved
        self.built: dict[tuple, OptModel] = {}  # a model built per set of extra rows
        self.on_milp: Callable[[], None] = lambda: None  # called after each MILP

    def model_at(self, m: float, extra: list) -> OptModel:
        """The NPV model with the targeted prices times ``m``: built once per set of extra
        rows, then re-priced (:func:`~recyclopt.optimize.model.repriced`; prices are only
        in the objective)."""
        case_m, sup_m = _at(self.case, self.sup, self.sel, self.r1, m)
        key = tuple((name, lo, hi) for name, _, lo, hi in extra)
        base = self.built.get(key)
        om = repriced(base, case_m, sup_m) if base is not None else None
        if om is None:
            om = build_model(case_m, objective="npv", mode=self.mode, sup=sup_m, extra=extra,
                             pyomo=False)
            self.built[key] = om
        return om

    def solve_at(self, m: float, require: bool = False
                 ) -> tuple[OptModel, np.ndarray | None, SolveInfo]:
        """Solve at multiplier ``m`` (with ``require``: only plans selling a targeted
        product, their horizon revenue from it at least 1e-6 of the most it could be)."""
        ex = list(self.extra)
        if require:
            base = self.model_at(m, ex)  # the same columns
            mb = base.builder
            xb = mb.blocks["x"]
            r = np.repeat(self.r1, len(self.case.years))  # x columns are pair-major
            vec = np.zeros(mb.n)
            vec[xb.offset:xb.offset + xb.size] = r
            row = ("targeted_revenue", vec, 1e-6 * float(r @ xb.ub), np.inf)
            key = tuple((name, lo, hi) for name, _, lo, hi in [*ex, row])
            if not ex and key not in self.built:  # the row added to the model just built
                self.built[key] = with_epsilon_rows(base, [row])
            ex.append(row)
        om = self.model_at(m, ex)
        x, info = solve(om, mip_gap=self.mip_gap, raise_on_failure=not require)
        self.on_milp()
        ok = bool(np.all(np.isfinite(x)))
        # one reader per search: its index arrays are shared by every model of the search
        self.reader = reader = PlanReader(om, like=self.reader) if ok else self.reader
        a, b = plan_line(om, x, self.r1, m, reader) if ok else (np.nan, np.nan)
        self.steps.append({"multiplier": m, "objective": info.objective, "a": a, "b": b,
                           "sells": ok and bool((self.r1 @ reader.flows(x)).sum() > 0)})
        return om, (x if ok else None), info

    def result(self, m: float | None, x: np.ndarray | None, msg: str = "") -> BreakEven:
        """The answer: plan ``x`` breaking even at multiplier ``m`` (None: not found)."""
        if m is None:
            return BreakEven(self.target, None, {}, None, None, len(self.steps), self.steps,
                             msg)
        om = self.model_at(m, self.extra)
        plan = read_plan(om, x, SolveInfo("Optimal", 0.0, True, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0),
                         0.0)
        a, b = plan_line(om, x, self.r1, m)
        prices = {f"{f}:{e}": self.case.products[f].price_usd_per_kg[e] * m
                  for f, e in self.sel}
        return BreakEven(self.target, m, prices, plan, a + b, len(self.steps), self.steps, msg)


def superstructure_of(case: Case, sup: Superstructure | None = None) -> Superstructure:
    """The superstructure of ``case``: ``sup`` when given (built for ``case``, or for a case
    that differs from it only in numbers the superstructure does not hold, such as
    availabilities and capex; then re-labelled with ``case``), else built."""
    if sup is None:
        return build(case)
    return sup if sup.case is case else dataclasses.replace(sup, case=case)


def with_price_factor(case: Case, factor: float) -> Case:
    """A copy of ``case`` with every product price times ``factor`` (a price scenario)."""
    prods = {n: dataclasses.replace(p, price_usd_per_kg={e: v * factor for e, v in
                                                         p.price_usd_per_kg.items()})
             for n, p in case.products.items()}
    return dataclasses.replace(case, products=prods)


def with_feed_scale(case: Case, scale: float) -> Case:
    """A copy of ``case`` with every feedstock's availability times ``scale``."""
    feeds = [dataclasses.replace(f, availability=f.availability * scale)
             for f in case.feedstocks]
    return dataclasses.replace(case, feedstocks=feeds)


@dataclass
class FeedScale:
    """The break-even feed scale: the smallest factor on every feedstock's availability at
    which some plant pays (NPV > 0), the prices fixed.

    Attributes
    ----------
    scale : the factor (the upper end of the final bracket; None when no plant pays below
        ``max_scale``).
    bracket : ``(lo, hi)``: no plant pays at ``lo``, one pays at ``hi``.
    rtol : the bracket's relative width at the end, ``hi / lo - 1 <= rtol``.
    plan : the plan that pays at ``scale`` (None when not found).
    npv_usd : its NPV at ``scale``.
    n_milp : MILPs solved.
    message : why no scale was found, or empty.
    """

    scale: float | None
    bracket: tuple[float, float]
    rtol: float
    plan: PlantPlan | None
    npv_usd: float | None
    n_milp: int
    message: str = ""


def break_even_feed_scale(case: Case, *, mode: str | None = None, rtol: float = 1e-3,
                          max_scale: float = 1e3, mip_gap: float | None = MIP_GAP,
                          pays_usd: float = 1.0, sup: Superstructure | None = None
                          ) -> FeedScale:
    """The smallest factor ``s`` on every feedstock's availability at which some plant pays.

    NPV*(s), the best NPV with every availability times ``s``, is non-decreasing in ``s``
    (a larger ``s`` only relaxes the supply rows; building nothing stays feasible at 0), so
    "some plant pays" (an option carries flow and NPV*(s) > ``pays_usd``) holds on an interval
    ``(s*, inf)``. The search brackets ``s*`` by doubling (or halving, when a plant pays at
    ``s = 1``) and then bisects geometrically, ``mid = sqrt(lo hi)``, until
    ``hi / lo - 1 <= rtol``: about ``log2(log(hi0/lo0) / log(1 + rtol))`` MILPs after the
    bracket. The superstructure is built once (availability enters only the supply rows).

    Parameters
    ----------
    case : the case (its prices as given).
    mode : overrides the case's mode.
    rtol : relative width of the final bracket.
    max_scale : no scale above this is looked for (and none below ``1 / max_scale``).
    mip_gap : the MILPs' relative gap.
    pays_usd : the NPV a plant must exceed to count as paying (USD).
    sup : the superstructure of ``case`` when already built (:func:`superstructure_of`).

    Progress (:mod:`recyclopt.progress`): one step per MILP (``n_milp`` in all).
    """
    with progress.task("break-even feed scale", None, "MILP") as t:
        return _feed_scale_search(case, mode, rtol, max_scale, mip_gap, pays_usd, t.advance,
                                  superstructure_of(case, sup))


def _feed_scale_search(case: Case, mode: str | None, rtol: float, max_scale: float,
                       mip_gap: float | None, pays_usd: float,
                       on_milp: Callable[[], None], sup: Superstructure) -> FeedScale:
    """The bracket-and-bisect search of :func:`break_even_feed_scale` (``sup``: the
    superstructure of ``case``)."""
    n = 0
    plans: dict[float, tuple[OptModel, np.ndarray]] = {}
    reader: PlanReader | None = None  # its index arrays are shared by every scale's model

    def pays(s: float) -> bool:
        nonlocal n, reader
        case_s = with_feed_scale(case, s)
        om = build_model(case_s, objective="npv", mode=mode,
                         sup=dataclasses.replace(sup, case=case_s), pyomo=False)
        x, info = solve(om, mip_gap=mip_gap)
        n += 1
        on_milp()
        reader = PlanReader(om, like=reader)
        ok = bool(reader.money(x)["built"].any()) and info.objective > pays_usd
        if ok:
            plans[s] = (om, x)
        return ok

    if pays(1.0):  # a plant pays today: halve down to a scale where none does
        lo, hi = 0.5, 1.0
        while pays(lo):
            lo, hi = lo / 2, lo
            if lo < 1 / max_scale:
                plan = _read(*plans[hi])
                return FeedScale(hi, (0.0, hi), rtol, plan, plan.npv_usd, n,
                                 f"a plant pays even at x{hi:g} of today's feed")
    else:
        lo, hi = 1.0, 2.0
        while not pays(hi):
            lo, hi = hi, hi * 2
            if hi > max_scale:
                return FeedScale(None, (lo, np.inf), rtol, None, None, n,
                                 f"no plant pays below x{max_scale:g} of today's feed")
    while hi / lo - 1 > rtol:
        mid = float(np.sqrt(lo * hi))
        lo, hi = (lo, mid) if pays(mid) else (mid, hi)
    om, x = plans[hi]
    plan = _read(om, x)
    return FeedScale(hi, (lo, hi), rtol, plan, plan.npv_usd, n)


def best_plant_npv(case: Case, *, mode: str | None = None, mip_gap: float | None = MIP_GAP,
                   sup: Superstructure | None = None, plant_required: bool = False
                   ) -> tuple[float, list[str], int]:
    """The best NPV among plans that build a plant (sell some product), what it builds, and
    the MILPs solved.

    Unlike the NPV optimum it can be negative: when the optimum builds no paying plant,
    "build nothing" is excluded by one row (the plan's product revenue at least 1e-6 of the
    most it could be, as in the start of :func:`cost_of_recovery`) and the model re-solved,
    so a change that makes every plant worse shows. Returns ``(-inf, [], n)`` when no plan
    sells a product. ``sup``: the superstructure of ``case`` when already built
    (:func:`superstructure_of`). ``plant_required``: the NPV optimum is known to build no
    paying plant (solved elsewhere), so only the model with the row is solved.
    """
    s = _Search(case, None, mode, None, mip_gap, sup)
    if not plant_required:
        om, x, info = s.solve_at(1.0)  # fast; when it builds a paying plant, that is the best
    if plant_required or not (s.steps[-1]["sells"] and info.objective > 0):
        om, x, info = s.solve_at(1.0, require=True)
    if x is None:
        return -np.inf, [], len(s.steps)
    built = s.reader.money(x)["built"]
    return float(info.objective), [o.name for o, b in zip(case.options, built, strict=True)
                                   if b], len(s.steps)


def _read(om: OptModel, x: np.ndarray) -> PlantPlan:
    """The plan of a solved model (solver details not kept)."""
    return read_plan(om, x, SolveInfo("Optimal", 0.0, True, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0), 0.0)


def _built_any(om: OptModel, x: np.ndarray | None) -> bool:
    """Whether some option of the plan carries flow."""
    return x is not None and bool(PlanReader(om).money(x)["built"].any())




def pareto_front(case: Case, metric: str = "co2_t", n: int = 5, objective: str = "npv"
                 ) -> pd.DataFrame:
    """Epsilon-constraint front: maximise ``objective`` with the horizon total of ``metric``
    (``co2_t``, ``recovered_kg``, ``recovered_value_usd``) capped at n levels between its
    value at the unconstrained optimum and zero."""
    base = optimize(case, objective=objective)
    if metric == "co2_t":
        top = float(base.opex["co2_t"].sum())
    elif metric == "recovered_kg":
        top = float(base.recovered_kg().reindex(case.elements).fillna(0).sum())
    else:
        top = float(base.opex["revenue_usd"].sum())
    rows = []
    for eps in np.linspace(top, 0.0, n):
        try:
            p = optimize(case, objective=objective, extra=[(metric, None, -np.inf, eps)])
        except SolverError:
            continue
        rows.append({"epsilon": eps, "objective": p.objective_value, "npv_usd": p.npv_usd,
                     "co2_t": float(p.opex["co2_t"].sum()),
                     "recovered_kg": float(p.recovered_kg().sum()), "built": ",".join(p.built)})
    return pd.DataFrame(rows)
