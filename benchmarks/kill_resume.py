"""Kill and resume a 2,000-scenario sweep on the parallel backends (issue 21, item 5).

Run from the repository root::

    python -m benchmarks.kill_resume                       # processes and dask, 2,000 scenarios
    python -m benchmarks.kill_resume --backends processes --n 500

For each backend: an uninterrupted ``recyclopt sweep`` of the tiny test case
(``tests/scenarios/cases.py``, a few ms per scenario) gives the reference store; then the same
sweep is SIGKILLed (the driver process alone) once ``--first`` rows are stored, resumed and
SIGTERMed at ``--second`` rows, and resumed to the end. After each kill it waits up to 5 s for
every process of the sweep's session (the workers, the fork server, Dask's nannies) to be gone.
It prints, per backend, the rows stored at each kill, the processes left after 5 s, the final
row count, duplicate ids, and how many NPVs differ from the reference (exact comparison).
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from recyclopt.scenarios.store import stored_rows

ROOT = Path(__file__).resolve().parents[1]


_stored = stored_rows  # rows stored so far, read-only (the store may not exist yet)


def _session(sid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                f = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(f[3]) == sid and f[0] not in ("Z", "X"):
                out.append(int(d.name))
    return out


def _files(folder: Path, n: int) -> tuple[Path, Path]:
    sys.path.insert(0, str(ROOT))
    from tests.scenarios.cases import tiny_case

    case_f = folder / "tiny.yaml"
    case_f.write_text(yaml.safe_dump(tiny_case()), encoding="utf-8")
    scen_f = folder / "scen.yaml"
    scen_f.write_text(yaml.safe_dump({"seed": 21, "sets": {"mc": {
        "sample": {"method": "lhs", "n": n}, "parameters": {
            "products.NdPr_oxide.price_usd_per_kg.Nd": {"dist": "triangular", "low": 40,
                                                        "mode": 60, "high": 120},
            "products.mixed_REO.price_usd_per_kg.Nd": {"dist": "uniform", "low": 30,
                                                       "high": 70}}}}}), encoding="utf-8")
    return case_f, scen_f


def _cmd(case_f: Path, scen_f: Path, out: Path, backend: str, workers: int,
         *extra: str) -> list[str]:
    return [sys.executable, "-m", "recyclopt", "sweep", str(case_f), str(scen_f), "--out",
            str(out), "--backend", backend, "--workers", str(workers), "--no-fixed-design",
            "--no-progress", *extra]


def _run_and_kill(cmd: list[str], out: Path, at: int, sig: int) -> tuple[int, int, float]:
    """Start ``cmd``, send ``sig`` to the driver once ``at`` rows are stored; returns (rows
    at the kill, processes of the session left 5 s later, seconds until none was left)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        while _stored(out) < at and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None:
            raise RuntimeError(f"the sweep ended before {at} rows: {proc.stderr.read()!r}")
        proc.send_signal(sig)
        proc.wait(timeout=120)
        t0 = time.monotonic()
        while _session(proc.pid) and time.monotonic() - t0 < 5:
            time.sleep(0.05)
        gone = time.monotonic() - t0
        left = _session(proc.pid)
        return _stored(out), len(left), gone
    finally:
        for pid in _session(proc.pid):
            subprocess.run(["kill", "-9", str(pid)], check=False)
        if proc.poll() is None:
            proc.kill()


def _rows(path: Path) -> list[tuple[str, float]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT id, npv_usd FROM results ORDER BY idx").fetchall()
    finally:
        con.close()


def run(backend: str, n: int, workers: int, first: int, second: int, folder: Path) -> dict:
    case_f, scen_f = _files(folder, n)
    ref, out = folder / f"{backend}_ref.sqlite", folder / f"{backend}.sqlite"
    t = time.perf_counter()
    subprocess.run(_cmd(case_f, scen_f, ref, backend, workers), check=True,
                   stdout=subprocess.DEVNULL)
    t_ref = time.perf_counter() - t
    k1 = _run_and_kill(_cmd(case_f, scen_f, out, backend, workers), out, first, signal.SIGKILL)
    k2 = _run_and_kill(_cmd(case_f, scen_f, out, backend, workers, "--resume"), out, second,
                       signal.SIGTERM)
    subprocess.run(_cmd(case_f, scen_f, out, backend, workers, "--resume"), check=True,
                   stdout=subprocess.DEVNULL)
    a, b = _rows(ref), _rows(out)
    ids = [i for i, _ in b]
    npv_ref = dict(a)
    return {"backend": backend, "scenarios": n, "uninterrupted_s": round(t_ref, 1),
            "rows_at_sigkill": k1[0], "left_after_sigkill": k1[1], "gone_s_1": round(k1[2], 2),
            "rows_at_sigterm": k2[0], "left_after_sigterm": k2[1], "gone_s_2": round(k2[2], 2),
            "rows_final": len(b), "duplicates": len(ids) - len(set(ids)),
            "same_ids": sorted(ids) == sorted(npv_ref),
            "npv_differ": sum(1 for i, v in b if npv_ref.get(i) != v)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", default="processes,dask")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--first", type=int, default=400, help="rows stored at the SIGKILL")
    p.add_argument("--second", type=int, default=1200, help="rows stored at the SIGTERM")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        for b in a.backends.split(","):
            print(run(b, a.n, a.workers, a.first, a.second, Path(d)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
