"""Checks on the bundled data tables (feedstocks, prices, Taiwan availability).

Uses pandas only and reads the CSV files directly (no package imports), so it runs
before the rest of the package exists.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "recyclopt" / "data"

FEEDSTOCK_COLS = [
    "feedstock",
    "parameter",
    "value",
    "low",
    "high",
    "unit",
    "source",
    "confidence",
    "notes",
]
PRICE_COLS = ["item", "value", "unit", "low", "high", "year", "source", "confidence", "notes"]
AVAIL_COLS = ["feedstock", "year", "eol_units", "collection_rate", "source", "confidence", "notes"]

FEEDSTOCKS = [
    "HDD_VCM",
    "EV_traction",
    "ebike_hub",
    "wind_DD",
    "industrial_servo",
    "phone_speaker",
    "swarf",
    "consumer_audio",
]
COMPOSITION = [
    f"{e}_wt_pct" for e in ["Nd", "Pr", "Dy", "Tb", "Fe", "B", "Co", "Cu", "Al", "Ga", "other"]
]
REQUIRED_NUMERIC = [
    "magnet_mass_kg_per_unit",
    *COMPOSITION,
    "coating_wt_pct",
    "O_wt_pct",
    "contaminant_wt_pct",
]
REQUIRED_TEXT = [
    "unit_description",
    "coating",
    "oxidation_state",
    "liberation_routes",
    "hd_compatible",
]
OPTIONAL = ["lifetime_yr", "eol_units_note"]
TEXT_PARAMS = set(REQUIRED_TEXT) | {"eol_units_note"}
ALLOWED_PARAMS = set(REQUIRED_NUMERIC) | set(REQUIRED_TEXT) | set(OPTIONAL)

CONFIDENCE = {"high", "medium", "low", "assumption"}

PRICE_UNITS = {
    "NdPr_oxide": "USD/kg",
    "Nd_oxide": "USD/kg",
    "Pr_oxide": "USD/kg",
    "Dy_oxide": "USD/kg",
    "Tb_oxide": "USD/kg",
    "mixed_REO": "fraction of separated-oxide value",
    "NdPr_metal": "USD/kg",
    "NdFeB_alloy_powder": "USD/kg",
    "recycled_magnet": "USD/kg",
    "iron_oxide_byproduct": "USD/kg",
    "HCl": "USD/kg",
    "H2SO4": "USD/kg",
    "HNO3": "USD/kg",
    "oxalic_acid": "USD/kg",
    "NaOH": "USD/kg",
    "NH3": "USD/kg",
    "Cu_nitrate": "USD/kg",
    "hydrogen": "USD/kg",
    "nitrogen": "USD/kg",
    "argon": "USD/kg",
    "Mg": "USD/kg",
    "graphite_anode": "USD/kg",
    "PC88A": "USD/kg",
    "D2EHPA": "USD/kg",
    "kerosene": "USD/kg",
    "electricity_TW": "USD/kWh",
    "electricity_US": "USD/kWh",
    "natural_gas": "USD/MWh (HHV)",
    "water": "USD/m3",
    "waste_disposal_solid": "USD/kg",
    "labour_TW_operator": "USD/h",
    "labour_US_operator": "USD/h",
    "grid_CO2_TW": "kg CO2e/kWh",
    "grid_CO2_US": "kg CO2/kWh",
    "USD_per_TWD": "USD/TWD",
}


@pytest.fixture(scope="module")
def feed() -> pd.DataFrame:
    return pd.read_csv(DATA / "feedstocks.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return pd.read_csv(DATA / "prices.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def avail() -> pd.DataFrame:
    return pd.read_csv(DATA / "taiwan_availability.csv", dtype=str, keep_default_na=False)


def _num(s: pd.Series) -> pd.Series:
    """Empty strings -> NaN; anything else must parse as a number."""
    return pd.to_numeric(s.replace("", float("nan")), errors="raise")


def _value(df: pd.DataFrame, feedstock: str, parameter: str) -> str:
    sel = df[(df.feedstock == feedstock) & (df.parameter == parameter)]
    assert len(sel) == 1, (feedstock, parameter, len(sel))
    return sel.iloc[0]["value"]


# ------------------------------------------------------------------ schema


def test_schemas(feed, prices, avail):
    assert list(feed.columns) == FEEDSTOCK_COLS
    assert list(prices.columns) == PRICE_COLS
    assert list(avail.columns) == AVAIL_COLS


def test_every_row_has_a_source_and_known_confidence(feed, prices, avail):
    for name, df in [("feedstocks", feed), ("prices", prices), ("availability", avail)]:
        assert (df["source"].str.strip() != "").all(), f"{name}: empty source"
        bad = set(df["confidence"]) - CONFIDENCE
        assert not bad, f"{name}: unknown confidence {bad}"


def test_assumptions_explain_themselves(feed, prices, avail):
    for df in (feed, prices, avail):
        assumed = df[df["confidence"] == "assumption"]
        assert (assumed["notes"].str.strip() != "").all()


# ------------------------------------------------------------- feedstocks


def test_feedstock_ids_and_parameter_vocabulary(feed):
    assert set(feed["feedstock"]) == set(FEEDSTOCKS)
    unknown = set(feed["parameter"]) - ALLOWED_PARAMS
    assert not unknown, unknown
    assert not feed.duplicated(["feedstock", "parameter"]).any()


@pytest.mark.parametrize("feedstock", FEEDSTOCKS)
def test_every_required_parameter_present(feed, feedstock):
    have = set(feed.loc[feed.feedstock == feedstock, "parameter"])
    missing = (set(REQUIRED_NUMERIC) | set(REQUIRED_TEXT)) - have
    assert not missing, f"{feedstock} misses {sorted(missing)}"


@pytest.mark.parametrize("feedstock", FEEDSTOCKS)
def test_composition_sums_to_100(feed, feedstock):
    comp = feed[(feed.feedstock == feedstock) & feed.parameter.isin(COMPOSITION)]
    assert len(comp) == len(COMPOSITION)
    total = _num(comp["value"]).sum()
    assert total == pytest.approx(100.0, abs=0.01), f"{feedstock}: {total}"


def test_numeric_values_nonnegative_and_within_range(feed):
    num = feed[~feed.parameter.isin(TEXT_PARAMS)]
    value, low, high = _num(num["value"]), _num(num["low"]), _num(num["high"])
    assert value.notna().all(), "numeric parameter without a value"
    for col in (value, low, high):
        assert (col.dropna() >= 0).all()
    assert ((low <= value) | low.isna()).all(), num[low > value][["feedstock", "parameter"]]
    assert ((value <= high) | high.isna()).all(), num[value > high][["feedstock", "parameter"]]


def test_text_parameters_vocabulary(feed):
    txt = feed.set_index(["feedstock", "parameter"])["value"]
    for fs in FEEDSTOCKS:
        assert txt[(fs, "unit_description")].strip()
        assert txt[(fs, "coating")] in {"Ni-Cu-Ni", "Zn", "epoxy", "none"}
        assert txt[(fs, "oxidation_state")] in {"metallic", "surface_oxidised", "oxidised"}
        assert txt[(fs, "hd_compatible")] in {"true", "false"}
        routes = txt[(fs, "liberation_routes")].split(";")
        assert routes and set(routes) <= {"manual", "robotic", "shred", "hd_direct"}
    # oxidised swarf cannot go to hydrogen decrepitation; HDDs can (Walton et al. 2015)
    assert txt[("swarf", "hd_compatible")] == "false"
    assert txt[("HDD_VCM", "hd_compatible")] == "true"
    assert "hd_direct" in txt[("HDD_VCM", "liberation_routes")].split(";")


def test_units_of_feedstock_rows(feed):
    comp = feed[feed.parameter.isin(COMPOSITION)]
    assert (comp["unit"] == "wt%").all()
    mm = feed[feed.parameter == "magnet_mass_kg_per_unit"]
    assert mm["unit"].str.startswith("kg").all()


# Source-value checks ---------------------------------------------------------


def test_hdd_composition_matches_ueberschaar_rotter(feed):
    # Ueberschaar & Rotter (2015), HDD magnets: Nd 22.9 +/- 2.8, Pr 2.7 +/- 2.2, Dy 1.4 +/- 1.5 wt%
    assert float(_value(feed, "HDD_VCM", "Nd_wt_pct")) == pytest.approx(22.9)
    assert float(_value(feed, "HDD_VCM", "Pr_wt_pct")) == pytest.approx(2.7)
    assert float(_value(feed, "HDD_VCM", "Dy_wt_pct")) == pytest.approx(1.4)


def test_phone_magnet_mass_matches_oeko_institut(feed):
    # Oeko-Institut (2012) sec. 4.4: measured loudspeaker magnet 190 mg per phone
    assert float(_value(feed, "phone_speaker", "magnet_mass_kg_per_unit")) == pytest.approx(190e-6)


def test_ebike_magnet_mass_matches_geometry(feed):
    # Horizon Magnets: 46 magnets of 24 x 13.65 x 3 mm; density 7.55 g/cm3 (midpoint 7.50-7.65)
    expected = 46 * 2.4 * 1.365 * 0.3 * 7.55 / 1000
    assert float(_value(feed, "ebike_hub", "magnet_mass_kg_per_unit")) == pytest.approx(
        expected, rel=1e-3
    )


# ----------------------------------------------------------------- prices


def test_price_items_and_units(prices):
    assert set(prices["item"]) == set(PRICE_UNITS)
    assert not prices["item"].duplicated().any()
    units = dict(zip(prices["item"], prices["unit"], strict=True))
    assert units == PRICE_UNITS


def test_price_values_nonnegative_and_within_range(prices):
    value, low, high = _num(prices["value"]), _num(prices["low"]), _num(prices["high"])
    assert value.notna().all()
    for col in (value, low, high):
        assert (col.dropna() >= 0).all()
    assert ((low <= value) | low.isna()).all()
    assert ((value <= high) | high.isna()).all()
    years = _num(prices["year"])
    assert years.between(2015, 2026).all()


def test_price_values_match_sources(prices):
    p = dict(zip(prices["item"], _num(prices["value"]), strict=True))
    # Fastmarkets, 11 Jul 2024: NdPr oxide 99% FOB China 50-52 USD/kg
    assert p["NdPr_oxide"] == pytest.approx(51.0)
    # Taiwan MOEA Energy Administration: 2023 grid emission factor 0.494 kg CO2e/kWh
    assert p["grid_CO2_TW"] == pytest.approx(0.494)
    # Taipei Times, 1 Oct 2024: NT$4.29/kWh = US$0.1355; the exchange rate is the same ratio
    assert p["electricity_TW"] == pytest.approx(0.1355)
    assert p["USD_per_TWD"] == pytest.approx(0.1355 / 4.29, rel=1e-4)
    # Laliwala & Torres: mixed REO valued at 75% of separated oxides
    assert p["mixed_REO"] == pytest.approx(0.75)


# ----------------------------------------------------------- availability


def test_availability_years_contiguous(avail):
    years = _num(avail["year"]).astype(int)
    avail = avail.assign(year=years)
    for fs, grp in avail.groupby("feedstock"):
        ys = sorted(grp["year"])
        assert ys == list(range(2027, 2037)), fs
    assert set(avail["feedstock"]) == set(FEEDSTOCKS)


def test_availability_values(avail):
    units = _num(avail["eol_units"])
    cr = _num(avail["collection_rate"])
    assert (units >= 0).all()
    assert cr.between(0, 1).all()


def test_hdd_availability_matches_derivation(avail):
    """HDD_VCM 2027 = PC drives + data-centre drives reaching end of life, recomputed here
    with an explicit cohort loop over feed_sales.csv / feed_trajectories.csv (independent of
    recyclopt.feed): units sold in year c at mid-year leave at age k with probability
    F(k + 0.5) - F(k - 0.5) (F(0.5) for k = 0)."""
    import math

    from scipy import stats

    sales = pd.read_csv(DATA / "feed_sales.csv")
    traj = pd.read_csv(DATA / "feed_trajectories.csv")

    def tr(product, parameter, year):
        t = traj[(traj["product"] == product) & (traj.parameter == parameter)].sort_values("year")
        return float(pd.Series(t.value.values, index=t.year.values).reindex(
            range(1990, 2040)).interpolate().bfill().ffill()[year])

    def domestic_eol(product, cdf, year):
        s = sales[sales["product"] == product].set_index("year")["units_sold"]
        total = 0.0
        for c in range(int(s.index.min()), year + 1):
            sold = float(s.get(c, s.iloc[-1]))      # held at the last value after the table
            k = year - c
            p = cdf(k + 0.5) - (cdf(k - 0.5) if k > 0 else 0.0)
            total += sold * tr(product, "magnet_share", c) * p
        return total * (1.0 - tr(product, "export_share", year))

    # pc_hdd: lognormal with lifetime mean 7 yr, sd 3 yr (feed_products.csv)
    s2 = math.log(1 + (3 / 7) ** 2)
    pc = domestic_eol("pc_hdd", stats.lognorm(math.sqrt(s2), scale=math.exp(math.log(7) - s2 / 2)
                                              ).cdf, 2027)
    # datacentre_hdd: Weibull scale 6 yr, shape 3
    dc = domestic_eol("datacentre_hdd", stats.weibull_min(3, scale=6).cdf, 2027)
    row = avail[(avail.feedstock == "HDD_VCM") & (avail.year.astype(int) == 2027)].iloc[0]
    assert float(row["eol_units"]) == pytest.approx(pc + dc, rel=1e-9, abs=2e-3)
    # collection: Shen et al. 45.82 % (PC drives), assumption 0.5 (data-centre drives)
    assert float(row["collection_rate"]) == pytest.approx((pc * 0.4582 + dc * 0.5) / (pc + dc),
                                                          abs=1e-6)
