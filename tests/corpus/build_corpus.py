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


def _line(text: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first ``needle`` (after the first ``after``) in ``text``: found by
    plain text search, independently of the YAML loader's marks."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if after in ln) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def case_exact(name: str, mutate: Callable[[dict], object], needle: str | None, msg: str,
               *, after: str | None = None, text: str | None = None) -> None:
    """A case with one defect whose whole error line is known: ``<file>:<line>: <msg>``
    (``needle``/``after`` locate the line; no needle: the message has no line)."""
    if text is None:
        d = small_case()
        mutate(d)
        text = yaml.safe_dump(d, sort_keys=False)
    path = _write("cases", f"{name}.yaml", text)
    where = f"{path}:{_line(text, needle, after)}" if needle else path
    ENTRIES.append({"name": f"case/{name}", "argv": ["optimize", path], "exit": 2,
                    "expect": [f"{name}.yaml"], "exact": f"{where}: {msg}"})


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


# ---------------------------------------------------------------------- strict case files
# Issue 15 item 6 / issue 21 items 1 and 6: each entry's whole error line is asserted.
OPTION_FIELDS = ("basis, blank, byproduct_streams, byproducts_kg_per_basis, capex, "
                 "co2_kg_per_basis, default_yield, description, equipment, "
                 "excludes, flowsheet, heat_kwh_per_basis, kwh_per_basis, mass_yield, "
                 "max_capacity, name, next, operators, opex_usd_per_basis, opex_usd_per_yr, "
                 "product_streams, products, reagents_kg_per_basis, requires, source, stage, "
                 "yields")
FEED_FIELDS = ("availability_table, availability_units, catalogue, collection_rate, "
               "content_kg_per_unit, cost_usd_per_unit, growth_per_yr, magnet_kg_per_unit, "
               "name, source, stockpile, supply, tags, unit")
BLANK = "a blank option is a pass-through with no cost and no loss; remove this key or " \
    "'blank: true'"


def _rename(d: dict, old: str, new: str) -> None:
    """Rename key ``old`` to ``new`` keeping its place (a typo written where the key was)."""
    items = [(new if k == old else k, v) for k, v in d.items()]
    d.clear()
    d.update(items)


def _bypass(**kw) -> Callable[[dict], None]:
    """Add a blank liberation option ``bypass`` with extra keys ``kw``."""
    return lambda d: d["options"].append({"name": "bypass", "stage": "liberation",
                                          "basis": "units", "blank": True, **kw})


