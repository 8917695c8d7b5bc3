"""The ``sweep`` command: a run, the summary, and clear errors before any solve."""

from __future__ import annotations

import argparse

import pytest
import yaml

from recyclopt.scenarios import ResultStore
from recyclopt.scenarios.cli import main, register

GOOD = {"sets": {
    "shock": {"scenarios": [{"name": "base"}, {"name": "dy3", "overrides": {
        "levers.export_control.price_multiplier": 3.0}}]},
    "mc": {"sample": {"method": "lhs", "n": 6, "seed": 1}, "parameters": {
        "products.NdPr_oxide.price_usd_per_kg.Nd": {"dist": "uniform", "low": 20, "high": 120}}},
}}


def _write(tmp_path, spec, name="scen.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return p


def test_register_adds_the_sweep_command():
    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    a = p.parse_args(["sweep", "c.yaml", "s.yaml", "--backend", "dask", "--scheduler",
                      "tcp://127.0.0.1:8786", "--workers", "3", "--resume", "--out", "x.sqlite",
                      "--force"])
    assert (a.backend, a.scheduler, a.workers, a.resume, a.out, a.force) == (
        "dask", "tcp://127.0.0.1:8786", 3, True, "x.sqlite", True)
    assert callable(a.func)


def test_sweep_runs_and_summarises(case_file, tmp_path, capsys):
    scen = _write(tmp_path, GOOD)
    out = tmp_path / "r.sqlite"
    assert main([str(case_file), str(scen), "--out", str(out), "--export",
                 str(tmp_path / "r.csv"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "8 scenarios" in text and "probability of loss" in text and "Route choices" in text
    with ResultStore(out, resume=True) as st:
        df = st.frame()
    assert sorted(df["id"]) == sorted(["shock/base", "shock/dy3"] + [f"mc/{i:05d}" for i in
                                                                     range(6)])
    assert (tmp_path / "r.csv").exists()
    # a second run of a finished sweep solves nothing
    assert main([str(case_file), str(scen), "--out", str(out), "--resume",
                 "--no-progress"]) == 0
    assert "0 solved now" in capsys.readouterr().out


@pytest.mark.parametrize("spec, text", [
    ({"sets": {"a": {"scenarios": [{"name": "x", "overrides": {"prices.gold": 1}}]}}},
     "unknown parameter"),
    ({"sets": {"a": {"scenarios": [{"name": "x", "overrides": {
        "products.Dy_oxide.price_usd_per_kg.Dy": -1}}]}}}, "allowed range [0, inf]"),
    ({"sets": {"a": {"sample": {"n": 3}, "parameters": {
        "products.Dy_oxide.price_usd_per_kg.Dy": {"dist": "uniform", "low": 5, "high": 1}}}}},
     "low 5 > high 1"),
])
def test_bad_scenario_files_fail_before_any_solve(case_file, tmp_path, capsys, spec, text):
    scen = _write(tmp_path, spec, "bad.yaml")
    out = tmp_path / "r.sqlite"
    assert main([str(case_file), str(scen), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and text in err and err.count("\n") == 1
    assert not out.exists()  # nothing was created, nothing solved


def test_bad_options(case_file, tmp_path, capsys):
    scen = _write(tmp_path, GOOD)
    assert main([str(case_file), str(scen), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main([str(case_file), str(scen), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--backend dask" in capsys.readouterr().err
    assert main([str(case_file), str(scen), "--export", "x.xlsx"]) == 2
    assert "allowed formats" in capsys.readouterr().err


def test_dask_cluster_started_early_runs_the_sweep_or_closes_on_an_input_error(
        case_file, tmp_path, capsys):
    # --backend dask starts its local cluster before the driver's set-up: the sweep then
    # stores the serial run's rows; an input error found after the start (a bad scenario
    # file) is still one line, exit code 2, and leaves no cluster behind
    pytest.importorskip("distributed")
    from recyclopt.scenarios import pool

    scen = _write(tmp_path, GOOD)
    frames = {}
    for backend in ("serial", "dask"):
        out = tmp_path / f"{backend}.sqlite"
        assert main([str(case_file), str(scen), "--out", str(out), "--backend", backend,
                     "--workers", "2", "--no-progress"]) == 0
        with ResultStore(out, resume=True) as st:
            frames[backend] = st.frame().drop(columns=["solve_s"])
    assert frames["dask"].equals(frames["serial"])
    assert not pool.early_cluster_pending()  # the sweep took the cluster (and closed it)
    capsys.readouterr()
    bad = _write(tmp_path, {"sets": {"a": {"scenarios": [{"name": "x", "overrides": {
        "prices.gold": 1}}]}}}, "bad.yaml")
    assert main([str(case_file), str(bad), "--out", str(tmp_path / "b.sqlite"),
                 "--backend", "dask", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "unknown parameter" in err
    assert not pool.early_cluster_pending()
