"""Smoke test of the sweep-speed benchmark: it runs, and the engine's NPVs equal the
rebuild's (the benchmark's own check, printed as the largest relative difference)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ lives in the repository, not in the package
    sys.path.insert(0, str(ROOT))


def test_sweep_speed_smoke(tmp_path, capsys):
    from benchmarks.sweep_speed import main

    # a scenario file of two scenarios: the case as it is, and NdPr at twice its price
    sf = tmp_path / "two_scen.yaml"
    sf.write_text(yaml.safe_dump({"sets": {"s": {"scenarios": [
        {"name": "base"},
        {"name": "ndpr_x2", "overrides": {"products.NdPr_oxide.price_usd_per_kg.Nd": 119.0}},
    ]}}}), encoding="utf-8")
    main(["--n", "3", "--scenario-file", str(sf)])
    out = capsys.readouterr().out
    rows = {m[0]: (int(m[1]), float(m[2])) for m in
            re.findall(r"^(price|arrays|two_scen)\s+(\d+)\s+\S+\s+\S+\s+\S+x\s+(\S+)$", out,
                       flags=re.M)}
    assert rows.keys() == {"price", "arrays", "two_scen"}
    assert rows["price"][0] == rows["arrays"][0] == 3 and rows["two_scen"][0] == 2
    # both methods solve the same MILP to the same optimum
    assert all(diff <= 1e-9 for _, diff in rows.values())
    # every scenario is accounted for by the LP check or the MIP
    runs = re.findall(r"(\w+)\s+engine runs: mip (\d+), lp_start (\d+), lp_integral (\d+)", out)
    assert {r[0]: sum(map(int, r[1:])) for r in runs} == {"price": 3, "arrays": 3,
                                                          "two_scen": 2}
