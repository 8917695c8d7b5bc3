"""Scenario definitions: what a sweep changes, as data (a YAML file or a dict).

A scenario is a set of *values* keyed by dotted parameter paths, the same paths as the case file
(lists of named items are addressed by name)::

    products.NdPr_oxide.price_usd_per_kg.Nd: 80.0
    feedstocks.HDD.cost_usd_per_unit: 0.1
    policy.carbon_price_usd_per_t: 50
    levers.export_control.price_multiplier: 3.8

The parameters a sweep may change (:data:`PARAMETERS`) are prices, costs, availabilities and
policy values: everything that changes the model's numbers but not what it is made of.
``levers.*`` are the policy levers of :mod:`recyclopt.scenarios.policy`.

File format
-----------
::

    case: taiwan                 # optional; the CLI's CASE argument wins
    seed: 2025                   # default seed of the sampled sets
    levers: {...}                # lever settings (which products/feedstocks a lever touches)
    sets:
      controls:                  # a named set of explicit scenarios
        overrides: {...}         # values common to every scenario of the set
        scenarios:
          - {name: pre_controls}
          - {name: may_2025, overrides: {products.Dy_oxide.price_usd_per_kg.Dy: 975.6}}
      prices:                    # a sampled set
        sample: {method: lhs, n: 200, seed: 7}      # lhs (Latin hypercube) or monte_carlo
        parameters:
          products.NdPr_oxide.price_usd_per_kg.Nd: {dist: triangular, low: 58, mode: 60,
                                                    high: 128}
          products.Dy_oxide.price_usd_per_kg.Dy: {dist: lognormal, median: 257, sigma: 0.5}
          policy.carbon_price_usd_per_t: {dist: uniform, low: 0, high: 100}
          feedstocks.HDD.cost_usd_per_unit: {dist: resample, values: [0.0, 0.1, 0.3]}
      sensitivity:               # one-at-a-time (tornado): base, then each parameter low/high
        one_at_a_time:
          products.NdPr_oxide.price_usd_per_kg.Nd: [50, 128]

Distributions: ``uniform`` (low, high), ``triangular`` (low, mode, high), ``lognormal``
(median, sigma of the log; optional low/high truncation), ``resample`` (draws with replacement
from a price history: ``values`` inline or ``file`` + ``column`` of a CSV; ``mode: level``
draws the historical levels, ``mode: ratio`` multiplies the base value by a historical
period-to-period ratio). Draws are reproducible: numpy's PCG64 seeded by the set's seed for
Monte Carlo, :class:`scipy.stats.qmc.LatinHypercube` with that seed for LHS; each uniform draw
goes through the distribution's inverse CDF.

Every value is checked against the parameter's allowed range, and every name against the case,
when the scenarios are expanded — before any solve; errors are
:class:`ScenarioError` naming the file, the field and the allowed range.

A set draws at most :data:`SAMPLE_LIMIT` (100,000) scenarios unless its ``sample`` says
``allow_large: true`` or the sweep runs with ``--allow-large-samples``; either way the
scenarios are generated one at a time (:meth:`ScenarioFile.iter_scenarios`) and stored as
they are solved, never held all at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._fields import field_error, mapping, number, only
from ..errors import InputError
from ..optimize.case import Case
from ..optimize.case_paths import CASE_PATHS, find_path
from ..optimize.case_paths import apply_values as apply_case_values
from .params import ParamSpec, ScenarioError, range_text
from .policy import LEVER_BASE, LEVER_PARAMETERS, lever_values, resolve_settings

#: How the sweep engine reaches a scenario's numbers, cheapest first:
#: ``price`` re-prices the objective only; ``arrays`` re-assembles bounds and coefficients from
#: the kept superstructure; ``superstructure`` recomputes the per-pair tables first.
TIERS = ("price", "arrays", "superstructure")


def _err(src: str, fieldname: str, msg: str) -> ScenarioError:
    return field_error(ScenarioError, src, fieldname, msg)  # type: ignore[return-value]


def _number(src: str, fieldname: str, v: Any) -> float:
    return number(ScenarioError, src, fieldname, v)


# --------------------------------------------------------------------------- parameters
#: The case paths a scenario may set (:data:`recyclopt.optimize.case_paths.CASE_PATHS`), as
#: scenario parameters (out-of-range values raise :class:`ScenarioError`).
PARAMETERS: tuple[ParamSpec, ...] = tuple(ParamSpec.of(p) for p in CASE_PATHS)


def find_param(case: Case, path: str, *, src: str = "<scenarios>",
               where: str | None = None) -> ParamSpec:
    """The :class:`ParamSpec` of ``path`` (a lever or a case path), with every name checked
    against ``case`` (:func:`recyclopt.optimize.case_paths.find_path`)."""
    if path in LEVER_PARAMETERS:
        return LEVER_PARAMETERS[path]
    return find_path(case, path, params=PARAMETERS, error=ScenarioError, src=src,
                     where=where, also=LEVER_PARAMETERS)  # type: ignore[return-value]


# --------------------------------------------------------------------------- applying values
def apply_values(case: Case, values: Mapping[str, Any]) -> Case:
    """A copy of ``case`` with the case-path ``values`` set (levers must already be resolved
    into case paths, see :func:`resolve`). The base case is never modified.

    ``*_factor`` parameters multiply the base case's figure; every other value replaces it
    (:func:`recyclopt.optimize.case_paths.apply_values`).
    """
    return apply_case_values(case, values, error=ScenarioError)


def tier_of(case: Case, paths: Iterable[str], *,
            specs: dict[str, ParamSpec] | None = None) -> str:
    """The most expensive tier among the (case) ``paths``; ``price`` for none. ``specs``: a
    memo of :func:`find_param` for ``case`` (see :func:`scenario_case`)."""
    t = 0
    for path in paths:
        tier = "arrays" if path == "policy.recycled_content" else _find(case, path,
                                                                         specs=specs).tier
        t = max(t, TIERS.index(tier))
    return TIERS[t]


def _find(case: Case, path: str, *, src: str = "<scenarios>", where: str | None = None,
          specs: dict[str, ParamSpec] | None = None) -> ParamSpec:
    """:func:`find_param`, memoised in ``specs`` (a dict kept by the caller for one case)."""
    if specs is None:
        return find_param(case, path, src=src, where=where)
    spec = specs.get(path)
    if spec is None:
        spec = specs[path] = find_param(case, path, src=src, where=where)
    return spec


# --------------------------------------------------------------------------- distributions
@dataclass(frozen=True)
class Distribution:
    """A one-dimensional distribution, sampled through its inverse CDF."""

    kind: str
    params: tuple[tuple[str, Any], ...]

    def p(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def ppf(self, u: np.ndarray, base: float) -> np.ndarray:
        """Values at the probabilities ``u`` (``base`` is the case's value, for ratios)."""
        from scipy import stats

        u = np.clip(np.asarray(u, dtype=float), 1e-12, 1.0 - 1e-12)
        if self.kind == "uniform":
            lo, hi = self.p("low"), self.p("high")
            return lo + u * (hi - lo)
        if self.kind == "triangular":
            lo, mode, hi = self.p("low"), self.p("mode"), self.p("high")
            if hi == lo:
                return np.full_like(u, lo)
            return stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        if self.kind == "lognormal":
            med, sig = self.p("median"), self.p("sigma")
            lo, hi = self.p("low"), self.p("high")
            if lo is not None or hi is not None:  # truncated: map u into the kept band
                a = stats.norm.cdf((math.log(lo / med) / sig) if lo else -np.inf)
                b = stats.norm.cdf((math.log(hi / med) / sig) if hi is not None else np.inf)
                u = a + u * (b - a)
            return med * np.exp(sig * stats.norm.ppf(u))
        if self.kind == "resample":
            hist = np.asarray(self.p("values"), dtype=float)
            if self.p("mode", "level") == "ratio":
                pool = hist[1:] / hist[:-1]
                return base * pool[np.minimum((u * len(pool)).astype(int), len(pool) - 1)]
            return hist[np.minimum((u * len(hist)).astype(int), len(hist) - 1)]
        raise ValueError(self.kind)  # pragma: no cover - validated on parsing

    def support(self, base: float) -> tuple[float, float]:
        """The smallest and largest value the distribution can give."""
        if self.kind in ("uniform", "triangular"):
            return self.p("low"), self.p("high")
        if self.kind == "lognormal":
            lo, hi = self.p("low"), self.p("high")
            return (lo if lo is not None else 0.0), (hi if hi is not None else math.inf)
        hist = np.asarray(self.p("values"), dtype=float)
        if self.p("mode", "level") == "ratio":
            pool = hist[1:] / hist[:-1]
            return base * float(pool.min()), base * float(pool.max())
        return float(hist.min()), float(hist.max())


#: Distribution -> (required keys, optional keys), besides ``dist``.
DIST_KEYS = {"uniform": ({"low", "high"}, set()),
              "triangular": ({"low", "mode", "high"}, set()),
              "lognormal": ({"median", "sigma"}, {"low", "high"}),
              "resample": (set(), {"values", "file", "column", "mode"})}


def parse_distribution(src: str, where: str, d: Any, base_dir: Path | None) -> Distribution:
    """Validate a distribution spec (see the module docstring)."""
    if not isinstance(d, Mapping):
        raise _err(src, where, "expected a mapping with 'dist' and its parameters, e.g. "
                   "{dist: uniform, low: 1, high: 2}")
    kind = d.get("dist")
    if kind not in DIST_KEYS:
        raise _err(src, f"{where}.dist", f"{kind!r}; allowed: {sorted(DIST_KEYS)}")
    need, opt = DIST_KEYS[kind]
    extra = sorted(set(d) - need - opt - {"dist"})
    if extra:
        from ..io.input_errors import suggest

        raise _err(src, f"{where}.{extra[0]}", f"unknown field for a {kind} distribution; "
                   f"allowed: {', '.join(sorted(need | opt))}{suggest(extra[0], need | opt)}")
    for k in sorted(need):
        if k not in d:
            raise _err(src, f"{where}.{k}", f"missing (a {kind} distribution needs "
                       f"{sorted(need)})")
    params: dict[str, Any] = {}
    if kind == "resample":
        params.update(_history(src, where, d, base_dir))
    else:
        for k in sorted(need | opt):
            if k in d and d[k] is not None:
                params[k] = _number(src, f"{where}.{k}", d[k])
    if kind in ("uniform", "triangular") and params["low"] > params["high"]:
        raise _err(src, where, f"low {params['low']:g} > high {params['high']:g}; a "
                   f"{kind} distribution needs low <= high")
    if kind == "triangular" and not params["low"] <= params["mode"] <= params["high"]:
        raise _err(src, f"{where}.mode", f"{params['mode']:g} is outside [low, high] = "
                   f"[{params['low']:g}, {params['high']:g}]")
    if kind == "lognormal":
        if params["median"] <= 0:
            raise _err(src, f"{where}.median", f"{params['median']:g}; allowed range (0, inf]")
        if params["sigma"] < 0:
            raise _err(src, f"{where}.sigma", f"{params['sigma']:g}; allowed range [0, inf]")
        lo, hi = params.get("low"), params.get("high")
        if lo is not None and lo < 0:
            raise _err(src, f"{where}.low", f"{lo:g}; allowed range [0, inf]")
        if lo is not None and hi is not None and lo >= hi:
            raise _err(src, where, f"low {lo:g} >= high {hi:g}")
        if params["sigma"] == 0 and (lo is not None or hi is not None):
            raise _err(src, f"{where}.sigma", "a truncated lognormal needs sigma > 0")
    return Distribution(kind, tuple(sorted(params.items())))


def _history(src: str, where: str, d: Mapping[str, Any], base_dir: Path | None
             ) -> dict[str, Any]:
    mode = str(d.get("mode", "level"))
    if mode not in ("level", "ratio"):
        raise _err(src, f"{where}.mode", f"{mode!r}; allowed: ['level', 'ratio']")
    if ("values" in d) == ("file" in d):
        raise _err(src, where, "a resample distribution needs either 'values' (a list) or "
                   "'file' and 'column' (a CSV price history)")
    if "values" in d:
        vals = d["values"]
        if not isinstance(vals, list):
            raise _err(src, f"{where}.values", "expected a list of numbers")
        hist = [_number(src, f"{where}.values[{i}]", v) for i, v in enumerate(vals)]
        hwhere = f"{where}.values"
    else:
        import pandas as pd

        f = Path(str(d["file"]))
        if not f.is_absolute() and base_dir is not None:
            f = base_dir / f
        if not f.is_file():
            raise _err(src, f"{where}.file", f"{str(f)!r} does not exist")
        col = d.get("column")
        try:
            df = pd.read_csv(f, encoding="utf-8")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            why = ("is not UTF-8 text" if isinstance(exc, UnicodeDecodeError)
                   else "is not a readable CSV table")
            raise _err(src, f"{where}.file", f"price history {str(f)!r} {why}; give a CSV "
                       "file with a header row and one price per line in 'column'") from None
        if col not in df.columns:
            raise _err(src, f"{where}.column", f"{col!r} is not a column of {f.name}; "
                       f"columns: {list(df.columns)}")
        hist = [_number(src, f"{where}.file[{f.name}:{col}][{i}]", v)
                for i, v in enumerate(df[col].dropna())]
        hwhere = f"{where}.file"
    if len(hist) < (2 if mode == "ratio" else 1):
        raise _err(src, hwhere, f"a price history needs at least {2 if mode == 'ratio' else 1} "
                   "values")
    if mode == "ratio" and min(hist) <= 0:
        raise _err(src, hwhere, "ratio resampling needs positive prices (allowed range "
                   "(0, inf])")
    return {"values": tuple(hist), "mode": mode}


# --------------------------------------------------------------------------- scenario sets
@dataclass(frozen=True)
class Scenario:
    """One scenario: its id (``set/name``), the set it belongs to, its position in the sweep,
    its values (case paths and lever paths) and its probability within its set."""

    id: str
    set: str
    index: int
    values: dict[str, float]
    probability: float = 1.0

    def key(self) -> str:
        """A stable fingerprint of the scenario's content."""
        return json.dumps([self.id, sorted(self.values.items())], sort_keys=True)


@dataclass
class ScenarioSet:
    """A named set: explicit scenarios, a sample of distributions, or one-at-a-time ranges."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    scenarios: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    method: str | None = None  # lhs | monte_carlo
    n: int = 0
    seed: int = 0
    parameters: dict[str, Distribution] = field(default_factory=dict)
    one_at_a_time: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class ScenarioFile:
    """A validated scenario file (see the module docstring)."""

    sets: dict[str, ScenarioSet]
    levers: dict[str, Any] = field(default_factory=dict)
    case: str | None = None
    seed: int = 0
    source: str = "<scenarios>"

    def expand(self, case: Case, sets: Iterable[str] | None = None) -> list[Scenario]:
        """Every scenario of the chosen ``sets`` (all by default), validated against ``case``
        (:meth:`iter_scenarios`, as a list).

        Raises
        ------
        ScenarioError
            For an unknown set, parameter or name, or a value outside its allowed range.
        """
        return list(self.iter_scenarios(case, sets))

    def iter_scenarios(self, case: Case, sets: Iterable[str] | None = None
                       ) -> Iterator[Scenario]:
        """The scenarios of :meth:`expand`, one at a time: a sampled set is held as its
        n x parameters draws, not as n scenarios, so a large sample streams.

        Raises
        ------
        ScenarioError
            As :meth:`expand`, when the offending scenario is reached.
        """
        names = list(self.sets) if sets is None else list(sets)
        for s in names:
            if s not in self.sets:
                raise _err(self.source, "sets", f"no set {s!r}; sets: {sorted(self.sets)}")
        settings = resolve_settings(case, self.levers, src=self.source)
        specs: dict[str, ParamSpec] = {}
        index = 0
        for s in names:
            st = self.sets[s]
            width = max(5, len(str(st.n - 1)))
            named = [f"{s}/{nm}" for nm, _ in st.scenarios]
            drawn = [i for i in named if st.parameters and i[len(s) + 1:].isdigit()
                     and len(i) - len(s) - 1 == width and int(i[len(s) + 1:]) < st.n]
            named += ([f"{s}/base"] + [f"{s}/{p}@{t}" for p in st.one_at_a_time
                                        for t in ("low", "high")] if st.one_at_a_time else [])
            dup = sorted({i for i in named if named.count(i) > 1}) + drawn
            if dup:  # the draws' ids (set/00042) are unique among themselves
                raise _err(self.source, "sets", f"duplicate scenario ids {dup[:5]}")
            for sc in iter_set(st, case, self.source):
                # every lever and case value resolves (names, ranges)
                resolve(case, sc.values, settings, src=self.source, where=f"sets.{sc.set}",
                        specs=specs)
                yield dataclasses.replace(sc, index=index)
                index += 1

    def count(self, sets: Iterable[str] | None = None) -> int:
        """Number of scenarios of the chosen ``sets`` (without generating them)."""
        names = list(self.sets) if sets is None else list(sets)
        return sum(set_size(self.sets[s]) for s in names if s in self.sets)

    def fingerprint(self) -> str:
        return hashlib.sha256(repr((sorted(self.sets), self.levers, self.seed,
                                    [dataclasses.asdict(s) for s in self.sets.values()])
                                   ).encode()).hexdigest()[:16]


def _check_values(case: Case, values: Mapping[str, Any], src: str, where: str,
                  specs: dict[str, ParamSpec] | None = None) -> dict[str, float]:
    out = {}
    for path, v in values.items():
        spec = _find(case, str(path), src=src, where=f"{where}.{path}", specs=specs)
        out[str(path)] = spec.check(src, f"{where}.{path}", v)
    return out


def _base_value(case: Case, path: str) -> float:
    """The case's current value of a case path (factors: 1)."""
    if path in LEVER_BASE:
        return LEVER_BASE[path]
    if path.endswith("_factor"):
        return 1.0
    p = path.split(".")
    head = p[0]
    if head == "products":
        prod = case.products[p[1]]
        return prod.price_usd_per_kg[p[3]] if p[2] == "price_usd_per_kg" else (
            prod.max_kg_per_yr if prod.max_kg_per_yr is not None else math.nan)
    if head == "feedstocks":
        return next(f for f in case.feedstocks if f.name == p[1]).cost_usd_per_unit
    if head == "options":
        v = getattr(case.option(p[1]), p[2])
        return math.nan if v is None else float(v)
    if head == "prices":
        if p[1] == "reagents_usd_per_kg":
            return case.reagent_prices[p[2]]
        if p[1] == "byproducts_usd_per_kg":
            return case.byproduct_prices[p[2]]
        return float(getattr(case, p[1]))
    if head == "labour":
        return case.labour_usd_per_hour
    if head == "costing":
        return float(getattr(case.costing, p[1]))
    pol = case.policy
    if p[1] in ("price_floor_usd_per_kg", "credit_usd_per_kg", "min_recovered_kg_per_yr"):
        return getattr(pol, p[1]).get(p[2], 0.0)
    if p[1] == "recycled_content":
        return float(pol.recycled_content[p[2]]) if pol.recycled_content else math.nan
    v = getattr(pol, p[1])
    return math.nan if v is None else float(v)


def set_size(s: ScenarioSet) -> int:
    """Number of scenarios of set ``s``."""
    n = len(s.scenarios) + (s.n if s.parameters else 0)
    return n + (1 + 2 * len(s.one_at_a_time) if s.one_at_a_time else 0)


def expand_set(s: ScenarioSet, case: Case, src: str) -> list[Scenario]:
    """The scenarios of set ``s``, their values checked against ``case``."""
    return list(iter_set(s, case, src))


def iter_set(s: ScenarioSet, case: Case, src: str) -> Iterator[Scenario]:
    """The scenarios of set ``s`` one at a time, their values checked against ``case``."""
    where = f"sets.{s.name}"
    common = _check_values(case, s.overrides, src, f"{where}.overrides")
    small: list[Scenario] = []  # explicit and one-at-a-time scenarios (few)
    for name, vals in s.scenarios:
        v = dict(common)
        v.update(_check_values(case, vals, src, f"{where}.scenarios.{name}.overrides"))
        small.append(Scenario(f"{s.name}/{name}", s.name, 0, v))
    if s.one_at_a_time:
        small.append(Scenario(f"{s.name}/base", s.name, 0, dict(common)))
        for p, (lo, hi) in s.one_at_a_time.items():
            spec = find_param(case, p, src=src, where=f"{where}.one_at_a_time.{p}")
            for tag, x in (("low", lo), ("high", hi)):
                v = dict(common)
                v[p] = spec.check(src, f"{where}.one_at_a_time.{p}", x)
                small.append(Scenario(f"{s.name}/{p}@{tag}", s.name, 0, v))
    if not s.parameters:
        yield from (dataclasses.replace(sc, probability=1.0 / len(small)) for sc in small)
        return
    yield from small[:len(s.scenarios)]
    yield from _draws(s, case, src, common)
    yield from small[len(s.scenarios):]


def _draws(s: ScenarioSet, case: Case, src: str, common: dict[str, float]
           ) -> Iterator[Scenario]:
    """The sampled scenarios of ``s``: its whole support checked first, then one scenario
    per row of the n x parameters draws."""
    where = f"sets.{s.name}"
    paths = list(s.parameters)
    specs = {p: find_param(case, p, src=src, where=f"{where}.parameters.{p}") for p in paths}
    for p in paths:  # the whole support must be allowed, not just the draws
        base = _base_value(case, p)
        lo, hi = s.parameters[p].support(base)
        for x in (lo, hi):
            if math.isfinite(x):
                specs[p].check(src, f"{where}.parameters.{p}", x)
        spec = specs[p]
        if not math.isfinite(hi) and spec.hi is not None:
            raise _err(src, f"{where}.parameters.{p}", f"an unbounded distribution "
                       f"cannot sample {p}, whose allowed range is "
                       f"{range_text(spec.lo, spec.hi, spec.lo_open)}: truncate it with "
                       "'high'")
    u = _uniforms(s.method or "monte_carlo", s.n, len(paths), s.seed)
    cols = {p: s.parameters[p].ppf(u[:, j], _base_value(case, p))
            for j, p in enumerate(paths)}
    del u
    width = max(5, len(str(s.n - 1)))
    for i in range(s.n):
        v = dict(common)
        for p in paths:
            v[p] = specs[p].check(src, f"{where}.parameters.{p}", float(cols[p][i]))
        yield Scenario(f"{s.name}/{i:0{width}d}", s.name, 0, v, 1.0 / s.n)


def _uniforms(method: str, n: int, d: int, seed: int) -> np.ndarray:
    """n x d probabilities: Latin hypercube (scipy.stats.qmc) or plain Monte Carlo."""
    if d == 0:
        return np.zeros((n, 0))
    rng = np.random.default_rng(seed)
    if method == "lhs":
        from scipy.stats import qmc

        try:
            lhs = qmc.LatinHypercube(d=d, rng=rng)
        except TypeError:  # scipy < 1.15 names it seed
            lhs = qmc.LatinHypercube(d=d, seed=rng)
        return lhs.random(n)
    return rng.random((n, d))


def resolve(case: Case, values: Mapping[str, float], settings: Any = None, *,
            src: str = "<scenarios>", where: str = "values",
            specs: dict[str, ParamSpec] | None = None) -> dict[str, float]:
    """Turn a scenario's values (case paths and lever paths) into case paths only.

    Explicit case values come first; the levers then act on the result (an export-control
    price multiplier multiplies the scenario's price, not the base case's). ``specs``: a
    memo of :func:`find_param` for ``case`` (see :func:`scenario_case`).
    """
    if settings is None:
        settings = resolve_settings(case, {}, src=src)
    plain = {p: v for p, v in values.items() if p not in LEVER_PARAMETERS}
    levers = {p: v for p, v in values.items() if p in LEVER_PARAMETERS}
    out = _check_values(case, plain, src, where, specs)
    for p, v in levers.items():
        LEVER_PARAMETERS[p].check(src, f"{where}.{p}", v)
    if levers:
        def current(path: str) -> float:
            return out[path] if path in out else _base_value(case, path)

        for p, v in lever_values(case, levers, settings, current, src=src).items():
            if isinstance(v, Mapping):
                out[p] = v  # type: ignore[assignment]
            else:
                out[p] = _find(case, p, src=src, where=f"{where}.{p}", specs=specs).check(
                    src, f"{where}.{p} (from the levers)", v)
    return out


# --------------------------------------------------------------------------- parsing
#: Keys of the file, of a set, of an explicit scenario and of a set's ``sample`` (the parser
#: below and the JSON Schema of :mod:`recyclopt.scenarios.schema` both read them).
FILE_FIELDS = {"case": "case name or file the sweep runs on (the CLI's CASE argument wins)",
               "seed": "default seed of the sampled sets",
               "levers": "policy lever settings (recyclopt.scenarios.policy)",
               "sets": "named scenario sets",
               "description": "free text"}
SET_FIELDS = {"overrides": "values common to every scenario of the set (dotted case paths)",
              "scenarios": "explicit scenarios: a list of {name, overrides}",
              "sample": "sampling of 'parameters': {method: lhs | monte_carlo, n, seed}",
              "parameters": "dotted case path -> distribution",
              "one_at_a_time": "dotted case path -> [low, high] (tornado)",
              "description": "free text"}
SCENARIO_FIELDS = {"name": "scenario name (unique in its set)",
                   "overrides": "dotted case path -> value",
                   "description": "free text"}
SAMPLE_FIELDS = {"method": "lhs (Latin hypercube, default) or monte_carlo",
                 "n": "number of scenarios to draw",
                 "seed": "seed of this set (default: the file's seed)",
                 "allow_large": "true to draw more than the sample limit (100,000)"}
SAMPLE_METHODS = ("lhs", "monte_carlo")
#: Most draws of one set without ``allow_large: true`` (or ``--allow-large-samples``). Measured
#: on the bundled case: a stored result row is ~600 bytes, a price-only scenario solves in
#: ~3 ms and one that changes the model's structure in up to ~0.2 s (two MILPs of ~0.1 s), so
#: 100,000 draws are ~60 MB of results and up to ~6 h of solving; more is rarely meant (a typo
#: adding zeros). Above it, scenarios still stream (:meth:`ScenarioFile.iter_scenarios`).
SAMPLE_LIMIT = 100_000
#: Most draws of one set at all: the Latin hypercube is held as n x parameters floats.
MAX_SAMPLES = 10_000_000


def _int(src: str, where: str, v: Any, lo: int, hi: int | None = None) -> int:
    x = _number(src, where, v)
    if x != int(x) or x < lo or (hi is not None and x > hi):
        raise _err(src, where, f"{v!r}; allowed: an integer in [{lo}, "
                   f"{'inf' if hi is None else hi}]")
    return int(x)


def _mapping(src: str, where: str, v: Any) -> Mapping[str, Any]:
    return mapping(ScenarioError, src, where, v)


def _only(src: str, where: str, d: Mapping[str, Any], allowed: set[str]) -> None:
    only(ScenarioError, src, where, d, allowed)


def scenarios_from_dict(d: Mapping[str, Any], *, source: str = "<scenarios>",
                        base_dir: Path | None = None,
                        allow_large: bool = False) -> ScenarioFile:
    """Validate a scenario definition (see the module docstring) into a :class:`ScenarioFile`.

    Names and ranges that need the case are checked by :meth:`ScenarioFile.expand`.
    ``allow_large``: a set may draw more than :data:`SAMPLE_LIMIT` scenarios (the CLI's
    ``--allow-large-samples``; a set's ``sample: {allow_large: true}`` does the same).
    """
    src = source
    if not isinstance(d, Mapping):
        raise ScenarioError("a scenario file must hold a mapping", source=src)
    _only(src, "", d, set(FILE_FIELDS))
    seed = _int(src, "seed", d.get("seed", 0), 0)
    sets_d = _mapping(src, "sets", d.get("sets"))
    if not sets_d:
        raise _err(src, "sets", "at least one named scenario set is required")
    sets: dict[str, ScenarioSet] = {}
    for name, sd in sets_d.items():
        name = str(name)
        if "/" in name or not name:
            raise _err(src, f"sets.{name}", "a set name must be non-empty and without '/'")
        where = f"sets.{name}"
        sd = _mapping(src, where, sd)
        _only(src, where, sd, set(SET_FIELDS))
        s = ScenarioSet(name, overrides=dict(_mapping(src, f"{where}.overrides",
                                                      sd.get("overrides"))))
        _explicit_scenarios(src, where, sd, s)
        if sd.get("parameters") is not None or sd.get("sample") is not None:
            _sampled_set(src, where, sd, s, seed, base_dir, allow_large)
        _one_at_a_time(src, where, sd, s)
        if not (s.scenarios or s.parameters or s.one_at_a_time):
            s.scenarios.append(("base", {}))
        sets[name] = s
    levers = dict(_mapping(src, "levers", d.get("levers")))
    case = d.get("case")
    return ScenarioFile(sets, levers, str(case) if case is not None else None, seed, src)


def _explicit_scenarios(src: str, where: str, sd: Mapping[str, Any], s: ScenarioSet) -> None:
    """A set's named ``scenarios: [{name, overrides}]`` into ``s.scenarios``."""
    sl = sd.get("scenarios")
    if sl is not None:
        if not isinstance(sl, list):
            raise _err(src, f"{where}.scenarios", "expected a list of {name, overrides}")
        seen = set()
        for k, sc in enumerate(sl):
            sc = _mapping(src, f"{where}.scenarios[{k}]", sc)
            _only(src, f"{where}.scenarios[{k}]", sc, set(SCENARIO_FIELDS))
            nm = str(sc.get("name", f"s{k}"))
            if nm in seen or "/" in nm:
                raise _err(src, f"{where}.scenarios[{k}].name", f"{nm!r} is repeated or "
                           "contains '/'")
            seen.add(nm)
            s.scenarios.append((nm, dict(_mapping(src, f"{where}.scenarios.{nm}."
                                                  "overrides", sc.get("overrides")))))


def _sampled_set(src: str, where: str, sd: Mapping[str, Any], s: ScenarioSet, seed: int,
                 base_dir: Path | None, allow_large: bool) -> None:
    """A set's ``sample`` (method, n within :data:`SAMPLE_LIMIT` unless allowed, seed) and its
    ``parameters`` with their distributions, into ``s``."""
    smp = _mapping(src, f"{where}.sample", sd.get("sample"))
    _only(src, f"{where}.sample", smp, set(SAMPLE_FIELDS))
    method = str(smp.get("method", "lhs"))
    if method not in SAMPLE_METHODS:
        raise _err(src, f"{where}.sample.method", f"{method!r}; allowed: "
                   f"{list(SAMPLE_METHODS)}")
    s.method = method
    if "n" not in smp:
        raise _err(src, f"{where}.sample.n", "missing (number of scenarios to draw)")
    s.n = _int(src, f"{where}.sample.n", smp["n"], 1, MAX_SAMPLES)
    large = smp.get("allow_large", False)
    if not isinstance(large, bool):
        raise _err(src, f"{where}.sample.allow_large", f"{large!r}; allowed: true, "
                   "false")
    if s.n > SAMPLE_LIMIT and not (large or allow_large):
        raise _err(src, f"{where}.sample.n", f"{s.n} draws is above the limit of "
                   f"{SAMPLE_LIMIT:,} (~{s.n * 600 / 1e6:.0f} MB of results and up to "
                   f"~{s.n * 0.2 / 3600:.0f} h of solving); pass --allow-large-samples "
                   "or add 'allow_large: true' to the sample if you mean it")
    s.seed = _int(src, f"{where}.sample.seed", smp.get("seed", seed), 0)
    pars = _mapping(src, f"{where}.parameters", sd.get("parameters"))
    if not pars:
        raise _err(src, f"{where}.parameters", "a sampled set needs at least one "
                   "parameter with a distribution")
    for p, dist in pars.items():
        s.parameters[str(p)] = parse_distribution(src, f"{where}.parameters.{p}",
                                                  dist, base_dir)


def _one_at_a_time(src: str, where: str, sd: Mapping[str, Any], s: ScenarioSet) -> None:
    """A set's ``one_at_a_time: {path: [low, high]}`` into ``s.one_at_a_time``."""
    oat = _mapping(src, f"{where}.one_at_a_time", sd.get("one_at_a_time"))
    for p, rng in oat.items():
        w = f"{where}.one_at_a_time.{p}"
        if isinstance(rng, Mapping):
            rng = [rng.get("low"), rng.get("high")]
        if not isinstance(rng, list | tuple) or len(rng) != 2:
            raise _err(src, w, "expected [low, high]")
        lo, hi = _number(src, f"{w}[0]", rng[0]), _number(src, f"{w}[1]", rng[1])
        if lo > hi:
            raise _err(src, w, f"low {lo:g} > high {hi:g}")
        s.one_at_a_time[str(p)] = (lo, hi)


def load_scenarios(path: str | Path, *, allow_large: bool = False) -> ScenarioFile:
    """Load and validate a scenario file (YAML or JSON); a bundled name such as
    ``taiwan_scenarios`` loads from ``recyclopt/cases``. ``allow_large``: see
    :func:`scenarios_from_dict`."""
    from importlib import resources

    from ..io.yaml_input import load_yaml

    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml", ".json") or p.exists():
        if not p.is_file():
            raise ScenarioError(f"scenario file {str(p)!r} does not exist")
        from ..io import read_input_text

        try:
            text, src, base_dir = read_input_text(p, "scenario file"), str(p), p.parent
        except InputError as exc:
            raise ScenarioError(str(exc)) from None
    else:
        f = resources.files("recyclopt.cases").joinpath(f"{path}.yaml")
        if not f.is_file():
            raise ScenarioError(f"unknown scenario file {str(path)!r} (give a .yaml path)")
        text, src, base_dir = f.read_text(encoding="utf-8"), f"{path}.yaml", None
    doc = load_yaml(text, src, ScenarioError)
    try:
        return scenarios_from_dict(doc.data, source=src, base_dir=base_dir,
                                   allow_large=allow_large)
    except ScenarioError as exc:
        raise with_line(exc, doc.data, doc.lines) from None


def with_line(exc: ScenarioError, data: Any, lines: Mapping[Any, int]) -> ScenarioError:
    """``exc`` with the line of its field (``file:line: field: ...``) when it has one."""
    from ..io.input_errors import Where

    if not exc.field or exc.line or not exc.source:
        return exc
    where = Where(exc.source, ScenarioError, data, lines)
    line = where.line(where.path_of(exc.field))
    if line is None:
        return exc
    msg = str(exc)[len(f"{exc.source}: "):]
    return ScenarioError(msg, source=exc.source, field=exc.field, line=line)


def scenario_case(case: Case, scenario: Scenario | Mapping[str, float], settings: Any = None,
                  *, specs: dict[str, ParamSpec] | None = None
                  ) -> tuple[Case, str, dict[str, float]]:
    """The case of one scenario: ``(case, tier, resolved case-path values)``.

    ``specs``: a dict the caller keeps for ``case`` (and does not share with another case),
    in which the parameter lookups (:func:`find_param`, whose name checks depend only on the
    path and the case) are memoised; a sweep resolves the same paths for every scenario.
    Values are range-checked every time.
    """
    values = scenario.values if isinstance(scenario, Scenario) else scenario
    resolved = resolve(case, values, settings, specs=specs)
    return apply_values(case, resolved), tier_of(case, resolved, specs=specs), resolved

