"""Verify a solved plan against its case, in the case's own (unscaled) units.

A MILP solver answers in its scaled, floating-point world; badly scaled inputs (an availability
of 1e12 units, an equipment capacity of 1e12) can make it return "Optimal" for a plan that is
infeasible or worse than building nothing. :func:`check_plan` re-checks the plan it returns:

* supply: the units taken of each feedstock each year are at most its availability;
* capacity: an option's throughput is at most its capacity, and zero when it is not built;
  discrete equipment covers the peak throughput;
* conservation: no element is recovered in a year in larger amount than the feed holds (on
  paths without a flowsheet, which may add an element);
* objective: the NPV recomputed from the cash-flow table equals the solver's objective (NPV
  objective), and the discounted cash flows are the cash flows times their factors;
* a trivially feasible plan: with the NPV objective, a proven optimum must not be worse than
  building nothing (NPV 0), whenever building nothing is feasible.

A failed check is a :class:`~recyclopt.errors.NumericalError` naming what failed and the likely
cause (the case's magnitudes far from 1), never a plan reported as optimal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import NumericalError

#: Relative tolerance of every check. HiGHS's feasibility tolerance (1e-7) holds on the
#: scaled model; unscaled by the row and column powers of two it reached 2.8e-6 relative on
#: the bundled case (a capacity row under the min_co2 tie-break), so 1e-5 leaves room while
#: the faults it exists for (availability 1e12, capacities 1e12) miss by orders of magnitude.
RTOL = 1e-5
#: Inputs outside [1e-6, 1e9] in magnitude are reported as the likely cause (an assumption:
#: the range across which HiGHS's default tolerances hold for the model's coefficients).
SAFE_RANGE = (1e-6, 1e9)


def verify_plan(plan: Any, *, nothing_feasible: bool = True, rtol: float = RTOL) -> list[str]:
    """The checks the plan fails, as short sentences (empty when it passes).

    Parameters
    ----------
    plan : a :class:`~recyclopt.optimize.PlantPlan` (with its ``case``).
    nothing_feasible : building nothing satisfies every constraint of the solved model (False
        when extra constraints were added, e.g. a forced route).
    rtol : relative tolerance.
    """
    return [*_supply(plan, rtol), *_capacity(plan, rtol), *_conservation(plan, rtol),
            *_objective(plan, nothing_feasible, rtol)]


def check_plan(plan: Any, *, nothing_feasible: bool = True) -> Any:
    """Return ``plan`` when it passes :func:`verify_plan`; otherwise raise.

    Raises
    ------
    NumericalError
        Naming the failed checks and the likely cause.
    """
    problems = verify_plan(plan, nothing_feasible=nothing_feasible)
    if not problems:
        return plan
    status = getattr(plan.solver, "status", "?")
    raise NumericalError(f"numerical failure: the solver reported {status!r} but the plan "
                         f"fails verification in the case's units: {'; '.join(problems[:3])}"
                         f"{f' (and {len(problems) - 3} more)' if len(problems) > 3 else ''}; "
                         f"likely cause: {likely_cause(plan.case)}")


def _tol(scale: float, rtol: float) -> float:
    return rtol * max(1.0, abs(scale))


def _supply(plan: Any, rtol: float) -> list[str]:
    """Units taken <= availability, per feedstock and year; units >= 0; and at least the feed
    obligation's share of the availability (``supply``)."""
    out = []
    taken = (plan.flows.groupby(["feedstock", "year"])["units"].sum() if not plan.flows.empty
             else pd.Series(dtype=float))
    for fs in plan.case.feedstocks:
        years = fs.availability.index.to_numpy()
        if getattr(fs, "stockpile", None) is not None:
            out += _stocked(fs, years, taken, rtol)
            continue
        for y, share in zip(years, fs.min_share(years), strict=True):
            a = float(fs.availability.get(int(y), 0.0))
            u = float(taken.get((fs.name, int(y)), 0.0))
            if u > a + _tol(a, rtol) or u < -_tol(a, rtol):
                out.append(f"feedstock {fs.name!r} in {int(y)}: {u:.6g} units taken of "
                           f"{a:.6g} available")
            elif u < share * a - _tol(a, rtol):
                out.append(f"feedstock {fs.name!r} in {int(y)}: {u:.6g} units taken, below the "
                           f"obligation of {share:g} x {a:.6g}")
    return out


