"""``recyclopt forecast``: printed table, availability CSV and plot."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from recyclopt.cli import main
from recyclopt.feed import feedstock_summary, forecast


def test_prints_units_and_tonnes(capsys):
    assert main(["forecast", "--years", "2027-2029", "--engine", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "Collected units per year" in out and "Collected magnet, t per year" in out
    # the printed 2027 HDD tonnage is the forecast's collected magnet, in t to 3 decimals
    t = feedstock_summary(forecast(np.arange(2027, 2030), engine="numpy"))
    hdd = t.loc[("HDD_VCM", 2027), "collected_magnet_t"]
    assert f"{round(hdd, 3):,.6g}" in out


def test_writes_the_bundled_availability_table(tmp_path, capsys):
    out = tmp_path / "avail.csv"
    assert main(["forecast", "--write-availability", str(out)]) == 0
    with resources.files("recyclopt.data").joinpath("taiwan_availability.csv").open(
            "r", encoding="utf-8") as fh:
        bundled = pd.read_csv(fh)
    fresh = pd.read_csv(out)
    pd.testing.assert_frame_equal(fresh.drop(columns=["eol_units", "collection_rate"]),
                                  bundled.drop(columns=["eol_units", "collection_rate"]))
    np.testing.assert_allclose(fresh["eol_units"], bundled["eol_units"], atol=2e-3)
    assert "regenerate with: recyclopt forecast" in bundled["notes"].iloc[0]
    # never overwritten without --force, before any work
    assert main(["forecast", "--write-availability", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "fc.png"
    assert main(["forecast", "--years", "2027-2028", "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, msg", [
    (["forecast", "--years", "2030-2027"], "--years"),
    (["forecast", "--years", "soon"], "FIRST-LAST"),
    (["forecast", "--write-availability", "x.txt"], ".csv"),
    (["forecast", "--data-dir", "/nonexistent/dir"], "not a folder"),
])
def test_user_errors_are_one_line(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count("\n") == 1


def test_by_product_and_sources(capsys):
    assert main(["forecast", "--years", "2027-2027", "--by-product", "--sources"]) == 0
    out = capsys.readouterr().out
    assert "Per product" in out and "datacentre_hdd" in out
    # the IDC PC shipments behind the HDD forecast are listed with their source
    line = next(x for x in out.splitlines() if x.startswith("feed_sales.csv") and "pc_hdd" in x
                and "IDC" in x)
    assert "taipeitimes.com" in line
