"""The case schema: one declaration gives validation, defaults, the field table and the JSON
Schema (issue 19 item 5, issue 18 item 3)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from recyclopt.cli.case import SCHEMA_FILES, schema_text, shipped_schema_path
from recyclopt.errors import InputError
from recyclopt.io.yaml_input import load_yaml
from recyclopt.optimize import case_from_dict, load_case
from recyclopt.optimize.case import Option
from recyclopt.optimize.case_docs import fields_markdown
from recyclopt.optimize.case_schema import CaseSpec, OptionSpec, case_json_schema
from recyclopt.scenarios.schema import scenario_json_schema
from tests.optimize.cases import generated_case, small_case

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["entries"]


def _json(data):
    """YAML data as JSON sees it (year keys become strings)."""
    return json.loads(json.dumps(data))


def _bundled(name: str):
    text = resources.files("recyclopt.cases").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def test_docs_table_is_generated():
    # docs/case_fields.md is checked in; regenerate with python -m recyclopt.optimize.case_docs
    assert (ROOT / "docs" / "case_fields.md").read_text(encoding="utf-8") == fields_markdown()


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_shipped_schema_is_generated(kind):
    # the package ships the schema; `recyclopt case schema --write` regenerates it
    assert shipped_schema_path(kind).read_text(encoding="utf-8") == schema_text(kind)


def test_schema_validates_bundled_and_test_cases():
    validator = jsonschema.Draft202012Validator(case_json_schema())
    for data in (_bundled("taiwan.yaml"), small_case(), generated_case(4, 3)):
        errors = [e.message for e in validator.iter_errors(_json(data))]
        assert errors == []


def test_schema_validates_bundled_scenarios():
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    assert [e.message for e in validator.iter_errors(_json(_bundled("taiwan_scenarios.yaml")))
            ] == []


# Corpus case files whose defect needs the case as a whole (names of other sections, sums,
# years of the horizon, files): the JSON Schema of one file cannot see them; the loader can.
SEMANTIC = {
    "not_yaml", "empty_file", "stages_duplicate", "content_exceeds_magnet",
    "availability_year_missing", "feedstock_duplicate", "availability_table_unknown",
    "catalogue_unknown", "option_stage_unknown", "option_basis_units_late",
    "option_next_unknown", "option_next_from_last", "option_duplicate",
    "stage_without_options", "capex_missing_ref", "option_product_unknown",
    "product_element_unpriced", "last_option_without_products", "reagent_unpriced",
    "byproduct_unpriced", "policy_floor_unknown_product", "infeasible_policy",
    "operating_years_zero", "discount_rate_negative", "costing_unknown_field",
    "costing_convention", "availability_missing",
    "availability_nan",  # JSON has no NaN: a YAML .nan reaches the validator as a number
    # names defined in another section of the same case (stages, options, tags, products,
    # reagent and by-product prices, tracked elements)
    "stage_typo", "next_option_typo", "requires_tag_typo", "excludes_tag_unknown",
    "option_product_typo", "price_floor_typo", "reagent_typo", "byproduct_typo",
    "min_recovered_untracked", "option_products_untracked",
    # plausibility: a range with an opt-out (allow_implausible), not a hard bound
    "availability_huge", "availability_year_huge", "byproduct_price_huge", "capex_huge",
    "carbon_price_huge", "electricity_huge", "equipment_capacity_huge", "feed_cost_huge",
    "opex_negative", "price_huge", "wage_huge", "waiver_elsewhere",
}


def _bad_cases():
    for e in MANIFEST:
        kind, name = e["name"].split("/", 1)
        if kind == "case" and e["argv"][0] == "optimize" and len(e["argv"]) == 2:
            yield name, Path(e["argv"][1].replace("{corpus}", str(CORPUS)))


def test_schema_rejects_the_corpus_bad_cases():
    validator = jsonschema.Draft202012Validator(case_json_schema())
    rejected, passed = [], []
    for name, path in _bad_cases():
        if not path.is_file():
            continue
        try:  # the bounded loader: an alias bomb must not reach json.dumps
            data = load_yaml(path.read_text(encoding="utf-8"), name, InputError).data
        except InputError:
            continue  # not YAML, duplicate keys, bombs: refused before any schema
        if not isinstance(data, dict):
            rejected.append(name)  # a case must be a mapping; the schema says type object
            assert not validator.is_valid(_json(data)) or data is None
            continue
        (rejected if not validator.is_valid(_json(data)) else passed).append(name)
    # every structural defect is caught by the schema; what passes needs the whole case
    assert set(passed) <= SEMANTIC, sorted(set(passed) - SEMANTIC)
    assert len(rejected) >= 40


def test_defaults_are_stated_once():
    # the dataclass defaults are the schema's: change one, the other follows
    assert Option.__dataclass_fields__["default_yield"].default == \
        OptionSpec.model_fields["default_yield"].default == 1.0
    spec = CaseSpec.model_validate(small_case())
    case = case_from_dict(small_case())
    assert case.hours_per_operator_yr == spec.labour.hours_per_operator_yr == 2080
    assert case.options[1].default_yield == OptionSpec.model_fields["default_yield"].default


def test_supply_rule_as_least_share():
    # supply: optional -> 0, all -> 1, {min_share: {year: share}} holds from its year on
    d = small_case()
    d["feedstocks"][0]["supply"] = {"min_share": {2028: 0.5, 2030: 1.0}}
    d["feedstocks"][1]["supply"] = "all"
    c = case_from_dict(d)
    assert c.feedstocks[0].min_share(c.years).tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert c.feedstocks[1].supply == 1.0
    d["feedstocks"][0]["supply"] = {"min_share": {2040: 0.5}}
    with pytest.raises(InputError, match=r"feedstocks.hdd.supply.min_share\[2040\]: year 2040 "
                       "is after the last operating year 2031"):
        case_from_dict(d)


def test_bundled_case_loads_unchanged():
    # the bundled case's numbers as the hand-written loader gave them (taiwan.yaml)
    c = load_case()
    assert [f.name for f in c.feedstocks] == ["HDD", "EV_motor", "scooter_motor",
                                             "servo_motor", "swarf"]
    assert c.option("swarf_intake").blank and c.option("swarf_intake").capex is None
    assert c.option("hd_short_loop").operators == 6
    assert c.costing.discount_rate == 0.08


# Scenario corpus files whose defect needs the case (override paths and their ranges) or
# compares values (low > high, repeated names): the loader's, not the schema's, to catch.
SCENARIO_SEMANTIC = {"oat_reversed", "override_out_of_range", "override_unknown_path",
                     "scenario_name_repeat"}


def test_scenario_schema_rejects_the_corpus_bad_files():
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    passed, rejected = set(), set()
    for path in sorted((CORPUS / "scenarios").glob("*.yaml")):
        try:
            data = load_yaml(path.read_text(encoding="utf-8"), path.name, InputError).data
        except InputError:
            continue  # not YAML, duplicate keys: refused before any schema
        (rejected if not validator.is_valid(_json(data)) else passed).add(path.stem)
    assert passed == SCENARIO_SEMANTIC
    assert len(rejected) >= 10


def test_cli_prints_the_schema(capsys):
    from recyclopt.cli import main

    assert main(["case", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(schema_text("case"))
    assert main(["case", "schema", "--scenarios"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "recyclopt scenario file"
    assert main(["case", "fields"]) == 0
    assert capsys.readouterr().out == fields_markdown()


def test_element_symbols_are_the_periodic_tables():
    # the written-out symbols against chemicals' IUPAC periodic table, in atomic-number order
    from chemicals.elements import periodic_table

    from recyclopt.optimize.case_schema import ELEMENT_SYMBOLS

    assert list(ELEMENT_SYMBOLS) == [el.symbol for el in periodic_table]
    assert [el.number for el in periodic_table] == list(range(1, 119))