def strict_unknown_keys() -> None:
    """Misspelt keys: the closest valid key is suggested (issue 15: 'discount_rat')."""
    case_exact("typo_discount_rat", lambda d: _rename(d["costing"], "discount_rate",
                                                      "discount_rat"), "discount_rat:",
               "costing.discount_rat: unknown field of the 'simple' convention; allowed: "
               "convention, discount_rate, lang_factor; did you mean 'discount_rate'?")
    case_exact("typo_qgess_atwac", lambda d: d.update(costing={"convention": "qgess",
                                                               "atwac": 0.06}), "atwac:",
               "costing.atwac: unknown field of the 'qgess' convention; allowed: "
               "admin_support_labour, atwacc, capex_escalation, capex_schedule, convention, "
               "escalation_reference, financing, fringe_benefits, lang_factor, maintenance, "
               "operating_hours, opex_escalation, other_owners, plant_overhead, "
               "property_taxes_insurance, revenue_escalation, sa_qa_qc, sales_ip_rnd; "
               "did you mean 'atwacc'?")
    case_exact("typo_feedstock_cost", lambda d: _rename(d["feedstocks"][1],
                                                        "cost_usd_per_unit",
                                                        "cost_usd_per_unt"),
               "cost_usd_per_unt:", f"feedstocks.ev.cost_usd_per_unt: unknown field; "
               f"allowed: {FEED_FIELDS}; did you mean 'cost_usd_per_unit'?")
    case_exact("typo_option_opex", lambda d: _rename(d["options"][2], "opex_usd_per_basis",
                                                     "opex_usd_per_bassis"),
               "opex_usd_per_bassis:", f"options.hydromet.opex_usd_per_bassis: unknown field; "
               f"allowed: {OPTION_FIELDS}; did you mean 'opex_usd_per_basis'?")
    case_exact("typo_top_policy", lambda d: d.update(polcy={}), "polcy:",
               "polcy: unknown field; allowed: allow_implausible, capex_max_error, costing, "
               "description, "
               "elements, feedstocks, horizon, labour, mode, name, objective, options, planning, "
               "policy, prices, products, sources, stages; did you mean 'policy'?")
    case_exact("typo_product_price", lambda d: _rename(d["products"]["reo"],
                                                       "price_usd_per_kg", "price_usd_kg"),
               "price_usd_kg:", "products.reo.price_usd_kg: unknown field; allowed: "
               "max_kg_per_yr, price_usd_per_kg, source; did you mean 'price_usd_per_kg'?")
    case_exact("typo_horizon", lambda d: _rename(d["horizon"], "operating_years",
                                                 "operating_year"), "operating_year:",
               "horizon.operating_year: unknown field; allowed: construction_year, "
               "construction_years, operating_years; did you mean 'operating_years'?")
    case_exact("typo_labour", lambda d: _rename(d["labour"], "usd_per_hour", "usd_per_hr"),
               "usd_per_hr:", "labour.usd_per_hr: unknown field; allowed: "
               "hours_per_operator_yr, source, usd_per_hour; did you mean 'usd_per_hour'?")
    case_exact("typo_equipment", lambda d: _rename(d["options"][0]["equipment"],
                                                   "capacity_per_unit", "capacity_per_units"),
               "capacity_per_units:", "options.manual.equipment.capacity_per_units: unknown "
               "field; allowed: capacity_per_unit, cost_usd, max_units, operators_per_unit, "
               "source, yearly_cost_usd; did you mean 'capacity_per_unit'?")
    case_exact("typo_prices_case", lambda d: _rename(d["prices"], "electricity_usd_per_kwh",
                                                     "electricity_usd_per_kWh"),
               "electricity_usd_per_kWh:", "prices.electricity_usd_per_kWh: unknown field; "
               "allowed: byproducts_book_as, byproducts_usd_per_kg, electricity_usd_per_kwh, grid_co2_kg_per_kwh, "
               "heat_co2_kg_per_kwh, heat_usd_per_kwh, reagents_usd_per_kg, source; did you "
               "mean 'electricity_usd_per_kwh'?")
    case_exact("typo_mode", lambda d: d.update(mode="paralel"), "mode:",
               "mode: 'paralel' is not allowed; allowed: parallel, single_path; did you mean "
               "'parallel'?")


