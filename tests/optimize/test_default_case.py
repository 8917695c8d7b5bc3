"""The bundled Taiwan default case and the optimize command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import recyclopt.data
from recyclopt.cli import main
from recyclopt.optimize import load_case, optimize


def test_default_case_loads_with_sourced_availability():
    case = load_case()
    hdd = next(f for f in case.feedstocks if f.name == "HDD")
    # taiwan_availability.csv 2027 row (the stock-and-flow forecast, cross-checked by an
    # explicit cohort loop in tests/data): eol_units x collection_rate
    import pandas as pd

    from recyclopt.feed import forecast

    table = pd.read_csv(Path(recyclopt.data.__file__).parent / "taiwan_availability.csv")
    row = table[(table.feedstock == "HDD_VCM") & (table.year == 2027)].iloc[0]
    assert hdd.availability.loc[2027] == pytest.approx(
        row["eol_units"] * row["collection_rate"], rel=1e-9)
    # ... which are the drives the forecast collects in 2027 (PC + data-centre drives)
    fc = forecast(np.array([2027]))
    assert hdd.availability.loc[2027] == pytest.approx(
        fc.loc[fc.feedstock == "HDD_VCM", "collected_units"].sum(), rel=1e-6)
    # HDD_VCM magnet 9.227 g (VCM + spindle, forecast mean) at 22.9 wt% Nd (Ueberschaar &
    # Rotter 2015)
    assert hdd.content_kg_per_unit["Nd"] == pytest.approx(0.009227 * 0.229, rel=1e-9)


def test_default_case_plan_is_consistent():
    plan = optimize()
    assert plan.solver.proven_optimal
    # the objective (NPV from the linear weights) equals the NPV of the cash-flow table
    assert plan.npv_usd == pytest.approx(plan.objective_value, rel=1e-6, abs=1e-3)
    # nothing is processed beyond availability
    used = plan.flows.groupby(["feedstock", "year"])["units"].sum()
    for (f, y), u in used.items():
        avail = next(x for x in plan.case.feedstocks if x.name == f).availability.loc[y]
        assert u <= avail * (1 + 1e-9)
    # the recovered mass of each element never exceeds what was fed
    for e, kg in plan.recovered_kg().items():
        fed = sum(plan.flows.loc[plan.flows.feedstock == f.name, "units"].sum()
                  * f.content_kg_per_unit.get(e, 0.0) for f in plan.case.feedstocks)
        assert kg <= fed * (1 + 1e-9)
    assert np.isfinite(plan.cash_flow["cash_flow_usd"]).all()


def test_optimize_cli_default_and_output(tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    assert main(["optimize", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Plant plan for case 'taiwan'" in text and "No plant pays" in text
    assert "Cash flow" not in text  # nothing built: no table of zeros (issue 18)
    assert out.exists()
    assert main(["optimize", "--output", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_optimize_cli_bad_case_file(tmp_path, capsys):
    bad = tmp_path / "case.yaml"
    bad.write_text("stages: [a]\nfeedstocks: []\n", encoding="utf-8")
    assert main(["optimize", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "case.yaml" in err and err.count("\n") == 1
