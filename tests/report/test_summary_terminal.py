"""What ``recyclopt optimize`` prints (recyclopt/report/terminal.py): the plan with units and
basis, or the smallest change that makes a plant pay, the most sensitive assumptions, their
count, one number format, plain text off a terminal and rich tables on one."""

from __future__ import annotations

import io
import math
import re
from importlib import resources

import pandas as pd
import pytest

from recyclopt.cli import main
from recyclopt.report.terminal import Table, num, render, usd


def _run(argv: list[str]) -> str:
    """stdout of one CLI run (module-scoped fixtures cannot use pytest's capsys)."""
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(argv) == 0
    return buf.getvalue()


@pytest.fixture(scope="module")
def nothing_built():
    return _run(["optimize"])


@pytest.fixture(scope="module")
def built():
    return _run(["optimize", "--price-factor", "3"])


def _expected_count() -> int:
    """Assumption-grade numbers of the default case, counted from the tables themselves."""
    def table(name: str) -> pd.DataFrame:
        with resources.files("recyclopt.data").joinpath(name).open(encoding="utf-8") as fh:
            return pd.read_csv(fh)
    cats = ["HDD_VCM", "EV_traction", "ebike_hub", "industrial_servo", "swarf"]  # taiwan.yaml
    n = int((table("case_assumptions.csv")["case"] == "taiwan").sum())
    for name in ("feedstocks.csv", "taiwan_availability.csv"):
        df = table(name)
        n += int((df["feedstock"].isin(cats) & (df["confidence"] == "assumption")).sum())
    return n


def test_nothing_built_prints_the_smallest_change_that_makes_a_plant_pay(nothing_built):
    out = nothing_built
    assert "No plant pays at these prices" in out
    # the break-even price of all products, per product:element, and each product alone
    m = re.search(r"every product price x(\d\.\d+) of today's \(exact, \d MILPs\)", out)
    assert m and 1.0 < float(m.group(1)) < 1.2
    # the Dy price scales by that multiplier: 257.2 USD/kg (taiwan.yaml) x it, rounded
    dy = f"{257.2 * float(m.group(1)):,.0f}"
    assert re.search(rf"Dy_oxide:Dy\s+257\s+{dy}\b", out)
    alone = out.split("Each product alone")[1].split("The plant that then")[0]
    for p in ("NdPr_oxide", "Dy_oxide", "Tb_oxide", "mixed_REO", "recycled_magnet"):
        assert re.search(rf"{p}\s+x[\d,.]+\s+\w", alone), p
    # the break-even feed scale and the plant then built (two plants: price, feed)
    assert re.search(r"Feed: every feedstock's availability x1\.\d\d\d of today's", out)
    assert out.count("The plant that then gets built") == 2
    # both plants: the acid-free line, whose feed includes the swarf, with its basis
    assert len(re.findall(r"acid_free_mixed_reo\s+processing\s+[\d,]+\s+kg/yr of magnet "
                          r"alloy, from [\w, ]*swarf", out)) == 2
    # three ranked assumptions, and the count
    drivers = out.split("most sensitive to")[1]
    assert [ln.split()[0] for ln in drivers.splitlines()[2:]] == ["1", "2", "3"]
    assert "feedstocks.swarf.availability_factor" in drivers.splitlines()[2]
    assert f"rests on {_expected_count()} assumption-grade numbers" in out
    # no empty section, no rows of zeros
    assert "Paths used" not in out and "Cash flow" not in out
    lines = out.splitlines()
    for i, ln in enumerate(lines):
        if ln.rstrip().endswith(":"):
            assert i + 1 < len(lines) and lines[i + 1].strip(), f"empty heading {ln!r}"


