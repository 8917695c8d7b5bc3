"""Regenerate the reliability corpus (``python tests/corpus/reliability/build.py``).

Inputs of issue 21's classes "inputs are never outputs", "sweeps die cleanly" (damaged stores)
and "clear messages" (saved plans, price histories, output paths): the data files beside this
script and ``manifest.yaml``, which lists for each entry the command (argv; ``{corpus}`` is
``tests/corpus``, ``{tmp}`` a fresh temporary folder), the exit code and the exact stderr line.
``tests/test_reliability_corpus.py`` runs them and checks that no input file changed.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from recyclopt.cli import main  # noqa: E402
from recyclopt.scenarios.store import ResultStore  # noqa: E402

R = "{corpus}/reliability"
CASE = "{corpus}/valid/small_case.yaml"
ENTRIES: list[dict] = []


def _entry(name: str, argv: list[str], line: str, code: int = 2) -> None:
    ENTRIES.append({"name": f"reliability/{name}", "argv": argv, "exit": code, "line": line})


def _write(fname: str, data: str | bytes) -> Path:
    p = HERE / fname
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data, encoding="utf-8")
    return p


def _link(fname: str, target: str) -> None:
    p = HERE / fname
    if p.is_symlink() or p.exists():
        p.unlink()
    p.symlink_to(target)


def _plan_json() -> dict:
    """A real saved plan of the valid small case (``recyclopt optimize --output``)."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "plan.json"
        assert main(["optimize", str(HERE.parent / "valid" / "small_case.yaml"), "--output",
                     str(out)]) == 0
        # the case's path relative to the repository: no machine path in a tracked file
        text = out.read_text(encoding="utf-8")
        root = json.dumps(str(HERE.parents[2]) + "/")[1:-1]
        return json.loads(text.replace(root, ""))


def _drop_column(plan: dict, table: str, column: str) -> dict:
    t = plan[table]
    i = t["columns"].index(column)
    t["columns"].pop(i)
    for row in t["data"]:
        row.pop(i)
    return plan


def _store_rows(n: int) -> list[dict]:
    return [{"id": f"a/{i:05d}", "set": "a", "index": i, "status": "optimal", "tier": "price",
             "structure": "base", "objective": float(i), "npv_usd": float(i),
             "npv_fixed_design_usd": math.nan, "capex_usd": 1.0, "revenue_usd": 1.0,
             "co2_t": 0.0, "built": "", "routes": "", "probability": 1.0, "values": "{}",
             "error": "e" * 200, "solve_s": 0.0} for i in range(n)]


