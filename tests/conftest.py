"""Shared test settings."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" keeps the suite inside CI's time budget, "dev" explores more.
settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def _session_cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("recyclopt-cache")


@pytest.fixture(autouse=True)
def hermetic_cache(_session_cache_dir, monkeypatch):
    """Every test (and every command it runs) uses a cache folder of this test session, never
    the developer's ``~/.cache/recyclopt``; tests that count recomputations use their own."""
    monkeypatch.setenv("RECYCLOPT_CACHE_DIR", str(_session_cache_dir))
    monkeypatch.delenv("RECYCLOPT_CACHE", raising=False)
    return _session_cache_dir


class StepSink:
    """A fake progress sink (:mod:`recyclopt.progress`): each task as [label, total, unit,
    steps reported]."""

    def __init__(self) -> None:
        self.tasks: list[list] = []

    def start(self, label, total, unit):
        self.tasks.append([label, total, unit, 0])
        return len(self.tasks) - 1

    def advance(self, task_id, n):
        self.tasks[task_id][3] += n

    def finish(self, task_id):
        pass


@pytest.fixture
def step_sink() -> StepSink:
    """A fresh fake progress sink."""
    return StepSink()
