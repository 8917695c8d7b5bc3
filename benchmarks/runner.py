"""Run the suite: every size up to the one asked for, every method, then the flowsheets.

Each (size, method) runs in a fresh interpreter (:mod:`benchmarks.worker`), one after the
other, so the methods never share memory, garbage or a core. Every recyclopt figure is
reported as a ratio to the direct-highspy yardstick measured in the same run: ``ratio`` for
the Pyomo model (``pyomo``), ``ratio_arrays`` for the arrays-only model that ``optimize`` and
the sweeps build (``arrays``). The small size is measured in several *rounds* (direct,
pyomo, arrays, direct, ...: a change in the machine's load hits every method) and each
phase's least time over all rounds is kept.

When a method handed HiGHS the same model as the yardstick bit for bit (equal
``input_digest``), the solve is the same computation, and the end-to-end ratio is taken with
the least solve time measured for either (``solve_same_input``): the two solve figures then
differ only by the machine's noise, which on a 10-20 ms solve would otherwise decide the
ratio. The ratio with each method's own solve is kept as ``end_to_end_own``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.cases import REGISTRY, sizes_up_to
from benchmarks.worker import METHODS

ROOT = Path(__file__).resolve().parent.parent
#: the ratio entry of each recyclopt method (over the yardstick, ``direct``)
RATIO_KEYS = {"pyomo": "ratio", "arrays": "ratio_arrays"}
#: objectives of the two methods must agree to this (relative) where the case is solved to
#: optimality
OBJ_RTOL = 1e-6


#: rounds per size when not given (the small size is quick and noisy)
ROUNDS = {"small": 3}


def merge_rounds(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One measurement from several rounds of the same (size, method): the least of each
    phase, every repeat under ``runs``; the rest from the last round."""
    out = dict(results[-1])
    if len(results) == 1:
        return out
    for k in ("build", "handoff", "gc", "scale", "solve"):
        if all(k in r for r in results):
            out[k] = min(r[k] for r in results)
    out["runs"] = {k: [x for r in results for x in r.get("runs", {}).get(k, [])]
                   for k in results[-1].get("runs", {})}
    digests = {r.get("input_digest") for r in results}
    out["input_digest"] = digests.pop() if len(digests) == 1 else "differs between rounds"
    out["model_mib"] = max(r["model_mib"] for r in results)
    out["peak_mib"] = max(r["peak_mib"] for r in results)
    out["build_peak_mib"] = max(r.get("build_peak_mib", float("nan")) for r in results)
    out["rounds"] = len(results)
    return out


def run_worker(size: str, method: str, *, repeats: int | None = None,
               time_limit: float | None = None) -> dict[str, Any]:
    """Run :mod:`benchmarks.worker` in a subprocess and return its measurement."""
    cmd = [sys.executable, "-m", "benchmarks.worker", size, method]
    if repeats:
        cmd += ["--repeats", str(repeats)]
    if time_limit is not None:
        cmd += ["--time-limit", str(time_limit)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"benchmark worker {size}/{method} failed: {tail}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def machine() -> dict[str, Any]:
    """The machine and the versions the figures were measured with."""
    import pyomo

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": mem,
            "python": platform.python_version(), "highspy": version("highspy"),
            "pyomo": pyomo.version.version, "numpy": version("numpy"),
            "platform": platform.platform()}


def ratios(direct: dict[str, Any], pyomo: dict[str, Any]) -> dict[str, Any]:
    """A recyclopt method's figures (``pyomo``: the Pyomo model's, or the arrays-only
    model's) over the direct ones, and whether the objectives agree."""
    def r(a: float, b: float) -> float:
        if a != a or b != b:  # not measured (NaN)
            return float("nan")
        return a / b if b > 0 else float("inf")

    bh_d = direct["build"] + direct["handoff"] + direct["gc"]
    bh_p = pyomo["build"] + pyomo["handoff"] + pyomo["gc"]
    same = (direct.get("input_digest") is not None
            and direct.get("input_digest") == pyomo.get("input_digest"))
    solve_same = min(direct["solve"], pyomo["solve"])
    out = {
        "build": r(pyomo["build"], direct["build"]),
        "handoff": r(pyomo["handoff"], direct["handoff"]),
        "build_handoff": r(bh_p, bh_d),
        "build_handoff_scaled": r(bh_p + pyomo.get("scale", 0.0), bh_d),
        "solve": r(pyomo["solve"], direct["solve"]),
        "same_input": same,
        "solve_same_input": solve_same if same else None,
        "end_to_end": (r(bh_p + solve_same, bh_d + solve_same) if same else
                       r(bh_p + pyomo["solve"], bh_d + direct["solve"])),
        "end_to_end_own": r(bh_p + pyomo["solve"], bh_d + direct["solve"]),
        "model_mib": r(pyomo["model_mib"], direct["model_mib"]),
        "build_peak_mib": r(pyomo.get("build_peak_mib", float("nan")),
                            direct.get("build_peak_mib", float("nan"))),
        "build_handoff_share_of_solve": r(bh_p, pyomo["solve"]),
    }
    scale = max(abs(direct["objective"]), 1.0)
    out["objective_rel_diff"] = abs(pyomo["objective"] - direct["objective"]) / scale
    both_opt = direct["status"] == "Optimal" and pyomo["status"] == "Optimal"
    out["objectives_agree"] = bool(out["objective_rel_diff"] <= OBJ_RTOL) if both_opt else None
    return out


