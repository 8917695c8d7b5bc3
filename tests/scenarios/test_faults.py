"""Sweeps die cleanly: no worker outlives a killed driver, one sweep per store at a time, a
damaged store is reported (with what can be salvaged), an interrupt says how to resume."""

from __future__ import annotations

import math
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from recyclopt.scenarios.cli import main
from recyclopt.scenarios.store import (
    ResultStore,
    check_integrity,
    salvage_count,
    stored_rows,
)

from .cases import tiny_case

PARAMS = {"products.NdPr_oxide.price_usd_per_kg.Nd": {"dist": "uniform", "low": 40,
                                                      "high": 120}}


def _files(tmp_path: Path, n: int) -> tuple[Path, Path]:
    case_f = tmp_path / "tiny.yaml"
    case_f.write_text(yaml.safe_dump(tiny_case()), encoding="utf-8")
    scen_f = tmp_path / "scen.yaml"
    scen_f.write_text(yaml.safe_dump({"seed": 3, "sets": {"mc": {
        "sample": {"method": "monte_carlo", "n": n}, "parameters": PARAMS}}}), encoding="utf-8")
    return case_f, scen_f


_stored = stored_rows  # rows stored so far, read-only (the store may not exist yet)


def _session(sid: int) -> list[int]:
    """Live (non-zombie) processes of session ``sid`` (from /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            out.append(int(d.name))
    return out


def _start(cmd: list[str]) -> subprocess.Popen:
    # a session of its own: every process the sweep starts can be found by its session id
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _sweep_cmd(case_f: Path, scen_f: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "recyclopt.scenarios.cli", str(case_f), str(scen_f),
            "--out", str(out), "--no-fixed-design", "--no-progress", *extra]


def _wait_rows(proc: subprocess.Popen, out: Path, k: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _stored(out) < k and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    assert _stored(out) >= k


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killing_the_driver_leaves_no_worker(tmp_path: Path, sig: int) -> None:
    case_f, scen_f = _files(tmp_path, 3000)
    out = tmp_path / "s.sqlite"
    proc = _start(_sweep_cmd(case_f, scen_f, out, "--backend", "processes", "--workers", "2"))
    try:
        _wait_rows(proc, out, 20)
        assert len(_session(proc.pid)) >= 3  # the driver and its two workers (at least)
        os.kill(proc.pid, sig)  # the driver alone, not its process group
        _, err = proc.communicate(timeout=60)
        deadline = time.monotonic() + 5  # "within a few seconds"
        while _session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _session(proc.pid)
        assert left == [], f"processes left behind: {left}"
    finally:
        for pid in _session(proc.pid):  # never leak into other tests
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig != signal.SIGKILL:  # an interrupt says how to resume, in one line
        assert proc.returncode == 130
        lines = [ln for ln in err.decode().splitlines() if ln.strip()]
        assert len(lines) == 1 and "Traceback" not in err.decode(), err
        assert f"are stored in {str(out)!r}; resume with: " in lines[0]


def test_interrupt_message_gives_the_exact_resume_command(tmp_path: Path) -> None:
    case_f, scen_f = _files(tmp_path, 400)
    out = tmp_path / "s.sqlite"
    proc = _start(_sweep_cmd(case_f, scen_f, out, "--sets", "mc"))
    try:
        _wait_rows(proc, out, 10)
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    stored = _stored(out)
    assert 10 <= stored < 400
    line = err.decode().strip()
    assert f"interrupted; {stored} of 400 scenarios are stored" in line, line
    cmd = shlex.split(line.split("resume with: ", 1)[1])
    assert cmd[:2] == ["recyclopt", "sweep"] and "--resume" in cmd and "--sets" in cmd
    assert main(cmd[2:]) == 0  # the printed command finishes the sweep
    with ResultStore(out, resume=True) as st:
        df = st.frame()
    assert len(df) == 400 and df["id"].is_unique


def test_a_second_resume_on_a_busy_store_is_refused(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    case_f, scen_f = _files(tmp_path, 300)
    out = tmp_path / "s.sqlite"
    assert main([str(case_f), str(scen_f), "--out", str(out), "--no-fixed-design",
                 "--no-progress", "--sets", "mc"]) == 0
    capsys.readouterr()
    with sqlite3.connect(out) as con:  # forget the last 250 rows: there is work to resume
        con.execute("DELETE FROM results WHERE idx >= 50")
    con.close()
    first = _start(_sweep_cmd(case_f, scen_f, out, "--sets", "mc", "--resume"))
    try:
        _wait_rows(first, out, 60)
        code = main([str(case_f), str(scen_f), "--out", str(out), "--no-fixed-design",
                     "--no-progress", "--sets", "mc", "--resume"])
        err = capsys.readouterr().err.strip()
        _, ferr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert code == 2
    assert err == (f"recyclopt: error: result store {str(out)!r} is in use by another sweep "
                   f"(pid {first.pid}); wait for it to finish or use another --out"), err
    assert first.returncode == 0, ferr
    with ResultStore(out, resume=True) as st:  # the lock is gone with its holder
        df = st.frame()
    assert len(df) == 300 and df["id"].is_unique
    assert not Path(str(out) + ".lock").exists()


def test_a_lock_dies_with_its_holder(tmp_path: Path) -> None:
    # a SIGKILLed holder cannot clean up; the kernel drops its flock, so the store is usable
    out = tmp_path / "s.sqlite"
    code = ("import os, sys\nfrom recyclopt.scenarios.store import ResultStore\n"
            f"st = ResultStore({str(out)!r})\nprint('locked', flush=True)\nos.kill(os.getpid(), 9)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == -signal.SIGKILL and b"locked" in r.stdout
    assert Path(str(out) + ".lock").exists()  # left behind, but not locked
    with ResultStore(out, resume=True) as st:
        assert len(st) == 0


def _row(i: int) -> dict:
    return {"id": f"s/{i:05d}", "set": "s", "index": i, "status": "optimal", "tier": "price",
            "structure": "base", "objective": float(i), "npv_usd": float(i),
            "npv_fixed_design_usd": math.nan, "capex_usd": 2.0, "revenue_usd": 3.0,
            "co2_t": 0.5, "built": "a,b", "routes": "a/b", "recovered_kg_Nd": 10.0 * i,
            "probability": 0.5, "values": '{"x": 1.0}', "error": "x" * 200, "solve_s": 0.01}


def _damaged_store(path: Path, n: int = 2000) -> int:
    """A store of ``n`` rows with one page in the middle overwritten; returns the page size."""
    with ResultStore(path) as st:
        st.write([_row(i) for i in range(n)])
    with sqlite3.connect(path) as con:
        page = int(con.execute("PRAGMA page_size").fetchone()[0])
        pages = int(con.execute("PRAGMA page_count").fetchone()[0])
    con.close()
    assert pages > 20
    with open(path, "r+b") as fh:
        fh.seek(page * (pages // 2))
        fh.write(b"\xa5" * page)
    return page


def test_a_damaged_store_is_detected_with_its_readable_rows(tmp_path: Path) -> None:
    p = tmp_path / "s.sqlite"
    page = _damaged_store(p)
    ok, lost = salvage_count(p)
    # the overwritten page is one leaf of the table: its rows are lost, every other row reads
    # back; a row is over 200 bytes (its 200-character error text), so a 4 KiB page holds at
    # most 20 of them
    assert ok + lost == 2000 and 0 < lost <= page // 200
    with pytest.raises(Exception, match=f"is damaged .*; {ok} stored rows are readable"):
        check_integrity(p)


def test_a_damaged_store_on_resume_is_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    case_f, scen_f = _files(tmp_path, 5)
    p = tmp_path / "s.sqlite"
    _damaged_store(p)
    before = p.read_bytes()
    code = main([str(case_f), str(scen_f), "--out", str(p), "--resume", "--no-progress"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "is damaged (SQLite:" in lines[0] and "stored rows are readable" in lines[0]
    assert p.read_bytes() == before  # the damaged file is kept for salvage


def test_salvage_keeps_the_readable_rows_and_solves_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_f, scen_f = _files(tmp_path, 300)
    p = tmp_path / "s.sqlite"
    argv = [str(case_f), str(scen_f), "--out", str(p), "--no-fixed-design", "--no-progress"]
    assert main(argv) == 0
    with ResultStore(p, resume=True) as st:
        ref = st.frame().set_index("id")["npv_usd"]
    con = sqlite3.connect(p)
    page, pages = (int(con.execute(f"PRAGMA {k}").fetchone()[0])
                   for k in ("page_size", "page_count"))
    con.close()
    with open(p, "r+b") as fh:  # one page in the middle of the file overwritten
        fh.seek(page * (pages // 2))
        fh.write(b"\xa5" * page)
    ok, lost = salvage_count(p)
    assert ok + lost == 300 and 0 < lost < 20  # one 4 KiB leaf page holds a few rows
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    assert "rerun with --resume --salvage to keep them" in capsys.readouterr().err
    assert main([*argv, "--salvage"]) == 2  # --salvage continues a store: needs --resume
    assert "--salvage needs --resume" in capsys.readouterr().err
    assert main([*argv, "--resume", "--salvage"]) == 0
    out = capsys.readouterr().out
    assert f"Salvaged {ok} rows of the damaged store" in out
    assert f"({ok} already stored, {300 - ok} solved now)" in out
    assert Path(str(p) + ".damaged").exists()
    with ResultStore(p, resume=True) as st:
        df = st.frame().set_index("id")
    assert len(df) == 300 and df.index.is_unique
    assert df["npv_usd"].loc[ref.index].tolist() == ref.tolist()  # = the undamaged run