def _stocked(fs: Any, years: np.ndarray, taken: pd.Series, rtol: float) -> list[str]:
    """A stockpiled feedstock: the store (collected less processed so far) stays within
    [0, cap] at every year end, and the obligation holds over the horizon (the store is
    empty at its end)."""
    avail = fs.availability.reindex(years).to_numpy(dtype=float)
    used = np.array([float(taken.get((fs.name, int(y)), 0.0)) for y in years])
    store = np.cumsum(avail - used)
    tol = _tol(float(avail.sum()), rtol)
    out = [f"feedstock {fs.name!r} in {int(y)}: {v:.6g} units in store, outside [0, "
           f"{fs.stockpile.cap_units:.6g}]" for y, v in zip(years, store, strict=True)
           if v < -tol or v > fs.stockpile.cap_units + tol]
    need = float(fs.min_share(years) @ avail)
    if used.sum() < need - tol:
        out.append(f"feedstock {fs.name!r}: {used.sum():.6g} units processed over the horizon, "
                   f"below the obligation of {need:.6g}")
    return out


def _capacity(plan: Any, rtol: float) -> list[str]:
    """Throughput <= capacity (0 when not built); equipment units x unit capacity >= peak."""
    out = []
    cap = plan.capacities
    opts = {o.name: o for o in plan.case.options}
    # the solver's tolerances hold relative to the model's scale: a build switch at its
    # integrality tolerance lets a big-M row pass a flow of that order through an option it
    # leaves unbuilt, so the check is scaled by the plan's largest throughput
    scale = float(np.max(plan.option_flows.to_numpy(dtype=float), initial=0.0))
    for name, row in plan.option_flows.iterrows():
        peak = float(np.max(row.to_numpy(dtype=float), initial=0.0))
        c = float(cap.at[name, "capacity"]) if name in cap.index else 0.0
        built = bool(cap.at[name, "built"]) if name in cap.index else False
        if name in opts and opts[name].blank:
            continue  # a pass-through (stage skipped): no capacity, nothing built
        limit = c if built else 0.0
        if peak > limit + _tol(max(c, peak, scale), rtol):
            out.append(f"option {name!r} runs {peak:.6g} per year above its "
                       f"{'capacity ' + format(c, '.6g') if built else 'zero capacity (not built)'}")
        eq = opts[name].equipment if name in opts else None
        if eq is not None and built and "equipment_units" in cap.columns:
            have = float(cap.at[name, "equipment_units"]) * eq.capacity_per_unit
            if have < peak - _tol(peak, rtol):
                out.append(f"option {name!r}: {cap.at[name, 'equipment_units']:.6g} equipment "
                           f"units of {eq.capacity_per_unit:.6g} cannot run {peak:.6g} per year")
    return out


def _conservation(plan: Any, rtol: float) -> list[str]:
    """Recovered kg of an element in a year <= the kg of it in that year's feed.

    Checked only when no path used runs a flowsheet: a route may add an element (the short
    loop re-sinters with a virgin blend, so its Nd out exceeds the Nd in)."""
    routed = {o.name for o in plan.case.options if o.flowsheet}
    used = plan.flows["path"].unique() if not plan.flows.empty else []
    if plan.products.empty or any(set(str(p).split("/")) & routed for p in used):
        return []
    content = pd.DataFrame({f.name: f.content_kg_per_unit for f in plan.case.feedstocks}
                           ).T.fillna(0.0)  # feedstock x element, kg per unit
    units = plan.flows.groupby(["year", "feedstock"])["units"].sum().unstack(fill_value=0.0)
    held_kg = units.reindex(columns=content.index, fill_value=0.0) @ content  # year x element
    fed = {(e, int(y)): float(v) for (y, e), v in held_kg.stack().items()}
    out = []
    for (e, y), kg in plan.products.groupby(["element", "year"])["kg"].sum().items():
        held = fed.get((e, int(y)), 0.0)
        if kg > held + _tol(held, rtol):
            out.append(f"{kg:.6g} kg of {e} recovered in {int(y)} from feed holding {held:.6g}")
    return out


