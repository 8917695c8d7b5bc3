"""The feedstock catalogue: end-of-life products that carry NdFeB magnets.

Data: ``data/feedstocks.csv`` (long format: feedstock, parameter, value, low, high, unit,
source, confidence, notes). Each feedstock has the magnet mass per end-of-life unit, the alloy
composition (element wt%, summing to 100 without coating and oxygen), the coating, the oxygen
pick-up and oxidation state, contaminants, the liberation routes that apply and whether the
liberated magnet can go to hydrogen decrepitation.

:func:`feed_stream` turns a catalogue entry into a species stream of liberated magnet material:

* the boride matrix RE2Fe14B is formed from the boron (RE shared in proportion to the RE
  molar amounts: Nd2Fe14B, Pr2Fe14B, Dy2Fe14B, Tb2Fe14B), limited by RE and Fe if short;
* the remaining RE is the RE-rich grain-boundary metal; remaining Fe is alpha-Fe;
* oxygen oxidises the grain-boundary RE first (to Nd2O3, Pr2O3, Dy2O3, Tb2O3), then the
  matrix (RE2Fe14B -> RE2O3 + Fe + B), then iron (to Fe2O3) - oxidation of a magnet attacks
  the RE-rich phase first;
* Co, Cu, Al stay as metals; a Ni-Cu-Ni coating is counted as 2/3 Ni and 1/3 Cu by mass
  (assumption: two Ni layers around one Cu layer of similar thickness);
* Ga and "other" minor elements (<= ~5 wt%, e.g. Gd and La in e-bike magnets) are not carried:
  the stream holds the tracked material only, and :func:`untracked_fraction` reports how much
  was left out.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from .chemistry import T_REF, Registry, default_registry
from .errors import FeedRefusedError, InputError
from .streams import Stream

ALLOY_ELEMENTS = ("Nd", "Pr", "Dy", "Tb", "Fe", "B", "Co", "Cu", "Al", "Ga", "other")
TRACKED = ("Nd", "Pr", "Dy", "Tb", "Fe", "B", "Co", "Cu", "Al")
RARE_EARTHS = ("Nd", "Pr", "Dy", "Tb")
RE_OXIDE = {"Nd": "Nd2O3", "Pr": "Pr2O3", "Dy": "Dy2O3", "Tb": "Tb2O3"}
COATING_SPLIT = {"Ni-Cu-Ni": {"Ni": 2 / 3, "Cu": 1 / 3}, "Ni": {"Ni": 1.0}, "Zn": {"Zn": 1.0}}


@lru_cache(maxsize=1)
def catalogue_long() -> pd.DataFrame:
    """The bundled catalogue in its long form (one row per feedstock and parameter)."""
    path = resources.files("recyclopt.data").joinpath("feedstocks.csv")
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"value": str})


@lru_cache(maxsize=1)
def catalogue() -> pd.DataFrame:
    """The catalogue as one row per feedstock (values only; sources in :func:`catalogue_long`)."""
    df = catalogue_long().pivot(index="feedstock", columns="parameter", values="value")
    num = [c for c in df.columns if c.endswith(("_wt_pct", "_kg_per_unit", "_yr"))]
    for c in num:
        df[c] = pd.to_numeric(df[c], errors="coerce")
    df["hd_compatible"] = df["hd_compatible"].str.lower().eq("true")
    return df


def names() -> list[str]:
    return sorted(catalogue().index)


def get(name: str) -> pd.Series:
    """One catalogue entry; a clear error lists the known feedstocks."""
    cat = catalogue()
    if name not in cat.index:
        raise InputError(f"unknown feedstock {name!r}; the catalogue has {names()}",
                         field="feedstock")
    return cat.loc[name]


def composition_wt_pct(name: str) -> pd.Series:
    """Alloy composition (element wt%, sums to 100) of a catalogue feedstock."""
    row = get(name)
    return pd.Series({e: float(row[f"{e}_wt_pct"]) for e in ALLOY_ELEMENTS})


def untracked_fraction(name: str) -> float:
    """Mass fraction of the alloy (Ga, other) not carried in the feed stream."""
    c = composition_wt_pct(name)
    return float((c["Ga"] + c["other"]) / 100.0)


def catalogue_content(name: str) -> tuple[dict[str, float], float]:
    """(element -> kg per end-of-life unit, magnet kg per unit) for the optimizer."""
    row = get(name)
    m = float(row["magnet_mass_kg_per_unit"])
    c = composition_wt_pct(name)
    return {e: float(c[e]) / 100.0 * m for e in TRACKED if c[e] > 0}, m


def _species_moles(name: str) -> dict[str, float]:
    """Moles of each species per 100 g of alloy (plus coating and oxygen) of a feedstock."""
    from .chemistry import atomic_masses

    aw = atomic_masses()
    row = get(name)
    c = composition_wt_pct(name)
    mol = {e: float(c[e]) / aw[e] for e in TRACKED}
    re_tot = sum(mol[e] for e in RARE_EARTHS)
    out: dict[str, float] = {}
    # matrix RE2Fe14B limited by B, RE/2 and Fe/14
    n_mx = min(mol["B"], re_tot / 2.0, mol["Fe"] / 14.0) if re_tot > 0 else 0.0
    share = {e: (mol[e] / re_tot if re_tot > 0 else 0.0) for e in RARE_EARTHS}
    mx = {e: n_mx * share[e] for e in RARE_EARTHS}  # mol of RE2Fe14B per RE
    free_re = {e: mol[e] - 2.0 * mx[e] for e in RARE_EARTHS}
    fe = mol["Fe"] - 14.0 * n_mx
    b = mol["B"] - n_mx
    # oxygen: grain-boundary RE first, then matrix, then iron
    o_left = float(row.get("O_wt_pct", 0.0) or 0.0) / aw["O"]
    oxide = dict.fromkeys(RARE_EARTHS, 0.0)  # mol of RE2O3
    # each phase is oxidised in proportion across the rare earths
    free_ox = sum(free_re.values()) / 2.0  # mol RE2O3 the free RE can form
    frac = min(1.0, (o_left / 3.0) / free_ox) if free_ox > 0 else 0.0
    for e in RARE_EARTHS:
        take = free_re[e] / 2.0 * frac
        oxide[e] += take
        free_re[e] -= 2.0 * take
        o_left -= 3.0 * take
    mx_tot = sum(mx.values())  # RE2Fe14B + 1.5 O2 -> RE2O3 + 14 Fe + B
    frac = min(1.0, (o_left / 3.0) / mx_tot) if mx_tot > 0 else 0.0
    for e in RARE_EARTHS:
        take = mx[e] * frac
        oxide[e] += take
        mx[e] -= take
        fe += 14.0 * take
        b += take
        o_left -= 3.0 * take
    fe2o3 = min(fe / 2.0, o_left / 3.0)
    fe -= 2.0 * fe2o3
    o_left -= 3.0 * fe2o3
    if o_left > 1e-12:
        raise InputError(f"feedstock {name!r}: O_wt_pct exceeds what the alloy can bind",
                         field="O_wt_pct")
    for e in RARE_EARTHS:
        out[f"{e}2Fe14B"] = mx[e]
        out[e] = free_re[e]
        out[RE_OXIDE[e]] = oxide[e]
    out["Fe"] = fe
    out["Fe2O3"] = fe2o3
    out["B"] = b
    for e in ("Co", "Cu", "Al"):
        out[e] = out.get(e, 0.0) + mol[e]
    coat = str(row.get("coating", "none"))
    coat_g = float(row.get("coating_wt_pct", 0.0) or 0.0)
    for el, frac in COATING_SPLIT.get(coat, {}).items():
        out[el] = out.get(el, 0.0) + coat_g * frac / aw[el]
    return {k: v for k, v in out.items() if v > 1e-15}


def feed_stream(feedstock: str, rate_kg_s: float, *, T: float = T_REF,
                registry: Registry | None = None, name: str = "") -> Stream:
    """A stream of ``rate_kg_s`` kg/s of liberated magnet material of catalogue feedstock
    ``feedstock`` (alloy + coating + oxygen pick-up, see the module docstring)."""
    reg = registry or default_registry()
    if not np.isfinite(rate_kg_s) or rate_kg_s < 0:
        raise InputError(f"feed rate {rate_kg_s!r} kg/s; allowed range >= 0", field="rate")
    mol = _species_moles(feedstock)
    mass = {sp: n * reg.get(sp).molar_mass * 1000.0 for sp, n in mol.items()}  # g per 100 g
    total = sum(mass.values())
    return Stream.from_masses({sp: rate_kg_s * m / total for sp, m in mass.items()}, T=T,
                              registry=reg, name=name or feedstock)


def check_accepts(flowsheet: Any, stream: Stream, feed: str) -> None:
    """Refuse a feed a route cannot take, with the reason.

    A flowsheet's ``accepts`` section may require ``hd_compatible: true`` and list allowed
    ``oxidation_state`` values (checked for catalogue feedstocks) and cap element contents with
    ``max_wt_pct: {O: 1.0}`` (checked for any feed).
    """
    acc = getattr(flowsheet, "accepts", {}) or {}
    if not acc:
        return
    cat = catalogue()
    if feed in cat.index:
        row = cat.loc[feed]
        if acc.get("hd_compatible") and not bool(row["hd_compatible"]):
            raise FeedRefusedError(
                f"route {flowsheet.name!r} cannot take feedstock {feed!r}: it is "
                f"{row['oxidation_state']} (hd_compatible = false) and hydrogen decrepitation "
                "needs metallic, unoxidised magnet", field="feed")
        states = acc.get("oxidation_state")
        if states and str(row["oxidation_state"]) not in states:
            raise FeedRefusedError(
                f"route {flowsheet.name!r} cannot take feedstock {feed!r}: oxidation state "
                f"{row['oxidation_state']!r}; allowed: {list(states)}", field="feed")
    caps = acc.get("max_wt_pct") or {}
    if caps and stream.total > 0:
        el = stream.element_flows() / stream.total * 100.0
        for e, cap in caps.items():
            if float(el.get(e, 0.0)) > float(cap) + 1e-9:
                raise FeedRefusedError(
                    f"route {flowsheet.name!r} cannot take feed {feed!r}: {e} is "
                    f"{float(el.get(e, 0.0)):.3g} wt%, above the route's limit of {cap} wt%",
                    field="feed")
