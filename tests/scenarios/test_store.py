"""The result store: one row per scenario, atomic batches, resume, fingerprints."""

from __future__ import annotations

import math
import sqlite3

import pytest

from recyclopt.scenarios import ResultStore, StoreError


def _row(i: int, npv: float = 1.0) -> dict:
    return {"id": f"s/{i}", "set": "s", "index": i, "status": "optimal", "tier": "price",
            "structure": "base", "objective": npv, "npv_usd": npv,
            "npv_fixed_design_usd": math.nan, "capex_usd": 2.0, "revenue_usd": 3.0,
            "co2_t": 0.5, "built": "a,b", "routes": "a/b", "recovered_kg_Nd": 10.0 * i,
            "recovered_kg_Dy": math.nan, "probability": 0.5, "values": '{"x": 1.0}',
            "error": "", "solve_s": 0.01}


def test_write_read_and_expand(tmp_path):
    with ResultStore(tmp_path / "r.sqlite", fingerprint="f") as st:
        assert st.write([_row(1), _row(0)]) == 2
        assert st.done_ids() == {"s/0", "s/1"}
        df = st.frame()
    assert list(df["id"]) == ["s/0", "s/1"]
    assert list(df["recovered_kg_Nd"]) == [0.0, 10.0]
    assert df["recovered_kg_Dy"].isna().all() and df["npv_fixed_design_usd"].isna().all()
    assert list(df["x"]) == [1.0, 1.0]


def test_a_batch_is_all_or_nothing(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as st:
        st.write([_row(0)])
        with pytest.raises(sqlite3.IntegrityError):
            st.write([_row(1), _row(0)])  # s/0 again: the whole batch is refused
        assert st.done_ids() == {"s/0"}


def test_existing_store_needs_resume_or_force(tmp_path):
    p = tmp_path / "r.sqlite"
    with ResultStore(p, fingerprint="f") as st:
        st.write([_row(0)])
    with pytest.raises(StoreError, match="--resume"):
        ResultStore(p, fingerprint="f")
    with ResultStore(p, fingerprint="f", resume=True) as st:
        assert len(st) == 1
    with pytest.raises(StoreError, match="another sweep"):
        ResultStore(p, fingerprint="g", resume=True)
    with ResultStore(p, fingerprint="g", force=True) as st:
        assert len(st) == 0


def test_export(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as st:
        st.write([_row(0), _row(1)])
        st.export(tmp_path / "r.csv")
        with pytest.raises(StoreError, match="already exists"):
            st.export(tmp_path / "r.csv")
        with pytest.raises(StoreError, match="allowed formats"):
            st.export(tmp_path / "r.xlsx")
        pytest.importorskip("pyarrow")
        import pandas as pd

        st.export(tmp_path / "r.parquet")
        assert len(pd.read_parquet(tmp_path / "r.parquet")) == 2
