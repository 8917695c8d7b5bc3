"""Shared test settings."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" keeps the suite inside CI's time budget, "dev" explores more.
settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
