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

The names below are imported from their modules on first use (a module-level
``__getattr__``, PEP 562), so ``recyclopt sweep --help`` loads none of the solver stack.
"""

from __future__ import annotations

from ..lazy import lazy_exports

#: public name -> its module in this package
_EXPORTS = {
    "TwoStageResult": "analysis",
    "npv_distribution": "analysis",
    "one_at_a_time": "analysis",
    "route_frequency": "analysis",
    "tornado": "analysis",
    "two_stage": "analysis",
    "BACKENDS": "backends",
    "SweepSpec": "backends",
    "run_sweep": "backends",
    "PARAMETERS": "definition",
    "Scenario": "definition",
    "ScenarioError": "definition",
    "ScenarioFile": "definition",
    "apply_values": "definition",
    "load_scenarios": "definition",
    "scenario_case": "definition",
    "scenarios_from_dict": "definition",
    "EngineOptions": "engine",
    "SweepEngine": "engine",
    "CONTROLLED": "policy",
    "LEVER_PARAMETERS": "policy",
    "ResultStore": "store",
    "StoreError": "store",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
