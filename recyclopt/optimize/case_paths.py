"""Dotted case paths: the numbers of a case that a scenario or an override may set.

A path names one number of a case the way the case file nests it, lists of named items
addressed by name::

    products.NdPr_oxide.price_usd_per_kg.Nd      # USD per kg of Nd in NdPr oxide
    feedstocks.HDD.availability_factor           # multiplier on HDD availability, every year
    policy.carbon_price_usd_per_t

:data:`CASE_PATHS` declares them (pattern, allowed range, the cheapest tier of a sweep that
reaches the effect); :func:`find_path` resolves a path against a case (every name checked,
the closest valid path suggested), :func:`apply_values` sets values on a copy of a case and
:func:`with_overrides` does both and records the overrides on the new case. The scenario
engine (:mod:`recyclopt.scenarios.definition`) resolves its paths with the same functions.
``*_factor`` paths multiply the case's figure; every other value replaces it.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .._fields import field_error, number
from ..errors import InputError
from ..io.input_errors import suggest

if TYPE_CHECKING:
    from .case import Case, Feedstock, Option


def range_text(lo: float | None, hi: float | None, lo_open: bool = False) -> str:
    """An allowed range as text: ``[0, 1]``, ``(0, inf]``."""
    a = "(" if lo_open else "["
    return f"{a}{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"


@dataclass(frozen=True)
class CasePath:
    """A settable number of a case: a path pattern (``*`` matches a name), its allowed range
    and the cheapest sweep tier that reaches its effect (``price``, ``arrays`` or
    ``superstructure``)."""

    #: the error :meth:`check` raises (a subclass sets its own)
    error: ClassVar[type[InputError]] = InputError

    pattern: tuple[str, ...]
    lo: float | None
    hi: float | None
    tier: str
    lo_open: bool = False
    doc: str = ""

    def check(self, src: str, fieldname: str, value: Any,
              error: type[InputError] | None = None) -> float:
        """``value`` as a float inside the allowed range, or ``error`` (default
        :attr:`error`)."""
        cls = error or self.error
        x = number(cls, src, fieldname, value)
        if (self.lo is not None and (x < self.lo or (self.lo_open and x <= self.lo))) or (
                self.hi is not None and x > self.hi):
            raise field_error(cls, src, fieldname,
                              f"{x:g} is outside the allowed range "
                              f"{range_text(self.lo, self.hi, self.lo_open)} of "
                              f"{'.'.join(self.pattern)}")
        return x


CASE_PATHS: tuple[CasePath, ...] = (
    CasePath(("products", "*", "price_usd_per_kg", "*"), 0.0, None, "price",
             doc="price of an element in a product form, USD per kg of element"),
    CasePath(("products", "*", "max_kg_per_yr"), 0.0, None, "arrays",
             doc="market size of a product, kg per year"),
    CasePath(("feedstocks", "*", "cost_usd_per_unit"), None, None, "price",
             doc="purchase price of a feedstock (negative: a gate fee received)"),
    CasePath(("feedstocks", "*", "availability_factor"), 0.0, None, "arrays",
             doc="multiplier on the feedstock's availability in every year"),
    CasePath(("options", "*", "opex_usd_per_basis"), None, None, "superstructure",
             doc="variable opex of an option per unit of its basis"),
    CasePath(("options", "*", "opex_usd_per_yr"), 0.0, None, "arrays",
             doc="fixed opex of a built option, USD per year"),
    CasePath(("options", "*", "capex_factor"), 0.0, None, "arrays", lo_open=True,
             doc="multiplier on an option's capex curve and equipment cost"),
    CasePath(("options", "*", "max_capacity"), 0.0, None, "arrays",
             doc="largest capacity of an option"),
    CasePath(("prices", "electricity_usd_per_kwh"), 0.0, None, "price"),
    CasePath(("prices", "heat_usd_per_kwh"), 0.0, None, "price"),
    CasePath(("prices", "grid_co2_kg_per_kwh"), 0.0, 5.0, "superstructure"),
    CasePath(("prices", "heat_co2_kg_per_kwh"), 0.0, 5.0, "superstructure"),
    CasePath(("prices", "reagents_usd_per_kg", "*"), 0.0, None, "superstructure"),
    CasePath(("prices", "byproducts_usd_per_kg", "*"), None, None, "superstructure"),
    CasePath(("labour", "usd_per_hour"), 0.0, None, "arrays"),
    CasePath(("costing", "discount_rate"), 0.0, 1.0, "arrays"),
    CasePath(("policy", "carbon_price_usd_per_t"), 0.0, None, "price"),
    CasePath(("policy", "price_floor_usd_per_kg", "*"), 0.0, None, "price"),
    CasePath(("policy", "credit_usd_per_kg", "*"), 0.0, None, "price"),
    CasePath(("policy", "max_co2_t_per_yr"), 0.0, None, "arrays"),
    CasePath(("policy", "max_feedstock_share"), 0.0, 1.0, "arrays"),
    CasePath(("policy", "min_recovered_kg_per_yr", "*"), 0.0, None, "arrays"),
    CasePath(("policy", "recycled_content", "share"), 0.0, 1.0, "arrays"),
    CasePath(("policy", "recycled_content", "demand_kg_per_yr"), 0.0, None, "arrays"),
)


def names_at(case: Case, pattern: tuple[str, ...], parts: list[str], k: int) -> list[str]:
    """The names a ``*`` at position ``k`` of ``pattern`` may take in ``case`` (``parts``:
    the path, whose earlier names are already checked)."""
    head = pattern[0]
    if head == "products":
        if k == 1:
            return list(case.products)
        return list(case.products[parts[1]].price_usd_per_kg)
    if head == "feedstocks":
        return [f.name for f in case.feedstocks]
    if head == "options":
        return [o.name for o in case.options]
    if head == "prices":
        return list(case.reagent_prices if pattern[1] == "reagents_usd_per_kg"
                    else case.byproduct_prices)
    if head == "policy":
        if pattern[1] in ("price_floor_usd_per_kg", "credit_usd_per_kg"):
            return list(case.products)
        return list(case.elements)
    return []


@functools.lru_cache(maxsize=4096)
def pattern_of(path: str, params: tuple[CasePath, ...] = CASE_PATHS) -> CasePath | None:
    """The first of ``params`` whose pattern matches ``path`` (names unchecked). Memoised: a
    sweep resolves the same few paths for every scenario."""
    parts = path.split(".")
    for p in params:
        if len(p.pattern) == len(parts) and all(a == "*" or a == b for a, b in
                                                zip(p.pattern, parts, strict=True)):
            return p
    return None


def case_paths(case: Case, params: Iterable[CasePath] = CASE_PATHS) -> list[str]:
    """Every concrete path of ``case`` (each ``*`` replaced by each of the case's names)."""
    out: list[str] = []
    for p in params:
        partial: list[list[str]] = [[]]
        for k, a in enumerate(p.pattern):
            partial = [[*q, n] for q in partial
                       for n in (names_at(case, p.pattern, q, k) if a == "*" else [a])]
        out += [".".join(q) for q in partial]
    return out


def find_path(case: Case, path: str, *, params: tuple[CasePath, ...] = CASE_PATHS,
              error: type[InputError] = InputError, src: str = "<case>",
              where: str | None = None, also: Iterable[str] = ()) -> CasePath:
    """The :class:`CasePath` of ``path``, every name checked against ``case``.

    Raises ``error`` (one line: ``<src>: <where>: ...; did you mean '<closest path>'?``) for a
    path no pattern matches or a name the case does not have. ``also``: further valid paths
    (the scenario levers) for the message.
    """
    where = where or path
    parts = path.split(".")
    spec = pattern_of(path, params)

    def hint() -> str:  # only for an error: edit distances to every path of the case
        return suggest(path, [*case_paths(case, params), *also])

    if spec is None:
        allowed = sorted({".".join(p.pattern) for p in params} | set(also))
        raise field_error(error, src, where, f"unknown parameter {path!r}" + (
            hint() or f"; allowed (* is a name from the case): {allowed}"))
    for k, a in enumerate(spec.pattern):
        if a != "*":
            continue
        names = names_at(case, spec.pattern, parts, k)
        if parts[k] not in names:
            raise field_error(error, src, where, f"{parts[k]!r} is not one of the case's "
                              f"names here; allowed: {sorted(names)}{hint()}")
    return spec


def set_availability_factor(f: Feedstock, x: float) -> Feedstock:
    """``f`` with its availability times ``x`` in every year."""
    return dataclasses.replace(f, availability=f.availability * x)


def scale_capex(o: Option, x: float) -> Option:
    """``o`` with its capex curve and equipment cost times ``x``."""
    cap = o.capex
    if cap is not None:
        cap = dataclasses.replace(cap, costs=tuple(c * x for c in cap.costs))
    eq = o.equipment
    if eq is not None:
        eq = dataclasses.replace(eq, cost_usd=eq.cost_usd * x)
    return dataclasses.replace(o, capex=cap, equipment=eq)


def apply_values(case: Case, values: Mapping[str, Any], *,
                 error: type[InputError] = InputError) -> Case:
    """A copy of ``case`` with the (resolved, checked) path ``values`` set; the case itself
    is never modified. ``*_factor`` paths multiply the case's figure; every other value
    replaces it. ``policy.recycled_content`` (two parts) sets a whole target (a mapping)."""
    c = copy.copy(case)
    products, feeds, options = dict(c.products), list(c.feedstocks), list(c.options)
    fpos = {f.name: i for i, f in enumerate(feeds)}
    opos = {o.name: i for i, o in enumerate(options)}
    pol = c.policy
    pol = dataclasses.replace(
        pol, min_recovered_kg_per_yr=dict(pol.min_recovered_kg_per_yr),
        recycled_content=dict(pol.recycled_content) if pol.recycled_content else None,
        price_floor_usd_per_kg=dict(pol.price_floor_usd_per_kg),
        credit_usd_per_kg=dict(pol.credit_usd_per_kg))
    reagents, byproducts = dict(c.reagent_prices), dict(c.byproduct_prices)
    for path, v in values.items():
        p = path.split(".")
        head = p[0]
        if head == "products":
            prod = products[p[1]]
            products[p[1]] = (
                dataclasses.replace(prod, price_usd_per_kg={**prod.price_usd_per_kg,
                                                            p[3]: float(v)})
                if p[2] == "price_usd_per_kg" else
                dataclasses.replace(prod, max_kg_per_yr=float(v)))
        elif head == "feedstocks":
            i = fpos[p[1]]
            feeds[i] = (set_availability_factor(feeds[i], float(v))
                        if p[2] == "availability_factor" else
                        dataclasses.replace(feeds[i], cost_usd_per_unit=float(v)))
        elif head == "options":
            i = opos[p[1]]
            options[i] = (scale_capex(options[i], float(v)) if p[2] == "capex_factor" else
                          dataclasses.replace(options[i], **{p[2]: float(v)}))
        elif head == "prices" and len(p) == 3:
            (reagents if p[1] == "reagents_usd_per_kg" else byproducts)[p[2]] = float(v)
        elif head == "prices":
            setattr(c, p[1], float(v))
        elif head == "labour":
            c.labour_usd_per_hour = float(v)
        elif head == "costing":
            c.costing = dataclasses.replace(c.costing, **{p[1]: float(v)})
        elif head == "policy":
            _set_policy(pol, p, v, path, error)
        else:
            raise error(f"cannot apply {path!r}", field=path)
    c.products, c.feedstocks, c.options, c.policy = products, feeds, options, pol
    c.reagent_prices, c.byproduct_prices = reagents, byproducts
    return c


def _set_policy(pol: Any, p: list[str], v: Any, path: str, error: type[InputError]) -> None:
    """Set ``policy.<p[1]>[.<p[2]>]`` on ``pol`` (a copy the caller owns)."""
    key = p[1]
    if key in ("price_floor_usd_per_kg", "credit_usd_per_kg", "min_recovered_kg_per_yr"):
        getattr(pol, key)[p[2]] = float(v)
    elif key == "recycled_content" and len(p) == 2:  # a whole target (the lever sets it)
        pol.recycled_content = dict(v)
    elif key == "recycled_content":
        if pol.recycled_content is None:
            raise error(f"{path}: the case has no recycled_content target to change; set one "
                        "with the recycled_content lever (levers.recycled_content.share, with "
                        "demand_kg_per_yr in the lever settings)", field=path)
        pol.recycled_content[p[2]] = float(v)
    else:
        setattr(pol, key, float(v))


def parse_assignments(items: Iterable[str], *, error: type[InputError] = InputError,
                      option: str = "--set") -> dict[str, Any]:
    """``["PATH=VALUE", ...]`` as ``{path: value}``, each value read as a YAML scalar
    (``2``, ``-0.1``; ``1.5e3`` too, which YAML 1.1 would leave as text); a later
    assignment of a path wins. Values are range-checked by :func:`with_overrides`."""
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        path, eq, text = item.partition("=")
        if not eq or not path.strip():
            raise error(f"{option} {item!r}: expected PATH=VALUE, e.g. "
                        "feedstocks.HDD.availability_factor=2", field=option)
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        if isinstance(value, str):  # YAML 1.1 reads 1.5e3 as text; a number is meant
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, (list, dict)) or value is None:
            raise error(f"{option} {item!r}: the value must be a number, got {text!r}",
                        field=option)
        out[path.strip()] = value
    return out


def with_overrides(case: Case, values: Mapping[str, Any], *,
                   error: type[InputError] = InputError, source: str = "overrides") -> Case:
    """A copy of ``case`` with ``values`` (path -> number) set, every path and value
    checked first (one-line ``error`` naming ``source`` and the closest valid path), the
    overrides recorded in the new case's ``overrides`` (after any it already had)."""
    checked = {str(path): find_path(case, str(path), error=error, src=source).check(
        source, str(path), v, error) for path, v in values.items()}
    out = apply_values(case, checked, error=error)
    out.overrides = {**case.overrides, **checked}
    return out
