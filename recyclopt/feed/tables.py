"""The bundled feed-forecast tables (``recyclopt/data/feed_*.csv``), read into typed products.

* ``feed_products.csv``: product -> case feedstock (catalogue id), lifetime kind and parameters.
* ``feed_sales.csv``: units sold (put into use) per product and year; after the last year given,
  sales are held at the last value.
* ``feed_stocks.csv`` (optional): units in use at the end of each year, for products whose
  ``feed_products.csv`` ``driver`` is ``stock`` (their sales are then solved from the stock,
  which is held at its last value after the last year given).
* ``feed_trajectories.csv``: per product and year, ``magnet_share`` (share of units sold with an
  NdFeB magnet, by sales year: SSD vs HDD, PMSM vs induction motor), ``magnet_kg_per_unit``
  (magnet mass of a magnet-bearing unit, by sales year), ``collection_rate`` and
  ``export_share`` (by end-of-life year). Values between the years given are interpolated
  linearly and held flat outside them.

Every row carries ``source`` and ``confidence`` (``assumption`` rows give a ``low``-``high`` range
where the table has one).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .lifetime import KINDS, Lifetime

TRAJECTORIES = ("magnet_share", "magnet_kg_per_unit", "collection_rate", "export_share")
BY_SALES_YEAR = ("magnet_share", "magnet_kg_per_unit")


@dataclass(frozen=True)
class Product:
    """One product line whose end-of-life units feed a case feedstock."""

    name: str
    feedstock: str
    lifetime: Lifetime
    sales: pd.Series            # units sold, indexed by year
    trajectories: pd.DataFrame  # rows of feed_trajectories.csv for this product
    source: str
    confidence: str
    sales_sources: tuple[str, ...] = ()
    driver: str = "sales"          # "sales": ``sales`` are units sold; "stock": units in use

    def input_sources(self) -> list[str]:
        """The distinct sources of this product's lifetime, sales and trajectories, with
        ``assumption`` listed once at the end if any input is one."""
        found: list[str] = []
        for src in (self.source, *self.sales_sources, *self.trajectories["source"]):
            for part in str(src).split(" | "):
                if part.strip() and part.strip() not in found:
                    found.append(part.strip())
        return [x for x in found if x != "assumption"] + (
            ["assumption"] if "assumption" in found else [])

    def trajectory(self, parameter: str, years: np.ndarray) -> np.ndarray:
        """``parameter`` per year: linear between the table's years, flat outside them."""
        t = self.trajectories[self.trajectories["parameter"] == parameter].sort_values("year")
        if t.empty:
            raise InputError(f"product {self.name!r} has no {parameter!r} trajectory",
                             source="feed_trajectories.csv", field=parameter)
        return np.interp(years, t["year"].to_numpy(float), t["value"].to_numpy(float))

    def sales_for(self, years: np.ndarray) -> np.ndarray:
        """The ``sales`` series (units sold, or units in use for a stock driver) per year:
        0 before the first year given, linear between years, the last value after it."""
        s = self.sales.sort_index()
        out = np.interp(years, s.index.to_numpy(float), s.to_numpy(float))
        return np.where(years < s.index.min(), 0.0, out)


def _read(name: str, data_dir: Path | None, optional: bool = False) -> pd.DataFrame:
    f = (Path(data_dir) / name) if data_dir is not None else \
        resources.files("recyclopt.data").joinpath(name)
    if optional and not f.is_file():
        return pd.DataFrame(columns=["product", "year", "units_in_stock", "source",
                                     "confidence", "notes"])
    with f.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def _lifetime(row: pd.Series) -> Lifetime:
    kind = str(row["lifetime_kind"]).strip()
    if kind not in KINDS:
        raise InputError(f"lifetime_kind {kind!r}; allowed {sorted(KINDS)}",
                         source="feed_products.csv", field="lifetime_kind")
    params: dict[str, float] = {}
    pmf: tuple[float, ...] = ()
    for part in str(row["lifetime_params"]).split(";"):
        if not part.strip():
            continue
        key, _, val = part.partition("=")
        if key.strip() == "pmf":
            pmf = tuple(float(x) for x in val.split())
        else:
            params[key.strip()] = float(val)
    return Lifetime(kind, params, pmf)


def load_products(data_dir: Path | None = None) -> list[Product]:
    """The products of the bundled tables (or of the three CSVs in ``data_dir``)."""
    prod = _read("feed_products.csv", data_dir)
    sales = _read("feed_sales.csv", data_dir)
    traj = _read("feed_trajectories.csv", data_dir)
    bad = set(traj["parameter"]) - set(TRAJECTORIES)
    if bad:
        raise InputError(f"unknown parameter(s) {sorted(bad)}; allowed {list(TRAJECTORIES)}",
                         source="feed_trajectories.csv", field="parameter")
    stocks = _read("feed_stocks.csv", data_dir, optional=True)
    out = []
    for _, row in prod.iterrows():
        name = str(row["product"])
        d = row.get("driver")
        driver = "sales" if d is None or pd.isna(d) or not str(d).strip() else str(d).strip()
        if driver not in ("sales", "stock"):
            raise InputError(f"product {name!r}: driver {driver!r}; allowed ['sales', 'stock']",
                             source="feed_products.csv", field="driver")
        table, col = (("feed_sales.csv", "units_sold") if driver == "sales"
                      else ("feed_stocks.csv", "units_in_stock"))
        rows = (sales if driver == "sales" else stocks)
        rows = rows[rows["product"] == name]
        s = rows.set_index("year")[col].astype(float)
        if s.empty:
            raise InputError(f"product {name!r} has no rows", source=table, field="product")
        out.append(Product(name=name, feedstock=str(row["feedstock"]), lifetime=_lifetime(row),
                           sales=s, trajectories=traj[traj["product"] == name].copy(),
                           source=str(row["source"]), confidence=str(row["confidence"]),
                           sales_sources=tuple(dict.fromkeys(rows["source"].astype(str))),
                           driver=driver))
    return out


def input_sources(data_dir: Path | None = None) -> pd.DataFrame:
    """Every input row of the three tables with its source: table, product, what, source,
    confidence (for the case's assumptions and ``recyclopt forecast --sources``)."""
    rows = []
    for table, what in (("feed_products.csv", "lifetime_params"), ("feed_sales.csv", "year"),
                        ("feed_trajectories.csv", "parameter")):
        df = _read(table, data_dir)
        for _, r in df.iterrows():
            label = (f"{r['lifetime_kind']} {r['lifetime_params']}" if what == "lifetime_params"
                     else str(r[what]))
            rows.append({"table": table, "product": r["product"], "input": label,
                         "source": r["source"], "confidence": r["confidence"]})
    return pd.DataFrame(rows).drop_duplicates(["table", "product", "source"])
