"""The case file format, declared once.

Every field of a case file is declared here with its type, unit, default, allowed range,
plausible range (with the reason), documentation and source. From these declarations follow:

* validation of types, ranges and unknown keys (pydantic v2, strict: a string is never a
  number or a list), turned into the project's one-line errors by :mod:`recyclopt.io.input_errors`;
* the defaults the typed case objects (:mod:`recyclopt.optimize.case`) use;
* the JSON Schema (:func:`case_json_schema`) and the Markdown table of fields
  (:func:`recyclopt.schema_docs.fields_markdown`).

Checks that need more than one field (contradictory keys, names checked against their
registries, plausibility) are in :mod:`recyclopt.optimize.case_checks`.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

OBJECTIVES = ("npv", "annual_profit", "recovered_value", "recovered_mass", "min_co2")
MODES = ("parallel", "single_path")
DEFAULT_ELEMENTS = ("Nd", "Pr", "Dy", "Tb")

#: JSON Schema ``$id`` of the case format (the editor modeline points at the shipped file).
CASE_SCHEMA_ID = "https://recyclopt.invalid/schemas/case.schema.json"


#: Option fields a ``blank`` (cost-free pass-through) option may not set.
BLANK_REFUSES = ("capex", "opex_usd_per_basis", "opex_usd_per_yr",
                 "kwh_per_basis", "heat_kwh_per_basis", "reagents_kg_per_basis",
                 "co2_kg_per_basis", "byproducts_kg_per_basis", "equipment", "operators",
                 "flowsheet", "yields", "default_yield", "mass_yield", "max_capacity",
                 "product_streams", "byproduct_streams")
#: Feedstock keys that ``availability_table`` replaces.
TABLE_REPLACES = ("availability_units", "collection_rate", "growth_per_yr")


#: The 118 element symbols of the IUPAC periodic table in atomic-number order (the symbols of
#: ``chemicals.elements.periodic_table``, checked in the tests; written out so that checking a
#: case's element names does not import chemicals, ~0.08 s of ``recyclopt optimize``)
ELEMENT_SYMBOLS = tuple((
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge "
    "As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm "
    "Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U "
    "Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og").split())


@functools.cache
def element_symbols() -> frozenset[str]:
    """Chemical element symbols (:data:`ELEMENT_SYMBOLS`)."""
    return frozenset(ELEMENT_SYMBOLS)


@functools.cache
def availability_tables() -> tuple[str, ...]:
    """Names of the bundled ``<name>_availability.csv`` tables."""
    from importlib import resources

    return tuple(sorted(f.name[:-len("_availability.csv")]
                        for f in resources.files("recyclopt.data").iterdir()
                        if f.name.endswith("_availability.csv")))


def F(default: Any = ..., *, doc: str, unit: str = "", source: str = "",
      ge: float | None = None, gt: float | None = None, le: float | None = None,
      lt: float | None = None, plausible: tuple[float, float] | None = None, why: str = "",
      schema: dict[str, Any] | None = None, **kw: Any) -> Any:
    """A declared field: pydantic ``Field`` plus unit, source and plausible range.

    ``plausible`` is a range outside which a value is refused unless the case lists the field
    in ``allow_implausible``; ``why`` says why the range is what it is. ``schema``: JSON
    Schema keywords for bounds that another layer checks (e.g. the economics classes)."""
    extra: dict[str, Any] = dict(schema or {})
    if unit:
        extra["unit"] = unit
    if source:
        extra["source"] = source
    if plausible is not None:
        extra["plausible"] = list(plausible)
        extra["plausible_why"] = why
    return Field(default, description=doc, ge=ge, gt=gt, le=le, lt=lt,
                 json_schema_extra=extra or None, **kw)


class Spec(BaseModel):
    """Base of every declared mapping: strict types, unknown keys refused, no NaN/inf."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False,
                              validate_default=False, frozen=True)


