"""Regenerate the error corpus (``python tests/corpus/build_corpus.py``).

The corpus is data: the files under ``cases/``, ``flowsheets/``, ``feeds/``, ``scenarios/``
and ``manifest.yaml``, which lists for each entry the command (argv, with ``{corpus}`` standing
for this folder), the expected exit code and the substrings the one stderr line must contain.
This script only writes them; ``tests/test_error_corpus.py`` runs them. Edit the entries here
and re-run it, or edit the data files by hand.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.optimize.cases import small_case  # noqa: E402

ENTRIES: list[dict] = []


def _entry(name: str, argv: list[str], expect: list[str], code: int = 2) -> None:
    ENTRIES.append({"name": name, "argv": argv, "exit": code, "expect": expect})


def _write(sub: str, fname: str, text: str) -> str:
    p = HERE / sub / fname
    p.parent.mkdir(exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return "{corpus}/" + f"{sub}/{fname}"


def case(name: str, mutate: Callable[[dict], object], expect: list[str], code: int = 2) -> None:
    """A small_case() with one defect, run through ``recyclopt optimize``."""
    d = small_case()
    mutate(d)  # in place; the return value is ignored
    path = _write("cases", f"{name}.yaml", yaml.safe_dump(d, sort_keys=False))
    _entry(f"case/{name}", ["optimize", path], [f"{name}.yaml", *expect], code)


def case_text(name: str, text: str, expect: list[str]) -> None:
    path = _write("cases", f"{name}.yaml", text)
    _entry(f"case/{name}", ["optimize", path], [f"{name}.yaml", *expect])


def fs(name: str, d: object, expect: list[str], *, text: str | None = None) -> None:
    """A flowsheet file with one defect, run through ``recyclopt simulate``."""
    body = text if text is not None else yaml.safe_dump(d, sort_keys=False)
    path = _write("flowsheets", f"{name}.yaml", body)
    _entry(f"flowsheet/{name}", ["simulate", path], [f"{name}.yaml", *expect])


def feed(name: str, fname: str, text: str, expect: list[str]) -> None:
    """A feed file with one defect, given to ``recyclopt simulate demo_recycle --feed``."""
    path = _write("feeds", fname, text)
    _entry(f"feed/{name}", ["simulate", "demo_recycle", "--feed", path], [fname, *expect])


def scen(name: str, d: object, expect: list[str], *, text: str | None = None,
         case_file: str = "{corpus}/valid/small_case.yaml") -> None:
    """A scenario file with one defect, run through ``recyclopt sweep``."""
    body = text if text is not None else yaml.safe_dump(d, sort_keys=False)
    path = _write("scenarios", f"{name}.yaml", body)
    _entry(f"scenario/{name}", ["sweep", case_file, path, "--out", "{tmp}/store.sqlite"],
           [f"{name}.yaml", *expect])


def fs_base() -> dict:
    return copy.deepcopy({
        "name": "tiny", "description": "one mixer",
        "feeds": {"feed": {"rate_kg_per_h": 100.0, "composition": {"Fe": 1.0}}},
        "units": {"mix": {"type": "mixer", "inlets": {"a": "feed"}, "outlets": {"out": "prod"}}},
        "products": {"prod": "product"},
    })


def build() -> None:
    _write("valid", "small_case.yaml", yaml.safe_dump(small_case(), sort_keys=False))
    _write("valid", "existing_output.json", "{}\n")
    _write("valid", "existing_report.html", "<html></html>\n")
    _write("valid", "flowsheet.yaml", yaml.safe_dump(fs_base(), sort_keys=False))

    # ------------------------------------------------------------------ case files
    case_text("not_yaml", "name: [unclosed\nstages: {a: 1\n", ["not valid YAML", "line"])
    case_text("top_list", "- name: x\n- stages: []\n", ["must be a mapping"])
    case_text("empty_file", "", ["must be a mapping"])
    case("unknown_top_field", lambda d: d.update(colour="red"), [":117: colour: unknown field", "allowed"])
    case("construction_year_low", lambda d: d["horizon"].update(construction_year=1800),
         ["horizon.construction_year", "1800", "[1900, 2200]"])
    case("operating_years_zero", lambda d: d["horizon"].update(operating_years=0),
         ["horizon.operating_years", "0"])
    case("horizon_unknown", lambda d: d["horizon"].update(lifetime=3), ["horizon.lifetime"])
    case("discount_rate_negative", lambda d: d["costing"].update(discount_rate=-2),
         ["discount_rate", "-2"])
    case("costing_convention", lambda d: d["costing"].update(convention="fancy"),
         ["costing.convention", "fancy", "simple, qgess"])
    case("costing_unknown_field", lambda d: d["costing"].update(tax=0.2),
         ["costing", "tax"])
    case("stages_missing", lambda d: d.pop("stages"), ["stages: missing", "process stages"])
    case("stages_duplicate", lambda d: d.update(stages=["liberation", "liberation"]),
         ["stages", "duplicate"])
    case("feedstocks_empty", lambda d: d.update(feedstocks=[]), ["feedstocks: needs at least 1 item"])
    case("feedstock_not_mapping", lambda d: d["feedstocks"].append("ssd"),
         ["feedstocks[2]", "expected a mapping"])
    case("feedstock_no_name", lambda d: d["feedstocks"][0].pop("name"),
         ["feedstocks[0].name", "missing"])
    case("content_negative",
         lambda d: d["feedstocks"][0]["content_kg_per_unit"].update(Nd=-0.1),
         ["feedstocks.hdd.content_kg_per_unit.Nd", "-0.1", "[0, inf]"])
    case("content_exceeds_magnet", lambda d: d["feedstocks"][1].update(magnet_kg_per_unit=0.5),
         ["feedstocks.ev.content_kg_per_unit", "more than the magnet mass"])
    case("magnet_mass_zero", lambda d: d["feedstocks"][1].update(magnet_kg_per_unit=0),
         ["feedstocks.ev.magnet_kg_per_unit", "(0, inf]"])
    case("availability_missing", lambda d: d["feedstocks"][1].pop("availability_units"),
         ["feedstocks.ev.availability_units", "missing"])
    case("availability_year_missing",
         lambda d: d["feedstocks"][0]["availability_units"].pop(2029),
         ["feedstocks.hdd.availability_units", "2029", "2027-2031"])
    case("availability_text", lambda d: d["feedstocks"][1].update(availability_units="lots"),
         ["feedstocks.ev.availability_units", "'lots' is not a number"])
    case("availability_nan", lambda d: d["feedstocks"][1].update(availability_units=float("nan")),
         ["feedstocks.ev.availability_units", "not a finite number"])
    case("availability_bool", lambda d: d["feedstocks"][1].update(availability_units=True),
         ["feedstocks.ev.availability_units", "is not a number"])
    case("collection_rate_high", lambda d: d["feedstocks"][1].update(collection_rate=1.5),
         ["feedstocks.ev.collection_rate", "1.5", "[0, 1]"])
    case("growth_high", lambda d: d["feedstocks"][1].update(growth_per_yr=3),
         ["feedstocks.ev.growth_per_yr", "[-0.5, 1]"])
    case("feedstock_duplicate", lambda d: d["feedstocks"].append(copy.deepcopy(d["feedstocks"][1])),
         ["feedstocks.ev: duplicate name 'ev'"])
    case("tags_not_list", lambda d: d["feedstocks"][1].update(tags="oxidised"),
         ["feedstocks.ev.tags", "list"])
    case("feedstock_unknown_field", lambda d: d["feedstocks"][1].update(colour="grey"),
         ["feedstocks.ev.colour", "allowed"])
    case("availability_table_unknown",
         lambda d: (d["feedstocks"][1].pop("availability_units"),
                    d["feedstocks"][1].update(availability_table="mars")),
         ["feedstocks.ev.availability_table", "mars"])
    case("catalogue_unknown", lambda d: (d["feedstocks"][1].pop("content_kg_per_unit"),
                                         d["feedstocks"][1].update(catalogue="NOPE")),
         ["feedstocks.ev.catalogue", "NOPE"])
    case("option_no_name", lambda d: d["options"][0].pop("name"), ["options[0].name", "missing"])
    case("option_stage_unknown", lambda d: d["options"][0].update(stage="smelting"),
         ["options.manual.stage", "smelting", "liberation"])
    case("option_basis_bad", lambda d: d["options"][2].update(basis="tonnes"),
         ["options.hydromet.basis", "tonnes", "kg, units"])
    case("option_basis_units_late", lambda d: d["options"][2].update(basis="units"),
         ["options.hydromet.basis", "first stage"])
    case("option_yield_high", lambda d: d["options"][2]["yields"].update(Nd=1.2),
         ["options.hydromet.yields.Nd", "1.2", "[0, 1]"])
    case("option_default_yield_negative", lambda d: d["options"][2].update(default_yield=-0.1),
         ["options.hydromet.default_yield", "[0, 1]"])
    case("option_mass_yield_high", lambda d: d["options"][2].update(mass_yield=20),
         ["options.hydromet.mass_yield", "[0, 10]"])
    case("option_next_not_list", lambda d: d["options"][0].update(next="hydromet"),
         ["options.manual.next", "list"])
    case("option_next_unknown", lambda d: d["options"][0].update(next=["pyro"]),
         ["options.manual.next[0]", "option 'pyro' does not exist"])
    case("option_next_from_last", lambda d: d["options"][2].update(next=["sx"]),
         ["options.hydromet.next", "last stage"])
    case("option_duplicate", lambda d: d["options"].append(copy.deepcopy(d["options"][3])),
         ["options.sx: duplicate name 'sx'"])
    case("stage_without_options", lambda d: d.update(stages=["liberation", "extraction",
                                                             "refining"]),
         ["stages", "refining", "no options"])
    case("capex_one_point", lambda d: d["options"][1]["capex"].update(points=[[1, 2]]),
         ["options.shred.capex.points", "at least 2 items"])
    case("capex_point_shape", lambda d: d["options"][1]["capex"].update(points=[[1, 2], [3]]),
         ["options.shred.capex.points[1]", "[capacity, cost_usd]", "at least 2"])
    case("capex_exponent_high", lambda d: d["options"][2]["capex"].update(exponent=3),
         ["options.hydromet.capex.exponent", "(0, 2]"])
    case("capex_missing_ref", lambda d: d["options"][2]["capex"].pop("ref_capacity"),
         ["options.hydromet.capex.ref_capacity", "missing"])
    case("capex_unknown_field", lambda d: d["options"][2]["capex"].update(currency="EUR"),
         ["options.hydromet.capex.currency", "allowed"])
    case("equipment_capacity_zero", lambda d: d["options"][0]["equipment"].update(
        capacity_per_unit=0), ["options.manual.equipment.capacity_per_unit", "(0, inf]"])
    case("equipment_capacity_missing", lambda d: d["options"][0]["equipment"].pop(
        "capacity_per_unit"), ["options.manual.equipment.capacity_per_unit", "missing"])
    case("operators_huge", lambda d: d["options"][2].update(operators=1e5),
         ["options.hydromet.operators", "[0, 10000]"])
    case("products_missing", lambda d: d.pop("products"), ["products: missing", "prices"])
    case("product_price_missing", lambda d: d["products"]["reo"].pop("price_usd_per_kg"),
         ["products.reo.price_usd_per_kg", "missing"])
    case("product_max_negative", lambda d: d["products"]["reo"].update(max_kg_per_yr=-1),
         ["products.reo.max_kg_per_yr", "[0, inf]"])
    case("option_product_unknown", lambda d: d["options"][2]["products"].update(Nd="metal"),
         ["options.hydromet.products.Nd", "metal", "reo"])
    case("product_element_unpriced", lambda d: d["options"][3]["products"].update(Dy="ndpr_oxide"),
         ["products.ndpr_oxide.price_usd_per_kg", "Dy"])
    case("last_option_without_products", lambda d: d["options"][3].pop("products"),
         ["options.sx.products", "last stage"])
    case("reagent_unpriced", lambda d: d["options"][3].update(reagents_kg_per_basis={"HCl": 2}),
         ["options.sx.reagents_kg_per_basis.HCl", "no price"])
    case("byproduct_unpriced", lambda d: d["options"][3].update(
        byproducts_kg_per_basis={"slag": 2}), ["options.sx", "slag", "byproducts_usd_per_kg"])
    case("prices_unknown_field", lambda d: d["prices"].update(water_usd_per_m3=1),
         ["prices.water_usd_per_m3", "allowed"])
    case("grid_co2_high", lambda d: d["prices"].update(grid_co2_kg_per_kwh=10),
         ["prices.grid_co2_kg_per_kwh", "[0, 5]"])
    case("labour_hours_high", lambda d: d["labour"].update(hours_per_operator_yr=9000),
         ["labour.hours_per_operator_yr", "9000", "[0, 8784]"])
    case("policy_share_high", lambda d: d.update(policy={"max_feedstock_share": 2}),
         ["policy.max_feedstock_share", "[0, 1]"])
    case("policy_rc_share_high", lambda d: d.update(policy={"recycled_content": {
        "elements": ["Nd"], "demand_kg_per_yr": 100, "share": 1.5}}),
        ["policy.recycled_content.share", "[0, 1]"])
    case("policy_floor_unknown_product", lambda d: d.update(policy={
        "price_floor_usd_per_kg": {"gold": 5}}), ["policy.price_floor_usd_per_kg.gold", "product 'gold' does not exist"])
    case("policy_unknown_field", lambda d: d.update(policy={"quota": 1}),
         ["policy.quota", "allowed"])
    case("mode_bad", lambda d: d.update(mode="serial"), ["mode", "serial", "parallel"])
    case("objective_bad", lambda d: d.update(objective="happiness"),
         ["objective", "happiness", "npv"])
    case("infeasible_policy", lambda d: d.update(policy={"min_recovered_kg_per_yr": {
        "Nd": 1e9}}), ["infeasible", "policy_min_recovered_Nd", "Relax"], code=1)
    _entry("case/missing_file", ["optimize", "{corpus}/cases/no_such_case.yaml"],
           ["no_such_case.yaml", "does not exist"])
    _entry("case/unknown_bundled", ["optimize", "atlantis"], ["atlantis", "taiwan"])

    # ------------------------------------------------------------------ flowsheet files
    fs("not_yaml", None, ["not valid YAML", "line"], text="units: {mix: [\n")
    fs("not_mapping", None, ["must be a mapping"], text="- a\n- b\n")
    fs("unknown_top_field", {**fs_base(), "owner": "me"}, ["owner", "allowed"])
    b = fs_base()
    b.pop("feeds")
    fs("feeds_missing", b, ["feeds", "non-empty mapping"])
    b = fs_base()
    b["units"]["mix"]["type"] = "teleporter"
    fs("unit_type_unknown", b, ["units.mix", "teleporter"])
    b = fs_base()
    b["units"]["mix"].pop("type")
    fs("unit_type_missing", b, ["units.mix", "type"])
    b = fs_base()
    b["units"]["mix"]["inlets"]["b"] = "ghost"
    fs("dangling_stream", b, ["ghost", "dangling"])
    b = fs_base()
    b["units"]["mix2"] = {"type": "mixer", "inlets": {"a": "prod"}, "outlets": {"out": "feed"}}
    fs("two_sources", b, ["feed", "two sources"])
    b = fs_base()
    b["units"]["mix"]["outlets"] = {"sideways": "prod"}
    fs("unknown_port", b, ["units.mix", "sideways"])
    b = fs_base()
    b["products"] = {"prod": "treasure"}
    fs("product_kind", b, ["products", "treasure"])
    b = fs_base()
    b["feeds"]["feed"]["rate_kg_per_h"] = -5
    fs("feed_rate_negative", b, ["feeds.feed", "rate", ">= 0"])
    b = fs_base()
    b["feeds"]["feed"]["composition"] = {"Unobtainium": 1.0}
    fs("feed_species_unknown", b, ["feeds.feed", "Unobtainium"])
    b = fs_base()
    b["feeds"]["feed"]["T_K"] = "hot"
    fs("feed_temperature_text", b, ["feeds.feed.T_K", "hot", "not a number"])
    b = fs_base()
    b["feeds"]["feed"]["rate_kg_per_h"] = "fast"
    fs("feed_rate_text", b, ["feeds.feed", "rate_kg_per_h", "fast"])
    b = fs_base()
    b["tear"] = ["feed"]
    fs("tear_not_internal", b, ["tear", "feed", "internal"])
    b = fs_base()
    b["units"]["mix"]["params"] = "fast"
    fs("params_not_mapping", b, ["units.mix.params", "mapping"])
    b = fs_base()
    b["units"]["mix"]["params"] = {"speed": 3}
    fs("params_unknown", b, ["units.mix", "speed"])
    _entry("flowsheet/missing_file", ["simulate", "{corpus}/flowsheets/no_such.yaml"],
           ["no_such.yaml", "does not exist"])
    _entry("flowsheet/unknown_bundled", ["simulate", "no_such_route"],
           ["no_such_route", "demo_recycle"])

    # ------------------------------------------------------------------ feed files
    feed("csv_columns", "bad_columns.csv", "element,share\nFe,1\n",
         ["columns", "mass_fraction"])
    feed("csv_fraction_text", "fraction_text.csv", "species,mass_fraction\nFe,lots\n",
         ["mass_fraction", "lots"])
    feed("yaml_list", "list.yaml", "- Fe\n- O2\n", ["must hold a mapping"])
    feed("yaml_syntax", "syntax.yaml", "composition: {Fe: 1\n", ["not valid YAML"])
    feed("species_unknown", "species.yaml", "composition: {Kryptonite: 1.0}\n",
         ["Kryptonite"])
    feed("rate_negative", "rate.yaml", "composition: {Fe: 1.0}\nrate_kg_per_h: -3\n",
         ["rate", ">= 0"])
    feed("unknown_field", "unknown.yaml", "composition: {Fe: 1.0}\ncolour: red\n",
         ["colour", "allowed"])
    feed("composition_not_mapping", "comp.yaml", "composition: Fe\nrate_kg_per_h: 1\n",
         ["composition", "mapping"])
    _entry("feed/missing_file", ["simulate", "demo_recycle", "--feed", "{corpus}/feeds/nope.yaml"],
           ["nope.yaml", "does not exist"])
    _entry("feed/unknown_catalogue", ["simulate", "demo_recycle", "--feed", "NO_SUCH_FEED"],
           ["NO_SUCH_FEED"])

    # ------------------------------------------------------------------ scenario files
    good_set = {"sets": {"a": {"scenarios": [{"name": "base"}]}}}
    scen("not_yaml", None, ["not valid YAML", "line"], text="sets: {a: [\n")
    scen("not_mapping", None, ["must hold a mapping"], text="- a\n")
    scen("sets_missing", {"seed": 1}, ["sets", "at least one"])
    scen("unknown_top_field", {**good_set, "colour": 1}, ["colour", "allowed"])
    scen("seed_negative", {**good_set, "seed": -1}, ["seed", "-1", "[0, inf]"])
    scen("sample_method_bad", {"sets": {"a": {"sample": {"method": "guess", "n": 3},
                                              "parameters": {"x": {"uniform": [0, 1]}}}}},
         ["sets.a.sample.method", "guess", "lhs"])
    scen("sample_n_missing", {"sets": {"a": {"sample": {"method": "lhs"},
                                             "parameters": {"x": {"uniform": [0, 1]}}}}},
         ["sets.a.sample.n", "missing"])
    scen("sample_n_zero", {"sets": {"a": {"sample": {"n": 0},
                                          "parameters": {"x": {"uniform": [0, 1]}}}}},
         ["sets.a.sample.n", "[1, 10000000]"])
    scen("oat_reversed", {"sets": {"a": {"one_at_a_time": {
        "products.reo.price_usd_per_kg.Nd": [80, 40]}}}},
        ["sets.a.one_at_a_time.products.reo.price_usd_per_kg.Nd", "low 80 > high 40"])
    scen("override_unknown_path", {"sets": {"a": {"scenarios": [{
        "name": "x", "overrides": {"products.gold.price_usd_per_kg.Au": 5}}]}}},
        ["products.gold", "gold"])
    scen("override_out_of_range", {"sets": {"a": {"scenarios": [{
        "name": "x", "overrides": {"policy.max_feedstock_share": 1.5}}]}}},
        ["policy.max_feedstock_share", "1.5", "[0, 1]"])
    scen("scenario_name_repeat", {"sets": {"a": {"scenarios": [{"name": "x"}, {"name": "x"}]}}},
         ["sets.a.scenarios[1].name", "repeated"])
    _entry("scenario/missing_file", ["sweep", "{corpus}/valid/small_case.yaml",
                                     "{corpus}/scenarios/nope.yaml"],
           ["nope.yaml", "does not exist"])

    # ------------------------------------------------------------------ CLI arguments
    cli = [
        ("no_command_args", ["frobnicate"], ["frobnicate", "invalid choice"]),
        ("simulate_no_flowsheet", ["simulate"], ["flowsheet", "required"]),
        ("simulate_rate_negative", ["simulate", "demo_recycle", "--rate", "-5"],
         ["--rate", "-5", ">= 0"]),
        ("simulate_rate_text", ["simulate", "demo_recycle", "--rate", "fast"],
         ["--rate", "fast"]),
        ("simulate_output_format", ["simulate", "demo_recycle", "--output", "{tmp}/x.txt"],
         ["--output", "x.txt", ".csv"]),
        ("simulate_unit_bad", ["simulate", "demo_recycle", "--unit", "lb/day"],
         ["--unit", "lb/day", "kg/h"]),
        ("simulate_output_exists", ["simulate", "demo_recycle", "--output",
                                    "{corpus}/valid/existing_output.json"],
         ["existing_output.json", "already exists", "--force"]),
        ("optimize_time_limit_zero", ["optimize", "{corpus}/valid/small_case.yaml",
                                      "--time-limit", "0"], ["--time-limit", "> 0"]),
        ("optimize_objective_bad", ["optimize", "--objective", "fame"],
         ["--objective", "fame", "npv"]),
        ("optimize_output_exists", ["optimize", "{corpus}/valid/small_case.yaml", "--output",
                                    "{corpus}/valid/existing_output.json"],
         ["existing_output.json", "already exists", "--force"]),
        ("optimize_output_folder_missing", ["optimize", "{corpus}/valid/small_case.yaml",
                                            "--output", "{tmp}/no/such/dir/plan.json"],
         ["no/such/dir", "does not exist"]),
        ("compare_unknown_feedstock", ["compare", "NO_SUCH_FEED"], ["NO_SUCH_FEED"]),
        ("compare_output_exists", ["compare", "HDD_VCM", "--output",
                                   "{corpus}/valid/existing_output.json"],
         ["existing_output.json", "already exists"]),
        ("report_output_format", ["report", "{corpus}/valid/small_case.yaml", "-o",
                                  "{tmp}/r.pdf"], ["--output", "r.pdf", ".html"]),
        ("report_output_missing", ["report", "{corpus}/valid/small_case.yaml"],
         ["-o/--output", "required"]),
        ("report_output_exists", ["report", "{corpus}/valid/small_case.yaml", "-o",
                                  "{corpus}/valid/existing_report.html"],
         ["existing_report.html", "already exists"]),
        ("report_price_factor_zero", ["report", "{corpus}/valid/small_case.yaml", "-o",
                                      "{tmp}/r.html", "--price-factor", "0"],
         ["--price-factor", "> 0"]),
        ("report_pareto_high", ["report", "{corpus}/valid/small_case.yaml", "-o",
                                "{tmp}/r.html", "--pareto", "100"], ["--pareto", "0..50"]),
        ("sweep_workers_zero", ["sweep", "{corpus}/valid/small_case.yaml", "taiwan_scenarios",
                                "--workers", "0"], ["--workers", ">= 1"]),
        ("sweep_scheduler_without_dask", ["sweep", "{corpus}/valid/small_case.yaml",
                                          "taiwan_scenarios", "--scheduler", "tcp://x:1"],
         ["--scheduler", "--backend dask"]),
        ("sweep_export_format", ["sweep", "{corpus}/valid/small_case.yaml", "taiwan_scenarios",
                                 "--export", "{tmp}/x.xlsx"], ["--export", ".parquet"]),
        ("sweep_backend_bad", ["sweep", "taiwan", "taiwan_scenarios", "--backend", "cloud"],
         ["--backend", "cloud"]),
        ("sweep_time_limit_negative", ["sweep", "taiwan", "taiwan_scenarios", "--time-limit",
                                       "-1"], ["--time-limit", "> 0"]),
    ]
    for name, argv, expect in cli:
        _entry(f"cli/{name}", argv, expect)

    manifest = {
        "description": "Malformed inputs and the one-line error each must produce. argv is "
                       "passed to recyclopt.cli.main; {corpus} is this folder, {tmp} a fresh "
                       "temporary folder. 'expect' are substrings of the single stderr line.",
        "entries": ENTRIES,
    }
    (HERE / "manifest.yaml").write_text(
        "# Generated by build_corpus.py; the test is tests/test_error_corpus.py.\n"
        + yaml.safe_dump(manifest, sort_keys=False, width=100), encoding="utf-8")
    print(f"{len(ENTRIES)} entries")


if __name__ == "__main__":
    build()