def _damaged_store(path: Path) -> tuple[str, int, int]:
    """500 rows, then one page in the middle overwritten (bytes 0xA5); returns SQLite's first
    integrity complaint, the rows still readable by id and the rows lost."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    with ResultStore(path) as st:
        st.write(_store_rows(500))
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")  # a read-only open then creates no -shm file
    page, pages = (int(con.execute(f"PRAGMA {k}").fetchone()[0])
                   for k in ("page_size", "page_count"))
    con.close()
    with open(path, "r+b") as fh:
        fh.seek(page * (pages // 2))
        fh.write(b"\xa5" * page)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problem = con.execute("PRAGMA integrity_check(5)").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    ok = 0
    for r in _store_rows(500):  # read each row through the id index, not by rowid
        try:
            ok += con.execute("SELECT npv_usd FROM results WHERE id = ?", (r["id"],)
                              ).fetchone() is not None
        except sqlite3.DatabaseError:
            pass
    con.close()
    return problem, ok, 500 - ok


def inputs_are_never_outputs() -> None:
    case = yaml.safe_load((HERE.parent / "valid" / "small_case.yaml").read_text("utf-8"))
    _write("small_case.json", json.dumps(case, indent=1))
    _link("plan_link.json", "small_case.json")
    _link("case_link.csv", "../valid/small_case.yaml")
    _write("history.csv", "year,nd\n2019,48.5\n2020,52.0\n2021,95.1\n2022,110.4\n")
    _write("history_scen.yaml", yaml.safe_dump({"sets": {"mc": {
        "sample": {"method": "monte_carlo", "n": 3},
        "parameters": {"products.reo.price_usd_per_kg.Nd": {
            "dist": "resample", "file": "history.csv", "column": "nd"}}}}}))
    _write("one_scen.yaml", yaml.safe_dump({"sets": {"a": {"scenarios": [{"name": "base"}]}}}))
    _write("feed.csv", "species,mass_fraction\nFe,1\n")
    _write("out.duties.csv", "species,mass_fraction\nFe,1\n")
    _write("existing_export.csv", "id,npv_usd\nold,1\n")
    for d in ("folder.json", "folder.html", "folder.sqlite"):
        (HERE / d).mkdir(exist_ok=True)
        _write(f"{d}/.keep", "")  # git keeps no empty folder
    sj, hs, one = f"{R}/small_case.json", f"{R}/history_scen.yaml", f"{R}/one_scen.yaml"
    hist, feed = f"{R}/history.csv", f"{R}/feed.csv"
    _entry("optimize_output_is_case", ["optimize", sj, "--output", sj, "--force"],
           f"recyclopt: error: --output '{sj}' is the case file '{sj}' that this command reads; "
           "choose another output path")
    _entry("optimize_output_symlink_to_case",
           ["optimize", sj, "--output", f"{R}/plan_link.json", "--force"],
           f"recyclopt: error: --output '{R}/plan_link.json' is the case file '{sj}' that this "
           "command reads; choose another output path")
    _entry("sweep_store_is_case", ["sweep", CASE, one, "--out", CASE, "--force"],
           f"recyclopt: error: --out '{CASE}' is the case file '{CASE}' that this command "
           "reads; choose another output path")
    _entry("sweep_store_is_price_history", ["sweep", CASE, hs, "--out", hist, "--force"],
           f"recyclopt: error: --out '{hist}' is the price history 'history.csv' '{hist}' that "
           "this command reads; choose another output path")
    _entry("sweep_export_is_price_history",
           ["sweep", CASE, hs, "--out", "{tmp}/s.sqlite", "--export", hist, "--force"],
           f"recyclopt: error: --export '{hist}' is the price history 'history.csv' '{hist}' "
           "that this command reads; choose another output path")
    _entry("sweep_export_symlink_to_case",
           ["sweep", CASE, one, "--out", "{tmp}/s.sqlite", "--export", f"{R}/case_link.csv",
            "--force"],
           f"recyclopt: error: --export '{R}/case_link.csv' is the case file '{CASE}' that this "
           "command reads; choose another output path")
    _entry("sweep_export_exists_refused_before_solving",
           ["sweep", CASE, one, "--out", "{tmp}/s.sqlite", "--export",
            f"{R}/existing_export.csv"],
           f"recyclopt: error: output file '{R}/existing_export.csv' already exists; use "
           "--force to overwrite it")
    _entry("sweep_export_is_store",
           ["sweep", CASE, one, "--out", "{tmp}/s.csv", "--export", "{tmp}/s.csv", "--force"],
           "recyclopt: error: --export '{tmp}/s.csv' is the result store '{tmp}/s.csv' that "
           "this command reads; choose another output path")
    _entry("simulate_output_is_feed",
           ["simulate", "demo_recycle", "--feed", feed, "--output", feed, "--force"],
           f"recyclopt: error: --output '{feed}' is the feed file '{feed}' that this command "
           "reads; choose another output path")
    _entry("simulate_csv_table_is_feed",
           ["simulate", "demo_recycle", "--feed", f"{R}/out.duties.csv", "--output",
            f"{R}/out.csv", "--force"],
           f"recyclopt: error: --output '{R}/out.duties.csv' is the feed file "
           f"'{R}/out.duties.csv' that this command reads; choose another output path")


def symlinked_inputs() -> None:
    """Outputs that reach an input through a symbolic link, one per command and input kind."""
    _link("plan_link.html", "plan_no_built.json")
    _link("case_link.html", "../valid/small_case.yaml")
    _link("fs_link.json", "../valid/flowsheet.yaml")
    _link("scen_link.sqlite", "one_scen.yaml")
    _link("scen_link.csv", "one_scen.yaml")
    fs, one = "{corpus}/valid/flowsheet.yaml", f"{R}/one_scen.yaml"
    tail = "that this command reads; choose another output path"
    _entry("report_output_symlink_to_results",
           ["report", f"{R}/plan_no_built.json", "-o", f"{R}/plan_link.html", "--force"],
           f"recyclopt: error: --output '{R}/plan_link.html' is the results file "
           f"'{R}/plan_no_built.json' {tail}")
    _entry("report_output_symlink_to_case",
           ["report", CASE, "-o", f"{R}/case_link.html", "--force"],
           f"recyclopt: error: --output '{R}/case_link.html' is the case file '{CASE}' {tail}")
    _entry("simulate_output_symlink_to_flowsheet",
           ["simulate", fs, "--output", f"{R}/fs_link.json", "--force"],
           f"recyclopt: error: --output '{R}/fs_link.json' is the flowsheet file '{fs}' {tail}")
    _entry("sweep_store_symlink_to_scenario_file",
           ["sweep", CASE, one, "--out", f"{R}/scen_link.sqlite", "--force"],
           f"recyclopt: error: --out '{R}/scen_link.sqlite' is the scenario file '{one}' {tail}")
    _entry("sweep_export_symlink_to_scenario_file",
           ["sweep", CASE, one, "--out", "{tmp}/s.sqlite", "--export", f"{R}/scen_link.csv",
            "--force"],
           f"recyclopt: error: --export '{R}/scen_link.csv' is the scenario file '{one}' {tail}")


def output_paths() -> None:
    _entry("optimize_output_is_folder", ["optimize", CASE, "--output", f"{R}/folder.json"],
           f"recyclopt: error: --output '{R}/folder.json' is a folder; give a file name "
           "inside it")
    _entry("optimize_output_folder_missing",
           ["optimize", CASE, "--output", "{tmp}/missing/plan.json"],
           "recyclopt: error: output folder '{tmp}/missing' of --output "
           "'{tmp}/missing/plan.json' does not exist; create it first")
    _entry("report_output_is_folder", ["report", CASE, "-o", f"{R}/folder.html"],
           f"recyclopt: error: --output '{R}/folder.html' is a folder; give a file name "
           "inside it")
    _entry("report_output_folder_missing", ["report", CASE, "-o", "{tmp}/no/r.html"],
           "recyclopt: error: output folder '{tmp}/no' of --output '{tmp}/no/r.html' does not "
           "exist; create it first")
    _entry("compare_output_folder_missing",
           ["compare", "HDD_VCM", "--routes", "hd_short_loop", "--output", "{tmp}/no/c.csv"],
           "recyclopt: error: output folder '{tmp}/no' of --output '{tmp}/no/c.csv' does not "
           "exist; create it first")
    _entry("simulate_output_is_folder",
           ["simulate", "demo_recycle", "--output", f"{R}/folder.json"],
           f"recyclopt: error: --output '{R}/folder.json' is a folder; give a file name "
           "inside it")
    _entry("compare_output_is_folder",
           ["compare", "HDD_VCM", "--routes", "hd_short_loop", "--output", f"{R}/folder.json"],
           f"recyclopt: error: --output '{R}/folder.json' is a folder; give a file name "
           "inside it")
    _entry("sweep_store_is_folder",
           ["sweep", CASE, f"{R}/one_scen.yaml", "--out", f"{R}/folder.sqlite"],
           f"recyclopt: error: --out '{R}/folder.sqlite' is a folder; give a file name inside "
           "it")


def saved_plans_and_histories() -> None:
    plan = _plan_json()
    _write("plan_no_built.json", json.dumps(_drop_column(plan, "capacities", "built")))
    plan = _plan_json()
    _write("plan_no_kg.json", json.dumps(_drop_column(plan, "products", "kg")))
    _write("not_excel.xlsx", "this is text, not a workbook\n")
    with zipfile.ZipFile(HERE / "zip_not_workbook.xlsx", "w") as z:  # a zip, but no workbook
        z.writestr("readme.txt", "not a workbook")
    plan = _plan_json()
    del plan["products"]
    _write("plan_no_products.json", json.dumps(plan))
    _write("history_text.csv", "year,nd\n2020,50\n2021,sixty\n")
    _write("history_text_scen.yaml", yaml.safe_dump({"sets": {"mc": {
        "sample": {"method": "monte_carlo", "n": 3},
        "parameters": {"products.reo.price_usd_per_kg.Nd": {
            "dist": "resample", "file": "history_text.csv", "column": "nd"}}}}}))
    _write("history_column_scen.yaml", yaml.safe_dump({"sets": {"mc": {
        "sample": {"method": "monte_carlo", "n": 3},
        "parameters": {"products.reo.price_usd_per_kg.Nd": {
            "dist": "resample", "file": "history.csv", "column": "NdPr"}}}}}))
    _write("binary_history.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(128, 256)) * 4)  # an image
    _write("empty_history.csv", "")
    for name in ("binary_history", "empty_history"):
        _write(f"{name}_scen.yaml", yaml.safe_dump({"sets": {"mc": {
            "sample": {"method": "monte_carlo", "n": 3},
            "parameters": {"products.reo.price_usd_per_kg.Nd": {
                "dist": "resample", "file": f"{name}.csv", "column": "nd"}}}}}))
    where = "sets.mc.parameters.products.reo.price_usd_per_kg.Nd.file"

    def line(name: str, key: str) -> int:
        """The line of ``key:`` in the written scenario file (the error names it)."""
        text = (HERE / name).read_text(encoding="utf-8").splitlines()
        return next(i for i, t in enumerate(text, 1) if t.strip().startswith(f"{key}:"))

    _entry("report_plan_without_built", ["report", f"{R}/plan_no_built.json", "-o",
                                         "{tmp}/r.html"],
           f"recyclopt: error: {R}/plan_no_built.json: plan table 'capacities' lacks column(s) "
           "['built']; it is not a plan written by 'recyclopt optimize --output' (write it "
           "again)")
    _entry("report_plan_without_kg", ["report", f"{R}/plan_no_kg.json", "-o", "{tmp}/r.html"],
           f"recyclopt: error: {R}/plan_no_kg.json: plan table 'products' lacks column(s) "
           "['kg']; it is not a plan written by 'recyclopt optimize --output' (write it again)")
    _entry("report_xlsx_not_excel", ["report", f"{R}/not_excel.xlsx", "-o", "{tmp}/r.html"],
           f"recyclopt: error: {R}/not_excel.xlsx: not a readable Excel workbook (.xlsx); give "
           "the file written by 'recyclopt optimize --output plan.xlsx' (or its .json)")
    _entry("report_xlsx_zip_not_workbook",
           ["report", f"{R}/zip_not_workbook.xlsx", "-o", "{tmp}/r.html"],
           f"recyclopt: error: {R}/zip_not_workbook.xlsx: not a readable Excel workbook "
           "(.xlsx); give the file written by 'recyclopt optimize --output plan.xlsx' (or its "
           ".json)")
    _entry("report_plan_without_products_table",
           ["report", f"{R}/plan_no_products.json", "-o", "{tmp}/r.html"],
           f"recyclopt: error: {R}/plan_no_products.json: plan tables missing: ['products']")
    _entry("sweep_history_text_value",
           ["sweep", CASE, f"{R}/history_text_scen.yaml", "--out", "{tmp}/s.sqlite"],
           f"recyclopt: error: {R}/history_text_scen.yaml:{line('history_text_scen.yaml', 'file')}: "
           f"{where}[history_text.csv:nd][1]: "
           "'sixty' is not a number")
    _entry("sweep_history_column_missing",
           ["sweep", CASE, f"{R}/history_column_scen.yaml", "--out", "{tmp}/s.sqlite"],
           f"recyclopt: error: {R}/history_column_scen.yaml:"
           f"{line('history_column_scen.yaml', 'column')}: "
           f"{where[:-len('.file')]}.column: 'NdPr' is not a column of history.csv; columns: "
           "['year', 'nd']")
    for name, why in (("binary_history", "is not UTF-8 text"),
                      ("empty_history", "is not a readable CSV table")):
        _entry(f"sweep_{name}", ["sweep", CASE, f"{R}/{name}_scen.yaml", "--out",
                                 "{tmp}/s.sqlite"],
               f"recyclopt: error: {R}/{name}_scen.yaml:{line(f'{name}_scen.yaml', 'file')}: "
               f"{where}: price history "
               f"'{R}/{name}.csv' {why}; give a CSV file with a header row and one price per "
               "line in 'column'")


def stores() -> None:
    problem, ok, lost = _damaged_store(HERE / "damaged.sqlite")
    _write("not_a_store.sqlite", "id,npv_usd\n1,2\n")
    one = f"{R}/one_scen.yaml"
    _entry("sweep_resume_damaged_store",
           ["sweep", CASE, one, "--out", f"{R}/damaged.sqlite", "--resume"],
           f"recyclopt: error: result store '{R}/damaged.sqlite' is damaged (SQLite: "
           f"{problem}); {ok} stored rows are readable and at least {lost} are lost; rerun "
           "with --resume --salvage to keep them and solve the rest, or with --force to start "
           "again")
    _entry("sweep_resume_not_a_store",
           ["sweep", CASE, one, "--out", f"{R}/not_a_store.sqlite", "--resume"],
           f"recyclopt: error: result store '{R}/not_a_store.sqlite' is damaged (SQLite: file "
           "is not a database); no stored row is readable; rerun with --force to start again")


def _small_case_with(edit) -> str:
    """The valid small case, edited, as YAML."""
    d = yaml.safe_load((HERE.parent / "valid" / "small_case.yaml").read_text(encoding="utf-8"))
    edit(d)
    return yaml.safe_dump(d, sort_keys=False)


def limits() -> None:
    """Sample counts above the limit (item 6) and coefficients outside the solver's safe range
    (item 2), each refused before any solve."""
    sample = ("sets:\n  big:\n    sample: {{method: lhs, n: {n}{extra}}}\n    parameters:\n"
              "      products.reo.price_usd_per_kg.Nd: {{dist: uniform, low: 40, high: 60}}\n")
    _write("large_sample_scen.yaml", sample.format(n=1_000_000, extra=""))
    _entry("sweep_sample_above_limit",
           ["sweep", CASE, f"{R}/large_sample_scen.yaml", "--out", "{tmp}/s.sqlite"],
           f"recyclopt: error: {R}/large_sample_scen.yaml:3: sets.big.sample.n: 1000000 draws "
           "is above the limit of 100,000 (~600 MB of results and up to ~56 h of solving); "
           "pass --allow-large-samples or add 'allow_large: true' to the sample if you mean it")
    _write("allow_large_text_scen.yaml", sample.format(n=10, extra=", allow_large: 'yes'"))
    _entry("sweep_sample_allow_large_not_boolean",
           ["sweep", CASE, f"{R}/allow_large_text_scen.yaml", "--out", "{tmp}/s.sqlite"],
           f"recyclopt: error: {R}/allow_large_text_scen.yaml:3: sets.big.sample.allow_large: "
           "'yes'; allowed: true, false")

    def huge_price(d: dict) -> None:
        d["products"]["reo"]["price_usd_per_kg"]["Nd"] = 1e300
        d["allow_implausible"] = ["products.reo.price_usd_per_kg"]

    def huge_availability(d: dict) -> None:
        d["feedstocks"][1]["availability_units"] = 1e12  # ev: 1 kg of magnet per unit
        d["allow_implausible"] = ["feedstocks.ev.availability_units"]

    # objective on an ev flow column in 2027: 1e300 USD/kg x 0.25 kg Nd per unit x 0.98
    # (manual) x 0.95 (hydromet) / 1.1 (one year at 10 %) = 2.12e299
    _write("huge_price_case.yaml", _small_case_with(huge_price))
    _entry("optimize_price_1e300_allowed_implausible",
           ["optimize", f"{R}/huge_price_case.yaml"],
           f"recyclopt: error: {R}/huge_price_case.yaml: products.reo.price_usd_per_kg.Nd: "
           "gives the objective a coefficient of 2.12e+299, above 1e+13; rescale the field's "
           "unit (e.g. tonnes or thousands of items) or correct it; the model is not solved",
           code=1)
    # 'manual' counts units: its capacity bound (big-M on build) is 1e12 units
    _write("huge_availability_case.yaml", _small_case_with(huge_availability))
    _entry("optimize_availability_1e12_allowed_implausible",
           ["optimize", f"{R}/huge_availability_case.yaml"],
           f"recyclopt: error: {R}/huge_availability_case.yaml: feedstocks.ev.availability_units "
           "(the capacity bound of options.manual): gives the 'build_switch' constraint "
           "'manual' a coefficient of 1e+12 on an integer variable, above 1e+09 (the "
           "solver's integrality tolerance of 1e-6 would let a unit not built run); rescale "
           "the field's unit (e.g. tonnes or thousands of items) or correct it; the model is "
           "not solved", code=1)


def build() -> None:
    limits()
    inputs_are_never_outputs()
    output_paths()
    saved_plans_and_histories()
    symlinked_inputs()
    stores()
    manifest = {"description": "Issue 21 reliability inputs: argv for recyclopt.cli.main "
                "({corpus} = tests/corpus, {tmp} = a fresh temporary folder), the exit code and "
                "the exact single stderr line.", "entries": ENTRIES}
    (HERE / "manifest.yaml").write_text(
        "# Generated by build.py; the test is tests/test_reliability_corpus.py.\n"
        + yaml.safe_dump(manifest, sort_keys=False, width=100), encoding="utf-8")
    print(f"{len(ENTRIES)} entries")


if __name__ == "__main__":
    os.chdir(HERE)
    build()
