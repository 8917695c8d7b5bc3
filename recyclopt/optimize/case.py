"""Plant-optimisation case: feedstocks, staged process options, products, economics, policy.

A case is data (a YAML file or a dict) validated into typed objects here, before any model is
built. Every error names the file, the field, the offending value and the allowed range.

Units: masses in kg, money in USD, energy in kWh, rates per operating year. Capacities of an
option are measured on its ``basis``: ``units`` (end-of-life items per year, for liberation
options in the first stage) or ``kg`` (kg of magnet material entering per year).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._fields import field_error, mapping, number, only
from ..economics import CapexCurve, Horizon, QGESSCosting, SimpleCosting, scaling_law_curve
from ..errors import InputError

OBJECTIVES = ("npv", "annual_profit", "recovered_value", "recovered_mass", "min_co2")
MODES = ("parallel", "single_path")
PLANNING_MODES = ("single_build", "phased")


class CaseError(InputError):
    """A case file or case dict that does not validate."""


def _err(src: str, fieldname: str, msg: str) -> CaseError:
    return field_error(CaseError, src, fieldname, msg)  # type: ignore[return-value]


def _num(src: str, fieldname: str, v: Any, lo: float | None = None, hi: float | None = None,
         *, lo_open: bool = False) -> float:
    return number(CaseError, src, fieldname, v, lo, hi, lo_open=lo_open)


def _map(src: str, fieldname: str, v: Any) -> Mapping[str, Any]:
    return mapping(CaseError, src, fieldname, v)


def _only(src: str, where: str, d: Mapping[str, Any], allowed: set[str]) -> None:
    only(CaseError, src, where, d, allowed)


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
    stockpile : a store for collected units processed in a later year (None: none); see
        :mod:`recyclopt.optimize.stockpile`
    """

    name: str
    content_kg_per_unit: dict[str, float]
    magnet_kg_per_unit: float
    availability: pd.Series
    cost_usd_per_unit: float = 0.0
    unit: str = "unit"
    tags: frozenset[str] = frozenset()
    catalogue: str | None = None
    source: str = ""
    supply: float | dict[int, float] = 0.0
    stockpile: Stockpile | None = None

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
    yearly_cost_usd: float = 0.0
    operators_per_unit: float = 0.0
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
    basis: str = "kg"
    yields: dict[str, float] = field(default_factory=dict)
    default_yield: float = 1.0
    mass_yield: float = 1.0
    products: dict[str, str] = field(default_factory=dict)  # element -> product form
    opex_usd_per_basis: float = 0.0
    opex_usd_per_yr: float = 0.0
    kwh_per_basis: float = 0.0
    heat_kwh_per_basis: float = 0.0
    reagents_kg_per_basis: dict[str, float] = field(default_factory=dict)
    co2_kg_per_basis: float = 0.0
    byproducts_kg_per_basis: dict[str, float] = field(default_factory=dict)
    capex: CapexCurve | None = None
    capex_lang: bool = True
    max_capacity: float | None = None
    equipment: Equipment | None = None
    operators: float = 0.0
    requires: frozenset[str] = frozenset()
    excludes: frozenset[str] = frozenset()
    flowsheet: str | None = None
    product_streams: dict[str, str] = field(default_factory=dict)  # stream -> product form
    byproduct_streams: dict[str, str] = field(default_factory=dict)  # stream -> by-product
    blank: bool = False


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
    carbon_price_usd_per_t: float = 0.0
    price_floor_usd_per_kg: dict[str, float] = field(default_factory=dict)  # form -> floor
    credit_usd_per_kg: dict[str, float] = field(default_factory=dict)  # form -> credit


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
    labour_usd_per_hour: float = 0.0
    hours_per_operator_yr: float = 8000.0
    mode: str = "parallel"
    objective: str = "npv"
    policy: Policy = field(default_factory=Policy)
    planning: Planning = field(default_factory=Planning)
    description: str = ""
    source: str = "<case>"
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def years(self) -> np.ndarray:
        return self.horizon.operating_calendar_years

    def option(self, name: str) -> Option:
        for o in self.options:
            if o.name == name:
                return o
        raise KeyError(name)