def strict_conflicts() -> None:
    """Keys that contradict each other, and ``blank`` misuse (issues 15 and 21)."""
    def table(**kw):
        def m(d):
            f = d["feedstocks"][1]
            f.pop("availability_units")
            f.update(availability_table="taiwan", **kw)
        return m

    why = "contradicts availability_table 'taiwan', which gives units x collection rate " \
        "per year; remove one of them"
    case_exact("table_with_collection_rate", table(collection_rate=0.5), "collection_rate:",
               f"feedstocks.ev.collection_rate: {why}")
    case_exact("table_with_growth", table(growth_per_yr=0.02), "growth_per_yr:",
               f"feedstocks.ev.growth_per_yr: {why}")
    case_exact("table_with_units", lambda d: d["feedstocks"][1].update(
        availability_table="taiwan"), "availability_units:",
        f"feedstocks.ev.availability_units: {why}", after="- name: ev")
    case_exact("catalogue_with_content", lambda d: d["feedstocks"][1].update(
        catalogue="EV_traction"), "content_kg_per_unit:", "feedstocks.ev.content_kg_per_unit: "
        "contradicts catalogue 'EV_traction', which gives the composition; remove one",
        after="- name: ev")
    case_exact("flowsheet_with_yields", lambda d: d["options"][2].update(
        flowsheet="roast_leach_oxalate"), "yields:", "options.hydromet.yields: contradicts "
        "flowsheet 'roast_leach_oxalate', which gives the yields per feedstock; remove one",
        after="- name: hydromet")
    case_exact("blank_with_capex", lambda d: d["options"][1].update(blank=True), "capex:",
               f"options.shred.capex: {BLANK}", after="- name: shred")
    case_exact("blank_with_opex", _bypass(opex_usd_per_basis=0.1), "opex_usd_per_basis:",
               f"options.bypass.opex_usd_per_basis: {BLANK}", after="- name: bypass")
    case_exact("blank_with_equipment", _bypass(equipment={"capacity_per_unit": 1000}),
               "equipment:", f"options.bypass.equipment: {BLANK}", after="- name: bypass")
    case_exact("blank_with_operators", _bypass(operators=2), "operators:",
               f"options.bypass.operators: {BLANK}", after="- name: bypass")
    case_exact("blank_with_yields", _bypass(yields={"Nd": 0.9}), "yields:",
               f"options.bypass.yields: {BLANK}", after="- name: bypass")
    case_exact("blank_with_flowsheet", _bypass(flowsheet="roast_leach_oxalate"),
               "flowsheet:", f"options.bypass.flowsheet: {BLANK}", after="- name: bypass")
    case_exact("blank_not_bool", _bypass(blank="yes"), "blank:",
               "options.bypass.blank: expected true or false, got the text 'yes'",
               after="- name: bypass")


