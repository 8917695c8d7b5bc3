"""Plan files: every file named, units, no index artefacts, the metadata that reproduces."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recyclopt import __version__
from recyclopt.optimize import load_case, optimize
from recyclopt.optimize.case_codec import case_from_json, case_to_json
from recyclopt.optimize.plan_file import write_plan


@pytest.fixture(scope="module")
def plan3():
    return optimize(load_case(None), price_factor=3.0)


def test_case_codec_round_trip_gives_the_same_plan(plan3):
    case = plan3.case
    back = case_from_json(json.loads(json.dumps(case_to_json(case))))
    assert back.options == case.options and back.products == case.products
    for a, b in zip(case.feedstocks, back.feedstocks, strict=True):
        assert a.availability.equals(b.availability) and a.tags == b.tags
    again = optimize(back, price_factor=3.0)
    assert again.npv_usd == pytest.approx(plan3.npv_usd, rel=1e-12)


def test_json_carries_case_scenario_solver_and_version(plan3, tmp_path):
    [p] = write_plan(plan3, tmp_path / "plan.json")
    meta = json.loads(p.read_text())["meta"]
    assert meta["recyclopt_version"] == __version__
    assert meta["price_factor"] == 3.0 and meta["mode"] == "parallel"
    assert meta["objective"] == "npv" and meta["solver_status"] == plan3.solver.status
    assert meta["case_name"] == "taiwan" and meta["case"]["__type__"] == "Case"
    assert meta["units"]["cash_flow"]["capex_usd"] == "USD"
    assert meta["units"]["products"]["kg"] == "kg of element"


def test_excel_has_no_index_artefacts_and_a_units_row(plan3, tmp_path):
    pytest.importorskip("openpyxl")
    [p] = write_plan(plan3, tmp_path / "plan.xlsx")
    sheets = pd.read_excel(p, sheet_name=None)
    for name, df in sheets.items():
        assert not any(str(c).startswith("Unnamed") for c in df.columns), name
    caps = sheets["capacities"]
    assert caps.columns[0] == "option" and caps.iloc[0]["capex_usd"] == "USD"
    assert sheets["cash_flow"].iloc[0]["year"] == "calendar year"
    meta = dict(zip(sheets["meta"]["key"], sheets["meta"]["value"], strict=False))
    assert float(meta["price_factor"]) == 3.0


def test_csv_names_every_file(plan3, tmp_path):
    written = write_plan(plan3, tmp_path / "plan.csv")
    assert sorted(written) == sorted(tmp_path.iterdir())  # nothing unnamed, nothing missing
    assert len(written) == len(plan3.tables()) + 1  # one per table plus plan.meta.json
    assert pd.read_csv(written[0]).columns[0] == "option"  # capacities, index as a column
    with pytest.raises(Exception, match="already exists"):
        write_plan(plan3, tmp_path / "plan.csv")


def test_optimize_command_names_every_file(tmp_path, capsys):
    from recyclopt.cli import main

    out = tmp_path / "p.csv"
    assert main(["optimize", "--output", str(out)]) == 0
    said = capsys.readouterr().out
    files = sorted(tmp_path.iterdir())
    assert f"wrote {len(files)} file(s)" in said
    for f in files:
        assert str(f) in said
