"""Checks of a case that its schema alone cannot make, run before any model is built.

* names against their registries, wherever they appear: stages, options (``next``), products,
  elements (periodic table, and the case's tracked ``elements``), feedstock tags, reagents and
  by-products (the price tables), catalogue entries and availability tables;
* keys that contradict each other (a table next to the values it replaces; a composition next
  to a catalogue entry; yields next to a flowsheet; ``blank`` next to any cost or yield);
* plausibility: fields declared with a ``plausible`` range (:mod:`.case_schema`) outside it,
  unless the case lists the field in ``allow_implausible``.

Each check raises the one-line error of :class:`recyclopt.io.input_errors.Where`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from ..io.input_errors import Where, allowed_text, suggest
from .case_schema import (
    BLANK_REFUSES,
    MAGNET_WHY,
    MAX_MAGNET_KG_PER_YR,
    TABLE_REPLACES,
    CaseSpec,
    FeedstockSpec,
    OptionSpec,
    availability_tables,
    element_symbols,
)


def known(where: Where, path: Sequence[Any], name: Any, registry: Iterable[Any],
          what: str, verb: str = "does not exist", *, listed: bool = True) -> None:
    """Refuse ``name`` when it is not in ``registry``: ``<what> <name> <verb>; allowed: ...;
    did you mean ...?`` (without the list when ``listed`` is false)."""
    reg = list(registry)
    if name not in reg:
        allowed = f"; {allowed_text(reg)}" if listed else ""
        raise where.fail(path, f"{what} {name!r} {verb}{allowed}{suggest(name, reg)}")


def chemical_element(where: Where, path: Sequence[Any], name: Any) -> None:
    """Refuse a name that is not a chemical element symbol (``Ndd``, ``nd``)."""
    known(where, path, name, element_symbols(), "element", "is not a chemical element symbol",
          listed=False)


def check_case(spec: CaseSpec, where: Where) -> None:
    """Every cross-field and registry check of a validated case spec (see module doc)."""
    check_unique(spec, where)
    check_elements(spec, where)
    for k, f in enumerate(spec.feedstocks):
        check_feedstock(f, ("feedstocks", k), where)
    tags = {t for f in spec.feedstocks for t in f.tags}
    for k, o in enumerate(spec.options):
        check_option(spec, o, ("options", k), tags, where)
    check_graph(spec, where)
    check_policy(spec, where)
    for b in spec.prices.byproducts_book_as:
        known(where, ("prices", "byproducts_book_as", b), b, spec.prices.byproducts_usd_per_kg,
              "by-product", "has no price in prices.byproducts_usd_per_kg")
    check_plausible(spec, where)


def check_unique(spec: CaseSpec, where: Where) -> None:
    """Stage, feedstock and option names are unique."""
    for key, names in (("stages", spec.stages), ("feedstocks", [f.name for f in spec.feedstocks]),
                       ("options", [o.name for o in spec.options])):
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                raise where.fail((key, i), f"duplicate name {n!r}; names must be unique")
            seen.add(n)


def check_elements(spec: CaseSpec, where: Where) -> None:
    """Tracked elements and product price keys are chemical elements."""
    for i, e in enumerate(spec.elements):
        chemical_element(where, ("elements", i), e)
    for p, prod in spec.products.items():
        for e in prod.price_usd_per_kg:
            chemical_element(where, ("products", p, "price_usd_per_kg", e), e)


def check_feedstock(f: FeedstockSpec, path: tuple, where: Where) -> None:
    """Availability given exactly one way; composition from the catalogue or written out."""
    given = f.model_fields_set
    if f.availability_table is not None:
        for k in TABLE_REPLACES:
            if k in given:
                raise where.fail((*path, k), f"contradicts availability_table "
                                 f"{f.availability_table!r}, which gives units x collection "
                                 "rate per year; remove one of them")
        known(where, (*path, "availability_table"), f.availability_table,
              availability_tables(), "availability table")
    elif f.availability_units is None:
        raise where.fail((*path, "availability_units"), "missing (units per year, a number or "
                         "a mapping year -> units; or an availability_table)")
    if f.catalogue is not None:
        if f.content_kg_per_unit is not None:
            raise where.fail((*path, "content_kg_per_unit"), f"contradicts catalogue "
                             f"{f.catalogue!r}, which gives the composition; remove one")
        from ..feedstock import names as catalogue_names

        known(where, (*path, "catalogue"), f.catalogue, catalogue_names(), "catalogue feedstock")
    elif not f.content_kg_per_unit:
        raise where.fail((*path, "content_kg_per_unit"), "missing (element -> kg per unit), "
                         "or name a 'catalogue' feedstock")
    for e in f.content_kg_per_unit or {}:
        chemical_element(where, (*path, "content_kg_per_unit", e), e)


def check_option(spec: CaseSpec, o: OptionSpec, path: tuple, tags: set[str],
                 where: Where) -> None:
    """An option's names against their registries; blank and flowsheet conflicts."""
    known(where, (*path, "stage"), o.stage, spec.stages, "stage")
    if o.basis == "units" and o.stage != spec.stages[0]:
        raise where.fail((*path, "basis"), "'units' (end-of-life items) is only allowed in "
                         f"the first stage {spec.stages[0]!r}")
    if o.blank:
        for k in BLANK_REFUSES:
            if k in o.model_fields_set:
                raise where.fail((*path, k), "a blank option is a pass-through with no cost "
                                 "and no loss; remove this key or 'blank: true'")
    if o.flowsheet is not None and "yields" in o.model_fields_set:
        raise where.fail((*path, "yields"), f"contradicts flowsheet {o.flowsheet!r}, which "
                         "gives the yields per feedstock; remove one")
    for e in o.yields:
        chemical_element(where, (*path, "yields", e), e)
    for e, form in o.products.items():
        known(where, (*path, "products", e), e, spec.elements, "element", "is not in elements")
        known(where, (*path, "products", e), form, spec.products, "product",
              "has no price (not in products)")
        if e not in spec.products[form].price_usd_per_kg:
            raise where.fail((*path, "products", e), f"product {form!r} has no price for "
                             f"{e}; add products.{form}.price_usd_per_kg.{e}")
    for s, form in o.product_streams.items():
        known(where, (*path, "product_streams", s), form, spec.products, "product",
              "has no price (not in products)")
    for key in ("requires", "excludes"):
        for i, t in enumerate(getattr(o, key)):
            known(where, (*path, key, i), t, sorted(tags), "tag", "is on no feedstock")
    for r in o.reagents_kg_per_basis:
        known(where, (*path, "reagents_kg_per_basis", r), r, spec.prices.reagents_usd_per_kg,
              "reagent", "has no price in prices.reagents_usd_per_kg")
    for b in o.byproducts_kg_per_basis:
        known(where, (*path, "byproducts_kg_per_basis", b), b,
              spec.prices.byproducts_usd_per_kg, "by-product", "has no price in "
              "prices.byproducts_usd_per_kg (negative for a disposal cost)")
    for s, b in o.byproduct_streams.items():
        known(where, (*path, "byproduct_streams", s), b, spec.prices.byproducts_usd_per_kg,
              "by-product", "has no price in prices.byproducts_usd_per_kg (negative for a "
              "disposal cost)")


