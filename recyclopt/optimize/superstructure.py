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
from .case import Case, CaseError, Option
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
    popt, fk, pk = _compatible_pairs(case, paths)
    sums = _accumulate(case, els, co, popt, fk, pk)
    rec_cols, rec_vals = _recovered_columns(case, els, co, paths, popt, fk, pk, sums.cum)
    revenue = pair_revenue(np.column_stack(rec_vals) if rec_vals else np.zeros((len(fk), 0)),
                           [(form, e) for _, _, form, e in rec_cols], case)
    var_cost, co2 = _priced_utilities(case, sums)
    feeds = case.feedstocks
    K, S = len(fk), len(case.stages)
    pairs = pd.DataFrame({
        "feedstock": np.array([f.name for f in feeds], dtype=object)[fk],
        "path": np.array(["/".join(p) for p in paths], dtype=object)[pk],
        "path_index": pk,
        "revenue_usd_per_unit": revenue, "var_cost_usd_per_unit": var_cost,
        "kwh_per_unit": sums.kwh, "heat_kwh_per_unit": sums.heat, "co2_kg_per_unit": co2,
        "byproduct_revenue_usd_per_unit": sums.byp,
    }, index=pd.RangeIndex(K, name="pair"))
    names = np.array([o.name for o in case.options], dtype=object)
    load = pd.DataFrame({"pair": np.repeat(np.arange(K), S), "option": names[popt[pk].reshape(-1)],
                         "basis_per_unit": sums.load_amt.reshape(-1)})
    recovered = _recovered_frame(rec_cols, rec_vals, K)
    return Superstructure(case, paths, pairs, load, recovered, coef)


def _compatible_pairs(case: Case, paths: list[tuple[str, ...]]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The option index of each path's stages (P x S), and the feedstock and path of each
    compatible pair, feedstock-major (the pairs' numbering)."""
    o_idx = {o.name: i for i, o in enumerate(case.options)}
    P, S = len(paths), len(case.stages)
    popt = np.array([[o_idx[n] for n in p] for p in paths], dtype=np.int64).reshape(P, S)
    pair_ok = _compat_matrix(case)[popt].all(axis=1).T  # F x P
    fk, pk = np.nonzero(pair_ok)
    if not len(fk):
        raise CaseError("no feedstock is compatible with any complete path (check 'requires', "
                        "'excludes' and tags)", source=case.source, field="options")
    return popt, fk, pk


@dataclass
class _PairSums:
    """Per-pair figures summed along each path (per unit of feedstock)."""

    cum: np.ndarray  # K x E element kg per unit leaving the last option
    var_cost: np.ndarray  # feed cost + opex + reagents - by-product credits, USD
    byp: np.ndarray  # by-products booked as revenue, USD
    kwh: np.ndarray
    heat: np.ndarray  # kWh of heat
    co2: np.ndarray  # direct kg CO2
    load_amt: np.ndarray  # K x S basis amount entering each stage's option


def _accumulate(case: Case, els: list[str], co: _Coef, popt: np.ndarray, fk: np.ndarray,
                pk: np.ndarray) -> _PairSums:
    """Walk all pairs' paths stage by stage at once: the basis amount entering each option
    (1 per unit, or the magnet kg left), the costs and utilities it incurs, and the element
    kg that survive its yields."""
    feeds = case.feedstocks
    K, S = len(fk), len(case.stages)
    content = np.array([[f.content_kg_per_unit.get(e, 0.0) for e in els] for f in feeds])
    cum = content[fk].copy()  # element kg per unit entering the current option
    mass = np.array([f.magnet_kg_per_unit for f in feeds])[fk]
    var_cost = np.array([f.cost_usd_per_unit for f in feeds], dtype=float)[fk]
    kwh, heat, co2, byp = np.zeros(K), np.zeros(K), np.zeros(K), np.zeros(K)
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
    return _PairSums(cum, var_cost, byp, kwh, heat, co2, load_amt)


def _recovered_columns(case: Case, els: list[str], co: _Coef, paths: list[tuple[str, ...]],
                       popt: np.ndarray, fk: np.ndarray, pk: np.ndarray, cum: np.ndarray
                       ) -> tuple[list[tuple[int, int, str, str]], list[np.ndarray]]:
    """The sold (product form, element) columns in element order: ``(first pair, element
    index, form, element)`` of each and its kg per unit of every pair (0 where another form
    or nothing is sold). Raises when a path sends an element to a form without a price."""
    fcode = co.form[popt[pk, len(case.stages) - 1], fk]  # K x E
    prices = {(p.name, e) for p in case.products.values() for e in p.price_usd_per_kg}
    paid = (fcode > 0) & (cum != 0.0)
    rec_cols: list[tuple[int, int, str, str]] = []
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
    return rec_cols, rec_vals


def _recovered_frame(rec_cols: list[tuple[int, int, str, str]], rec_vals: list[np.ndarray],
                     K: int) -> pd.DataFrame:
    """Pair x (product, element) kg per unit, columns ordered by first pair then element."""
    order = sorted(range(len(rec_cols)), key=lambda i: rec_cols[i][:2])
    if not order:
        return pd.DataFrame(index=pd.RangeIndex(K, name="pair"))
    return pd.DataFrame(np.column_stack([rec_vals[i] for i in order]),
                        index=pd.RangeIndex(K, name="pair"),
                        columns=pd.MultiIndex.from_tuples([rec_cols[i][2:] for i in order],
                                                          names=["product", "element"]))


def _priced_utilities(case: Case, sums: _PairSums) -> tuple[np.ndarray, np.ndarray]:
    """Variable cost with electricity, heat and carbon priced in, and total kg CO2 per unit
    (direct + grid + heat)."""
    var_cost = sums.var_cost + (sums.kwh * case.electricity_usd_per_kwh
                                + sums.heat * case.heat_usd_per_kwh)
    co2 = sums.co2 + (sums.kwh * case.grid_co2_kg_per_kwh + sums.heat * case.heat_co2_kg_per_kwh)
    var_cost = var_cost + co2 / KG_PER_T * case.policy.carbon_price_usd_per_t
    return var_cost, co2


def pair_revenue(recovered: np.ndarray, columns: list[tuple[str, str]], case: Case
                 ) -> np.ndarray:
    """Revenue per unit of feedstock of each (feedstock, path) pair.

    ``revenue[k] = sum_c R[k, c] * (max(p_c, floor_f(c)) + credit_f(c))`` over the sold
    columns ``c = (form f, element e)`` taken in element order (the order a path's elements
    are summed in), skipping zero kg, with ``R`` the recovered kg per unit (``recovered``,
    K x C), ``p_c`` the case's price of element e in form f, and the policy's price floor and
    credit per kg of form f. The one revenue evaluation: the superstructure and the sweep
    engine's re-pricing both call it, so their sums are identical.
    """
    pol = case.policy
    floor, credit = pol.price_floor_usd_per_kg, pol.credit_usd_per_kg
    prices = {(p.name, e): v for p in case.products.values()
              for e, v in p.price_usd_per_kg.items()}
    revenue = np.zeros(len(recovered))
    for c, (form, e) in enumerate(columns):
        unit_price = max(prices[(form, e)], floor.get(form, 0.0)) + credit.get(form, 0.0)
        kg = recovered[:, c]
        revenue = np.where(kg != 0.0, revenue + kg * unit_price, revenue)
    return revenue


def path_options(path: str) -> list[str]:
    return path.split("/")


def all_products(sup: Superstructure) -> list[str]:
    return sorted({f for f, _ in sup.recovered.columns}) if sup.recovered.columns.size else []

