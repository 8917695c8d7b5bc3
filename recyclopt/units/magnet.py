"""Helpers shared by the liberation (``mechanical``) and hydrogen (``hydrogen``) unit families.

* Species classes over the registry: rare-earth bearing solids, "magnet" species, gases.
* Generated reactions: oxidation of the rare earth in magnet phases and hydrides to RE2O3,
  hydriding and dehydriding of the matrix and grain-boundary phases.
* :func:`finish_heated`: close a unit's energy balance when the load is heated to a process
  temperature and then cooled to a lower outlet temperature (the heat of the cooling step is
  rejected, not recovered), so the furnace duty is not netted against the cooling.

Nothing here is registered as a unit type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..chemistry import Registry
from ..constants import J_PER_KWH  # noqa: F401  (used by the units through this module)
from ..errors import InputError
from ..streams import Stream
from .base import Param, UnitOperation, UnitResult

#: Rare-earth elements (lanthanides plus Sc and Y).
RARE_EARTHS = frozenset({"Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy",
                         "Ho", "Er", "Tm", "Yb", "Lu"})
#: Magnet-alloy species that carry no rare earth or boron but belong with the magnet by default:
#: Co is an alloying addition of NdFeB (1-1.5 wt%, data/feedstocks.csv) and Ni is the usual
#: coating (Ni-Cu-Ni), which leaves the product together with the magnet. Cu and Al are also
#: alloy additions but are ambiguous (PCB tracks, windings, casings), so they are not included.
MAGNET_EXTRAS = ("Co", "Ni")
#: Ni-Cu-Ni is the typical NdFeB coating (SM Magnetics, reference feedstocks.csv All_NdFeB).
COATING_SPECIES = ("Ni", "Cu")
#: Elements marking a species as a compound (oxide, salt...) rather than a metal or hydride.
NON_METALS = frozenset({"O", "Cl", "F", "N", "C", "S", "P", "Br", "I"})
SECONDS_PER_HOUR = 3600.0

HEATING = Param(
    "electric", kind="str", choices=("electric", "fuel"),
    doc="utility that supplies the heat duty", source="design choice",
)


def electric_efficiency(doc: str = "fraction of the heating energy that reaches the load") -> Param:
    """The default heating efficiency of an electrically heated furnace (0.95)."""
    return Param(
        0.95, "-", 0.05, 1.0, doc=doc,
        source="PrOMMiS HD furnace costing module (electric heating efficiency 0.95), github "
               "prommis/prommis (commit 9beba554): src/prommis/hydrogen_decrepitation/costing/"
               "cost_hydrogen_decrepitation_furnace.py",
    )


# --------------------------------------------------------------------------- species classes
def element_set(reg: Registry, i: int) -> set[str]:
    return set(reg.species[i].elements)


def solid_mask(reg: Registry) -> np.ndarray:
    return np.array([s.phase == "s" for s in reg.species])


def gas_mask(reg: Registry) -> np.ndarray:
    return np.array([s.phase == "g" for s in reg.species])


def re_mask(reg: Registry) -> np.ndarray:
    """Solid species that contain a rare-earth element."""
    return np.array([s.phase == "s" and bool(RARE_EARTHS & set(s.elements))
                     for s in reg.species])


def names_mask(unit: UnitOperation, names: Iterable[Any], field: str) -> np.ndarray:
    """Boolean mask of the named species (unknown names raise, naming ``field``)."""
    mask = np.zeros(len(unit.registry), dtype=bool)
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise InputError(f"{unit.label} parameter {field!r}: expected a list of species names, "
                         f"got {names!r}", field=field)
    for n in names:
        if not isinstance(n, str):
            raise InputError(f"{unit.label} parameter {field!r}: {n!r} is not a species name",
                             field=field)
        mask[unit.species_idx(n, field)] = True
    return mask


def magnet_mask(unit: UnitOperation, names: Sequence[str] | None, field: str,
                extras: Sequence[str] = MAGNET_EXTRAS) -> np.ndarray:
    """Species treated as magnet material.

    With ``names`` given, exactly those; otherwise every solid that contains a rare earth or
    boron (magnet phases, grain-boundary metal, hydrides, RE oxides) plus ``extras`` that exist
    in the registry.
    """
    reg = unit.registry
    if names is not None:
        return names_mask(unit, names, field)
    mask = np.array([s.phase == "s" and bool((RARE_EARTHS | {"B"}) & set(s.elements))
                     for s in reg.species])
    for n in extras:
        if n in reg:
            mask[reg.idx(n)] = True
    return mask


def present(mask: np.ndarray, reg: Registry) -> list[str]:
    return [reg.names[i] for i in np.flatnonzero(mask)]


# --------------------------------------------------------------------------- equations
def num(x: float) -> str:
    """A reaction coefficient in plain decimal notation (the equation parser has no exponent)."""
    s = f"{x:.10f}".rstrip("0").rstrip(".")
    return s or "0"


def _formula_key(counts: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((k, round(float(v), 9)) for k, v in counts.items()))


def find_species(reg: Registry, counts: Mapping[str, float], phase: str = "s") -> str | None:
    """The registry species with exactly these element counts and phase, if any."""
    key = _formula_key(counts)
    for s in reg.species:
        if s.phase == phase and _formula_key(s.elements) == key:
            return s.name
    return None


def element_species(reg: Registry, el: str) -> str | None:
    """The species holding element ``el`` in its standard elemental form (H -> H2 gas)."""
    if el == "H":
        return find_species(reg, {"H": 2.0}, "g")
    if el in ("O", "N", "Cl", "F"):
        return find_species(reg, {el: 2.0}, "g")
    return find_species(reg, {el: 1.0}, "s")


def oxidation_reactions(reg: Registry, mask: np.ndarray, conversion: float
                        ) -> tuple[list[dict[str, Any]], list[str]]:
    """Reactions converting the rare earth of each masked species to its sesquioxide.

    ``R_a X_b ... + (3a/4) O2 -> (a/2) R2O3 + b X + ...``: the other elements are freed in their
    elemental form (H as H2 gas). Compounds (oxides, halides...: any of :data:`NON_METALS`)
    are left alone; species for which a product is missing from the registry are skipped and
    returned in the second list.
    """
    out: list[dict[str, Any]] = []
    skipped: list[str] = []
    for i in np.flatnonzero(mask):
        sp = reg.species[i]
        res = RARE_EARTHS & set(sp.elements)
        if not res or NON_METALS & set(sp.elements):
            continue
        products: dict[str, float] = {}
        o2 = 0.0
        ok = True
        for el, n in sp.elements.items():
            if el in res:
                oxide = find_species(reg, {el: 2.0, "O": 3.0})
                if oxide is None:
                    ok = False
                    break
                products[oxide] = products.get(oxide, 0.0) + n / 2.0
                o2 += 0.75 * n
            else:
                name = element_species(reg, el)
                if name is None:
                    ok = False
                    break
                per = 2.0 if el == "H" else 1.0
                products[name] = products.get(name, 0.0) + n / per
        if not ok:
            skipped.append(sp.name)
            continue
        rhs = " + ".join(f"{num(c)} {p}" for p, c in products.items())
        out.append({"equation": f"{sp.name} + {num(o2)} O2 -> {rhs}", "key": sp.name,
                    "conversion": conversion})
    return out, skipped


# --------------------------------------------------------------------------- hydrides
def hydride_pairs(reg: Registry) -> list[tuple[str, str, float]]:
    """(hydride, parent, H2 released per mol) for every solid hydride with a parent in the registry.

    A hydride ``M H_x`` (M a rare earth or an R2Fe14B phase) has as parent the registry hydride
    of M with the next lower H content, else M itself. So NdH2.7 -> NdH2 (0.35 H2), NdH2 -> Nd
    (1 H2), Nd2Fe14BH2.7 -> Nd2Fe14B (1.35 H2).
    """
    by_base: dict[tuple[tuple[str, float], ...], list[tuple[float, str]]] = {}
    for s in reg.species:
        if (s.phase != "s" or not (RARE_EARTHS & set(s.elements))
                or NON_METALS & set(s.elements)):
            continue
        base = {k: v for k, v in s.elements.items() if k != "H"}
        by_base.setdefault(_formula_key(base), []).append((float(s.elements.get("H", 0.0)),
                                                           s.name))
    pairs = []
    for levels in by_base.values():
        levels.sort()
        for (h_lo, lo), (h_hi, hi) in zip(levels, levels[1:], strict=False):
            pairs.append((hi, lo, (h_hi - h_lo) / 2.0))
    return pairs


def h_content(reg: Registry, name: str) -> float:
    return float(reg.get(name).elements.get("H", 0.0))


# --------------------------------------------------------------------------- energy
def enthalpy_at(streams: Iterable[Stream], T: float | None = None) -> float:
    """Sum of stream enthalpies, each at its own T or all at ``T``."""
    return sum(s.enthalpy() if T is None else s.with_temperature(T).enthalpy() for s in streams)


def finish_heated(
    unit: UnitOperation,
    inlets: Mapping[str, Stream],
    outlets: dict[str, Stream],
    *,
    duty_W: float,
    reagents: Stream | None = None,
    losses: Stream | None = None,
    electricity_W: float = 0.0,
    heating: str = "electric",
    efficiency: float = 1.0,
    info: dict[str, Any] | None = None,
) -> UnitResult:
    """Close the energy balance of a heat-then-cool unit.

    ``duty_W`` is the heat the load absorbs on the way to its process temperature (enthalpy of
    the hot products minus that of the feeds and reagents); the utility supplies
    ``duty_W / efficiency``. Whatever the outlets do not carry away (cooling, furnace losses,
    dissipated work) is rejected heat. If the outlets need more heat than ``duty_W`` (never, when
    the duty is computed as above and outlets are not hotter than the process), the shortfall is
    supplied too, so the rejected heat is never negative.
    """
    reagents = reagents if reagents is not None else unit.zero()
    losses = losses if losses is not None else unit.zero()
    h_in = sum(s.enthalpy() for s in inlets.values()) + reagents.enthalpy()
    h_out = sum(s.enthalpy() for s in outlets.values()) + losses.enthalpy()
    need = h_out - h_in - electricity_W
    load = max(duty_W, need, 0.0)
    supplied = load / efficiency
    heat_W = 0.0
    elec = electricity_W
    if heating == "electric":
        elec += supplied
    elif heating == "fuel":
        heat_W = supplied
    else:
        raise InputError(f"{unit.label}: heating {heating!r}; allowed: electric, fuel",
                         field="heating")
    rejected = h_in + heat_W + elec - h_out
    return UnitResult(outlets, reagents, losses, heat_W, elec, max(rejected, 0.0), info or {})
