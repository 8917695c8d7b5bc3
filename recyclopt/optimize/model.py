"""The plant MILP: built vectorised from the coefficient tables, expressed as a Pyomo model.

:func:`build_model` reads the case into arrays (:func:`recyclopt.optimize.model_data
.model_data`), declares the variable blocks and writes the constraint families in a fixed
order, one named function each with its formula (:mod:`recyclopt.optimize.families`,
:mod:`recyclopt.optimize.limits`, :mod:`recyclopt.optimize.objective`), into a
:class:`~recyclopt.optimize.matrix.MatrixBuilder`. The builder is then expressed in Pyomo:
one indexed ``Var`` per variable block and one indexed ``Constraint`` per group that keeps
the group's CSR arrays and makes each row's ``LinearExpression`` on demand
(:mod:`recyclopt.optimize.array_components`). The Pyomo model is the single source of truth;
:mod:`recyclopt.optimize.solve` hands it to HiGHS.

Variables (by block)
--------------------
``x[k, y]``   end-of-life units of pair k (a feedstock on a path) processed in year y
``cap[o]``    capacity of option o (its basis per year), sized for the peak year
``build[o]``  1 if option o is built
``seg_z[s]``, ``seg_w[s]``   piecewise capex: segment choice (binary) and capacity in it
``units[o]``  integer equipment count of options with discrete equipment
``staff``     plant headcount (integer: whole people)
``use[p]``    1 if path p is the plant's single path (single-path mode)
``stock[f, y]``  units of feedstock f in store at the end of year y (feedstocks with a
              ``stockpile``: :mod:`recyclopt.optimize.stockpile`)

With ``planning: {mode: phased}`` the plant blocks (``cap`` ... ``staff``) are those of
:mod:`recyclopt.optimize.phased` instead: capacity blocks per build year, each on its capex
curve, the years each option operates, equipment bought per build year and a headcount per
year; the objective is :func:`~recyclopt.optimize.objective.phased_objective`.
"""

from __future__ import annotations

import dataclasses
import gc
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..economics import npv_weights
from .case import Case, CaseError
from .families import (
    define_build_switch,
    define_capacity,
    define_equipment,
    define_feed_to_build,
    define_flow_variables,
    define_headcount,
    define_path_variables,
    define_piecewise_capex,
    define_single_path,
    define_supply,
    define_variables,
)
from .index import YearIndex, option_feeds
from .limits import define_markets, define_policy_limits
from .matrix import Block, Group, MatrixBuilder, stack_csr
from .model_data import ModelData, model_data
from .objective import (
    define_epsilon_limits,
    epsilon_metrics,
    objective_pieces,
    objective_vector,
    phased_objective,
    repriced_npv_vector,
)
from .phased import (
    define_block_capex,
    define_operation,
    define_phased_capacity,
    define_phased_equipment,
    define_phased_feed_to_build,
    define_phased_headcount,
    define_phased_variables,
)
from .stockpile import define_stockpile_variables
from .superstructure import Superstructure, build

if TYPE_CHECKING:  # Pyomo is imported where a Pyomo model is made
    import pyomo.environ as pyo

__all__ = ["CUTS_MAX_FLOW_COLUMNS", "FORMULATIONS", "Block", "Group", "MatrixBuilder",
           "OptModel", "build_model", "feed_to_build_rows", "stack_csr"]

#: The formulations :func:`build_model` writes: all have the same feasible plans and optimum.
#: ``tight_bounds`` bounds every capacity by what its feedstocks can deliver in the busiest
#: year (each feedstock counted once, at its largest load through the option) and clips the
#: capex segments to that bound. ``tight_cuts`` also adds the valid inequalities
#: ``feed_to_build`` (:func:`~recyclopt.optimize.families.define_feed_to_build`): a tighter LP
#: bound, more rows in every node's LP; ``tight_cuts_yearly`` writes them year by year
#: (tighter still, Y times as many). ``tight`` is ``tight_cuts_yearly`` up to
#: :data:`CUTS_MAX_FLOW_COLUMNS` flow columns and ``tight_bounds`` above. ``naive`` sums every
#: pair's peak load, keeps the curves' full segments and adds no inequalities: kept to measure
#: what the tightening buys (``benchmarks/``).
FORMULATIONS = ("tight", "tight_bounds", "tight_cuts", "tight_cuts_yearly", "naive")

#: ``formulation="tight"`` adds the ``feed_to_build`` valid inequalities, one per year
#: (``tight_cuts_yearly``), only to models with at most this many flow columns
#: (feedstock-path pairs x years): above the largest generated network where they won, below
#: the 61k-column network where their larger LP lost (``benchmarks/RESULTS.md``,
#: "Formulation").
CUTS_MAX_FLOW_COLUMNS = 20_000


