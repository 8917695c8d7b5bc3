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

from .case import Case, CaseError, Option


@dataclass
class Superstructure:
    case: Case
    paths: list[tuple[str, ...]]
    pairs: pd.DataFrame  # one row per (feedstock, path) pair
    load: pd.DataFrame  # (pair, option) -> basis per unit
    recovered: pd.DataFrame  # pair x (form, element) kg per unit
    coefficients: pd.DataFrame  # (option, feedstock) -> per-basis figures actually used


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


def _option_table(case: Case) -> pd.DataFrame:
    """Per (option, feedstock): element yields, mass yield and per-basis costs."""
    from .coefficients import flowsheet_coefficients

    rows = []
    for o in case.options:
        for f in case.feedstocks:
            if o.flowsheet:
                rows.append(flowsheet_coefficients(case, o, f))
                continue
            row = {
                "option": o.name, "feedstock": f.name,
                "mass_yield": o.mass_yield,
                "kwh_per_basis": o.kwh_per_basis,
                "heat_kwh_per_basis": o.heat_kwh_per_basis,
                "reagent_usd_per_basis": sum(case.reagent_prices[r] * q
                                             for r, q in o.reagents_kg_per_basis.items()),
                "byproduct_usd_per_basis": sum(case.byproduct_prices[b] * q
                                               for b, q in o.byproducts_kg_per_basis.items()),
                "co2_direct_kg_per_basis": o.co2_kg_per_basis,
            }
            for e in _all_elements(case):
                row[f"yield:{e}"] = o.yields.get(e, o.default_yield)
                row[f"form:{e}"] = o.products.get(e, "")
            rows.append(row)
    return pd.DataFrame(rows).set_index(["option", "feedstock"])


def _all_elements(case: Case) -> list[str]:
    els = list(case.elements)
    for f in case.feedstocks:
        for e in f.content_kg_per_unit:
            if e not in els:
                els.append(e)
    return els


def _compatible(case: Case, f_tags: frozenset[str], path: tuple[str, ...]) -> bool:
    for name in path:
        o = case.option(name)
        if o.requires and not o.requires <= f_tags:
            return False
        if o.excludes & f_tags:
            return False
    return True


def build(case: Case) -> Superstructure:
    """Enumerate paths and compute the per-pair coefficient tables."""
    paths = enumerate_paths(case)
    coef = _option_table(case)
    els = _all_elements(case)
    pair_rows = []
    load_rows = []
    rec_rows = []
    price = {(p.name, e): v for p in case.products.values() for e, v in p.price_usd_per_kg.items()}
    policy = case.policy
    for f in case.feedstocks:
        content = np.array([f.content_kg_per_unit.get(e, 0.0) for e in els])
        for pi, path in enumerate(paths):
            if not _compatible(case, f.tags, path):
                continue
            pid = len(pair_rows)
            cum = content.copy()  # element kg per unit entering the current option
            mass = f.magnet_kg_per_unit
            var_cost = f.cost_usd_per_unit
            kwh = heat = co2 = 0.0
            for name in path:
                o = case.option(name)
                c = coef.loc[(name, f.name)]
                basis_amt = 1.0 if o.basis == "units" else mass
                load_rows.append((pid, name, basis_amt))
                var_cost += basis_amt * (o.opex_usd_per_basis + c["reagent_usd_per_basis"]
                                         - c["byproduct_usd_per_basis"])
                kwh += basis_amt * c["kwh_per_basis"]
                heat += basis_amt * c["heat_kwh_per_basis"]
                co2 += basis_amt * c["co2_direct_kg_per_basis"]
                y = np.array([c[f"yield:{e}"] for e in els], dtype=float)
                cum = cum * y
                mass = mass * c["mass_yield"]
            last = coef.loc[(path[-1], f.name)]
            revenue = 0.0
            rec = {}
            for j, e in enumerate(els):
                form = last[f"form:{e}"]
                if not form or cum[j] == 0.0:
                    continue
                unit_price = price.get((form, e))
                if unit_price is None:
                    raise CaseError(f"products.{form}.price_usd_per_kg: no price for element "
                                    f"{e!r}, which path {'/'.join(path)} sends to it",
                                    source=case.source, field=f"products.{form}")
                unit_price = max(unit_price, policy.price_floor_usd_per_kg.get(form, 0.0))
                unit_price += policy.credit_usd_per_kg.get(form, 0.0)
                revenue += cum[j] * unit_price
                rec[(form, e)] = cum[j]
            var_cost += kwh * case.electricity_usd_per_kwh + heat * case.heat_usd_per_kwh
            co2 += kwh * case.grid_co2_kg_per_kwh + heat * case.heat_co2_kg_per_kwh
            var_cost += co2 / 1000.0 * policy.carbon_price_usd_per_t
            pair_rows.append({
                "pair": pid, "feedstock": f.name, "path": "/".join(path), "path_index": pi,
                "revenue_usd_per_unit": revenue, "var_cost_usd_per_unit": var_cost,
                "kwh_per_unit": kwh, "heat_kwh_per_unit": heat, "co2_kg_per_unit": co2,
            })
            rec_rows.append(pd.Series(rec, name=pid, dtype=float))
    if not pair_rows:
        raise CaseError("no feedstock is compatible with any complete path (check 'requires', "
                        "'excludes' and tags)", source=case.source, field="options")
    pairs = pd.DataFrame(pair_rows).set_index("pair")
    load = pd.DataFrame(load_rows, columns=["pair", "option", "basis_per_unit"])
    recovered = pd.DataFrame(rec_rows).fillna(0.0)
    recovered.index.name = "pair"
    if recovered.columns.size:
        recovered.columns = pd.MultiIndex.from_tuples(recovered.columns,
                                                      names=["product", "element"])
    recovered = recovered.reindex(pairs.index, fill_value=0.0)
    return Superstructure(case, paths, pairs, load, recovered, coef)


def path_options(path: str) -> list[str]:
    return path.split("/")


def all_products(sup: Superstructure) -> list[str]:
    return sorted({f for f, _ in sup.recovered.columns}) if sup.recovered.columns.size else []

