"""Policy levers as first-class scenario parameters.

Each lever is a scenario value under ``levers.`` that is turned into ordinary case values
(:func:`lever_values`) before the scenario is solved, so a lever costs no more to sweep than
the prices it moves:

``levers.export_control.price_multiplier``
    multiplies the price of every controlled element (:data:`CONTROLLED`: the elements under
    China's 2025 export licensing) in every product form;
``levers.export_control.product_multiplier``
    multiplies the prices of the other elements of every product that holds more than 0.1 %
    controlled elements (the de-minimis share of the controls), e.g. a Dy-bearing alloy;
``levers.export_control.supply_cut``
    cuts the availability of every feedstock whose magnet holds more than 0.1 % controlled
    elements by this fraction (imported scrap and magnets caught by licensing);
``levers.ndpr_price_floor.usd_per_kg``
    a price floor in USD per kg of NdPr *oxide* (e.g. the 110 USD/kg of the US DoD / MP
    Materials agreement, July 2025), applied per kg of element as ``floor / 0.85`` (the NdPr
    mass fraction of a 75:25 Nd2O3:Pr6O11 oxide) to the NdPr products;
``levers.magnet_credit.usd_per_kg``
    a credit per kg of domestically made magnet (e.g. 20-30 USD/kg), applied to the
    magnet-feed products per kg of rare earth they contain as ``credit / 0.30`` (a sintered
    magnet holds ~30 wt% rare earths);
``levers.carbon_price.usd_per_t``
    a carbon price on the plant's direct and energy CO2;
``levers.recycled_content.share``
    a recycled-content target: at least this share of a demand (``demand_kg_per_yr`` of
    ``elements``, set in the lever settings) met by recovered material every year;
``levers.single_source_cap.share``
    no feedstock may supply more than this share of the recovered rare earths.

The settings (which products, feedstocks and elements a lever touches, and the conversion
fractions) sit in the scenario file's ``levers:`` section; by default the export control finds
its products and feedstocks from their contents, the NdPr floor applies to products named
``*NdPr*`` and the magnet credit to products named ``*alloy*`` or ``*magnet*``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..optimize.case import Case
from .params import ParamSpec, ScenarioError

#: Elements under China's export licensing (MOFCOM announcements No. 18 of April 4 2025: Sm,
#: Gd, Tb, Dy, Lu, Sc, Y; and No. 62 of October 9 2025: Ho, Er, Tm, Eu, Yb).
CONTROLLED = ("Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y", "Ho", "Er", "Tm", "Eu", "Yb")
#: Share of controlled elements above which a product or feedstock is caught (0.1 %).
DE_MINIMIS = 0.001
#: NdPr mass fraction of NdPr oxide (75:25 Nd2O3:Pr6O11: 0.75 x 0.857 + 0.25 x 0.828).
NDPR_OXIDE_ELEMENT_FRACTION = 0.85
#: Rare-earth mass fraction of a sintered NdFeB magnet (~30 wt%, as the bundled case's alloy
#: powder price assumes).
MAGNET_RE_FRACTION = 0.30

LEVER_PARAMETERS: dict[str, ParamSpec] = {
    "levers.export_control.price_multiplier": ParamSpec(
        ("levers", "export_control", "price_multiplier"), 0.0, None, "price"),
    "levers.export_control.product_multiplier": ParamSpec(
        ("levers", "export_control", "product_multiplier"), 0.0, None, "price"),
    "levers.export_control.supply_cut": ParamSpec(
        ("levers", "export_control", "supply_cut"), 0.0, 1.0, "arrays"),
    "levers.ndpr_price_floor.usd_per_kg": ParamSpec(
        ("levers", "ndpr_price_floor", "usd_per_kg"), 0.0, None, "price"),
    "levers.magnet_credit.usd_per_kg": ParamSpec(
        ("levers", "magnet_credit", "usd_per_kg"), 0.0, None, "price"),
    "levers.carbon_price.usd_per_t": ParamSpec(
        ("levers", "carbon_price", "usd_per_t"), 0.0, None, "price"),
    "levers.recycled_content.share": ParamSpec(
        ("levers", "recycled_content", "share"), 0.0, 1.0, "arrays"),
    "levers.single_source_cap.share": ParamSpec(
        ("levers", "single_source_cap", "share"), 0.0, 1.0, "arrays"),
}
#: The value of each lever that changes nothing.
LEVER_BASE: dict[str, float] = {
    "levers.export_control.price_multiplier": 1.0,
    "levers.export_control.product_multiplier": 1.0,
    "levers.export_control.supply_cut": 0.0,
    "levers.ndpr_price_floor.usd_per_kg": 0.0,
    "levers.magnet_credit.usd_per_kg": 0.0,
    "levers.carbon_price.usd_per_t": 0.0,
    "levers.recycled_content.share": 0.0,
    "levers.single_source_cap.share": 1.0,
}

_SETTINGS = {
    "export_control": {"elements", "threshold", "products", "feedstocks"},
    "ndpr_price_floor": {"products", "element_mass_fraction"},
    "magnet_credit": {"products", "re_mass_fraction"},
    "carbon_price": set(),
    "recycled_content": {"elements", "demand_kg_per_yr"},
    "single_source_cap": set(),
}


def _err(src: str, fieldname: str, msg: str) -> ScenarioError:
    return ScenarioError(f"{fieldname}: {msg}", source=src, field=fieldname)


@dataclass
class LeverSettings:
    """Lever settings resolved against a case (see the module docstring)."""

    case: Case
    elements: tuple[str, ...] = CONTROLLED
    threshold: float = DE_MINIMIS
    export_products: list[str] | None = None  # None: found from the superstructure
    export_feedstocks: list[str] | None = None  # None: found from the contents
    ndpr_products: list[str] = field(default_factory=list)
    ndpr_fraction: float = NDPR_OXIDE_ELEMENT_FRACTION
    magnet_products: list[str] = field(default_factory=list)
    magnet_fraction: float = MAGNET_RE_FRACTION
    recycled_elements: list[str] = field(default_factory=lambda: ["Nd", "Pr"])
    recycled_demand: float | None = None
    source: str = "<scenarios>"

    @cached_property
    def controlled_products(self) -> list[str]:
        """Products holding more than ``threshold`` controlled elements (by recovered mass)
        on at least one (feedstock, path) pair."""
        if self.export_products is not None:
            return self.export_products
        from ..optimize.superstructure import build

        rec = build(self.case).recovered
        out = []
        if rec.columns.size:
            for prod in sorted({f for f, _ in rec.columns}):
                cols = [c for c in rec.columns if c[0] == prod]
                tot = rec[cols].to_numpy().sum(axis=1)
                ctl = rec[[c for c in cols if c[1] in self.elements]].to_numpy().sum(axis=1)
                share = np.divide(ctl, tot, out=np.zeros_like(tot), where=tot > 0)
                if (share > self.threshold).any():
                    out.append(prod)
        return out

    @cached_property
    def controlled_feedstocks(self) -> list[str]:
        """Feedstocks whose magnet holds more than ``threshold`` controlled elements."""
        if self.export_feedstocks is not None:
            return self.export_feedstocks
        return [f.name for f in self.case.feedstocks
                if sum(v for e, v in f.content_kg_per_unit.items() if e in self.elements)
                > self.threshold * f.magnet_kg_per_unit]


def _name_list(src: str, where: str, v: Any, allowed: list[str]) -> list[str]:
    if not isinstance(v, list):
        raise _err(src, where, f"expected a list of names from {sorted(allowed)}")
    for x in v:
        if str(x) not in allowed:
            raise _err(src, where, f"{x!r} is not one of {sorted(allowed)}")
    return [str(x) for x in v]


def _fraction(src: str, where: str, v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise _err(src, where, f"{v!r} is not a number") from None
    if not 0.0 < x <= 1.0:
        raise _err(src, where, f"{x:g} is outside the allowed range (0, 1]")
    return x


def resolve_settings(case: Case, levers: Mapping[str, Any], *, src: str = "<scenarios>"
                     ) -> LeverSettings:
    """Validate the scenario file's ``levers:`` settings against ``case``."""
    unknown = sorted(set(levers) - set(_SETTINGS))
    if unknown:
        raise _err(src, f"levers.{unknown[0]}", f"unknown lever; allowed: {sorted(_SETTINGS)}")
    s = LeverSettings(case, source=src)
    prods = list(case.products)
    for name, d in levers.items():
        if d is None:
            continue
        if not isinstance(d, Mapping):
            raise _err(src, f"levers.{name}", "expected a mapping of settings")
        extra = sorted(set(d) - _SETTINGS[name])
        if extra:
            raise _err(src, f"levers.{name}.{extra[0]}", "unknown setting; allowed: "
                       f"{sorted(_SETTINGS[name])}")
    ec = levers.get("export_control") or {}
    if "elements" in ec:
        if not isinstance(ec["elements"], list) or not ec["elements"]:
            raise _err(src, "levers.export_control.elements", "expected a non-empty list of "
                       "element symbols")
        s.elements = tuple(map(str, ec["elements"]))
    if "threshold" in ec:
        s.threshold = _fraction(src, "levers.export_control.threshold", ec["threshold"])
    if "products" in ec:
        s.export_products = _name_list(src, "levers.export_control.products", ec["products"],
                                       prods)
    if "feedstocks" in ec:
        s.export_feedstocks = _name_list(src, "levers.export_control.feedstocks",
                                         ec["feedstocks"], [f.name for f in case.feedstocks])
    nf = levers.get("ndpr_price_floor") or {}
    s.ndpr_products = (_name_list(src, "levers.ndpr_price_floor.products", nf["products"], prods)
                       if "products" in nf else [p for p in prods if "ndpr" in p.lower()])
    if "element_mass_fraction" in nf:
        s.ndpr_fraction = _fraction(src, "levers.ndpr_price_floor.element_mass_fraction",
                                    nf["element_mass_fraction"])
    mc = levers.get("magnet_credit") or {}
    s.magnet_products = (_name_list(src, "levers.magnet_credit.products", mc["products"], prods)
                         if "products" in mc else
                         [p for p in prods if "alloy" in p.lower() or "magnet" in p.lower()])
    if "re_mass_fraction" in mc:
        s.magnet_fraction = _fraction(src, "levers.magnet_credit.re_mass_fraction",
                                      mc["re_mass_fraction"])
    rc = levers.get("recycled_content") or {}
    if "elements" in rc:
        s.recycled_elements = _name_list(src, "levers.recycled_content.elements",
                                         rc["elements"], list(case.elements))
    if "demand_kg_per_yr" in rc:
        try:
            dem = float(rc["demand_kg_per_yr"])
        except (TypeError, ValueError):
            dem = -1.0
        if not dem >= 0:
            raise _err(src, "levers.recycled_content.demand_kg_per_yr",
                       f"{rc['demand_kg_per_yr']!r}; allowed range [0, inf]")
        s.recycled_demand = dem
    return s


