"""The on-disk result store of a sweep: one SQLite row per scenario, written atomically.

SQLite (in the standard library) rather than Parquet: a sweep appends rows while it runs, and
SQLite commits each batch of rows as one transaction, so a sweep killed at any instant (even by
SIGKILL) leaves every committed row intact and no partial row. The scenario id is the table's
primary key, so a row can never be stored twice; resuming skips the ids already stored, so
nothing is lost either. The store also records a fingerprint of the sweep (case, scenarios,
solver settings): resuming a different sweep into it is refused. :meth:`ResultStore.export`
writes the results to Parquet (with pyarrow) or CSV for other tools.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

#: Stored columns (name, SQL type), in order; ``recovered`` holds element -> kg as JSON and
#: ``values`` the scenario's parameter values as JSON.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "TEXT PRIMARY KEY"), ("set_name", "TEXT"), ("idx", "INTEGER"), ("status", "TEXT"),
    ("tier", "TEXT"), ("structure", "TEXT"), ("objective", "REAL"), ("npv_usd", "REAL"),
    ("npv_fixed_design_usd", "REAL"), ("capex_usd", "REAL"), ("revenue_usd", "REAL"),
    ("co2_t", "REAL"), ("built", "TEXT"), ("routes", "TEXT"), ("recovered", "TEXT"),
    ("probability", "REAL"), ("param_values", "TEXT"), ("error", "TEXT"), ("solve_s", "REAL"),
)
_NAMES = [c for c, _ in COLUMNS]


class StoreError(InputError):
    """A result store that cannot be used as asked (exists, belongs to another sweep)."""


def _to_db(row: dict[str, Any]) -> tuple:
    rec = {k[len("recovered_kg_"):]: row[k] for k in row if k.startswith("recovered_kg_")}
    out = {
        "id": row["id"], "set_name": row.get("set", ""), "idx": int(row.get("index", 0)),
        "recovered": json.dumps({k: (None if _nan(v) else v) for k, v in rec.items()}),
        "param_values": row.get("values", "{}"),
    }
    for name in _NAMES:
        if name in out:
            continue
        v = row.get(name)
        out[name] = None if _nan(v) else v
    return tuple(out[n] for n in _NAMES)


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


class ResultStore:
    """A sweep's SQLite store.

    Parameters
    ----------
    path : the ``.sqlite`` file.
    fingerprint : identifies the sweep; a store holding another fingerprint is refused.
    resume : continue a store that already holds rows (otherwise such a store is refused).
    force : delete an existing store first.
    """

    def __init__(self, path: str | Path, *, fingerprint: str = "", resume: bool = False,
                 force: bool = False) -> None:
        self.path = Path(path)
        if force:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        exists = self.path.exists()
        if exists and not resume:
            raise StoreError(f"result store {str(self.path)!r} already exists; use --resume to "
                             "continue that sweep or --force to start again", field="--out")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=60.0)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            with self.conn:
                self.conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                                  "value TEXT)")
                self.conn.execute("CREATE TABLE IF NOT EXISTS results ("
                                  + ", ".join(f'"{n}" {t}' for n, t in COLUMNS) + ")")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{str(self.path)!r} is not a usable result store: {exc}",
                             field="--out") from None
        old = self.meta("fingerprint")
        if old is None:
            with self.conn:
                self.conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
        elif fingerprint and old != fingerprint:
            raise StoreError(f"result store {str(self.path)!r} holds another sweep (its case, "
                             "scenarios or solver settings differ); use a new --out or --force",
                             field="--out")

    def meta(self, key: str) -> str | None:
        r = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if r is None else r[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def done_ids(self) -> set[str]:
        """Ids of the scenarios already stored."""
        return {r[0] for r in self.conn.execute("SELECT id FROM results")}

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        """Store result rows in one transaction (all or none); returns how many."""
        data = [_to_db(r) for r in rows]
        if not data:
            return 0
        with self.conn:
            self.conn.executemany(f"INSERT INTO results VALUES ({', '.join('?' * len(_NAMES))})",
                                  data)
        return len(data)

    def frame(self, *, expand: bool = True) -> pd.DataFrame:
        """The stored rows in sweep order; with ``expand``, one ``recovered_kg_<E>`` column per
        element and one column per parameter path (named by the path)."""
        df = pd.read_sql_query("SELECT * FROM results ORDER BY idx", self.conn)
        if not expand or df.empty:
            return df
        rec = pd.DataFrame([json.loads(s) for s in df["recovered"]], index=df.index)
        rec.columns = [f"recovered_kg_{c}" for c in rec.columns]
        vals = pd.DataFrame([json.loads(s) for s in df["param_values"]], index=df.index)
        return pd.concat([df.drop(columns=["recovered"]), rec.astype(float), vals], axis=1)

    def export(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the results to ``.parquet`` (needs pyarrow) or ``.csv``."""
        p = Path(path)
        if p.exists() and not force:
            raise StoreError(f"{str(p)!r} already exists; use --force to overwrite it",
                             field="--export")
        if p.suffix.lower() not in (".parquet", ".csv"):
            raise StoreError(f"--export {str(p)!r}: allowed formats .parquet, .csv",
                             field="--export")
        from ..io import atomic_write

        df = self.frame()
        if p.suffix.lower() == ".parquet":
            df.columns = [str(c) for c in df.columns]
            return atomic_write(p, lambda q: df.to_parquet(q, index=False), force=True)
        return atomic_write(p, lambda q: df.to_csv(q, index=False), force=True)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
