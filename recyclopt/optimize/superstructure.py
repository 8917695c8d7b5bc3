"""From a case to the superstructure's coefficient tables.

Paths (one option per stage, following the ``next`` links) are enumerated once. Flows are
tracked per (feedstock, path), so element yields multiply exactly along the path and the model
needs no bilinear mixing terms. Everything here is pandas/numpy over those pairs:

* ``pairs``: the compatible (feedstock, path) pairs with, per end-of-life unit processed,
  revenue, variable cost, CO2 and recovered kg of each element and product form;
* ``load``: for every pair and option on its path, the option's throughput (basis units) per
  end-of-life unit, used for capacity, equipment and utility terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..constants import KG_PER_T
from .case import Case, CaseError, Option, Policy
from .coefficients import all_elements, byproduct_column, flowsheet_coefficients


@dataclass
class Superstructure:
    case: Case
    paths: list[tuple[str, ...]]
    pairs: pd.DataFrame  # one row per (feedstock, path) pair
    load: pd.DataFrame  # (pair, option) -> basis per unit
    recovered: pd.DataFrame  # pair x (form, element) kg per unit
    coefficients: pd.DataFrame  # (option, feedstock) -> per-basis figures actually used

    def column(self, table: str, name: str) -> np.ndarray:
        """A column of ``pairs`` or ``load`` as a numpy array, converted once per
        superstructure (the model builder reads the same columns on every build; a re-priced
        superstructure is a new object, with its own conversions)."""
        cache = self.__dict__.setdefault("_columns", {})
        key = (table, name)
        if key not in cache:
            col = getattr(self, table)[name]
            cache[key] = col.to_numpy() if col.dtype != object and not isinstance(
                col.dtype, pd.StringDtype) else np.asarray(col.tolist(), dtype=object)
        return cache[key]


def enumerate_paths(case: Case) -> list[tuple[str, ...]]:
    """All sequences of one option per stage that respect the ``next`` links."""
    by_stage = [[o for o in case.options if o.stage == s] for s in case.stages]
    paths: list[tuple[str, ...]] = []

    def extend(prefix: list[Option], k: int) -> None:
        if k == len(by_stage):
            paths.append(tuple(o.name for o in prefix))
            return
        prev = prefix[-1] if prefix else None
        for o in by_stage[k]:
            if prev is not None and prev.next is not None and o.name not in prev.next:
                continue
            extend([*prefix, o], k + 1)

    extend([], 0)
    if not paths:
        raise CaseError("no complete path through the stages: check the options' 'next' lists",
                        source=case.source, field="options")
    return paths


_COEF_COLUMNS = ("mass_yield", "kwh_per_basis", "heat_kwh_per_basis", "reagent_usd_per_basis",
                 "byproduct_usd_per_basis", "byproduct_revenue_usd_per_basis",
                 "co2_direct_kg_per_basis")


@dataclass
class _Coef:
    """Per (option, feedstock) coefficients as arrays: ``num[c]`` is O x F for each column of
    :data:`_COEF_COLUMNS`, ``yld`` O x F x E, ``form`` O x F x E codes into ``forms`` (0 is
    no product), ``refused`` O x F (flowsheet refused the feed)."""

    num: dict[str, np.ndarray]
    yld: np.ndarray
    form: np.ndarray
    forms: list[str]
    refused: np.ndarray


def _coef_arrays(case: Case, els: list[str]) -> _Coef:
    n_opt, F, E = len(case.options), len(case.feedstocks), len(els)
    num = {c: np.zeros((n_opt, F)) for c in _COEF_COLUMNS}
    yld = np.zeros((n_opt, F, E))
    form = np.zeros((n_opt, F, E), dtype=np.int64)
    forms = [""]
    fpos = {"": 0}

    def code(name: str) -> int:
        if name not in fpos:
            fpos[name] = len(forms)
            forms.append(name)
        return fpos[name]

    refused = np.zeros((n_opt, F), dtype=bool)
    for i, o in enumerate(case.options):
        if o.flowsheet:
            for j, f in enumerate(case.feedstocks):
                row = flowsheet_coefficients(case, o, f)
                for c in _COEF_COLUMNS:
                    num[c][i, j] = row[c]
                yld[i, j] = [row[f"yield:{e}"] for e in els]
                form[i, j] = [code(row[f"form:{e}"]) for e in els]
                refused[i, j] = bool(row.get("refused", False))
            continue
        num["mass_yield"][i] = o.mass_yield
        num["kwh_per_basis"][i] = o.kwh_per_basis
        num["heat_kwh_per_basis"][i] = o.heat_kwh_per_basis
        num["reagent_usd_per_basis"][i] = sum(case.reagent_prices[r] * q
                                              for r, q in o.reagents_kg_per_basis.items())
        for b, q in o.byproducts_kg_per_basis.items():
            key = byproduct_column(case, b)
            num[key][i] = num[key][i] + case.byproduct_prices[b] * q
        num["co2_direct_kg_per_basis"][i] = o.co2_kg_per_basis
        yld[i] = [o.yields.get(e, o.default_yield) for e in els]
        form[i] = [code(o.products.get(e, "")) for e in els]
    return _Coef(num, yld, form, forms, refused)


def _coef_frame(case: Case, els: list[str], co: _Coef) -> pd.DataFrame:
    """The (option, feedstock) table of the coefficients actually used."""
    n_opt, F = co.refused.shape
    idx = pd.MultiIndex.from_arrays(
        [np.repeat([o.name for o in case.options], F),
         np.tile([f.name for f in case.feedstocks], n_opt)],
        names=["option", "feedstock"])
    cols: dict[str, np.ndarray] = {c: co.num[c].reshape(-1) for c in _COEF_COLUMNS}
    forms = np.array(co.forms, dtype=object)
    for j, e in enumerate(els):
        cols[f"yield:{e}"] = co.yld[:, :, j].reshape(-1)
        cols[f"form:{e}"] = forms[co.form[:, :, j].reshape(-1)]
    if co.refused.any():
        cols["refused"] = np.where(co.refused.reshape(-1), True, np.nan)
    return pd.DataFrame(cols, index=idx)


def _option_table(case: Case) -> pd.DataFrame:
    """Per (option, feedstock): element yields, mass yield and per-basis costs."""
    els = all_elements(case)
    return _coef_frame(case, els, _coef_arrays(case, els))


def _compatible(case: Case, f_tags: frozenset[str], path: tuple[str, ...]) -> bool:
    for name in path:
        o = case.option(name)
        if o.requires and not o.requires <= f_tags:
            return False
        if o.excludes & f_tags:
            return False
    return True


def _compat_matrix(case: Case) -> np.ndarray:
    """O x F: option o takes feedstock f (its ``requires`` tags present, no ``excludes`` tag)."""
    vocab = sorted({t for f in case.feedstocks for t in f.tags}
                   | {t for o in case.options for t in o.requires | o.excludes})
    tpos = {t: i for i, t in enumerate(vocab)}
    T = len(vocab)
    has = np.zeros((len(case.feedstocks), T), dtype=np.int64)
    for j, f in enumerate(case.feedstocks):
        has[j, [tpos[t] for t in f.tags]] = 1
    req = np.zeros((len(case.options), T), dtype=np.int64)
    exc = np.zeros((len(case.options), T), dtype=np.int64)
    for i, o in enumerate(case.options):
        req[i, [tpos[t] for t in o.requires]] = 1
        exc[i, [tpos[t] for t in o.excludes]] = 1
    return ((req @ (1 - has).T) == 0) & ((exc @ has.T) == 0)


def build(case: Case) -> Superstructure:
    """Enumerate paths and compute the per-pair coefficient tables.

    Vectorised over the (feedstock, path) pairs: option compatibility is a tag-incidence
    product, and the per-pair figures are accumulated stage by stage over all pairs at once
    (the same operations, in the same order, as walking each path).
    """
    paths = enumerate_paths(case)
    els = all_elements(case)
    co = _coef_arrays(case, els)
    coef = _coef_frame(case, els, co)
    o_idx = {o.name: i for i, o in enumerate(case.options)}
    P, S = len(paths), len(case.stages)
    popt = np.array([[o_idx[n] for n in p] for p in paths], dtype=np.int64).reshape(P, S)
    ok_of = _compat_matrix(case)  # O x F
    pair_ok = ok_of[popt].all(axis=1).T  # F x P
    fk, pk = np.nonzero(pair_ok)  # feedstock-major, as the pairs are numbered
    K = len(fk)
    if not K:
        raise CaseError("no feedstock is compatible with any complete path (check 'requires', "
                        "'excludes' and tags)", source=case.source, field="options")
    feeds = case.feedstocks
    content = np.array([[f.content_kg_per_unit.get(e, 0.0) for e in els] for f in feeds])
    cum = content[fk].copy()  # element kg per unit entering the current option
    mass = np.array([f.magnet_kg_per_unit for f in feeds])[fk]
    var_cost = np.array([f.cost_usd_per_unit for f in feeds], dtype=float)[fk]
    kwh = np.zeros(K)
    heat = np.zeros(K)
    co2 = np.zeros(K)
    byp = np.zeros(K)  # by-products booked as revenue, USD per unit
    units_basis = np.array([o.basis == "units" for o in case.options])
    opex = np.array([o.opex_usd_per_basis for o in case.options])
    n = co.num
    load_amt = np.empty((K, S))
    for s in range(S):
        o = popt[pk, s]
        basis_amt = np.where(units_basis[o], 1.0, mass)
        load_amt[:, s] = basis_amt
        var_cost += basis_amt * (opex[o] + n["reagent_usd_per_basis"][o, fk]
                                 - n["byproduct_usd_per_basis"][o, fk])
        byp += basis_amt * n["byproduct_revenue_usd_per_basis"][o, fk]
        kwh += basis_amt * n["kwh_per_basis"][o, fk]
        heat += basis_amt * n["heat_kwh_per_basis"][o, fk]
        co2 += basis_amt * n["co2_direct_kg_per_basis"][o, fk]
        cum = cum * co.yld[o, fk]
        mass = mass * n["mass_yield"][o, fk]
    last = popt[pk, S - 1]
    fcode = co.form[last, fk]  # K x E
    policy = case.policy
    prices = {(p.name, e): v for p in case.products.values()
              for e, v in p.price_usd_per_kg.items()}
    paid = (fcode > 0) & (cum != 0.0)
    rec_cols: list[tuple[int, int, str, str]] = []  # (first pair, element index, form, element)
    rec_vals: list[np.ndarray] = []
    for j, e in enumerate(els):
        for c in np.unique(fcode[paid[:, j], j]):
            form = co.forms[c]
            sel = paid[:, j] & (fcode[:, j] == c)
            first = int(np.flatnonzero(sel)[0])
            if (form, e) not in prices:
                raise CaseError(f"products.{form}.price_usd_per_kg: no price for element "
                                f"{e!r}, which path {'/'.join(paths[pk[first]])} sends to it",
                                source=case.source, field=f"products.{form}")
            rec_cols.append((first, j, form, e))
            rec_vals.append(np.where(sel, cum[:, j], 0.0))
    revenue = _revenue(els, cum, fcode, paid, co.forms, prices, policy)
    var_cost += kwh * case.electricity_usd_per_kwh + heat * case.heat_usd_per_kwh
    co2 += kwh * case.grid_co2_kg_per_kwh + heat * case.heat_co2_kg_per_kwh
    var_cost += co2 / KG_PER_T * policy.carbon_price_usd_per_t
    pairs = pd.DataFrame({
        "feedstock": np.array([f.name for f in feeds], dtype=object)[fk],
        "path": np.array(["/".join(p) for p in paths], dtype=object)[pk],
        "path_index": pk,
        "revenue_usd_per_unit": revenue, "var_cost_usd_per_unit": var_cost,
        "kwh_per_unit": kwh, "heat_kwh_per_unit": heat, "co2_kg_per_unit": co2,
        "byproduct_revenue_usd_per_unit": byp,
    }, index=pd.RangeIndex(K, name="pair"))
    names = np.array([o.name for o in case.options], dtype=object)
    load = pd.DataFrame({"pair": np.repeat(np.arange(K), S), "option": names[popt[pk].reshape(-1)],
                         "basis_per_unit": load_amt.reshape(-1)})
    order = sorted(range(len(rec_cols)), key=lambda i: rec_cols[i][:2])
    if order:
        recovered = pd.DataFrame(np.column_stack([rec_vals[i] for i in order]),
                                 index=pd.RangeIndex(K, name="pair"),
                                 columns=pd.MultiIndex.from_tuples(
                                     [rec_cols[i][2:] for i in order],
                                     names=["product", "element"]))
    else:
        recovered = pd.DataFrame(index=pd.RangeIndex(K, name="pair"))
    return Superstructure(case, paths, pairs, load, recovered, coef)


def _revenue(els: list[str], cum: np.ndarray, fcode: np.ndarray, paid: np.ndarray,
             forms: list[str], prices: dict[tuple[str, str], float], policy: Policy
             ) -> np.ndarray:
    """Revenue per unit of each pair: element by element, in element order (as summed along a
    path), each at its product form's price after floors and credits."""
    revenue = np.zeros(len(cum))
    for j, e in enumerate(els):
        up = np.zeros(len(forms))
        for c, form in enumerate(forms):
            if c == 0 or (form, e) not in prices:
                continue
            up[c] = max(prices[(form, e)], policy.price_floor_usd_per_kg.get(form, 0.0)) \
                + policy.credit_usd_per_kg.get(form, 0.0)
        revenue = np.where(paid[:, j], revenue + cum[:, j] * up[fcode[:, j]], revenue)
    return revenue


def path_options(path: str) -> list[str]:
    return path.split("/")


def all_products(sup: Superstructure) -> list[str]:
    return sorted({f for f, _ in sup.recovered.columns}) if sup.recovered.columns.size else []

