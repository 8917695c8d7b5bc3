"""Resume fingerprints every file the results depend on and says which one changed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from recyclopt.cli import main
from recyclopt.inputs import case_inputs
from recyclopt.optimize import load_case
from recyclopt.scenarios.store import ResultStore, StoreError, changed_inputs

from .cases import tiny_case


@pytest.fixture
def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep itself is not what these tests check: stores stay empty."""
    import recyclopt.scenarios.backends as backends

    monkeypatch.setattr(backends, "run_sweep", lambda *a, **k: 0)


def _err_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_changed_flowsheet_is_named(tmp_path: Path, no_solve: None,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    # the bundled Taiwan case with one route's flowsheet read from a copy the user can edit
    fs_src = Path(__file__).resolve().parents[2] / "flowsheets" / "total_dissolution_sx.yaml"
    fs = tmp_path / "total_dissolution_sx.yaml"
    fs.write_bytes(fs_src.read_bytes())
    text = resources.files("recyclopt.cases").joinpath("taiwan.yaml").read_text("utf-8")
    assert "flowsheet: total_dissolution_sx" in text
    case_f = tmp_path / "taiwan.yaml"
    case_f.write_text(text.replace("flowsheet: total_dissolution_sx", f"flowsheet: {fs}"),
                      encoding="utf-8")
    files = case_inputs(load_case(case_f))
    assert files[f"flowsheet {str(fs)!r}"] == fs and files["case file"] == case_f
    assert "flowsheet 'hd_short_loop'" in files  # the bundled routes are covered too
    scen = tmp_path / "scen.yaml"
    scen.write_text(yaml.safe_dump({"sets": {"a": {"scenarios": [{"name": "base"}]}}}),
                    encoding="utf-8")
    argv = ["sweep", str(case_f), str(scen), "--out", str(tmp_path / "s.sqlite"),
            "--no-fixed-design", "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 0  # nothing changed: resumes
    capsys.readouterr()
    fs.write_text(fs.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert main([*argv, "--resume"]) == 2
    line = _err_line(capsys)
    assert f"flowsheet {str(fs)!r} changed since the store was made" in line, line
    assert "--force" in line and "case file" not in line


def test_a_changed_price_history_is_named(tmp_path: Path, no_solve: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    case_f = tmp_path / "tiny.yaml"
    case_f.write_text(yaml.safe_dump(tiny_case()), encoding="utf-8")
    hist = tmp_path / "nd.csv"
    hist.write_text("year,nd\n2020,50\n2021,60\n", encoding="utf-8")
    scen = tmp_path / "scen.yaml"
    scen.write_text(yaml.safe_dump({"sets": {"mc": {
        "sample": {"method": "monte_carlo", "n": 4},
        "parameters": {"products.NdPr_oxide.price_usd_per_kg.Nd": {
            "dist": "resample", "file": "nd.csv", "column": "nd"}}}}}), encoding="utf-8")
    argv = ["sweep", str(case_f), str(scen), "--out", str(tmp_path / "s.sqlite"),
            "--no-fixed-design", "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    # a comment-only edit of the history changes no sampled value, only the file's bytes
    hist.write_text("year,nd\n2020,50\n2021,60\n\n", encoding="utf-8")
    assert main([*argv, "--resume"]) == 2
    line = _err_line(capsys)
    assert "price history 'nd.csv' changed since the store was made" in line, line


def test_the_package_version_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    p = tmp_path / "s.sqlite"
    old = {"case file": "aa", "the recyclopt version": "0.1.0"}
    new = {"case file": "aa", "the recyclopt version": "0.2.0"}
    with ResultStore(p, fingerprint="f1", inputs=old):
        pass
    with pytest.raises(StoreError, match="the recyclopt version changed since the store"):
        ResultStore(p, fingerprint="f2", resume=True, inputs=new)


def test_changed_inputs_lists_added_removed_and_edited() -> None:
    old = {"a": "1", "b": "2", "c": "3"}
    new = {"a": "1", "b": "9", "d": "4"}
    assert changed_inputs(old, new) == ["b", "c", "d"]
    assert changed_inputs(old, dict(old)) == []


def test_availability_tables_of_a_case_made_in_memory_are_inputs() -> None:
    """A case built from a dict (no file behind it) still names the bundled availability
    table its feedstocks were read from: taiwan.yaml's feedstocks use ``taiwan``."""
    from recyclopt.optimize import case_from_dict

    text = resources.files("recyclopt.cases").joinpath("taiwan.yaml").read_text("utf-8")
    assert "availability_table: taiwan" in text
    case = case_from_dict(yaml.safe_load(text), source="<in memory>")
    files = case_inputs(case)
    assert "case file" not in files
    table = files["availability table 'taiwan'"]
    assert table.name == "taiwan_availability.csv" and table.is_file()
