"""The assumption-grade inputs of a case: which they are, how many, and which drive the answer.

A case's assumption-grade inputs with a range are declared in the bundled table
``recyclopt/data/case_assumptions.csv`` (one row per input: the case, its scenario path — the
dotted paths of :mod:`recyclopt.scenarios.definition` — base value, low, high, unit, source,
notes); rows without a range are counted but not ranked. The count adds the case's catalogue
rows of ``feedstocks.csv`` and of ``<case>_availability.csv`` whose confidence is
``assumption``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from .. import progress
from ..errors import InputError
from ..optimize.analysis import (
    best_plant_npv,
    cost_of_recovery,
    superstructure_of,
    with_price_factor,
)
from ..optimize.case import Case
from ..optimize.plan import MIP_GAP
from ..optimize.superstructure import Superstructure
from .definition import apply_values, find_param, tier_of


def _data(name: str) -> pd.DataFrame | None:
    f = resources.files("recyclopt.data").joinpath(name)
    if not f.is_file():
        return None
    with f.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def declared_assumptions(case: Case) -> pd.DataFrame:
    """The rows of ``case_assumptions.csv`` for ``case`` (matched by the case's name).

    Ranged rows name a scenario path, checked against the case (an unknown path or name is
    a :class:`~recyclopt.scenarios.definition.ScenarioError` naming the table, before any
    solve). Columns: path, value, low, high, unit, source, notes, ranged.
    """
    df = _data("case_assumptions.csv")
    cols = ["path", "value", "low", "high", "unit", "source", "notes", "ranged"]
    if df is None:
        return pd.DataFrame(columns=cols)
    df = df[df["case"] == case.name].copy()
    df["ranged"] = df["low"].notna() & df["high"].notna()
    for path in df.loc[df["ranged"], "path"]:
        find_param(case, path, src="case_assumptions.csv", where=f"{case.name}.{path}")
    return df[cols].reset_index(drop=True)


def assumption_count(case: Case) -> dict[str, int]:
    """How many assumption-grade numbers the case rests on, per table (see the module)."""
    out = {"case_assumptions.csv": len(declared_assumptions(case))}
    cats = {f.catalogue for f in case.feedstocks if f.catalogue}
    for name in ("feedstocks.csv", f"{case.name}_availability.csv"):
        df = _data(name)
        if df is not None and cats:
            out[name] = int((df["feedstock"].isin(cats) & (df["confidence"] == "assumption"))
                            .sum())
    return out


@dataclass
class Drivers:
    """The assumption-grade inputs ranked by how much their range moves the answer.

    ``table``: one row per ranged input (path, value, low, high, unit, npv_low_usd,
    npv_high_usd, swing_usd, built_low, built_high), largest swing first; ``npv_*`` is the
    best plant's NPV (a plant required, :func:`~recyclopt.optimize.analysis.best_plant_npv`)
    at ``price_multiplier`` times the case's prices with the input at its low / high end;
    ``swing_usd`` the larger move from ``base_npv_usd``. ``break_even``: for the top inputs,
    path -> (break-even multiplier at low, at high), exact (cost of recovery of all products);
    empty when not computed. ``n_milp``: MILPs solved.
    """

    table: pd.DataFrame
    price_multiplier: float
    base_npv_usd: float
    break_even: dict[str, tuple[float | None, float | None]]
    n_milp: int


class RangeEnds:
    """The best plant's NPV with one input of ``case`` set to a value (the measure of
    :func:`rank_assumptions`).

    With ``engine`` (the default), the NPV optimum is re-solved on one persistent
    :class:`~recyclopt.scenarios.engine.SweepEngine` for ``case``: only the input's numbers
    are pushed to a HiGHS instance kept per structure, and its LP check settles most price
    inputs without a MIP. When that optimum builds a paying plant, it is the best plant
    (as in :func:`~recyclopt.optimize.analysis.best_plant_npv`); when it builds none, the
    model with a plant required is solved on its own (rebuilt). Without ``engine``, or when
    the engine has no optimum, :func:`~recyclopt.optimize.analysis.best_plant_npv` on the
    modified case (the rebuild path). ``sup`` is the superstructure of ``case``; inputs of
    the ``arrays`` tier share it.
    """

    def __init__(self, case: Case, mode: str | None, sup: Superstructure, engine: bool = True
                 ) -> None:
        self.case, self.mode, self.sup, self.use_engine = case, mode, sup, engine
        self._engine = None

    def engine(self):  # noqa: ANN201 - a SweepEngine, made on first use
        """The persistent engine (made on first use)."""
        if self._engine is None:
            from .engine import EngineOptions, SweepEngine

            opts = EngineOptions(objective="npv", mode=self.mode, mip_gap=MIP_GAP,
                                 threads=None, fixed_design=False)
            self._engine = SweepEngine(self.case, opts, sup=self.sup)
        return self._engine

    def npv(self, path: str, value: float) -> tuple[float, list[str], int]:
        """``(best plant NPV, options it builds in case order, MILPs solved)`` with ``path``
        at ``value``."""
        case_v = apply_values(self.case, {path: value})
        sup_v = self.sup if tier_of(self.case, [path]) == "arrays" else None
        if self.use_engine:
            try:
                row = self.engine().solve_values({path: value}, fixed_design=False).row
            except InputError:  # a value the scenario checks refuse: the rebuild path says
                row = {"status": "error"}
            if row["status"] == "optimal":
                if row["objective"] > 0 and row["revenue_usd"] > 0:  # a paying plant
                    built = set(row["built"].split(","))
                    return (float(row["objective"]),
                            [o.name for o in case_v.options if o.name in built], 1)
                npv, what, k = best_plant_npv(case_v, mode=self.mode, sup=sup_v,
                                              plant_required=True)
                return npv, what, k + 1
        return best_plant_npv(case_v, mode=self.mode, sup=sup_v)


def rank_assumptions(case: Case, *, price_multiplier: float = 1.0, mode: str | None = None,
                     exact_top: int = 0, sup: Superstructure | None = None,
                     engine: bool = True) -> Drivers:
    """Rank the case's ranged assumption-grade inputs by their effect on the answer.

    The answer's measure is the best plant's NPV at ``price_multiplier`` times the case's
    prices (the break-even multiplier when nothing pays today, so the base is about 0),
    re-solved with each input at each end of its range (two MILPs per input). For the
    ``exact_top`` largest, the exact break-even multiplier of all products at each end is
    added (:func:`~recyclopt.optimize.analysis.cost_of_recovery`, a few MILPs each).

    One superstructure serves every input of the ``arrays`` tier (availabilities, capex,
    discount rate: numbers it does not hold, :data:`~recyclopt.scenarios.definition.TIERS`):
    ``sup`` (the superstructure of ``case``, built when None) and, for the re-solves at
    ``price_multiplier``, the one of the re-priced case. An input of the ``price`` or
    ``superstructure`` tier gets its own. ``engine``: the re-solves through the persistent
    sweep engine (:class:`RangeEnds`; False: each on a rebuilt model).

    Progress (:mod:`recyclopt.progress`): a task of one step per ranging MILP (the base and
    each range end that differs from today's value); each exact break-even is a task of its
    own.
    """
    base_case = with_price_factor(case, price_multiplier)
    sup = superstructure_of(case, sup)
    base_sup = superstructure_of(base_case, sup if price_multiplier == 1.0 else None)

    def kept(path: str, s: Superstructure) -> Superstructure | None:
        return s if tier_of(case, [path]) == "arrays" else None

    at = RangeEnds(base_case, mode, base_sup, engine)
    ranged = [r for r in declared_assumptions(case).itertuples() if r.ranged]
    rows = []
    with progress.task("sensitivity ranking", 1 + sum((r.low != r.value) + (r.high != r.value)
                                                      for r in ranged), "MILP") as bar:
        base, base_built, n = best_plant_npv(base_case, mode=mode, sup=base_sup)
        bar.advance()
        for r in ranged:
            ends = {}
            for tag, v in (("low", r.low), ("high", r.high)):
                if v == r.value:  # the end is today's value: no solve
                    ends[tag] = (base, base_built)
                    continue
                npv, what, k = at.npv(r.path, float(v))
                bar.advance()
                ends[tag] = (npv, what)
                n += k
            lo, hi = ends["low"][0], ends["high"][0]
            rows.append({"path": r.path, "value": r.value, "low": r.low, "high": r.high,
                         "unit": r.unit, "npv_low_usd": lo, "npv_high_usd": hi,
                         "swing_usd": max(abs(lo - base), abs(hi - base)),
                         "built_low": ends["low"][1], "built_high": ends["high"][1]})
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.sort_values("swing_usd", ascending=False, kind="stable")
        table = table.reset_index(drop=True)
    exact: dict[str, tuple[float | None, float | None]] = {}
    for r in table.head(exact_top).itertuples():
        ms = []
        for v in (r.low, r.high):
            be = cost_of_recovery(apply_values(case, {r.path: float(v)}), mode=mode,
                                  sup=kept(r.path, sup))
            n += be.n_milp
            ms.append(be.multiplier)
        exact[r.path] = (ms[0], ms[1])
    return Drivers(table, price_multiplier, float(base) if np.isfinite(base) else base,
                   exact, n)
