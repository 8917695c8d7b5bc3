"""Capex of capacity blocks online in later years (the time-phased plant)."""

from __future__ import annotations

import numpy as np
import pytest

from recyclopt.economics import (
    EconomicsInputError,
    Horizon,
    QGESSCosting,
    SimpleCosting,
    capex_start_weights,
    cash_flow_table,
    npv_weights,
    phased_capex_cash,
)

H = Horizon(2026, 10)


def test_simple_weights_discount_the_build_year() -> None:
    # simple: all capex at construction start, t years after 2026: 1.08^-t (by hand)
    w = capex_start_weights(SimpleCosting(0.08), H)
    np.testing.assert_allclose(w, 1.08 ** -np.arange(10), rtol=1e-12)


@pytest.mark.parametrize("conv", [SimpleCosting(0.08), QGESSCosting()])
def test_first_year_block_is_the_single_build(conv) -> None:
    w = capex_start_weights(conv, H)
    assert w[0] == pytest.approx(npv_weights(conv, H).w_direct_tpc, rel=1e-12)
    # a block online from the first year: the single build's cash-flow table
    capex, tpc_on = phased_capex_cash(conv, H, [1e6] + [0.0] * 9)
    t = cash_flow_table(conv, H, revenue_usd=0.0, direct_tpc_usd=1e6).table
    np.testing.assert_allclose(capex, t["capex_usd"], rtol=1e-12)
    assert tpc_on.tolist() == [1e6] * 10


def test_qgess_weight_of_a_later_block_by_hand() -> None:
    """QGESS, block online in operating year 5 (t = 4): TOC 1.177 x (0.1, 0.6, 0.3) from
    2030, escalated 3.6 %/yr from 2026, discounted at 5.77 %; plus 2 % + 1 % of TPC a year
    (maintenance, taxes and insurance) from 2031 to 2036 with 3 %/yr opex escalation."""
    q = QGESSCosting()
    f = q.factors()
    capex = sum(1.177 * s * 1.036 ** (4 + i) / 1.0577 ** (4 + i)
                for i, s in enumerate((0.1, 0.6, 0.3)))
    w_fix = npv_weights(q, H).w_fixed_opex
    assert f.fixed_opex_per_tpc == pytest.approx(0.03)
    expected = capex + 0.03 * w_fix[4:].sum()
    assert capex_start_weights(q, H)[4] == pytest.approx(expected, rel=1e-12)
    # the last operating year cannot host a block: its 3-year schedule (2035-2037) would
    # end after 2036
    assert np.isnan(capex_start_weights(q, H)[-1])
    with pytest.raises(EconomicsInputError, match="tpc_by_start"):
        phased_capex_cash(q, H, [0.0] * 9 + [1.0])
