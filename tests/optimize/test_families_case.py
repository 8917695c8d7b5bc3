"""The bundled second case ``families``: an option for every recycling family's route, with
coefficients computed from the flowsheets, that the optimizer can choose."""

from __future__ import annotations

import pytest

from recyclopt.cli import main
from recyclopt.errors import FeedRefusedError
from recyclopt.feedstock import check_accepts, feed_stream
from recyclopt.flowsheet import load_flowsheet
from recyclopt.optimize import load_case, optimize
from recyclopt.optimize.coefficients import flowsheet_coefficients

# option -> route of every family without an option in the default case
NEW_OPTIONS = {
    "ion_exchange_separated": "ion_exchange_chromatography",
    "reo_separation_plant": "reo_separation",
    "long_loop_magnet": "long_loop_magnet",
    "smelting_slag_reo": "smelting_slag_leach",
    "mg_extraction_metal": "mg_extraction_distillation",
    "electrochemical_reo": "electrochemical_recovery",
    "membrane_sx_reo": "membrane_sx",
    "intensified_sx_separated": "intensified_sx",
}
RE = ("Nd", "Pr", "Dy", "Tb")


@pytest.fixture(scope="module")
def case():
    return load_case("families")


def test_families_case_has_an_option_per_route_family(case):
    by_name = {o.name: o for o in case.options}
    for opt, route in NEW_OPTIONS.items():
        assert by_name[opt].flowsheet == route
    # and keeps the default case's feedstocks
    assert [f.catalogue for f in case.feedstocks] == [f.catalogue for f in load_case().feedstocks]


def _by_hand(route: str, catalogue: str, product_streams: dict[str, str], prices: dict):
    """Recovered kg of each element per kg fed and kWh per kg, from a fresh solve of the route
    with 1 kg/s of the catalogue feed: element in the product streams priced for it / fed."""
    fs = load_flowsheet(route)
    port = next(iter(fs.feeds))
    feed = feed_stream(catalogue, 1.0, registry=fs.registry, name=port)
    check_accepts(fs, feed, catalogue)
    res = fs.solve({port: feed})
    fed = feed.element_flows()
    rec = {}
    for e in RE:
        amounts = [res.streams[s].element_flows()[e] for s, form in product_streams.items()
                   if e in prices[form]]
        rec[e] = max(amounts, default=0.0) / fed[e] if fed[e] > 0 else 0.0
    kwh = res.totals()["electricity_W"] / feed.total / 3.6e6
    return rec, kwh


@pytest.mark.parametrize("option", sorted(NEW_OPTIONS))
def test_option_coefficients_equal_the_flowsheet(case, option):
    o = next(x for x in case.options if x.name == option)
    prices = {p.name: p.price_usd_per_kg for p in case.products.values()}
    checked = 0
    for f in case.feedstocks:
        row = flowsheet_coefficients(case, o, f)
        try:
            rec, kwh = _by_hand(o.flowsheet, f.catalogue, o.product_streams, prices)
        except FeedRefusedError:
            assert row["refused"] and all(row[f"yield:{e}"] == 0.0 for e in RE)
            continue
        for e, y in rec.items():
            assert row[f"yield:{e}"] == pytest.approx(y, rel=1e-9, abs=1e-12)
        assert row["kwh_per_basis"] == pytest.approx(kwh, rel=1e-9)
        checked += 1
    assert checked >= 1


def test_families_case_solves_and_the_optimizer_can_choose_new_routes(case):
    plan = optimize(case)
    assert plan.solver.proven_optimal
    assert plan.npv_usd == pytest.approx(plan.objective_value, rel=1e-6, abs=1e-3)
    # valuing recovery alone, the optimizer sends feed through new-family options
    plan = optimize(case, objective="recovered_value")
    assert plan.solver.proven_optimal
    flows = plan.option_flows.sum(axis=1)  # option x year, summed over the years
    used = {name for name in NEW_OPTIONS if flows.get(name, 0.0) > 0}
    assert used and used <= set(plan.built)


def test_optimize_cli_runs_the_families_case(capsys):
    assert main(["optimize", "families"]) == 0
    assert "Plant plan for case 'families'" in capsys.readouterr().out