def strict_names() -> None:
    """Names checked against their registries wherever they appear (issue 21 item 1)."""
    def rename_in(keys, old, new):
        def m(d):
            node = d
            for k in keys:
                node = node[k]
            _rename(node, old, new)
        return m

    case_exact("yields_element_typo", rename_in(("options", 3, "yields"), "Nd", "Ndd"),
               "Ndd:", "options.sx.yields.Ndd: element 'Ndd' is not a chemical element "
               "symbol; did you mean 'Nd'?")
    case_exact("content_element_typo", rename_in(("feedstocks", 0, "content_kg_per_unit"),
                                                 "Dy", "Dyy"), "Dyy:",
               "feedstocks.hdd.content_kg_per_unit.Dyy: element 'Dyy' is not a chemical "
               "element symbol; did you mean 'Dy'?")
    case_exact("price_element_typo", rename_in(("products", "reo", "price_usd_per_kg"),
                                               "Nd", "nd"), "nd:",
               "products.reo.price_usd_per_kg.nd: element 'nd' is not a chemical element "
               "symbol; did you mean 'Nd'?")
    case_exact("elements_typo", lambda d: d.update(elements=["Nd", "Dyy"]), "- Dyy",
               "elements[1]: element 'Dyy' is not a chemical element symbol; did you mean "
               "'Dy'?")
    case_exact("min_recovered_untracked", lambda d: d.update(policy={
        "min_recovered_kg_per_yr": {"Tb": 10}}), "Tb:",
        "policy.min_recovered_kg_per_yr.Tb: element 'Tb' is not in elements; allowed: Dy, Nd")
    case_exact("option_products_untracked", lambda d: d["options"][2]["products"].update(
        Pr="reo"), "Pr: reo", "options.hydromet.products.Pr: element 'Pr' is not in "
        "elements; allowed: Dy, Nd")

    def tags(d):
        d["feedstocks"][0]["tags"] = ["hdd"]
        d["feedstocks"][1]["tags"] = ["motor"]

    case_exact("requires_tag_typo", lambda d: (tags(d), d["options"][0].update(
        requires=["hd"])), "- hd", "options.manual.requires[0]: tag 'hd' is on no feedstock; "
        "allowed: hdd, motor; did you mean 'hdd'?", after="requires:")
    case_exact("excludes_tag_unknown", lambda d: (tags(d), d["options"][1].update(
        excludes=["motors"])), "- motors", "options.shred.excludes[0]: tag 'motors' is on no "
        "feedstock; allowed: hdd, motor; did you mean 'motor'?", after="excludes:")
    case_exact("next_option_typo", lambda d: d["options"][0].update(next=["hydromett"]),
               "- hydromett", "options.manual.next[0]: option 'hydromett' does not exist; "
               "allowed: hydromet, manual, shred, sx; did you mean 'hydromet'?")
    case_exact("option_product_typo", lambda d: d["options"][2]["products"].update(Nd="rio"),
               "Nd: rio", "options.hydromet.products.Nd: product 'rio' has no price (not in "
               "products); allowed: dy_oxide, ndpr_oxide, reo; did you mean 'reo'?")
    case_exact("stage_typo", lambda d: d["options"][0].update(stage="liberaton"),
               "stage: liberaton", "options.manual.stage: stage 'liberaton' does not exist; "
               "allowed: extraction, liberation; did you mean 'liberation'?")
    case_exact("reagent_typo", lambda d: (d["prices"].update(reagents_usd_per_kg={"HCl": 0.25}),
                                          d["options"][3].update(
                                              reagents_kg_per_basis={"HCL": 1.0})),
               "HCL:", "options.sx.reagents_kg_per_basis.HCL: reagent 'HCL' has no price in "
               "prices.reagents_usd_per_kg; allowed: HCl; did you mean 'HCl'?")
    case_exact("byproduct_typo", lambda d: (d["prices"].update(byproducts_usd_per_kg={
        "residue": -0.05}), d["options"][2].update(byproducts_kg_per_basis={"residu": 0.5})),
        "residu:", "options.hydromet.byproducts_kg_per_basis.residu: by-product 'residu' has "
        "no price in prices.byproducts_usd_per_kg (negative for a disposal cost); allowed: "
        "residue; did you mean 'residue'?", after="byproducts_kg_per_basis:")
    case_exact("catalogue_typo", lambda d: (d["feedstocks"][1].pop("content_kg_per_unit"),
                                            d["feedstocks"][1].update(catalogue="EV_tracton")),
               "catalogue:", "feedstocks.ev.catalogue: catalogue feedstock 'EV_tracton' does not "
               "exist; allowed: EV_traction, HDD_VCM, consumer_audio, ebike_hub, "
               "industrial_servo, phone_speaker, swarf, wind_DD; did you mean 'EV_traction'?",
               after="- name: ev")
    case_exact("availability_table_typo", lambda d: (
        d["feedstocks"][1].pop("availability_units"),
        d["feedstocks"][1].update(availability_table="taiwn")), "availability_table:",
        "feedstocks.ev.availability_table: availability table 'taiwn' does not exist; "
        "allowed: taiwan; did you mean 'taiwan'?")
    case_exact("price_floor_typo", lambda d: d.update(policy={"price_floor_usd_per_kg": {
        "ndpr_oxid": 60}}), "ndpr_oxid:", "policy.price_floor_usd_per_kg.ndpr_oxid: product "
        "'ndpr_oxid' does not exist; allowed: dy_oxide, ndpr_oxide, reo; did you mean "
        "'ndpr_oxide'?")


