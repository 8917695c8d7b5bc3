"""The capex segments' split rows: valid for every plan (the MILP optimum does not move), a
tighter LP, refined blocks never looser, the same LP scaled or not, and the solve's use of
them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import recyclopt.optimize.heuristic as heuristic
from recyclopt.optimize import case_from_dict
from recyclopt.optimize.compiler import compile_model, compiled_index
from recyclopt.optimize.heuristic import split_blocks, with_columns, with_rows
from recyclopt.optimize.highs import handoff, scale_compiled
from recyclopt.optimize.model import build_model
from recyclopt.optimize.segment_flows import segment_flow_rows, year_blocks
from recyclopt.optimize.solve import solve

from .cases import generated_case


def _rich() -> dict:
    # generated_case at 3x its product prices: several plants pay, and several feedstocks
    # reach each option, so the split rows have something to cut
    d = generated_case(10, 4, 3)
    for p in d["products"].values():
        p["price_usd_per_kg"] = {e: 3 * v for e, v in p["price_usd_per_kg"].items()}
    return d


def _run(cm, mip: bool = False) -> tuple[str, float]:
    h = handoff(cm if mip else cm.relaxation(), time_limit=None, mip_gap=1e-9 if mip else None,
                threads=1, verbose=False)
    h.run()
    return h.modelStatusToString(h.getModelStatus()), h.getInfo().objective_function_value


def _split(om, cm, n_blocks: int, col_scale=None):
    """``cm`` (scaled by ``col_scale`` or not) with the split rows in ``n_blocks`` blocks."""
    sf = segment_flow_rows(om, n_blocks)
    idx = compiled_index(om, cm) if cm.columns else np.arange(om.builder.n)
    ext, idx2, scale2 = with_columns(cm, sf.col_hi, sf.scale_like, idx, col_scale)
    return with_rows(ext, sf.A, sf.lo, sf.hi, idx2, scale2), sf


@pytest.fixture(scope="module")
def rich():
    om = build_model(case_from_dict(_rich()))
    return om, compile_model(om.model)


@pytest.mark.parametrize(("n_years", "n_blocks"),
                         [(1, 1), (1, 5), (10, 0), (10, 3), (10, 10), (10, 40), (12, 7)])
def test_year_blocks_partition_the_years(n_years, n_blocks):
    blocks = year_blocks(n_years, n_blocks)
    # contiguous, in order, each year once; clamp(n, 1, Y) blocks differing by at most a year
    assert np.array_equal(np.concatenate(blocks), np.arange(n_years))
    assert len(blocks) == min(max(n_blocks, 1), n_years)
    lens = [len(b) for b in blocks]
    assert max(lens) - min(lens) <= 1


def test_block_count_from_the_one_block_lp_time(monkeypatch):
    # n = min(Y, floor(seconds left / (SPLIT_BLOCK_COST * one-block LP s))), by hand with a
    # cost of 1.5: 60 s left after a 2 s LP: 20 blocks, capped at 12 years; after a 4 s LP:
    # 10; after a 25 s LP: 1; with no time left: 0
    monkeypatch.setattr(heuristic, "SPLIT_BLOCK_COST", 1.5)
    years = list(range(2030, 2042))
    assert [split_blocks(s, 60.0, years) for s in (2.0, 4.0, 25.0)] == [12, 10, 1]
    assert split_blocks(2.0, -5.0, years) == 0


def test_the_optimum_does_not_move_and_the_lp_tightens(rich):
    # the rows are valid for every plan (module docstring), so the MILP with them added has
    # the model's optimum; its LP lies between that optimum and the model's LP (maximisation),
    # and here strictly below the LP: several feedstocks reach each option through curves of
    # several segments, which is what the rows cut
    om, cm = rich
    assert cm.sense == "max"
    st, opt = _run(cm, mip=True)
    assert st == "Optimal"
    one, _ = _split(om, cm, 1)
    every, sf = _split(om, cm, len(om.meta["years"]))
    assert sf.n_blocks == len(om.meta["years"]) and sf.n_new > 0
    st_e, opt_e = _run(every, mip=True)
    assert st_e == "Optimal"
    assert opt_e == pytest.approx(opt, rel=1e-6)
    lp_plain, lp_one, lp_every = (_run(m)[1] for m in (cm, one, every))
    tol = 1e-7 * abs(opt)
    # a block's rows are the sums of its years' rows (split, allowance, load), so one block
    # per year implies the one-block rows: refined blocks are never looser
    assert opt - tol <= lp_every <= lp_one + tol <= lp_plain + 2 * tol
    assert lp_every < lp_plain - 1e-4 * abs(lp_plain)


def test_the_plan_extends_to_the_new_columns(rich):
    # the optimal plan, its columns held, extends to new columns meeting every split row:
    # an LP over the new columns alone is feasible (the rows hold for every integer plan)
    om, cm = rich
    x = solve(build_model(case_from_dict(_rich())), heuristic="none")[0]
    ext, _ = _split(om, cm, 3)
    idx = compiled_index(om, cm)
    lo, hi = np.array(ext.col_lo, float), np.array(ext.col_hi, float)
    keep = idx >= 0
    lo[idx[keep]] = hi[idx[keep]] = x[keep]
    st, _ = _run(dataclasses.replace(ext, col_lo=lo, col_hi=hi,
                                     integrality=np.zeros_like(ext.integrality)))
    assert st == "Optimal"


def test_the_split_rows_imply_the_horizon_rows_of_the_options_they_split():
    # For a pair (f, o) of a split option: sum_y flow = sum_s g_s <= sum_s a_s z_s <= U_fo
    # sum_s z_s = U_fo build_o, as a_s = sum_y min(load avail, hi_s) <= U_fo = load sum_y
    # avail (module docstring; where an allowance row is left out, g_s <= |B| w_s <= |B| hi_s
    # z_s <= a_s z_s). So those horizon feed_to_build rows cut the model's LP but add nothing
    # to the split LP: solve() leaves them out of it
    from recyclopt.optimize.model import feed_to_build_rows

    om = build_model(case_from_dict(_rich()), formulation="tight_bounds")
    cm = compile_model(om.model)
    d = om.meta["data"]
    usable = np.flatnonzero(d.z_ub > 0)
    counts = np.bincount(d.seg["o"][usable], minlength=d.n_opt)
    split_opts = {o.name for o, n in zip(d.options, counts, strict=True) if n >= 2}
    g = feed_to_build_rows(om)
    keep = [i for i, (_, o) in enumerate(g.labels) if o in split_opts]
    assert keep
    A = g.A.tocsr()[keep]
    idx = compiled_index(om, cm)
    split, sf = _split(om, cm, 1)
    idx2 = np.concatenate([idx, cm.n_columns + np.arange(sf.n_new)])
    A2 = type(A)((A.data, A.indices, A.indptr), shape=(len(keep), len(idx2)))
    both = with_rows(split, A2, g.lo[keep], g.hi[keep], idx2)
    plain_rows = with_rows(cm, A, g.lo[keep], g.hi[keep], idx)
    lp_plain, lp_rows, lp_split, lp_both = (_run(m)[1] for m in (cm, plain_rows, split, both))
    tol = 1e-7 * abs(lp_plain)
    assert lp_rows < lp_plain - 1e-4 * abs(lp_plain)  # the rows cut the model's LP
    assert lp_split < lp_rows - 1e-4 * abs(lp_plain)  # the split LP is tighter still
    assert lp_both == pytest.approx(lp_split, abs=tol)  # and holds them already


def test_the_loose_split_lp_still_bounds(rich):
    # the split LP stops at SPLIT_IPM_TOLERANCE; its duals give a bound by weak duality
    # (dual_bound), so the bound is at or above the LP optimum (simplex, maximisation) and
    # near it
    om, cm = rich
    ext, _ = _split(om, cm, 2)
    st, z = _run(ext)
    assert st == "Optimal"
    b = om.builder.blocks["build"]
    build = compiled_index(om, cm)[b.offset:b.offset + b.size]
    g = heuristic.lp_guide(ext, build, time_limit=60, threads=1,
                           ipm_tolerance=heuristic.SPLIT_IPM_TOLERANCE)
    assert z - 1e-9 * abs(z) <= g.bound <= z + 1e-4 * abs(z)


def test_scaled_and_unscaled_give_one_lp(rich):
    # solve() adds the rows and columns to the model scaled by powers of two; the new columns
    # take their segment capacity's scale, so the LP optimum divided by the objective scale
    # is the unscaled one
    om, cm = rich
    cm_s, col_scale, k = scale_compiled(cm)
    raw, _ = _split(om, cm, 4)
    scaled, _ = _split(om, cm_s, 4, col_scale)
    assert _run(scaled)[1] / k == pytest.approx(_run(raw)[1], rel=1e-7)


def test_nothing_to_split_without_curves_of_several_segments_or_in_a_phased_plan():
    # a curve of one segment (two points) has nothing to split: its rows would restate the
    # capacity and feed_to_build rows; a phased plan buys capacity in blocks by build year
    # (other columns), so it gets none either; the rich case itself has rows to add
    assert segment_flow_rows(build_model(case_from_dict(_rich())), 3) is not None
    d = _rich()
    n_cut = 0
    for o in d["options"]:
        if "capex" in o:
            o["capex"]["points"] = o["capex"]["points"][:2]
            n_cut += 1
    assert n_cut > 0
    assert segment_flow_rows(build_model(case_from_dict(d)), 3) is None
    d = _rich()
    d["planning"] = {"mode": "phased"}
    assert segment_flow_rows(build_model(case_from_dict(d)), 3) is None


def test_solve_uses_the_split_lp_and_keeps_the_optimum(monkeypatch):
    # with a probe too short for anything, the start heuristic runs; the rich case's LPs are
    # quick, so the split LP runs in one block and then with every year a block, its bound is
    # the heuristic's,
    # and the full solve still reaches the optimum found without any of it
    case = case_from_dict(_rich())
    plain = solve(build_model(case), heuristic="none")[1]
    monkeypatch.setattr(heuristic, "PROBE_SHARE", 1e-9)
    info = solve(build_model(case), time_limit=60)[1]
    assert ("segment-split LP: 1 year block" in info.choice
            and f", {len(case.years)} year blocks" in info.choice)
    assert info.proven_optimal
    assert info.objective == pytest.approx(plain.objective, rel=1e-6)
    assert info.heuristic["lp_bound"] >= plain.objective * (1 - 1e-7)
