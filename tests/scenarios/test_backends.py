"""Backends: the same sweep on serial, processes and Dask; a killed sweep resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from recyclopt.scenarios import EngineOptions, ResultStore, run_sweep, scenarios_from_dict
from recyclopt.scenarios.store import stored_rows

from .cases import tiny_case

SPEC = {"seed": 11, "sets": {"mc": {"sample": {"method": "lhs", "n": 200}, "parameters": {
    "products.NdPr_oxide.price_usd_per_kg.Nd": {"dist": "triangular", "low": 40, "mode": 60,
                                                "high": 120},
    "products.mixed_REO.price_usd_per_kg.Nd": {"dist": "uniform", "low": 30, "high": 70},
    "levers.export_control.price_multiplier": {"dist": "lognormal", "median": 1.5,
                                               "sigma": 0.5, "high": 6},
}}}}


def _frame(path):
    with ResultStore(path, resume=True) as st:
        return st.frame().drop(columns=["solve_s"])


def test_same_200_scenarios_identical_on_every_backend(case, tmp_path):
    pytest.importorskip("distributed")
    scen = scenarios_from_dict(SPEC).expand(case)
    assert len(scen) == 200
    opts = EngineOptions(fixed_design=False)
    frames = {}
    for backend in ("serial", "processes", "dask"):
        with ResultStore(tmp_path / f"{backend}.sqlite") as st:
            n = run_sweep(case, scen, st, backend=backend, workers=2, options=opts)
            assert n == 200
        frames[backend] = _frame(tmp_path / f"{backend}.sqlite")
    ref = frames["serial"]
    assert (ref["status"] == "optimal").all()
    assert ref["routes"].nunique() > 1  # the sweep does move the route choice
    for backend in ("processes", "dask"):
        assert frames[backend].equals(ref), backend


_stored = stored_rows  # rows stored so far, read-only (the store may not exist yet)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_sweep_killed_midway_then_resumed(tmp_path, sig):
    case_f = tmp_path / "tiny.yaml"
    case_f.write_text(yaml.safe_dump(tiny_case()), encoding="utf-8")
    spec = {"seed": 5, "sets": {"mc": {"sample": {"method": "monte_carlo", "n": 60},
                                       "parameters": SPEC["sets"]["mc"]["parameters"]}}}
    scen_f = tmp_path / "scen.yaml"
    scen_f.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "out.sqlite"
    cmd = [sys.executable, "-m", "recyclopt.scenarios.cli", str(case_f), str(scen_f),
           "--out", str(out), "--no-fixed-design", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _stored(out) < 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, sig)  # the sweep's own process group
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    killed_at = _stored(out)
    assert 10 <= killed_at < 60
    # resume: only the missing scenarios are solved
    from recyclopt.scenarios.cli import main

    assert main([str(case_f), str(scen_f), "--out", str(out), "--no-fixed-design",
                 "--no-progress"]) == 2  # refuses to overwrite without --resume
    assert main([str(case_f), str(scen_f), "--out", str(out), "--resume", "--no-fixed-design",
                 "--no-progress"]) == 0
    df = _frame(out)
    assert len(df) == 60 and df["id"].is_unique
    assert sorted(df["id"]) == [f"mc/{i:05d}" for i in range(60)]
    assert (df["status"] == "optimal").all()
    # resumed rows equal an uninterrupted serial run's
    from recyclopt.optimize import load_case
    from recyclopt.scenarios import load_scenarios

    case = load_case(case_f)
    scen = load_scenarios(scen_f).expand(case)
    with ResultStore(tmp_path / "ref.sqlite") as st:
        run_sweep(case, scen[:: 20], st, options=EngineOptions(fixed_design=False))
    ref = _frame(tmp_path / "ref.sqlite").set_index("id")
    got = df.set_index("id").loc[ref.index]
    assert got["npv_usd"].tolist() == ref["npv_usd"].tolist()


def test_workers_start_from_the_drivers_superstructure(case, monkeypatch):
    # The driver's superstructure travels with the spec (pickled with the case, so it is
    # still that case's), a worker's engine is built from it without running build() (the
    # flowsheets) again, and it solves scenarios exactly as an engine built from scratch.
    import pickle

    import recyclopt.scenarios.engine as engine_mod
    from recyclopt.scenarios.backends import SweepSpec

    opts = EngineOptions(fixed_design=False)
    spec = SweepSpec(case, opts)
    fresh = spec.engine()
    key = spec.key
    spec.sup = fresh.sup
    assert spec.key == key  # derived from the case: not part of the key
    worker = pickle.loads(pickle.dumps(spec))
    assert worker.sup.case is worker.case

    def no_build(*_a, **_k):
        raise AssertionError("the worker re-ran build()")

    monkeypatch.setattr(engine_mod, "build", no_build)
    eng = worker.engine()
    for s in scenarios_from_dict(SPEC).expand(case)[:12]:
        a, b = fresh.solve(s).row, eng.solve(s).row
        a.pop("solve_s"), b.pop("solve_s")
        assert a == b


def test_engine_rejects_a_superstructure_of_another_case(case):
    import dataclasses

    from recyclopt.optimize.superstructure import build
    from recyclopt.scenarios import SweepEngine

    other = dataclasses.replace(case, name=case.name + "_copy")
    with pytest.raises(ValueError, match="superstructure"):
        SweepEngine(other, sup=build(case))


def test_a_sweep_reports_one_step_per_scenario(case, tmp_path, step_sink):
    from recyclopt import progress

    spec = {"seed": 3, "sets": {"mc": {"sample": {"method": "monte_carlo", "n": 7},
                                       "parameters": SPEC["sets"]["mc"]["parameters"]}}}
    scen = scenarios_from_dict(spec).expand(case)
    sink = step_sink
    with progress.using(sink), ResultStore(tmp_path / "p.sqlite") as st:
        n = run_sweep(case, scen[:4], st, chunk_size=3)  # two chunks: 3 + 1
    assert n == 4
    assert sink.tasks == [["sweep", 4, "scenario", 4]]
    # resumed with all 7: the 4 stored count as done at the start, 3 more solved now
    sink.tasks.clear()
    with progress.using(sink), ResultStore(tmp_path / "p.sqlite", resume=True) as st:
        assert run_sweep(case, scen, st) == 3
    assert sink.tasks == [["sweep", 7, "scenario", 7]]


def _store_order(path):
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT id FROM results ORDER BY rowid")]
    finally:
        con.close()


def test_rows_do_not_depend_on_chunking_and_are_stored_in_sweep_order(case, tmp_path):
    # The same 40 scenarios (fixed-design evaluation on) solved in chunks of 1 on one
    # process, in guided chunks on two workers and in chunks of 7 on two workers: every row
    # equal to the first run's, and each store written in the scenarios' own order (the
    # pool hands rows back in sweep order, whatever order the chunks finish in).
    scen = scenarios_from_dict(SPEC).expand(case)[:40]
    runs = {"serial1": ("serial", 1), "processes": ("processes", None),
            "processes7": ("processes", 7)}
    frames = {}
    for name, (backend, size) in runs.items():
        with ResultStore(tmp_path / f"{name}.sqlite") as st:
            assert run_sweep(case, scen, st, backend=backend, workers=2, chunk_size=size) == 40
        frames[name] = _frame(tmp_path / f"{name}.sqlite")
        assert _store_order(tmp_path / f"{name}.sqlite") == [s.id for s in scen], name
    ref = frames["serial1"]
    assert ref["npv_fixed_design_usd"].notna().all()
    for name in ("processes", "processes7"):
        assert frames[name].equals(ref), name


def test_rows_come_back_in_sweep_order_whatever_finishes_first():
    from recyclopt.scenarios.backends import in_sweep_order

    finished = [(2, ["c"]), (0, ["a"]), (3, ["d"]), (1, ["b"]), (4, ["e"])]
    assert list(in_sweep_order(finished)) == [["a"], ["b"], ["c"], ["d"], ["e"]]