def test_a_built_plan_prints_capacity_with_unit_and_basis(built):
    out = built
    assert "product prices x3.000 of the case's" in out  # the price scenario in the header
    assert "Plan: build in 2026, operate 2027-2036" in out
    # the robots are sized for the peak year's drives: the most HDD units the plan's flow
    # table processes in one year (a table apart from the capacities), within availability
    from recyclopt.optimize import load_case, optimize

    case = load_case()
    flows = optimize(case, price_factor=3.0).flows
    peak = flows[flows["feedstock"] == "HDD"].groupby("year")["units"].sum().max()
    assert 0 < peak <= case.feedstocks[0].availability.max() and case.feedstocks[0].name == "HDD"
    assert re.search(rf"robotic_hdd\s+liberation\s+{peak:,.0f}\s+units/yr of hard disk drive "
                     r"\(HDD\)", out)
    # the swarf intake is a blank pass-through (taiwan.yaml): never listed as built
    assert "swarf_intake" not in out.split("Plan: build")[1].split("NPV")[0]
    assert re.search(r"NPV \d+\.\d\d M USD", out)
    assert "Cash flow (M USD per year):" in out
    plan = out.split("Plan: build")[1].split("NPV")[0]
    for ln in plan.splitlines()[2:]:  # every option row says what its capacity counts
        if ln.strip() and not ln.strip().startswith("capex:"):
            assert re.search(r"(units/yr of|kg/yr of magnet alloy)", ln), ln
    assert "The three assumptions the answer is most sensitive to" in out


NUMBER = re.compile(r"(?<![A-Za-z0-9_.,])-?\d+(?:,\d+)*(?:\.\d+)?")


@pytest.mark.parametrize("which", ["nothing_built", "built"])
def test_every_number_is_formatted_one_way(which, request):
    out = request.getfixturevalue(which)
    assert not re.search(r"\d[eE][+-]?\d", out)  # no exponents
    text = re.sub(r"(?<=[\s(/])x(?=\d)", "x ", out)  # multipliers: x2.052
    for tok in NUMBER.findall(text):
        t = tok.lstrip("-")
        year = re.fullmatch(r"(19|20)\d\d", t)
        assert year or re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", t), tok


def test_number_format_by_hand():
    assert num(1234567.8) == "1,234,568"
    assert num(42.123) == "42.12"
    assert num(0.012345) == "0.0123"
    assert num(3.0) == "3" and num(0) == "0" and num(-0.0) == "0"
    assert num(35475, "kg/yr") == "35,475 kg/yr"
    assert usd(20_142_670) == "20.14 M USD" and usd(-712_445.4) == "-712,445 USD"
    assert num(math.inf) == "unbounded"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_tables_on_a_terminal_plain_text_otherwise():
    blocks = ["head", Table("T:", ["a", "b"], [["x", "1,234"]], right={1})]
    tty, plain = _Tty(), io.StringIO()
    render(blocks, tty)
    render(blocks, plain)
    assert plain.getvalue() == "head\nT:\n  a      b\n  x  1,234\n"
    assert "1,234" in tty.getvalue() and "━" in tty.getvalue()  # rich's table rule


@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf"])
def test_price_factor_is_validated_before_any_solve(bad, capsys):
    assert main(["optimize", "--price-factor", bad]) == 2
    cap = capsys.readouterr()
    assert "--price-factor" in cap.err and "allowed range > 0" in cap.err
    assert "Plant plan" not in cap.out


def test_driver_blocks_rank_three_and_show_exact_break_even_when_given():
    from recyclopt.report.terminal import driver_blocks, render_plain
    from recyclopt.scenarios.assumptions import Drivers

    table = pd.DataFrame({"path": ["a.x", "b.y", "c.z", "d.w"], "value": [1.0, 2.0, 3.0, 4.0],
                          "low": [0.5, 1.0, 2.0, 3.0], "high": [2.0, 3.0, 4.0, 5.0],
                          "unit": ["u"] * 4, "npv_low_usd": [-2e6, -1e5, 0.0, 1.0],
                          "npv_high_usd": [3e6, 2e5, 1e3, 2.0],
                          "swing_usd": [3e6, 2e5, 1e3, 2.0]})
    dr = Drivers(table, 2.0, 0.0, {"a.x": (2.5, 1.2)}, 9)
    text = render_plain(driver_blocks(dr, {"t.csv": 7, "u.csv": 3}, 4, "measure"))
    assert "rests on 10 assumption-grade numbers (7 in t.csv, 3 in u.csv); 4 have a range" \
        in text
    rows = text.splitlines()[-3:]
    assert [r.split()[1] for r in rows] == ["a.x", "b.y", "c.z"]  # three, in the given order
    assert "-2.00 M USD / 3.00 M USD" in rows[0] and "x2.500 / x1.200" in rows[0]
    assert rows[1].rstrip().endswith("-")  # no exact break-even for the others