def run(size: str = "small", *, repeats: int | None = None, time_limit: float | None = None,
        flowsheets: bool = True, progress: Any = None, rounds: int | None = None
        ) -> dict[str, Any]:
    """Run the suite up to ``size``.

    Parameters
    ----------
    size : str
        ``small``, ``medium`` or ``large``: every registered size up to it is run.
    repeats : int, optional
        Build/handoff repeats per measurement (default per size).
    time_limit : float, optional
        Solver time limit overriding the cases' own.
    flowsheets : bool
        Also measure flowsheet throughput.
    progress : callable, optional
        Called with a line of text before each measurement.
    rounds : int, optional
        Alternating rounds of every method per size (default: :data:`ROUNDS`, else 1).

    Returns
    -------
    dict
        ``machine``, ``cases`` (per size: each method's measurement, ``ratio`` and
        ``ratio_arrays`` (see the module docstring) and ``same_input_all``: every method
        handed HiGHS the same digest), ``flowsheets``.
    """
    say = progress or (lambda _s: None)
    res: dict[str, Any] = {"machine": machine(), "cases": {}, "flowsheets": []}
    for s in sizes_up_to(size):
        entry: dict[str, Any] = {"description": REGISTRY[s].description}
        n_rounds = rounds or ROUNDS.get(s, 1)
        got: dict[str, list] = {m: [] for m in METHODS}
        for k in range(n_rounds):
            for m in METHODS:
                say(f"measuring {s} / {m}" + (f" (round {k + 1}/{n_rounds})" if n_rounds > 1
                                              else "") + " ...")
                got[m].append(run_worker(s, m, repeats=repeats, time_limit=time_limit))
        for m in METHODS:
            entry[m] = merge_rounds(got[m])
        for m, key in RATIO_KEYS.items():
            entry[key] = ratios(entry["direct"], entry[m])
        digests = {entry[m].get("input_digest") for m in METHODS}
        entry["same_input_all"] = len(digests) == 1 and None not in digests
        res["cases"][s] = entry
    if flowsheets:
        from benchmarks.flows import all_routes

        say("measuring flowsheet throughput ...")
        res["flowsheets"] = all_routes()
    return res


# ----------------------------------------------------------------- tables
def _gap(g: float) -> str:
    """HiGHS's relative MIP gap (a fraction) as a percentage."""
    return f"{g:.2%}" if g == g and g != float("inf") else "inf"


def _t(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x * 1000:.1f} ms"


def _ratio_cells(r: dict[str, Any]) -> str:
    """The cells after size and method of a row of the ratio table."""
    agree = {True: "yes", False: "NO", None: "n/a (not both optimal)"}[r["objectives_agree"]]
    same = "yes" if r.get("same_input") else "no"
    return (f"{r['build']:.1f}x | {r['handoff']:.1f}x | {r['build_handoff']:.1f}x | "
            f"{r.get('build_handoff_scaled', 0.0):.1f}x | {r['solve']:.2f}x | "
            f"{r['end_to_end']:.2f}x | {r.get('end_to_end_own', r['end_to_end']):.2f}x | "
            f"{r.get('build_peak_mib', float('nan')):.2f}x | {r['model_mib']:.2f}x | "
            f"{100 * r['build_handoff_share_of_solve']:.1f}% | "
            f"{same} | {agree} (rel. diff {r['objective_rel_diff']:.1e}) |")


