"""End-of-life feed forecasts from sales histories and lifetimes (dynamic MFA).

Layer ``feed`` of DESIGN.md section 2: imports data, chemistry and economics only; its output is
a case's availability table.
"""

from .cohort import CohortResult, flodym_available, inflow_driven, stock_driven
from .forecast import (
    REGENERATE,
    availability_table,
    feedstock_summary,
    forecast,
    mean_magnet_kg_per_unit,
    product_forecast,
    write_availability,
)
from .lifetime import Lifetime
from .tables import Product, input_sources, load_products

__all__ = ["REGENERATE", "CohortResult", "Lifetime", "Product", "availability_table",
           "feedstock_summary", "flodym_available", "forecast", "inflow_driven",
           "input_sources", "load_products", "mean_magnet_kg_per_unit", "product_forecast",
           "stock_driven", "write_availability"]
