"""A plan written to files: its tables, their units, and what reproduces it.

``.json``: one object of tables in pandas ``split`` form plus ``meta`` (package version, case
name and source, mode, objective, price factor, overrides, solver status, the units of every
column, and the resolved case). ``.xlsx``: a sheet per table, no index column, the units in a
second header row, and a ``meta`` sheet (key, value; the case JSON split over rows).
``.csv``: one file per table plus ``<stem>.meta.json``. :func:`write_plan` returns every path
it wrote. ``recyclopt report plan.json`` reads all of it back
(:func:`recyclopt.report.load_results`).
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..io import atomic_write
from .case_codec import case_to_json

#: Characters of the case JSON per cell of the Excel ``meta`` sheet (Excel's limit: 32,767).
EXCEL_CHUNK = 30_000

#: Units of columns by exact name (others by suffix, see :func:`unit_of`).
COLUMN_UNITS: dict[str, str] = {
    "year": "calendar year", "kg": "kg of element", "built": "yes/no",
    "capacity": "basis/yr (see basis)", "peak_throughput": "basis/yr (see basis)",
    "basis": "unit of throughput", "equipment_units": "count", "units": "end-of-life units",
    "staff": "operators", "discount_factor": "-", "capex_lang": "yes/no (Lang factor applied)",
    "co2_t": "t CO2", "option": "-", "stage": "-", "feedstock": "-", "path": "-",
    "product": "-", "element": "-",
}
SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_usd", "USD"), ("_kg", "kg"), ("_kwh", "kWh"), ("_t", "t"), ("_s", "s"),
)


def unit_of(table: str, column: Any) -> str:
    """The unit of a plan table's column (``option_flows`` year columns: basis/yr)."""
    c = str(column)
    if table == "option_flows" and c.isdigit():
        return "basis/yr (see capacities.basis)"
    if c in COLUMN_UNITS:
        return COLUMN_UNITS[c]
    for suffix, unit in SUFFIX_UNITS:
        if c.endswith(suffix):
            return unit
    return ""


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """The table with a named index as a column and no unnamed index (nothing to misread as
    ``Unnamed: 0``)."""
    if df.index.name is not None:
        return df.reset_index()
    return df.reset_index(drop=True)


def plan_metadata(plan: Any) -> dict[str, Any]:
    """What reproduces a plan's report: version, case, scenario, mode, objective, solver."""
    from ..constants import __version__

    case = plan.case
    s = plan.solver
    return {
        "recyclopt_version": __version__,
        "written_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "case_name": case.name, "case_source": str(case.source),
        "mode": case.mode, "objective": plan.objective,
        "price_factor": float(getattr(plan, "price_factor", 1.0)),
        "overrides": dict(getattr(case, "overrides", None) or {}),
        "solver_status": s.status, "proven_optimal": bool(s.proven_optimal),
        "mip_gap": float(s.mip_gap), "npv_usd": float(plan.npv_usd),
        "costing_convention": type(case.costing).__name__,
        "case": case_to_json(case),
    }


def plan_tables(plan: Any) -> dict[str, pd.DataFrame]:
    """The plan's tables, flat (index as a named column), as written to files."""
    t = {k: _flat(v) for k, v in plan.tables().items()}
    t["solver"] = t["solver"].astype({"diagnosis": str, "heuristic": str})
    return t


def _units(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    return {n: {str(c): unit_of(n, c) for c in t.columns} for n, t in tables.items()}


def _write_json(p: Path, tables: dict[str, pd.DataFrame], meta: dict[str, Any]) -> None:
    obj: dict[str, Any] = {n: json.loads(t.to_json(orient="split", index=False,
                                                   default_handler=str))
                           for n, t in tables.items()}
    obj["meta"] = meta | {"units": _units(tables)}
    p.write_text(json.dumps(obj, indent=1), encoding="utf-8")


def _write_xlsx(p: Path, tables: dict[str, pd.DataFrame], meta: dict[str, Any]) -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise InputError("writing .xlsx needs openpyxl: pip install 'recyclopt[excel]'",
                         field="output") from None
    rows = [(k, json.dumps(v) if isinstance(v, dict) else v) for k, v in meta.items()
            if k != "case"]
    case = json.dumps(meta["case"])
    rows += [("case", case[i:i + EXCEL_CHUNK]) for i in range(0, len(case), EXCEL_CHUNK)]
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        for n, t in tables.items():
            units = pd.DataFrame([[unit_of(n, c) for c in t.columns]], columns=t.columns)
            pd.concat([units, t.astype(object)], ignore_index=True).to_excel(
                xw, sheet_name=n[:31], index=False)
        pd.DataFrame(rows, columns=["key", "value"]).to_excel(xw, sheet_name="meta",
                                                               index=False)


def write_plan(plan: Any, path: str | Path, *, force: bool = False) -> list[Path]:
    """Write a plan to ``.json``, ``.xlsx`` or ``.csv`` files (see the module docstring).

    Returns
    -------
    list of Path
        Every file written, the named one first.
    """
    dest = Path(path)
    suffix = dest.suffix.lower()
    tables, meta = plan_tables(plan), plan_metadata(plan)
    if suffix == ".json":
        return [atomic_write(dest, lambda p: _write_json(p, tables, meta), force=force)]
    if suffix == ".xlsx":
        return [atomic_write(dest, lambda p: _write_xlsx(p, tables, meta), force=force)]
    if suffix != ".csv":
        raise InputError(f"output {str(dest)!r}: unsupported format {suffix!r}; allowed: "
                         ".csv, .xlsx, .json", field="output")
    names = list(tables)
    files = [(dest, tables[names[0]])] + [(dest.with_name(f"{dest.stem}.{n}.csv"), tables[n])
                                          for n in names[1:]]
    meta_path = dest.with_name(f"{dest.stem}.meta.json")
    clash = [p for p, _ in files if p.exists()] + ([meta_path] if meta_path.exists() else [])
    if clash and not force:
        raise InputError(f"output file {str(clash[0])!r} already exists; use --force to "
                         "overwrite it", field="output")
    out = [atomic_write(p, lambda q, t=t: t.to_csv(q, index=False), force=True)
           for p, t in files]
    text = json.dumps(meta | {"units": _units(tables)}, indent=1)
    out.append(atomic_write(meta_path, lambda q: q.write_text(text, encoding="utf-8"),
                            force=True))
    return out
