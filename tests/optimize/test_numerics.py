"""Numerical robustness: magnets in grams, plants in kt/yr, coefficients over 1e-8..1e12.

The same plant expressed with a feedstock unit of one gram of magnet or one kg must give the
same plan; HiGHS must solve the scaled model without reporting it badly scaled.
"""

from __future__ import annotations

import copy
import importlib
from pathlib import Path

import numpy as np
import pytest

from recyclopt.optimize import build_model, case_from_dict, optimize

from .cases import small_case

solve_mod = importlib.import_module("recyclopt.optimize.solve")
highs_mod = importlib.import_module("recyclopt.optimize.highs")
compiler_mod = importlib.import_module("recyclopt.optimize.compiler")


def kt_case() -> dict:
    """Plants sized in kt/yr (capacities 1e5-2e7 kg/yr, capex to 1e9 USD), feedstock in kg of
    magnet, and a trace feedstock of 1e-6 kg of element per unit with 1e9 units a year."""
    d = small_case()
    for o in d["options"]:
        o["basis"] = "kg"
    d["options"][0].pop("equipment")
    d["options"][0]["capex"] = {"points": [[1e5, 2e6], [1e7, 9e7]]}
    d["options"][1]["capex"] = {"points": [[1e5, 1e6], [1e7, 5e7]]}
    d["options"][2]["capex"] = {"points": [[1e5, 5e6], [1e6, 2e7], [1e7, 1e8]]}
    d["options"][2]["max_capacity"] = 2e7
    d["options"][3]["capex"] = {"points": [[1e5, 1e7], [1e6, 6e7], [2e7, 1e9]]}
    d["feedstocks"] = [
        {"name": "hdd", "content_kg_per_unit": {"Nd": 0.2, "Dy": 0.01, "Fe": 0.6},
         "magnet_kg_per_unit": 1.0, "cost_usd_per_unit": 5.0, "availability_units": 3e6},
        {"name": "ev", "content_kg_per_unit": {"Nd": 0.25, "Dy": 0.04, "Fe": 0.7},
         "magnet_kg_per_unit": 1.0, "cost_usd_per_unit": 8.0, "availability_units": 2e6},
        {"name": "trace", "content_kg_per_unit": {"Nd": 1e-6, "Dy": 1e-6},
         "magnet_kg_per_unit": 1e-5, "cost_usd_per_unit": 0.0, "availability_units": 1e9},
    ]
    return d


def in_grams(d: dict) -> dict:
    """The same case with one feedstock unit = one gram of what it was per kg."""
    d = copy.deepcopy(d)
    for f in d["feedstocks"]:
        f["content_kg_per_unit"] = {e: v * 1e-3 for e, v in f["content_kg_per_unit"].items()}
        f["magnet_kg_per_unit"] *= 1e-3
        f["cost_usd_per_unit"] *= 1e-3
        f["availability_units"] *= 1e3
    return d


def _spread(cm) -> float:
    vals = np.abs(np.r_[cm.A.data, cm.c, cm.row_lo, cm.row_hi, cm.col_hi])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    return float(vals.max() / vals.min())


def _highs_log(d: dict, tmp_path: Path, scaling: bool) -> tuple[str, str, float]:
    om = build_model(case_from_dict(d))
    cm = compiler_mod.compile_model(om.model)
    if scaling:
        cm = highs_mod.scale_compiled(cm)[0]
    h = highs_mod.handoff(cm, time_limit=None, mip_gap=1e-6, threads=None, verbose=True)
    log = tmp_path / f"highs_{scaling}.log"
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("log_file", str(log))
    h.run()
    info = h.getInfo()
    assert info.max_primal_infeasibility <= 1e-6
    assert info.max_integrality_violation <= 1e-6
    return h.modelStatusToString(h.getModelStatus()), log.read_text(), _spread(cm)


def test_grams_and_kt_case_spans_the_range(tmp_path: Path) -> None:
    om = build_model(case_from_dict(in_grams(kt_case())))
    assert _spread(compiler_mod.compile_model(om.model)) >= 1e15  # 1e-6 .. 1e9 and beyond


def test_scaled_model_is_not_badly_scaled(tmp_path: Path) -> None:
    st, log, spread = _highs_log(in_grams(kt_case()), tmp_path, scaling=True)
    assert st == "Optimal"
    low = log.lower()
    assert "badly scaled" not in low
    assert "excessively large" not in low
    assert "numerical trouble" not in low and "numerical difficult" not in low
    assert spread < 1e6
    # unscaled, HiGHS itself says so: what the scaling is for
    _, log0, spread0 = _highs_log(in_grams(kt_case()), tmp_path, scaling=False)
    assert "badly scaled" in log0.lower() and spread0 > 1e15


def test_grams_and_kg_give_the_same_plan() -> None:
    ref = optimize(case_from_dict(kt_case()))
    g = optimize(case_from_dict(in_grams(kt_case())))
    assert ref.solver.proven_optimal and g.solver.proven_optimal
    assert g.objective_value == pytest.approx(ref.objective_value, rel=1e-9)
    assert g.built == ref.built
    a = ref.flows.groupby("feedstock")["magnet_kg"].sum()
    b = g.flows.groupby("feedstock")["magnet_kg"].sum()
    assert b.reindex(a.index).to_numpy() == pytest.approx(a.to_numpy(), rel=1e-9)
    assert g.capacities["capacity"].to_numpy() == pytest.approx(
        ref.capacities["capacity"].to_numpy(), rel=1e-9, abs=1e-6)
    # the kt-scale plant: capacities over 1e6 kg/yr
    assert ref.capacities.loc[ref.built, "capacity"].max() > 1e6


def test_scaling_does_not_change_the_plan_of_the_small_case() -> None:
    om = build_model(case_from_dict(small_case()))
    x1, i1 = solve_mod.solve(om, scaling=True)
    om2 = build_model(case_from_dict(small_case()))
    x0, i0 = solve_mod.solve(om2, scaling=False)
    assert i1.objective == pytest.approx(i0.objective, rel=1e-9)
    assert x1 == pytest.approx(x0, rel=1e-6, abs=1e-6)
