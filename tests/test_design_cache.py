"""The persistent cache of SX design searches and coefficient solves (recyclopt.io.cache).

The reference in every test is the same computation run fresh with the cache off, so a cached
result must reproduce it bit for bit; recomputations are counted through ``cache.store``, which
each search or solve calls exactly once after it has run.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from recyclopt.flowsheet import flowsheet_file, load_flowsheet
from recyclopt.io import cache
from recyclopt.optimize import coefficients
from recyclopt.units.cascade import DESIGN_CACHE, design_stages

# an Nd/Pr split as in tests/units/test_cascade.py (beta = 1.5): small and fast to design
ND_PR = (["Pr"], ["Nd"], {"Nd": 0.75, "Pr": 0.25}, {"Nd": 1.5, "Pr": 1.0})


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A fresh cache folder for this test and a list of the kinds stored (one per search)."""
    monkeypatch.setenv("RECYCLOPT_CACHE_DIR", str(tmp_path / "cache"))
    stored: list[str] = []
    real = cache.store

    def counting(kind, parts, value):
        stored.append(kind)
        real(kind, parts, value)

    monkeypatch.setattr(cache, "store", counting)
    return tmp_path / "cache", stored


def _design(purity: float = 0.995):
    light, heavy, feed, d = ND_PR
    return design_stages(light, heavy, feed, d, target_purity=purity, target_recovery=0.95)


def _assert_same_design(a, b) -> None:
    for f in ("n_extract", "n_scrub", "n_strip", "separation_stages", "total_stages", "purity",
              "recovery", "reflux_ratio", "min_reflux_ratio", "e_key_extract", "e_light_scrub",
              "fenske_min_stages"):
        assert getattr(a, f) == getattr(b, f), f
    for f in ("oa_extract", "oa_scrub", "oa_strip"):
        assert getattr(a.design, f) == getattr(b.design, f), f
    pd.testing.assert_frame_equal(a.split, b.split, check_exact=True)


def test_cached_design_equals_a_fresh_one_to_the_bit(own_cache, monkeypatch):
    folder, stored = own_cache
    first = _design()
    again = _design()  # read back from the cache: no second search
    assert stored == [DESIGN_CACHE]
    assert len(list((folder / DESIGN_CACHE).glob("*.json"))) == 1
    monkeypatch.setenv("RECYCLOPT_CACHE", "off")
    fresh = _design()
    _assert_same_design(again, fresh)
    _assert_same_design(first, fresh)


def test_a_changed_design_target_reruns_the_search(own_cache):
    _, stored = own_cache
    a = _design(0.995)
    b = _design(0.999)  # a stricter purity: a new key, a new search
    assert stored == [DESIGN_CACHE, DESIGN_CACHE]
    # more purity at the same recovery needs at least as many stages (monotone feasibility)
    assert b.separation_stages >= a.separation_stages and b.purity >= 0.999 - 1e-9


def test_a_corrupt_entry_is_recomputed(own_cache):
    folder, stored = own_cache
    first = _design()
    (entry,) = (folder / DESIGN_CACHE).glob("*.json")
    huge = json.loads(entry.read_text())
    huge["value"]["n_extract"] = 10**9  # beyond max_stages: never built
    for junk in (b"\x00\xff not json", b'{"key": "other", "value": {}}',
                 entry.read_bytes().replace(b'"n_extract"', b'"n_extr"'),
                 json.dumps(huge).encode()):
        entry.write_bytes(junk)
        again = _design()  # no exception: the entry is ignored and overwritten
        _assert_same_design(first, again)
    assert stored == [DESIGN_CACHE] * 5


def test_off_bypasses_the_cache(own_cache, monkeypatch):
    folder, stored = own_cache
    monkeypatch.setenv("RECYCLOPT_CACHE", "off")
    _design()
    _design()
    assert stored == [DESIGN_CACHE, DESIGN_CACHE]  # both searched
    assert not folder.exists()
    assert cache.lookup(DESIGN_CACHE, {"x": 1}) is None


