"""The assumptions behind a plan, with their sources, as tables for the report.

Sources come from the bundled, sourced data tables (``recyclopt/data/prices.csv``,
``feedstocks.csv``, ``taiwan_availability.csv``), from the costing convention's ``SOURCES``
and from the ``source`` fields of the case (YAML comments are not kept by the loader).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def data_table(name: str) -> pd.DataFrame:
    """A bundled data table of :mod:`recyclopt.data` (e.g. ``"prices"``, ``"feedstocks"``)."""
    import pandas as pd

    f = resources.files("recyclopt.data").joinpath(f"{name}.csv")
    with f.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def price_sources() -> pd.DataFrame:
    """``prices.csv``: item, value, unit, low, high, year, source, confidence."""
    return data_table("prices")[["item", "value", "unit", "low", "high", "year", "source",
                                 "confidence"]]


def feedstock_sources(catalogue: list[str] | None = None) -> pd.DataFrame:
    """``feedstocks.csv`` rows (all, or of the given catalogue ids): feedstock, parameter,
    value, unit, source, confidence."""
    df = data_table("feedstocks")
    if catalogue is not None:
        df = df[df["feedstock"].isin(catalogue)]
    return df[["feedstock", "parameter", "value", "unit", "source", "confidence"]]


def availability_sources(catalogue: list[str] | None = None) -> pd.DataFrame:
    """One row per catalogue feedstock of ``taiwan_availability.csv``: first and last year,
    end-of-life units over the table, collection rate range, source, confidence."""
    import pandas as pd

    df = data_table("taiwan_availability")
    if catalogue is not None:
        df = df[df["feedstock"].isin(catalogue)]
    if df.empty:
        return pd.DataFrame(columns=["feedstock", "years", "eol_units", "collection_rate",
                                     "source", "confidence"])
    g = df.groupby("feedstock", sort=False)
    return pd.DataFrame({
        "years": g["year"].agg(lambda s: f"{s.min()}-{s.max()}"),
        "eol_units": g["eol_units"].sum(),
        "collection_rate": g["collection_rate"].agg(
            lambda s: f"{s.min():.3g}" if s.min() == s.max() else f"{s.min():.3g}-{s.max():.3g}"),
        "source": g["source"].first(),
        "confidence": g["confidence"].first(),
    }).reset_index()


def _describe_capex(o: Any) -> str:
    c = o.capex
    if c is None:
        if o.equipment is not None:
            e = o.equipment
            return (f"equipment: {e.cost_usd:,.0f} USD per unit of {e.capacity_per_unit:,.0f} "
                    f"{o.basis}/yr")
        return "none"
    caps = getattr(c, "points", None)
    costs = getattr(c, "costs", None)
    if caps is not None and costs is not None and len(caps):
        return (f"curve {costs[0]:,.0f} USD at {caps[0]:,.0f} to {costs[-1]:,.0f} USD at "
                f"{caps[-1]:,.0f} {o.basis}/yr")
    return str(c)


def describe_operators(o: Any) -> str:
    """An option's crew: fixed operators and/or operators per equipment unit."""
    parts = []
    if o.operators:
        parts.append(f"{o.operators:g}")
    if o.equipment is not None and o.equipment.operators_per_unit:
        parts.append(f"{o.equipment.operators_per_unit:g} per equipment unit")
    return " + ".join(parts) or "0"


def case_tables(case: Any, price_factor: float = 1.0) -> dict[str, pd.DataFrame]:
    """The case's inputs as tables: feedstocks, options, products, utilities and costing.

    ``price_factor`` multiplies the product prices shown (the price scenario a plan was
    solved at); the case's own prices are then listed beside them.

    Returns
    -------
    dict
        ``feedstocks``, ``options``, ``products``, ``utilities`` (prices, grid CO2, labour,
        costing factors), each with a ``source`` column where the case or the convention
        gives one.
    """
    import pandas as pd

    fs = pd.DataFrame([{
        "feedstock": f.name, "catalogue": f.catalogue or "", "unit": f.unit,
        "magnet_kg_per_unit": f.magnet_kg_per_unit,
        "available_units_horizon": float(f.availability.sum()),
        "cost_usd_per_unit": f.cost_usd_per_unit,
        "source": f.source or ("feedstocks.csv, taiwan_availability.csv" if f.catalogue
                               else ""),
    } for f in case.feedstocks])
    opts = pd.DataFrame([{
        "option": o.name, "stage": o.stage, "basis": o.basis,
        "yields": o.flowsheet and f"from flowsheet {o.flowsheet}" or ", ".join(
            f"{e} {v:g}" for e, v in o.yields.items()) or f"default {o.default_yield:g}",
        "capex": _describe_capex(o),
        "operators": describe_operators(o),
        "source": getattr(o, "source", "") or "",
    } for o in case.options])
    prods = pd.DataFrame([{
        "product": p.name,
        "price_usd_per_kg_element": ", ".join(f"{e} {v * price_factor:g}" for e, v in
                                              p.price_usd_per_kg.items()),
        **({} if price_factor == 1.0 else {
            "case_price_usd_per_kg_element": ", ".join(f"{e} {v:g}" for e, v in
                                                       p.price_usd_per_kg.items()),
            "price_factor": price_factor}),
        "source": p.source or "prices.csv (see the price table)",
    } for p in case.products.values()])
    util = [
        ("electricity", case.electricity_usd_per_kwh, "USD/kWh"),
        ("fuel heat", case.heat_usd_per_kwh, "USD/kWh"),
        ("grid CO2", case.grid_co2_kg_per_kwh, "kg CO2/kWh"),
        ("heat CO2", case.heat_co2_kg_per_kwh, "kg CO2/kWh"),
        ("labour", case.labour_usd_per_hour, "USD/h"),
        ("hours per operator", case.hours_per_operator_yr, "h/yr"),
    ]
    rows = [{"item": a, "value": v, "unit": u, "source": case.sources.get(a, "")}
            for a, v, u in util]
    for r in case.reagent_prices.items():
        rows.append({"item": f"reagent {r[0]}", "value": r[1], "unit": "USD/kg",
                     "source": case.sources.get(r[0], "")})
    costing = case.costing
    srcs = getattr(costing, "SOURCES", {})
    if is_dataclass(costing):
        for fld in fields(costing):
            v = getattr(costing, fld.name)
            if isinstance(v, int | float | str | tuple):
                rows.append({"item": f"{type(costing).__name__}.{fld.name}", "value": v,
                             "unit": "", "source": srcs.get(fld.name, "")})
    util_df = pd.DataFrame(rows)
    util_df["value"] = util_df["value"].astype(str)
    return {"feedstocks": fs, "options": opts, "products": prods, "utilities": util_df}


def assumptions(case: Any = None, price_factor: float = 1.0) -> dict[str, pd.DataFrame]:
    """Every assumption table the report shows: the case's inputs (when given) and the
    bundled price and feedstock tables with their sources.

    Returns
    -------
    dict
        Name -> DataFrame: ``feedstocks``, ``options``, ``products``, ``utilities`` (case
        only), ``prices``, ``feedstock data`` and ``availability`` (restricted to the case's
        catalogue feedstocks when a case is given). ``price_factor``: see :func:`case_tables`.
    """

    out: dict[str, pd.DataFrame] = {}
    cats = None
    if case is not None:
        out.update(case_tables(case, price_factor))
        cats = [f.catalogue for f in case.feedstocks if f.catalogue]
    out["prices"] = price_sources()
    out["feedstock data"] = feedstock_sources(cats)
    out["availability"] = availability_sources(cats)
    return out