@dataclass
class ModelLayout:
    """What the builder put into a Pyomo model, kept on it as ``model._recyclopt_layout``.

    The compiler (:func:`recyclopt.optimize.solve.compile_model`) checks that the model's
    leading ``Var`` components are still these (same objects, same sizes): the array
    components' columns are then the compiled model's leading columns, and their rows still
    in the state the builder made them are read from the arrays.
    """

    var_components: list  # the Var components, in column order
    var_sizes: list  # their sizes when built
    columns: list  # VarData in builder column order
    groups: list  # the ArrayConstraint components, one per builder group
    objective: object  # the ArrayObjective


@dataclass
class OptModel:
    """A built model: the Pyomo model plus the layout needed to read results back."""

    case: Case
    sup: Superstructure
    builder: MatrixBuilder
    model: pyo.ConcreteModel
    columns: list  # Pyomo VarData in builder column order
    c: np.ndarray  # objective coefficients in builder column order
    sense: str  # "max" or "min"
    objective: str
    meta: dict

    def block_values(self, values: np.ndarray, name: str) -> np.ndarray:
        b = self.builder.blocks.get(name)
        if b is None:
            return np.zeros(0)
        return values[b.offset:b.offset + b.size]


class _QuietGC:
    """Pause the cyclic garbage collector while a model's objects are created, then hand them
    straight to the oldest generation.

    Creating ~10^5-10^6 Pyomo objects with the collector running costs repeated full passes
    over a growing heap; pausing it (Pyomo's ``PauseGC``, as its writers do) defers the cost
    to three passes over all the new objects as they age through the generations.
    ``gc.freeze()`` followed by ``gc.unfreeze()`` moves every tracked object to the oldest
    generation without a pass, which is where a model's long-lived objects end up anyway; it
    is skipped when the process has frozen objects of its own (``unfreeze`` would release
    them). Measured: ``benchmarks/RESULTS.md``.
    """

    def __enter__(self) -> _QuietGC:
        from pyomo.common.gc_manager import PauseGC

        self._frozen_before = gc.get_freeze_count()
        self._pause = PauseGC()
        self._pause.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._frozen_before == 0:
                gc.freeze()
                gc.unfreeze()
        finally:
            self._pause.__exit__(*exc)


def pyomo_from_builder(mb: MatrixBuilder, c: np.ndarray, sense: str, const: float = 0.0
                        ) -> tuple[pyo.ConcreteModel, list]:
    """Express the builder's blocks and groups as a Pyomo model.

    One indexed ``Var`` per block over ``RangeSet(0, n - 1)``
    (:func:`~recyclopt.optimize.array_components.make_var`: Pyomo's dense construction with
    the per-variable bounds written in the same pass), one
    :class:`~recyclopt.optimize.array_components.ArrayConstraint` per group (the group's CSR
    arrays; each row's expression is made on demand) and an
    :class:`~recyclopt.optimize.array_components.ArrayObjective` (the cost vector), with the
    garbage collector paused while the objects are made (:class:`_QuietGC`); components of
    the same size share one index set (about 4x faster than rows written as expressions on
    the large benchmark case: ``benchmarks/RESULTS.md``).
    """
    import pyomo.environ as pyo

    from .array_components import ArrayConstraint, make_array_objective, make_var

    m = pyo.ConcreteModel(name="recyclopt_plant")
    columns: list = []
    var_components: list = []
    groups: list = []
    domains = {"C": pyo.Reals, "B": pyo.Binary, "I": pyo.Integers}
    ranges: dict = {}  # index sets shared by components of the same size
    with _QuietGC():
        for b in mb.blocks.values():
            var = make_var(m, b.name, b.lb, b.ub, domains[b.kind], ranges, ub_from=b.ub_from)
            var_components.append(var)
            columns.extend(var._data.values())  # index order: made in that order
        for g in mb.groups:
            data, indices, indptr = g.csr
            con = ArrayConstraint(data, indices, indptr, g.lo, g.hi, columns, ranges=ranges)
            m.add_component(g.name, con)
            groups.append(con)
        m.objective = pyo.Objective(expr=0.0,
                                    sense=pyo.maximize if sense == "max" else pyo.minimize)
        obj = make_array_objective(m.objective, c, const, columns)
    m._recyclopt_layout = ModelLayout(var_components, [b.size for b in mb.blocks.values()],
                                      columns, groups, obj)
    return m, columns


