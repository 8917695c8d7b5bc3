"""``recyclopt optimize`` prints the exact break-even prices and the plan that breaks even."""

from __future__ import annotations

import re

from recyclopt.cli import main


def test_optimize_prints_break_even_prices_per_kg_and_the_plan(capsys):
    # the bundled case builds nothing at today's prices, so the cost of recovery is printed
    assert main(["optimize"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Cost of recovery \(all products\), exact in [1-6] MILPs", out)
    assert re.search(r"Dy_oxide:Dy\s+[\d,.]+ USD/kg of element", out)
    assert "the plan that breaks even (NPV at today's prices" in out
    assert re.search(r"hd_short_loop\s+capacity [\d,.]+ kg/yr, capex [\d,]+ USD", out)


def test_break_even_of_one_element_and_a_bad_name(capsys):
    assert main(["optimize", "--break-even", "Dy"]) == 0
    assert "Cost of recovery (Dy)" in capsys.readouterr().out
    assert main(["optimize", "--break-even", "Xx"]) == 2
    cap = capsys.readouterr()
    assert "not a product, element or product:element" in cap.err
    assert "Plant plan" not in cap.out  # refused before any solve