# --------------------------------------------------------------------------- parsing
def _capex(src: str, where: str, d: Any) -> CapexCurve | None:
    if d is None:
        return None
    d = _map(src, where, d)
    _only(src, where, d, {"points", "ref_cost_usd", "ref_capacity", "exponent", "min_capacity",
                          "max_capacity", "n_points", "source", "lang"})
    try:
        if "points" in d:
            pts = d["points"]
            if not isinstance(pts, list) or len(pts) < 2:
                raise _err(src, f"{where}.points", "need at least two [capacity, cost_usd] pairs")
            caps, costs = [], []
            for k, p in enumerate(pts):
                if not isinstance(p, list | tuple) or len(p) != 2:
                    raise _err(src, f"{where}.points[{k}]", f"expected [capacity, cost_usd], "
                               f"got {p!r}")
                caps.append(_num(src, f"{where}.points[{k}][0]", p[0], 0.0))
                costs.append(_num(src, f"{where}.points[{k}][1]", p[1], 0.0))
            return CapexCurve(caps, costs, source=str(d.get("source", "")))
        for k in ("ref_cost_usd", "ref_capacity", "exponent", "min_capacity", "max_capacity"):
            if k not in d:
                raise _err(src, f"{where}.{k}", "missing (give 'points' or a scaling law)")
        return scaling_law_curve(
            _num(src, f"{where}.ref_cost_usd", d["ref_cost_usd"], 0.0, lo_open=True),
            _num(src, f"{where}.ref_capacity", d["ref_capacity"], 0.0, lo_open=True),
            _num(src, f"{where}.exponent", d["exponent"], 0.0, 2.0, lo_open=True),
            _num(src, f"{where}.min_capacity", d["min_capacity"], 0.0, lo_open=True),
            _num(src, f"{where}.max_capacity", d["max_capacity"], 0.0, lo_open=True),
            int(_num(src, f"{where}.n_points", d.get("n_points", 6), 2, 50)),
            source=str(d.get("source", "")),
        )
    except InputError as exc:
        if exc.source:
            raise
        raise _err(src, where, str(exc)) from None


def _bundled_availability(src: str, where: str, table: str, feed: str, years: np.ndarray
                          ) -> pd.Series:
    """Units x collection rate per year from a bundled ``<table>_availability.csv``."""
    from importlib import resources

    f = resources.files("recyclopt.data").joinpath(f"{table}_availability.csv")
    if not f.is_file():
        raise _err(src, f"{where}.availability_table", f"no bundled table {table!r}")
    with f.open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    df = df[df["feedstock"] == feed].set_index("year")
    missing = [int(y) for y in years if int(y) not in df.index]
    if df.empty or missing:
        raise _err(src, f"{where}.availability_table", f"table {table!r} has no rows for "
                   f"feedstock {feed!r} in year(s) {missing or list(years)}")
    d = df.loc[years.astype(int)]
    return (d["eol_units"] * d["collection_rate"]).astype(float)


def _availability(src: str, where: str, d: Mapping[str, Any], years: np.ndarray) -> pd.Series:
    if d.get("availability_table"):
        return _bundled_availability(src, where, str(d["availability_table"]),
                                     str(d.get("catalogue", d.get("name"))), years)
    rate = _num(src, f"{where}.collection_rate", d.get("collection_rate", 1.0), 0.0, 1.0)
    av = d.get("availability_units")
    if av is None:
        raise _err(src, f"{where}.availability_units", "missing (units per year, a number or "
                   "a mapping year -> units)")
    if isinstance(av, Mapping):
        vals = {}
        for y, v in av.items():
            try:
                yi = int(y)
            except (TypeError, ValueError):
                raise _err(src, f"{where}.availability_units", f"year {y!r} is not a year") \
                    from None
            vals[yi] = _num(src, f"{where}.availability_units[{yi}]", v, 0.0)
        missing = [int(y) for y in years if int(y) not in vals]
        if missing:
            raise _err(src, f"{where}.availability_units", f"no value for operating year(s) "
                       f"{missing}; the horizon runs {int(years[0])}-{int(years[-1])}")
        s = pd.Series({int(y): vals[int(y)] for y in years}, dtype=float)
    else:
        s = pd.Series(_num(src, f"{where}.availability_units", av, 0.0), index=years.astype(int),
                      dtype=float)
    growth = _num(src, f"{where}.growth_per_yr", d.get("growth_per_yr", 0.0), -0.5, 1.0)
    if growth:
        s = s * (1.0 + growth) ** np.arange(len(s))
    return s * rate


