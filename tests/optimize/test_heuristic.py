"""The LP-guided start heuristic: its plans are plans of the full model, the optimum does not
move, and the closing rule behaves at its extremes as derived by hand."""

from __future__ import annotations

import time

import numpy as np
import pytest

import recyclopt.optimize.heuristic as heuristic
from recyclopt.cli import main
from recyclopt.errors import InputError
from recyclopt.optimize import case_from_dict
from recyclopt.optimize.compiler import compile_model
from recyclopt.optimize.heuristic import lp_guided_plan
from recyclopt.optimize.model import build_model
from recyclopt.optimize.solve import solve

from .cases import generated_case, small_case


def _rich() -> dict:
    # generated_case at 3x its product prices: several plants pay, so the plans are not empty
    d = generated_case(10, 4, 3)
    for p in d["products"].values():
        p["price_usd_per_kg"] = {e: 3 * v for e, v in p["price_usd_per_kg"].items()}
    return d


def _build_cols(om, cm) -> np.ndarray:
    pos = {id(v): i for i, v in enumerate(cm.columns)}
    b = om.builder.blocks["build"]
    return np.array([pos[id(v)] for v in om.columns[b.offset:b.offset + b.size]])


def _rich_compiled():
    """The rich case's model, its compiled form, its build columns and its optimum (solved
    apart, without the heuristic)."""
    case = case_from_dict(_rich())
    om = build_model(case)
    cm = compile_model(om.model)
    return om, cm, _build_cols(om, cm), solve(build_model(case), heuristic="none")[1].objective


def _feasible(cm, x: np.ndarray, tol: float = 1e-6) -> bool:
    ax = cm.A @ x
    scale = np.maximum(1.0, np.abs(ax))
    ints = cm.integrality.astype(bool)
    return bool(np.all(ax >= cm.row_lo - tol * scale) and np.all(ax <= cm.row_hi + tol * scale)
                and np.all(x >= cm.col_lo - tol) and np.all(x <= cm.col_hi + tol)
                and np.all(np.abs(x[ints] - np.round(x[ints])) <= tol))


def test_same_optimum_and_a_feasible_start():
    case = case_from_dict(_rich())
    plain = solve(build_model(case), heuristic="none")[1]
    assert plain.proven_optimal and plain.objective > 0 and not plain.heuristic
    x, info = solve(build_model(case), time_limit=60, heuristic="lp_guided")
    assert info.proven_optimal
    assert info.objective == pytest.approx(plain.objective, rel=1e-6)
    h = info.heuristic
    assert 0 < h["n_closed"] < h["n_options"]
    # the restricted plan is a plan of the full model, no better than its optimum
    assert h["objective"] <= plain.objective * (1 + 1e-9)
    om = build_model(case)
    cm = compile_model(om.model)
    res = lp_guided_plan(cm, _build_cols(om, cm), time_limit=60)
    assert res.x is not None and _feasible(cm, res.x)
    assert res.objective == pytest.approx(float(cm.c @ res.x) + cm.offset, rel=1e-9, abs=1e-6)


def test_closing_rule_at_its_extremes():
    # threshold above every LP value (builds are <= 1): every option is closed, no option has
    # capacity, so nothing flows and the plan is worth 0. Threshold 0: nothing is closed, the
    # restricted MILP is the full model and reaches its optimum.
    om, cm, cols, opt = _rich_compiled()
    shut = lp_guided_plan(cm, cols, time_limit=60, threshold=1.5, mip_gap=1e-9)
    assert shut.n_closed == len(cols)
    assert shut.objective == pytest.approx(0.0, abs=1e-6)
    assert np.all(shut.x[cols] == 0)
    full = lp_guided_plan(cm, cols, time_limit=60, threshold=0.0, mip_gap=1e-9)
    assert full.n_closed == 0
    assert full.objective == pytest.approx(opt, rel=1e-6)


def test_auto_starts_the_heuristic_only_when_the_probe_does_not_settle(monkeypatch):
    # 'auto' with a time limit lets HiGHS alone try the model for PROBE_SHARE of it: the
    # small case is solved within 5 % of 30 s, so no heuristic runs. With a probe too short
    # for anything, the heuristic runs on the rich case and the full solve reaches the optimum
    # found without it (the heuristic's plans are plans of the model: the optimum does not
    # move).
    small = solve(build_model(case_from_dict(small_case())), time_limit=30)[1]
    assert small.proven_optimal and not small.heuristic
    assert small.choice == "probe: HiGHS alone 1.5 s: Optimal"
    case = case_from_dict(_rich())
    plain = solve(build_model(case), heuristic="none")[1]
    monkeypatch.setattr(heuristic, "PROBE_SHARE", 1e-9)
    info = solve(build_model(case), time_limit=60)[1]
    assert info.heuristic and info.proven_optimal
    assert info.choice.startswith("probe: HiGHS alone 6e-08 s: Time limit reached; rows:")
    assert info.objective == pytest.approx(plain.objective, rel=1e-6)
    assert not solve(build_model(case))[1].heuristic  # no time limit: nothing to share


