"""Solver faults: each one is reported as a SolverError saying what to change, never as a
wrong plan; a time-limited solve returns its incumbent flagged as not proven optimal."""

from __future__ import annotations

import importlib

import highspy
import numpy as np
import pytest

from recyclopt.cli import main
from recyclopt.errors import SolverError
from recyclopt.optimize import build_model, case_from_dict, optimize
from recyclopt.optimize.compiler import compile_model
from recyclopt.optimize.highs import diagnose_infeasible
from recyclopt.optimize.solve import solve as solve_fn

from .cases import generated_case, small_case

# ``recyclopt.optimize.solve`` is re-bound to the function by the package: fetch the module
highs_mod = importlib.import_module("recyclopt.optimize.highs")
solve_mod = importlib.import_module("recyclopt.optimize.solve")

MS = highspy.HighsModelStatus


class _FakeHighs:
    """A real ``highspy.Highs`` whose run or reported status is replaced."""

    def __init__(self, h, status=None, run=None, solution=True) -> None:
        self._h, self._status, self._run, self._solution = h, status, run, solution

    def __getattr__(self, name):
        return getattr(self._h, name)

    def run(self):
        if self._run is not None:
            return self._run()
        return self._h.run()

    def getModelStatus(self):
        return self._status if self._status is not None else self._h.getModelStatus()

    def getInfo(self):
        info = self._h.getInfo()
        if not self._solution:
            info.primal_solution_status = 0
        return info


def _patch(monkeypatch, **kw) -> None:
    real = highs_mod.handoff
    monkeypatch.setattr(highs_mod, "handoff", lambda *a, **k: _FakeHighs(real(*a, **k), **kw))


# --------------------------------------------------------------------------- infeasible
def test_infeasible_names_the_groups_in_conflict() -> None:
    d = small_case()
    d["policy"] = {"min_recovered_kg_per_yr": {"Dy": 1e8}}
    with pytest.raises(SolverError) as ei:
        optimize(case_from_dict(d))
    msg = str(ei.value)
    assert "infeasible" in msg
    assert "policy_min_recovered_Dy" in msg
    assert "Relax" in msg  # what to change


def test_infeasible_through_cli_is_one_line(tmp_path, capsys) -> None:
    import yaml

    d = small_case()
    d["policy"] = {"min_recovered_kg_per_yr": {"Nd": 1e9}}
    f = tmp_path / "tight.yaml"
    f.write_text(yaml.safe_dump(d))
    assert main(["optimize", str(f)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("recyclopt: error:")
    assert "tight.yaml" in err[0] and "infeasible" in err[0]


# --------------------------------------------------------------------------- unbounded
def test_unbounded_cannot_be_built_from_a_valid_case() -> None:
    """Every flow is bounded by feedstock availability, so a valid case cannot be unbounded:
    even with no capex, no capacity limit and a huge price the optimum is finite."""
    d = small_case()
    for o in d["options"]:
        o.pop("capex", None)
        o.pop("equipment", None)
        o["opex_usd_per_basis"] = -10.0  # paid to take material
    d["products"]["reo"]["price_usd_per_kg"]["Nd"] = 1e6
    # deliberately implausible (the case's opt-out of the plausibility ranges)
    d["allow_implausible"] = ["options.*.opex_usd_per_basis", "products.reo.price_usd_per_kg"]
    plan = optimize(case_from_dict(d))
    assert plan.solver.proven_optimal and np.isfinite(plan.objective_value)


def test_unbounded_status_is_reported_with_what_to_change(monkeypatch) -> None:
    _patch(monkeypatch, status=MS.kUnbounded, solution=False)
    with pytest.raises(SolverError, match="unbounded.*max_capacity"):
        optimize(case_from_dict(small_case()))


def test_unbounded_or_infeasible_status_is_diagnosed(monkeypatch) -> None:
    d = small_case()
    d["policy"] = {"min_recovered_kg_per_yr": {"Nd": 1e9}}
    _patch(monkeypatch, status=MS.kUnboundedOrInfeasible, solution=False)
    with pytest.raises(SolverError, match="policy_min_recovered_Nd"):
        optimize(case_from_dict(d))


# --------------------------------------------------------------------------- time limit
def test_time_limit_on_generated_case() -> None:
    """A short limit on a ~26 000-variable case (optimal in ~10 s): either the incumbent,
    flagged as not proven optimal with its gap, or a clear error when there is none."""
    case = case_from_dict(generated_case(12, 6, 0))
    try:
        plan = optimize(case, time_limit=0.5)
    except SolverError as exc:
        assert "time limit" in str(exc) and "raise --time-limit" in str(exc)
        return
    assert not plan.solver.proven_optimal
    assert plan.solver.status == "Time limit reached"
    assert plan.solver.mip_gap > 0  # inf when the incumbent's objective is 0
    assert "NOT proven optimal" in plan.summary()


def test_tiny_time_limit_without_incumbent_is_an_error() -> None:
    case = case_from_dict(generated_case(12, 6, 0))
    with pytest.raises(SolverError, match=r"time limit \(1e-06 s\).*raise --time-limit"):
        optimize(case, time_limit=1e-6)


def test_time_limit_with_incumbent_returns_it_flagged(monkeypatch) -> None:
    ref = optimize(case_from_dict(small_case()))
    _patch(monkeypatch, status=MS.kTimeLimit)
    plan = optimize(case_from_dict(small_case()), time_limit=10)
    assert not plan.solver.proven_optimal
    assert plan.objective_value == pytest.approx(ref.objective_value)
    assert "NOT proven optimal" in plan.summary()


# --------------------------------------------------------------------------- HiGHS failing
def test_highs_error_status_is_reported(monkeypatch) -> None:
    _patch(monkeypatch, status=MS.kSolveError, run=lambda: highspy.HighsStatus.kError,
           solution=False)
    with pytest.raises(SolverError) as ei:
        optimize(case_from_dict(small_case()))
    msg = str(ei.value)
    assert "Solve error" in msg and "run returned an error" in msg
    assert "--debug" in msg and "extreme numbers" in msg


def test_highs_crash_is_a_solver_error(monkeypatch, capsys, tmp_path) -> None:
    import yaml

    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(small_case()))

    def boom():
        raise RuntimeError("simulated crash")

    _patch(monkeypatch, run=boom)
    with pytest.raises(SolverError, match="HiGHS failed while solving.*simulated crash"):
        optimize(case_from_dict(small_case()))
    assert main(["optimize", str(f)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "simulated crash" in err[0] and "small.yaml" in err[0]


def test_highs_rejecting_the_model_is_reported(monkeypatch) -> None:
    om = build_model(case_from_dict(small_case()))
    cm = compile_model(om.model)
    cm.c[0] = np.nan
    monkeypatch.setattr(solve_mod, "standard_form_of", lambda om: cm)
    with pytest.raises(SolverError, match="NaN in its costs.*non-numeric"):
        solve_fn(om)


def test_no_status_returns_a_plan_silently(monkeypatch) -> None:
    """With raise_on_failure=False a failed solve gives NaN values, never a plausible plan."""
    _patch(monkeypatch, status=MS.kSolveError, solution=False)
    om = build_model(case_from_dict(small_case()))
    x, info = solve_fn(om, raise_on_failure=False)
    assert np.isnan(x).all() and not info.proven_optimal


def test_diagnosis_on_feasible_model_is_empty() -> None:
    om = build_model(case_from_dict(small_case()))
    assert diagnose_infeasible(compile_model(om.model)) == []