def _feedstock(src: str, k: int, d: Any, years: np.ndarray, elements: list[str]) -> Feedstock:
    where = f"feedstocks[{k}]"
    d = _map(src, where, d)
    _only(src, where, d, {"name", "unit", "content_kg_per_unit", "magnet_kg_per_unit",
                          "catalogue", "cost_usd_per_unit", "availability_units",
                          "availability_table",
                          "collection_rate", "growth_per_yr", "tags", "source", "supply",
                          "stockpile"})
    if "name" not in d:
        raise _err(src, f"{where}.name", "missing")
    name = str(d["name"])
    where = f"feedstocks.{name}"
    content: dict[str, float] = {}
    magnet = d.get("magnet_kg_per_unit")
    if "catalogue" in d and "content_kg_per_unit" not in d:
        from ..feedstock import catalogue_content

        try:
            content, magnet_cat = catalogue_content(str(d["catalogue"]))
        except InputError as exc:
            raise _err(src, f"{where}.catalogue", str(exc)) from None
        magnet = magnet if magnet is not None else magnet_cat
    else:
        cm = _map(src, f"{where}.content_kg_per_unit", d.get("content_kg_per_unit"))
        if not cm:
            raise _err(src, f"{where}.content_kg_per_unit", "missing (element -> kg per unit), "
                       "or name a 'catalogue' feedstock")
        content = {str(e): _num(src, f"{where}.content_kg_per_unit.{e}", v, 0.0)
                   for e, v in cm.items()}
    if magnet is None:
        magnet = sum(content.values())
    magnet = _num(src, f"{where}.magnet_kg_per_unit", magnet, 0.0, lo_open=True)
    if sum(content.values()) > magnet * (1 + 1e-9):
        raise _err(src, f"{where}.content_kg_per_unit", f"elements sum to "
                   f"{sum(content.values()):g} kg, more than the magnet mass {magnet:g} kg")
    tags = d.get("tags") or []
    if not isinstance(tags, list):
        raise _err(src, f"{where}.tags", "expected a list of strings")
    return Feedstock(
        name=name, content_kg_per_unit=content, magnet_kg_per_unit=magnet,
        availability=_availability(src, where, d, years),
        cost_usd_per_unit=_num(src, f"{where}.cost_usd_per_unit", d.get("cost_usd_per_unit", 0.0)),
        unit=str(d.get("unit", "unit")), tags=frozenset(map(str, tags)),
        catalogue=str(d["catalogue"]) if "catalogue" in d else None,
        source=str(d.get("source", "")),
        supply=_supply(src, f"{where}.supply", d.get("supply", "optional"), years),
        stockpile=_stockpile(src, f"{where}.stockpile", d.get("stockpile")),
    )


def _stockpile(src: str, where: str, v: Any) -> Stockpile | None:
    """A feedstock's ``stockpile: {cap_units, holding_usd_per_unit_yr, source}``."""
    if v is None:
        return None
    v = _map(src, where, v)
    _only(src, where, v, {"cap_units", "holding_usd_per_unit_yr", "source"})
    if "cap_units" not in v:
        raise _err(src, f"{where}.cap_units", "missing (most units in store, > 0)")
    return Stockpile(_num(src, f"{where}.cap_units", v["cap_units"], 0.0, lo_open=True),
                     _num(src, f"{where}.holding_usd_per_unit_yr",
                          v.get("holding_usd_per_unit_yr", 0.0), 0.0))


def _whole(src: str, fieldname: str, v: Any, lo: float | None = None,
           hi: float | None = None) -> int:
    """A whole number within [lo, hi]."""
    x = _num(src, fieldname, v, lo, hi)
    if not float(x).is_integer():
        raise _err(src, fieldname, f"{v!r}: a whole number is required")
    return int(x)


