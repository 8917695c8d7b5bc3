"""Benchmark cases by size: the bundled default case and generated regional-network cases.

The generated cases are plant *networks*: candidate sites, each with its own copy of the route
options (liberation, then processing), and regional feedstocks that can reach only their
nearest sites. Everything is expressed in the ordinary case format
(:func:`recyclopt.optimize.case_from_dict`):

* a site's options are separate options named ``<option>@<site>``; its liberation options
  list only the same site's processing options in ``next``, so paths never cross sites;
* a feedstock carries the tag ``near_<site>`` for each site it can reach, and a site's
  liberation options ``require`` that tag (plus the feedstock-kind tag: ``hdd``, ``motor``,
  ``ewaste``, ``swarf``), so a feedstock only enters paths at nearby sites;
* sites differ by a capex factor and a handling cost (no two sites are identical, which keeps
  the MILP free of exact symmetry).

Every number is drawn with a fixed seed from the ranges in the bundled data:

* magnet mass per unit and Nd/Pr/Dy/Tb contents: uniform in [low, high] of
  ``recyclopt/data/feedstocks.csv`` (the value +-10 % where no range is given);
* availability: ``eol_units x collection_rate`` of ``taiwan_availability.csv`` for the feedstock
  kind, scaled by a market factor and split across regions (lognormal shares); years past the
  table continue its last three-year trend (clipped to +-5 %/yr);
* product, reagent, utility and labour prices: uniform in [value, high] of ``prices.csv``;
* unit-operation figures (throughput per worker or robot, robot cost, shredder cost and power,
  yields, capex references and exponents): the rows of ``shared/reference/unit_ops.csv`` named
  beside each constant below, as already used by the bundled Taiwan case.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from recyclopt.optimize import Case, case_from_dict, load_case

SIZES = ("small", "medium", "large")

#: Feedstock kinds used by the generated cases: catalogue id -> (tags, sampling weight).
#: wind_DD is left out: its Taiwan availability is zero over the whole table.
KINDS: dict[str, tuple[tuple[str, ...], float]] = {
    "HDD_VCM": (("hdd", "ewaste", "hd_ok"), 0.30),
    "EV_traction": (("motor", "hd_ok"), 0.15),
    "ebike_hub": (("motor", "hd_ok"), 0.15),
    "industrial_servo": (("motor", "hd_ok"), 0.10),
    "phone_speaker": (("ewaste",), 0.10),
    "consumer_audio": (("ewaste",), 0.10),
    "swarf": (("swarf",), 0.10),
}

# ----------------------------------------------------------------- unit-operation figures
# unit_ops.csv pretreatment/manual_disassembly_HDD: 181,132 HDD/yr per worker
HDD_PER_WORKER = 181_132.0
# unit_ops.csv pretreatment/robotic_disassembly_HDD: 523,636 HDD/yr; 200,000 $/robot; 339.2 $/yr
HDD_PER_ROBOT, ROBOT_USD, ROBOT_USD_PER_YR = 523_636.0, 200_000.0, 339.2
# unit_ops.csv pretreatment/HDD_shredder (v2): 2.16e7 HDD/yr, 50,000 $, 14.71 kW at 2,700 HDD/h
SHRED_CAP, SHRED_USD, SHRED_KWH_PER_UNIT = 2.16e7, 50_000.0, 14.71 / 2700.0
# unit_ops.csv pretreatment/manual_disassembly_EV: 7,868 motors/yr per worker
MOTORS_PER_WORKER = 7_868.0
# unit_ops.csv HD_short_loop/hydrogen_decrepitation: liberation efficiency 90 % (85-95)
HD_YIELD = (0.85, 0.95)
# unit_ops.csv HD_short_loop/HPMS_plant_USA: third vessel +250 t/yr for +7 M$
HD_CAPEX = (7.0e6, 250_000.0)
# unit_ops.csv hydromet/Laliwala_option_yields: hydromet extraction 0.95, acid leach 0.985
HYDROMET_YIELD = (0.95, 0.985)
# unit_ops.csv separation/Cyclic_Materials_REEPure: 500 t/yr magnet-rich feed, 25 M$
HYDROMET_CAPEX = (25.0e6, 500_000.0)
# unit_ops.csv hydromet/Laliwala_option_yields: SFE Nd 0.94, Dy 0.98
SX_YIELD = {"Nd": 0.94, "Pr": 0.94, "Dy": 0.98, "Tb": 0.98}
# unit_ops.csv separation/Caremag_Lacq: 800 t/yr magnets, >100 M EUR (x 1.08 USD/EUR)
SX_CAPEX = (108.0e6, 800_000.0)
# unit_ops.csv costing/equipment_scale_exponents: 0.45 (mixer-settler) .. 0.62 (HD furnace)
CAPEX_EXPONENT = (0.45, 0.62)
# shredding loses 73.9 % of the REE vs manual liberation (Habibzadeh 2024, as in taiwan.yaml)
SHRED_YIELD = 0.95 * (1.0 - 0.739)
# element mass fraction of the oxides (price per kg oxide -> per kg element contained)
OXIDE_FRACTION = {"Nd": 0.857, "Pr": 0.8277, "Dy": 0.8713, "Tb": 0.8502}


@dataclass(frozen=True)
class GenSpec:
    """Size and randomness of a generated network case."""

    name: str
    n_feedstocks: int
    n_sites: int
    n_years: int
    n_near: int  # sites each feedstock can reach
    market_scale: float  # total availability as a multiple of the Taiwan table
    seed: int = 20260


MEDIUM = GenSpec("medium", n_feedstocks=50, n_sites=10, n_years=10, n_near=3, market_scale=12.0)
LARGE = GenSpec("large", n_feedstocks=500, n_sites=50, n_years=20, n_near=8, market_scale=60.0)

#: The solver ladder (``benchmarks/ladder.py``, issue 20): generated networks from the medium
#: case up, more sites with feedstocks (5 per site), years, reachable sites and market scaled
#: from MEDIUM toward LARGE, so the models span ~6 k to ~100 k columns (6,151; 14,110;
#: 19,645; 30,955; 102,967), across the sizes between the measured ones.
LADDER: tuple[GenSpec, ...] = (
    MEDIUM,
    GenSpec("sites15", n_feedstocks=75, n_sites=15, n_years=12, n_near=4, market_scale=18.0),
    GenSpec("sites20", n_feedstocks=100, n_sites=20, n_years=12, n_near=4, market_scale=24.0),
    GenSpec("sites30", n_feedstocks=150, n_sites=30, n_years=12, n_near=4, market_scale=36.0),
    GenSpec("sites50", n_feedstocks=250, n_sites=50, n_years=16, n_near=6, market_scale=60.0),
)


# ----------------------------------------------------------------- bundled data
def _read(name: str) -> pd.DataFrame:
    with resources.files("recyclopt.data").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


@lru_cache(maxsize=1)
def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    feed = _read("feedstocks.csv")
    prices = _read("prices.csv").set_index("item")
    avail = _read("taiwan_availability.csv")
    return feed, prices, avail


def _range(feed: pd.DataFrame, kind: str, param: str) -> tuple[float, float]:
    row = feed[(feed["feedstock"] == kind) & (feed["parameter"] == param)].iloc[0]
    v = float(row["value"])
    lo = float(row["low"]) if pd.notna(row["low"]) else 0.9 * v
    hi = float(row["high"]) if pd.notna(row["high"]) else 1.1 * v
    lo, hi = min(lo, v), max(hi, v)
    return lo, hi


def _price(prices: pd.DataFrame, item: str, rng: np.random.Generator) -> float:
    r = prices.loc[item]
    v = float(r["value"])
    hi = float(r["high"]) if pd.notna(r["high"]) else v
    return float(rng.uniform(v, max(v, hi)))


def _availability_series(avail: pd.DataFrame, kind: str, years: np.ndarray) -> np.ndarray:
    """Units per year of a kind (eol x collection), extended past the table by its trend."""
    t = avail[avail["feedstock"] == kind].sort_values("year")
    base = (t["eol_units"] * t["collection_rate"]).to_numpy(float)
    ty = t["year"].to_numpy(int)
    out = np.empty(len(years))
    g = 0.0
    if len(base) >= 4 and base[-4] > 0:
        g = float(np.clip((base[-1] / base[-4]) ** (1 / 3) - 1.0, -0.05, 0.05))
    for i, y in enumerate(years):
        if y in ty:
            out[i] = base[np.searchsorted(ty, y)]
        elif y > ty[-1]:
            out[i] = base[-1] * (1.0 + g) ** (y - ty[-1])
        else:
            out[i] = base[0]
    return out


# ----------------------------------------------------------------- the generator
def generate(spec: GenSpec) -> dict[str, Any]:
    """Generate a network case dict (see the module docstring) for ``spec``, deterministically.

    Parameters
    ----------
    spec : GenSpec
        Sizes, market scale and seed.

    Returns
    -------
    dict
        A case definition accepted by :func:`recyclopt.optimize.case_from_dict`.
    """
    rng = np.random.default_rng(spec.seed)
    feed, prices, avail = _tables()
    years = np.arange(2027, 2027 + spec.n_years)

    # prices from prices.csv, drawn in [value, high]
    ndpr = _price(prices, "NdPr_oxide", rng)
    dy = _price(prices, "Dy_oxide", rng)
    tb = _price(prices, "Tb_oxide", rng)
    mixed = _price(prices, "mixed_REO", rng)
    powder = _price(prices, "NdFeB_alloy_powder", rng)
    el_price = {"Nd": ndpr / OXIDE_FRACTION["Nd"], "Pr": ndpr / OXIDE_FRACTION["Pr"],
                "Dy": dy / OXIDE_FRACTION["Dy"], "Tb": tb / OXIDE_FRACTION["Tb"]}
    products = {
        "NdPr_oxide": {"price_usd_per_kg": {"Nd": round(el_price["Nd"], 2),
                                            "Pr": round(el_price["Pr"], 2)}},
        "Dy_oxide": {"price_usd_per_kg": {"Dy": round(el_price["Dy"], 2)}},
        "Tb_oxide": {"price_usd_per_kg": {"Tb": round(el_price["Tb"], 2)}},
        "mixed_REO": {"price_usd_per_kg": {e: round(mixed * v, 2) for e, v in el_price.items()}},
        # powder at ~30 wt% RE: per kg of RE contained
        "alloy_powder": {"price_usd_per_kg": dict.fromkeys(el_price, round(powder / 0.30, 2))},
    }

    # sites and feedstock regions on a unit square; each feedstock reaches its nearest sites
    site_xy = rng.uniform(0.0, 1.0, size=(spec.n_sites, 2))
    sites = [f"s{j:02d}" for j in range(spec.n_sites)]
    kinds = list(KINDS)
    w = np.array([KINDS[k][1] for k in kinds])
    kind_of = rng.choice(len(kinds), size=spec.n_feedstocks, p=w / w.sum())
    # every kind at least once, so every route is exercised
    kind_of[: len(kinds)] = np.arange(len(kinds))
    counts = np.bincount(kind_of, minlength=len(kinds))
    feedstocks = []
    for i in range(spec.n_feedstocks):
        kind = kinds[kind_of[i]]
        tags, _ = KINDS[kind]
        xy = rng.uniform(0.0, 1.0, 2)
        near = np.argsort(((site_xy - xy) ** 2).sum(axis=1))[: spec.n_near]
        mlo, mhi = _range(feed, kind, "magnet_mass_kg_per_unit")
        magnet = float(rng.uniform(mlo, mhi))
        content = {}
        for e in ("Nd", "Pr", "Dy", "Tb"):
            lo, hi = _range(feed, kind, f"{e}_wt_pct")
            content[e] = float(rng.uniform(lo, hi)) / 100.0 * magnet
        content["Fe"] = max(0.0, magnet - sum(content.values())) * 0.97
        share = float(rng.lognormal(0.0, 0.5)) / counts[kind_of[i]]
        series = _availability_series(avail, kind, years) * spec.market_scale * share
        series *= rng.uniform(0.9, 1.1, len(years))
        ndpr_kg = content["Nd"] + content["Pr"]
        feedstocks.append({
            "name": f"{kind}_r{i:03d}", "unit": kind, "tags": [*tags] + [f"near_{sites[j]}"
                                                                        for j in near],
            "magnet_kg_per_unit": round(magnet, 9),
            "content_kg_per_unit": {e: round(v, 12) for e, v in content.items()},
            # assumption as in taiwan.yaml: scrap bought at 10-30 % of its NdPr oxide value
            "cost_usd_per_unit": round(ndpr_kg * el_price["Nd"] * rng.uniform(0.1, 0.3), 6),
            "availability_units": {int(y): round(float(v), 3) for y, v in
                                   zip(years, series, strict=True)},
        })

    hcl = _price(prices, "HCl", rng)
    oxalic = _price(prices, "oxalic_acid", rng)
    naoh = _price(prices, "NaOH", rng)
    h2 = _price(prices, "hydrogen", rng)
    options: list[dict[str, Any]] = []
    for s in sites:
        fc = float(rng.uniform(0.85, 1.2))  # site capex factor (land, construction)
        handling = float(rng.uniform(0.02, 0.12))  # USD per kg handled at the site
        ex = [float(rng.uniform(*CAPEX_EXPONENT)) for _ in range(3)]
        proc = [f"hd_short_loop@{s}", f"hydromet_mixed_reo@{s}", f"sx_separated@{s}"]
        near = f"near_{s}"
        options += [
            {"name": f"manual_hdd@{s}", "stage": "liberation", "basis": "units",
             "requires": ["hdd", near], "next": proc, "default_yield": 0.95,
             "equipment": {"capacity_per_unit": HDD_PER_WORKER, "cost_usd": 0.0,
                           "operators_per_unit": 1.0}},
            {"name": f"robotic_hdd@{s}", "stage": "liberation", "basis": "units",
             "requires": ["hdd", near], "next": proc, "default_yield": 0.95,
             "equipment": {"capacity_per_unit": HDD_PER_ROBOT, "cost_usd": ROBOT_USD * fc,
                           "yearly_cost_usd": ROBOT_USD_PER_YR, "operators_per_unit": 0.25}},
            {"name": f"shred_ewaste@{s}", "stage": "liberation", "basis": "units",
             "requires": ["ewaste", near], "next": proc[1:], "default_yield": SHRED_YIELD,
             "kwh_per_basis": SHRED_KWH_PER_UNIT,
             "capex": {"points": [[1.0e5, SHRED_USD * fc], [SHRED_CAP, SHRED_USD * fc + 0.01]]}},
            {"name": f"manual_motor@{s}", "stage": "liberation", "basis": "units",
             "requires": ["motor", near], "next": proc, "default_yield": 0.98,
             "equipment": {"capacity_per_unit": MOTORS_PER_WORKER, "cost_usd": 0.0,
                           "operators_per_unit": 1.0}},
            {"name": f"swarf_intake@{s}", "stage": "liberation", "basis": "kg",
             "requires": ["swarf", near], "next": proc[1:],
             "opex_usd_per_basis": handling},
            {"name": proc[0], "stage": "processing", "requires": ["hd_ok"],
             "yields": dict.fromkeys(("Nd", "Pr", "Dy", "Tb"), float(rng.uniform(*HD_YIELD))),
             "products": dict.fromkeys(("Nd", "Pr", "Dy", "Tb"), "alloy_powder"),
             "reagents_kg_per_basis": {"H2": 0.0038}, "kwh_per_basis": 1.2,
             "opex_usd_per_basis": handling,
             "capex": {"ref_cost_usd": HD_CAPEX[0] * fc, "ref_capacity": HD_CAPEX[1],
                       "exponent": ex[0], "min_capacity": 20_000, "max_capacity": 1_000_000,
                       "n_points": 6},
             "operators": 6},
            {"name": proc[1], "stage": "processing",
             "yields": dict.fromkeys(("Nd", "Pr", "Dy", "Tb"),
                                     float(rng.uniform(*HYDROMET_YIELD))),
             "products": dict.fromkeys(("Nd", "Pr", "Dy", "Tb"), "mixed_REO"),
             "reagents_kg_per_basis": {"HCl": 1.09, "oxalic_acid": 0.465},
             "kwh_per_basis": 1.0, "heat_kwh_per_basis": 0.8,
             "byproducts_kg_per_basis": {"leach_residue": 1.0}, "opex_usd_per_basis": handling,
             "capex": {"ref_cost_usd": HYDROMET_CAPEX[0] * fc, "ref_capacity": HYDROMET_CAPEX[1],
                       "exponent": ex[1], "min_capacity": 20_000, "max_capacity": 2_000_000,
                       "n_points": 6},
             "operators": 10},
            {"name": proc[2], "stage": "processing", "yields": dict(SX_YIELD),
             "products": {"Nd": "NdPr_oxide", "Pr": "NdPr_oxide", "Dy": "Dy_oxide",
                          "Tb": "Tb_oxide"},
             "reagents_kg_per_basis": {"HCl": 1.09, "NaOH": 0.25, "oxalic_acid": 0.465},
             "kwh_per_basis": 1.5, "byproducts_kg_per_basis": {"iron_oxide": 0.95},
             "opex_usd_per_basis": handling,
             "capex": {"ref_cost_usd": SX_CAPEX[0] * fc, "ref_capacity": SX_CAPEX[1],
                       "exponent": ex[2], "min_capacity": 50_000, "max_capacity": 2_000_000,
                       "n_points": 6},
             "operators": 20},
        ]
    return {
        "name": spec.name,
        "description": f"generated network: {spec.n_feedstocks} regional feedstocks, "
                       f"{spec.n_sites} sites, {spec.n_years} years (seed {spec.seed})",
        "horizon": {"construction_year": 2026, "operating_years": spec.n_years,
                    "construction_years": 1},
        "costing": {"convention": "simple", "discount_rate": 0.08},
        "elements": ["Nd", "Pr", "Dy", "Tb"],
        "stages": ["liberation", "processing"],
        "mode": "parallel",
        "objective": "npv",
        "feedstocks": feedstocks,
        "options": options,
        "products": products,
        "prices": {
            "electricity_usd_per_kwh": _price(prices, "electricity_TW", rng),
            "grid_co2_kg_per_kwh": _price(prices, "grid_CO2_TW", rng),
            "heat_usd_per_kwh": _price(prices, "natural_gas", rng) / 1000.0,
            "heat_co2_kg_per_kwh": 0.202,
            "reagents_usd_per_kg": {"HCl": hcl, "oxalic_acid": oxalic, "NaOH": naoh, "H2": h2},
            "byproducts_usd_per_kg": {
                "iron_oxide": _price(prices, "iron_oxide_byproduct", rng),
                "leach_residue": -_price(prices, "waste_disposal_solid", rng)},
        },
        "labour": {"usd_per_hour": _price(prices, "labour_TW_operator", rng),
                   "hours_per_operator_yr": 2080},
    }


# ----------------------------------------------------------------- the registry
@dataclass(frozen=True)
class BenchCase:
    """A registered benchmark case.

    Attributes
    ----------
    size : one of :data:`SIZES`
    description : one line for the table
    make : returns the validated :class:`~recyclopt.optimize.Case`
    time_limit : solver time limit in seconds used by the runner (None: to optimality)
    check_objective : whether the runner asserts Pyomo and direct objectives agree to 1e-6
    """

    size: str
    description: str
    make: Callable[[], Case]
    time_limit: float | None = None
    check_objective: bool = True


@lru_cache(maxsize=4)
def _generated_dict(size: str) -> dict[str, Any]:
    return generate({"medium": MEDIUM, "large": LARGE}[size])


def case_dict(size: str) -> dict[str, Any]:
    """The case definition of a generated size (a fresh copy)."""
    return copy.deepcopy(_generated_dict(size))


def _make(size: str) -> Callable[[], Case]:
    def make() -> Case:
        if size == "small":
            return load_case()
        return case_from_dict(_generated_dict(size), source=f"benchmarks:{size}")

    return make


REGISTRY: dict[str, BenchCase] = {
    "small": BenchCase("small", "bundled default case (taiwan.yaml): 5 feedstocks, 9 options, "
                       "10 years", _make("small")),
    "medium": BenchCase("medium", f"{MEDIUM.n_feedstocks} feedstocks, 8 route options x "
                        f"{MEDIUM.n_sites} sites, {MEDIUM.n_years} years", _make("medium")),
    "large": BenchCase("large", f"{LARGE.n_feedstocks} feedstocks, 8 route options x "
                       f"{LARGE.n_sites} sites, {LARGE.n_years} years", _make("large"),
                       time_limit=300.0, check_objective=False),
}


def sizes_up_to(size: str) -> list[str]:
    """The registered sizes from small up to and including ``size``."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; allowed: {list(SIZES)}")
    return list(SIZES[: SIZES.index(size) + 1])
