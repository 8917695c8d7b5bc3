"""The cohort (inflow-driven stock) model: hand-computed examples, conservation, engines agree."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from recyclopt.errors import InputError
from recyclopt.feed import Lifetime, inflow_driven, stock_driven
from recyclopt.feed.cohort import convolve_numpy

YEARS = np.arange(2020, 2026)
SALES = np.array([100.0, 200.0, 300.0, 0.0, 0.0, 0.0])
#: discrete lifetime: none leave at age 0, 50 % at age 1, 30 % at age 2, 20 % at age 3
PMF = (0.0, 0.5, 0.3, 0.2)

PARAMETRIC = [
    Lifetime("fixed", {"mean_yr": 3}),
    Lifetime("fixed", {"mean_yr": 2.5}),
    Lifetime("normal", {"mean_yr": 4, "sd_yr": 1.5}),
    Lifetime("lognormal", {"mean_yr": 5, "sd_yr": 2}),
    Lifetime("weibull", {"scale_yr": 3, "shape": 2}),
]


def test_hand_computed_discrete_cohort_example():
    # EoL[t] = sum_c sales[c] * p[t - c], by hand:
    # 2020: 100*0                         =   0
    # 2021: 100*0.5 + 200*0               =  50
    # 2022: 100*0.3 + 200*0.5 + 300*0     = 130
    # 2023: 100*0.2 + 200*0.3 + 300*0.5   = 230
    # 2024:           200*0.2 + 300*0.3   = 130
    # 2025:                     300*0.2   =  60      (total 600 = all sold)
    # stock = previous stock + sold - EoL: 100, 250, 420, 190, 60, 0
    r = inflow_driven(YEARS, SALES, Lifetime("discrete", pmf=PMF))
    assert r.engine == "numpy"
    np.testing.assert_allclose(r.eol, [0, 50, 130, 230, 130, 60], rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.stock, [100, 250, 420, 190, 60, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("engine", ["numpy", "flodym"])
def test_hand_computed_fixed_lifetime(engine):
    if engine == "flodym":
        pytest.importorskip("flodym")
    # fixed 3 yr with mid-year inflow: a unit sold in year c leaves in year c + 3
    r = inflow_driven(YEARS, SALES, Lifetime("fixed", {"mean_yr": 3}), engine)
    np.testing.assert_allclose(r.eol, [0, 0, 0, 100, 200, 300], atol=1e-12)
    np.testing.assert_allclose(r.stock, [100, 300, 600, 500, 300, 0], atol=1e-12)


def test_weibull_shares_from_the_cdf():
    # p[0] = F(0.5), p[k] = F(k+0.5) - F(k-0.5), F = Weibull(shape 2, scale 3) from scipy
    F = stats.weibull_min(2, scale=3).cdf
    want = [F(0.5)] + [F(k + 0.5) - F(k - 0.5) for k in range(1, 6)]
    got = Lifetime("weibull", {"scale_yr": 3, "shape": 2}).age_pmf(6)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("lt", PARAMETRIC + [Lifetime("discrete", pmf=PMF)],
                         ids=lambda lt: lt.describe())
@pytest.mark.parametrize("engine", ["numpy", "flodym"])
def test_units_are_conserved(lt, engine):
    if engine == "flodym":
        if lt.kind == "discrete":
            pytest.skip("flodym has no discrete lifetime model")
        pytest.importorskip("flodym")
    rng = np.random.default_rng(7)
    years = np.arange(1990, 2030)
    sales = rng.uniform(0, 1e6, years.size)
    r = inflow_driven(years, sales, lt, engine)
    # sold so far = in stock + reached end of life so far, every year
    np.testing.assert_allclose(np.cumsum(sales), r.stock + np.cumsum(r.eol), rtol=1e-9)
    assert (r.eol >= -1e-9).all() and (r.stock >= -1e-6).all()


@pytest.mark.parametrize("lt", PARAMETRIC, ids=lambda lt: lt.describe())
def test_flodym_and_numpy_agree(lt):
    pytest.importorskip("flodym")
    years = np.arange(2000, 2040)
    sales = np.linspace(1e3, 5e4, years.size) ** 1.3
    a = inflow_driven(years, sales, lt, "flodym")
    b = inflow_driven(years, sales, lt, "numpy")
    assert a.engine == "flodym" and b.engine == "numpy"
    np.testing.assert_allclose(a.eol, b.eol, rtol=1e-9, atol=1e-9 * sales.max())
    np.testing.assert_allclose(a.stock, b.stock, rtol=1e-9, atol=1e-9 * sales.max())


@pytest.mark.parametrize("lt", PARAMETRIC + [Lifetime("discrete", pmf=PMF)],
                         ids=lambda lt: lt.describe())
def test_convolution_matches_an_independent_double_loop(lt):
    sales = np.array([5.0, 0.0, 7.0, 3.0, 11.0, 2.0, 0.0, 4.0])
    n = sales.size
    p = lt.age_pmf(n)
    eol = np.zeros(n)
    stock = np.zeros(n)
    for t in range(n):
        for c in range(t + 1):
            eol[t] += sales[c] * p[t - c]
            stock[t] += sales[c] * (1.0 - sum(p[: t - c + 1]))
    got_eol, got_stock = convolve_numpy(sales, lt)
    np.testing.assert_allclose(got_eol, eol, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_stock, stock, rtol=1e-12, atol=1e-12)


def test_lognormal_uses_the_lifetime_mean_and_sd():
    # the discretised shares of a long table have the given mean (to the discretisation)
    p = Lifetime("lognormal", {"mean_yr": 8, "sd_yr": 3}).age_pmf(200)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert (np.arange(200) * p).sum() == pytest.approx(8.0, abs=0.05)


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "gamma"}, "lifetime"),
    ({"kind": "normal", "params": {"mean_yr": 5}}, "lifetime"),
    ({"kind": "weibull", "params": {"scale_yr": -1, "shape": 2}}, "scale_yr"),
    ({"kind": "discrete", "pmf": (0.5, 0.4)}, "pmf"),
])
def test_bad_lifetimes_are_input_errors(kwargs, field):
    with pytest.raises(InputError) as e:
        Lifetime(**kwargs)
    assert e.value.field == field


def test_bad_series_are_input_errors():
    lt = Lifetime("fixed", {"mean_yr": 1})
    with pytest.raises(InputError, match="consecutive"):
        inflow_driven(np.array([2020, 2022]), np.array([1.0, 2.0]), lt)
    with pytest.raises(InputError, match=">= 0"):
        inflow_driven(np.array([2020, 2021]), np.array([1.0, -2.0]), lt)
    with pytest.raises(InputError, match="engine"):
        inflow_driven(np.array([2020]), np.array([1.0]), lt, engine="odym")


# ---------------------------------------------------------------- stock-driven
def test_hand_computed_stock_driven_example():
    # the discrete example above read backwards: the end-of-year stock 100, 250, 420, 190, 60, 0
    # with p = (0, 0.5, 0.3, 0.2) gives back sales 100, 200, 300, 0, 0, 0 and the same EoL.
    # By hand, surv = 1 - cumsum(p) = (1, 0.5, 0.2, 0): 2021: 250 - 100*0.5 = 200;
    # 2022: 420 - 100*0.2 - 200*0.5 = 300; 2023: 190 - 100*0 - 200*0.2 - 300*0.5 = 0
    r = stock_driven(YEARS, np.array([100.0, 250, 420, 190, 60, 0]),
                     Lifetime("discrete", pmf=PMF))
    np.testing.assert_allclose(r.inflow, SALES, atol=1e-9)
    np.testing.assert_allclose(r.eol, [0, 50, 130, 230, 130, 60], atol=1e-9)


@pytest.mark.parametrize("lt", PARAMETRIC, ids=lambda lt: lt.describe())
@pytest.mark.parametrize("engine", ["numpy", "flodym"])
def test_stock_driven_round_trip_and_conservation(lt, engine):
    if engine == "flodym":
        pytest.importorskip("flodym")
    years = np.arange(2000, 2030)
    sales = 1e4 * (1.0 + np.sin(np.arange(years.size) / 3.0) ** 2)
    fwd = inflow_driven(years, sales, lt, "numpy")
    back = stock_driven(years, fwd.stock, lt, engine)
    np.testing.assert_allclose(back.inflow, sales, rtol=1e-7)
    np.testing.assert_allclose(np.cumsum(back.inflow), back.stock + np.cumsum(back.eol),
                               rtol=1e-9)


def test_stock_driven_needs_units_that_survive_a_year():
    with pytest.raises(InputError, match="survive"):
        stock_driven(YEARS, np.ones(6), Lifetime("fixed", {"mean_yr": 0.2}), "numpy")
