"""Option coefficients derived from flowsheets.

For an option that names a ``flowsheet``, the flowsheet is solved once per feedstock with 1 kg/s
of that feedstock's liberated magnet material (its catalogue composition), and the option's
per-kg figures are read off the solution. Every unit is affine in its feed at fixed design, so
these per-kg coefficients are exact for any throughput of that feedstock (the linearisation
of :mod:`recyclopt.flowsheet` checks this against re-solves).

* element yield: kg of the element in the option's product streams per kg fed; an element is
  paid in the product form whose price list names it (impurities in other streams earn
  nothing), the stream carrying most of it;
* electricity and fuel heat in kWh per kg; reagent cost from the case's reagent prices (per
  species); by-product value per kg of the by-product streams;
* the mass yield (kg of product streams per kg fed) for options that feed a later stage.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..constants import J_PER_KWH
from ..errors import InputError

if TYPE_CHECKING:
    from .case import Case, Feedstock, Option


@lru_cache(maxsize=64)
def _load(flowsheet: str) -> Any:
    # loading may run design-mode searches (SX stage numbers): do it once per route
    from ..flowsheet import load_flowsheet

    return load_flowsheet(flowsheet)


#: Kind of the persistent cache entries of :func:`solve_summary` (see :mod:`recyclopt.io.cache`).
SOLVE_CACHE = "coefficient-solve"


@lru_cache(maxsize=256)
def solve_summary(flowsheet: str, catalogue: str) -> dict[str, Any]:
    """The price-independent figures of the route ``flowsheet`` fed 1 kg/s of ``catalogue``:
    feed total and element masses, each terminal stream's total and element masses (kg/s),
    electricity and heat (W), reagent draws by species (kg/s, in species order). Stored in
    the persistent cache keyed by the route file's bytes and the catalogue name (the package
    fingerprint covers the catalogue and species tables); a refusal is stored as
    ``{"refused": message}`` and raised as :class:`FeedRefusedError`.
    """
    from ..errors import FeedRefusedError
    from ..io import cache
    from ..io.route_files import flowsheet_file

    path = flowsheet_file(flowsheet)
    parts = None
    if path is not None:
        try:
            parts = {"flowsheet": flowsheet, "route_sha256": hashlib.sha256(
                path.read_bytes()).hexdigest(), "catalogue": catalogue}
        except OSError:
            parts = None  # unreadable: the load below reports it
    summary = cache.lookup(SOLVE_CACHE, parts) if parts is not None else None
    if not _well_formed(summary):
        try:
            summary = _summarise(_solve(flowsheet, catalogue))
        except FeedRefusedError as exc:
            summary = {"refused": str(exc), "field": exc.field}
        if parts is not None:
            cache.store(SOLVE_CACHE, parts, summary)
    if "refused" in summary:
        raise FeedRefusedError(summary["refused"], field=summary.get("field"))
    return summary


_SUMMARY_KEYS = {"name": str, "terminal": list, "feed_total": float, "feed_elements": dict,
                 "streams": dict, "electricity_W": float, "heat_W": float, "reagents": dict}


def _well_formed(summary: Any) -> bool:
    """Whether a cached summary has the shape :func:`_summarise` gives (else it is redone)."""
    if not isinstance(summary, dict):
        return False
    if "refused" in summary:
        return isinstance(summary["refused"], str)
    if not all(isinstance(summary.get(k), t) for k, t in _SUMMARY_KEYS.items()):
        return False
    return all(isinstance(v, dict) and isinstance(v.get("total"), float)
               and isinstance(v.get("elements"), dict) for v in summary["streams"].values())


def _solve(flowsheet: str, catalogue: str) -> Any:
    from ..feedstock import check_accepts, feed_stream

    fs = _load(flowsheet)
    if len(fs.feeds) != 1:
        raise InputError(f"flowsheet {flowsheet!r} used as an option must have one feed; it has "
                         f"{sorted(fs.feeds)}", field="flowsheet")
    port = next(iter(fs.feeds))
    s = feed_stream(catalogue, 1.0, T=fs.feeds[port].stream.T, registry=fs.registry, name=port)
    check_accepts(fs, s, catalogue)
    return fs.solve({port: s})


def _summarise(res: Any) -> dict[str, Any]:
    """The JSON-ready figures of a solved route that :func:`flowsheet_coefficients` reads."""
    reg = res.registry
    fs = res.flowsheet

    def elements(flows: np.ndarray) -> dict[str, float]:
        v = reg.element_vector(flows)
        return {e: float(v[j]) for e, j in reg.element_index.items()}

    tot = res.totals()
    reagents = sum(r.reagents.flows for r in res.units.values())
    return {
        "name": fs.name, "terminal": list(fs.terminal),
        "feed_total": float(sum(res.streams[n].total for n in fs.feeds)),
        "feed_elements": elements(sum(res.streams[n].flows for n in fs.feeds)),
        "streams": {s: {"total": float(res.streams[s].total),
                        "elements": elements(res.streams[s].flows)} for s in fs.terminal},
        "electricity_W": float(tot["electricity_W"]), "heat_W": float(tot["heat_W"]),
        "reagents": {reg.names[i]: float(reagents[i]) for i in np.flatnonzero(reagents)},
    }


def all_elements(case: Case) -> list[str]:
    """The case's elements, then any other element its feedstocks contain, in order of
    appearance."""
    els = list(case.elements)
    for f in case.feedstocks:
        for e in f.content_kg_per_unit:
            if e not in els:
                els.append(e)
    return els


def byproduct_column(case: Case, byproduct: str) -> str:
    """The coefficient a by-product's value goes to: ``byproduct_revenue_usd_per_basis``
    (booked as revenue) or ``byproduct_usd_per_basis`` (booked as a negative variable
    cost), per :attr:`Case.byproduct_book_as`."""
    if case.byproduct_book_as.get(byproduct, "negative_cost") == "revenue":
        return "byproduct_revenue_usd_per_basis"
    return "byproduct_usd_per_basis"


def flowsheet_coefficients(case: Case, o: Option, f: Feedstock) -> dict[str, Any]:
    """Per-kg coefficients of option ``o`` for feedstock ``f`` (see the module docstring)."""
    from ..errors import FeedRefusedError
    from .case import CaseError
    els = all_elements(case)
    row: dict[str, Any] = {"option": o.name, "feedstock": f.name}
    if not f.catalogue:
        raise CaseError(f"option {o.name!r} is computed from flowsheet {o.flowsheet!r}, so "
                        f"feedstock {f.name!r} needs a 'catalogue' composition",
                        source=case.source, field=f"feedstocks.{f.name}.catalogue")
    try:
        res = solve_summary(str(o.flowsheet), f.catalogue)
    except FeedRefusedError:
        # incompatible: zero yields make every path through this option worthless for f;
        # the tags (requires/excludes) should normally keep such pairs out altogether
        row.update({"mass_yield": 0.0, "kwh_per_basis": 0.0, "heat_kwh_per_basis": 0.0,
                    "reagent_usd_per_basis": 0.0, "byproduct_usd_per_basis": 0.0,
                    "byproduct_revenue_usd_per_basis": 0.0,
                    "co2_direct_kg_per_basis": 0.0, "refused": True})
        for e in els:
            row[f"yield:{e}"] = 0.0
            row[f"form:{e}"] = ""
        return row
    except InputError as exc:
        raise CaseError(f"option {o.name!r}: {exc}", source=case.source,
                        field=f"options.{o.name}.flowsheet") from None
    _check_streams(case, o, res)
    feed = res["feed_total"]
    feed_el = res["feed_elements"]
    streams = res["streams"]
    prices = {p.name: p.price_usd_per_kg for p in case.products.values()}
    for e in els:
        best_form, best = "", 0.0
        if feed_el.get(e, 0.0) > 0:
            for s, form in o.product_streams.items():
                if e not in prices.get(form, {}):
                    continue
                amt = streams[s]["elements"][e]
                if amt > best:
                    best_form, best = form, amt
        row[f"yield:{e}"] = best / feed_el[e] if feed_el.get(e, 0.0) > 0 else 0.0
        row[f"form:{e}"] = best_form
    # W per (kg/s) of feed = J/kg; / J_PER_KWH -> kWh per kg
    row["kwh_per_basis"] = res["electricity_W"] / feed / J_PER_KWH
    row["heat_kwh_per_basis"] = res["heat_W"] / feed / J_PER_KWH
    cost = 0.0
    for sp, kg_s in res["reagents"].items():
        if sp not in case.reagent_prices:
            raise CaseError(f"prices.reagents_usd_per_kg: reagent {sp!r} used by flowsheet "
                            f"{res['name']!r} (option {o.name!r}) has no price",
                            source=case.source, field="prices.reagents_usd_per_kg")
        cost += case.reagent_prices[sp] * kg_s / feed
    row["reagent_usd_per_basis"] = cost
    row["byproduct_usd_per_basis"] = row["byproduct_revenue_usd_per_basis"] = 0.0
    for s, b in o.byproduct_streams.items():
        row[byproduct_column(case, b)] += case.byproduct_prices[b] * streams[s]["total"] / feed
    row["co2_direct_kg_per_basis"] = o.co2_kg_per_basis
    row["mass_yield"] = sum(streams[s]["total"] for s in o.product_streams) / feed
    return row


def _check_streams(case: Case, o: Option, res: dict[str, Any]) -> None:
    """Every product and by-product stream of ``o`` is a terminal stream of its route."""
    from .case import CaseError

    for s in list(o.product_streams) + list(o.byproduct_streams):
        if s not in res["terminal"]:
            raise CaseError(f"options.{o.name}: stream {s!r} is not a terminal stream of flowsheet "
                            f"{res['name']!r} (terminal: {res['terminal']})", source=case.source,
                            field=f"options.{o.name}.product_streams")
