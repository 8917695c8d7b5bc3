"""What a built model holds: the per-column objective pieces and epsilon metrics are made on
demand, and equal the objective vectors they are the terms of."""

from __future__ import annotations

import numpy as np

from recyclopt.optimize import case_from_dict
from recyclopt.optimize.model import build_model

from .cases import small_case


def _check_remade(d: dict) -> None:
    case = case_from_dict(d)
    om = build_model(case)
    # not held by the build: dense vectors over every column
    assert "pieces" not in dict.keys(om.meta) and "metrics" not in dict.keys(om.meta)
    pieces, metrics = om.meta["pieces"], om.meta["metrics"]
    # reference: the objectives that are these terms alone (objective_vector's definitions:
    # recovered_value is rev x, recovered_mass rec_tot x, min_co2 co2 / 1000 x)
    assert np.array_equal(pieces["revenue"], build_model(case, objective="recovered_value").c)
    assert np.array_equal(metrics["recovered_kg"],
                          build_model(case, objective="recovered_mass").c)
    assert np.array_equal(metrics["co2_t"], build_model(case, objective="min_co2").c)
    assert metrics["recovered_value_usd"] is pieces["revenue"]


def test_meta_pieces_are_made_on_demand_and_equal_the_objective_terms():
    _check_remade(small_case())


def test_meta_pieces_of_a_phased_plant():
    _check_remade(dict(small_case(), planning={"mode": "phased"}))


def test_epsilon_limits_still_use_the_metrics():
    # an epsilon row on the horizon's recovered mass is the recovered_mass objective's vector
    case = case_from_dict(small_case())
    om = build_model(case, extra=[("recovered_kg", None, 1.0, np.inf)])
    g = [g for g in om.builder.groups if g.name.startswith("epsilon_")]
    assert len(g) == 1
    row = g[0].A.toarray()[0]
    assert np.array_equal(row, build_model(case, objective="recovered_mass").c)
