"""The resident-memory helpers of the benchmarks measure what a step allocates."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ lives in the repository, not in the package
    sys.path.insert(0, str(ROOT))
from benchmarks import rss  # noqa: E402


def test_peak_since_reset_sees_a_transient_array():
    # a 64 MiB array written through (every page resident), then freed: the high-water mark
    # since the reset must have grown by about its size, the resident size after not
    if not rss.reset_peak():
        pytest.skip("no resettable high-water mark here (not Linux)")
    rss.settle()
    start = rss.rss_mib()
    rss.reset_peak()
    a = np.ones(64 * 2**20 // 8)
    del a
    rss.settle()
    assert rss.peak_mib() - start >= 60.0
    assert rss.rss_mib() - start < 16.0
