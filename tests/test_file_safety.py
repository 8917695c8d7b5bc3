"""Files: outputs written atomically, never overwritten without --force; inputs only read."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recyclopt.cli import main
from recyclopt.errors import InputError, OutputError
from recyclopt.io import atomic_write, write_tables
from tests.optimize.cases import small_case


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- atomic writes
def test_interrupted_write_leaves_old_file_intact(tmp_path: Path) -> None:
    dest = tmp_path / "plan.json"
    dest.write_text("old content")

    def half(p: Path) -> None:
        p.write_text("partial ...")
        raise RuntimeError("disk full halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        atomic_write(dest, half, force=True)
    assert dest.read_text() == "old content"
    assert _no_temp_files(tmp_path)


def test_interrupted_write_leaves_no_partial_new_file(tmp_path: Path) -> None:
    dest = tmp_path / "new.csv"

    def half(p: Path) -> None:
        p.write_text("a,b\n1,")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(dest, half)
    assert not dest.exists()
    assert _no_temp_files(tmp_path)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_interrupted_table_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 suffix: str) -> None:
    dest = tmp_path / f"out{suffix}"
    dest.write_text("previous")
    tables = {"a": pd.DataFrame({"x": [1, 2]}), "b": pd.DataFrame({"y": [3]})}
    real_csv, real_json = pd.DataFrame.to_csv, Path.write_text

    def bad_csv(self, path=None, *a, **k):
        real_csv(self.head(1), path, *a, **k)
        raise OSError("interrupted")

    def bad_text(self, data, *a, **k):
        real_json(self, data[: len(data) // 2], *a, **k)
        raise OSError("interrupted")

    monkeypatch.setattr(pd.DataFrame, "to_csv", bad_csv)
    monkeypatch.setattr(Path, "write_text", bad_text)
    with pytest.raises(OutputError, match=f"out\\{suffix}.*interrupted"):  # the user's file
        write_tables(dest, tables, force=True)
    monkeypatch.undo()
    assert dest.read_text() == "previous"
    assert not (tmp_path / "out.b.csv").exists()
    assert _no_temp_files(tmp_path)


def test_interrupted_cli_output_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "res.json"
    dest.write_text("previous")

    def bad_text(self, data, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", bad_text)
    assert main(["simulate", "demo_recycle", "--output", str(dest), "--force"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("recyclopt: error:") and "No space" in err[0]
    monkeypatch.undo()
    assert dest.read_text() == "previous" and _no_temp_files(tmp_path)


def test_atomic_write_refuses_existing_without_force(tmp_path: Path) -> None:
    dest = tmp_path / "x.txt"
    dest.write_text("keep")
    with pytest.raises(InputError, match="already exists.*--force"):
        atomic_write(dest, lambda p: p.write_text("new"))
    assert dest.read_text() == "keep"


# --------------------------------------------------------------------------- no overwrite
@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    f = tmp_path / "inputs" / "small.yaml"
    f.parent.mkdir()
    f.write_text(yaml.safe_dump(small_case()))
    return f


@pytest.fixture
def scen_file(tmp_path: Path) -> Path:
    f = tmp_path / "inputs" / "scen.yaml"
    f.write_text(yaml.safe_dump({"sets": {"a": {"scenarios": [
        {"name": "base"},
        {"name": "dear", "overrides": {"products.reo.price_usd_per_kg.Nd": 80}}]}}}))
    return f


def _commands(tmp: Path, case: Path, scen: Path, out: str) -> dict[str, list[str]]:
    return {
        "simulate": ["simulate", "demo_recycle", "--output", str(tmp / f"{out}.json")],
        "optimize": ["optimize", str(case), "--output", str(tmp / f"{out}.json")],
        "compare": ["compare", "HDD_VCM", "--routes", "hd_short_loop", "--output",
                    str(tmp / f"{out}.json")],
        "report": ["report", str(case), "--no-routes", "-o", str(tmp / f"{out}.html")],
        "sweep": ["sweep", str(case), str(scen), "--out", str(tmp / f"{out}.sqlite"),
                  "--no-fixed-design"],
        "sweep_export": ["sweep", str(case), str(scen), "--out", str(tmp / f"{out}x.sqlite"),
                         "--no-fixed-design", "--export", str(tmp / f"{out}.csv")],
    }


@pytest.mark.parametrize("cmd", ["simulate", "optimize", "compare", "report", "sweep",
                                 "sweep_export"])
def test_existing_output_never_overwritten_without_force(
        cmd: str, tmp_path: Path, case_file: Path, scen_file: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = _commands(out, case_file, scen_file, "o")[cmd]
    target = Path(argv[argv.index("--export") + 1] if "--export" in argv else
                  argv[argv.index("-o") + 1] if "-o" in argv else
                  argv[argv.index("--out") + 1] if "--out" in argv else
                  argv[argv.index("--output") + 1])
    target.write_bytes(b"precious")
    before = target.stat().st_mtime_ns
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "already exists" in err and "--force" in err
    assert target.read_bytes() == b"precious" and target.stat().st_mtime_ns == before
    if cmd in ("simulate", "optimize", "report"):  # with --force it is replaced
        assert main([*argv, "--force"]) == 0
        assert target.read_bytes() != b"precious"


# --------------------------------------------------------------------------- inputs read-only
def test_inputs_are_only_read(tmp_path: Path, case_file: Path, scen_file: Path) -> None:
    fs = tmp_path / "inputs" / "fs.yaml"
    fs.write_text(yaml.safe_dump({
        "name": "tiny", "feeds": {"feed": {"rate_kg_per_h": 10, "composition": {"Fe": 1}}},
        "units": {"mix": {"type": "mixer", "inlets": {"a": "feed"},
                          "outlets": {"out": "prod"}}}}))
    feed = tmp_path / "inputs" / "feed.csv"
    feed.write_text("species,mass_fraction\nFe,1\n")
    inputs = [case_file, scen_file, fs, feed]
    old = 1_000_000_000
    for p in inputs:
        os.utime(p, ns=(old, old))
    snap = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in inputs}
    out = tmp_path / "out"
    out.mkdir()
    assert main(["simulate", str(fs), "--feed", str(feed), "--output",
                 str(out / "s.json")]) == 0
    assert main(["optimize", str(case_file), "--output", str(out / "p.json")]) == 0
    assert main(["sweep", str(case_file), str(scen_file), "--out", str(out / "w.sqlite"),
                 "--no-fixed-design"]) == 0
    for p, (data, mtime) in snap.items():
        assert p.read_bytes() == data and p.stat().st_mtime_ns == mtime, p
    assert sorted(x.name for x in (tmp_path / "inputs").iterdir()) == sorted(
        p.name for p in inputs)  # nothing written beside the inputs
