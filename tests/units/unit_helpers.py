"""Helpers shared by the unit-operation tests (one-unit flowsheets and their read-outs)."""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.flowsheet import single_unit


def run(unit_type, params, flows_kg_h, T=298.15):
    """Solve a one-unit flowsheet; balances are checked to 1e-9."""
    res = single_unit(unit_type, params, flows_kg_h, T).solve()
    res.check_balances(1e-9)
    return res


def kg_h(res, stream, species):
    return res.streams[stream].mass(species) * 3600.0


def reagent_kg_h(res, species):
    return res.units["u"].reagents.mass(species) * 3600.0


def assert_additive(ra, rb, rab, duties=("electricity_W", "heat_W", "heat_rejected_W")):
    """Streams and duties of the solve at feed a + b equal the sums of those at a and at b
    (a unit linear in its feed at fixed design)."""
    for s in rab.streams:
        np.testing.assert_allclose(rab.streams[s].flows,
                                   ra.streams[s].flows + rb.streams[s].flows, rtol=1e-9,
                                   atol=1e-15)
    for attr in duties:
        assert getattr(rab.units["u"], attr) == pytest.approx(
            getattr(ra.units["u"], attr) + getattr(rb.units["u"], attr), rel=1e-9, abs=1e-12)
