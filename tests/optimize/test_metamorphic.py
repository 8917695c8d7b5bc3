"""Metamorphic properties of the optimizer: case edits with a known effect on the answer.

Edits that should NOT change the answer (renaming a feedstock, option or product consistently;
reordering the lists; counting one feedstock in a unit k times larger) must give the same NPV
(1e-6 relative; the MIP gap is 1e-7) and the same options built. Edits with a known direction
(a yield lowered, a product price raised, more availability) must move the NPV that way:
each is a relaxation or a restriction of the same MILP, so its optimum cannot move the other way.

The bundled Taiwan case is solved at ``price_factor=3`` (every product price x3), where it builds a
plant, so the properties are not checked on the empty plan. Its feedstocks take their
composition from the catalogue (per catalogue unit), which a case cannot restate in another unit;
the unit rescaling is therefore checked on the small test case with written-out compositions.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recyclopt.io.yaml_input import load_yaml
from recyclopt.optimize import optimize
from recyclopt.optimize.case import CaseError, case_from_dict

from .cases import small_case

PRICE_FACTOR = 3.0  # Taiwan builds robotic_hdd, manual_motor, acid_free_mixed_reo at 3x prices
RTOL = 1e-6
FAST = settings(max_examples=6, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def _taiwan_text() -> str:
    return resources.files("recyclopt.cases").joinpath("taiwan.yaml").read_text("utf-8")


def taiwan() -> dict:
    """The bundled case as the dict its YAML file holds (a fresh copy)."""
    return copy.deepcopy(load_yaml(_taiwan_text(), "taiwan.yaml", CaseError).data)


def answer(d: dict, price_factor: float = PRICE_FACTOR) -> tuple[float, frozenset[str]]:
    """NPV and the options built for a case dict."""
    plan = optimize(case_from_dict(d), price_factor=price_factor)
    return plan.npv_usd, frozenset(plan.built)


@functools.cache
def taiwan_answer() -> tuple[float, frozenset[str]]:
    return answer(taiwan())


def same(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(abs(a), abs(b), 1.0)


def not_above(new: float, base: float) -> bool:
    return new <= base + RTOL * max(abs(base), 1.0)


def test_taiwan_builds_a_plant_at_the_test_price_factor():
    npv, built = taiwan_answer()
    assert npv > 0 and built  # otherwise every property below would hold trivially


# --------------------------------------------------------------------------- edits
def rename(d: dict, kind: str, old: str, new: str) -> dict:
    """``d`` with feedstock/option/product ``old`` renamed ``new`` wherever it is referenced."""
    d = copy.deepcopy(d)
    if kind == "feedstock":
        for f in d["feedstocks"]:
            f["name"] = new if f["name"] == old else f["name"]
    elif kind == "option":
        for o in d["options"]:
            o["name"] = new if o["name"] == old else o["name"]
            if o.get("next"):
                o["next"] = [new if n == old else n for n in o["next"]]
    else:
        d["products"] = {(new if k == old else k): v for k, v in d["products"].items()}
        for o in d["options"]:
            for key in ("products", "product_streams"):
                if key in o:
                    o[key] = {k: (new if v == old else v) for k, v in o[key].items()}
        for key in ("price_floor_usd_per_kg", "credit_usd_per_kg"):
            pol = d.get("policy", {}).get(key, {})
            if old in pol:
                pol[new] = pol.pop(old)
    return d


def names(d: dict, kind: str) -> list[str]:
    if kind == "product":
        return list(d["products"])
    return [x["name"] for x in d[f"{kind}s"]]


@FAST
@given(data=st.data(), kind=st.sampled_from(["feedstock", "option", "product"]))
def test_renaming_keeps_the_plan(data, kind):
    d = taiwan()
    old = data.draw(st.sampled_from(names(d, kind)), label="old")
    new = data.draw(st.from_regex(r"[a-z][a-z0-9_]{2,12}", fullmatch=True)
                    .filter(lambda s: s not in names(d, kind)), label="new")
    npv, built = answer(rename(d, kind, old, new))
    npv0, built0 = taiwan_answer()
    assert same(npv, npv0)
    expect = {new if (kind == "option" and b == old) else b for b in built0}
    assert built == expect


@FAST
@given(data=st.data())
def test_reordering_keeps_the_plan(data):
    d = taiwan()
    d["feedstocks"] = data.draw(st.permutations(d["feedstocks"]), label="feedstocks")
    d["options"] = data.draw(st.permutations(d["options"]), label="options")
    order = data.draw(st.permutations(list(d["products"])), label="products")
    d["products"] = {k: d["products"][k] for k in order}
    npv, built = answer(d)
    npv0, built0 = taiwan_answer()
    assert same(npv, npv0) and built == built0


# --------------------------------------------------------------------------- unit rescaling
#: Option fields per basis unit (x k when the basis unit is k times larger) and per year of
#: basis units (/ k); for options with ``basis: units`` serving only the rescaled feedstock.
PER_BASIS = ("opex_usd_per_basis", "kwh_per_basis", "heat_kwh_per_basis", "co2_kg_per_basis")
PER_BASIS_MAPS = ("reagents_kg_per_basis", "byproducts_kg_per_basis")
CAPACITIES = ("ref_capacity", "min_capacity", "max_capacity")


def dedicated_small_case() -> dict:
    """The small test case with each liberation option split per feedstock (tags), so an
    option counted in units serves one feedstock only: counting units of one feedstock
    differently is then a pure change of unit. The shredder's yields are raised to 0.9 so that
    at :data:`SMALL_PRICE_FACTOR` it is built for hdd (a capex curve in units) next to
    manual_ev (discrete equipment in units)."""
    d = small_case()
    libs = [o for o in d["options"] if o["stage"] == "liberation"]
    next(o for o in libs if o["name"] == "shred")["yields"] = {"Nd": 0.9, "Dy": 0.9, "Fe": 0.9}
    d["options"] = [o for o in d["options"] if o["stage"] != "liberation"]
    for f in d["feedstocks"]:
        f["tags"] = [f["name"]]
        for o in libs:
            d["options"].append({**copy.deepcopy(o), "name": f"{o['name']}_{f['name']}",
                                 "requires": [f["name"]]})
    return d


def rescale(d: dict, feed: str, k: float) -> dict:
    """``d`` with feedstock ``feed`` counted in units k times larger: availability / k; magnet
    and element content, cost per unit x k; on its units-basis options, per-basis figures x k
    and capacities (equipment, capex curve, max_capacity) / k."""
    d = copy.deepcopy(d)
    f = next(x for x in d["feedstocks"] if x["name"] == feed)
    av = f["availability_units"]
    f["availability_units"] = ({y: v / k for y, v in av.items()} if isinstance(av, dict)
                               else av / k)
    f["content_kg_per_unit"] = {e: v * k for e, v in f["content_kg_per_unit"].items()}
    f["magnet_kg_per_unit"] *= k
    f["cost_usd_per_unit"] = f.get("cost_usd_per_unit", 0.0) * k
    for o in d["options"]:
        if o.get("basis") != "units" or o.get("requires") != [feed]:
            continue
        for key in PER_BASIS:
            if key in o:
                o[key] *= k
        for key in PER_BASIS_MAPS:
            if key in o:
                o[key] = {s: v * k for s, v in o[key].items()}
        if "max_capacity" in o:
            o["max_capacity"] /= k
        if "equipment" in o:
            o["equipment"]["capacity_per_unit"] /= k
        cx = o.get("capex") or {}
        if "points" in cx:
            cx["points"] = [[c / k, cost] for c, cost in cx["points"]]
        for key in CAPACITIES:
            if key in cx:
                cx[key] /= k
    return d


SMALL_PRICE_FACTOR = 3.0


@functools.cache
def small_answer() -> tuple[float, frozenset[str]]:
    return answer(dedicated_small_case(), price_factor=SMALL_PRICE_FACTOR)


def test_small_case_builds_both_units_options():
    npv, built = small_answer()
    assert npv > 0 and {"shred_hdd", "manual_ev"} <= built


@FAST
@given(feed=st.sampled_from(["hdd", "ev"]), log_k=st.floats(-3.0, 3.0))
@example(feed="ev", log_k=-3.0)  # the ends of the range, on both feeds
@example(feed="ev", log_k=3.0)
@example(feed="hdd", log_k=-3.0)
@example(feed="hdd", log_k=3.0)
def test_unit_rescaling_keeps_the_plan(feed, log_k):
    npv, built = answer(rescale(dedicated_small_case(), feed, 10.0 ** log_k),
                        price_factor=SMALL_PRICE_FACTOR)
    npv0, built0 = small_answer()
    assert same(npv, npv0) and built == built0


# --------------------------------------------------------------------------- known direction
def liberation_options(d: dict) -> list[str]:
    return [o["name"] for o in d["options"]
            if o["stage"] == "liberation" and not o.get("blank")]


@FAST
@given(data=st.data(), factor=st.floats(0.0, 0.99))
def test_lower_yield_does_not_raise_npv(data, factor):
    # a lower yield shrinks every product flow through the option: a restriction of the MILP
    d = taiwan()
    name = data.draw(st.sampled_from(liberation_options(d)), label="option")
    el = data.draw(st.sampled_from(d["elements"]), label="element")
    o = next(x for x in d["options"] if x["name"] == name)
    o.setdefault("yields", {})[el] = o.get("default_yield", 1.0) * factor
    assert not_above(answer(d)[0], taiwan_answer()[0])


@FAST
@given(data=st.data(), factor=st.floats(1.0, 5.0))
def test_higher_price_does_not_lower_npv(data, factor):
    # every plan earns at least as much as before; the old optimum stays feasible
    d = taiwan()
    prod = data.draw(st.sampled_from(list(d["products"])), label="product")
    prices = d["products"][prod]["price_usd_per_kg"]
    el = data.draw(st.sampled_from(sorted(prices)), label="element")
    prices[el] *= factor
    assert not_above(taiwan_answer()[0], answer(d)[0])


def availability_written_out(d: dict, factor: float = 1.0) -> dict:
    """``d`` with each feedstock's availability table replaced by the same units per year
    (times ``factor``), written out (the table's units already include the collection)."""
    d = copy.deepcopy(d)
    case = case_from_dict(d)
    for f, fs in zip(d["feedstocks"], case.feedstocks, strict=True):
        f.pop("availability_table", None)
        f["availability_units"] = {int(y): float(v) * factor
                                   for y, v in fs.availability.items()}
    return d


def test_written_out_availability_is_the_table():
    # the identity the availability property builds on: same units, same answer
    npv, built = answer(availability_written_out(taiwan()))
    npv0, built0 = taiwan_answer()
    assert same(npv, npv0) and built == built0


@FAST
@given(data=st.data(), factor=st.floats(1.0, 3.0))
def test_more_availability_does_not_lower_npv(data, factor):
    # availability is a ceiling (supply: optional): more of it relaxes the MILP
    d = availability_written_out(taiwan())
    name = data.draw(st.sampled_from(names(d, "feedstock")), label="feedstock")
    f = next(x for x in d["feedstocks"] if x["name"] == name)
    f["availability_units"] = {y: v * factor for y, v in f["availability_units"].items()}
    base = answer(availability_written_out(taiwan()))[0]
    assert not_above(base, answer(d)[0])