def _planning(src: str, v: Any, years: np.ndarray, costing: Any,
              horizon: Horizon) -> Planning:
    """The case's ``planning: {mode, build_years | every_years, max_expansions, idle}``."""
    from ..economics import capex_start_fits

    v = _map(src, "planning", v)
    _only(src, "planning", v, {"mode", "build_years", "every_years", "max_expansions", "idle"})
    mode = str(v.get("mode", "single_build"))
    if mode not in PLANNING_MODES:
        raise _err(src, "planning.mode", f"{mode!r}; allowed: {list(PLANNING_MODES)}")
    extra = sorted(set(v) - {"mode"})
    if mode == "single_build" and extra:
        raise _err(src, f"planning.{extra[0]}", "only with planning.mode: phased (a single "
                   "build has one build year, the first)")
    if "build_years" in v and "every_years" in v:
        raise _err(src, "planning.every_years", "give build_years or every_years, not both")
    fits = set(years[capex_start_fits(costing, horizon)].tolist())
    if "build_years" in v:
        by = v["build_years"]
        if not isinstance(by, list) or not by:
            raise _err(src, "planning.build_years", "a non-empty list of operating years")
        out = sorted({_whole(src, "planning.build_years", y) for y in by})
        for y in out:
            if y not in fits:
                raise _err(src, "planning.build_years", f"{y}: a block must come online in "
                           f"an operating year whose capex schedule ends inside the horizon "
                           f"({min(fits)}..{max(fits)})")
    else:
        n = _whole(src, "planning.every_years", v.get("every_years", 1), 1, len(years))
        out = [int(y) for y in years[::n] if int(y) in fits]
    mx = v.get("max_expansions")
    mx = None if mx is None else _whole(src, "planning.max_expansions", mx, 0, len(out))
    idle = v.get("idle", True)
    if not isinstance(idle, bool):
        raise _err(src, "planning.idle", f"{idle!r}; allowed: true, false")
    if mode == "single_build":
        return Planning()
    return Planning(mode, tuple(out), mx, idle)


def _supply(src: str, where: str, v: Any, years: np.ndarray) -> float | dict[int, float]:
    """A feedstock's ``supply`` obligation as a share or year -> share (see ``Feedstock``)."""
    if v in ("optional", "all"):
        return 1.0 if v == "all" else 0.0
    if not isinstance(v, Mapping):
        raise _err(src, where, f"{v!r}; allowed: optional, all, or {{min_share: share}} "
                   "(a share in [0, 1], or a mapping year -> share)")
    _only(src, where, v, {"min_share"})
    if "min_share" not in v:
        raise _err(src, f"{where}.min_share", "missing (a share in [0, 1], or year -> share)")
    share = v["min_share"]
    if not isinstance(share, Mapping):
        return _num(src, f"{where}.min_share", share, 0.0, 1.0)
    out: dict[int, float] = {}
    for y, x in share.items():
        try:
            yi = int(y)
        except (TypeError, ValueError):
            raise _err(src, f"{where}.min_share", f"year {y!r} is not a year") from None
        if yi > int(years[-1]):
            raise _err(src, f"{where}.min_share", f"year {yi} is after the last operating "
                       f"year {int(years[-1])}")
        out[yi] = _num(src, f"{where}.min_share[{yi}]", x, 0.0, 1.0)
    return dict(sorted(out.items()))


_OPTION_FIELDS = {
    "name", "stage", "next", "basis", "yields", "default_yield", "mass_yield", "products",
    "opex_usd_per_basis", "opex_usd_per_yr", "kwh_per_basis", "heat_kwh_per_basis",
    "reagents_kg_per_basis", "co2_kg_per_basis", "byproducts_kg_per_basis", "capex",
    "max_capacity", "equipment", "operators", "requires", "excludes", "flowsheet",
    "product_streams", "byproduct_streams", "blank", "source", "description",
}