def _objective(plan: Any, nothing_feasible: bool, rtol: float) -> list[str]:
    """NPV recomputed from the cash flows; a proven optimum not worse than building nothing."""
    cf = plan.cash_flow
    out = []
    scale = float(np.abs(cf["cash_flow_usd"]).sum()) if len(cf) else 0.0
    disc = cf["cash_flow_usd"] * cf["discount_factor"]
    if not np.allclose(disc, cf["discounted_cash_flow_usd"], rtol=rtol, atol=_tol(scale, rtol)):
        out.append("discounted cash flows differ from cash flow x discount factor")
    npv = float(cf["discounted_cash_flow_usd"].sum())
    if abs(npv - plan.npv_usd) > _tol(scale, rtol):
        out.append(f"NPV {plan.npv_usd:.6g} USD differs from its cash flows' {npv:.6g} USD")
    if plan.objective == "npv" and abs(plan.objective_value - npv) > _tol(scale, rtol):
        out.append(f"the solver's objective {plan.objective_value:.6g} differs from the NPV "
                   f"recomputed from the plan, {npv:.6g} USD")
    pol = plan.case.policy
    nothing_ok = (nothing_feasible and not pol.min_recovered_kg_per_yr
                  and not pol.recycled_content)
    if (plan.objective == "npv" and nothing_ok and getattr(plan.solver, "proven_optimal", False)
            and npv < -_tol(scale, rtol)):
        out.append(f"NPV {npv:.6g} USD is worse than building nothing (NPV 0, feasible)")
    return out


def likely_cause(case: Any) -> str:
    """The case's inputs whose magnitude lies outside :data:`SAFE_RANGE`, or a general hint."""
    lo, hi = SAFE_RANGE
    found: list[tuple[float, str]] = []

    def see(value: float, what: str) -> None:
        v = abs(float(value))
        if v > hi or 0 < v < lo:
            found.append((max(v / hi, lo / v), f"{what} = {float(value):.3g}"))

    for f in case.feedstocks:
        see(float(pd.Series(f.availability).max()), f"feedstocks.{f.name}.availability_units")
        see(f.cost_usd_per_unit, f"feedstocks.{f.name}.cost_usd_per_unit")
    for o in case.options:
        if o.equipment is not None:
            see(o.equipment.capacity_per_unit, f"options.{o.name}.equipment.capacity_per_unit")
        see(o.opex_usd_per_basis, f"options.{o.name}.opex_usd_per_basis")
    for pname, p in case.products.items():
        for e, v in p.price_usd_per_kg.items():
            see(v, f"products.{pname}.price_usd_per_kg.{e}")
    if not found:
        return ("solver tolerances on a badly conditioned model; rescale the case's units "
                "(e.g. tonnes instead of kg) or report the case")
    found.sort(reverse=True)
    return ("magnitudes outside the safe range [1e-6, 1e9]: "
            + ", ".join(w for _, w in found[:3]) + "; rescale their units or check them")


# --------------------------------------------------------------------------- before the solve
#: Largest coefficient on an integer or binary column (a big-M: ``cap <= M build``,
#: ``units x capacity_per_unit >= peak``). The solver rescales continuous columns and rows by
#: powers of two (a 1e15 spread solves cleanly, tests/optimize/test_numerics.py) but not
#: integer columns, whose integrality tolerance (HiGHS: 1e-6) is absolute: M x 1e-6 is what
#: a "not built" option may run. 1e9 keeps that under 1e3 basis units a year (an
#: assumption of this size); the bundled case's largest is 9.6e5 (a capex segment bound).
MAX_BIG_M = 1e9
#: Largest magnitude of a matrix or objective coefficient, a finite row bound or a finite
#: variable bound: 1e13 is 1,000x the largest plausible capex (1e10 USD) and far below the
#: solver's infinity (1e20), beyond which sums lose all digits at its tolerances (assumption).
MAX_COEFFICIENT = 1e13