def test_an_unwritable_folder_is_ignored(own_cache, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RECYCLOPT_CACHE_DIR", str(blocker / "cache"))
    _design()  # mkdir fails under a file: the design is still returned


def test_editing_the_route_reruns_only_the_changed_unit(own_cache, tmp_path):
    _, stored = own_cache
    route = tmp_path / "route.yaml"
    shutil.copy(flowsheet_file("total_dissolution_sx"), route)
    load_flowsheet(route)
    searches = stored.count(DESIGN_CACHE)
    assert searches >= 2  # the route designs sx_heavy and sx_dy_tb (flowsheets/*.yaml)
    load_flowsheet(route)
    assert stored.count(DESIGN_CACHE) == searches  # warm: no search at all
    text = route.read_text()
    old = "design: {target_purity: 0.99, target_recovery: 0.99, key: Dy}"
    assert text.count(old) == 1
    route.write_text(text.replace(old, old.replace("0.99,", "0.98,", 1)))
    load_flowsheet(route)
    assert stored.count(DESIGN_CACHE) == searches + 1  # sx_dy_tb only


def test_code_fingerprint_is_part_of_the_key(monkeypatch):
    a = cache.key("k", {"x": 0.1})
    assert a == cache.key("k", {"x": 0.1})
    assert a != cache.key("k", {"x": 0.1 + 2**-55})  # floats keyed exactly (hex)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another version")
    assert a != cache.key("k", {"x": 0.1})


def _summary(route: str, catalogue: str):
    coefficients.solve_summary.cache_clear()  # the in-process memo would hide the disk cache
    return coefficients.solve_summary(route, catalogue)


def test_coefficient_solves_are_cached_exactly(own_cache, monkeypatch, tmp_path):
    _, stored = own_cache
    route = tmp_path / "hd.yaml"
    shutil.copy(flowsheet_file("hd_short_loop"), route)
    first = _summary(str(route), "HDD_VCM")
    again = _summary(str(route), "HDD_VCM")
    assert stored.count(coefficients.SOLVE_CACHE) == 1
    monkeypatch.setenv("RECYCLOPT_CACHE", "off")
    fresh = _summary(str(route), "HDD_VCM")
    assert first == again == fresh  # nested dicts of floats: exact equality
    monkeypatch.delenv("RECYCLOPT_CACHE")
    route.write_text(route.read_text() + "\n# an edit\n")  # new bytes: a new key
    _summary(str(route), "HDD_VCM")
    # first solve, the fresh one with the cache off, the edited route's
    assert stored.count(coefficients.SOLVE_CACHE) == 3


def test_a_corrupt_coefficient_entry_is_recomputed(own_cache, monkeypatch, tmp_path):
    folder, stored = own_cache
    route = tmp_path / "hd.yaml"
    shutil.copy(flowsheet_file("hd_short_loop"), route)
    first = _summary(str(route), "HDD_VCM")
    (entry,) = (folder / coefficients.SOLVE_CACHE).glob("*.json")
    good = entry.read_text()
    digest = entry.stem
    for junk in ("{truncated", f'{{"key": "{digest}", "value": [1, 2]}}',
                 f'{{"key": "{digest}", "value": {{"name": "x"}}}}',
                 good.replace('"feed_total"', '"feed_totl"')):
        entry.write_text(junk)
        assert _summary(str(route), "HDD_VCM") == first
    assert stored.count(coefficients.SOLVE_CACHE) == 5  # the first solve and four redone


_TABLE = ("import sys; from recyclopt.optimize import load_case; "
          "from recyclopt.optimize.superstructure import build; "
          "sys.stdout.write(build(load_case()).coefficients.to_csv(float_format='%r'))")


def _table_in_subprocess(env: dict[str, str]) -> str:
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _TABLE], env={**os.environ, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_default_case_coefficients_warm_equal_fresh(own_cache, monkeypatch):
    """The default case's whole coefficient table read from a warm cache equals the table
    computed fresh with the cache off, to the bit (repr floats), under different hash seeds
    (set iteration order must not reach the arithmetic)."""
    folder, _ = own_cache
    cold = _table_in_subprocess({"PYTHONHASHSEED": "1"})
    def entries():  # a rewrite (temporary file renamed over the entry) changes the inode
        return sorted((p.name, p.stat().st_ino, p.stat().st_mtime_ns)
                      for p in folder.rglob("*.json"))

    stored = entries()
    assert len(stored) >= 2  # the cold run stored its designs and solves
    warm = _table_in_subprocess({"PYTHONHASHSEED": "2"})
    assert entries() == stored  # nothing recomputed, nothing rewritten
    fresh = _table_in_subprocess({"PYTHONHASHSEED": "3", "RECYCLOPT_CACHE": "off"})
    assert warm == fresh and cold == fresh


def test_thermo_objects_from_the_cache_equal_fresh_ones(own_cache, monkeypatch):
    # the reference: each gas/liquid species' heat-capacity object made from thermo's
    # databases with the cache off; the cached (JSON) one must give the same numbers
    import numpy as np

    from recyclopt.chemistry import CHEMICALS_CP_METHOD, T_REF, ChemicalsThermo, default_registry

    folder, stored = own_cache
    monkeypatch.setenv("RECYCLOPT_CACHE", "off")  # the species' names, CAS numbers, methods
    reg = default_registry()
    made = [(s.name, reg.thermo(i)) for i, s in enumerate(reg.species)
            if isinstance(reg.thermo(i), ChemicalsThermo)]
    assert {n for n, _ in made} <= set(CHEMICALS_CP_METHOD) and len(made) >= 10
    for name, ref in made:
        monkeypatch.setenv("RECYCLOPT_CACHE", "off")
        fresh = ChemicalsThermo(name, ref.cas, ref.phase, ref.method)
        monkeypatch.delenv("RECYCLOPT_CACHE")
        stored.clear()
        first = ChemicalsThermo(name, ref.cas, ref.phase, ref.method)  # computes and stores
        again = ChemicalsThermo(name, ref.cas, ref.phase, ref.method)  # reads
        assert stored == ["thermo"]
        for t in (first, again):
            assert (t.dHf, t.T_min, t.T_max) == (fresh.dHf, fresh.T_min, fresh.T_max)
            for T in np.linspace(fresh.T_min, fresh.T_max, 5).tolist() + [T_REF]:
                if fresh.T_min <= T <= fresh.T_max:
                    assert t.enthalpy(T) == fresh.enthalpy(T) and t.cp(T) == fresh.cp(T)
    assert len(list((folder / "thermo").glob("*.json"))) == len(made)
