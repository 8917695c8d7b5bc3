"""The command line: simulate, outputs, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from recyclopt.cli import main


def test_simulate_prints_table_and_balance(capsys):
    assert main(["simulate", "demo_recycle"]) == 0
    out = capsys.readouterr().out
    assert "Stream table [kg/h]" in out
    assert "Balance closure" in out
    assert "roaster_feed" in out


def test_simulate_rate_and_json_output(tmp_path, capsys):
    out = tmp_path / "res.json"
    assert main(["simulate", "demo_recycle", "--rate", "200", "--output", str(out)]) == 0
    data = json.loads(out.read_text())
    streams = data["streams"]
    col = streams["columns"].index("feed")
    row = streams["index"].index("Fe")
    assert streams["data"][row][col] == pytest.approx(200.0)  # kg/h
    # an existing output is never overwritten without --force
    assert main(["simulate", "demo_recycle", "--output", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["simulate", "demo_recycle", "--output", str(out), "--force"]) == 0


def test_feed_file(tmp_path, capsys):
    f = tmp_path / "feed.yaml"
    f.write_text("composition: {Fe: 1.0}\nrate_kg_per_h: 10\n")
    assert main(["simulate", "demo_recycle", "--feed", str(f)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("composition: {Fe: 0.5}\nrate_kg_per_h: 10\n")
    assert main(["simulate", "demo_recycle", "--feed", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "sum to 1" in err and err.count("\n") == 1


def test_errors_are_one_line_without_traceback():
    r = subprocess.run([sys.executable, "-m", "recyclopt", "simulate", "no_such_sheet"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.startswith("recyclopt: error: unknown flowsheet 'no_such_sheet'")
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1


def test_negative_rate_rejected(capsys):
    assert main(["simulate", "demo_recycle", "--rate", "-5"]) == 2
    assert "--rate -5" in capsys.readouterr().err


def test_bad_arguments_one_line(capsys):
    assert main(["simulate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("recyclopt: error:") and err.count("\n") == 1


def test_simulate_and_compare_name_every_file_they_write(tmp_path, capsys):
    # a .csv output holds the first table; the others go beside it: the message lists each
    # file that now exists, and only those
    out = tmp_path / "s.csv"
    assert main(["simulate", "roast_leach_oxalate", "--output", str(out)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    named = line.split(": ", 1)[1].split(", ")
    assert line.startswith(f"wrote {len(named)} file(s)")
    assert sorted(named) == sorted(str(p) for p in tmp_path.iterdir())
    assert len(named) > 1
    cmp_out = tmp_path / "c.csv"
    assert main(["compare", "EV_traction", "--output", str(cmp_out)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"wrote 1 file(s): {cmp_out}"
    assert cmp_out.exists()
