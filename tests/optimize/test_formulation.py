"""The tight formulations against the naive one: same plans, relaxations at least as tight,
and their bounds and valid inequalities checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.economics import scaling_law_curve
from recyclopt.errors import InputError
from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.model import build_model, feed_to_build_rows
from recyclopt.optimize.solve import solve

from .cases import generated_case, small_case


def _lp_bound(om) -> float:
    """Objective of the LP relaxation of a built model (HiGHS on the builder's arrays)."""
    from recyclopt.optimize.highs import new_highs, set_threads
    from recyclopt.scenarios.engine import _arrays

    a = _arrays(om)
    A = a.A.tocsc()
    h = new_highs()
    h.setOptionValue("output_flag", False)
    set_threads(h, None)  # HiGHS's scheduler is process-wide: keep recyclopt's bookkeeping
    h.setOptionValue("solve_relaxation", True)
    import highspy

    h.passModel(A.shape[1], A.shape[0], A.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMaximize if om.sense == "max" else
                    highspy.ObjSense.kMinimize), 0.0, om.c, a.col_lo, a.col_hi, a.row_lo,
                a.row_hi, A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data,
                np.zeros(A.shape[1], dtype=np.int32))
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    return float(h.getInfo().objective_function_value)


def _rich_small() -> dict:
    d = small_case()
    for p in d["products"].values():  # prices that make several plants pay
        p["price_usd_per_kg"] = {e: 3 * v for e, v in p["price_usd_per_kg"].items()}
    return d


@pytest.mark.parametrize("make", [small_case, _rich_small, lambda: generated_case(8, 3, 1)],
                         ids=["small", "small_3x_prices", "generated"])
def test_tight_and_naive_have_the_same_optimum(make):
    # The formulations describe the same integer plans (the tight bounds and rows are implied
    # by supply + build logic), so the MILP optima agree; each tighter LP relaxation lies
    # between the MILP optimum and the looser one: optimum <= tight_cuts_yearly <=
    # tight_cuts <= tight_bounds <= naive (the horizon rows are sums of the yearly ones; the
    # default tight is tight_cuts_yearly or tight_bounds).
    case = case_from_dict(make())
    res = {}
    for form in ("naive", "tight_bounds", "tight_cuts", "tight_cuts_yearly", "tight"):
        om = build_model(case, formulation=form)
        _, info = solve(om)
        assert info.proven_optimal
        res[form] = (info.objective, _lp_bound(om))
    opt_n, lp_n = res["naive"]
    scale = max(1.0, abs(opt_n))
    for form in ("tight_bounds", "tight_cuts", "tight_cuts_yearly", "tight"):
        assert abs(res[form][0] - opt_n) <= 1e-6 * scale
    lp_t, lp_c = res["tight_bounds"][1], res["tight_cuts"][1]
    lp_y = res["tight_cuts_yearly"][1]
    assert lp_t <= lp_n + 1e-6 * max(1.0, abs(lp_n))
    assert lp_c <= lp_t + 1e-6 * max(1.0, abs(lp_t))
    assert lp_y <= lp_c + 1e-6 * max(1.0, abs(lp_c))
    assert lp_y >= res["tight_cuts_yearly"][0] - 1e-6 * scale


def test_deliverable_capacity_counts_each_feedstock_once():
    # small_case by hand: hydromet (kg basis, mass_yield 1) is reached by hdd through manual
    # and through shred (0.01 kg magnet per unit either way) and by ev the same (1 kg/unit).
    # naive: every pair at its feedstock's peak year: 2 x 0.01 x 120,000 + 2 x 1.0 x 30,000
    #        = 62,400 kg/yr;
    # tight: each feedstock once, busiest year (2028): 0.01 x 120,000 + 1.0 x 30,000 = 31,200.
    case = case_from_dict(small_case())
    ub = {}
    for form in ("naive", "tight"):
        om = build_model(case, formulation=form, pyomo=False)
        b = om.builder.blocks["cap"]
        ub[form] = dict(zip(b.labels, b.ub, strict=True))
    assert ub["naive"]["hydromet"] == pytest.approx(62_400.0, rel=1e-12)
    assert ub["tight"]["hydromet"] == pytest.approx(31_200.0, rel=1e-12)
    # shred (units basis) sees the hdd units and the ev units once each: 120,000 + 30,000,
    # within its curve's end (200,000)
    assert ub["tight"]["shred"] == pytest.approx(150_000.0, rel=1e-12)