#: Case fields that give each constraint group its coefficients and bounds (``{f}``: the
#: feedstock, ``{o}``: the option of the offending row).
GROUP_FIELDS = {
    "supply": "feedstocks.{f}.availability_units",
    "feed_to_build": "feedstocks.{f}.availability_units",
    "capacity": "feedstocks.*.magnet_kg_per_unit of the feeds of options.{o} (load per unit)",
    "build_switch": "{big_m} (the capacity bound of options.{o})",
    "capex_capacity": "options.{o}.capex",
    "capex_segment_choice": "options.{o}.capex",
    "capex_segment_upper": "options.{o}.capex",
    "capex_segment_lower": "options.{o}.capex",
    "equipment_peak": "options.{o}.equipment.capacity_per_unit",
    "headcount": "options.{o}.operators",
}


def check_coefficients(om: Any) -> None:
    """Refuse a built model whose coefficients lie outside the safe range, before the solve.

    Checks every coefficient on an integer column (:data:`MAX_BIG_M`) and every coefficient, finite
    bound and objective coefficient against :data:`MAX_COEFFICIENT`, and names the case field
    the worst offence comes from (:data:`GROUP_FIELDS`, or the objective's price and cost
    fields).

    Raises
    ------
    NumericalError
        One line: the field, the value seen and the limit, and what to do (the CLI adds the
        case file).
    """
    problem = coefficient_problem(om)
    if problem is not None:
        raise NumericalError(f"{problem}; rescale the field's unit (e.g. "
                             "tonnes or thousands of items) or correct it; the model is not "
                             "solved")


def coefficient_problem(om: Any) -> str | None:
    """The first out-of-range coefficient of ``om`` as ``<field>: <what>`` (None: all safe)."""
    integer = np.concatenate([np.full(b.size, b.kind in ("B", "I"))
                              for b in om.builder.blocks.values()] or [np.zeros(0, bool)])
    for g in om.builder.groups:
        data, indices, indptr = g.csr
        mag = np.abs(np.asarray(data, dtype=float))
        bounds = np.abs(np.concatenate([g.lo[np.isfinite(g.lo)], g.hi[np.isfinite(g.hi)]]))
        big = max(float(mag.max(initial=0.0)), float(bounds.max(initial=0.0)))
        if big > MAX_COEFFICIENT or not np.isfinite(big):
            row = _worst_row(g, mag, indptr)
            return (f"{_group_field(om, g, row)}: gives the {g.name!r} constraints a "
                    f"coefficient of {big:.3g}, above {MAX_COEFFICIENT:g}")
        on_int = np.where(integer[np.asarray(indices, dtype=np.int64)], mag, 0.0)
        if on_int.max(initial=0.0) > MAX_BIG_M:
            row = _worst_row(g, on_int, indptr, bounds=False)
            return (f"{_group_field(om, g, row)}: gives the {g.name!r} constraint "
                    f"{g.labels[row]!r} a coefficient of {on_int.max():.3g} on an integer "
                    f"variable, above {MAX_BIG_M:g} (the solver's integrality tolerance of "
                    "1e-6 would let a unit not built run)")
    c = np.abs(np.asarray(om.c, dtype=float))
    if len(c) and (not np.all(np.isfinite(c)) or c.max() > MAX_COEFFICIENT):
        j = int(np.argmax(np.where(np.isfinite(c), c, np.inf)))
        return (f"{_objective_field(om, j)}: gives the objective a coefficient of "
                f"{c[j]:.3g}, above {MAX_COEFFICIENT:g}")
    for b in om.builder.blocks.values():
        ub = np.abs(b.ub[np.isfinite(b.ub)])
        if len(ub) and ub.max() > MAX_COEFFICIENT:
            return (f"the {b.name!r} variables: bound {ub.max():.3g} above "
                    f"{MAX_COEFFICIENT:g} (from the feedstock availability or capacities)")
    return None


