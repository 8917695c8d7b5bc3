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
