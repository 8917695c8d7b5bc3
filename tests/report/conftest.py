"""Shared fixtures of the report tests: one solved plan, one empty plan, solved flowsheets."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib", reason="the report tests need the 'plots' extra (matplotlib)")
pytest.importorskip("plotly", reason="the report tests need the 'plots' extra (plotly)")


@pytest.fixture(scope="session")
def taiwan_case():
    from recyclopt.optimize import load_case

    return load_case(None)


@pytest.fixture(scope="session")
def plan(taiwan_case):
    """The Taiwan case at 3x product prices: a plant built, NPV > 0."""
    from recyclopt.optimize import optimize

    p = optimize(taiwan_case, price_factor=3.0)
    assert p.built and p.npv_usd > 0
    return p


@pytest.fixture(scope="session")
def empty_plan(taiwan_case):
    """The Taiwan case at today's prices: nothing pays, nothing is built."""
    from recyclopt.optimize import optimize

    p = optimize(taiwan_case)
    assert not p.built
    return p


@pytest.fixture(scope="session")
def rlo():
    """The roast-leach-oxalate route solved on its own feed."""
    from recyclopt.flowsheet import load_flowsheet

    return load_flowsheet("roast_leach_oxalate").solve()


@pytest.fixture(scope="session")
def recycle():
    """A flowsheet with a recycle loop."""
    from recyclopt.flowsheet import load_flowsheet

    return load_flowsheet("demo_recycle").solve()
