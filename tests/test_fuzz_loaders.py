"""Bounded-time fuzz test of the file loaders (hypothesis).

Random bytes, random text and random YAML-like structures given to the case, flowsheet, feed
and scenario loaders must give either a valid object or an :class:`InputError` (one readable
line at the CLI), never another exception. Runs in a few seconds.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recyclopt.chemistry import default_registry
from recyclopt.errors import InputError
from recyclopt.flowsheet import Flowsheet, feed_from_dict, load_flowsheet
from recyclopt.optimize import case_from_dict, load_case
from recyclopt.scenarios.definition import load_scenarios, scenarios_from_dict
from tests.optimize.cases import small_case

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
keys = st.one_of(st.sampled_from(["name", "stages", "feedstocks", "options", "products",
                                  "units", "feeds", "sets", "type", "composition",
                                  "rate_kg_per_h", "inlets", "outlets", "scenarios",
                                  "horizon", "costing", "T_K"]), st.text(max_size=6))
structures = st.recursive(scalars, lambda ch: st.one_of(
    st.lists(ch, max_size=4), st.dictionaries(keys, ch, max_size=5)), max_leaves=20)

TMP = Path(tempfile.mkdtemp(prefix="recyclopt_fuzz_"))


def _check(fn, *args) -> None:
    try:
        fn(*args)
    except InputError:
        pass


def _file(data: bytes, suffix: str) -> Path:
    p = TMP / f"fuzz{suffix}"
    p.write_bytes(data)
    return p


@FUZZ
@given(data=st.one_of(st.binary(max_size=200),
                      st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
                      structures.map(lambda s: yaml.safe_dump(s).encode())))
def test_file_loaders_never_crash(data: bytes) -> None:
    _check(load_case, _file(data, ".yaml"))
    _check(load_flowsheet, _file(data, ".yaml"))
    _check(load_scenarios, _file(data, ".yaml"))
    from recyclopt.cli import _read_feed

    fs = load_flowsheet("demo_recycle")
    _check(_read_feed, str(_file(data, ".yaml")), None, fs)
    _check(_read_feed, str(_file(data, ".csv")), None, fs)


@FUZZ
@given(s=structures)
def test_dict_loaders_never_crash(s) -> None:
    _check(case_from_dict, s)
    _check(Flowsheet.from_dict, s)
    _check(scenarios_from_dict, s)
    if isinstance(s, dict):
        _check(feed_from_dict, "feed", s, default_registry(), "feeds.feed")


def _paths(d, prefix=()):
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _paths(v, (*prefix, i))
    yield prefix


CASE_PATHS = [p for p in _paths(small_case()) if p]


@FUZZ
@given(idx=st.integers(0, len(CASE_PATHS) - 1), value=structures)
def test_case_with_one_field_replaced_never_crashes(idx: int, value) -> None:
    d = copy.deepcopy(small_case())
    *head, last = CASE_PATHS[idx]
    node = d
    for k in head:
        node = node[k]
    node[last] = value
    _check(case_from_dict, d)


@FUZZ
@given(s=structures)
def test_bounded_yaml_reads_what_pyyaml_reads(s) -> None:
    # the bounded loader parses any document PyYAML writes to the same data (reference:
    # yaml.safe_load), and records a line for every key and list item
    from recyclopt.io.yaml_input import load_yaml

    text = yaml.safe_dump(s)
    doc = load_yaml(text, "f.yaml", InputError)
    ref = yaml.safe_load(text)
    assert repr(doc.data) == repr(ref)  # repr: NaN compares unequal to itself
    n_lines = text.count("\n") + 1
    assert all(1 <= ln <= n_lines for ln in doc.lines.values())
    assert set(p for p in _paths(ref) if p) <= set(doc.lines)