def strict_types() -> None:
    """A string is never a list; an empty ``next`` is refused (issue 21 item 1)."""
    case_exact("requires_string", lambda d: d["options"][0].update(requires="hd_ok"),
               "requires:", "options.manual.requires: expected a list, got the text 'hd_ok' "
               "(write [hd_ok])")
    case_exact("elements_string", lambda d: d.update(elements="Nd"), "elements:",
               "elements: expected a list, got the text 'Nd' (write [Nd])")
    case_exact("stages_string", lambda d: d.update(stages="liberation"), "stages:",
               "stages: expected a list, got the text 'liberation' (write [liberation])")
    case_exact("recycled_elements_string", lambda d: d.update(policy={"recycled_content": {
        "elements": "Nd", "demand_kg_per_yr": 1000, "share": 0.1}}), "elements: Nd",
        "policy.recycled_content.elements: expected a list, got the text 'Nd' (write [Nd])")
    case_exact("next_empty", lambda d: d["options"][0].update(next=[]), "next:",
               "options.manual.next: an empty list feeds nothing and closes every path "
               "through this option; omit 'next' to feed every option of the next stage")
    case_exact("price_text", lambda d: d["products"]["reo"]["price_usd_per_kg"].update(
        Nd="52 USD"), "Nd: 52 USD", "products.reo.price_usd_per_kg.Nd: the text '52 USD' is "
        "not a number")
    case_exact("name_number", lambda d: d["feedstocks"][1].update(name=7), "name: 7",
               "feedstocks[1].name: expected text, got 7")
    case_exact("year_key_text", lambda d: d["feedstocks"][0].update(
        availability_units={"y2027": 1.0}), "availability_units:", "feedstocks.hdd.availability_units: "
        "year 'y2027' is not a year (write 2030: value)", after="- name: hdd")
    case_exact("supply_bad", lambda d: d["feedstocks"][0].update(supply="everything"),
               "supply:", "feedstocks.hdd.supply: 'everything' is not a supply rule; allowed: "
               "optional, all, {min_share: share}")
    case_exact("supply_share_high", lambda d: d["feedstocks"][0].update(
        supply={"min_share": 1.5}), "supply:", "feedstocks.hdd.supply: min_share: 1.5 is outside the "
        "allowed range [0, 1]", after="- name: hdd")


def strict_yaml() -> None:
    """Duplicate keys, alias bombs, deep nesting, recursive aliases (issue 21 items 1, 6)."""
    base = yaml.safe_dump(small_case(), sort_keys=False)
    dup = base.replace("  discount_rate: 0.1\n", "  discount_rate: 0.1\n  discount_rate: 0.05\n")
    case_exact("duplicate_key", None, "discount_rate: 0.05", "costing.discount_rate: "
               "duplicate key "
               f"(lines {_line(dup, 'discount_rate: 0.1')} and "
               f"{_line(dup, 'discount_rate: 0.05')}); YAML would keep only the last; delete "
               "one", text=dup)
    dup2 = base.replace("  cost_usd_per_unit: 5.0\n",
                        "  cost_usd_per_unit: 5.0\n  cost_usd_per_unit: 0.5\n")
    case_exact("duplicate_key_nested", None, "cost_usd_per_unit: 0.5",
               "feedstocks.ev.cost_usd_per_unit: "
               f"duplicate key (lines {_line(dup2, 'cost_usd_per_unit: 5.0')} and "
               f"{_line(dup2, 'cost_usd_per_unit: 0.5')}); YAML would keep only the last; "
               "delete one", text=dup2)
    # billion laughs: lol<k> expands to ~10 * 9^k nodes; the first over 1,000,000 is lol6
    # (5.3 M; lol5 is 0.59 M), so the error names lol6's line
    bomb = 'lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    bomb += "".join(f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
    text = bomb.replace("lol0:", "x-lol0:") + base.replace("name: small\n",
                                                           "name: small\ndescription: *l8\n", 1)
    case_exact("alias_bomb", None, "lol6:", "aliases expand to more than 1,000,000 nodes (an "
               "alias bomb?); write the data out or use fewer aliases", text=text)
    deep = base.replace("name: small\n", "name: small\ndescription: " + "[" * 50_000
                        + "]" * 50_000 + "\n", 1)
    case_exact("deep_nesting", None, "description:", "nesting deeper than 100 levels",
               text=deep)
    rec = base.replace("name: small\n", "name: small\ndescription: &me [1, *me]\n", 1)
    case_exact("recursive_alias", None, "description:", "an alias refers to a node that "
               "contains it (a recursive structure)", text=rec)


