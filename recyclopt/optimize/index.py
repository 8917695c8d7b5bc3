"""Index arithmetic of the plant model: (item, year) cells and the options' feeds.

The flow block holds one column per (feedstock-path pair k, year y) at ``k * Y + y``, and the
per-year constraint families hold one row per (option, year), (feedstock, year), ... at
``i * Y + y``: item-major, years inner. :class:`YearIndex` writes those positions once, so the
constraint families (:mod:`recyclopt.optimize.families`) say which items they touch, not how
to lay them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .superstructure import Superstructure


class YearIndex:
    """Positions of (item, year) cells, item-major: cell (i, y) is ``i * Y + y``.

    Parameters
    ----------
    years : the operating years (calendar years, in order).
    """

    def __init__(self, years: np.ndarray | list[int]) -> None:
        self.years: list[int] = [int(y) for y in years]
        self.Y = len(self.years)

    def cells(self, items: np.ndarray) -> np.ndarray:
        """Cell positions of every (items[i], y), i-major: ``items[i] * Y + y``."""
        items = np.asarray(items, dtype=np.int64)
        return np.repeat(items * self.Y, self.Y) + self.year_of(len(items))

    def year_of(self, n: int) -> np.ndarray:
        """Year positions ``0..Y-1`` repeated for ``n`` items (the y of each cell)."""
        return np.tile(np.arange(self.Y), n)

    def each(self, v: np.ndarray) -> np.ndarray:
        """``v[i]`` repeated for each of its Y cells (the item value of each cell)."""
        return np.repeat(np.asarray(v), self.Y)

    def labels(self, names: list) -> list[tuple]:
        """Row labels ``(name, year)``, item-major."""
        return [(n, y) for n in names for y in self.years]


@dataclass
class OptionFeeds:
    """The option loads of a superstructure and the distinct (feedstock, option) pairs.

    Attributes
    ----------
    lp, lo, lv : per option-load entry: pair index, option index, basis units per
        end-of-life unit.
    f, o, load : per (feedstock, option) pair: feedstock ``f[i]`` reaches option ``o[i]`` with
        at most ``load[i]`` basis units per unit (its largest load through that option).
    of : for the j-th option-load entry, the index of its (feedstock, option) pair.
    """

    lp: np.ndarray
    lo: np.ndarray
    lv: np.ndarray
    f: np.ndarray
    o: np.ndarray
    load: np.ndarray
    of: np.ndarray


def option_feeds(sup: Superstructure, f_idx: np.ndarray, options: list) -> OptionFeeds:
    """The option loads of ``sup`` and its distinct (feedstock, option) pairs.

    Parameters
    ----------
    sup : the superstructure.
    f_idx : feedstock index of each pair.
    options : the case's options (their order is the option index).
    """
    o_idx = {o.name: i for i, o in enumerate(options)}
    lp = sup.column("load", "pair")
    lo = np.fromiter((o_idx[n] for n in sup.column("load", "option").tolist()), dtype=np.int64,
                     count=len(lp))
    lv = sup.column("load", "basis_per_unit")
    n_opt = len(options)
    key = f_idx[lp].astype(np.int64) * n_opt + lo
    uk, inv = np.unique(key, return_inverse=True)
    load = np.zeros(len(uk))
    np.maximum.at(load, inv, lv)
    return OptionFeeds(lp, lo, lv, uk // n_opt, uk % n_opt, load, inv)


class PairYearLabels(Sequence):
    """The labels ``(pair k, year)`` of the flow block, column k*Y + y, made on demand."""

    def __init__(self, K: int, years: list[int]) -> None:
        self._K, self._years = K, list(years)

    def __len__(self) -> int:
        return self._K * len(self._years)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        k, y = divmod(i, len(self._years))
        return (k, self._years[y])

    def __iter__(self):
        ys = self._years
        for k in range(self._K):
            for y in ys:
                yield (k, y)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None
