"""The bounded YAML loader: limits, duplicate keys and the line of every key."""

from __future__ import annotations

import time

import pytest
import yaml

from recyclopt import io as rio
from recyclopt.errors import InputError
from recyclopt.io import yaml_input
from recyclopt.io.yaml_input import load_yaml
from recyclopt.optimize import case_from_dict
from tests.optimize.cases import small_case


def test_lines_of_keys_and_items():
    text = "a: 1\nb:\n  c: [1, 2]\nlist:\n  - name: x\n  - name: y\n    z: 3\n"
    doc = load_yaml(text, "f.yaml", InputError)
    assert doc.data == yaml.safe_load(text)
    # lines counted by hand in ``text``
    assert doc.lines[("a",)] == 1 and doc.lines[("b", "c")] == 3
    assert doc.lines[("list", 1)] == 6 and doc.lines[("list", 1, "z")] == 7
    assert doc.line(("b", "c", 1)) == 3  # nearest written ancestor


def test_merge_keys_are_not_duplicates_and_explicit_keys_win():
    text = "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 5\n"
    doc = load_yaml(text, "f.yaml", InputError)
    assert doc.data["c"] == {"x": 5, "y": 2}
    assert doc.lines[("c", "x")] == 4


@pytest.mark.parametrize("text, line", [("a: 1\nb: 2\na: 3\n", 3),
                                        ("x:\n  - {k: 1, k: 2}\n", 2)])
def test_duplicate_keys_name_both_lines(text, line):
    with pytest.raises(InputError, match=rf"f.yaml:{line}: .*duplicate key \(lines"):
        load_yaml(text, "f.yaml", InputError)


def test_size_limit_before_parsing(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="f.yaml: file is 11 characters, over the input "
                       "limit of 10"):
        load_yaml("a: 12345678", "f.yaml", InputError, max_chars=10)
    p = tmp_path / "big.yaml"
    p.write_text("a: 1\n" * 10, encoding="utf-8")  # 50 bytes
    monkeypatch.setattr(yaml_input, "MAX_CHARS", 10)  # read_input_text: > 4 x 10 bytes
    with pytest.raises(InputError, match="case file is 50 bytes, over the input limit"):
        rio.read_input_text(p, "case file")


def test_bombs_fail_fast():
    bomb = 'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]\n' + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 12))
    t0 = time.perf_counter()
    for text in (bomb, "[" * 50_000 + "]" * 50_000, "a: &r [1, *r]\n"):
        with pytest.raises(InputError):
            load_yaml(text, "f.yaml", InputError)
    # 10^12 nodes if expanded; measured ~0.2 s here, the bound leaves room for slow machines
    assert time.perf_counter() - t0 < 5.0


def test_plausibility_opt_out():
    d = small_case()
    d["feedstocks"][1]["availability_units"] = 1e12
    with pytest.raises(InputError, match="implausible"):
        case_from_dict(d)
    for waiver in (["feedstocks.ev.availability_units"], ["feedstocks.*.availability_units"]):
        d["allow_implausible"] = waiver
        c = case_from_dict(d)
        assert c.feedstocks[1].availability.iloc[0] == 1e12


def test_errors_carry_the_line():
    text = yaml.safe_dump(small_case(), sort_keys=False).replace(
        "  discount_rate: 0.1", "  discount_rat: 0.1")
    doc = load_yaml(text, "c.yaml", InputError)
    with pytest.raises(InputError) as exc:
        case_from_dict(doc.data, source="c.yaml", lines=doc.lines)
    # "discount_rat" is on line 7 of the dumped small case (name, horizon x3, costing x2)
    assert str(exc.value).startswith("c.yaml:7: costing.discount_rat: unknown field")
    assert exc.value.line == 7
