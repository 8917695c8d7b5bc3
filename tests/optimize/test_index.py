"""The (item, year) index arithmetic of the plant model, checked against nested loops."""

from __future__ import annotations

import numpy as np

from recyclopt.optimize.index import PairYearLabels, YearIndex


def test_cells_are_item_major_with_years_inner():
    idx = YearIndex([2027, 2028, 2029])
    items = np.array([4, 0, 2])
    # by hand: cell (i, y) at i * 3 + y, items in the given order, years inner
    expected = [i * 3 + y for i in items.tolist() for y in range(3)]
    assert idx.cells(items).tolist() == expected
    assert idx.year_of(2).tolist() == [0, 1, 2, 0, 1, 2]
    assert idx.each(np.array([7.5, 1.0])).tolist() == [7.5, 7.5, 7.5, 1.0, 1.0, 1.0]
    assert idx.labels(["a", "b"]) == [("a", 2027), ("a", 2028), ("a", 2029),
                                      ("b", 2027), ("b", 2028), ("b", 2029)]
    assert idx.cells(np.zeros(0, dtype=int)).tolist() == []


def test_pair_year_labels_follow_the_flow_columns():
    lab = PairYearLabels(3, [2030, 2031])
    assert list(lab) == [(k, y) for k in range(3) for y in (2030, 2031)]
    assert lab[3] == (1, 2031) and lab[-1] == (2, 2031) and len(lab) == 6
