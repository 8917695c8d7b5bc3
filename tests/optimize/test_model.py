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


def _priced(case, factor: float):
    """``case`` with every product price times ``factor`` (a new case, nothing else moved)."""
    import dataclasses

    prods = {n: dataclasses.replace(p, price_usd_per_kg={e: v * factor for e, v in
                                                         p.price_usd_per_kg.items()})
             for n, p in case.products.items()}
    return dataclasses.replace(case, products=prods)


def test_repriced_model_equals_a_rebuild():
    # reference: build_model on the re-priced case from scratch; the re-priced model must hand
    # HiGHS the same arrays (objective bit for bit, the same rows and bounds)
    from recyclopt.optimize.model import repriced
    from recyclopt.optimize.standard_form import compile_builder
    from recyclopt.optimize.superstructure import build

    case = case_from_dict(small_case())
    om = build_model(case, objective="npv", sup=build(case), pyomo=False)
    case2 = _priced(case, 1.7)
    sup2 = build(case2)
    ref = build_model(case2, objective="npv", sup=sup2, pyomo=False)
    got = repriced(om, case2, sup2)
    assert got is not None and got.builder is om.builder
    assert np.array_equal(got.c, ref.c) and not np.array_equal(got.c, om.c)
    a, b = compile_builder(got), compile_builder(ref)
    assert (a.A != b.A).nnz == 0
    for f in ("row_lo", "row_hi", "col_lo", "col_hi", "integrality", "c"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert np.array_equal(got.meta["pieces"]["revenue"], ref.meta["pieces"]["revenue"])


def test_repriced_refuses_a_model_with_prices_in_its_rows():
    from recyclopt.optimize.model import repriced

    case = case_from_dict(small_case())
    om = build_model(case, objective="npv", pyomo=False,
                     extra=[("recovered_value_usd", None, 1.0, np.inf)])
    assert repriced(om, _priced(case, 2.0), om.sup) is None
    assert repriced(build_model(case, objective="recovered_mass", pyomo=False), case,
                    om.sup) is None


def test_rows_added_to_a_built_model_equal_a_build_with_them():
    # reference: build_model with the extra rows from scratch; with_epsilon_rows on the model built
    # without them must hand HiGHS the same arrays (the rows appended last, as a build does)
    from recyclopt.optimize.model import with_epsilon_rows
    from recyclopt.optimize.standard_form import compile_builder

    case = case_from_dict(small_case())
    om = build_model(case, objective="npv", pyomo=False)
    vec = np.zeros(om.builder.n)
    xb = om.builder.blocks["x"]
    vec[xb.offset:xb.offset + xb.size] = 1.0
    rows = [("some_flow", vec, 1.0, np.inf), ("recovered_kg", None, 0.0, 1e9)]
    ref = build_model(case, objective="npv", pyomo=False, extra=rows)
    n_groups = len(om.builder.groups)
    got = with_epsilon_rows(om, rows)
    assert len(om.builder.groups) == n_groups  # the model it was made from is unchanged
    a, b = compile_builder(got), compile_builder(ref)
    assert a.A.shape == b.A.shape and (a.A != b.A).nnz == 0
    for f in ("row_lo", "row_hi", "col_lo", "col_hi", "integrality", "c"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert [g.name for g in got.builder.groups] == [g.name for g in ref.builder.groups]