def strict_magnitudes() -> None:
    """Implausible magnitudes and negative prices are refused before any solve (issue 21)."""
    def imp(value, path, field_path, plausible, why):
        return (f"{path}: {value} is implausible; plausible {plausible} ({why}); if you mean "
                f"it, add '{field_path}' to allow_implausible")

    magnet = ("plausible [0, 1e+09] kg/yr (5x the world's yearly NdFeB magnet production "
              "(~2e8 kg, 2023); per-unit availability times magnet_kg_per_unit)")

    def mass(feed, units, kg, total, year):
        return (f"feedstocks.{feed}.availability_units: {units} units x {kg} kg = {total} kg "
                f"of magnet in {year} is implausible; {magnet}; if you mean it, add "
                f"'feedstocks.{feed}.availability_units' to allow_implausible")

    # 1e12 motors x 1 kg of magnet: 5,000x the world's yearly magnet output
    case_exact("availability_huge", lambda d: d["feedstocks"][1].update(
        availability_units=1e12), "availability_units: 1", mass("ev", "1e+12", "1", "1e+12",
                                                                 2027))
    case_exact("availability_year_huge", lambda d: d["feedstocks"][0][
        "availability_units"].update({2030: 5e11}), "availability_units:",
        mass("hdd", "5e+11", "0.01", "5e+09", 2030), after="- name: hdd")
    case_exact("equipment_capacity_huge", lambda d: d["options"][0]["equipment"].update(
        capacity_per_unit=1e12), "capacity_per_unit:", imp(
        "1e+12", "options.manual.equipment.capacity_per_unit",
        "options.manual.equipment.capacity_per_unit", "[0, 1e+10]",
        "a single machine handling over 1e10 items or kg a year"))
    price = "25x the highest rare-earth price on record (Tb oxide ~4,000 USD/kg, 2022)"
    case_exact("price_huge", lambda d: d["products"]["reo"]["price_usd_per_kg"].update(
        Nd=1e300), "Nd: 1", imp("1e+300", "products.reo.price_usd_per_kg.Nd",
                                "products.reo.price_usd_per_kg", "[0, 100000]", price),
        after="  reo:")
    case_exact("price_negative", lambda d: d["products"]["reo"]["price_usd_per_kg"].update(
        Nd=-52), "Nd: -52", "products.reo.price_usd_per_kg.Nd: -52 is outside the allowed "
        "range [0, inf]")
    case_exact("opex_negative", lambda d: d["options"][2].update(opex_usd_per_basis=-2.0),
               "opex_usd_per_basis: -2", imp(
                   "-2", "options.hydromet.opex_usd_per_basis",
                   "options.hydromet.opex_usd_per_basis", "[0, 10000]", "negative opex is a "
                   "by-product credit (use byproducts_kg_per_basis); over 10,000 USD per kg or "
                   "item processed"))
    case_exact("electricity_huge", lambda d: d["prices"].update(electricity_usd_per_kwh=50),
               "electricity_usd_per_kwh:", imp(
                   "50", "prices.electricity_usd_per_kwh", "prices.electricity_usd_per_kwh",
                   "[0, 5]", "10x the dearest retail electricity (~0.5 USD/kWh)"))
    case_exact("capex_huge", lambda d: d["options"][2]["capex"].update(ref_cost_usd=1e13),
               "ref_cost_usd:", imp("1e+13", "options.hydromet.capex.ref_cost_usd",
                                    "options.hydromet.capex.ref_cost_usd", "[0, 1e+11]",
                                    "above the largest rare-earth processing investments "
                                    "(~1e10 USD)"))
    case_exact("wage_huge", lambda d: d["labour"].update(usd_per_hour=1e5), "usd_per_hour:",
               imp("100000", "labour.usd_per_hour", "labour.usd_per_hour", "[0, 1000]",
                   "10x the highest industrial wages"))
    case_exact("byproduct_price_huge", lambda d: (d["prices"].update(
        byproducts_usd_per_kg={"residue": -1e6}), d["options"][2].update(
        byproducts_kg_per_basis={"residue": 0.5})), "residue: -1", imp(
        "-1e+06", "prices.byproducts_usd_per_kg.residue", "prices.byproducts_usd_per_kg",
        "[-10000, 10000]", "disposal or sale above 10,000 USD/kg"))
    case_exact("carbon_price_huge", lambda d: d.update(policy={"carbon_price_usd_per_t": 1e6}),
               "carbon_price_usd_per_t:", imp(
                   "1e+06", "policy.carbon_price_usd_per_t", "policy.carbon_price_usd_per_t",
                   "[0, 10000]", "40x the EU ETS peak"))
    case_exact("reagent_price_negative", lambda d: d["prices"].update(
        reagents_usd_per_kg={"HCl": -0.25}), "HCl: -0.25", "prices.reagents_usd_per_kg.HCl: "
        "-0.25 is outside the allowed range [0, inf]")
    case_exact("feed_cost_huge", lambda d: d["feedstocks"][1].update(cost_usd_per_unit=1e9),
               "cost_usd_per_unit: 1", imp("1e+09", "feedstocks.ev.cost_usd_per_unit",
                                           "feedstocks.ev.cost_usd_per_unit",
                                           "[-100000, 100000]",
                                           "over 100,000 USD per end-of-life item"),
               after="- name: ev")
    case_exact("waiver_elsewhere", lambda d: (d["feedstocks"][1].update(
        availability_units=1e12), d.update(allow_implausible=["feedstocks.hdd.*"])),
        "availability_units: 1", mass("ev", "1e+12", "1", "1e+12", 2027))