def check_graph(spec: CaseSpec, where: Where) -> None:
    """Every stage has options; ``next`` names options of the next stage; the last stage
    sells."""
    names = [o.name for o in spec.options]
    for s in spec.stages:
        if not any(o.stage == s for o in spec.options):
            raise where.fail(("stages", spec.stages.index(s)), f"stage {s!r} has no options "
                             "(add a blank pass-through option if it may be skipped)")
    last = len(spec.stages) - 1
    for k, o in enumerate(spec.options):
        i = spec.stages.index(o.stage)
        if o.next is not None:
            if not o.next:
                raise where.fail(("options", k, "next"), "an empty list feeds nothing and "
                                 "closes every path through this option; omit 'next' to "
                                 "feed every option of the next stage")
            if i == last:
                raise where.fail(("options", k, "next"), "an option in the last stage feeds "
                                 "nothing")
            nxt = [p.name for p in spec.options if p.stage == spec.stages[i + 1]]
            for j, n in enumerate(o.next):
                known(where, ("options", k, "next", j), n, names, "option")
                if n not in nxt:
                    raise where.fail(("options", k, "next", j), f"option {n!r} is not in the "
                                     f"next stage {spec.stages[i + 1]!r}; {allowed_text(nxt)}")
        if i == last and not o.products and not o.product_streams:
            raise where.fail(("options", k, "products"), "an option in the last stage must "
                             "say which product each element goes to")


