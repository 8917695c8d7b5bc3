"""Reaction machinery shared by the hydrometallurgical and pyrometallurgical units.

The units here are *element driven*: instead of typing one equation per species, they build
balanced reactions from the species table (which oxide an element forms, which chloride or
sulfate it dissolves as, ...). Every reaction is a vector of stoichiometric coefficients over
the registry, normalised to one mole of its key species, and is checked to conserve every
element when it is built.

Reactions are applied in sequence at fixed fractional conversions of their key species, and
species marked as *reagents* are drawn from outside the flowsheet in exactly the amount the
reactions need (the unit adds its excess on top). Nothing depends on a ratio or a minimum of
feed flows, so a unit built on these helpers is linear in its feed at fixed parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..chemistry import Registry
from ..errors import InputError

#: Rare-earth elements the magnet units know about.
RARE_EARTHS = ("La", "Ce", "Pr", "Nd", "Sm", "Gd", "Tb", "Dy", "Ho")
#: Elements that never count as "the metal" of a compound.
NON_METALS = frozenset({"O", "H", "C", "N", "Cl", "S", "F"})

#: Oxide each element forms in air (first species present in the registry wins). Pr and Tb
#: form their mixed-valence oxides Pr6O11 and Tb4O7 on heating in air; Co is taken as CoO,
#: the stable cobalt oxide in air above ~900 C.
OXIDE_IN_AIR: dict[str, tuple[str, ...]] = {
    "Fe": ("Fe2O3",), "Nd": ("Nd2O3",), "Pr": ("Pr6O11", "Pr2O3"), "Dy": ("Dy2O3",),
    "Tb": ("Tb4O7", "Tb2O3"), "La": ("La2O3",), "Ce": ("CeO2",), "Sm": ("Sm2O3",),
    "Gd": ("Gd2O3",), "Ho": ("Ho2O3",), "B": ("B2O3",), "Co": ("CoO", "Co3O4"),
    "Ni": ("NiO",), "Cu": ("CuO", "Cu2O"), "Al": ("Al2O3",), "Mg": ("MgO",),
    "Ca": ("CaO",), "Si": ("SiO2",), "Li": ("Li2O",), "Ga": ("Ga2O3",), "Zn": ("ZnO",),
}
#: Oxide each element keeps under reducing conditions (carbon present): the sesquioxides.
OXIDE_REDUCED: dict[str, tuple[str, ...]] = {
    **OXIDE_IN_AIR, "Pr": ("Pr2O3", "Pr6O11"), "Tb": ("Tb2O3", "Tb4O7"),
}


def first_present(registry: Registry, names: Iterable[str]) -> str | None:
    """The first of ``names`` that is a registry species, else ``None``."""
    for n in names:
        if n in registry:
            return n
    return None


def oxide_map(registry: Registry, table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Element -> oxide species, restricted to the species the registry holds."""
    out = {}
    for el, names in table.items():
        sp = first_present(registry, names)
        if sp is not None:
            out[el] = sp
    return out


def metals_of(registry: Registry, name: str) -> list[str]:
    """The metal (and boron) elements of a species, in formula order."""
    return [el for el in registry.get(name).elements if el not in NON_METALS]


# --------------------------------------------------------------------------- reactions
@dataclass
class Rxn:
    """One reaction over the registry, normalised to one mole of its key species.

    Attributes
    ----------
    nu : stoichiometric coefficients (mol per mol of key), products positive, ``nu[key] = -1``
    key : index of the key species
    conversion : fraction of the key species present when the reaction is applied that reacts
    label : readable equation (for messages and reports)
    """

    nu: np.ndarray
    key: int
    conversion: float
    label: str


def make_rxn(registry: Registry, terms: Mapping[str, float], key: str, conversion: float,
             where: str) -> Rxn:
    """Build a reaction from signed coefficients (reactants negative) and check its balance.

    Parameters
    ----------
    registry : the species registry
    terms : species -> coefficient; zero coefficients are dropped
    key : the key reactant (its coefficient must be negative)
    conversion : fraction of the key species that reacts (0..1)
    where : label for error messages
    """
    nu = np.zeros(len(registry))
    for sp, c in terms.items():
        if c != 0.0:
            nu[registry.idx(sp)] += c
    k = registry.idx(key)
    if not nu[k] < 0:
        raise InputError(f"{where}: key {key!r} is not a reactant", field="reactions")
    nu = nu / -nu[k]
    balance = registry.atoms.T @ nu
    scale = max(float(np.abs(registry.atoms.T @ np.abs(nu)).max()), 1.0)
    if np.abs(balance).max() > 1e-9 * scale:
        raise InputError(f"{where}: reaction {fmt_rxn(registry, nu)} does not conserve elements",
                         field="reactions")
    return Rxn(nu, k, float(conversion), fmt_rxn(registry, nu))


