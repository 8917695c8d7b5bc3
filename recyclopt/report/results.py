"""Read a saved plan (and scenario tables) back for reporting.

``recyclopt optimize --output plan.json`` (or ``.xlsx``) writes the tables of a
:class:`~recyclopt.optimize.PlantPlan`; :func:`load_results` turns such a file into a
:class:`PlanTables`, which every plan view accepts. The same file may also hold scenario
tables under these names (each optional), shown by the report's scenario section:

* ``tornado``: ``parameter``, ``low_npv``, ``high_npv``, ``base_npv`` (see
  :func:`recyclopt.report.scenario.tornado_data`);
* ``samples``: one row per scenario sample, with ``npv_usd`` and ``built`` (or ``route``);
* ``pareto``: the table of :func:`recyclopt.optimize.pareto_front`.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

PLAN_TABLES = ("capacities", "flows", "option_flows", "products", "cash_flow", "capex", "opex")
SCENARIO_TABLES = ("tornado", "samples", "pareto")
#: Columns each plan table must hold for the report's views (those of a PlantPlan's tables).
REQUIRED_COLUMNS = {
    "capacities": ("stage", "built", "capacity"),
    "flows": ("feedstock", "path", "year", "magnet_kg"),
    "products": ("product", "element", "year", "kg"),
    "cash_flow": ("year", "cash_flow_usd", "discounted_cash_flow_usd"),
    "capex": ("capex_usd",),
    "opex": ("year",),
}
_INDEXED = {"capacities": "option", "option_flows": "option", "capex": "option"}


@dataclass
class PlanTables:
    """A plan's tables without its model: what a saved plan file holds.

    Attributes are those of :class:`~recyclopt.optimize.PlantPlan` (DataFrames
    ``capacities``, ``flows``, ``option_flows``, ``products``, ``cash_flow``, ``capex``,
    ``opex``; ``npv_usd``, ``objective``, ``objective_value``) plus ``solver`` (the solver
    row as a dict), ``name`` (the file stem), ``case`` (rebuilt from the file's ``meta``
    when it holds one; None for older files: views that need the case, like the Sankey of
    recovered elements per path, fall back or say so), ``price_factor`` (the product-price
    multiplier of the solve) and ``meta`` (version, mode, objective, solver status ...).
    """

    capacities: pd.DataFrame
    flows: pd.DataFrame
    option_flows: pd.DataFrame
    products: pd.DataFrame
    cash_flow: pd.DataFrame
    capex: pd.DataFrame
    opex: pd.DataFrame
    npv_usd: float
    objective: str = ""
    objective_value: float = float("nan")
    solver: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    case: Any = None
    price_factor: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def built(self) -> list[str]:
        return self.capacities.index[self.capacities["built"].astype(bool)].tolist()

    def recovered_kg(self) -> pd.Series:
        """Total recovered kg of each element over the horizon."""
        if self.products.empty:
            return pd.Series(dtype=float)
        return self.products.groupby("element")["kg"].sum()


def _read_tables(path: Path) -> dict[str, pd.DataFrame]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"results file {str(path)!r} does not exist", field="results")
    if suffix == ".json":
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", source=str(path)) from None
        if not isinstance(raw, dict):
            raise InputError("a results file holds an object of named tables",
                             source=str(path))
        out = {}
        meta = raw.pop("meta", None)
        if meta is not None:
            if not isinstance(meta, dict):
                raise InputError("'meta' is not an object", source=str(path), field="meta")
            out["meta"] = meta
        for name, t in raw.items():
            if not (isinstance(t, dict) and {"columns", "data"} <= set(t)):
                raise InputError(f"table {name!r} is not in pandas 'split' form "
                                 "(columns, index, data)", source=str(path), field=name)
            df = pd.DataFrame(t["data"], columns=t["columns"], index=t.get("index"))
            out[str(name)] = df
        return out
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise InputError(f"results file {str(path)!r}: allowed formats .json, .xlsx",
                     field="results")


def _read_xlsx(path: Path) -> dict[str, Any]:
    """Sheets of a results workbook. Sheets written by
    :func:`recyclopt.optimize.plan_file.write_plan` have a units row under the header and a
    ``meta`` sheet; older files have the index in their first column."""
    try:
        meta_sheet = pd.read_excel(path, sheet_name="meta") if "meta" in pd.ExcelFile(
            path, engine="openpyxl").sheet_names else None
    except ImportError:
        raise InputError("reading .xlsx needs openpyxl: pip install 'recyclopt[excel]'",
                         field="results") from None
    except (ValueError, KeyError, OSError, zipfile.BadZipFile):
        raise InputError("not a readable Excel workbook (.xlsx); give the file written by "
                         "'recyclopt optimize --output plan.xlsx' (or its .json)",
                         source=str(path)) from None
    if meta_sheet is None:
        sheets = pd.read_excel(path, sheet_name=None, index_col=0)
        return {str(k): v for k, v in sheets.items()}
    sheets = pd.read_excel(path, sheet_name=None, skiprows=[1])
    out: dict[str, Any] = {}
    for k, v in sheets.items():
        if k == "meta":
            continue
        idx = _INDEXED.get(str(k))
        out[str(k)] = v.set_index(idx) if idx and idx in v else v
    meta: dict[str, Any] = {}
    case = ""
    for key, value in zip(meta_sheet["key"], meta_sheet["value"], strict=True):
        if key == "case":
            case += str(value)
        elif isinstance(value, str) and value.startswith("{"):
            meta[str(key)] = json.loads(value)
        else:
            meta[str(key)] = value
    if case:
        meta["case"] = json.loads(case)
    out["meta"] = meta
    return out


def load_results(path: str | Path) -> tuple[PlanTables | None, dict[str, pd.DataFrame]]:
    """Read a saved plan and/or scenario tables.

    Parameters
    ----------
    path : a ``.json`` or ``.xlsx`` file written by ``recyclopt optimize --output`` (plus,
        optionally, the scenario tables named in the module docstring).

    Returns
    -------
    (PlanTables or None, dict)
        The plan (None when the file has no plan tables) and the scenario tables found.
    """
    p = Path(path)
    tables = _read_tables(p)
    scen = {k: tables[k].reset_index(drop=True) for k in SCENARIO_TABLES if k in tables}
    present = [k for k in PLAN_TABLES if k in tables]
    if not present:
        if not scen:
            raise InputError(f"no plan tables ({', '.join(PLAN_TABLES)}) and no scenario "
                             f"tables ({', '.join(SCENARIO_TABLES)}) found",
                             source=str(p))
        return None, scen
    missing = [k for k in PLAN_TABLES if k not in tables]
    if missing:
        raise InputError(f"plan tables missing: {missing}", source=str(p), field=missing[0])
    meta = tables.get("meta") or {}
    for k, cols in REQUIRED_COLUMNS.items():
        gone = [c for c in cols if c not in tables[k].columns]
        if gone:
            raise InputError(f"plan table {k!r} lacks column(s) {gone}; it is not a plan "
                             "written by 'recyclopt optimize --output' (write it again)",
                             source=str(p), field=f"{k}.{gone[0]}")
    t = {}
    for k in PLAN_TABLES:
        df = tables[k]
        if k in _INDEXED and _INDEXED[k] in df.columns:
            df = df.set_index(_INDEXED[k])
        if k in _INDEXED:
            df.index = df.index.astype(str)
            df.index.name = _INDEXED[k]
        else:
            df = df.reset_index(drop=True)
        t[k] = df
    t["option_flows"].columns = [int(c) if str(c).isdigit() else c
                                 for c in t["option_flows"].columns]
    t["capacities"]["built"] = t["capacities"]["built"].astype(bool)
    for k in ("flows", "products", "cash_flow", "opex"):
        if "year" in t[k]:
            t[k]["year"] = t[k]["year"].astype(int)
    solver = tables["solver"].iloc[0].to_dict() if "solver" in tables else {}
    npv = float(solver.get("npv_usd", t["cash_flow"]["discounted_cash_flow_usd"].sum()))
    case = None
    if "case" in meta:
        from ..optimize.case_codec import case_from_json

        case = case_from_json(meta["case"])
    plan = PlanTables(**t, npv_usd=npv, objective=str(solver.get("objective", "")),
                      objective_value=float(solver.get("objective_value", float("nan"))),
                      solver=solver, name=p.stem, case=case,
                      price_factor=float(meta.get("price_factor", 1.0)),
                      meta={k: v for k, v in meta.items() if k != "case"})
    return plan, scen
