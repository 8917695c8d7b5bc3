"""Compare process routes on one feed: recoveries, energy, reagents and CO2 per kg product.

Every bundled route is solved with the same feed (a catalogue feedstock's liberated magnet
material); the figures come from the solved mass and energy balances:

* recovery of Nd, Pr, Dy, Tb: element in the route's ``product`` streams, less any added as a
  reagent (virgin blend), / element fed;
* electricity and fuel heat (kWh) per kg of product;
* reagents (kg, process water counted separately) per kg of product;
* CO2 per kg of product from electricity at a stated grid factor plus fuel heat at the
  natural-gas factor below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .constants import J_PER_KWH
from .errors import FeedRefusedError
from .feedstock import check_accepts, feed_stream
from .flowsheet import available_flowsheets, load_flowsheet

#: kg CO2 per kWh of natural-gas heat: IPCC 2006 Guidelines, Vol. 2, Table 2.2 default
#: 56,100 kg CO2/TJ = 0.202 kg/kWh (lower heating value).
GAS_CO2_KG_PER_KWH = 0.202
#: Taiwan grid emission factor 2023, kg CO2e/kWh (recyclopt/data/prices.csv grid_CO2_TW).
TAIWAN_GRID_CO2 = 0.494

WATER = ("H2O(l)",)
ELEMENTS = ("Nd", "Pr", "Dy", "Tb")


def route_metrics(route: str, feedstock: str, *, rate_kg_h: float = 100.0,
                  grid_co2_kg_per_kwh: float = TAIWAN_GRID_CO2) -> dict[str, object]:
    """Solve one route on one catalogue feedstock and return its headline figures."""
    fs = load_flowsheet(route)
    if len(fs.feeds) != 1:
        return {"route": route, "feedstock": feedstock, "status": "several feeds"}
    port = next(iter(fs.feeds))
    feed = feed_stream(feedstock, rate_kg_h / 3600.0, T=fs.feeds[port].stream.T,
                       registry=fs.registry, name=port)
    row: dict[str, object] = {"route": route, "feedstock": feedstock}
    try:
        check_accepts(fs, feed, feedstock)
    except FeedRefusedError as exc:
        row["status"] = f"refused: {exc}"
        return row
    res = fs.solve({port: feed})
    reg = fs.registry
    products = [s for s, k in fs.products.items() if k == "product"]
    prod_mass = sum(res.streams[s].total for s in products)
    fed = reg.element_vector(feed.flows)
    got = sum(reg.element_vector(res.streams[s].flows) for s in products)
    reagents = sum(r.reagents.flows for r in res.units.values())
    # rare earth added as reagent (a virgin blend or grain-boundary addition when re-sintering)
    # is not recovered from the feed: count only what came from the feed
    added = reg.element_vector(reagents)
    for e in ELEMENTS:
        j = reg.element_index[e]
        from_feed = max(float(got[j] - added[j]), 0.0)
        row[f"recovery_{e}"] = from_feed / float(fed[j]) if fed[j] > 0 else np.nan
    tot = res.totals()
    water = sum(reagents[reg.idx(w)] for w in WATER if w in reg)
    # W / (kg/s) = J/kg; / J_PER_KWH -> kWh per kg of product
    per = 1.0 / prod_mass if prod_mass > 0 else np.nan
    row.update({
        "status": "ok",
        "product": "+".join(products),
        "product_kg_per_kg_feed": prod_mass / feed.total,
        "electricity_kWh_per_kg": tot["electricity_W"] / J_PER_KWH * per,
        "heat_kWh_per_kg": tot["heat_W"] / J_PER_KWH * per,
        "reagents_kg_per_kg": (reagents.sum() - water) * per,
        "water_kg_per_kg": water * per,
        "co2_kg_per_kg": (tot["electricity_W"] / J_PER_KWH * grid_co2_kg_per_kwh
                          + tot["heat_W"] / J_PER_KWH * GAS_CO2_KG_PER_KWH) * per,
        "balance_max_rel_error": float(res.balance()["rel_error"].max()),
    })
    return row


def compare_routes(feedstock: str, routes: list[str] | None = None, *, rate_kg_h: float = 100.0,
                   grid_co2_kg_per_kwh: float = TAIWAN_GRID_CO2) -> pd.DataFrame:
    """The comparison table for one feedstock over the given (default: all bundled) routes."""
    names = routes or [r for r in available_flowsheets() if not r.startswith("demo")]
    rows = [route_metrics(r, feedstock, rate_kg_h=rate_kg_h,
                          grid_co2_kg_per_kwh=grid_co2_kg_per_kwh) for r in names]
    return pd.DataFrame(rows).set_index("route")
