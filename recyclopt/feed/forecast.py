"""End-of-life forecasts per product and the case availability table built from them.

Per product, with sales ``s[c]`` (given, or solved from an installed-stock history), magnet share ``m[c]`` and magnet mass ``g[c]`` by sales year,
export share ``x[t]`` and collection rate ``r[t]`` by end-of-life year, and the cohort model
``EoL(.)`` of :mod:`recyclopt.feed.cohort` (linear in its inflow):

* end-of-life units ``EoL(s)[t]``; magnet-bearing ``EoL(s * m)[t]``; magnet mass ``EoL(s*m*g)[t]``;
* domestic (not exported) magnet-bearing units ``d[t] = (1 - x[t]) * EoL(s * m)[t]``;
* collected units ``d[t] * r[t]`` and collected magnet ``(1 - x[t]) * r[t] * EoL(s*m*g)[t]``.

The availability table (the format of ``recyclopt/data/taiwan_availability.csv``) gives per
feedstock and year ``eol_units = sum d`` and ``collection_rate = sum(d * r) / sum d``, so a case
reading it gets ``eol_units x collection_rate`` = the collected units.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .cohort import inflow_driven, stock_driven
from .tables import Product, load_products

REGENERATE = ("recyclopt forecast --years 2027-2036 --write-availability "
              "recyclopt/data/taiwan_availability.csv --force")


def product_forecast(product: Product, years: np.ndarray, engine: str = "auto") -> pd.DataFrame:
    """Yearly flows of one product over ``years`` (its sales history starts earlier).

    Returns a frame indexed by year with ``sold_units``, ``stock_units``, ``eol_units``,
    ``eol_magnet_units``, ``domestic_units``, ``collected_units``, ``eol_magnet_kg``,
    ``collected_magnet_kg``, ``collection_rate``, ``export_share``.
    """
    first = int(min(product.sales.index.min(), years.min()))
    span = np.arange(first, int(years.max()) + 1)
    if product.driver == "stock":
        all_units = stock_driven(span, product.sales_for(span), product.lifetime, engine)
        sold = all_units.inflow
    else:
        sold = product.sales_for(span)
        all_units = inflow_driven(span, sold, product.lifetime, engine)
    share = product.trajectory("magnet_share", span)
    kg = product.trajectory("magnet_kg_per_unit", span)
    magnet_units = inflow_driven(span, sold * share, product.lifetime, engine)
    magnet_kg = inflow_driven(span, sold * share * kg, product.lifetime, engine)
    export = product.trajectory("export_share", span)
    collect = product.trajectory("collection_rate", span)
    domestic = magnet_units.eol * (1.0 - export)
    df = pd.DataFrame({
        "sold_units": sold, "stock_units": all_units.stock, "eol_units": all_units.eol,
        "eol_magnet_units": magnet_units.eol, "domestic_units": domestic,
        "collected_units": domestic * collect, "eol_magnet_kg": magnet_kg.eol,
        "collected_magnet_kg": magnet_kg.eol * (1.0 - export) * collect,
        "collection_rate": collect, "export_share": export,
    }, index=pd.Index(span, name="year"))
    df.attrs["engine"] = all_units.engine
    return df.loc[years]


def forecast(years: np.ndarray, products: list[Product] | None = None,
             engine: str = "auto") -> pd.DataFrame:
    """Tidy forecast of every product: one row per product and year (see
    :func:`product_forecast`), with the product's ``feedstock``."""
    years = np.asarray(years, dtype=int)
    if years.size == 0 or (np.diff(years) != 1).any():
        raise InputError("forecast years must be consecutive", field="--years")
    parts = []
    for p in products if products is not None else load_products():
        f = product_forecast(p, years, engine).reset_index()
        f.insert(0, "feedstock", p.feedstock)
        f.insert(0, "product", p.name)
        parts.append(f)
    return pd.concat(parts, ignore_index=True)


def feedstock_summary(fc: pd.DataFrame) -> pd.DataFrame:
    """Per feedstock and year: collected units and collected magnet in t."""
    g = fc.groupby(["feedstock", "year"], sort=False)[["collected_units", "collected_magnet_kg"]]
    out = g.sum()
    out["collected_magnet_t"] = out.pop("collected_magnet_kg") / 1000.0
    return out


def mean_magnet_kg_per_unit(fc: pd.DataFrame) -> pd.Series:
    """Per feedstock: collected magnet mass / collected units over all forecast years (the
    catalogue ``magnet_mass_kg_per_unit`` that gives the case the forecast's magnet tonnage)."""
    g = fc.groupby("feedstock", sort=False)
    return g["collected_magnet_kg"].sum() / g["collected_units"].sum()


def availability_table(fc: pd.DataFrame, products: list[Product] | None = None) -> pd.DataFrame:
    """The forecast in the columns of a bundled ``<table>_availability.csv``: feedstock, year,
    eol_units (domestic magnet-bearing end-of-life units), collection_rate, source, confidence,
    notes."""
    prods = {p.name: p for p in (products if products is not None else load_products())}
    rank = {"high": 0, "medium": 1, "low": 2, "assumption": 3}
    rows = []
    for (fs, year), grp in fc.groupby(["feedstock", "year"], sort=False):
        d = float(grp["domestic_units"].sum())
        c = float(grp["collected_units"].sum())
        ps = [prods[n] for n in grp["product"]]
        conf = max((p.confidence for p in ps), key=lambda x: rank.get(x, 3))
        notes = "; ".join(
            f"{r.product}: {r.eol_units:.6g} EoL units ({prods[r.product].lifetime.describe()}), "
            f"{r.eol_magnet_units:.6g} with magnet, {r.export_share:.3g} exported, "
            f"{r.collection_rate:.3g} collected, {r.collected_magnet_kg / 1000:.4g} t magnet"
            for r in grp.itertuples())
        rows.append({"feedstock": fs, "year": int(year), "eol_units": round(d, 3),
                     "collection_rate": round(c / d, 6) if d > 0 else 0.0,
                     "source": "stock-and-flow forecast (recyclopt.feed) of feed_products.csv, "
                               "feed_sales.csv, feed_trajectories.csv: "
                               + " | ".join(dict.fromkeys(x for p in ps
                                                          for x in p.input_sources())),
                     "confidence": conf,
                     "notes": f"regenerate with: {REGENERATE}. {notes}"})
    return pd.DataFrame(rows)


def write_availability(path: str | Path, table: pd.DataFrame, force: bool = False) -> None:
    """Write an availability table as CSV (UTF-8), refusing to overwrite without ``force``."""
    p = Path(path)
    if p.exists() and not force:
        raise InputError(f"output file {str(p)!r} already exists; use --force to overwrite it",
                         field="--write-availability")
    table.to_csv(p, index=False, encoding="utf-8", lineterminator="\n")