def test_capex_segments_are_clipped_to_what_can_arrive():
    # hydromet's curve (scaling law 100..100,000 kg/yr, 5 points) against its deliverable
    # 31,200 kg/yr (previous test): segments starting above it are switched off, the one
    # containing it ends there, the ones below keep their ends.
    d = small_case()
    c = d["options"][2]["capex"]
    curve = scaling_law_curve(c["ref_cost_usd"], c["ref_capacity"], c["exponent"],
                              c["min_capacity"], c["max_capacity"], c["n_points"])
    pts = np.asarray(curve.points, float)
    case = case_from_dict(d)
    om = build_model(case, formulation="tight", pyomo=False)
    o = [op.name for op in case.options].index("hydromet")
    seg = om.meta["seg"]
    mine = np.flatnonzero(seg["o"].to_numpy() == o)
    z = om.builder.blocks["seg_z"]
    w = om.builder.blocks["seg_w"]
    for s, (lo, hi) in zip(mine, zip(pts[:-1], pts[1:], strict=True), strict=True):
        if lo > 31_200.0:
            assert z.ub[s] == 0.0
        else:
            assert z.ub[s] == 1.0
            assert w.ub[s] == pytest.approx(min(hi, 31_200.0), rel=1e-12)


def test_feed_to_build_rows_by_hand():
    # tight_cuts (and tight on small models): one row per (feedstock, option with a fixed
    # cost): flow over the horizon <= U build; tight_bounds has none.
    # hdd availability 100k+120k+90k+80k+60k = 450,000 units over the 5 years; ev 5 x 30,000.
    # hydromet: U = 0.01 kg/unit x 450,000 = 4,500 kg (hdd), 1.0 x 150,000 = 150,000 (ev);
    # shred (units basis): 450,000 and 150,000; manual has no capex, fixed opex or operators
    # (its cost is per equipment unit), so it has no row.
    case = case_from_dict(small_case())
    assert not any(g.name == "feed_to_build" for g in
                   build_model(case, formulation="tight_bounds", pyomo=False).builder.groups)
    om = build_model(case, formulation="tight_cuts", pyomo=False)
    g = next(g for g in om.builder.groups if g.name == "feed_to_build")
    bcol = dict(zip(om.builder.blocks["build"].labels,
                    range(om.builder.blocks["build"].offset,
                          om.builder.blocks["build"].offset + len(case.options)), strict=True))
    got = {lab: -g.A[i, bcol[lab[1]]] for i, lab in enumerate(g.labels)}
    assert got == pytest.approx({("hdd", "shred"): 450_000.0, ("hdd", "hydromet"): 4_500.0,
                                 ("hdd", "sx"): 4_500.0, ("ev", "shred"): 150_000.0,
                                 ("ev", "hydromet"): 150_000.0, ("ev", "sx"): 150_000.0},
                                rel=1e-12)
    assert not any(lab[1] == "manual" for lab in g.labels)
    assert all(g.hi == 0.0)


def test_yearly_feed_to_build_rows_by_hand():
    # tight_cuts_yearly (tight on small models): the same rows year by year, bound
    # load x availability of that year: hdd 100k, 120k, 90k, 80k, 60k units (small_case);
    # hydromet 0.01 kg/unit -> 1,000, 1,200, 900, 800, 600 kg; ev 30,000 units a year.
    case = case_from_dict(small_case())
    om = build_model(case, formulation="tight_cuts_yearly", pyomo=False)
    g = next(g for g in om.builder.groups if g.name == "feed_to_build")
    b = om.builder.blocks["build"]
    bcol = dict(zip(b.labels, range(b.offset, b.offset + b.size), strict=True))
    got = {lab: -g.A[i, bcol[lab[1]]] for i, lab in enumerate(g.labels)}
    years = case.years.tolist()
    hdd = [100_000.0, 120_000.0, 90_000.0, 80_000.0, 60_000.0]
    want = {}
    for y, n in zip(years, hdd, strict=True):
        want.update({("hdd", "shred", y): n, ("hdd", "hydromet", y): 0.01 * n,
                     ("hdd", "sx", y): 0.01 * n, ("ev", "shred", y): 30_000.0,
                     ("ev", "hydromet", y): 30_000.0, ("ev", "sx", y): 30_000.0})
    assert got == pytest.approx(want, rel=1e-12)
    # each row holds only its own year's flows: summed over the years they give the
    # horizon rows of tight_cuts (same x coefficients, bound the sum of the yearly bounds)
    agg = next(g for g in build_model(case, formulation="tight_cuts",
                                      pyomo=False).builder.groups if g.name == "feed_to_build")
    pos = {lab: i for i, lab in enumerate(agg.labels)}
    S = np.zeros((agg.shape[0], g.shape[0]))
    for i, lab in enumerate(g.labels):
        S[pos[lab[:2]], i] = 1.0
    assert abs(np.asarray(S @ g.A) - agg.A.toarray()).max() <= 1e-9


