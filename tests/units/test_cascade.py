"""Tests of the counter-current solvent-extraction cascade (recyclopt.units.cascade).

Every expected value is derived independently in a comment: Kremser's equation by hand, the
conservation of each component over the whole cascade and over every stage, linearity, and
the closed form of the fractional-extraction split.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recyclopt.errors import InputError, RecycloptError
from recyclopt.units.cascade import (
    CascadeDesign,
    ReagentParameters,
    SeparationInfeasibleError,
    _system,
    analytic_split,
    design_stages,
    distribution_ratios_from_betas,
    kremser_fraction,
    kremser_stages,
    load_separation_factors,
    lookup_separation_factor,
    simulate,
    split_matrix,
)

COMPS = ("A", "B", "C")


# --------------------------------------------------------------------------- strategies
@st.composite
def designs(draw, max_extract=25, max_scrub=25, max_strip=8, components=COMPS):
    nc = len(components)
    log_d = st.floats(-2.0, 2.0)
    n_e = draw(st.integers(1, max_extract))
    n_s = draw(st.integers(0, max_scrub))
    n_st = draw(st.integers(0, max_strip))
    d_e = [10 ** draw(log_d) for _ in range(nc)]
    d_s = [10 ** draw(log_d) for _ in range(nc)]
    d_st = [10 ** draw(st.floats(-3.0, 1.0)) for _ in range(nc)]
    oa_e = 10 ** draw(st.floats(-1.0, 1.0))
    oa_s = oa_e * 10 ** draw(st.floats(0.01, 1.0))
    oa_st = 10 ** draw(st.floats(-1.0, 1.0))
    feed_stage = draw(st.integers(1, n_e + n_s)) if n_s > 0 else n_e
    return CascadeDesign(components, n_e, n_s, n_st, d_e, d_s, d_st, oa_extract=oa_e,
                         oa_scrub=oa_s if n_s else None, oa_strip=oa_st, feed_stage=feed_stage)


# flows are zero or physically meaningful (no subnormal numbers)
flows = st.one_of(st.just(0.0), st.floats(1e-6, 10.0))
feeds = st.lists(flows, min_size=3, max_size=3).map(np.array)


# --------------------------------------------------------------------------- Kremser
def test_kremser_textbook_example():
    # Kremser: phi = (E - 1) / (E^(N+1) - 1). By hand for E = 1.5, N = 5:
    # 1.5^6 = 11.390625, so phi = 0.5 / 10.390625 = 0.048120300...
    assert kremser_fraction(1.5, 5) == pytest.approx(0.5 / 10.390625, rel=1e-14)
    assert kremser_fraction(1.5, 5) == pytest.approx(0.04812, abs=5e-6)


def test_kremser_special_values():
    # E = 1: phi = 1/(N+1) (limit of the formula); E = 2, N = 3: (2-1)/(2^4-1) = 1/15;
    # E = 0: nothing is extracted, phi = 1; N = 0: no stage, phi = 1.
    assert kremser_fraction(1.0, 4) == pytest.approx(0.2, rel=1e-14)
    assert kremser_fraction(2.0, 3) == pytest.approx(1 / 15, rel=1e-14)
    assert kremser_fraction(0.0, 7) == 1.0
    assert kremser_fraction(3.0, 0) == pytest.approx(1.0)
    # E = 0.5, N = 3: (0.5 - 1)/(0.5^4 - 1) = 0.5/0.9375 = 0.5333...
    np.testing.assert_allclose(kremser_fraction(np.array([0.5, 2.0]), 3), [0.5 / 0.9375, 1 / 15])


@pytest.mark.parametrize("e", [0.6, 1.0, 1.5, 3.0, 20.0])
@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_kremser_stages_inverts_fraction(e, n):
    assert kremser_stages(e, kremser_fraction(e, n)) == pytest.approx(n, abs=1e-9)


def test_kremser_stages_infeasible_below_limit():
    # E = 0.5: with infinitely many stages phi -> 1 - E = 0.5; 0.4 is out of reach.
    with pytest.raises(SeparationInfeasibleError, match="1 - E"):
        kremser_stages(0.5, 0.4)
    with pytest.raises(InputError, match="fraction_unextracted"):
        kremser_stages(1.5, 0.0)


# --------------------------------------------------------------------------- cascade vs Kremser
@pytest.mark.parametrize(("e", "n"), [(1.5, 5), (0.7, 4), (1.0, 6), (3.0, 10), (25.0, 30)])
@pytest.mark.parametrize("oa", [1.0, 0.4])
def test_extraction_section_alone_reproduces_kremser(e, n, oa):
    # Extraction section only, feed at stage N, fresh organic at stage 1: the raffinate
    # fraction is Kremser's phi(E, N) with E = D O/A.
    d = CascadeDesign(("X",), n, 0, 0, [e / oa], oa_extract=oa)
    split = split_matrix(d)
    phi = (e - 1) / (e ** (n + 1) - 1) if e != 1 else 1 / (n + 1)
    assert split.loc["X", "raffinate"] == pytest.approx(phi, rel=1e-12)
    assert split.loc["X", "extract"] == pytest.approx(1 - phi, rel=1e-12)


def test_strip_section_follows_kremser():
    # Extraction with D = 1e6 in one stage sends (1 - 1/(1+1e6)) of the feed to the organic;
    # a strip section of 3 stages with stripping factor S = A/(D O) = 1/(0.5 * 1) = 2 leaves
    # phi = (2-1)/(2^4-1) = 1/15 of it in the organic, which returns to stage 1 and is
    # re-extracted. Closing the loop: product P = (1 - rho) L and L = F x/(1+x) + L rho (1-g)
    # with x = 1e6, g = 1/(1+1e6) (the closed form's fraction of recycled metal lost to the
    # raffinate); so P = F x/(1+x) (1 - rho) / (1 - rho (1 - g)).
    d = CascadeDesign(("X",), 1, 0, 3, [1e6], d_strip=[0.5], oa_extract=1.0, oa_strip=1.0)
    x, rho = 1e6, 1 / 15
    g = 1 / (1 + x)
    expected = x / (1 + x) * (1 - rho) / (1 - rho * (1 - g))
    assert split_matrix(d).loc["X", "extract"] == pytest.approx(expected, rel=1e-12)
    assert analytic_split(d).loc["X", "extract"] == pytest.approx(expected, rel=1e-12)


def test_fractional_extraction_closed_form_by_hand():
    # n = 2 extraction, m = 1 scrub, no strip, E = 2 (extraction), E' = 4 (scrub):
    # S_2(2) = 1 + 2 = 3, U = S_2(1/4) = 1 + 1/4 = 1.25, x = E S_n / U = 2*3/1.25 = 4.8,
    # extract fraction = x/(1+x) = 4.8/5.8.
    d = CascadeDesign(("X",), 2, 1, 0, [2.0], [2.0], oa_extract=1.0, oa_scrub=2.0)
    assert split_matrix(d).loc["X", "extract"] == pytest.approx(4.8 / 5.8, rel=1e-13)


@settings(max_examples=150, deadline=None)
@given(designs())
def test_closed_form_matches_stage_solution(design):
    if design.feed_stage != design.n_extract:
        design = CascadeDesign(design.components, design.n_extract, design.n_scrub,
                               design.n_strip, design.d_extract, design.d_scrub,
                               design.d_strip, design.oa_extract, design.oa_scrub,
                               design.oa_strip)
    a = analytic_split(design)
    s = split_matrix(design)
    np.testing.assert_allclose(a.to_numpy(), s.to_numpy(), rtol=1e-9, atol=1e-300)


@settings(max_examples=40, deadline=None)
@given(designs(max_extract=6, max_scrub=6, max_strip=3), feeds)
def test_agrees_with_dense_linear_solve(design, feed):
    # Small, well-conditioned cascades: the subtraction-free elimination equals a dense LU
    # solve of the stage-balance matrix.
    m, _ = _system(design)
    rhs = np.zeros((len(COMPS), design.n_stages))
    rhs[:, design.feed_stage - 1] = feed
    dense = np.linalg.solve(m, rhs[..., None])[..., 0]
    res = simulate(design, feed)
    aq = np.vstack([res.profiles[f"aq_{c}"].to_numpy() for c in COMPS])
    np.testing.assert_allclose(aq, dense, rtol=1e-8, atol=1e-12 * max(feed.max(), 1e-300))


# --------------------------------------------------------------------------- conservation
@settings(max_examples=200, deadline=None)
@given(designs(), feeds)
def test_mass_balance_closes(design, feed):
    # Conservation of every component over the cascade: raffinate + extract = feed.
    res = simulate(design, feed)
    closure = np.abs(res.raffinate + res.extract - feed)
    assert np.all(closure <= 1e-12 * feed)
    assert res.balance_error <= 1e-12
    assert np.all(res.raffinate >= 0) and np.all(res.extract >= 0)


@settings(max_examples=60, deadline=None)
@given(designs(), feeds)
def test_every_stage_balance_closes(design, feed):
    # Per stage: organic in + aqueous in + feed = organic out + aqueous out.
    res = simulate(design, feed)
    n, top = design.n_stages, design.n_extract + design.n_scrub
    for k, c in enumerate(COMPS):
        a = res.profiles[f"aq_{c}"].to_numpy()
        o = res.profiles[f"org_{c}"].to_numpy()
        org_in = np.concatenate([[o[-1] if design.n_strip else 0.0], o[:-1]])
        aq_in = np.concatenate([a[1:], [0.0]])
        aq_in[top - 1] = 0.0  # fresh scrub (or strip) liquor enters the top of the section
        f = np.zeros(n)
        f[design.feed_stage - 1] = feed[k]
        inflow, outflow = org_in + aq_in + f, a + o
        np.testing.assert_allclose(inflow, outflow, rtol=1e-11, atol=1e-13 * (feed.max() + 1))


@settings(max_examples=150, deadline=None)
@given(designs(), feeds, feeds, st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_linearity_in_the_feed(design, f1, f2, a, b):
    # At fixed D every outlet is linear in the feed: sim(a f1 + b f2) = a sim(f1) + b sim(f2).
    r12 = simulate(design, a * f1 + b * f2)
    r1, r2 = simulate(design, f1), simulate(design, f2)
    scale = 1e-11 * (a * f1 + b * f2 + 1e-300)
    assert np.all(np.abs(r12.extract - (a * r1.extract + b * r2.extract)) <= scale)
    assert np.all(np.abs(r12.raffinate - (a * r1.raffinate + b * r2.raffinate)) <= scale)


@settings(max_examples=50, deadline=None)
@given(designs(), feeds)
def test_split_matrix_is_feed_independent(design, feed):
    split = split_matrix(design)
    res = simulate(design, feed)
    np.testing.assert_allclose(split.sum(axis=1), 1.0, rtol=1e-13)
    pos = feed > 0
    np.testing.assert_allclose(res.extract[pos] / feed[pos], split["extract"].to_numpy()[pos],
                               rtol=1e-12)


def test_scrub_improves_purity():
    # Adding scrub stages can only wash more of the less-extractable B out of the extract.
    base = dict(components=("A", "B"), n_extract=6, n_strip=3, d_extract=[2.0, 0.5],
                d_strip=0.05, oa_extract=1.0, oa_strip=1.0)
    feed = {"A": 1.0, "B": 1.0}
    no_scrub = simulate(CascadeDesign(n_scrub=0, **base), feed)
    scrub = simulate(CascadeDesign(n_scrub=6, oa_scrub=3.0, **base), feed)
    assert scrub.outlet_purity(["A"]) > no_scrub.outlet_purity(["A"])


# --------------------------------------------------------------------------- result content
def test_profiles_and_concentrations():
    d = CascadeDesign(("Nd", "Pr"), 3, 2, 2, [1.5, 1.0], d_strip=0.05, oa_extract=1.0,
                      oa_scrub=2.0, oa_strip=2.0)
    res = simulate(d, {"Nd": 0.75, "Pr": 0.25}, feed_volume_flow=0.5)
    prof = res.profiles
    assert list(prof.index) == [1, 2, 3, 4, 5, 6, 7]
    assert list(prof["section"]) == ["extract"] * 3 + ["scrub"] * 2 + ["strip"] * 2
    # feed aqueous flow relative to O: 1/1 - 1/2 = 0.5 -> organic = 0.5/0.5 = 1 m3 per time
    assert prof["org_volume"].iloc[0] == pytest.approx(1.0)
    assert prof["aq_volume"].iloc[0] == pytest.approx(1.0)  # A_e = O/oa_extract
    assert prof["aq_volume"].iloc[4] == pytest.approx(0.5)  # scrub liquor O/oa_scrub
    assert prof["aq_volume"].iloc[6] == pytest.approx(0.5)  # strip O/oa_strip
    # y/x = D in every stage
    np.testing.assert_allclose(prof["y_Nd"] / prof["x_Nd"],
                               [1.5] * 5 + [0.05] * 2, rtol=1e-12)
    assert res.purity["extract"].sum() == pytest.approx(1.0)
    assert res.recovery("Nd") == pytest.approx(res.extract[0] / 0.75)


def test_reagents_per_kg_by_hand():
    # Nd only, D = 1000, 2 extraction stages: essentially all Nd reaches the strip liquor.
    # Per mol Nd: NaOH 3 * 0.4 mol, HCl 3 * (1 + 0.2) mol; per kg Nd divide by 0.144242 kg/mol:
    # NaOH = 1.2 * 39.997 / 144.242 = 0.33275 kg/kg; HCl = 3.6 * 36.461 / 144.242 = 0.90999.
    # Extractant: feed 1 m3 per time at O/A 1 (no scrub) -> O = 1, strip O/A 2 -> 0.5 m3;
    # aqueous out 1.5 m3 * 0.01 kg/m3 = 0.015 kg per (1 mol * 0.144242 kg/mol * recovery).
    d = CascadeDesign(("Nd",), 2, 0, 3, [1000.0], d_strip=0.01, oa_extract=1.0, oa_strip=2.0)
    res = simulate(d, {"Nd": 1.0}, feed_volume_flow=1.0, reagents=ReagentParameters(
        saponification_degree=0.4, strip_acid_excess=0.2, extractant_loss_kg_per_m3=0.01))
    kg = res.extract[0] * 0.144242
    assert res.reagents.re_extracted_kg == pytest.approx(kg, rel=1e-4)
    assert res.reagents.naoh_kg_per_kg_re == pytest.approx(1.2 * 39.997 / 144.242, rel=1e-4)
    assert res.reagents.hcl_kg_per_kg_re == pytest.approx(3.6 * 36.461 / 144.242, rel=1e-4)
    assert res.reagents.extractant_kg_per_kg_re == pytest.approx(0.015 / kg, rel=1e-4)
    # the same feed in kg gives the same per-kg figures
    res_kg = simulate(d, {"Nd": 0.144242}, basis="kg")
    assert res_kg.reagents.naoh_kg_per_kg_re == pytest.approx(
        res.reagents.naoh_kg_per_kg_re, rel=1e-4)
    assert math.isnan(res_kg.reagents.extractant_kg_per_kg_re)


def test_reagents_count_co_extracted_iron_and_unknown_names():
    # 0.1 mol Fe(III) co-extracted with 1 mol Nd: NaOH per kg Nd rises by (3*0.1)/(3*1) = 10 %.
    d = CascadeDesign(("Fe", "Nd"), 2, 0, 3, [1000.0, 1000.0], d_strip=0.01)
    base = simulate(d, {"Nd": 1.0}).reagents.naoh_kg_per_kg_re
    with_fe = simulate(d, {"Nd": 1.0, "Fe": 0.1}).reagents.naoh_kg_per_kg_re
    assert with_fe / base == pytest.approx(1.1, rel=1e-6)
    anon = CascadeDesign(("X",), 2, 0, 0, [1.0])
    assert simulate(anon, [1.0]).reagents is None


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(n_extract=-1), r"n_extract must be an integer >= 1"),
        (dict(n_extract=0), r"n_extract must be an integer >= 1"),
        (dict(n_scrub=-2), r"n_scrub must be an integer >= 0"),
        (dict(n_strip=-1), r"n_strip must be an integer >= 0"),
        (dict(d_extract=[1.0, -0.5]), r"d_extract\['B'\] must be finite and >= 0"),
        (dict(d_strip=[0.1, float("nan")]), r"d_strip\['B'\] must be finite and >= 0"),
        (dict(d_extract=[1.0]), r"d_extract must have one value per component"),
        (dict(d_extract={"A": 1.0, "Z": 2.0}), r"d_extract names components not in the design"),
        (dict(oa_extract=0.0), r"oa_extract must be > 0"),
        (dict(oa_strip=-1.0), r"oa_strip must be > 0"),
        (dict(oa_scrub=0.5), r"oa_scrub must be > oa_extract"),
        (dict(oa_scrub=None), r"oa_scrub is required when n_scrub > 0"),
        (dict(feed_stage=9), r"feed_stage must be an integer in 1\.\.6"),
        (dict(components=("A", "A")), r"components must be unique"),
    ],
)
def test_design_validation_messages(kwargs, pattern):
    args = dict(components=("A", "B"), n_extract=3, n_scrub=3, n_strip=2, d_extract=[1.0, 2.0],
                oa_extract=1.0, oa_scrub=2.0)
    args.update(kwargs)
    with pytest.raises(InputError, match=pattern) as info:
        CascadeDesign(**args)
    assert isinstance(info.value, ValueError) and isinstance(info.value, RecycloptError)


def test_feed_validation():
    d = CascadeDesign(("A", "B"), 2, 0, 0, [1.0, 2.0])
    with pytest.raises(InputError, match=r"feed\['A'\] must be finite and >= 0"):
        simulate(d, [-1.0, 1.0])
    with pytest.raises(InputError, match="not in the design"):
        simulate(d, {"Q": 1.0})
    with pytest.raises(InputError, match="basis"):
        simulate(d, [1.0, 1.0], basis="lb")


# --------------------------------------------------------------------------- separation factors
def test_distribution_ratios_from_betas():
    # D_i = beta_{i/ref} D_ref: Pr = 0.5 / 1.5, Dy = 0.5 * 100
    d = distribution_ratios_from_betas("Nd", 0.5, {"Pr": 1 / 1.5, "Dy": 100.0})
    assert d == pytest.approx({"Nd": 0.5, "Pr": 0.5 / 1.5, "Dy": 50.0})
    with pytest.raises(InputError, match=r"betas\['Dy'\] must be finite and > 0"):
        distribution_ratios_from_betas("Nd", 0.5, {"Dy": 0.0})
    with pytest.raises(InputError, match="d_reference"):
        distribution_ratios_from_betas("Nd", -1.0, {})


def test_separation_factor_table():
    t = load_separation_factors()
    assert list(t.columns) == ["extractant", "system", "element_i", "element_j", "beta", "low",
                               "high", "source", "confidence", "notes"]
    assert t["source"].notna().all()
    assert set(t["confidence"]) <= {"high", "medium", "low", "assumption"}
    bounded = t.dropna(subset=["low", "high"])
    assert ((bounded["low"] <= bounded["beta"]) & (bounded["beta"] <= bounded["high"])).all()
    nd_pr = lookup_separation_factor("Nd", "Pr")
    assert 1.4 <= nd_pr <= 1.6
    assert lookup_separation_factor("Pr", "Nd") == pytest.approx(1 / nd_pr)
    assert lookup_separation_factor("Dy", "Tb") > 1
    # heavy vs light is large (> 50 in the cascade literature)
    assert lookup_separation_factor("Dy", "Nd") > 50
    with pytest.raises(InputError, match="no separation factor"):
        lookup_separation_factor("Nd", "Lu")


# --------------------------------------------------------------------------- design mode
ND_PR_FEED = {"Nd": 0.76, "Pr": 0.24}


def _check_targets(result, heavy, key, purity, recovery, feed):
    res = simulate(result.design, feed)
    assert res.outlet_purity(heavy) >= purity - 1e-9
    assert res.recovery(key) >= recovery - 1e-9
    assert res.balance_error < 1e-12


def test_design_nd_pr_meets_targets_and_is_minimal():
    r = design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": 1.5, "Pr": 1.0}, target_purity=0.995,
                      target_recovery=0.99)
    _check_targets(r, ["Nd"], "Nd", 0.995, 0.99, ND_PR_FEED)
    assert r.separation_stages == r.n_extract + r.n_scrub
    assert r.total_stages == r.separation_stages + r.n_strip
    # minimum reflux 1/(beta - 1) = 2; the design runs at 1.5 x 2 = 3
    assert r.min_reflux_ratio == pytest.approx(2.0)
    assert r.reflux_ratio == pytest.approx(3.0, rel=1e-9)
    # inside the window: key heavy carried up (E > 1), key light washed down (E' < 1)
    assert r.e_key_extract > 1 > r.e_light_scrub
    # more stages than the constant-separation-factor total-reflux bound
    assert r.separation_stages > r.fenske_min_stages
    # minimality: one stage fewer is infeasible
    with pytest.raises(SeparationInfeasibleError):
        design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": 1.5, "Pr": 1.0}, target_purity=0.995,
                      target_recovery=0.99, max_stages=r.separation_stages - 1)
    # the total-reflux bound needs fewer stages than the operable design
    free = design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": 1.5, "Pr": 1.0},
                         target_purity=0.995, target_recovery=0.99, reflux_factor=None)
    _check_targets(free, ["Nd"], "Nd", 0.995, 0.99, ND_PR_FEED)
    assert free.separation_stages < r.separation_stages


def test_design_stages_fall_with_beta():
    stages = [design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": b, "Pr": 1.0},
                            target_purity=0.99, target_recovery=0.98).separation_stages
              for b in (1.4, 2.0, 4.0)]
    assert stages[0] > stages[1] > stages[2]


def test_design_group_split_multicomponent():
    d = distribution_ratios_from_betas("Nd", 0.05, {"Pr": 1 / 1.5, "Tb": 50.0, "Dy": 100.0})
    feed = {"Nd": 0.70, "Pr": 0.20, "Dy": 0.08, "Tb": 0.02}
    r = design_stages(["Nd", "Pr"], ["Dy", "Tb"], feed, d, target_purity=0.995,
                      target_recovery=0.99)
    assert (r.key_heavy, r.key_light) == ("Tb", "Nd")
    assert r.beta_key == pytest.approx(50.0)
    _check_targets(r, ["Dy", "Tb"], "Tb", 0.995, 0.99, feed)


def test_design_beta_one_is_infeasible():
    # beta = 1: every component splits alike, so the best purity is the feed purity 0.76.
    with pytest.raises(SeparationInfeasibleError) as info:
        design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": 1.0, "Pr": 1.0}, target_purity=0.995,
                      target_recovery=0.99)
    msg = str(info.value)
    assert "0.995" in msg and "beta Nd/Pr = 1" in msg and "0.76" in msg
    assert isinstance(info.value, ValueError)


def test_design_purity_beyond_stage_limit_reports_best():
    with pytest.raises(SeparationInfeasibleError) as info:
        design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": 1.5, "Pr": 1.0},
                      target_purity=0.99999, target_recovery=0.99, max_stages=30)
    msg = str(info.value)
    assert "0.99999" in msg and "1.5" in msg and "max_stages = 30" in msg
    best = float(msg.rsplit(" ", 1)[-1])
    assert 0.76 < best < 0.99999


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(target_purity=1.0), r"target_purity must be in \(0, 1\)"),
        (dict(target_recovery=0.0), r"target_recovery must be in \(0, 1\)"),
        (dict(reflux_factor=0.9), r"reflux_factor must be > 1"),
        (dict(max_stages=0), r"max_stages must be an integer >= 1"),
        (dict(key="Pr"), r"key must be one of heavy"),
    ],
)
def test_design_validation(kwargs, pattern):
    args = dict(target_purity=0.99, target_recovery=0.99)
    args.update(kwargs)
    with pytest.raises(InputError, match=pattern):
        design_stages(["Pr"], ["Nd"], ND_PR_FEED, {"Nd": 1.5, "Pr": 1.0}, **args)


def test_split_matrix_frame_layout():
    d = CascadeDesign(("Nd", "Pr"), 2, 0, 0, [1.5, 1.0])
    s = split_matrix(d)
    assert isinstance(s, pd.DataFrame)
    assert list(s.columns) == ["raffinate", "extract"]
    assert list(s.index) == ["Nd", "Pr"]


def test_separation_factor_lookup_matches_the_table_filter():
    # the dict index behind lookup_separation_factor against filtering the bundled table
    # directly (first matching row; the inverse pair inverted), every pair, extractant, system
    import itertools

    from recyclopt.units.cascade import load_separation_factors, lookup_separation_factor

    t = load_separation_factors()

    def by_filter(ei, ej, ext, system):
        tt = t[t["extractant"] == ext]
        if system is not None:
            tt = tt[tt["system"] == system]
        d = tt[(tt["element_i"] == ei) & (tt["element_j"] == ej)]
        if len(d):
            return float(d["beta"].iloc[0])
        inv = tt[(tt["element_i"] == ej) & (tt["element_j"] == ei)]
        return 1.0 / float(inv["beta"].iloc[0]) if len(inv) else None

    els = sorted(set(t["element_i"]) | set(t["element_j"]))
    for ext in sorted(set(t["extractant"])):
        for system in [None, *sorted(set(t["system"].dropna()))]:
            for ei, ej in itertools.permutations(els, 2):
                want = by_filter(ei, ej, ext, system)
                if want is None:
                    with pytest.raises(InputError):
                        lookup_separation_factor(ei, ej, ext, system)
                else:
                    assert lookup_separation_factor(ei, ej, ext, system) == want
