"""The shipped benchmark (``recyclopt bench CASE``): each phase timed, the MPS-read floor.

No timing is asserted (machines differ); what is checked is that every phase is measured, the
model size is the compiled model's and the floor is HiGHS reading that same model.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from recyclopt.optimize import case_from_dict
from recyclopt.optimize.bench import PHASES, bench_case
from recyclopt.optimize.compiler import compile_model
from recyclopt.optimize.model import build_model

from .cases import small_case


def test_bench_times_every_phase_and_sizes_the_compiled_model(tmp_path):
    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(small_case()), encoding="utf-8")
    res = bench_case(f, repeat=2)
    assert list(res.best_s) == list(PHASES) and list(res.first_s) == list(PHASES)
    assert all(0 < res.best_s[p] <= res.first_s[p] for p in PHASES)  # best includes the first
    assert res.floor_s > 0 and res.status == "Optimal"
    # independently: the same case compiled here has the size the benchmark reports
    cm = compile_model(build_model(case_from_dict(small_case())).model)
    assert res.size == {"rows": cm.A.shape[0], "columns": cm.A.shape[1],
                        "binary": int((cm.integrality > 0).sum()), "nonzeros": cm.A.nnz}
    ratio = (res.best_s["model build"] + res.best_s["handoff"]) / res.floor_s
    assert res.floor_ratio == ratio


def test_recyclopt_bench_on_a_case_file_prints_each_phase_and_the_floor_ratio(tmp_path):
    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(small_case()), encoding="utf-8")
    # run outside the checkout: the installed command, no benchmarks/ on the path
    r = subprocess.run([sys.executable, "-m", "recyclopt", "bench", str(f), "--repeat", "1"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for p in PHASES:
        assert f"\n  {p} " in r.stdout, p
    assert "x the floor" in r.stdout and "MPS file" in r.stdout


def test_bench_suite_outside_a_checkout_says_where_it_runs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # no checkout on the path
    r = subprocess.run([sys.executable, "-m", "recyclopt", "bench", "--suite"],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "python -m benchmarks" in r.stderr


def test_the_mps_floor_holds_the_same_model(tmp_path):
    # the floor is only a floor if HiGHS reads back the model it was handed: same size, and
    # the same optimum as the array handoff
    from recyclopt.optimize import highs

    cm = compile_model(build_model(case_from_dict(small_case())).model)
    highs.write_mps(cm, tmp_path / "m.mps")
    h_file = highs.read_mps(tmp_path / "m.mps")
    assert highs.model_size(h_file) == (cm.A.shape[0], cm.A.shape[1], cm.A.nnz)
    h_arrays = highs.handoff(cm, time_limit=None, mip_gap=1e-9, threads=None, verbose=False)
    h_file.setOptionValue("mip_rel_gap", 1e-9)
    assert highs.run(h_file) and highs.run(h_arrays)
    assert highs.status(h_file) == highs.status(h_arrays) == highs.OPTIMAL
    obj = [h.getInfo().objective_function_value for h in (h_file, h_arrays)]
    assert obj[0] == pytest.approx(obj[1], rel=1e-9, abs=1e-6)
