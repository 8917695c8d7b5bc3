"""Plant-optimisation case: feedstocks, staged process options, products, economics, policy.

A case is data (a YAML file or a dict) validated into typed objects here, before any model is
built. Every error names the file, the field, the offending value and the allowed range.

Units: masses in kg, money in USD, energy in kWh, rates per operating year. Capacities of an
option are measured on its ``basis``: ``units`` (end-of-life items per year, for liberation
options in the first stage) or ``kg`` (kg of magnet material entering per year).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..economics import (
    CapexCurve,
    Horizon,
    QGESSCosting,
    SimpleCosting,
    points_for_error,
    scaling_law_curve,
)
from ..errors import InputError
from ..io.input_errors import Where, allowed_text, suggest, validation_error
from .case_schema import (
    MODES,
    OBJECTIVES,
    CapexSpec,
    CaseSpec,
    EquipmentSpec,
    FeedstockSpec,
    LabourSpec,
    OptionSpec,
    PlanningSpec,
    PolicySpec,
    PricesSpec,
    ProductSpec,
    default_of,
)

__all__ = ["MODES", "OBJECTIVES", "Case", "CaseError", "Equipment", "Feedstock", "Option",
           "Planning", "Policy", "Product", "Stockpile", "case_from_dict", "load_case"]


class CaseError(InputError):
    """A case file or case dict that does not validate."""


# --------------------------------------------------------------------------- components
@dataclass(frozen=True)
class Stockpile:
    """A feedstock's store: collected units kept for a later year.

    Attributes
    ----------
    cap_units : most units in store at any year end (the feedstock's unit), > 0.
    holding_usd_per_unit_yr : cost of keeping one unit in store for a year, >= 0.
    """

    cap_units: float
    holding_usd_per_unit_yr: float = 0.0


@dataclass(frozen=True)
class Planning:
    """When capacity may be built (see :mod:`recyclopt.optimize.phased`).

    Attributes
    ----------
    mode : ``single_build`` (every option sized once, online from the first operating year:
        the default) or ``phased`` (capacity blocks online in any of ``build_years``).
    build_years : operating years in which a block may come online (its capex is spent from
        ``construction_years`` earlier, by the costing's capex schedule).
    max_expansions : blocks per option after its first (None: one per build year).
    idle : an option may stand idle in a year (no flow, no fixed opex, no operators).
    """

    mode: str = "single_build"
    build_years: tuple[int, ...] = ()
    max_expansions: int | None = None
    idle: bool = True


@dataclass
class Feedstock:
    """An end-of-life feedstock.

    Attributes
    ----------
    content_kg_per_unit : element -> kg per end-of-life unit (magnet material)
    magnet_kg_per_unit : kg of magnet material per unit
    availability : units available per operating year (after the collection rate)
    cost_usd_per_unit : purchase price (negative: a gate fee received)
    tags : properties used for compatibility (e.g. ``oxidised``, ``shredded``)
    catalogue : catalogue feedstock id used to build a feed stream for flowsheet options
    supply : feed obligation, the least share of the availability the plant must process:
        0.0 (``supply: optional``, availability is a ceiling), 1.0 (``supply: all``, every
        collected unit processed), a share (``supply: {min_share: 0.8}``) or year -> share
        (``supply: {min_share: {2027: 0.5, 2030: 1.0}}``: each share holds from its year until
        the next one listed; before the first, none)
    availability_table : the bundled ``<name>_availability.csv`` the availability was read
        from (None: given in the case itself)
    """

    name: str
    content_kg_per_unit: dict[str, float]
    magnet_kg_per_unit: float
    availability: pd.Series
    cost_usd_per_unit: float = default_of(FeedstockSpec, "cost_usd_per_unit")
    unit: str = default_of(FeedstockSpec, "unit")
    tags: frozenset[str] = frozenset()
    catalogue: str | None = None
    source: str = ""
    supply: float | dict[int, float] = 0.0
    stockpile: Stockpile | None = None
    availability_table: str | None = None

    def min_share(self, years: np.ndarray) -> np.ndarray:
        """The obligation's share of the availability in each of ``years``."""
        if not isinstance(self.supply, dict):
            return np.full(len(years), float(self.supply))
        steps = sorted(self.supply.items())
        return np.array([next((v for y0, v in reversed(steps) if y0 <= int(y)), 0.0)
                         for y in years], dtype=float)


@dataclass
class Equipment:
    """Discrete equipment: integer count sized for the peak-year throughput."""

    capacity_per_unit: float  # basis per year
    cost_usd: float
    yearly_cost_usd: float = default_of(EquipmentSpec, "yearly_cost_usd")
    operators_per_unit: float = default_of(EquipmentSpec, "operators_per_unit")
    max_units: int | None = None


@dataclass
class Option:
    """A process option in a stage.

    Element yields are the fraction of each element entering the option that leaves it toward
    the next stage (or into products, for a final option); they may come from a flowsheet's
    linearisation per feedstock (``flowsheet``) or be given directly (``yields``).
    """

    name: str
    stage: str
    next: list[str] | None = None
    basis: str = default_of(OptionSpec, "basis")
    yields: dict[str, float] = field(default_factory=dict)
    default_yield: float = default_of(OptionSpec, "default_yield")
    mass_yield: float = default_of(OptionSpec, "mass_yield")
    products: dict[str, str] = field(default_factory=dict)  # element -> product form
    opex_usd_per_basis: float = default_of(OptionSpec, "opex_usd_per_basis")
    opex_usd_per_yr: float = default_of(OptionSpec, "opex_usd_per_yr")
    kwh_per_basis: float = default_of(OptionSpec, "kwh_per_basis")
    heat_kwh_per_basis: float = default_of(OptionSpec, "heat_kwh_per_basis")
    reagents_kg_per_basis: dict[str, float] = field(default_factory=dict)
    co2_kg_per_basis: float = default_of(OptionSpec, "co2_kg_per_basis")
    byproducts_kg_per_basis: dict[str, float] = field(default_factory=dict)
    capex: CapexCurve | None = None
    capex_lang: bool = True
    max_capacity: float | None = None
    equipment: Equipment | None = None
    operators: float = default_of(OptionSpec, "operators")
    requires: frozenset[str] = frozenset()
    excludes: frozenset[str] = frozenset()
    flowsheet: str | None = None
    product_streams: dict[str, str] = field(default_factory=dict)  # stream -> product form
    byproduct_streams: dict[str, str] = field(default_factory=dict)  # stream -> by-product
    blank: bool = False

    @property
    def has_fixed_cost(self) -> bool:
        """Whether building the option costs money whatever flows through it: a capex curve,
        a fixed opex or operators."""
        return self.capex is not None or self.opex_usd_per_yr > 0 or self.operators > 0


@dataclass
class Product:
    name: str
    price_usd_per_kg: dict[str, float]  # element -> USD per kg of element contained
    max_kg_per_yr: float | None = None
    source: str = ""


@dataclass
class Policy:
    min_recovered_kg_per_yr: dict[str, float] = field(default_factory=dict)
    max_co2_t_per_yr: float | None = None
    recycled_content: dict[str, Any] | None = None  # elements, demand_kg_per_yr, share
    max_feedstock_share: float | None = None
    carbon_price_usd_per_t: float = default_of(PolicySpec, "carbon_price_usd_per_t")
    price_floor_usd_per_kg: dict[str, float] = field(default_factory=dict)  # form -> floor
    credit_usd_per_kg: dict[str, float] = field(default_factory=dict)  # form -> credit


@dataclass
class Case:
    """A complete optimisation case."""

    name: str
    feedstocks: list[Feedstock]
    stages: list[str]
    options: list[Option]
    products: dict[str, Product]
    horizon: Horizon
    costing: SimpleCosting | QGESSCosting
    elements: list[str]
    electricity_usd_per_kwh: float = 0.0
    heat_usd_per_kwh: float = 0.0
    grid_co2_kg_per_kwh: float = 0.0
    heat_co2_kg_per_kwh: float = 0.0
    reagent_prices: dict[str, float] = field(default_factory=dict)
    byproduct_prices: dict[str, float] = field(default_factory=dict)
    #: by-product -> "revenue" or "negative_cost" (resolved: every priced by-product)
    byproduct_book_as: dict[str, str] = field(default_factory=dict)
    labour_usd_per_hour: float = 0.0
    hours_per_operator_yr: float = default_of(LabourSpec, "hours_per_operator_yr")
    mode: str = default_of(CaseSpec, "mode")
    objective: str = default_of(CaseSpec, "objective")
    policy: Policy = field(default_factory=Policy)
    planning: Planning = field(default_factory=Planning)
    description: str = ""
    source: str = "<case>"
    sources: dict[str, str] = field(default_factory=dict)
    #: dotted path -> value set on top of the case file (:meth:`with_overrides`)
    overrides: dict[str, float] = field(default_factory=dict)

    @property
    def years(self) -> np.ndarray:
        return self.horizon.operating_calendar_years

    @property
    def wage_usd_per_operator_yr(self) -> float:
        """Yearly cost of one operator, USD: ``labour_usd_per_hour * hours_per_operator_yr``."""
        return self.labour_usd_per_hour * self.hours_per_operator_yr

    def option(self, name: str) -> Option:
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)

    def with_overrides(self, values: Mapping[str, Any], *, source: str = "overrides"
                       ) -> Case:
        """A new case with ``values`` set, keyed by the scenario files' dotted paths
        (``{"feedstocks.HDD.availability_factor": 2, "products.NdPr_oxide.price_usd_per_kg.Nd":
        80}``; :mod:`recyclopt.optimize.case_paths`). ``*_factor`` paths multiply the case's
        figure, others replace it. Every path and value is checked first: an unknown path is a
        one-line :class:`CaseError` naming ``source`` and the closest valid path. The
        overrides are recorded in ``overrides`` (and so in a plan file's metadata).
        """
        from .case_paths import with_overrides

        return with_overrides(self, values, error=CaseError, source=source)


# --------------------------------------------------------------------------- building
# The schema (case_schema.py) has validated types, ranges and keys, and case_checks.py the
# names and conflicts; the functions below only turn the specs into the typed objects.
def _capex(c: CapexSpec | None) -> CapexCurve | None:
    if c is None:
        return None
    if c.points is not None:
        return CapexCurve([p[0] for p in c.points], [p[1] for p in c.points], source=c.source)
    return scaling_law_curve(c.ref_cost_usd, c.ref_capacity, c.exponent, c.min_capacity,
                             c.max_capacity, c.n_points, source=c.source)


def _check_capex(c: CapexSpec | None, path: tuple, where: Where) -> None:
    """Points, or all five scaling-law keys, and a curve the economics layer accepts."""
    if c is None:
        return
    if c.points is None:
        for k in ("ref_cost_usd", "ref_capacity", "exponent", "min_capacity", "max_capacity"):
            if getattr(c, k) is None:
                raise where.fail((*path, k), "missing (give 'points' or a scaling law: "
                                 "ref_cost_usd, ref_capacity, exponent, min_capacity, "
                                 "max_capacity)")
    try:
        _capex(c)
    except InputError as exc:
        raise where.fail(path, str(exc)) from None


@functools.lru_cache(maxsize=8)
def _availability_table(table: str) -> pd.DataFrame:
    """A bundled ``<table>_availability.csv`` (package data: read once per process, for
    every feedstock and every re-validated case; callers filter it, never change it)."""
    from importlib import resources

    f = resources.files("recyclopt.data").joinpath(f"{table}_availability.csv")
    with f.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def _bundled_availability(table: str, feed: str, years: np.ndarray, path: tuple,
                          where: Where) -> pd.Series:
    """Units x collection rate per year from a bundled ``<table>_availability.csv``."""
    df = _availability_table(table)
    df = df[df["feedstock"] == feed].set_index("year")
    missing = [int(y) for y in years if int(y) not in df.index]
    if df.empty or missing:
        raise where.fail(path, f"table {table!r} has no rows for feedstock {feed!r} in "
                         f"year(s) {missing or list(years)}")
    d = df.loc[years.astype(int)]
    return (d["eol_units"] * d["collection_rate"]).astype(float)


def _availability(f: FeedstockSpec, years: np.ndarray, path: tuple, where: Where) -> pd.Series:
    """Units per operating year after the collection rate."""
    if f.availability_table is not None:
        return _bundled_availability(f.availability_table, f.catalogue or f.name, years,
                                     (*path, "availability_table"), where)
    av = f.availability_units
    if isinstance(av, dict):
        missing = [int(y) for y in years if int(y) not in av]
        if missing:
            raise where.fail((*path, "availability_units"), f"no value for operating year(s) "
                             f"{missing}; the horizon runs {int(years[0])}-{int(years[-1])}")
        s = pd.Series({int(y): av[int(y)] for y in years}, dtype=float)
    else:
        s = pd.Series(av, index=years.astype(int), dtype=float)
    if f.growth_per_yr:
        s = s * (1.0 + f.growth_per_yr) ** np.arange(len(s))
    return s * f.collection_rate


def _feedstock(spec: CaseSpec, k: int, years: np.ndarray, where: Where) -> Feedstock:
    from .case_checks import check_magnet_supply

    f, path = spec.feedstocks[k], ("feedstocks", k)
    content = dict(f.content_kg_per_unit or {})
    magnet = f.magnet_kg_per_unit
    if f.catalogue is not None:
        from ..feedstock import catalogue_content

        content, magnet_cat = catalogue_content(f.catalogue)
        magnet = magnet if magnet is not None else magnet_cat
    if magnet is None:
        magnet = sum(content.values())
    if magnet <= 0:
        raise where.fail((*path, "magnet_kg_per_unit"), f"{magnet:g} is outside the allowed "
                         "range (0, inf]")
    if sum(content.values()) > magnet * (1 + 1e-9):
        raise where.fail((*path, "content_kg_per_unit"), f"elements sum to "
                         f"{sum(content.values()):g} kg, more than the magnet mass "
                         f"{magnet:g} kg")
    availability = _availability(f, years, path, where)
    if f.availability_units is not None:
        check_magnet_supply(spec, k, availability, float(magnet), where)
    return Feedstock(
        name=f.name, content_kg_per_unit=content, magnet_kg_per_unit=float(magnet),
        availability=availability,
        cost_usd_per_unit=f.cost_usd_per_unit, unit=f.unit, tags=frozenset(f.tags),
        catalogue=f.catalogue, source=f.source, supply=_supply(f, years, path, where),
        stockpile=(None if f.stockpile is None else
                   Stockpile(f.stockpile.cap_units, f.stockpile.holding_usd_per_unit_yr)),
        availability_table=f.availability_table)


def _supply(f: FeedstockSpec, years: np.ndarray, path: tuple, where: Where
            ) -> float | dict[int, float]:
    """The ``supply`` rule as the least share: 0 (optional), 1 (all), a share or year ->
    share (each holding from its year until the next listed)."""
    if f.supply in ("optional", "all"):
        return 1.0 if f.supply == "all" else 0.0
    share = f.supply["min_share"]
    if not isinstance(share, dict):
        return share
    late = [y for y in share if y > int(years[-1])]
    if late:
        raise where.fail((*path, "supply", "min_share", late[0]), f"year {late[0]} is after "
                         f"the last operating year {int(years[-1])}")
    return dict(sorted(share.items()))


def _planning(spec: CaseSpec, horizon: Horizon, costing: SimpleCosting | QGESSCosting,
              where: Where) -> Planning:
    """The case's ``planning`` with its cross-field rules: the phased keys only with
    ``mode: phased``; ``build_years`` or ``every_years``, not both; a block comes online in an
    operating year whose capex schedule ends inside the horizon; no phased ``annual_profit``."""
    from ..economics import capex_start_fits

    p: PlanningSpec = spec.planning
    given = [k for k in ("build_years", "every_years", "max_expansions")
             if getattr(p, k) is not None] + ([] if p.idle else ["idle"])
    if p.mode == "single_build":
        if given:
            raise where.fail(("planning", given[0]), "only with planning.mode: phased (a "
                             "single build has one build year, the first)")
        return Planning()
    if spec.objective == "annual_profit":
        raise where.fail(("objective",), "annual_profit annualises a single plant; with "
                         "planning: phased use npv, recovered_value, recovered_mass or min_co2")
    if p.build_years is not None and p.every_years is not None:
        raise where.fail(("planning", "every_years"), "give build_years or every_years, "
                         "not both")
    years = horizon.operating_calendar_years
    fits = set(years[capex_start_fits(costing, horizon)].tolist())
    if p.build_years is not None:
        out = sorted(set(p.build_years))
        bad = [y for y in out if y not in fits]
        if bad:
            raise where.fail(("planning", "build_years"), f"{bad[0]}: a block must come "
                             "online in an operating year whose capex schedule ends inside "
                             f"the horizon ({min(fits)}..{max(fits)})")
    else:
        n = p.every_years or 1
        if n > len(years):
            raise where.fail(("planning", "every_years"), f"{n} is outside the allowed range "
                             f"[1, {len(years)}] (the operating years)")
        out = [int(y) for y in years[::n] if int(y) in fits]
    if p.max_expansions is not None and p.max_expansions > len(out):
        raise where.fail(("planning", "max_expansions"), f"{p.max_expansions} is outside the "
                         f"allowed range [0, {len(out)}] (the build years)")
    return Planning(p.mode, tuple(out), p.max_expansions, p.idle)


def _option(o: OptionSpec, path: tuple, where: Where) -> Option:
    _check_capex(o.capex, (*path, "capex"), where)
    e = o.equipment
    return Option(
        name=o.name, stage=o.stage, next=list(o.next) if o.next is not None else None,
        basis=o.basis, yields=dict(o.yields), default_yield=o.default_yield,
        mass_yield=o.mass_yield, products=dict(o.products),
        opex_usd_per_basis=o.opex_usd_per_basis, opex_usd_per_yr=o.opex_usd_per_yr,
        kwh_per_basis=o.kwh_per_basis, heat_kwh_per_basis=o.heat_kwh_per_basis,
        reagents_kg_per_basis=dict(o.reagents_kg_per_basis),
        co2_kg_per_basis=o.co2_kg_per_basis,
        byproducts_kg_per_basis=dict(o.byproducts_kg_per_basis),
        capex=_capex(o.capex), capex_lang=o.capex.lang if o.capex is not None else True,
        max_capacity=o.max_capacity,
        equipment=Equipment(e.capacity_per_unit, e.cost_usd, e.yearly_cost_usd,
                            e.operators_per_unit, e.max_units) if e is not None else None,
        operators=o.operators, requires=frozenset(o.requires), excludes=frozenset(o.excludes),
        flowsheet=o.flowsheet, product_streams=dict(o.product_streams),
        byproduct_streams=dict(o.byproduct_streams), blank=o.blank)


def _costing(spec: CaseSpec, where: Where) -> SimpleCosting | QGESSCosting:
    """The convention's dataclass from its own parameters (its defaults and ranges apply)."""
    cls = SimpleCosting if spec.costing.convention == "simple" else QGESSCosting
    names = [f.name for f in dataclasses.fields(cls)]
    kw = dict(spec.costing.model_extra or {})
    for k, v in kw.items():
        path = ("costing", k)
        if k not in names:
            raise where.fail(path, f"unknown field of the {spec.costing.convention!r} "
                             f"convention; {allowed_text(['convention', *names])}"
                             f"{suggest(k, names)}")
        if k == "capex_schedule":
            if not isinstance(v, list) or not all(_is_number(x) for x in v):
                raise where.fail(path, "expected a list of fractions, e.g. [0.1, 0.6, 0.3]")
            kw[k] = tuple(v)
        elif k == "escalation_reference":
            if v not in ("production_start", "construction_start"):
                raise where.fail(path, f"{v!r} is not allowed; allowed: production_start, "
                                 f"construction_start{suggest(v, ['production_start'])}")
        elif not _is_number(v):
            raise where.fail(path, f"{v!r} is not a number")
    try:
        return cls(**kw)
    except InputError as exc:
        bad = str(exc.field or "").rsplit(".", 1)[-1]
        raise where.fail(("costing", bad) if bad in kw else ("costing",),
                         str(exc).split(": ", 1)[-1]) from None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)