def lever_values(case: Case, levers: Mapping[str, float], settings: LeverSettings,
                 current: Callable[[str], float], *, src: str = "<scenarios>"
                 ) -> dict[str, Any]:
    """The case-path values that the ``levers`` of one scenario stand for.

    ``current(path)`` gives the scenario's value of a case path before the levers act (its
    explicit value, or the base case's).
    """
    out: dict[str, Any] = {}
    m = levers.get("levers.export_control.price_multiplier")
    m2 = levers.get("levers.export_control.product_multiplier")
    if m is not None or m2 is not None:
        caught = set(settings.controlled_products) if m2 is not None else set()
        for pname, prod in case.products.items():
            for e in prod.price_usd_per_kg:
                path = f"products.{pname}.price_usd_per_kg.{e}"
                if e in settings.elements:
                    if m is not None:
                        out[path] = current(path) * m
                elif pname in caught:
                    out[path] = current(path) * m2
    cut = levers.get("levers.export_control.supply_cut")
    if cut is not None:
        for f in settings.controlled_feedstocks:
            path = f"feedstocks.{f}.availability_factor"
            out[path] = current(path) * (1.0 - cut)
    floor = levers.get("levers.ndpr_price_floor.usd_per_kg")
    if floor is not None:
        if not settings.ndpr_products:
            raise _err(src, "levers.ndpr_price_floor.products", "the case has no product named "
                       f"like NdPr; name the products the floor applies to ({list(case.products)})")
        for p in settings.ndpr_products:
            out[f"policy.price_floor_usd_per_kg.{p}"] = floor / settings.ndpr_fraction
    credit = levers.get("levers.magnet_credit.usd_per_kg")
    if credit is not None:
        if not settings.magnet_products:
            raise _err(src, "levers.magnet_credit.products", "the case has no product named "
                       f"like alloy or magnet; name the products the credit applies to "
                       f"({list(case.products)})")
        for p in settings.magnet_products:
            out[f"policy.credit_usd_per_kg.{p}"] = credit / settings.magnet_fraction
    cp = levers.get("levers.carbon_price.usd_per_t")
    if cp is not None:
        out["policy.carbon_price_usd_per_t"] = cp
    share = levers.get("levers.recycled_content.share")
    if share is not None:
        if case.policy.recycled_content and settings.recycled_demand is None:
            out["policy.recycled_content.share"] = share
        else:
            demand = settings.recycled_demand
            if demand is None:
                raise _err(src, "levers.recycled_content.demand_kg_per_yr", "missing: the case "
                           "has no recycled-content target, so the lever needs the demand it "
                           "is a share of (kg per year)")
            out["policy.recycled_content"] = {"elements": list(settings.recycled_elements),
                                              "demand_kg_per_yr": demand, "share": share}
    cap = levers.get("levers.single_source_cap.share")
    if cap is not None:
        out["policy.max_feedstock_share"] = cap
    return out