def build_model(case: Case, *, objective: str | None = None, mode: str | None = None,
                sup: Superstructure | None = None,
                extra: list[tuple[str, np.ndarray, float, float]] | None = None,
                price_factor: float = 1.0, pyomo: bool = True,
                formulation: str = "tight") -> OptModel:
    """Build the plant MILP for a case.

    Parameters
    ----------
    case : the validated case.
    objective : overrides ``case.objective``; one of
        :data:`~recyclopt.optimize.objective.OBJECTIVES` (``min_cost``: the NPV's discounted
        costs, the tie-break of :func:`recyclopt.optimize.plan.optimize`).
    mode : overrides ``case.mode`` (parallel or single_path).
    sup : a prebuilt superstructure (reuse it across re-builds).
    extra : extra constraints on horizon totals, each ``(metric, coef, lo, hi)``: with
        ``coef`` None, metric is ``co2_t``, ``recovered_kg`` or ``recovered_value_usd``
        (epsilon constraints); otherwise ``coef`` is the row's coefficient vector over the
        builder's columns and ``metric`` its name.
    price_factor : multiplies every product price (used to find the cost of recovery).
    pyomo : when False, only the arrays are assembled (``model`` is None, ``columns`` empty):
        the scenario sweeps re-price a model compiled once from the same arrays.
    formulation : one of :data:`FORMULATIONS` (default ``tight``): the same feasible plans
        and optimum, different relaxations (described there).
    Returns
    -------
    OptModel : the Pyomo model (None with ``pyomo=False``), the builder and the metadata the
        plan reader uses.
    """
    if formulation not in FORMULATIONS:
        raise CaseError(f"formulation {formulation!r}; allowed: {', '.join(FORMULATIONS)}",
                        field="formulation")
    objective = objective or case.objective
    mode = mode or case.mode
    sup = sup or build(case)
    d = model_data(case, sup, naive=formulation == "naive")
    mb = MatrixBuilder()
    if formulation == "tight" and d.K * d.idx.Y <= CUTS_MAX_FLOW_COLUMNS:
        formulation = "tight_cuts_yearly"
    cuts = formulation in ("tight_cuts", "tight_cuts_yearly")
    (_phased_families if d.phased else _single_build_families)(mb, d, mode, cuts, formulation)
    define_markets(mb, d)
    define_policy_limits(mb, d)
    if mode == "single_path":
        define_single_path(mb, d)
    w = npv_weights(case.costing, case.horizon)
    if d.phased:
        c, sense, pieces, npv_c = phased_objective(mb, d, objective, price_factor, w)
    else:
        pieces = objective_pieces(mb, d, price_factor)
        c, sense = objective_vector(mb, d, objective, pieces, price_factor, w)
        npv_c = None
    if extra:
        define_epsilon_limits(mb, epsilon_metrics(mb, d, pieces), extra)
    del pieces  # dense per-column vectors: not held through the Pyomo build (meta remakes them)
    m, columns = pyomo_from_builder(mb, c, sense) if pyomo else (None, [])
    meta = _Meta({"weights": w, "seg_arrays": d.seg, "eq_opts": d.eq_opts,
                  "years": case.years, "f_idx": d.f_idx, "avail": d.x_avail,
                  "supply_lo": d.supply_lo, "rec_tot": d.rec_tot,
                  "price_factor": price_factor, "starts": d.starts, "npv_c": npv_c,
                  "stock_f": d.stock_f, "stock_hold": d.stock_hold, "data": d})
    meta.remake = partial(_per_column, mb, d, price_factor, w)
    return OptModel(case, sup, mb, m, columns, c, sense, objective, meta)


def with_epsilon_rows(om: OptModel, extra: list[tuple[str, np.ndarray, float, float]]) -> OptModel:
    """``om`` (built with ``pyomo=False`` and no ``extra`` rows) with the epsilon rows
    ``extra`` (as :func:`build_model` takes them) added after its own, as :func:`build_model`
    adds them last: the same model as building with ``extra``, without re-assembling the
    other rows (they are shared, assembled, with ``om``)."""
    if om.model is not None:
        raise ValueError("with_epsilon_rows adds rows to an arrays-only model (pyomo=False)")
    om.builder.assemble()  # the shared groups hold their CSR arrays, not the old builder's
    mb = MatrixBuilder()
    mb.blocks, mb.n, mb.groups = om.builder.blocks, om.builder.n, list(om.builder.groups)
    named = any(coef is None for _, coef, _, _ in extra)  # rows read from the metrics
    define_epsilon_limits(mb, om.meta["metrics"] if named else {}, extra)
    return dataclasses.replace(om, builder=mb)


