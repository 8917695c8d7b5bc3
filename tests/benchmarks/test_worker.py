"""The benchmark worker's methods hand HiGHS the same model, and the runner reports each."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ lives in the repository, not in the package
    sys.path.insert(0, str(ROOT))
from benchmarks.cases import REGISTRY  # noqa: E402
from benchmarks.runner import RATIO_KEYS, markdown, ratios  # noqa: E402
from benchmarks.worker import METHODS, pipeline  # noqa: E402
from recyclopt.optimize.superstructure import build  # noqa: E402


@pytest.mark.parametrize("size", ["small", "medium"])
def test_every_method_hands_highs_the_same_digest(size):
    # the yardstick (benchmarks/direct.py, written independently), the Pyomo model and the
    # arrays-only model must pass HiGHS the same arrays bit for bit: their SHA-256 digests
    # are equal, and the model read back from HiGHS has the same shape
    case = REGISTRY[size].make()
    sup = build(case)
    got = {}
    for m in METHODS:
        _, h, size_info, digest = pipeline(m, case, sup, None)
        lp = h.getLp()
        got[m] = (digest, size_info["vars"], size_info["rows"], size_info["nonzeros"],
                  lp.num_col_, lp.num_row_, len(lp.a_matrix_.value_))
    assert len({g[0] for g in got.values()}) == 1, {m: g[0][:12] for m, g in got.items()}
    assert len({g[1:] for g in got.values()}) == 1
    d = got["direct"]
    assert d[1] == d[4] and d[2] == d[5] and d[3] == d[6]  # HiGHS holds what was passed


def _fake(method: str, build_s: float, held: float, peak: float, digest: str) -> dict:
    return {"method": method, "build": build_s, "handoff": 0.5, "gc": 0.0, "scale": 0.25,
            "solve": 2.0, "model_mib": held, "build_peak_mib": peak, "objective": 10.0,
            "status": "Optimal", "input_digest": digest, "vars": 3, "binaries": 1,
            "integers": 1, "rows": 2, "nonzeros": 4, "mip_gap": 0.0, "nodes": 1,
            "tables": 0.1}


def test_runner_reports_the_arrays_method_against_the_yardstick():
    # ratios by hand: arrays build 1.5 / 0.5 = 3.0, build+handoff (1.5 + 0.5) / direct (0.5 + 0.5) = 2.0; held 30 / 20
    # = 1.5; peak 50 / 40 = 1.25; a differing digest is reported as not the same input
    e = {"direct": _fake("direct", 0.5, 20.0, 40.0, "a"),
         "pyomo": _fake("pyomo", 2.5, 60.0, 50.0, "a"),
         "arrays": _fake("arrays", 1.5, 30.0, 50.0, "a")}
    for m, key in RATIO_KEYS.items():
        e[key] = ratios(e["direct"], e[m])
    assert e["ratio_arrays"]["build_handoff"] == pytest.approx(2.0)
    assert e["ratio_arrays"]["model_mib"] == pytest.approx(1.5)
    assert e["ratio_arrays"]["build_peak_mib"] == pytest.approx(1.25)
    assert e["ratio"]["build_handoff"] == pytest.approx(3.0)
    assert e["ratio"]["model_mib"] == pytest.approx(3.0)
    e["same_input_all"] = True
    text = markdown({"cases": {"small": e}, "flowsheets": []})
    assert "| small | arrays | 3.0x | 1.0x | 2.0x |" in text
    assert "| small | pyomo | 5.0x | 1.0x | 3.0x |" in text
    assert "same input (SHA-256 of the arrays): small yes" in text
    assert ratios(e["direct"], dict(e["arrays"], input_digest="b"))["same_input"] is False