def markdown(res: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    lines = ["| size | method | vars | binaries | integers | rows | nonzeros | build | handoff "
             "| gc | build+handoff | scale | solve | end to end | peak MiB | model MiB | objective "
             "| gap | nodes | status |", "|" + "---|" * 20]
    for s, e in res["cases"].items():
        for m in METHODS:
            if m not in e:
                continue
            d = e[m]
            bh = d["build"] + d["handoff"] + d["gc"]
            scale = _t(d["scale"]) if d.get("scale") else "-"
            lines.append(
                f"| {s} | {m} | {d['vars']:,} | {d['binaries']:,} | {d['integers']:,} | "
                f"{d['rows']:,} | {d['nonzeros']:,} | {_t(d['build'])} | {_t(d['handoff'])} | "
                f"{_t(d['gc'])} | {_t(bh)} | {scale} | {_t(d['solve'])} | "
                f"{_t(bh + d['solve'])} | {d.get('build_peak_mib', float('nan')):.0f} | "
                f"{d['model_mib']:.0f} | {d['objective']:,.2f} | "
                f"{_gap(d['mip_gap'])} | {d.get('nodes', '-')} | {d['status']} |")
    lines += ["", "Ratios, recyclopt over the direct-highspy yardstick, same run: `pyomo` the "
              "Pyomo model, `arrays` the arrays-only model `optimize` and the sweeps build "
              "(times in seconds unless marked ms; `+ scale`: build+handoff with the scaling "
              "`solve()` adds by default; end to end with the same solve time for both methods "
              "when HiGHS was given the same model, and with each method's own; peak MiB: "
              "build+handoff's peak, model MiB: held after the handoff):", "",
              "| size | method | build | handoff | build+handoff | + scale | solve | end to end "
              "| end to end (own solves) | peak MiB | model MiB | build+handoff / solve "
              "| same HiGHS input | objectives agree (1e-6) |", "|" + "---|" * 14]
    for s, e in res["cases"].items():
        for m, key in RATIO_KEYS.items():
            if key in e:
                lines.append(f"| {s} | {m} | " + _ratio_cells(e[key]))
    same_all = [(s, e["same_input_all"]) for s, e in res["cases"].items()
                if "same_input_all" in e]
    if same_all:
        lines += ["", "Every method handed HiGHS the same input (SHA-256 of the arrays): "
                  + ", ".join(f"{s} {'yes' if ok else 'NO'}" for s, ok in same_all)]
    spread = [(s, m, e[m]) for s, e in res["cases"].items() for m in METHODS
              if m in e and len(e[m].get("runs", {}).get("build", [])) > 1]
    if spread:
        lines += ["", "Spread over the repeats (build+handoff+gc of each repeat; solve of each "
                  "repeat where solved every repeat): least / median / most", "",
                  "| size | method | repeats | build+handoff | solve |", "|---|---|---|---|---|"]
        for s, m, d in spread:
            ru = d["runs"]
            bh = sorted(b + h + g for b, h, g in zip(ru["build"], ru["handoff"], ru["gc"],
                                                     strict=True))
            sv = sorted(ru.get("solve", []))

            def lmm(v: list) -> str:
                return f"{_t(v[0])} / {_t(v[len(v) // 2])} / {_t(v[-1])}" if v else "-"
            lines.append(f"| {s} | {m} | {len(bh)} | {lmm(bh)} | "
                         f"{lmm(sv) if len(sv) > 1 else '-'} |")
    tabs = [(s, e["pyomo"]["tables"]) for s, e in res["cases"].items()]
    lines += ["", "Coefficient tables (`superstructure.build`, shared by every method): "
              + ", ".join(f"{s} {_t(t)}" for s, t in tabs)]
    if res.get("flowsheets"):
        lines += ["", "Flowsheet throughput (feed compositions per second):", "",
                  "| route | feed species | full solves/s | vectorised (linearised)/s "
                  "| max rel. error |", "|---|---|---|---|---|"]
        for f in res["flowsheets"]:
            if f.get("status") != "ok":
                lines.append(f"| {f['route']} | {f.get('status')} | | | |")
                continue
            lines.append(f"| {f['route']} | {f['feed_species']} | {f['solves_per_s']:.1f} | "
                         f"{f['vectorised_per_s']:,.0f} | {f['max_rel_err']:.1e} |")
    return "\n".join(lines)


def machine_line(mc: dict[str, Any]) -> str:
    """One line naming the machine and versions."""
    return (f"{mc['nproc']} cores ({mc['cpu']}), {mc['ram']} RAM; Python {mc['python']}, "
            f"highspy {mc['highspy']}, Pyomo {mc['pyomo']}, "
            f"numpy {mc['numpy']}; {mc['platform']}")