def _product(name: str, p: ProductSpec) -> Product:
    return Product(name, dict(p.price_usd_per_kg), p.max_kg_per_yr, p.source)


def _policy(p: PolicySpec) -> Policy:
    rc = p.recycled_content.model_dump() if p.recycled_content is not None else None
    return Policy(dict(p.min_recovered_kg_per_yr), p.max_co2_t_per_yr, rc,
                  p.max_feedstock_share, p.carbon_price_usd_per_t,
                  dict(p.price_floor_usd_per_kg), dict(p.credit_usd_per_kg))


def _horizon(spec: CaseSpec, where: Where) -> Horizon:
    h = spec.horizon
    try:
        return Horizon(h.construction_year, h.operating_years, h.construction_years)
    except InputError as exc:
        raise where.fail(("horizon", str(exc.field or "").rsplit(".", 1)[-1]),
                         str(exc).split(": ", 1)[-1]) from None


def _prices(p: PricesSpec) -> dict[str, Any]:
    return {"electricity_usd_per_kwh": p.electricity_usd_per_kwh,
            "heat_usd_per_kwh": p.heat_usd_per_kwh,
            "grid_co2_kg_per_kwh": p.grid_co2_kg_per_kwh,
            "heat_co2_kg_per_kwh": p.heat_co2_kg_per_kwh,
            "reagent_prices": dict(p.reagents_usd_per_kg),
            "byproduct_prices": dict(p.byproducts_usd_per_kg)}