def scen_exact(name: str, text: str, needle: str, msg: str, after: str | None = None) -> None:
    """A scenario file whose whole error line is known (run through ``recyclopt sweep``)."""
    path = _write("scenarios", f"{name}.yaml", text)
    ENTRIES.append({"name": f"scenario/{name}", "argv": [
        "sweep", "{corpus}/valid/small_case.yaml", path, "--out", "{tmp}/store.sqlite"],
        "exit": 2, "expect": [f"{name}.yaml"],
        "exact": f"{path}:{_line(text, needle, after)}: {msg}"})


def strict_scenarios() -> None:
    """Scenario files: duplicate set names, misspelt keys with the line (issue 21)."""
    scen_exact("duplicate_set", "sets:\n  prices:\n    scenarios: [{name: a}]\n  prices:\n"
               "    scenarios: [{name: b}]\n", "prices:",
               "sets.prices: duplicate key (lines 2 and 4); YAML would keep only the last; delete "
               "one", after="name: a")
    scen_exact("scenario_key_typo", "sets:\n  a:\n    scenarios:\n      - name: x\n"
               "        overides: {prices.electricity_usd_per_kwh: 0.2}\n", "overides:",
               "sets.a.scenarios[0].overides: unknown field; allowed: description, name, "
               "overrides; did you mean 'overrides'?")
    scen_exact("distribution_key_typo", "sets:\n  a:\n    sample: {method: lhs, n: 2}\n"
               "    parameters:\n      prices.electricity_usd_per_kwh:\n        dist: uniform\n"
               "        low: 0.1\n        hihg: 0.2\n", "hihg:",
               "sets.a.parameters.prices.electricity_usd_per_kwh.hihg: unknown field for a "
               "uniform distribution; allowed: high, low; did you mean 'high'?")
    scen_exact("set_key_typo", "sets:\n  a:\n    one_at_a_tme:\n"
               "      prices.electricity_usd_per_kwh: [0.1, 0.2]\n", "one_at_a_tme:",
               "sets.a.one_at_a_tme: unknown field; allowed: description, one_at_a_time, "
               "overrides, parameters, sample, scenarios; did you mean 'one_at_a_time'?")


def build_strict_cases() -> None:
    strict_unknown_keys()
    strict_conflicts()
    strict_names()
    strict_types()
    strict_yaml()
    strict_magnitudes()
    strict_scenarios()


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

    build_strict_cases()

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