NonNeg = Annotated[float, Field(ge=0.0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


def _series_check(lo: float | None, hi: float | None):
    """Validator of a number, or a mapping year -> number, each within ``[lo, hi]``; None
    passes (the field is optional)."""

    def num(x: Any, sub: Any = None) -> float:
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise PydanticCustomError("case", "{got} is not a number",
                                      {"got": repr(x), "sub": sub})
        x = float(x)
        if x != x or x in (float("inf"), float("-inf")):
            raise PydanticCustomError("case", "{got} is not a finite number (NaN/inf not "
                                      "allowed)", {"got": repr(x), "sub": sub})
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            raise PydanticCustomError("case", "{got} is outside the allowed range {range}",
                                      {"got": f"{x:g}", "sub": sub, "range": _range(lo, hi)})
        return x

    def check(v: Any) -> float | dict[int, float] | None:
        if v is None:
            return None
        if isinstance(v, dict):
            out = {}
            for y, x in v.items():
                if isinstance(y, str) and len(y) == 4 and y.isdigit():
                    y = int(y)  # JSON keys are strings (the JSON Schema allows "2030")
                if isinstance(y, bool) or not isinstance(y, int):
                    raise PydanticCustomError("case", "year {got} is not a year (write "
                                              "2030: value)", {"got": repr(y)})
                out[y] = num(x, y)
            return out
        return num(v)

    return check


def _series_schema(lo: float | None, hi: float | None, what: str) -> dict[str, Any]:
    bounds = {**({"minimum": lo} if lo is not None else {}),
              **({"maximum": hi} if hi is not None else {})}
    return {"description": what, "oneOf": [
        {"type": "number", **bounds},
        {"type": "object", "propertyNames": {"pattern": "^[0-9]{4}$"},
         "additionalProperties": {"type": "number", **bounds}}]}


Availability = Annotated[Any, PlainValidator(_series_check(0.0, None)),
                         WithJsonSchema(_series_schema(0.0, None, "units per year: a number "
                                                       "or a mapping year -> units"))]


def _range(lo: float | None, hi: float | None, lo_open: bool = False,
           hi_open: bool = False) -> str:
    return (f"{'(' if lo_open else '['}{'-inf' if lo is None else f'{lo:g}'}, "
            f"{'inf' if hi is None else f'{hi:g}'}{')' if hi_open else ']'}")


def _supply(v: Any) -> str | dict[str, Any]:
    if v in ("optional", "all"):
        return v
    if isinstance(v, dict):
        if set(v) != {"min_share"}:
            extra = sorted(set(map(str, v)) - {"min_share"})
            raise PydanticCustomError("case", "unknown key {got}; allowed: min_share",
                                      {"got": repr(extra[0]) if extra else "'min_share' "
                                       "missing"})
        try:
            return {"min_share": _series_check(0.0, 1.0)(v["min_share"])}
        except PydanticCustomError as exc:  # name the sub-key the value sits under
            raise PydanticCustomError("case", "min_share: {msg}", {"msg": exc.message()}
                                      ) from None
    raise PydanticCustomError("case", "{got} is not a supply rule; allowed: {allowed}",
                              {"got": repr(v), "allowed": "optional, all, {min_share: share}"})


SupplyRule = Annotated[Any, PlainValidator(_supply), WithJsonSchema({
    "description": "optional (availability is a ceiling), all (every collected unit is "
    "processed) or {min_share: share or {year: share}}",
    "oneOf": [{"enum": ["optional", "all"]},
              {"type": "object", "additionalProperties": False, "required": ["min_share"],
               "properties": {"min_share": {"oneOf": [
                   {"type": "number", "minimum": 0, "maximum": 1},
                   {"type": "object", "additionalProperties": {
                       "type": "number", "minimum": 0, "maximum": 1}}]}}}]})]

#: Plausible magnet mass of one feedstock per year, kg: the check is on mass, so a feedstock
#: counted in grams or in items gives the same verdict.
MAX_MAGNET_KG_PER_YR = 1e9
MAGNET_WHY = ("5x the world's yearly NdFeB magnet production (~2e8 kg, 2023); per-unit "
              "availability times magnet_kg_per_unit")
_BIG_PRICE = "25x the highest rare-earth price on record (Tb oxide ~4,000 USD/kg, 2022)"
_BIG_CAPEX = "above the largest rare-earth processing investments (~1e10 USD)"


# --------------------------------------------------------------------------- components
class HorizonSpec(Spec):
    """Construction start and the length of construction and operation."""

    construction_year: int = F(2026, doc="year construction starts", unit="year",
                               ge=1900, le=2200)
    operating_years: int = F(10, doc="number of operating years (checked by Horizon)",
                             unit="yr", schema={"minimum": 1})
    construction_years: int = F(1, doc="years of construction before operation (checked by "
                                "Horizon)", unit="yr", schema={"minimum": 0})


class CostingSpec(Spec):
    """Costing convention; the remaining keys are the convention's own parameters (see
    :mod:`recyclopt.economics.conventions`, whose defaults and sources apply)."""

    model_config = ConfigDict(extra="allow")
    convention: Literal["simple", "qgess"] = F("simple", doc="costing convention: simple "
                                               "(capex at start, no tax) or qgess (NETL QGESS)")


class EquipmentSpec(Spec):
    """Discrete equipment: an integer number of units sized for the peak year."""

    capacity_per_unit: float = F(doc="throughput of one unit, in the option's basis per year",
                                 unit="basis/yr", gt=0.0, plausible=(0.0, 1e10),
                                 why="a single machine handling over 1e10 items or kg a year")
    cost_usd: float = F(0.0, doc="purchase cost of one unit", unit="USD", ge=0.0,
                        plausible=(0.0, 1e9), why="one machine costing over 1e9 USD")
    yearly_cost_usd: float = F(0.0, doc="yearly cost of one unit", unit="USD/yr", ge=0.0,
                               plausible=(0.0, 1e8), why="one machine costing 1e8 USD a year")
    operators_per_unit: float = F(0.0, doc="operators per unit", unit="person", ge=0.0,
                                  le=1e3)
    max_units: int | None = F(None, doc="most units that may be bought", ge=0)
    source: str = F("", doc="where the figures come from")


Point = Annotated[list[NonNeg], Field(min_length=2, max_length=2)]


class CapexSpec(Spec):
    """A capex curve: explicit points, or a scaling law cost = ref_cost (cap/ref_cap)^exponent."""

    points: list[Point] | None = F(None, doc="[capacity, cost_usd] points of the capex curve",
                                   min_length=2)
    ref_cost_usd: float | None = F(None, doc="scaling law: cost at the reference capacity",
                                   unit="USD", gt=0.0, plausible=(0.0, 1e11), why=_BIG_CAPEX)
    ref_capacity: float | None = F(None, doc="scaling law: reference capacity",
                                   unit="basis/yr", gt=0.0)
    exponent: float | None = F(None, doc="scaling law: cost = ref_cost (cap/ref_cap)^exponent",
                               gt=0.0, le=2.0, source="six-tenths rule: 0.6 typical")
    min_capacity: float | None = F(None, doc="scaling law: smallest buildable capacity",
                                   unit="basis/yr", gt=0.0)
    max_capacity: float | None = F(None, doc="scaling law: largest buildable capacity",
                                   unit="basis/yr", gt=0.0)
    n_points: int = F(6, doc="breakpoints of the piecewise-linear curve", ge=2, le=50)
    lang: bool = F(True, doc="apply the costing convention's Lang factor to this capex")
    source: str = F("", doc="where the curve comes from")


#: Placeholder for "a chemical element symbol" in field schemas; case_json_schema() points it
#: at $defs/ElementSymbol (the periodic table is read only when the schema is generated).
_ELEMENT = {"x-recyclopt": "element"}


_CATALOGUE = {"x-recyclopt": "catalogue"}
_TABLE = {"x-recyclopt": "table"}
_DEFS = {"element": "ElementSymbol", "catalogue": "CatalogueFeedstock",
         "table": "AvailabilityTable"}


def _resolve_elements(node: Any) -> Any:
    """Replace the registry placeholders by references to their ``$defs``."""
    if isinstance(node, dict) and set(node) == {"x-recyclopt"}:
        return {"$ref": f"#/$defs/{_DEFS[node['x-recyclopt']]}"}
    if isinstance(node, dict):
        return {k: _resolve_elements(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_elements(v) for v in node]
    return node


def _not_any(keys: tuple[str, ...]) -> dict[str, Any]:
    return {"not": {"anyOf": [{"required": [k]} for k in keys]}}


class StockpileSpec(Spec):
    """A feedstock's store: collected units kept for a later year."""

    cap_units: float = F(doc="most units in store at any year end", unit="feedstock unit",
                         gt=0.0)
    holding_usd_per_unit_yr: float = F(0.0, doc="cost of keeping one unit in store a year",
                                       unit="USD/unit/yr", ge=0.0)
    source: str = F("", doc="where the cap and cost come from")


class FeedstockSpec(Spec):
    """An end-of-life feedstock: composition, availability, price and tags."""

    model_config = ConfigDict(json_schema_extra={"dependentSchemas": {
        "availability_table": _not_any(TABLE_REPLACES),
        "catalogue": _not_any(("content_kg_per_unit",))}})

    name: str = F(doc="feedstock name (unique)", min_length=1)
    unit: str = F("unit", doc="what one unit is (hard disk drive, traction motor, kg ...)")
    content_kg_per_unit: dict[str, NonNeg] | None = F(
        None, doc="element -> kg per unit; or name a catalogue entry", unit="kg/unit",
        schema={"propertyNames": _ELEMENT})
    magnet_kg_per_unit: float | None = F(None, doc="magnet mass per unit (default: the "
                                         "catalogue's, or the sum of the content)",
                                         unit="kg/unit", gt=0.0, plausible=(0.0, 1e4),
                                         why="10 t of magnet in one item: above a 10 MW "
                                         "direct-drive wind generator (~6 t)")
    catalogue: str | None = F(None, doc="bundled feedstock id (recyclopt/data/feedstocks.csv) "
                              "giving the composition", source="recyclopt/data/feedstocks.csv",
                              schema={"anyOf": [_CATALOGUE, {"type": "null"}]})
    cost_usd_per_unit: float = F(0.0, doc="purchase price (negative: a gate fee received)",
                                 unit="USD/unit", plausible=(-1e5, 1e5),
                                 why="over 100,000 USD per end-of-life item")
    availability_units: Availability = F(
        None, doc="units available per year before the collection rate (plausible: at most "
        f"{MAX_MAGNET_KG_PER_YR:g} kg of magnet a year, {MAGNET_WHY})", unit="unit/yr")
    availability_table: str | None = F(None, doc="bundled table <name>_availability.csv "
                                       "(units x collection rate per year)",
                                       source="recyclopt/data/*_availability.csv",
                                       schema={"anyOf": [_TABLE, {"type": "null"}]})
    collection_rate: float = F(1.0, doc="share of the units collected", ge=0.0, le=1.0)
    growth_per_yr: float = F(0.0, doc="yearly growth of a constant availability", ge=-0.5,
                             le=1.0)
    tags: list[str] = F([], doc="properties for option compatibility (requires/excludes)")
    supply: SupplyRule = F("optional", doc="optional (a ceiling), all (every collected unit "
                           "processed) or {min_share: share or {year: share}}")
    stockpile: StockpileSpec | None = F(None, doc="a store for collected units "
                                        "processed in a later year")
    source: str = F("", doc="where the figures come from")


class OptionSpec(Spec):
    """A process option in a stage: yields, costs, capacity and compatibility."""

    model_config = ConfigDict(json_schema_extra={
        "dependentSchemas": {"flowsheet": _not_any(("yields",))},
        "if": {"properties": {"blank": {"const": True}}, "required": ["blank"]},
        "then": _not_any(BLANK_REFUSES)})

    name: str = F(doc="option name (unique)", min_length=1)
    stage: str = F(doc="stage the option belongs to (one of stages)")
    next: list[str] | None = F(None, doc="options of the next stage this one may feed "
                               "(default: all)", schema={"minItems": 1})
    basis: Literal["kg", "units"] = F("kg", doc="capacity basis: kg of magnet, or units "
                                      "(first stage only)")
    yields: dict[str, Fraction] = F({}, doc="element -> fraction passed on",
                                    schema={"propertyNames": _ELEMENT})
    default_yield: float = F(1.0, doc="yield of elements not in yields", ge=0.0, le=1.0)
    mass_yield: float = F(1.0, doc="magnet mass passed on per mass entering", ge=0.0, le=10.0)
    products: dict[str, str] = F({}, doc="element -> product it is sold as (last stage)")
    opex_usd_per_basis: float = F(0.0, doc="variable opex", unit="USD/basis",
                                  plausible=(0.0, 1e4), why="negative opex is a by-product "
                                  "credit (use byproducts_kg_per_basis); over 10,000 USD per "
                                  "kg or item processed")
    opex_usd_per_yr: float = F(0.0, doc="fixed opex of a built option", unit="USD/yr",
                               ge=0.0, plausible=(0.0, 1e9), why="1e9 USD a year of fixed cost")
    kwh_per_basis: float = F(0.0, doc="electricity", unit="kWh/basis", ge=0.0,
                             plausible=(0.0, 1e4), why="10 MWh per kg: 100x electrowinning")
    heat_kwh_per_basis: float = F(0.0, doc="heat", unit="kWh/basis", ge=0.0,
                                  plausible=(0.0, 1e4), why="as kwh_per_basis")
    reagents_kg_per_basis: dict[str, NonNeg] = F({}, doc="reagent species -> kg",
                                                 unit="kg/basis")
    co2_kg_per_basis: float = F(0.0, doc="direct CO2", unit="kg/basis")
    byproducts_kg_per_basis: dict[str, NonNeg] = F({}, doc="by-product -> kg",
                                                   unit="kg/basis")
    capex: CapexSpec | None = F(None, doc="capex curve: points or a scaling law")
    max_capacity: float | None = F(None, doc="largest capacity", unit="basis/yr", ge=0.0,
                                   plausible=(0.0, 1e12), why="1e12 kg/yr is 1,000x world "
                                   "steel output per plant")
    equipment: EquipmentSpec | None = F(None, doc="discrete equipment sized for the peak year")
    operators: float = F(0.0, doc="operators of a built option", unit="person", ge=0.0,
                         le=1e4)
    requires: list[str] = F([], doc="feedstock tags the option needs (all of them)")
    excludes: list[str] = F([], doc="feedstock tags the option refuses")
    flowsheet: str | None = F(None, doc="flowsheet (bundled name or file) whose linearisation "
                              "gives yields, energy and reagents per feedstock")
    product_streams: dict[str, str] = F({}, doc="flowsheet product stream -> product")
    byproduct_streams: dict[str, str] = F({}, doc="flowsheet stream -> by-product")
    blank: bool = F(False, doc="a pass-through with no cost (lets a stage be skipped)")
    source: str = F("", doc="where the figures come from")
    description: str = F("", doc="free text")


class ProductSpec(Spec):
    """A product sold: price per kg of each element it contains."""

    price_usd_per_kg: dict[str, NonNeg] = F(doc="element -> price per kg of element contained",
                                            unit="USD/kg", min_length=1,
                                            schema={"propertyNames": _ELEMENT},
                                            plausible=(0.0, 1e5), why=_BIG_PRICE)
    max_kg_per_yr: float | None = F(None, doc="market size", unit="kg/yr", ge=0.0)
    source: str = F("", doc="where the prices come from")


class PricesSpec(Spec):
    """Utility, reagent and by-product prices and emission factors."""

    electricity_usd_per_kwh: float = F(0.0, doc="electricity price", unit="USD/kWh", ge=0.0,
                                       plausible=(0.0, 5.0), why="10x the dearest retail "
                                       "electricity (~0.5 USD/kWh)")
    heat_usd_per_kwh: float = F(0.0, doc="heat price", unit="USD/kWh", ge=0.0,
                                plausible=(0.0, 5.0), why="as electricity")
    grid_co2_kg_per_kwh: float = F(0.0, doc="grid emission factor", unit="kg CO2/kWh",
                                   ge=0.0, le=5.0)
    heat_co2_kg_per_kwh: float = F(0.0, doc="heat emission factor", unit="kg CO2/kWh",
                                   ge=0.0, le=5.0)
    reagents_usd_per_kg: dict[str, NonNeg] = F({}, doc="reagent species -> price",
                                               unit="USD/kg", plausible=(0.0, 1e5),
                                               why=_BIG_PRICE)
    byproducts_usd_per_kg: dict[str, float] = F({}, doc="by-product -> price (negative: a "
                                                "disposal cost)", unit="USD/kg",
                                                plausible=(-1e4, 1e4),
                                                why="disposal or sale above 10,000 USD/kg")
    byproducts_book_as: dict[str, Literal["revenue", "negative_cost"]] = F(
        {}, doc="by-product -> revenue or negative_cost (default: the costing convention's "
        "rule for a positive price, negative_cost for a disposal cost)")
    source: str = F("", doc="where the prices come from")


class LabourSpec(Spec):
    """Wage and paid hours of an operator position."""

    usd_per_hour: float = F(0.0, doc="loaded wage", unit="USD/h", ge=0.0,
                            plausible=(0.0, 1000.0), why="10x the highest industrial wages")
    hours_per_operator_yr: float = F(8000.0, doc="paid hours per operator position",
                                     unit="h/yr", ge=0.0, le=8784.0)
    source: str = F("", doc="where the wage comes from")


class RecycledContentSpec(Spec):
    """A recycled-content quota on a demand."""

    elements: list[str] = F(doc="elements the quota counts")
    demand_kg_per_yr: float = F(doc="demand the share applies to", unit="kg/yr", ge=0.0)
    share: float = F(doc="recycled share of the demand", ge=0.0, le=1.0)


class PolicySpec(Spec):
    """Obligations, caps and incentives."""

    min_recovered_kg_per_yr: dict[str, NonNeg] = F({}, doc="element -> minimum recovered",
                                                   unit="kg/yr")
    max_co2_t_per_yr: float | None = F(None, doc="emission cap", unit="t CO2/yr", ge=0.0)
    recycled_content: RecycledContentSpec | None = F(None, doc="recycled-content quota")
    max_feedstock_share: float | None = F(None, doc="largest share of one feedstock",
                                          ge=0.0, le=1.0)
    carbon_price_usd_per_t: float = F(0.0, doc="carbon price", unit="USD/t CO2", ge=0.0,
                                      plausible=(0.0, 1e4), why="40x the EU ETS peak")
    price_floor_usd_per_kg: dict[str, NonNeg] = F({}, doc="product -> guaranteed price",
                                                  unit="USD/kg")
    credit_usd_per_kg: dict[str, NonNeg] = F({}, doc="product -> production credit",
                                             unit="USD/kg")


class PlanningSpec(Spec):
    """When capacity may be built (``recyclopt.optimize.phased``)."""

    mode: Literal["single_build", "phased"] = F("single_build", doc="single_build (every "
                                                "option sized once, online from the first "
                                                "operating year) or phased (capacity blocks "
                                                "online in any build year)")
    build_years: list[int] | None = F(None, doc="operating years a block may come online "
                                      "(default: every every_years-th operating year)",
                                      min_length=1)
    every_years: int | None = F(None, doc="a build year every N operating years from the "
                                "first (default 1)", ge=1)
    max_expansions: int | None = F(None, doc="blocks per option after its first (default: "
                                   "one per build year)", ge=0)
    idle: bool = F(True, doc="an option may stand idle in a year (no flow, fixed opex or "
                   "operators)")


class CaseSpec(Spec):
    """A plant-optimisation case file."""

    model_config = ConfigDict(json_schema_extra={"$id": CASE_SCHEMA_ID,
                                                 "title": "recyclopt case"})
    name: str = F("case", doc="case name")
    description: str = F("", doc="free text")
    horizon: HorizonSpec = F(HorizonSpec(), doc="construction and operating years")
    costing: CostingSpec = F(CostingSpec(), doc="costing convention and its parameters")
    elements: list[str] = F(list(DEFAULT_ELEMENTS), doc="elements tracked and sold",
                            min_length=1, schema={"items": _ELEMENT})
    stages: list[str] = F(doc="process stages in order", min_length=1)
    feedstocks: list[FeedstockSpec] = F(doc="end-of-life feedstocks", min_length=1)
    options: list[OptionSpec] = F(doc="process options, each in a stage", min_length=1)
    products: dict[str, ProductSpec] = F(doc="products and their prices", min_length=1)
    prices: PricesSpec = F(PricesSpec(), doc="utility, reagent and by-product prices")
    labour: LabourSpec = F(LabourSpec(), doc="wage and hours")
    mode: Literal["parallel", "single_path"] = F("parallel", doc="parallel routes or one path")
    objective: Literal["npv", "annual_profit", "recovered_value", "recovered_mass",
                       "min_co2"] = F("npv", doc="what the optimizer maximises/minimises")
    policy: PolicySpec = F(PolicySpec(), doc="obligations, caps and incentives")
    planning: PlanningSpec = F(PlanningSpec(), doc="when capacity may be built")
    sources: dict[str, str] = F({}, doc="named sources cited by the case")
    capex_max_error: float | None = F(None, doc="refine power-law capex curves until their "
                                      "chords stay within this relative error", gt=0.0,
                                      le=0.5)
    allow_implausible: list[str] = F([], doc="dotted field paths (* matches a name) whose "
                                     "plausibility range is waived")


def default_of(spec: type[Spec], name: str) -> Any:
    """The declared default of ``spec.name`` (the one place defaults are stated)."""
    return spec.model_fields[name].get_default(call_default_factory=True)


def case_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the case file format."""
    schema = _resolve_elements(CaseSpec.model_json_schema(mode="validation"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$defs"]["ElementSymbol"] = {"description": "chemical element symbol",
                                        "enum": sorted(element_symbols())}
    from ..feedstock import names as catalogue_names

    schema["$defs"]["CatalogueFeedstock"] = {"description": "bundled catalogue feedstock",
                                             "enum": catalogue_names()}
    schema["$defs"]["AvailabilityTable"] = {"description": "bundled availability table",
                                            "enum": list(availability_tables())}
    schema["$defs"]["CostingSpec"] = costing_json_schema()
    return schema


def costing_json_schema() -> dict[str, Any]:
    """The costing mapping: ``convention`` and that convention's own parameters (from the
    economics dataclasses, whose defaults and sources apply)."""
    import dataclasses

    from ..economics import QGESSCosting, SimpleCosting

    def one(name: str, cls: type) -> dict[str, Any]:
        props: dict[str, Any] = {"convention": {"const": name}}
        for f in dataclasses.fields(cls):
            if f.name == "capex_schedule":
                props[f.name] = {"type": "array", "items": {"type": "number"}}
            elif f.name == "escalation_reference":
                props[f.name] = {"enum": ["production_start", "construction_start"]}
            else:
                props[f.name] = {"type": "number", "default": f.default}
            if f.name in getattr(cls, "SOURCES", {}):
                props[f.name]["description"] = cls.SOURCES[f.name]
        req = [] if name == "simple" else ["convention"]
        return {"type": "object", "additionalProperties": False, "properties": props,
                "required": req}

    return {"description": CostingSpec.__doc__.split("\n")[0], "type": "object",
            "oneOf": [one("simple", SimpleCosting), one("qgess", QGESSCosting)]}
