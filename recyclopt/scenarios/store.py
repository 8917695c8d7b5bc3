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

import contextlib
import json
import math
import os
import sqlite3
from collections.abc import Iterable, Mapping
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


class StoreLock:
    """An exclusive lock on a store, held while a sweep writes to it: ``<store>.lock`` holding
    the holder's pid, locked with ``flock`` so that it is released by the kernel when the holder
    dies (even by SIGKILL); a second sweep on the same store is refused, naming the pid.
    Without ``fcntl`` (Windows) no lock is taken."""

    def __init__(self, store: Path) -> None:
        self.path = Path(str(store) + ".lock")
        self.fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise StoreError(f"result store {str(store)!r} is in use by another sweep "
                                 f"(pid {holder}); wait for it to finish or use another --out",
                                 field="--out") from None
            try:  # the holder may have removed the file between open and flock: retry
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)  # while still locked: no one holds the old inode
            os.close(self.fd)
            self.fd = None


def stored_rows(path: str | Path) -> int:
    """Rows in the store at ``path``, read without creating or locking it: 0 when it does
    not exist or cannot be read yet (a sweep that is still creating it)."""
    path = Path(path)
    if not path.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT COUNT(*) FROM results").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def integrity_problem(path: Path) -> str | None:
    """SQLite's first complaint about a store file (``PRAGMA integrity_check``), or None."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            res = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
            return None if res == ["ok"] else res[0]
    except sqlite3.DatabaseError as exc:
        return str(exc)


def check_integrity(path: Path) -> None:
    """Refuse a damaged store file, saying how many of its rows can still be read.

    Raises
    ------
    StoreError
        When the integrity check fails or the file is not an SQLite database.
    """
    problem = integrity_problem(path)
    if problem is None:
        return
    ok, lost = salvage_count(path)
    if not ok:
        raise StoreError(f"result store {str(path)!r} is damaged (SQLite: {problem}); no stored "
                         "row is readable; rerun with --force to start again", field="--out")
    raise StoreError(f"result store {str(path)!r} is damaged (SQLite: {problem}); {ok} stored "
                     f"rows are readable{f' and at least {lost} are lost' if lost else ''}; "
                     "rerun with --resume --salvage to keep them and solve the rest, or with "
                     "--force to start again", field="--out")


def _readable(path: Path) -> tuple[list[tuple], int, dict[str, str]]:
    """(rows readable, rows known lost, readable meta) of a damaged store, reading row by row
    so one bad page loses only its own rows."""
    rows: list[tuple] = []
    lost = 0
    meta: dict[str, str] = {}
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            with contextlib.suppress(sqlite3.DatabaseError):
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            try:
                top = int(conn.execute("SELECT max(rowid) FROM results").fetchone()[0] or 0)
            except sqlite3.DatabaseError:
                return rows, lost, meta
            for rid in range(1, top + 1):
                try:
                    r = conn.execute("SELECT * FROM results WHERE rowid = ?", (rid,)).fetchone()
                except sqlite3.DatabaseError:
                    lost += 1
                    continue
                if r is not None:
                    rows.append(tuple(r))
    except sqlite3.DatabaseError:
        pass
    return rows, lost, meta


def salvage_count(path: Path) -> tuple[int, int]:
    """(rows readable, rows known lost) of a damaged store's ``results`` table."""
    rows, lost, _ = _readable(path)
    return len(rows), lost


def salvage(path: Path) -> int:
    """Replace a damaged store by a fresh one holding its readable rows and its meta
    (fingerprint, input digests); the damaged files are kept as ``<store>.damaged`` (plus
    ``-wal``/``-shm``). Returns the rows kept.

    Raises
    ------
    StoreError
        When the store's fingerprint cannot be read (its rows could belong to any sweep) or a
        ``.damaged`` copy already exists.
    """
    rows, _, meta = _readable(path)
    if "fingerprint" not in meta:
        raise StoreError(f"result store {str(path)!r}: its fingerprint is unreadable, so its "
                         "rows cannot be matched to this sweep; rerun with --force to start "
                         "again", field="--out")
    kept = Path(str(path) + ".damaged")
    if kept.exists():
        raise StoreError(f"{str(kept)!r} already exists (an earlier salvage); move it away "
                         "first", field="--out")
    for suffix in ("", "-wal", "-shm", "-journal"):
        src = Path(str(path) + suffix)
        if src.exists():
            os.replace(src, str(kept) + suffix)
    with contextlib.closing(sqlite3.connect(str(path))) as conn, conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("CREATE TABLE results (" + ", ".join(f'"{n}" {t}' for n, t in COLUMNS)
                     + ")")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        conn.executemany(f"INSERT OR IGNORE INTO results VALUES ({', '.join('?' * len(_NAMES))})",
                         [r for r in rows if len(r) == len(_NAMES)])
    return len(rows)


def changed_inputs(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """The descriptions whose digest differs between two ``{description: digest}`` maps (an
    input present in one only counts as changed)."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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
    inputs : ``{description: digest}`` of what the sweep depends on, kept to say what changed.
    salvage : a damaged store (with ``resume``) is replaced by its readable rows (see
        :func:`salvage`) instead of refused.
    """

    def __init__(self, path: str | Path, *, fingerprint: str = "", resume: bool = False,
                 force: bool = False, inputs: Mapping[str, str] | None = None,
                 salvage: bool = False) -> None:
        self.path = Path(path)
        self.conn: sqlite3.Connection | None = None
        self.salvaged: int | None = None  # rows kept from a damaged store (with ``salvage``)
        self._lock = StoreLock(self.path)  # before --force deletes anything
        try:
            self._open(fingerprint, resume, force, dict(inputs or {}), salvage)
        except BaseException:
            self.close()
            raise

    def _open(self, fingerprint: str, resume: bool, force: bool, inputs: dict[str, str],
              salvage_rows: bool) -> None:
        if force:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        exists = self.path.exists()
        if exists and not resume:
            raise StoreError(f"result store {str(self.path)!r} already exists; use --resume to "
                             "continue that sweep or --force to start again", field="--out")
        if exists and salvage_rows and integrity_problem(self.path) is not None:
            self.salvaged = salvage(self.path)
        elif exists:
            check_integrity(self.path)
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
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('inputs', ?)",
                                  (json.dumps(inputs, sort_keys=True),))
        elif fingerprint and old != fingerprint:
            changed = changed_inputs(json.loads(self.meta("inputs") or "{}"), inputs)
            what = (f"{_join(changed)} changed since the store was made" if changed else
                    "it holds another sweep (its case, scenarios or solver settings differ)")
            raise StoreError(f"result store {str(self.path)!r}: {what}; rerun with a new --out "
                             "or with --force to start again", field="--out")

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
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self._lock.release()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