def fmt_rxn(registry: Registry, nu: np.ndarray) -> str:
    """``"Nd2O3 + 6 HCl(aq) -> 2 NdCl3(aq) + 3 H2O(l)"`` from a coefficient vector."""

    def side(idx: np.ndarray, sign: float) -> str:
        parts = []
        for i in idx:
            c = sign * nu[i]
            parts.append(registry.names[i] if abs(c - 1) < 1e-12 else f"{c:.6g} {registry.names[i]}")
        return " + ".join(parts)

    return f"{side(np.flatnonzero(nu < 0), -1.0)} -> {side(np.flatnonzero(nu > 0), 1.0)}"


def apply_rxns(registry: Registry, mol: np.ndarray, rxns: Iterable[Rxn],
               reagents: Iterable[int], where: str) -> tuple[np.ndarray, np.ndarray]:
    """Apply reactions in sequence to molar flows.

    Reagent species consumed by a reaction are drawn from outside (returned separately)
    rather than taken from ``mol``; reagent species a reaction *produces* join the outlet.
    Any other reactant must be present: a shortfall raises :class:`InputError`.

    Returns
    -------
    (outlet molar flows, reagent molar flows drawn)
    """
    reagent_mask = np.zeros(len(registry), dtype=bool)
    reagent_mask[list(reagents)] = True
    mol = mol.astype(float).copy()
    drawn = np.zeros_like(mol)
    scale = max(float(np.abs(mol).sum()), 1e-300)
    for r in rxns:
        xi = r.conversion * mol[r.key]
        if xi <= 0.0:
            continue
        d = r.nu * xi
        take = reagent_mask & (d < 0)
        drawn[take] -= d[take]
        d[take] = 0.0
        mol += d
        short = np.flatnonzero(mol < -1e-12 * scale)
        if short.size:
            j = int(short[0])
            raise InputError(
                f"{where}: reaction {r.label} needs more {registry.names[j]!r} than the feed "
                f"holds (short by {-mol[j]:.4g} mol/s)", field="feed")
        mol[mol < 0] = 0.0
    return mol, drawn


# --------------------------------------------------------------------------- builders
def decomposition_terms(registry: Registry, name: str, products: Mapping[str, str], *,
                        carbon: str = "CO2", gas_water: bool = True, hydrogen: str = "water"
                        ) -> dict[str, float] | None:
    """Balanced terms turning one mole of ``name`` into simple products.

    Each metal goes to ``products[element]`` (an oxide, or the element itself); hydrogen to
    water (``H2O(g)`` or ``H2O(l)``; negative if the conversion consumes water), chlorine to
    ``HCl(g)``, nitrogen to ``N2``, carbon to ``CO2`` (``carbon="CO2"``) or to CO/CO2 as far
    as the species' own oxygen allows (``carbon="internal"``, as in oxalate decomposition).
    Oxygen closes the balance with ``O2`` on either side. With ``hydrogen="H2"`` hydrogen
    leaves as ``H2`` instead (hydride decomposition; species without Cl only).

    Returns ``None`` if an element has no product or a needed product species is missing.
    """
    sp = registry.get(name)
    counts = dict(sp.elements)
    terms: dict[str, float] = {name: -1.0}
    o_used = 0.0

    def add(species: str, n: float) -> None:
        terms[species] = terms.get(species, 0.0) + n

    for el, n in counts.items():
        if el in NON_METALS:
            continue
        prod = products.get(el)
        if prod is None or prod not in registry:
            return None
        pel = registry.get(prod).elements
        k = n / pel[el]
        add(prod, k)
        o_used += k * pel.get("O", 0.0)
        if set(pel) - {el, "O"}:
            return None
    water = "H2O(g)" if gas_water else "H2O(l)"
    n_cl = counts.get("Cl", 0.0)
    n_h = counts.get("H", 0.0)
    if hydrogen == "H2" and n_h:
        if n_cl or "H2" not in registry:
            return None
        add("H2", n_h / 2.0)
        n_h = 0.0
    if n_cl:
        if "HCl(g)" not in registry:
            return None
        add("HCl(g)", n_cl)
    if n_h or n_cl:
        w = (n_h - n_cl) / 2.0
        if water not in registry:
            return None
        add(water, w)
        o_used += w
    if counts.get("N"):
        if "N2" not in registry:
            return None
        add("N2", counts["N"] / 2.0)
    if set(counts) & {"S", "F"}:
        return None
    avail = counts.get("O", 0.0) - o_used  # oxygen left for carbon and O2
    c = counts.get("C", 0.0)
    co2 = co = 0.0
    if c:
        if carbon == "internal" and avail < 2 * c:
            if avail >= c:
                co2, co = avail - c, 2 * c - avail
            else:
                co = c
        else:
            co2 = c
        avail -= co + 2 * co2
        for g, n in (("CO", co), ("CO2", co2)):
            if n:
                if g not in registry:
                    return None
                add(g, n)
    if abs(avail) > 1e-12:
        add("O2", avail / 2.0)
    return {k: v for k, v in terms.items() if abs(v) > 1e-15}