def _worst_row(g: Any, mag: np.ndarray, indptr: np.ndarray, *, bounds: bool = True) -> int:
    """The row of ``g`` holding the largest of ``mag`` (or of its bounds, with ``bounds``)."""
    n = g.shape[0]
    rows = np.repeat(np.arange(n), np.diff(np.asarray(indptr, dtype=np.int64)))
    hi = np.zeros(n)
    np.maximum.at(hi, rows, mag)
    if bounds:
        hi = np.maximum(hi, np.maximum(np.where(np.isfinite(g.lo), np.abs(g.lo), 0.0),
                                       np.where(np.isfinite(g.hi), np.abs(g.hi), 0.0)))
    return int(np.argmax(hi))


def _group_field(om: Any, g: Any, row: int | None) -> str:
    """The case field behind row ``row`` of group ``g``."""
    text = GROUP_FIELDS.get(g.name, f"the {g.name!r} constraints' inputs")
    label = g.labels[row] if row is not None and row < len(g.labels) else None
    head = label[0] if isinstance(label, tuple) else label
    names_f = {f.name for f in om.case.feedstocks}
    opts = [o.name for o in om.case.options]
    f = head if head in names_f else "*"
    o = head if head in opts else (label[1] if isinstance(label, tuple) and len(label) > 2
                                   else "*")
    if g.name.startswith("capex_segment") and isinstance(head, int | np.integer):
        o = _segment_option(om, int(head))
    return text.format(f=f, o=o, big_m=_big_m_field(om, o))


def _big_m_field(om: Any, option: str) -> str:
    """The field bounding an option's capacity: its ``max_capacity`` when given, else the
    availability of the feedstock reaching it with the most units."""
    opt = next((o for o in om.case.options if o.name == option), None)
    if opt is None:
        return "options.*.max_capacity"
    if opt.max_capacity is not None:
        return f"options.{option}.max_capacity"
    load = om.sup.load
    pairs = load.loc[load["option"] == option, "pair"].to_numpy()
    feeds = set(om.sup.pairs["feedstock"].iloc[pairs])
    avail = {f.name: float(f.availability.max()) for f in om.case.feedstocks if f.name in feeds}
    if not avail:
        return f"options.{option}.max_capacity"
    return f"feedstocks.{max(avail, key=avail.get)}.availability_units"


def _segment_option(om: Any, seg: int) -> str:
    """The option a capex segment belongs to (``seg_z`` labels are (option index, segment))."""
    labels = om.builder.blocks["seg_z"].labels
    k = labels[seg][0] if seg < len(labels) else None
    return om.case.options[k].name if isinstance(k, int | np.integer) else "*"


def _objective_field(om: Any, j: int) -> str:
    """The case field behind objective column ``j``: for a flow column, the largest of the
    product prices and the feedstock's cost; for design columns, the option's costs."""
    case = om.case
    for b in om.builder.blocks.values():
        if b.offset <= j < b.offset + b.size:
            label = b.labels[j - b.offset]
            break
    else:  # pragma: no cover - every column is in a block
        return "the objective's inputs"
    if b.name == "x":
        feed = str(om.sup.pairs["feedstock"].iloc[label[0]])
        fs = next(f for f in case.feedstocks if f.name == feed)
        cands = [(abs(fs.cost_usd_per_unit), f"feedstocks.{feed}.cost_usd_per_unit")]
        cands += [(abs(v), f"products.{p}.price_usd_per_kg.{e}")
                  for p, prod in case.products.items() for e, v in prod.price_usd_per_kg.items()]
        return max(cands)[1]
    if b.name == "staff":
        return "labour.usd_per_hour"
    if b.name in ("seg_z", "seg_w"):
        k = label[0] if b.name == "seg_z" else om.builder.blocks["seg_z"].labels[label][0]
        return f"options.{case.options[int(k)].name}.capex"
    if b.name == "units":
        return f"options.{label}.equipment.cost_usd"
    return f"options.{label}.opex_usd_per_yr"
