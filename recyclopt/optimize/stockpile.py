"""Feed stockpiles: collected units stored at a holding cost and processed in a later year.

A feedstock with ``stockpile: {cap_units, holding_usd_per_unit_yr}`` gets a stock column per
operating year; its supply row (:func:`recyclopt.optimize.families.define_supply`) then
bounds what is *collected* in a year, processed or stored:

==================  =====================================================================
``x[k, y]``         units of pair k (feedstock f(k) on a path) processed in year y
``s[f, y]``         units of feedstock f in store at the end of operating year y
``cap_f``           the stockpile's cap (units), ``h_f`` its holding cost (USD/unit-yr)
``avail[f, y]``     units of f that can be collected in year y
``lo[f, y]``        the feed obligation (``supply``): units that must be collected
==================  =====================================================================

Definitions (the stock starts empty, ``s[f, -1] = 0``)::

    collected[f, y] = sum_{k of f} x[k, y] + s[f, y] - s[f, y-1]
    lo[f, y]  <=  collected[f, y]  <=  avail[f, y]
    0 <= s[f, y] <= cap_f,    s[f, Y-1] = 0

so a feed obligation (``supply: all``) means every unit available in a year is collected
that year, and every collected unit is processed by the end of the horizon (the last year's
stock is zero): storing moves processing later, never drops feed. The purchase price
(``cost_usd_per_unit``, in the pairs' variable cost) is paid in the year a unit is
processed; holding costs ``h_f s[f, y]`` enter the NPV with the variable-opex weight of
year y. Works in both planning modes.
"""

from __future__ import annotations

import numpy as np

from .matrix import MatrixBuilder
from .model_data import ModelData


def define_stockpile_variables(mb: MatrixBuilder, d: ModelData) -> None:
    """Stock columns ``s[f, y]`` (block ``stock``, feedstock-major), ``0 <= s <= cap_f``,
    the last year's bound 0 (the store is empty at the horizon end). None without
    stockpiles."""
    if not len(d.stock_f):
        return
    idx = d.idx
    ub = np.repeat(d.stock_cap, idx.Y)
    ub[idx.Y - 1::idx.Y] = 0.0
    mb.add_block("stock", len(d.stock_f) * idx.Y, 0.0, ub,
                 labels=idx.labels([d.feeds[f] for f in d.stock_f]))


def stock_supply_entries(mb: MatrixBuilder, d: ModelData
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stock terms of the supply rows (row ``f * Y + y``): ``+s[f, y] - s[f, y-1]``.

    Returns rows, columns and values to add to the ``supply`` group.
    """
    idx, n = d.idx, len(d.stock_f)
    if not n:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0)
    rows_now = idx.cells(d.stock_f)
    cols_now = mb.col("stock", np.arange(n * idx.Y))
    later = idx.year_of(n) > 0  # s[f, y-1] for y >= 1
    rows = np.concatenate((rows_now, rows_now[later]))
    cols = np.concatenate((cols_now, cols_now[np.flatnonzero(later) - 1]))
    vals = np.concatenate((np.ones(n * idx.Y), -np.ones(int(later.sum()))))
    return rows, cols, vals


def stockpile_cost(mb: MatrixBuilder, d: ModelData, w_variable: np.ndarray) -> np.ndarray:
    """NPV cost vector of holding stock: ``h_f * w_variable[y]`` on ``s[f, y]``."""
    c = np.zeros(mb.n)
    if len(d.stock_f):
        idx = d.idx
        c[mb.col("stock", np.arange(len(d.stock_f) * idx.Y))] = (
            idx.each(d.stock_hold) * np.tile(w_variable, len(d.stock_f)))
    return c
