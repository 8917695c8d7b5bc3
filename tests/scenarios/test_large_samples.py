"""Large samples: a documented limit with an explicit opt-in, and scenarios that stream."""

from __future__ import annotations

import itertools
import tracemalloc

import pytest

from recyclopt.scenarios import (
    EngineOptions,
    ResultStore,
    ScenarioError,
    load_scenarios,
    run_sweep,
    scenarios_from_dict,
)
from recyclopt.scenarios.definition import SAMPLE_LIMIT

NDPR = "products.NdPr_oxide.price_usd_per_kg.Nd"
TEXT = """sets:
  big:
    sample: {{method: lhs, n: {n}{extra}}}
    parameters:
      {p}: {{dist: uniform, low: 40, high: 80}}
"""


def _file(tmp_path, n, extra=""):
    f = tmp_path / "big.yaml"
    f.write_text(TEXT.format(n=n, extra=extra, p=NDPR), encoding="utf-8")
    return f


def test_sample_above_the_limit_needs_the_flag(tmp_path):
    f = _file(tmp_path, SAMPLE_LIMIT + 1)
    with pytest.raises(ScenarioError) as ei:
        load_scenarios(f)
    # the line of 'n' in the file above is 3; 100,001 x 600 bytes = 60 MB, x 0.2 s = 5.6 h
    assert str(ei.value) == (f"{f}:3: sets.big.sample.n: 100001 draws is above the limit of "
                             "100,000 (~60 MB of results and up to ~6 h of solving); pass "
                             "--allow-large-samples or add 'allow_large: true' to the sample "
                             "if you mean it")
    assert load_scenarios(f, allow_large=True).count() == SAMPLE_LIMIT + 1
    assert load_scenarios(_file(tmp_path, SAMPLE_LIMIT + 1, ", allow_large: true")).count() \
        == SAMPLE_LIMIT + 1
    assert load_scenarios(_file(tmp_path, SAMPLE_LIMIT)).count() == SAMPLE_LIMIT


def test_allow_large_must_be_a_boolean(tmp_path):
    with pytest.raises(ScenarioError, match=r"big.yaml:3: sets.big.sample.allow_large: 'yes'"):
        load_scenarios(_file(tmp_path, 10, ", allow_large: 'yes'"))


def test_a_million_scenarios_stream_without_being_held(case):
    # held as a list, 1e6 scenarios of 3 parameters took 580 MiB (tracemalloc peak,
    # benchmarks/RESULTS.md); streamed, only the 1e6 x 1 draws (8 MB per array) are held
    sf = scenarios_from_dict({"sets": {"big": {
        "sample": {"method": "monte_carlo", "n": 1_000_000, "seed": 3},
        "parameters": {NDPR: {"dist": "uniform", "low": 40, "high": 80}}}}}, allow_large=True)
    tracemalloc.start()
    try:
        first = list(itertools.islice(sf.iter_scenarios(case), 3))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [s.id for s in first] == ["big/000000", "big/000001", "big/000002"]
    assert all(40 <= s.values[NDPR] <= 80 for s in first)
    assert peak < 64 * 2**20, peak


def test_run_sweep_takes_an_iterator(case, tmp_path):
    sf = scenarios_from_dict({"sets": {"s": {"sample": {"n": 7, "seed": 1}, "parameters": {
        NDPR: {"dist": "uniform", "low": 40, "high": 80}}}}})
    drawn = []

    def stream():
        for s in sf.iter_scenarios(case):
            drawn.append(s.id)
            yield s

    with ResultStore(tmp_path / "s.sqlite") as st:
        n = run_sweep(case, stream(), st, options=EngineOptions(fixed_design=False),
                      chunk_size=2, total=sf.count())
        assert n == 7 and len(st) == 7 and sorted(st.done_ids()) == sorted(drawn)
        # a resume draws the stream again and solves nothing
        assert run_sweep(case, sf.iter_scenarios(case), st, total=7,
                         options=EngineOptions(fixed_design=False)) == 0


def test_cli_flag_lets_a_large_sample_run_and_stream(tmp_path, monkeypatch, capsys):
    # the limit lowered to 3 so that a 5-draw sample is "large"
    from pathlib import Path

    from recyclopt.cli import main
    from recyclopt.scenarios import definition

    monkeypatch.setattr(definition, "SAMPLE_LIMIT", 3)
    case = Path(__file__).parents[1] / "corpus" / "valid" / "small_case.yaml"
    f = tmp_path / "s.yaml"
    f.write_text(TEXT.format(n=5, extra="", p="products.reo.price_usd_per_kg.Nd"), "utf-8")
    out = tmp_path / "s.sqlite"
    assert main(["sweep", str(case), str(f), "--out", str(out)]) == 2
    assert "pass --allow-large-samples" in capsys.readouterr().err
    assert not out.exists()  # refused before the store is made
    assert main(["sweep", str(case), str(f), "--out", str(out), "--allow-large-samples",
                 "--no-fixed-design"]) == 0
    with ResultStore(out, resume=True) as st:
        assert len(st) == 5
