"""What drives the default Taiwan case's answer: break-even price, break-even feed scale and the
sensitivity of the break-even price to the least certain inputs.

Run: ``python examples/default_case_drivers.py`` (about a minute: each break-even is an exact
parametric sequence of MILPs, the feed scale a bisection). The README's "The default case" section quotes its output.
"""

from __future__ import annotations

import copy
import tempfile
from importlib import resources
from pathlib import Path

from recyclopt.optimize import cost_of_recovery, load_case, optimize


def scaled_feed(case, k: float, only: str | None = None):
    """A copy of ``case`` with every (or one) feedstock's availability times ``k``."""
    c = copy.deepcopy(case)
    for f in c.feedstocks:
        if only is None or f.name == only:
            f.availability = f.availability * k
    return c


def with_capex_exponent(exponent: float):
    """The bundled case with every processing line's capex exponent set to ``exponent``."""
    text = resources.files("recyclopt.cases").joinpath("taiwan.yaml").read_text("utf-8")
    path = Path(tempfile.mkdtemp()) / "taiwan.yaml"
    path.write_text(text.replace("exponent: 0.6", f"exponent: {exponent}"), encoding="utf-8")
    return load_case(str(path))


def built(plan) -> str:
    caps = plan.capacities
    rows = caps[caps["built"]]
    return ", ".join(rows.index) or "nothing"


def feed_scale_break_even(case, lo: float = 1.0, hi: float = 20.0, tol: float = 0.02) -> float:
    """Smallest multiple of every availability at which a plant pays (bisection)."""
    if not optimize(scaled_feed(case, hi), objective="npv").built:
        return float("inf")
    while hi - lo > tol * lo:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if optimize(scaled_feed(case, mid), objective="npv").built else (mid, hi)
    return hi


def main() -> None:
    case = load_case()
    base = optimize(case)
    print(f"today: NPV {base.npv_usd:,.0f} USD; built: {built(base)}")
    m = cost_of_recovery(case).multiplier
    print(f"break-even product-price multiplier: x{m:.2f}; plant then: "
          f"{built(optimize(case, objective='npv', price_factor=m * 1.01))}")
    k = feed_scale_break_even(case)
    print(f"break-even feed scale (all availabilities x k): k = {k:.2f}; plant then: "
          f"{built(optimize(scaled_feed(case, k * 1.01), objective='npv'))}")
    print("\nsensitivity of the break-even price multiplier:")
    variants = {
        "swarf 0 t/yr (placeholder removed)": scaled_feed(case, 0.0, "swarf"),
        "swarf 500 t/yr (assumption high)": scaled_feed(case, 10.0, "swarf"),
        "HDD + motors x3 (magnet-mass / collection high)": copy.deepcopy(case),
    }
    for f in variants["HDD + motors x3 (magnet-mass / collection high)"].feedstocks:
        if f.name != "swarf":
            f.availability = f.availability * 3.0
    low_price = copy.deepcopy(case)
    p = low_price.products["recycled_magnet"].price_usd_per_kg
    for e in p:
        p[e] *= 62.5 / 125.0
    variants["recycled magnet 62.5 USD/kg (low)"] = low_price
    variants["capex exponent 0.5 (six-tenths rule low)"] = with_capex_exponent(0.5)
    variants["capex exponent 0.8 (high)"] = with_capex_exponent(0.8)
    for name, c in variants.items():
        try:
            mm = cost_of_recovery(c).multiplier
            plant = built(optimize(c, objective="npv", price_factor=mm * 1.01))
            print(f"  {name}: x{mm:.2f} ({plant})")
        except Exception as exc:  # noqa: BLE001 - report and go on
            print(f"  {name}: {exc}")


if __name__ == "__main__":
    main()