def test_default_tight_adds_the_cuts_up_to_the_flow_column_limit(monkeypatch):
    # "tight" is tight_cuts_yearly while the flow columns (pairs x years) are at most
    # CUTS_MAX_FLOW_COLUMNS, tight_bounds above: checked at the boundary on small_case.
    import recyclopt.optimize.model as model

    case = case_from_dict(small_case())
    n_flow = build_model(case, pyomo=False).builder.blocks["x"].size

    def cut_rows(limit: int) -> int:
        monkeypatch.setattr(model, "CUTS_MAX_FLOW_COLUMNS", limit)
        om = build_model(case, formulation="tight", pyomo=False)
        return sum(g.shape[0] for g in om.builder.groups if g.name == "feed_to_build")

    # the six (feedstock, costly option) rows of the tests above, for each of 5 years
    assert cut_rows(n_flow) == 6 * 5
    assert cut_rows(n_flow - 1) == 0


def test_unknown_formulation_is_an_input_error():
    with pytest.raises(InputError, match="formulation"):
        build_model(case_from_dict(small_case()), formulation="loose", pyomo=False)


@pytest.mark.parametrize("price_factor", [2.5, 3.0])
def test_tight_keeps_plants_built_at_their_minimum_size(price_factor):
    # Regression: the bundled Taiwan case's HD line can only receive less magnet than its
    # capex curve's first point; the optimal plan builds it at that minimum and runs it below
    # capacity. Bounding capacity by the deliverable alone cut that plan off (tight optimum 0
    # against the naive 1.98 M / 4.69 M USD at these price factors); the bound is raised to the
    # curve's minimum size. Same integer plans, so the same optimum.
    from recyclopt.optimize import load_case

    case = load_case()
    got = {f: solve(build_model(case, formulation=f, price_factor=price_factor))[1].objective
           for f in ("naive", "tight")}
    assert got["naive"] > 0  # a plan that builds something: the comparison is not trivial
    assert got["tight"] == pytest.approx(got["naive"], rel=1e-6)


def test_capacity_bound_is_raised_to_the_curves_minimum_size():
    # small_case with hydromet's minimum plant size (first curve point) at 50,000 kg/yr, above
    # its deliverable 31,200 kg/yr (test above): the tight bound is 50,000, not 31,200, and
    # never above the naive bound 62,400.
    d = small_case()
    d["options"][2]["capex"]["min_capacity"] = 50_000
    case = case_from_dict(d)
    om = build_model(case, formulation="tight", pyomo=False)
    b = om.builder.blocks["cap"]
    assert dict(zip(b.labels, b.ub, strict=True))["hydromet"] == pytest.approx(50_000.0)


@pytest.mark.parametrize(("yearly", "form"), [(False, "tight_cuts"),
                                              (True, "tight_cuts_yearly")])
def test_feed_to_build_rows_of_a_model_built_without_them(yearly, form):
    # feed_to_build_rows recomputes, from a model built with bounds alone, the very rows the
    # cut formulations write (same matrix, limits and labels), and leaves the model as it was
    case = load_case("taiwan")
    om = build_model(case, formulation="tight_bounds", pyomo=False)
    n_groups = len(om.builder.groups)
    g = feed_to_build_rows(om, yearly=yearly)
    ref = next(g for g in build_model(case, formulation=form, pyomo=False).builder.groups
               if g.name == "feed_to_build")
    assert g.shape == ref.shape and (g.A != ref.A).nnz == 0
    assert np.array_equal(g.lo, ref.lo) and np.array_equal(g.hi, ref.hi)
    assert g.labels == ref.labels
    assert len(om.builder.groups) == n_groups
