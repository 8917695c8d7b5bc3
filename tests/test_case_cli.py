"""``recyclopt case export | show`` and ``recyclopt optimize --set``: edit a case without
hand-writing YAML tables, and get the same plan as the same edit made in the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from recyclopt.cli import main
from recyclopt.optimize import load_case, optimize
from recyclopt.optimize.case import CaseError

#: swarf availability x3: the bundled case then builds a plant (at x1 it builds nothing), so
#: the comparison covers NPV, built options and capacities, not only zeros
SET = "feedstocks.swarf.availability_factor=3"
PATH, FACTOR = "feedstocks.swarf.availability_factor", 3


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "taiwan.yaml"
    assert main(["case", "export", "taiwan", "-o", str(out)]) == 0
    return out


def edited_by_hand(exported: Path, folder: Path) -> Path:
    """The exported file with the swarf availability values times FACTOR, edited in YAML."""
    doc = yaml.safe_load(exported.read_text(encoding="utf-8"))
    swarf = next(f for f in doc["feedstocks"] if f["name"] == "swarf")
    swarf["availability_units"] = {y: v * FACTOR for y, v in swarf["availability_units"].items()}
    p = folder / "edited.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return p


def plan_facts(npv: float, capacities: pd.DataFrame) -> tuple[float, list[str], np.ndarray]:
    cap = capacities.set_index("option") if "option" in capacities else capacities
    built = sorted(cap.index[cap["built"].astype(bool)])
    return float(npv), built, cap["capacity"].to_numpy(float)


def assert_same_plan(a: tuple, b: tuple) -> None:
    assert a[0] == pytest.approx(b[0], rel=1e-9, abs=1e-6)
    assert a[1] == b[1]
    np.testing.assert_allclose(a[2], b[2], rtol=1e-9, atol=1e-9)


def test_exported_case_is_the_bundled_case(exported):
    # expanding the availability table inline must not change a number of the case
    bundled, mine = load_case("taiwan"), load_case(exported)
    assert [f.name for f in mine.feedstocks] == [f.name for f in bundled.feedstocks]
    for a, b in zip(bundled.feedstocks, mine.feedstocks, strict=True):
        assert a.availability.index.tolist() == b.availability.index.tolist()
        np.testing.assert_array_equal(a.availability.to_numpy(), b.availability.to_numpy())
    assert "availability_table" not in exported.read_text(encoding="utf-8").split(
        "feedstocks:")[1].split("options:")[0]


@pytest.mark.parametrize("name", ["taiwan", "families"])
def test_every_bundled_case_exports_to_the_same_availability(name, tmp_path):
    out = tmp_path / f"{name}.yaml"
    assert main(["case", "export", name, "-o", str(out)]) == 0
    for a, b in zip(load_case(name).feedstocks, load_case(out).feedstocks, strict=True):
        np.testing.assert_array_equal(a.availability.to_numpy(), b.availability.to_numpy())


def test_set_gives_the_plan_of_the_same_edit_in_yaml(exported, tmp_path):
    by_hand = optimize(load_case(edited_by_hand(exported, tmp_path)))
    by_api = optimize(load_case(exported).with_overrides({PATH: FACTOR}))
    base = optimize(load_case(exported))
    assert by_hand.built and not base.built  # the edit matters: a plant instead of none
    hand = plan_facts(by_hand.npv_usd, by_hand.capacities.reset_index())
    assert_same_plan(plan_facts(by_api.npv_usd, by_api.capacities.reset_index()), hand)

    out = tmp_path / "plan.json"
    assert main(["optimize", str(exported), "--set", SET, "--output", str(out)]) == 0
    d = json.loads(out.read_text(encoding="utf-8"))
    cap = pd.DataFrame(d["capacities"]["data"], columns=d["capacities"]["columns"])
    assert_same_plan(plan_facts(d["meta"]["npv_usd"], cap), hand)
    assert d["meta"]["overrides"] == {PATH: 3.0}


def test_set_is_recorded_and_printed(exported, capsys):
    assert main(["optimize", str(exported), "--set", SET]) == 0
    assert f"overrides: {PATH}=3" in capsys.readouterr().out


def test_unknown_path_is_one_line_with_the_closest_path(capsys):
    # raised before any solve: no plan header is printed
    assert main(["optimize", "--set", "feedstocks.swarf.availabilty_factor=3"]) != 0
    out, err = capsys.readouterr()
    assert "Plant plan" not in out
    assert err.strip() == ("recyclopt: error: --set: feedstocks.swarf.availabilty_factor: "
                           "unknown parameter 'feedstocks.swarf.availabilty_factor'; did you "
                           "mean 'feedstocks.swarf.availability_factor'?")


def test_api_unknown_name_suggests_the_path():
    with pytest.raises(CaseError, match=r"'swarff' is not one of the case's names here; "
                       r"allowed: .*did you mean 'feedstocks\.swarf\.cost_usd_per_unit'\?$"):
        load_case().with_overrides({"feedstocks.swarff.cost_usd_per_unit": 1})


def test_export_refuses_an_existing_file_without_force(exported, capsys):
    before = exported.read_text(encoding="utf-8")
    exported.write_text("name: mine\n", encoding="utf-8")
    assert main(["case", "export", "-o", str(exported)]) != 0
    assert "already exists" in capsys.readouterr().err
    assert exported.read_text(encoding="utf-8") == "name: mine\n"
    assert main(["case", "export", "-o", str(exported), "--force"]) == 0
    assert exported.read_text(encoding="utf-8") == before


def test_show_lists_values_with_their_source(exported, capsys):
    assert main(["case", "show", str(exported)]) == 0
    rows = capsys.readouterr().out.splitlines()
    lines = exported.read_text(encoding="utf-8").splitlines()
    # the discount rate: its value and the line of the file that sets it
    n = next(i for i, t in enumerate(lines, 1) if t.strip().startswith("discount_rate:"))
    row = next(r for r in rows if r.startswith("costing.discount_rate "))
    assert row.split()[1:] == ["0.08", "line", str(n)]
    # a field the file does not set is the schema's default
    row = next(r for r in rows if r.startswith("feedstocks.HDD.collection_rate "))
    assert row.split()[1:] == ["1", "default"]


def test_show_names_the_bundled_table(capsys):
    assert main(["case", "show"]) == 0
    out = capsys.readouterr().out
    assert "bundled table taiwan_availability.csv" in out
