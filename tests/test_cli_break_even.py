"""``recyclopt --break-even TARGET`` prints the exact break-even price of that target."""

from __future__ import annotations

from recyclopt.cli import main


def test_break_even_of_one_element_and_a_bad_name(capsys):
    assert main(["optimize", "--break-even", "Dy"]) == 0
    assert "Cost of recovery (Dy)" in capsys.readouterr().out
    assert main(["optimize", "--break-even", "Xx"]) == 2
    cap = capsys.readouterr()
    assert "not a product, element or product:element" in cap.err
    assert "Plant plan" not in cap.out  # refused before any solve