def case_from_dict(d: Mapping[str, Any], *, source: str = "<case>",
                   base_dir: Path | None = None,
                   lines: Mapping[tuple[Any, ...], int] | None = None) -> Case:
    """Validate a case definition into a :class:`Case`.

    Parameters
    ----------
    d : the case, as read from YAML (fields: :mod:`recyclopt.optimize.case_schema`).
    source : file name for messages.
    base_dir : folder of the case file (relative paths).
    lines : line of each key by path (from :func:`recyclopt.io.yaml_input.load_yaml`), so
        errors name the line.

    Raises
    ------
    CaseError
        One line: ``<file>:<line>: <field>: <what is wrong>; allowed ...; did you mean ...?``.
    """
    from pydantic import ValidationError

    from .case_checks import check_case

    if not isinstance(d, Mapping):
        raise CaseError("a case must be a mapping of fields (name, stages, feedstocks, "
                        "options, products ...)", source=source)
    where = Where(source, CaseError, d, lines)
    try:
        spec = CaseSpec.model_validate(dict(d))
    except ValidationError as exc:
        raise validation_error(exc, CaseSpec, where) from None
    check_case(spec, where)
    horizon = _horizon(spec, where)
    years = horizon.operating_calendar_years
    costing = _costing(spec, where)
    options = [_option(o, ("options", k), where) for k, o in enumerate(spec.options)]
    if spec.capex_max_error is not None:
        options = [refined(o, spec.capex_max_error) for o in options]
    return Case(
        name=spec.name, description=spec.description,
        feedstocks=[_feedstock(spec, k, years, where) for k in range(len(spec.feedstocks))],
        stages=list(spec.stages), options=options,
        products={n: _product(n, p) for n, p in spec.products.items()},
        horizon=horizon, costing=costing, elements=list(spec.elements),
        **_prices(spec.prices),
        byproduct_book_as=byproduct_book_as(spec.prices.byproducts_book_as,
                                            dict(spec.prices.byproducts_usd_per_kg), costing),
        labour_usd_per_hour=spec.labour.usd_per_hour,
        hours_per_operator_yr=spec.labour.hours_per_operator_yr,
        mode=spec.mode, objective=spec.objective, policy=_policy(spec.policy), source=source,
        planning=_planning(spec, horizon, costing, where),
        sources=dict(spec.sources),
    )


