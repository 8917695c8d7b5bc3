"""Scenarios, uncertainty and scale-out: price and policy sweeps of the plant optimizer.

* :mod:`.definition`: scenario files and sets (overrides, distributions, Monte Carlo and
  Latin-hypercube sampling, one-at-a-time ranges), validated before any solve;
* :mod:`.policy`: policy levers (export-control shock, NdPr price floor, magnet credit, carbon
  price, recycled-content target, single-source cap) as scenario parameters;
* :mod:`.engine`: re-solving one compiled model per structure under many scenarios;
* :mod:`.backends`: serial, process-pool and Dask backends;
* :mod:`.store`: the atomic, resumable SQLite result store;
* :mod:`.analysis`: tornado, NPV distribution, route frequency, two-stage stochastic plan;
* :mod:`.cli`: the ``recyclopt sweep`` command.
"""

from __future__ import annotations

from .analysis import (
    TwoStageResult,
    npv_distribution,
    one_at_a_time,
    route_frequency,
    tornado,
    two_stage,
)
from .backends import BACKENDS, SweepSpec, run_sweep
from .definition import (
    PARAMETERS,
    Scenario,
    ScenarioError,
    ScenarioFile,
    apply_values,
    load_scenarios,
    scenario_case,
    scenarios_from_dict,
)
from .engine import EngineOptions, SweepEngine
from .policy import CONTROLLED, LEVER_PARAMETERS
from .store import ResultStore, StoreError

__all__ = [
    "BACKENDS",
    "CONTROLLED",
    "LEVER_PARAMETERS",
    "PARAMETERS",
    "EngineOptions",
    "ResultStore",
    "Scenario",
    "ScenarioError",
    "ScenarioFile",
    "StoreError",
    "SweepEngine",
    "SweepSpec",
    "TwoStageResult",
    "apply_values",
    "load_scenarios",
    "npv_distribution",
    "one_at_a_time",
    "route_frequency",
    "run_sweep",
    "scenario_case",
    "scenarios_from_dict",
    "tornado",
    "two_stage",
]
