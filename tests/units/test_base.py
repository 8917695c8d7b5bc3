"""Unit parameter declarations: the machine-readable confidence grade and its count."""

from __future__ import annotations

import pytest

from recyclopt.flowsheet import load_flowsheet, single_unit
from recyclopt.units.base import Param


def test_grade_is_declared_or_inferred_from_the_source():
    assert Param(1.0, source="Smith 2020, Table 2").grade == "sourced"
    assert Param(1.0, source="assumption: 1 (range 0.5-2)").grade == "assumption"
    assert Param(1.0, source="").grade == "assumption"
    assert Param(1.0, source="design choice").grade == "design"
    assert Param(1.0, source="estimate: 1-2 quoted").grade == "estimate"
    assert Param(1.0, source="assumption: x", confidence="estimate").grade == "estimate"
    with pytest.raises(ValueError, match="confidence 'maybe'"):
        Param(1.0, confidence="maybe")


def test_assumption_count_leaves_out_what_the_flowsheet_sets():
    # the count is every assumption-grade default the unit uses, read from its declarations
    fs = single_unit("leach", {}, {"Nd2O3": 1.0})
    unit = fs.units["u"].unit
    declared = [n for n, p in unit.params.items()
                if p.grade == "assumption" and p.default not in (None, {}, [])]
    assert sorted(unit.assumption_params()) == sorted(declared)
    assert "liquid_to_solid" in declared
    # setting a parameter in the flowsheet removes it from the count
    fs2 = single_unit("leach", {"liquid_to_solid": 5.0}, {"Nd2O3": 1.0})
    assert fs2.units["u"].unit.assumption_params() == [
        n for n in declared if n != "liquid_to_solid"]
    route = load_flowsheet("roast_leach_oxalate")
    names = route.assumption_params()
    assert names and all(n.count(".") == 1 for n in names)
    assert "leach.liquid_to_solid" in names