def byproduct_book_as(given: Mapping[str, str], by_prices: Mapping[str, float],
                      costing: SimpleCosting | QGESSCosting) -> dict[str, str]:
    """How each by-product is booked: ``prices.byproducts_book_as`` where given (names and
    values checked by the schema), else the costing convention's ``BYPRODUCTS_BOOK_AS`` for a
    price >= 0 and ``negative_cost`` for a disposal cost (a negative price)."""
    out = {str(b): str(v) for b, v in given.items()}
    for b, price in by_prices.items():
        out.setdefault(b, costing.BYPRODUCTS_BOOK_AS if price >= 0 else "negative_cost")
    return out


def refined(o: Option, tol: float) -> Option:
    """``o`` with its power-law capex curve resampled on enough breakpoints that its chords
    stay within ``tol`` (relative) of the law (tabulated curves are exact already)."""
    if o.capex is None or o.capex.law is None:
        return o
    cv = o.capex
    lo, hi = cv.points[0], cv.points[-1]
    n = max(len(cv.points), points_for_error(lo, hi, cv.law[2], tol))
    if n == len(cv.points) and (cv.max_relative_error or 0.0) <= tol:
        return o
    base = cv.source.split("power law ")[0].rstrip("; ")
    return dataclasses.replace(o, capex=scaling_law_curve(*cv.law, lo, hi, n, source=base))


def load_case(path: str | Path | None = None) -> Case:
    """Load a case from a YAML file, or the bundled default (Taiwan) case when ``path`` is None
    or a bundled case name."""
    from importlib import resources

    from ..io.yaml_input import load_yaml

    if path is None:
        path = "taiwan"
    p = Path(path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise CaseError(f"case file {str(p)!r} does not exist")
        from ..io import read_input_text

        try:
            text, src = read_input_text(p, "case file"), str(p)
        except InputError as exc:
            raise CaseError(str(exc)) from None
    else:
        f = resources.files("recyclopt.cases").joinpath(f"{path}.yaml")
        if not f.is_file():
            bundled = sorted(x.name[:-5] for x in resources.files("recyclopt.cases").iterdir()
                             if x.name.endswith(".yaml"))
            raise CaseError(f"unknown case {str(path)!r}; bundled: {bundled} (or a .yaml path)")
        text, src = f.read_text(encoding="utf-8"), f"{path}.yaml"
    doc = load_yaml(text, src, CaseError)
    return case_from_dict(doc.data, source=src, lines=doc.lines)