def oxidation_state(registry: Registry, name: str) -> float:
    """Mean oxidation state of the metal in a species made of one metal with O and/or H.

    Hydrogen counts as hydride (-1) when the species has no oxygen, else as +1.
    """
    el = registry.get(name).elements
    metals = [e for e in el if e not in NON_METALS]
    n_m = el[metals[0]]
    o, h = el.get("O", 0.0), el.get("H", 0.0)
    if o == 0.0:
        return h / n_m
    return (2.0 * o - h) / n_m


def salts(registry: Registry, metal: str, anion: str) -> dict[float, str]:
    """Aqueous salts of ``metal`` with ``anion`` (``Cl``, ``SO4`` or ``NO3``) by valence."""
    out: dict[float, str] = {}
    for s in registry.species:
        if s.phase != "aq":
            continue
        e = s.elements
        if metal not in e:
            continue
        rest = set(e) - {metal}
        if anion == "Cl" and rest == {"Cl"}:
            v = e["Cl"] / e[metal]
        elif anion == "SO4" and rest == {"S", "O"} and abs(e["O"] - 4 * e["S"]) < 1e-12:
            v = 2 * e["S"] / e[metal]
        elif anion == "NO3" and rest == {"N", "O"} and abs(e["O"] - 3 * e["N"]) < 1e-12:
            v = e["N"] / e[metal]
        else:
            continue
        out.setdefault(v, s.name)
    return out


def pick_salt(options: Mapping[float, str], state: float) -> str | None:
    """The salt whose valence is nearest ``state`` (the lowest valence for a metal, state 0)."""
    if not options:
        return None
    return min(options.items(), key=lambda kv: (abs(kv[0] - state), kv[0]))[1]


def dissolution_terms(registry: Registry, name: str, salt: str, acid: str,
                      water: str = "H2O(l)") -> dict[str, float] | None:
    """Balanced terms dissolving one mole of ``name`` (one metal + O/H) into ``salt``.

    ``acid`` supplies the anion (``HCl(aq)``, ``H2SO4(aq)``, ``HNO3(aq)``; ``None`` for a salt
    without anion such as boric acid). Hydrogen and oxygen close with water and, depending on
    the electrons the metal gives or takes, ``H2`` (metal dissolution) or, for a higher oxide
    such as Pr6O11 or Tb4O7, ``Cl2`` in HCl (chloride oxidised by Pr(IV)/Tb(IV)) and ``O2`` in
    other acids. Returns ``None`` if a needed species is missing.
    """
    sp = registry.get(name).elements
    sa = registry.get(salt).elements
    metal = [e for e in sp if e not in NON_METALS][0]
    n_salt = sp[metal] / sa[metal]
    terms: dict[str, float] = {name: -1.0, salt: n_salt}
    h_in, o_in = sp.get("H", 0.0), sp.get("O", 0.0)
    h_out = n_salt * sa.get("H", 0.0)
    o_out = n_salt * sa.get("O", 0.0)
    if acid is not None:
        ac = registry.get(acid).elements
        anion_el = "Cl" if "Cl" in ac else ("S" if "S" in ac else "N")
        n_acid = n_salt * sa.get(anion_el, 0.0) / ac[anion_el]
        terms[acid] = -n_acid
        h_in += n_acid * ac.get("H", 0.0)
        o_in += n_acid * ac.get("O", 0.0)
    # H: h_in = h_out + 2 w + 2 g ; O: o_in = o_out + w + 2 z  (w water, g H2, z O2)
    w = o_in - o_out
    g = (h_in - h_out - 2.0 * w) / 2.0
    z = 0.0
    c = 0.0
    if g < -1e-12 and acid is not None and "Cl" in registry.get(acid).elements:
        # a higher oxide (Pr6O11, Tb4O7) in HCl: its oxygen leaves as water with extra HCl and
        # the metal's reduction oxidises chloride, Pr6O11 + 22 HCl -> 6 PrCl3 + 11 H2O + 2 Cl2
        extra = -2.0 * g
        terms[acid] -= extra
        c = extra / 2.0
        g = 0.0
    elif g < -1e-12:
        # not enough H for H2: the metal is reduced instead, oxygen leaves as O2
        g = 0.0
        w = (h_in - h_out) / 2.0
        z = (o_in - o_out - w) / 2.0
    for s, n in ((water, w), ("H2", g), ("O2", z), ("Cl2", c)):
        if abs(n) > 1e-12:
            if s not in registry:
                return None
            terms[s] = terms.get(s, 0.0) + n
    return terms
