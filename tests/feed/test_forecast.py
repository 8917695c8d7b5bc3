"""Product forecasts and the availability table built from them."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from recyclopt.errors import InputError
from recyclopt.feed import (
    availability_table,
    forecast,
    load_products,
    mean_magnet_kg_per_unit,
)


def _write(tmp_path, products, sales, traj):
    pd.DataFrame(products, columns=["product", "feedstock", "lifetime_kind", "lifetime_params",
                                    "source", "confidence", "notes"]
                 ).to_csv(tmp_path / "feed_products.csv", index=False)
    pd.DataFrame(sales, columns=["product", "year", "units_sold", "source", "confidence", "notes"]
                 ).to_csv(tmp_path / "feed_sales.csv", index=False)
    pd.DataFrame(traj, columns=["product", "parameter", "year", "value", "low", "high", "source",
                                "confidence", "notes"]
                 ).to_csv(tmp_path / "feed_trajectories.csv", index=False)
    return load_products(tmp_path)


@pytest.fixture
def two_products(tmp_path):
    """Two products feeding one feedstock 'F', with numbers easy to follow by hand."""
    products = [("a", "F", "discrete", "pmf=0 0.5 0.5", "src A", "low", ""),
                ("b", "F", "fixed", "mean_yr=1", "src B", "medium", "")]
    sales = [("a", 2020, 1000, "s", "low", ""), ("a", 2021, 2000, "s", "low", ""),
             ("b", 2020, 400, "s", "low", "")]          # b: held at 400/yr after 2020
    traj = [("a", "magnet_share", 2020, 0.5, "", "", "t", "low", ""),
            ("a", "magnet_share", 2021, 1.0, "", "", "t", "low", ""),
            ("a", "magnet_kg_per_unit", 2020, 0.01, "", "", "t", "low", ""),
            ("a", "collection_rate", 2020, 0.5, "", "", "t", "low", ""),
            ("a", "export_share", 2020, 0.2, "", "", "t", "low", ""),
            ("b", "magnet_share", 2020, 1.0, "", "", "t", "low", ""),
            ("b", "magnet_kg_per_unit", 2020, 2.0, "", "", "t", "low", ""),
            ("b", "collection_rate", 2020, 0.25, "", "", "t", "low", ""),
            ("b", "export_share", 2020, 0.0, "", "", "t", "low", "")]
    return _write(tmp_path, products, sales, traj)


def test_hand_computed_two_product_forecast(two_products):
    fc = forecast(np.array([2021, 2022]), two_products, engine="numpy").set_index(
        ["product", "year"])
    # product a, 2022: sales held at 2,000 after 2021; cohorts 2020 (1,000) and 2021 (2,000)
    # leave half at age 1 and half at age 2: EoL 2022 = 1000*0.5 + 2000*0.5 = 1,500 units;
    # with magnet: 1000*0.5 (share 2020) *0.5 + 2000*1.0*0.5 = 1,250; domestic = 1250*0.8
    # = 1,000; collected = 1000*0.5 = 500; magnet kg = 1250*0.01*0.8*0.5 = 5
    a = fc.loc[("a", 2022)]
    assert a["eol_units"] == pytest.approx(1500)
    assert a["eol_magnet_units"] == pytest.approx(1250)
    assert a["domestic_units"] == pytest.approx(1000)
    assert a["collected_units"] == pytest.approx(500)
    assert a["collected_magnet_kg"] == pytest.approx(5.0)
    # product b, 2022: 400 sold in 2021 leave in 2022 (fixed 1 yr); collected 400*0.25 = 100
    b = fc.loc[("b", 2022)]
    assert b["eol_units"] == pytest.approx(400)
    assert b["collected_units"] == pytest.approx(100)
    assert b["collected_magnet_kg"] == pytest.approx(200)
    # availability: eol_units = 1000 + 400 = 1,400; collection = (500 + 100) / 1400
    av = availability_table(fc.reset_index(), two_products).set_index(["feedstock", "year"])
    row = av.loc[("F", 2022)]
    assert row["eol_units"] == pytest.approx(1400)
    assert row["collection_rate"] == pytest.approx(600 / 1400, abs=1e-6)
    assert row["confidence"] == "low"               # the weaker of low and medium
    assert "src A" in row["source"] and "src B" in row["source"]
    # mean magnet per collected unit over 2021-2022 (a 2021: 1000*0.5*0.5*0.8*0.5 = 100 units,
    # 1 kg; b 2021: 100 units, 200 kg): (1 + 200 + 5 + 200) / (100 + 100 + 500 + 100)
    assert mean_magnet_kg_per_unit(fc.reset_index())["F"] == pytest.approx(406 / 800)


def test_bundled_products_conserve_units():
    years = np.arange(2000, 2037)          # from the first sales year in the tables
    fc = forecast(years)
    for name, grp in fc.groupby("product"):
        g = grp.set_index("year")
        sold = g["sold_units"].cumsum()
        assert min(g.index) == 2000
        np.testing.assert_allclose(sold, g["stock_units"] + g["eol_units"].cumsum(),
                                   rtol=1e-9, atol=1e-9, err_msg=name)


def test_bundled_availability_is_the_forecast():
    """Regenerating the availability table reproduces the bundled taiwan_availability.csv
    (the command in its notes column)."""
    with resources.files("recyclopt.data").joinpath("taiwan_availability.csv").open(
            "r", encoding="utf-8") as fh:
        bundled = pd.read_csv(fh, keep_default_na=False)
    years = np.arange(2027, 2037)
    fresh = availability_table(forecast(years))
    assert list(fresh.columns) == list(bundled.columns)
    assert list(fresh["feedstock"]) == list(bundled["feedstock"])
    assert list(fresh["year"]) == list(bundled["year"])
    np.testing.assert_allclose(fresh["eol_units"], bundled["eol_units"], rtol=1e-9, atol=2e-3)
    np.testing.assert_allclose(fresh["collection_rate"], bundled["collection_rate"], atol=2e-6)
    assert list(fresh["source"]) == list(bundled["source"])
    assert list(fresh["confidence"]) == list(bundled["confidence"])


def test_bundled_hdd_magnet_mass_is_the_forecast_mean():
    """feedstocks.csv HDD_VCM magnet mass = collected magnet / collected drives, 2027-2036."""
    with resources.files("recyclopt.data").joinpath("feedstocks.csv").open(
            "r", encoding="utf-8") as fh:
        feed = pd.read_csv(fh)
    row = feed[(feed.feedstock == "HDD_VCM") & (feed.parameter == "magnet_mass_kg_per_unit")]
    mean = mean_magnet_kg_per_unit(forecast(np.arange(2027, 2037)))["HDD_VCM"]
    assert float(row["value"].iloc[0]) == pytest.approx(mean, rel=5e-4)


def test_unknown_trajectory_parameter(tmp_path):
    with pytest.raises(InputError, match="magnet_share"):
        _write(tmp_path, [("a", "F", "fixed", "mean_yr=1", "s", "low", "")],
               [("a", 2020, 1, "s", "low", "")],
               [("a", "magnet_sharee", 2020, 1, "", "", "s", "low", "")])


def test_stock_driven_product(tmp_path):
    # 100 units in use at the end of 2020 and after, each lasting one year (fixed 1 yr): the
    # sales that keep the stock are 100/yr, and 100 units reach end of life every year from
    # 2021; half carry 2 kg of magnet, none exported, 40 % collected -> 20 units, 40 kg
    pd.DataFrame([("s", "F", "fixed", "mean_yr=1", "src", "low", "", "stock")],
                 columns=["product", "feedstock", "lifetime_kind", "lifetime_params", "source",
                          "confidence", "notes", "driver"]
                 ).to_csv(tmp_path / "feed_products.csv", index=False)
    pd.DataFrame(columns=["product", "year", "units_sold", "source", "confidence", "notes"]
                 ).to_csv(tmp_path / "feed_sales.csv", index=False)
    pd.DataFrame([("s", 2020, 100, "census", "medium", "")],
                 columns=["product", "year", "units_in_stock", "source", "confidence", "notes"]
                 ).to_csv(tmp_path / "feed_stocks.csv", index=False)
    pd.DataFrame([("s", p, 2020, v, "", "", "t", "low", "") for p, v in
                  [("magnet_share", 0.5), ("magnet_kg_per_unit", 2.0),
                   ("collection_rate", 0.4), ("export_share", 0.0)]],
                 columns=["product", "parameter", "year", "value", "low", "high", "source",
                          "confidence", "notes"]
                 ).to_csv(tmp_path / "feed_trajectories.csv", index=False)
    products = load_products(tmp_path)
    fc = forecast(np.array([2021, 2022]), products).set_index("year")
    np.testing.assert_allclose(fc["sold_units"], [100, 100])
    np.testing.assert_allclose(fc["stock_units"], [100, 100])
    np.testing.assert_allclose(fc["eol_units"], [100, 100])
    np.testing.assert_allclose(fc["collected_units"], [20, 20])
    np.testing.assert_allclose(fc["collected_magnet_kg"], [40, 40])
    assert "census" in products[0].input_sources()