def repriced(om: OptModel, case: Case, sup: Superstructure) -> OptModel | None:
    """``om`` for ``case`` and ``sup`` that differ from its own only in product prices (the
    pairs' revenue): the same builder, the objective's flow columns written again
    (:func:`~recyclopt.optimize.objective.repriced_npv_vector`), so the model equals
    :func:`build_model` on them number for number, without re-assembling the rows.

    Only for a single-build ``npv`` model built with ``pyomo=False`` whose rows hold no
    price (no ``recovered_value_usd`` epsilon row): None otherwise (build it instead).
    """
    d0: ModelData = om.meta["data"]
    priced_rows = any(g.name.endswith("_recovered_value_usd") for g in om.builder.groups)
    if om.model is not None or om.objective != "npv" or d0.phased or priced_rows:
        return None
    d = dataclasses.replace(d0, case=case, sup=sup)
    pf, w = om.meta["price_factor"], om.meta["weights"]
    meta = _Meta({**om.meta, "data": d})
    meta.pop("pieces", None)
    meta.pop("metrics", None)
    meta.remake = partial(_per_column, om.builder, d, pf, w)
    c = repriced_npv_vector(om.c, om.builder, d, pf, w)
    return OptModel(case, sup, om.builder, None, [], c, om.sense, om.objective, meta)



def _single_build_families(mb: MatrixBuilder, d: ModelData, mode: str, cuts: bool,
                           formulation: str) -> None:
    """The plant's variables and families when every option is built once, in their order
    (the order fixes the columns and rows)."""
    define_variables(mb, d, mode)
    define_stockpile_variables(mb, d)
    define_supply(mb, d)
    define_capacity(mb, d)
    define_build_switch(mb, d)
    if cuts:
        define_feed_to_build(mb, d.idx, d.fo, d.x_avail, d.options, d.feeds,
                             yearly=formulation == "tight_cuts_yearly")
    define_piecewise_capex(mb, d)
    define_equipment(mb, d)
    define_headcount(mb, d)


def _phased_families(mb: MatrixBuilder, d: ModelData, mode: str, cuts: bool,
                     formulation: str) -> None:
    """The same for a time-phased plant (:mod:`recyclopt.optimize.phased`): capacity blocks
    per build year, operation, equipment bought and headcount per year."""
    define_flow_variables(mb, d)
    define_phased_variables(mb, d)
    define_path_variables(mb, d, mode)
    define_stockpile_variables(mb, d)
    define_supply(mb, d)
    define_phased_capacity(mb, d)
    if cuts:
        define_phased_feed_to_build(mb, d)
    define_block_capex(mb, d)
    define_operation(mb, d)
    define_phased_equipment(mb, d)
    define_phased_headcount(mb, d)


class _Meta(dict):
    """A model's metadata; ``meta["seg"]`` (the capex segments as a DataFrame: option,
    lo, hi, intercept, slope) is made from ``meta["seg_arrays"]`` on first use, so a build
    that is never read back (the sweeps' arrays-only builds) does not pay for the frame.
    ``meta["pieces"]`` (the objective's cost and revenue terms per column,
    :func:`~recyclopt.optimize.objective.objective_pieces`) and ``meta["metrics"]`` (the
    epsilon metrics per column) are made again on first use by ``remake``: dense vectors over
    every column, not held by a model that never reads them."""

    remake = None

    def __missing__(self, key: str):
        if key == "seg":
            self["seg"] = pd.DataFrame(self["seg_arrays"])
            return self["seg"]
        if key in ("pieces", "metrics") and self.remake is not None:
            self["pieces"], self["metrics"] = self.remake()
            return self[key]
        raise KeyError(key)


def _per_column(mb: MatrixBuilder, d: ModelData, price_factor: float, w) -> tuple[dict, dict]:
    """The objective pieces and the epsilon metrics of a built model, per column."""
    pieces = (phased_objective(mb, d, "npv", price_factor, w)[2] if d.phased
              else objective_pieces(mb, d, price_factor))
    return pieces, epsilon_metrics(mb, d, pieces)


def feed_to_build_rows(om: OptModel, *, yearly: bool = False) -> Group | None:
    """The ``feed_to_build`` rows
    (:func:`~recyclopt.optimize.families.define_feed_to_build`) of a built model, over its
    columns.

    For models built without them (``tight_bounds``, ``naive``, or ``tight`` above
    :data:`CUTS_MAX_FLOW_COLUMNS`): they are valid inequalities of the same plans, so an LP
    with them added is still a relaxation of the model, with a tighter bound
    (:mod:`recyclopt.optimize.heuristic` uses them so). None when no option has a fixed
    cost. The model itself is not changed.
    """
    options = om.case.options
    fo = option_feeds(om.sup, om.meta["f_idx"], options)
    mb = MatrixBuilder()  # the model's column layout, for the rows' column indices
    for b in sorted(om.builder.blocks.values(), key=lambda b: b.offset):
        mb.blocks[b.name] = b
    mb.n = om.builder.n
    define_feed_to_build(mb, YearIndex(om.meta["years"]), fo, om.meta["avail"], options,
                         [f.name for f in om.case.feedstocks], yearly=yearly)
    return mb.groups[0] if mb.groups else None
