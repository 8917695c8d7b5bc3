"""Outputs: never an input (symlinks included, --force or not), checked before the work, written
atomically with no temporary file left on any failure."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import yaml

import recyclopt.io.outputs as outputs
from recyclopt.cli import main
from recyclopt.errors import OutputError
from recyclopt.io.outputs import atomic_write, check_output
from tests.optimize.cases import small_case


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(small_case()), encoding="utf-8")
    return f


@pytest.fixture
def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any solve fails the test: the refusal must come before it."""
    import recyclopt.optimize as opt

    def boom(*_a, **_k):
        raise AssertionError("solved before the output was checked")

    monkeypatch.setattr(opt, "optimize", boom)


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("recyclopt: error:"), err
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------- inputs are never outputs
@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "dotted"])
def test_optimize_refuses_its_case_file_as_output_even_with_force(
        how: str, tmp_path: Path, case_file: Path, no_solve: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = case_file.read_bytes()
    out = {"same": case_file, "symlink": tmp_path / "plan.json",
           "hardlink": tmp_path / "plan2.json",
           "dotted": tmp_path / "sub" / ".." / case_file.name}[how]
    if how == "symlink":
        out.symlink_to(case_file)
    elif how == "hardlink":
        os.link(case_file, out)
    elif how == "dotted":
        (tmp_path / "sub").mkdir()
    # a .yaml output is refused for its format first; the clash check covers every suffix, so
    # call it directly for the case file itself and through the CLI for the .json links
    if out.suffix == ".json":
        assert main(["optimize", str(case_file), "--output", str(out), "--force"]) == 2
        line = _one_error_line(capsys)
        assert "is the case file" in line and str(out) in line and str(case_file) in line
    with pytest.raises(OutputError, match="is the case file"):
        check_output(out, inputs={"case file": case_file}, force=True)
    assert case_file.read_bytes() == before


def test_sweep_refuses_an_input_as_store_or_export(tmp_path: Path, case_file: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    hist = tmp_path / "nd.csv"
    hist.write_text("year,nd\n2020,50\n2021,60\n2022,70\n", encoding="utf-8")
    scen = tmp_path / "scen.yaml"
    scen.write_text(yaml.safe_dump({"sets": {"mc": {"sample": {"method": "monte_carlo",
                                                               "n": 3},
                    "parameters": {"products.reo.price_usd_per_kg.Nd": {
                        "dist": "resample", "file": "nd.csv", "column": "nd"}}}}}),
                    encoding="utf-8")
    snap = {p: p.read_bytes() for p in (hist, scen, case_file)}
    base = ["sweep", str(case_file), str(scen), "--no-fixed-design", "--no-progress"]
    # the store is the case file (with --force, which would delete it)
    assert main([*base, "--out", str(case_file), "--force"]) == 2
    assert "--out" in (line := _one_error_line(capsys)) and "is the case file" in line
    # the export is the price history (through a symlink)
    (tmp_path / "export.csv").symlink_to(hist)
    assert main([*base, "--out", str(tmp_path / "s.sqlite"), "--export",
                 str(tmp_path / "export.csv"), "--force"]) == 2
    line = _one_error_line(capsys)
    assert "--export" in line and "price history 'nd.csv'" in line and str(hist) in line
    # the export is the store
    assert main([*base, "--out", str(tmp_path / "s.csv"), "--export",
                 str(tmp_path / "s.csv"), "--force"]) == 2
    assert "is the result store" in _one_error_line(capsys)
    assert {p: p.read_bytes() for p in snap} == snap
    assert not (tmp_path / "s.sqlite").exists()  # refused before the store was made


def test_report_refuses_its_results_file(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    res = tmp_path / "plan.json"
    res.write_text("{}", encoding="utf-8")
    link = tmp_path / "plan.html"
    link.symlink_to(res)
    assert main(["report", str(res), "-o", str(link), "--force"]) == 2
    assert "is the results file" in _one_error_line(capsys)
    assert res.read_text(encoding="utf-8") == "{}"


def test_simulate_refuses_its_feed_file_among_the_csv_tables(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # simulate out.csv also writes out.elements.csv, out.duties.csv, out.balance.csv
    feed = tmp_path / "out.duties.csv"
    feed.write_text("species,mass_fraction\nFe,1\n", encoding="utf-8")
    assert main(["simulate", "demo_recycle", "--feed", str(feed), "--output",
                 str(tmp_path / "out.csv"), "--force"]) == 2
    assert "is the feed file" in _one_error_line(capsys)
    assert feed.read_text(encoding="utf-8") == "species,mass_fraction\nFe,1\n"


# --------------------------------------------------------------------------- checked before the work
def test_folder_as_output_refused_before_the_solve(tmp_path: Path, case_file: Path,
                                                   no_solve: None,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "plan.json"
    d.mkdir()
    assert main(["optimize", str(case_file), "--output", str(d), "--force"]) == 2
    line = _one_error_line(capsys)
    assert "is a folder" in line and str(d) in line


def test_missing_folder_refused_before_the_solve(tmp_path: Path, case_file: Path,
                                                 no_solve: None,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nope" / "plan.json"
    assert main(["optimize", str(case_file), "--output", str(out)]) == 2
    line = _one_error_line(capsys)
    assert "does not exist" in line and "nope" in line


def test_read_only_folder_refused_before_the_solve(tmp_path: Path, case_file: Path,
                                                   no_solve: None,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    real = outputs.tempfile.mkstemp

    def refuse(*a, dir=None, **k):  # a read-only mount: creating any file fails (even as root)
        if dir is not None and Path(dir) == ro:
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(outputs.tempfile, "mkstemp", refuse)
    assert main(["optimize", str(case_file), "--output", str(ro / "plan.json")]) == 2
    line = _one_error_line(capsys)
    assert "read-only" in line and "ro/plan.json" in line and ".recyclopt-probe" not in line


def test_full_disk_refused_before_the_solve(tmp_path: Path, case_file: Path, no_solve: None,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    free = 3 * 2**20  # 3 MiB left, below MIN_FREE_BYTES (16 MiB)
    usage = outputs.shutil._ntuple_diskusage(10**12, 10**12 - free, free)
    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda p: usage)
    assert main(["optimize", str(case_file), "--output", str(tmp_path / "p.json")]) == 2
    line = _one_error_line(capsys)
    assert "3.0 MiB free" in line and "p.json" in line


def test_existing_export_refused_before_any_scenario_is_solved(
        tmp_path: Path, case_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import recyclopt.scenarios.backends as backends

    def boom(*_a, **_k):
        raise AssertionError("a scenario was solved")

    monkeypatch.setattr(backends, "run_sweep", boom)
    scen = tmp_path / "scen.yaml"
    scen.write_text(yaml.safe_dump({"sets": {"a": {"scenarios": [{"name": "base"}]}}}),
                    encoding="utf-8")
    exp = tmp_path / "res.csv"
    exp.write_text("precious", encoding="utf-8")
    assert main(["sweep", str(case_file), str(scen), "--out", str(tmp_path / "s.sqlite"),
                 "--export", str(exp)]) == 2
    assert "already exists" in _one_error_line(capsys)
    assert exp.read_text(encoding="utf-8") == "precious"
    assert not (tmp_path / "s.sqlite").exists()


# --------------------------------------------------------------------------- the atomic writer
def test_writer_raising_midway_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "t.csv"
    dest.write_text("old", encoding="utf-8")

    def half(p: Path) -> None:
        p.write_text("a,b\n1,", encoding="utf-8")
        raise RuntimeError("writer bug")

    with pytest.raises(RuntimeError, match="writer bug"):  # not an OS error: propagates as is
        atomic_write(dest, half, force=True)
    assert dest.read_text(encoding="utf-8") == "old" and _leftovers(tmp_path) == []


def test_full_disk_while_writing_names_the_users_path(tmp_path: Path) -> None:
    dest = tmp_path / "plan.xlsx"
    seen: list[Path] = []

    def full(p: Path) -> None:
        seen.append(p)
        p.write_bytes(b"PK\x03\x04 partial")
        raise OSError(errno.ENOSPC, "No space left on device", str(p))

    with pytest.raises(OutputError) as info:
        atomic_write(dest, full)
    msg = str(info.value)
    assert str(dest) in msg and "No space left on device" in msg
    assert seen and seen[0].name not in msg  # the temporary file is never named
    assert not dest.exists() and _leftovers(tmp_path) == []


def test_full_disk_during_excel_write_is_one_line(tmp_path: Path, case_file: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("openpyxl")
    import zipfile

    def full(self, *a, **k):  # openpyxl writes the workbook's parts into a zip when it closes
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    out = tmp_path / "plan.xlsx"
    assert main(["optimize", str(case_file), "--output", str(out)]) == 2
    line = _one_error_line(capsys)
    assert "No space left on device" in line and str(out) in line
    assert not out.exists() and _leftovers(tmp_path) == []