def test_bad_heuristic_settings_are_input_errors(tmp_path, capsys):
    om = build_model(case_from_dict(small_case()))
    with pytest.raises(InputError, match="heuristic 'greedy'; allowed: auto, lp_guided, none"):
        solve(om, heuristic="greedy")
    with pytest.raises(InputError, match="needs a time limit"):
        solve(om, heuristic="lp_guided")
    # the CLI says so before building anything, in one line, and exits non-zero
    assert main(["optimize", "--heuristic", "lp_guided"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--heuristic lp_guided needs --time-limit" in err[0]


@pytest.mark.parametrize("sense", ["max", "min"])
def test_dual_bound_is_weak_duality(sense):
    # At the LP's optimal duals (simplex) the bound is the LP optimum; at any other
    # multipliers it is on the far side of it (above for a maximisation, below for a
    # minimisation): weak duality, the definition of a bound. The minimisation is the same
    # model with the NPV negated (its optimum is minus the maximum).
    import copy

    from recyclopt.optimize.heuristic import dual_bound
    from recyclopt.optimize.highs import handoff

    cm = compile_model(build_model(case_from_dict(_rich())).model)
    if sense == "min":
        cm = copy.copy(cm)
        cm.c, cm.sense = -np.asarray(cm.c), "min"
    h = handoff(cm.relaxation(), time_limit=None, mip_gap=None, threads=1, verbose=False)
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    z = h.getInfo().objective_function_value
    assert abs(z) > 1e6  # a plant pays at these prices: the bound is not trivially 0
    y = np.asarray(h.getSolution().row_dual)
    assert dual_bound(cm, y) == pytest.approx(z, rel=1e-9)
    far = 1.0 if sense == "max" else -1.0
    rng = np.random.default_rng(0)
    finite = 0
    for _ in range(20):
        b = dual_bound(cm, y + rng.normal(0.0, 1.0, len(y)) * np.abs(y).max())
        if np.isfinite(b):
            finite += 1
            assert far * (b - z) >= -1e-9 * abs(z)
    assert finite >= 5


@pytest.mark.parametrize("yearly", [False, True])
@pytest.mark.parametrize("scaled", [False, True])
def test_lp_with_the_cut_rows_is_the_cut_models_lp(yearly, scaled):
    # feed_to_build_rows on a model built without the rows, appended to its compiled (and,
    # as solve() hands it, scaled) model by with_rows, gives the LP of the model built with
    # them: the same rows over the same columns, so the same LP optimum (in the case's units:
    # a scaled objective is divided by its scale). Its bound is then at most the bound
    # without them and at least the MILP optimum (valid inequalities: the optimum is a
    # point of both LPs).
    from recyclopt.optimize.compiler import compiled_index
    from recyclopt.optimize.heuristic import with_rows
    from recyclopt.optimize.highs import handoff, scale_compiled
    from recyclopt.optimize.model import feed_to_build_rows

    case = case_from_dict(_rich())

    def lp_opt(cm) -> float:
        h = handoff(cm.relaxation(), time_limit=None, mip_gap=None, threads=1, verbose=False)
        h.run()
        assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
        return h.getInfo().objective_function_value

    om = build_model(case, formulation="tight_bounds")
    cm = compile_model(om.model)
    cm_s, col_scale, k = scale_compiled(cm) if scaled else (cm, None, 1.0)
    g = feed_to_build_rows(om, yearly=yearly)
    ext = with_rows(cm_s, g.A, g.lo, g.hi, compiled_index(om, cm), col_scale)
    assert ext.A.shape[0] == cm.A.shape[0] + g.shape[0] == len(ext.rows)
    ref = compile_model(build_model(
        case, formulation="tight_cuts_yearly" if yearly else "tight_cuts").model)
    z_ext, z_ref, z_plain = lp_opt(ext) / k, lp_opt(ref), lp_opt(cm_s) / k
    assert z_ext == pytest.approx(z_ref, rel=1e-7)
    opt = solve(build_model(case), heuristic="none")[1].objective
    assert opt - 1e-6 * abs(opt) <= z_ext <= z_plain + 1e-6 * abs(z_plain)
    assert z_ext < z_plain  # the rows cut this case's LP optimum off
    # the heuristic's bound from the extended LP's duals is this LP bound
    res = lp_guided_plan(cm_s, _build_cols(om, cm), time_limit=60, lp_model=ext)
    assert res.lp_bound / k == pytest.approx(z_ext, rel=1e-6)


def test_with_rows_refuses_a_column_the_compiler_left_out():
    from recyclopt.optimize.heuristic import with_rows
    from recyclopt.optimize.model import feed_to_build_rows

    om = build_model(case_from_dict(_rich()), formulation="tight_bounds")
    cm = compile_model(om.model)
    g = feed_to_build_rows(om)
    idx = np.arange(om.builder.n)
    idx[g.A.indices[0]] = -1
    with pytest.raises(ValueError, match="left out"):
        with_rows(cm, g.A, g.lo, g.hi, idx)


def test_threshold_ladder_starts_each_wider_set_from_the_last_plan():
    # thresholds (1.5, 1.2, 0.0), by hand: 1.5 closes every option (LP builds are <= 1), so
    # its restricted MILP's plan is worth 0; 1.2 closes the same set and is skipped; 0.0
    # closes none, so the last restricted MILP is the full model, started from the empty
    # plan, and reaches the full model's optimum (solved apart, without the heuristic)
    om, cm, cols, opt = _rich_compiled()
    res = lp_guided_plan(cm, cols, time_limit=60, threshold=(0.0, 1.2, 1.5), mip_gap=1e-9)
    assert [s[:3] for s in res.stages] == [(1.5, len(cols), "Optimal"), (0.0, 0, "Optimal")]
    assert res.stages[0][4] == pytest.approx(0.0, abs=1e-6)
    assert res.objective == pytest.approx(opt, rel=1e-6) == res.stages[1][4]
    assert res.n_closed == 0 and res.mip_s == pytest.approx(res.stages[0][3] + res.stages[1][3])
    assert _feasible(cm, res.x)


def test_a_looser_lp_opens_the_first_stage_and_stays_open():
    # restrict with first_xb, by hand: a looser LP with every build at 0 closes every option
    # in the first stage (plan worth 0); the guide's builds at 1 then open all of them, the
    # union keeps them open, and that stage is the full model started from the empty plan:
    # it reaches the optimum. The other way round (looser LP at 1, guide at 0), the first
    # stage opens everything, and the guide's stages, kept nested by the union, close
    # nothing more: they are skipped.
    from recyclopt.optimize.heuristic import HeuristicResult, restrict

    om, cm, cols, opt = _rich_compiled()
    for first, guide, stages in ((0.0, 1.0, [(0.2, len(cols)), (0.2, 0)]),
                                 (1.0, 0.0, [(0.2, 0)])):
        res = HeuristicResult(None, "", float("nan"), 0.0, 0, len(cols))
        restrict(cm, cols, np.full(len(cols), guide), res, deadline=time.perf_counter() + 60,
                 threshold=(0.2, 0.1), mip_gap=1e-9, first_xb=np.full(len(cols), first))
        assert [s[:2] for s in res.stages] == stages and res.first_stages == 1
        assert res.objective == pytest.approx(opt, rel=1e-6)
        assert _feasible(cm, res.x)


def test_adopt_takes_a_finished_lp_and_keeps_the_tighter_bound():
    # by hand, maximisation: a finished LP with a looser bound (12 > 10) is taken for its
    # values, with the tighter bound (10) and both LPs' seconds (2 + 3); an unfinished one is
    # not taken, and only its seconds are added to the old guide (2 + 4)
    from recyclopt.optimize.heuristic import LPGuide, adopt

    def lp(bound, seconds, finished):
        return LPGuide(np.zeros(1), bound, "", seconds, True, finished)

    g, taken = adopt(lp(10.0, 2.0, True), lp(12.0, 3.0, True), "max")
    assert taken and (g.bound, g.seconds) == (10.0, 5.0)
    old = lp(10.0, 2.0, True)
    g, taken = adopt(old, lp(9.0, 4.0, False), "max")
    assert not taken and g is old and (g.bound, g.seconds) == (10.0, 6.0)


def test_summary_in_the_cases_units():
    # a scaled model's objective is k times the case's: the summary divides the bound, the
    # plan and each stage's plan by k (here k = 0.5: 2.0 scaled is 4 USD)
    from recyclopt.optimize.heuristic import HeuristicResult

    r = HeuristicResult(None, "Optimal", 10.0, 1.0, 3, 5, "Optimal", 2.0, 4.0,
                        stages=[(0.2, 3, "Optimal", 4.0, 2.0)])
    s = r.summary(0.5)
    assert (s["lp_bound"], s["objective"], s["n_closed"]) == (20.0, 4.0, 3)
    assert s["stages"] == "threshold 0.2: 3 closed, Optimal in 4.0 s, plan 4"
    assert "x" not in s


def test_plan_summary_reports_the_heuristic_and_its_stages():
    # the plan's text names the LP bound and each restricted MILP the ladder ran, with the
    # plan in the case's units: the last stage's plan is the heuristic's objective
    from recyclopt.optimize import optimize

    plan = optimize(case_from_dict(_rich()), time_limit=60, heuristic="lp_guided")
    h = plan.solver.heuristic
    text = plan.summary()
    assert "start heuristic (LP-guided)" in text
    line = next(ln for ln in text.splitlines() if "restricted MILPs:" in ln)
    assert line.strip() == f"restricted MILPs: {h['stages']}"
    # the rich case gets the segment-split LP, so its first stage follows the looser LP
    assert h["stages"].startswith("first LP threshold 0.2: ")
    assert h["stages"].endswith(f"plan {h['objective']:,.6g}")