def _option(src: str, k: int, d: Any, stages: list[str]) -> Option:
    where = f"options[{k}]"
    d = _map(src, where, d)
    _only(src, where, d, _OPTION_FIELDS)
    if "name" not in d:
        raise _err(src, f"{where}.name", "missing")
    name = str(d["name"])
    where = f"options.{name}"
    stage = str(d.get("stage", ""))
    if stage not in stages:
        raise _err(src, f"{where}.stage", f"{stage!r} is not a stage; stages: {stages}")
    basis = str(d.get("basis", "kg"))
    if basis not in ("kg", "units"):
        raise _err(src, f"{where}.basis", f"{basis!r}; allowed: kg, units")
    if basis == "units" and stage != stages[0]:
        raise _err(src, f"{where}.basis", "'units' (end-of-life items) is only allowed in the "
                   f"first stage {stages[0]!r}")
    yields = {str(e): _num(src, f"{where}.yields.{e}", v, 0.0, 1.0)
              for e, v in _map(src, f"{where}.yields", d.get("yields")).items()}
    eq = None
    if d.get("equipment") is not None:
        e = _map(src, f"{where}.equipment", d["equipment"])
        _only(src, f"{where}.equipment", e, {"capacity_per_unit", "cost_usd", "yearly_cost_usd",
                                              "operators_per_unit", "max_units", "source"})
        eq = Equipment(
            _num(src, f"{where}.equipment.capacity_per_unit", e.get("capacity_per_unit"), 0.0,
                 lo_open=True),
            _num(src, f"{where}.equipment.cost_usd", e.get("cost_usd", 0.0), 0.0),
            _num(src, f"{where}.equipment.yearly_cost_usd", e.get("yearly_cost_usd", 0.0), 0.0),
            _num(src, f"{where}.equipment.operators_per_unit", e.get("operators_per_unit", 0.0),
                 0.0),
            int(_num(src, f"{where}.equipment.max_units", e["max_units"], 0)) if e.get(
                "max_units") is not None else None,
        )
    capex_d = d.get("capex")
    lang = True
    if isinstance(capex_d, Mapping) and "lang" in capex_d:
        lang = bool(capex_d["lang"])
    products = {}
    for e, form in _map(src, f"{where}.products", d.get("products")).items():
        products[str(e)] = str(form)
    nxt = d.get("next")
    if nxt is not None and not isinstance(nxt, list):
        raise _err(src, f"{where}.next", "expected a list of option names")

    def fmap(key: str) -> dict[str, float]:
        return {str(s): _num(src, f"{where}.{key}.{s}", v, 0.0)
                for s, v in _map(src, f"{where}.{key}", d.get(key)).items()}

    return Option(
        name=name, stage=stage, next=[str(x) for x in nxt] if nxt is not None else None,
        basis=basis, yields=yields,
        default_yield=_num(src, f"{where}.default_yield", d.get("default_yield", 1.0), 0.0, 1.0),
        mass_yield=_num(src, f"{where}.mass_yield", d.get("mass_yield", 1.0), 0.0, 10.0),
        products=products,
        opex_usd_per_basis=_num(src, f"{where}.opex_usd_per_basis",
                                d.get("opex_usd_per_basis", 0.0)),
        opex_usd_per_yr=_num(src, f"{where}.opex_usd_per_yr", d.get("opex_usd_per_yr", 0.0), 0.0),
        kwh_per_basis=_num(src, f"{where}.kwh_per_basis", d.get("kwh_per_basis", 0.0), 0.0),
        heat_kwh_per_basis=_num(src, f"{where}.heat_kwh_per_basis",
                                d.get("heat_kwh_per_basis", 0.0), 0.0),
        reagents_kg_per_basis=fmap("reagents_kg_per_basis"),
        co2_kg_per_basis=_num(src, f"{where}.co2_kg_per_basis", d.get("co2_kg_per_basis", 0.0)),
        byproducts_kg_per_basis=fmap("byproducts_kg_per_basis"),
        capex=_capex(src, f"{where}.capex", capex_d), capex_lang=lang,
        max_capacity=_num(src, f"{where}.max_capacity", d["max_capacity"], 0.0)
        if d.get("max_capacity") is not None else None,
        equipment=eq,
        operators=_num(src, f"{where}.operators", d.get("operators", 0.0), 0.0, 1e4),
        requires=frozenset(map(str, d.get("requires") or [])),
        excludes=frozenset(map(str, d.get("excludes") or [])),
        flowsheet=str(d["flowsheet"]) if d.get("flowsheet") else None,
        product_streams={str(k): str(v) for k, v in
                         _map(src, f"{where}.product_streams", d.get("product_streams")).items()},
        byproduct_streams={str(k): str(v) for k, v in
                           _map(src, f"{where}.byproduct_streams",
                                d.get("byproduct_streams")).items()},
        blank=bool(d.get("blank", False)),
    )