def check_policy(spec: CaseSpec, where: Where) -> None:
    """Policy names: tracked elements and existing products."""
    pol = spec.policy
    for e in pol.min_recovered_kg_per_yr:
        known(where, ("policy", "min_recovered_kg_per_yr", e), e, spec.elements, "element",
              "is not in elements")
    if pol.recycled_content is not None:
        for i, e in enumerate(pol.recycled_content.elements):
            known(where, ("policy", "recycled_content", "elements", i), e, spec.elements,
                  "element", "is not in elements")
    for key in ("price_floor_usd_per_kg", "credit_usd_per_kg"):
        for p in getattr(pol, key):
            known(where, ("policy", key, p), p, spec.products, "product")


# --------------------------------------------------------------------------- plausibility
def _values(v: Any, path: tuple) -> Iterable[tuple[tuple, float]]:
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _values(x, (*path, k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _values(x, (*path, i))
    elif isinstance(v, int | float) and not isinstance(v, bool):
        yield path, float(v)


def _walk(m: BaseModel, path: tuple) -> Iterable[tuple[tuple, Any, dict[str, Any]]]:
    """(path, value, schema extra) of every declared field with a plausible range."""
    for name, info in type(m).model_fields.items():
        v = getattr(m, name)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "plausible" in extra and v is not None:
            yield (*path, name), v, extra
        if isinstance(v, BaseModel):
            yield from _walk(v, (*path, name))
        elif isinstance(v, list | dict):
            items = v.items() if isinstance(v, dict) else enumerate(v)
            for k, x in items:
                if isinstance(x, BaseModel):
                    yield from _walk(x, (*path, name, k))


def waived(where: Where, waivers: Iterable[str], *paths: Sequence[Any]) -> bool:
    """True when a dotted form of one of ``paths`` matches an ``allow_implausible`` entry."""
    names = {where.dotted(p) for p in paths}
    return any(fnmatch.fnmatchcase(n, w) for n in names for w in waivers)


def check_magnet_supply(spec: CaseSpec, k: int, units: Any, magnet_kg: float,
                        where: Where) -> None:
    """A feedstock's peak magnet mass per year (units x magnet_kg_per_unit) is plausible."""
    path = ("feedstocks", k, "availability_units")
    peak_year = max(units.index, key=lambda y: units[y])
    kg = float(units[peak_year]) * magnet_kg
    if kg > MAX_MAGNET_KG_PER_YR and not waived(where, spec.allow_implausible, path):
        raise where.fail(path, f"{float(units[peak_year]):g} units x {magnet_kg:g} kg = "
                         f"{kg:g} kg of magnet in {peak_year} is implausible; plausible "
                         f"[0, {MAX_MAGNET_KG_PER_YR:g}] kg/yr ({MAGNET_WHY}); if you mean it, "
                         f"add '{where.dotted(path)}' to allow_implausible")


def check_plausible(spec: CaseSpec, where: Where) -> None:
    """Values outside their declared plausible range, unless waived in allow_implausible."""
    waivers = spec.allow_implausible
    for path, v, extra in _walk(spec, ()):
        lo, hi = extra["plausible"]
        for p, x in _values(v, path):
            if lo <= x <= hi:
                continue
            if waived(where, waivers, p, path):
                continue
            raise where.fail(p, f"{x:g} is implausible; plausible [{lo:g}, {hi:g}] "
                             f"({extra['plausible_why']}); if you mean it, add "
                             f"'{where.dotted(path)}' to allow_implausible")