def case_from_dict(d: Mapping[str, Any], *, source: str = "<case>",
                   base_dir: Path | None = None) -> Case:
    """Validate a case definition (see module docstring) into a :class:`Case`."""
    src = source
    if not isinstance(d, Mapping):
        raise CaseError("a case must be a mapping", source=src)
    _only(src, "case", d, {"name", "description", "horizon", "costing", "elements", "stages",
                           "feedstocks", "options", "products", "prices", "labour", "mode",
                           "objective", "policy", "sources", "planning"})
    h = _map(src, "horizon", d.get("horizon"))
    _only(src, "horizon", h, {"construction_year", "operating_years", "construction_years"})
    try:
        horizon = Horizon(int(_num(src, "horizon.construction_year",
                                   h.get("construction_year", 2026), 1900, 2200)),
                          int(_num(src, "horizon.operating_years", h.get("operating_years", 10))),
                          int(_num(src, "horizon.construction_years",
                                   h.get("construction_years", 1))))
    except InputError as exc:
        if exc.source:
            raise
        raise _err(src, f"horizon.{exc.field or ''}".rstrip("."), str(exc)) from None
    years = horizon.operating_calendar_years
    c = dict(_map(src, "costing", d.get("costing")))
    conv = str(c.pop("convention", "simple"))
    try:
        if conv == "simple":
            costing: SimpleCosting | QGESSCosting = SimpleCosting(**c)
        elif conv == "qgess":
            if "capex_schedule" in c:
                c["capex_schedule"] = tuple(c["capex_schedule"])
            costing = QGESSCosting(**c)
        else:
            raise _err(src, "costing.convention", f"{conv!r}; allowed: simple, qgess")
    except TypeError as exc:
        raise _err(src, "costing", f"{exc}") from None
    except InputError as exc:
        if exc.source:
            raise
        raise _err(src, "costing", str(exc)) from None
    stages = d.get("stages")
    if not isinstance(stages, list) or not stages:
        raise _err(src, "stages", "a non-empty list of stage names is required")
    stages = [str(s) for s in stages]
    if len(set(stages)) != len(stages):
        raise _err(src, "stages", f"duplicate stage names in {stages}")
    elements = [str(e) for e in (d.get("elements") or ["Nd", "Pr", "Dy", "Tb"])]
    fl = d.get("feedstocks")
    if not isinstance(fl, list) or not fl:
        raise _err(src, "feedstocks", "a non-empty list is required")
    feedstocks = [_feedstock(src, k, f, years, elements) for k, f in enumerate(fl)]
    names = [f.name for f in feedstocks]
    if len(set(names)) != len(names):
        raise _err(src, "feedstocks", f"duplicate feedstock names in {names}")
    ol = d.get("options")
    if not isinstance(ol, list) or not ol:
        raise _err(src, "options", "a non-empty list is required")
    options = [_option(src, k, o, stages) for k, o in enumerate(ol)]
    onames = [o.name for o in options]
    if len(set(onames)) != len(onames):
        raise _err(src, "options", f"duplicate option names in {onames}")
    by_stage = {s: [o.name for o in options if o.stage == s] for s in stages}
    for s, os_ in by_stage.items():
        if not os_:
            raise _err(src, "stages", f"stage {s!r} has no options (add a blank pass-through "
                       "option if it may be skipped)")
    for o in options:
        k = stages.index(o.stage)
        if o.next is not None:
            if k == len(stages) - 1:
                raise _err(src, f"options.{o.name}.next", "an option in the last stage feeds "
                           "nothing")
            for n in o.next:
                if n not in onames:
                    raise _err(src, f"options.{o.name}.next", f"option {n!r} does not exist")
                if n not in by_stage[stages[k + 1]]:
                    raise _err(src, f"options.{o.name}.next", f"option {n!r} is not in the next "
                               f"stage {stages[k + 1]!r}")
    pr = _map(src, "products", d.get("products"))
    if not pr:
        raise _err(src, "products", "at least one product with prices is required")
    products = {}
    for pname, p in pr.items():
        p = _map(src, f"products.{pname}", p)
        _only(src, f"products.{pname}", p, {"price_usd_per_kg", "max_kg_per_yr", "source"})
        prices = _map(src, f"products.{pname}.price_usd_per_kg", p.get("price_usd_per_kg"))
        if not prices:
            raise _err(src, f"products.{pname}.price_usd_per_kg", "missing: a product needs a "
                       "price per kg of each element it contains")
        products[str(pname)] = Product(
            str(pname),
            {str(e): _num(src, f"products.{pname}.price_usd_per_kg.{e}", v) for e, v in
             prices.items()},
            _num(src, f"products.{pname}.max_kg_per_yr", p["max_kg_per_yr"], 0.0)
            if p.get("max_kg_per_yr") is not None else None,
            str(p.get("source", "")),
        )
    for o in options:
        for e, form in o.products.items():
            if form not in products:
                raise _err(src, f"options.{o.name}.products.{e}", f"product {form!r} has no "
                           f"price; products: {sorted(products)}")
            if e not in products[form].price_usd_per_kg:
                raise _err(src, f"products.{form}.price_usd_per_kg", f"no price for element "
                           f"{e!r}, which option {o.name!r} sends to it")
        for s, form in o.product_streams.items():
            if form not in products:
                raise _err(src, f"options.{o.name}.product_streams.{s}", f"product {form!r} "
                           f"has no price; products: {sorted(products)}")
    last = stages[-1]
    for o in options:
        if o.stage == last and not o.products and not o.product_streams:
            raise _err(src, f"options.{o.name}.products", "an option in the last stage must "
                       "say which product each element goes to")
    prices = dict(_map(src, "prices", d.get("prices")))
    _only(src, "prices", prices, {"electricity_usd_per_kwh", "heat_usd_per_kwh",
                                  "grid_co2_kg_per_kwh", "heat_co2_kg_per_kwh", "reagents_usd_per_kg",
                                  "byproducts_usd_per_kg", "source"})
    reagent_prices = {str(k): _num(src, f"prices.reagents_usd_per_kg.{k}", v, 0.0) for k, v in
                      _map(src, "prices.reagents_usd_per_kg",
                           prices.get("reagents_usd_per_kg")).items()}
    by_prices = {str(k): _num(src, f"prices.byproducts_usd_per_kg.{k}", v) for k, v in
                 _map(src, "prices.byproducts_usd_per_kg",
                      prices.get("byproducts_usd_per_kg")).items()}
    for o in options:
        for r in o.reagents_kg_per_basis:
            if r not in reagent_prices:
                raise _err(src, f"options.{o.name}.reagents_kg_per_basis.{r}", "reagent has no "
                           "price in prices.reagents_usd_per_kg")
        for b in list(o.byproducts_kg_per_basis) + list(o.byproduct_streams.values()):
            if b not in by_prices:
                raise _err(src, f"options.{o.name}", f"by-product {b!r} has no price in "
                           "prices.byproducts_usd_per_kg (negative for a disposal cost)")
    lab = _map(src, "labour", d.get("labour"))
    _only(src, "labour", lab, {"usd_per_hour", "hours_per_operator_yr", "source"})
    pol = _map(src, "policy", d.get("policy"))
    _only(src, "policy", pol, {"min_recovered_kg_per_yr", "max_co2_t_per_yr", "recycled_content",
                               "max_feedstock_share", "carbon_price_usd_per_t",
                               "price_floor_usd_per_kg", "credit_usd_per_kg"})
    policy = Policy(
        {str(e): _num(src, f"policy.min_recovered_kg_per_yr.{e}", v, 0.0) for e, v in
         _map(src, "policy.min_recovered_kg_per_yr",
              pol.get("min_recovered_kg_per_yr")).items()},
        _num(src, "policy.max_co2_t_per_yr", pol["max_co2_t_per_yr"], 0.0)
        if pol.get("max_co2_t_per_yr") is not None else None,
        dict(_map(src, "policy.recycled_content", pol.get("recycled_content"))) or None,
        _num(src, "policy.max_feedstock_share", pol["max_feedstock_share"], 0.0, 1.0)
        if pol.get("max_feedstock_share") is not None else None,
        _num(src, "policy.carbon_price_usd_per_t", pol.get("carbon_price_usd_per_t", 0.0), 0.0),
        {str(k): _num(src, f"policy.price_floor_usd_per_kg.{k}", v, 0.0) for k, v in
         _map(src, "policy.price_floor_usd_per_kg", pol.get("price_floor_usd_per_kg")).items()},
        {str(k): _num(src, f"policy.credit_usd_per_kg.{k}", v, 0.0) for k, v in
         _map(src, "policy.credit_usd_per_kg", pol.get("credit_usd_per_kg")).items()},
    )
    if policy.recycled_content:
        rc = policy.recycled_content
        _only(src, "policy.recycled_content", rc, {"elements", "demand_kg_per_yr", "share"})
        _num(src, "policy.recycled_content.share", rc.get("share"), 0.0, 1.0)
        _num(src, "policy.recycled_content.demand_kg_per_yr", rc.get("demand_kg_per_yr"), 0.0)
    for form in list(policy.price_floor_usd_per_kg) + list(policy.credit_usd_per_kg):
        if form not in products:
            raise _err(src, "policy", f"product {form!r} does not exist; products: "
                       f"{sorted(products)}")
    mode = str(d.get("mode", "parallel"))
    if mode not in MODES:
        raise _err(src, "mode", f"{mode!r}; allowed: {list(MODES)}")
    objective = str(d.get("objective", "npv"))
    if objective not in OBJECTIVES:
        raise _err(src, "objective", f"{objective!r}; allowed: {list(OBJECTIVES)}")
    planning = _planning(src, d.get("planning"), years, costing, horizon)
    if planning.mode == "phased" and objective == "annual_profit":
        raise _err(src, "objective", "annual_profit annualises a single plant; with planning: "
                   "phased use npv, recovered_value, recovered_mass or min_co2")
    return Case(
        name=str(d.get("name", "case")), description=str(d.get("description", "")),
        feedstocks=feedstocks, stages=stages, options=options, products=products,
        horizon=horizon, costing=costing, elements=elements,
        electricity_usd_per_kwh=_num(src, "prices.electricity_usd_per_kwh",
                                     prices.get("electricity_usd_per_kwh", 0.0), 0.0),
        heat_usd_per_kwh=_num(src, "prices.heat_usd_per_kwh", prices.get("heat_usd_per_kwh", 0.0),
                              0.0),
        grid_co2_kg_per_kwh=_num(src, "prices.grid_co2_kg_per_kwh",
                                 prices.get("grid_co2_kg_per_kwh", 0.0), 0.0, 5.0),
        heat_co2_kg_per_kwh=_num(src, "prices.heat_co2_kg_per_kwh",
                                 prices.get("heat_co2_kg_per_kwh", 0.0), 0.0, 5.0),
        reagent_prices=reagent_prices, byproduct_prices=by_prices,
        labour_usd_per_hour=_num(src, "labour.usd_per_hour", lab.get("usd_per_hour", 0.0), 0.0),
        hours_per_operator_yr=_num(src, "labour.hours_per_operator_yr",
                                   lab.get("hours_per_operator_yr", 8000.0), 0.0, 8784.0),
        mode=mode, objective=objective, policy=policy, source=src,
        planning=planning,
        sources={str(k): str(v) for k, v in _map(src, "sources", d.get("sources")).items()},
    )


def load_case(path: str | Path | None = None) -> Case:
    """Load a case from a YAML file, or the bundled default (Taiwan) case when ``path`` is None
    or a bundled case name."""
    from importlib import resources

    from ..io import parse_yaml

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
    data = parse_yaml(text, src, CaseError)
    return case_from_dict(data, source=src)
