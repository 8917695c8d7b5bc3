"""Rare-earth separation units: solvent extraction, RapidSX, ion exchange, membrane SX, electrochemistry.

Every unit here takes an aqueous liquor and is *affine in its feed at fixed parameters*: all
nonlinear design (stage counts of a cascade, plates of a chromatography column) is done once,
when the unit is built, at a stated design feed composition; the unit then applies fixed
per-component split fractions and draws its reagents in fixed proportion to the metal it moves.
Element balances close exactly (reagents and their reaction products included) and the energy
balance is closed by :meth:`~recyclopt.units.base.UnitOperation.finish` from absolute
enthalpies.

Units
-----
``sx_cascade``
    Counter-current extraction / scrub / strip cascade of mixer-settlers with an acidic
    organophosphorus extractant (P507 by default), wrapping :mod:`recyclopt.units.cascade`.
``rapid_sx``
    The same chemistry in an intensified column contactor (Ucore RapidSX type): fewer contactors
    and less mixing energy for the same separation.
``ion_exchange``
    Ligand-assisted displacement chromatography (ReElement / Purdue type), wrapping
    :mod:`recyclopt.units.chromatography`; one outlet per product band plus ``rest``.
``membrane_sx``
    Membrane-assisted (hollow-fibre supported-liquid-membrane) solvent extraction (ORNL / CMI
    type): a parameterised product / residue split.
``electrochemical_separation``
    Electrochemical separation (REEcycle type): a parameterised product / residue split.

Solvent-extraction chemistry
----------------------------
A salt ``M_a X_b`` of metal valence ``v`` carries ``n = a v`` equivalents. A fraction ``s`` (the
saponification degree) of the extractant ``HA`` is pre-neutralised with NaOH, so that per mole
of salt reaching the strip liquor::

    s n NaOH + s n HA(org)       -> s n NaA(org) + s n H2O              (saponification)
    M_a X_b + n (Na/H)A(org)     -> a MA_v(org) + s n Na+ + (1 - s) n H+ + X  (extraction)
    a MA_v(org) + n HCl          -> a MCl_v + n HA(org)                 (strip)

The extractant is regenerated; the net reaction, which the unit applies, is::

    M_a X_b + s n NaOH + n HCl -> a MCl_v [strip liquor]
                                  + s n/k Na_kX + (1 - s) n/h H_hX + s n H2O [raffinate]

(``Na_kX`` and ``H_hX`` the sodium salt and acid of the feed anion: NaCl/HCl for chlorides,
Na2SO4/H2SO4 for sulfates). For a chloride feed the raffinate thus gains ``3 s`` NaCl and
``3 (1 - s)`` HCl per RE extracted and the strip liquor gains the RECl3, whose chloride comes
from the strip acid. Strip acid above the stoichiometric ``n`` (``strip_acid_excess``) leaves
with the strip liquor as free HCl. Nitrate feeds need NaNO3, which the bundled registry lacks,
so they are refused unless ``saponification_degree = 0``.

Which species are moved: every aqueous salt of one metal with chloride, sulfate or nitrate
(alkali-metal salts excepted) is a *component* of the cascade named by its element (``Nd``,
``Fe``) or, for a valence other than the usual one, by element and valence (``Fe(II)``).
Everything else -- water, free acid, sodium salts, boric acid, entrained solids and dissolved
gases -- leaves with the raffinate.

Distribution ratios come from one reference value ``D_ref`` and the separation factors of
``data/separation_factors.csv`` (``D_i = beta_i/ref D_ref``); a component with no tabulated
factor (Cu, Al, Fe(II) for P507) is not extracted (``D = 0``) unless ``betas`` gives one.
Most P507 factors in that table are *assumptions*: read its ``source`` and ``confidence``
columns before relying on a stage count.

Volumes and loading: the organic may carry at most ``max_loading_g_per_L`` of rare earths (as
RE2O3). At construction the unit finds the aqueous feed concentration that loads the organic to
that limit at its design feed and phase ratios (capped at ``feed_concentration_g_per_L``); in
``feed_volume: cap`` mode (default) a feed more concentrated than that is diluted to it and a
more dilute one runs at its own water, below the limit; ``loading`` also evaporates a dilute
feed to it (multiple-effect steam); ``water`` takes the feed's water unchecked. Volumes are
water at 1000 kg/m3 (the solute volume is neglected); the organic, scrub-liquor and
strip-liquor flows follow from the phase ratios. The scrub liquor is drawn as water (it leaves with the raffinate; scrub acid is
counted in ``strip_acid_excess``) and the strip liquor as water plus the strip HCl above;
mixer-settler power is ``kwh_per_m3_stage`` per m3 of aqueous passing through each stage
(organic and settlers not counted separately), and extractant make-up is
``extractant_loss_kg_per_m3`` per m3 of aqueous leaving. The bundled registry has no extractant
species, so the make-up is reported in ``info`` (kg/s) for costing only and is not part of the
mass balance; with a registry that has a species named like the extractant, it is drawn as a
reagent and leaves (entrained) with the raffinate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from ..chemistry import T_REF, Registry, molar_mass
from ..constants import J_PER_KWH
from ..errors import InputError
from ..streams import Stream, mix
from .base import Param, UnitOperation, UnitResult, register_unit
from .cascade import (
    ION_CHARGE,
    RARE_EARTHS,
    CascadeDesign,
    SeparationInfeasibleError,
    StageDesign,
    design_stages,
    load_separation_factors,
    lookup_separation_factor,
    split_matrix,
)
from .chromatography import DisplacementDesign, required_plates, split_fractions
from .process import per_kg
from .reacting import NON_METALS, salts

__all__ = [
    "SXCascade",
    "RapidSX",
    "IonExchange",
    "MembraneSX",
    "ElectrochemicalSeparation",
    "MetalSalt",
    "metal_salts",
    "separation_factor",
]

WATER_DENSITY = 1000.0  # kg/m3, dilute aqueous liquors
ALKALI = frozenset({"Li", "Na", "K", "Rb", "Cs"})
ANION_ACID = {"Cl": "HCl(aq)", "SO4": "H2SO4(aq)", "NO3": "HNO3(aq)"}
ANION_NA_SALT = {"Cl": "NaCl(aq)", "SO4": "Na2SO4(aq)", "NO3": "NaNO3(aq)"}
_ANION_ATOM = {"Cl": "Cl", "SO4": "S", "NO3": "N"}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}

# --------------------------------------------------------------------------- sources
SRC_SF = ("separation factors from recyclopt/data/separation_factors.csv (many P507 rows are "
          "marked 'assumption': read their source and confidence columns)")
SRC_EV = ("RE split of an EV traction magnet, Nd 19.1 / Pr 6.4 / Dy 4.0 / Tb 0.5 wt% "
          "(recyclopt/data/feedstocks.csv, EV_traction rows, with their sources)")
SRC_REAGENTS = "assumption: default of recyclopt.units.cascade.ReagentParameters (see there)"
SRC_MIXER = ("assumption: mixer agitation ~0.75 kW per m3 of mixer (order of the 0.5-1 kW/m3 "
             "used for liquid-liquid dispersions) x 2.5 min residence x 2 m3 of mixed phases "
             "per m3 aqueous at O/A ~ 1 = 0.0625, rounded to 0.06 kWh per m3 aqueous per "
             "stage; settlers unpowered, interstage flow by the pump-mix impellers")
SRC_LOADING = ("estimate: industrial saponified P507 circuits load 20-30 g REO/L of organic "
               "(1-1.5 mol/L P507, 30-40 % saponified; range quoted in the hydrometallurgical "
               "review of issue 17); 20 taken, the lower end")
SRC_FEED_CONC = ("estimate: RE chloride feeds to industrial separation plants run at 1-1.5 mol/L "
                 "RE, i.e. 170-250 g REO/L (168 g RE2O3 per mol RE); 200 taken")
SRC_EVAP = ("estimate: a triple-effect evaporator evaporates ~2.5 kg water per kg steam "
            "(about 0.8 kg per effect, Perry's Chemical Engineers' Handbook 8th ed. Sec. 11, "
            "evaporators; range 2-3)")
#: latent heat of water at 100 C, J/kg (IAPWS-IF97 steam tables: 2257 kJ/kg)
H_VAP_WATER = 2.257e6
#: fraction of the steam's heat reaching the evaporator (boiler efficiency)
STEAM_BOILER_EFFICIENCY = 0.85
#: phase ratio above which a mixer-settler section is outside its usual window (O:A ~ 20:1)
MAX_PHASE_RATIO = 20.0
SRC_RAPIDSX = ("Metal Tech News, 'Ucore advances RapidSX' (Dec 2021): '>=10x faster "
               "extraction than mixer-settlers; up to 85-90% fewer process steps' (vendor "
               "claim; reference unit_ops.csv row RapidSX_column_SX)")
SRC_RAPIDSX_CAPEX = ("Ucore Louisiana SMC: 7,500 t/yr TREO, 75 M$, 80,800 ft2 (Investors "
                     "Hangout; reference unit_ops.csv row RapidSX_LSMC); 52-stage demo plant, "
                     ">1 t mixed REE in <1 week (MineListings; row RapidSX_demo)")
SRC_REELEMENT = ("ReElement chromatography: '99.5%+ routinely (99.9-99.999%)' (reference "
                 "unit_ops.csv row chromatography_ReElement)")
SRC_LAD = "assumption: default of recyclopt.units.chromatography.DisplacementDesign (see there)"
SRC_MSX_KIM = ("Kim, Powell, Delmau, Peterson, Herchenroeder, Bhave, 'Selective extraction of "
               "rare earth elements from permanent magnet scraps with membrane solvent "
               "extraction', Environ. Sci. Technol. 49 (2015) 9452-9459, abstract: nitric-acid "
               "feeds showed 'no coextraction of non-REEs' (HCl feeds co-extract them)")
SRC_MSX_MOMENTUM = ("Momentum Technologies MSX claim '>99% of REE content from HDDs' (SUMEX "
                    "repository; reference unit_ops.csv row membrane_SX_Momentum, low "
                    "confidence)")


# --------------------------------------------------------------------------- helpers
@cache
def reo_per_re(element: str) -> float:
    """kg of sesquioxide RE2O3 per kg of rare earth ``element`` (REO reporting basis)."""
    return molar_mass({element: 2.0, "O": 3.0}) / (2.0 * molar_mass(element))


def _feed(inlets: Mapping[str, Stream], reg: Registry) -> Stream:
    live = list(inlets.values())
    return mix(live) if live else Stream(np.zeros(len(reg)), registry=reg)


def _positive(unit: UnitOperation, name: str, high: float = 100.0) -> float | None:
    """Check an optional parameter lies in the half-open range ``(0, high]``."""
    v = unit.p[name]
    if v is not None and not 0.0 < v <= high:
        raise InputError(f"{unit.label} parameter {name!r}: {v:g} is outside the allowed range "
                         f"(0, {high:g}]", field=name)
    return v


def _element_list(unit: UnitOperation, name: str, allowed: Sequence[str]) -> list[str]:
    value = unit.p[name]
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise InputError(f"{unit.label} parameter {name!r}: expected a non-empty list of element "
                         f"symbols, got {value!r}", field=name)
    out = [str(v) for v in value]
    bad = [v for v in out if v not in allowed]
    if bad:
        raise InputError(f"{unit.label} parameter {name!r}: {bad} not allowed; allowed: "
                         f"{sorted(allowed)}", field=name)
    if len(set(out)) != len(out):
        raise InputError(f"{unit.label} parameter {name!r}: duplicate entries in {out}",
                         field=name)
    return out


@cache
def separation_factor(component: str, reference: str, extractant: str) -> float | None:
    """``beta = D_component / D_reference`` from the bundled table, or ``None`` if unknown.

    A pair not tabulated directly is derived through one pivot element ``p`` tabulated against
    both: ``beta_{c/r} = beta_{c/p} / beta_{r/p}``.

    Parameters
    ----------
    component, reference : str
        Element symbols (a valence-tagged name such as ``Fe(II)`` is never tabulated).
    extractant : str
        ``extractant`` column of ``data/separation_factors.csv``.

    Returns
    -------
    float or None
    """
    if component == reference:
        return 1.0
    try:
        return lookup_separation_factor(component, reference, extractant)
    except InputError:
        pass
    t = load_separation_factors()
    t = t[t["extractant"] == extractant]
    pivots = sorted(set(t["element_i"]) | set(t["element_j"]))
    for p in pivots:
        try:
            return (lookup_separation_factor(component, p, extractant)
                    / lookup_separation_factor(reference, p, extractant))
        except InputError:
            continue
    return None


# --------------------------------------------------------------------------- metal salts
@dataclass(frozen=True)
class MetalSalt:
    """An aqueous salt of one metal with chloride, sulfate or nitrate.

    Attributes
    ----------
    name : species name
    idx : registry index
    element : the metal
    valence : metal valence (equivalents per metal atom)
    atoms : metal atoms per formula unit
    anion : ``Cl``, ``SO4`` or ``NO3``
    component : cascade component name: the element, or ``El(II)``-style for an unusual valence
    """

    name: str
    idx: int
    element: str
    valence: float
    atoms: float
    anion: str
    component: str

    @property
    def equivalents(self) -> float:
        """Charge equivalents per formula unit (``atoms * valence``)."""
        return self.atoms * self.valence


def _usual_valence(element: str) -> float:
    return 3.0 if element in RARE_EARTHS else float(ION_CHARGE.get(element, 3))


def metal_salts(reg: Registry) -> list[MetalSalt]:
    """Every aqueous one-metal chloride, sulfate or nitrate of the registry (alkali excepted)."""
    out: list[MetalSalt] = []
    for el in reg.elements:
        if el in NON_METALS or el in ALKALI:
            continue
        for anion in ("Cl", "SO4", "NO3"):
            for v, name in salts(reg, el, anion).items():
                comp = el if v == _usual_valence(el) else f"{el}({_ROMAN.get(int(v), v)})"
                out.append(MetalSalt(name, reg.idx(name), el, float(v),
                                     float(reg.get(name).elements[el]), anion, comp))
    return out


@dataclass
class _SXRoute:
    """Net stoichiometry of one salt through extraction and strip (mol per mol of salt)."""

    salt: MetalSalt
    to_strip: np.ndarray
    to_raffinate: np.ndarray
    drawn: np.ndarray
    hcl: float  # stoichiometric strip HCl, mol per mol of salt
    problem: str = ""


def _sx_route(reg: Registry, salt: MetalSalt, sap: float, label: str) -> _SXRoute:
    n = len(reg)
    to_strip, to_raf, drawn = np.zeros(n), np.zeros(n), np.zeros(n)
    eq = salt.equivalents
    chloride = salts(reg, salt.element, "Cl").get(salt.valence)
    acid, na_salt = ANION_ACID[salt.anion], ANION_NA_SALT[salt.anion]
    needs = [("HCl(aq)", True), ("NaOH(aq)", sap > 0), ("H2O(l)", sap > 0),
             (na_salt, sap > 0), (acid, sap < 1)]
    missing = [sp for sp, need in needs if need and sp not in reg]
    if chloride is None:
        missing.append(f"a valence-{salt.valence:g} chloride of {salt.element}")
    if missing:
        return _SXRoute(salt, to_strip, to_raf, drawn, 0.0,
                        f"the registry has no {', '.join(missing)}")
    to_strip[reg.idx(chloride)] = salt.atoms / reg.get(chloride).elements[salt.element]
    atom = _ANION_ATOM[salt.anion]
    if sap > 0:
        drawn[reg.idx("NaOH(aq)")] = sap * eq
        to_raf[reg.idx("H2O(l)")] += sap * eq
        to_raf[reg.idx(na_salt)] += sap * eq / reg.get(na_salt).elements["Na"]
    if sap < 1:
        to_raf[reg.idx(acid)] += (1.0 - sap) * eq / reg.get(acid).elements["H"]
    drawn[reg.idx("HCl(aq)")] = eq
    nu = to_strip + to_raf - drawn
    nu[salt.idx] -= 1.0
    bal = reg.atoms.T @ nu
    if np.abs(bal).max() > 1e-12 * max(eq, 1.0):  # pragma: no cover - construction invariant
        raise RuntimeError(f"{label}: unbalanced SX route for {salt.name} via {atom}")
    return _SXRoute(salt, to_strip, to_raf, drawn, eq)


# --------------------------------------------------------------------------- sx_cascade
_SIM_DEFAULTS = {"n_extract": 6, "n_scrub": 6, "n_strip": 4, "oa_extract": 1.0,
                 "oa_scrub": 2.0}
_DESIGN_KEYS = ("target_purity", "target_recovery", "key")
SX_EXTRACTANTS = ("P507", "D2EHPA", "D2EHPA + lactic acid", "Cyanex 572 + TBP")


@register_unit("sx_cascade")
class SXCascade(UnitOperation):
    """Counter-current solvent-extraction cascade (mixer-settlers) for an aqueous liquor.

    The elements in ``extract`` are the more extractable group, loaded into the organic and
    stripped with HCl into the ``strip`` liquor as chlorides; the rest leaves with the
    ``raffinate``. Chemistry, volumes and reagents are described in the module docstring.

    Two modes:

    * **simulation** (default): the stage numbers ``n_extract, n_scrub, n_strip`` and phase
      ratios ``oa_extract, oa_scrub, oa_strip`` are given (defaults 6 / 6 / 4 stages,
      O/A 1 / 2 / 2: assumptions for a heavy/light group split);
    * **design**: ``design = {target_purity, target_recovery[, key]}``; the fewest extraction
      + scrub stages meeting the extract purity (mass fraction of the ``extract`` elements
      among the metals of the strip liquor) and the recovery of ``key`` (default: the least
      extractable ``extract`` element) are found *once, at construction*, with
      :func:`~recyclopt.units.cascade.design_stages` for the composition ``design_feed``.
      The stage numbers and phase ratios may then not be given (``oa_strip`` may).

    In both modes the split fractions of :func:`~recyclopt.units.cascade.split_matrix` are
    fixed at construction, so the unit is affine in its feed. Components absent from the
    design feed, or with ``D = 0``, are not part of the design search but are split by the
    final cascade all the same.

    Ports: inlet ``in``; outlets ``raffinate`` and ``strip``.
    """

    outlet_ports = ("raffinate", "strip")
    params: dict[str, Param] = {
        "extractant": Param("P507", kind="str", choices=SX_EXTRACTANTS,
                            doc="extractant whose separation factors are used",
                            source="design choice: P507 (HEH/EHP = PC88A), the workhorse of "
                            "RE separation plants (Xie et al., Miner. Eng. 56 (2014) 10-28)"),
        "extract": Param(["Dy", "Tb"], kind="list",
                         doc="elements sent to the strip liquor (the more extractable group)",
                         source="design choice: heavy/light group split of an NdFeB liquor"),
        "reference": Param("Nd", kind="str", doc="element whose D is d_reference",
                           source="design choice"),
        "d_reference": Param(0.05, "-", 1e-9, 1e6,
                             doc="distribution ratio of the reference element, extraction and "
                             "scrub sections",
                             source="assumption: D_Nd = 0.05 puts Tb/Dy at 2.5/5 (P507 table), "
                             "inside the window of a heavy/light cut at O/A ~ 1"),
        "betas": Param({}, "-", 0.0, 1e12, kind="dict",
                       doc="component -> beta relative to the reference (overrides the table; "
                       "0 = not extracted)", source=SRC_SF),
        "n_extract": Param(None, "-", 1, 1000, kind="int",
                           doc="extraction stages (simulation mode; default 6)",
                           source="assumption"),
        "n_scrub": Param(None, "-", 0, 1000, kind="int",
                         doc="scrub stages (simulation mode; default 6)", source="assumption"),
        "n_strip": Param(None, "-", 1, 1000, kind="int",
                         doc="strip stages (simulation mode; default 4)", source="assumption"),
        "oa_extract": Param(None, "-", doc="O/A in the extraction section, (0, 100] "
                            "(simulation mode; default 1)", source="assumption"),
        "oa_scrub": Param(None, "-", doc="O/A in the scrub section, (oa_extract, 100] "
                          "(simulation mode; default 2)", source="assumption"),
        "oa_strip": Param(2.0, "-", doc="O/A in the strip section, (0, 100]",
                          source="assumption: default of cascade.design_stages"),
        "d_strip": Param(0.05, "-", 0.0, 1e6, doc="distribution ratio in the strip section "
                         "(every component; 0 = complete stripping)",
                         source="assumption for 4-6 M HCl (cascade.design_stages default)"),
        "design": Param(None, kind="any",
                        doc="{target_purity, target_recovery, key}: design mode",
                        source="design choice"),
        "design_feed": Param({"Nd": 19.1, "Pr": 6.4, "Dy": 4.0, "Tb": 0.5}, "kg", 0.0, 1e12,
                             kind="dict", doc="element -> mass (any scale) of the design feed",
                             source=SRC_EV),
        "reflux_factor": Param(1.5, "-", 1.0, 100.0,
                               doc="operating / minimum reflux in design mode (> 1)",
                               source="assumption (cascade.design_stages default: R/R_min "
                               "1.1-1.5 rule of thumb, Seader & Henley)"),
        "strip_tolerance": Param(1e-4, "-", 1e-12, 0.5,
                                 doc="largest fraction left unstripped (design mode)",
                                 source="assumption (cascade.design_stages default)"),
        "max_stages": Param(200, "-", 1, 1000, kind="int",
                            doc="largest extraction + scrub stage count searched (design mode)",
                            source="design choice"),
        "saponification_degree": Param(0.4, "-", 0.0, 1.0,
                                       doc="fraction of the exchanged protons pre-neutralised "
                                       "with NaOH", source=SRC_REAGENTS),
        "strip_acid_excess": Param(0.2, "-", 0.0, 10.0,
                                   doc="HCl above the stoichiometric n mol per mol stripped",
                                   source=SRC_REAGENTS),
        "extractant_loss_kg_per_m3": Param(0.01, "kg/m3", 0.0, 100.0,
                                           doc="extractant lost per m3 of aqueous leaving",
                                           source=SRC_REAGENTS),
        "kwh_per_m3_stage": Param(0.06, "kWh/m3", 0.0, 100.0,
                                  doc="electricity per m3 of aqueous per stage",
                                  source=SRC_MIXER),
        "T_K": Param(T_REF, "K", 273.15, 373.15, doc="operating temperature of the outlets",
                     source="assumption: mixer-settlers near ambient"),
        "feed_volume": Param("cap", kind="str", choices=("cap", "loading", "water"),
                             doc="aqueous feed volume: 'cap' the feed's water, diluted where "
                             "the organic would load above its limit; 'loading' concentrated "
                             "(evaporated) or diluted to the design concentration; 'water' the "
                             "feed's water, unchecked", source="design choice"),
        "max_loading_g_per_L": Param(
            20.0, "g REO/L", 0.1, 200.0, doc="rare earths (as RE2O3) in the loaded organic",
            source=SRC_LOADING, confidence="estimate"),
        "feed_concentration_g_per_L": Param(
            200.0, "g REO/L", 1.0, 400.0, doc="highest rare-earth concentration (as RE2O3) of "
            "the conditioned aqueous feed", source=SRC_FEED_CONC, confidence="estimate"),
        "evaporator_economy": Param(2.5, "kg/kg", 0.5, 10.0,
                                    doc="water evaporated per kg of steam (feed concentration)",
                                    source=SRC_EVAP, confidence="estimate"),
    }

    # ------------------------------------------------------------------ construction
    def validate(self) -> None:
        reg = self.registry
        p = self.p
        self.salts = metal_salts(reg)
        self.components = sorted({s.component for s in self.salts})
        self.extract = _element_list(self, "extract", self.components)
        if p["reference"] not in self.components:
            raise InputError(f"{self.label} parameter 'reference': {p['reference']!r}; allowed: "
                             f"{self.components}", field="reference")
        self._d = self._distribution_ratios()
        for el in self.extract:
            if self._d[el] <= 0:
                raise InputError(
                    f"{self.label} parameter 'extract': {el} has no separation factor against "
                    f"{p['reference']} for extractant {p['extractant']!r}; give one in 'betas'",
                    field="extract")
        _positive(self, "oa_strip")
        for name in ("H2O(l)", "HCl(aq)"):
            self.species_idx(name, "extractant")
        self.stage_design: StageDesign | None = None
        if p["design"] is None:
            self.cascade = self._simulation_design()
        else:
            self.cascade = self._design_mode()
        split = split_matrix(self.cascade)["extract"]
        self.phi = {c: float(min(max(split[c], 0.0), 1.0)) for c in self.components}
        self.feed_conc = self._design_feed_concentration()
        self.routes = [_sx_route(reg, s, p["saponification_degree"], self.label)
                       for s in self.salts]
        self.water = reg.idx("H2O(l)")
        self.hcl = reg.idx("HCl(aq)")
        ex = p["extractant"]
        self.extractant_idx = reg.idx(ex) if ex in reg else None

    def _distribution_ratios(self) -> dict[str, float]:
        p = self.p
        d: dict[str, float] = {}
        self.no_factor: list[str] = []
        for c in self.components:
            if c in p["betas"]:
                beta = p["betas"][c]
            else:
                beta = separation_factor(c, p["reference"], p["extractant"])
                if beta is None:
                    self.no_factor.append(c)
                    beta = 0.0
            d[c] = float(beta) * p["d_reference"]
        unknown = sorted(set(p["betas"]) - set(self.components))
        if unknown:
            raise InputError(f"{self.label} parameter 'betas': unknown component(s) {unknown}; "
                             f"allowed: {self.components}", field="betas")
        if self.p["betas"].get(p["reference"], 1.0) != 1.0:
            raise InputError(f"{self.label} parameter 'betas': the reference {p['reference']} "
                             "must have beta 1", field="betas")
        return d

    def _cascade(self, n_e: int, n_s: int, n_st: int, oa_e: float, oa_s: float | None
                 ) -> CascadeDesign:
        d = [self._d[c] for c in self.components]
        try:
            return CascadeDesign(tuple(self.components), n_e, n_s, n_st, d, d_scrub=d,
                                 d_strip=self.p["d_strip"], oa_extract=oa_e,
                                 oa_scrub=oa_s if n_s else None, oa_strip=self.p["oa_strip"])
        except InputError as exc:
            raise InputError(f"{self.label} parameter {exc.field!r}: {exc}",
                             field=exc.field) from None

    def _simulation_design(self) -> CascadeDesign:
        for name, default in _SIM_DEFAULTS.items():
            if self.p[name] is None:
                self.p[name] = default
        oa_e = _positive(self, "oa_extract")
        oa_s = _positive(self, "oa_scrub")
        if self.p["n_scrub"] > 0 and not oa_s > oa_e:
            raise InputError(f"{self.label} parameter 'oa_scrub': {oa_s:g} is outside the "
                             f"allowed range (oa_extract = {oa_e:g}, 100]: the scrub O/A must "
                             "exceed the extraction O/A so the feed aqueous flow is positive",
                             field="oa_scrub")
        return self._cascade(self.p["n_extract"], self.p["n_scrub"], self.p["n_strip"], oa_e,
                             oa_s)

    def _design_mode(self) -> CascadeDesign:
        p = self.p
        given = [k for k in _SIM_DEFAULTS if p[k] is not None]
        if given:
            raise InputError(f"{self.label}: give either 'design' or the stage numbers and "
                             f"phase ratios, not both (got design and {given})", field=given[0])
        spec = p["design"]
        if not isinstance(spec, Mapping):
            raise InputError(f"{self.label} parameter 'design': expected a mapping with "
                             f"{list(_DESIGN_KEYS)}, got {spec!r}", field="design")
        unknown = sorted(set(spec) - set(_DESIGN_KEYS))
        missing = [k for k in _DESIGN_KEYS[:2] if k not in spec]
        if unknown or missing:
            raise InputError(f"{self.label} parameter 'design': unknown {unknown} / missing "
                             f"{missing}; allowed: {list(_DESIGN_KEYS)}", field="design")
        if not p["reflux_factor"] > 1.0:
            raise InputError(f"{self.label} parameter 'reflux_factor': {p['reflux_factor']:g} "
                             "is outside the allowed range (1, 100]", field="reflux_factor")
        feed = {c: v for c, v in p["design_feed"].items() if v > 0}
        bad = sorted(set(p["design_feed"]) - set(self.components))
        if bad:
            raise InputError(f"{self.label} parameter 'design_feed': unknown component(s) {bad}; "
                             f"allowed: {self.components}", field="design_feed")
        comps = [c for c in self.components if c in feed and self._d[c] > 0]
        heavy = [c for c in comps if c in self.extract]
        light = [c for c in comps if c not in self.extract]
        if not heavy or not light:
            raise InputError(f"{self.label} parameter 'design_feed': needs at least one element "
                             f"of 'extract' {self.extract} and one other extractable element "
                             f"(has {comps})", field="design_feed")
        key = spec.get("key")
        if key is not None and key not in heavy:
            raise InputError(f"{self.label} parameter 'design': key {key!r} must be an element "
                             f"of 'extract' present in the design feed ({heavy})",
                             field="design.key")
        try:
            sd = design_stages(light, heavy, {c: feed[c] for c in comps},
                               {c: self._d[c] for c in comps},
                               target_purity=float(spec["target_purity"]),
                               target_recovery=float(spec["target_recovery"]), key=key,
                               reflux_factor=p["reflux_factor"], d_strip=p["d_strip"],
                               oa_strip=p["oa_strip"], strip_tolerance=p["strip_tolerance"],
                               max_stages=p["max_stages"])
        except SeparationInfeasibleError as exc:
            raise SeparationInfeasibleError(f"{self.label} parameter 'design': {exc}") from None
        except (InputError, TypeError, ValueError) as exc:
            fld = getattr(exc, "field", None) or "design"
            raise InputError(f"{self.label} parameter 'design': {exc}",
                             field=f"design.{fld}") from None
        self.stage_design = sd
        return self._cascade(sd.n_extract, sd.n_scrub, sd.n_strip, sd.design.oa_extract,
                             sd.design.oa_scrub)

    def _design_feed_concentration(self) -> float:
        """Aqueous feed concentration (kg REO/m3) meeting the loading limit at the design feed.

        The organic carries ``L = c f a`` kg REO/m3 for a feed of ``c`` kg REO/m3 of which a
        fraction ``f`` is extracted, with ``a`` m3 of aqueous feed per m3 of organic; so
        ``c = min(c_max, L_max / (f a))``. Fixed at construction: the unit stays linear.
        """
        p = self.p
        reo = {c: p["design_feed"].get(c, 0.0) * reo_per_re(c) for c in RARE_EARTHS
               if c in self.phi}
        total = sum(reo.values())
        moved = sum(self.phi[c] * v for c, v in reo.items())
        f_a = moved / total * self.cascade.feed_aqueous_flow() if total > 0 else 0.0
        c_max = p["feed_concentration_g_per_L"]
        return c_max if f_a <= 0 else min(c_max, p["max_loading_g_per_L"] / f_a)

    # ------------------------------------------------------------------ figures
    def stage_counts(self) -> dict[str, int]:
        """Extraction, scrub, strip and total stages of the cascade."""
        c = self.cascade
        return {"n_extract": c.n_extract, "n_scrub": c.n_scrub, "n_strip": c.n_strip,
                "n_stages": c.n_stages}

    def _energy_factor(self) -> float:
        """Multiplier on mixer-settler energy (1 for mixer-settlers)."""
        return 1.0

    def _design_info(self) -> dict[str, Any]:
        c = self.cascade
        info: dict[str, Any] = {
            **self.stage_counts(),
            "mode": "simulation" if self.stage_design is None else "design",
            "oa_extract": c.oa_extract, "oa_scrub": c.oa_scrub, "oa_strip": c.oa_strip,
            "distribution_ratios": dict(self._d),
            "split_to_strip": dict(self.phi),
            "no_separation_factor": list(self.no_factor),
            "extractant_note": ("extractant make-up is cost-only (kg/s in "
                                "'extractant_makeup_kg_s'): no extractant species in the "
                                "registry") if self.extractant_idx is None else
                               "extractant make-up drawn as a reagent, leaves with the raffinate",
        }
        sd = self.stage_design
        if sd is not None:
            info.update({"design_purity": sd.purity, "design_recovery": sd.recovery,
                         "key_heavy": sd.key_heavy, "key_light": sd.key_light,
                         "beta_key": sd.beta_key, "reflux_ratio": sd.reflux_ratio,
                         "min_reflux_ratio": sd.min_reflux_ratio,
                         "fenske_min_stages": sd.fenske_min_stages,
                         "separation_stages": sd.separation_stages})
        return info

    # ------------------------------------------------------------------ run
    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        reg = self.registry
        p = self.p
        feed = _feed(inlets, reg)
        mol = feed.moles()
        n = len(reg)
        moved = np.zeros(n)
        strip = np.zeros(n)
        raf_add = np.zeros(n)
        drawn = np.zeros(n)
        hcl_stoich = 0.0
        for r in self.routes:
            m = mol[r.salt.idx]
            if m <= 0:
                continue
            if r.problem:
                raise InputError(f"{self.label}: feed species {r.salt.name!r} cannot be "
                                 f"processed: {r.problem} (saponification_degree "
                                 f"{p['saponification_degree']:g})", field="feed")
            x = self.phi[r.salt.component] * m
            moved[r.salt.idx] += x
            strip += x * r.to_strip
            raf_add += x * r.to_raffinate
            drawn += x * r.drawn
            hcl_stoich += x * r.hcl
        excess = p["strip_acid_excess"] * hcl_stoich
        drawn[self.hcl] += excess
        strip[self.hcl] += excess
        # volumes: the aqueous feed is conditioned to the design concentration (or is its
        # own water); organic and liquors follow from the O/A ratios
        c = self.cascade
        v_feed, evap, dilute = self._feed_volume(feed)
        organic = v_feed / c.feed_aqueous_flow()
        v_scrub = organic / c.oa_scrub if c.n_scrub else 0.0
        v_strip = organic / c.oa_strip
        v_raf = v_feed + v_scrub
        mw = reg.molar_masses
        drawn_kg = drawn * mw
        raf_kg = feed.flows - moved * mw + raf_add * mw
        strip_kg = strip * mw
        raf_kg[self.water] += v_scrub * WATER_DENSITY + dilute - evap
        strip_kg[self.water] += v_strip * WATER_DENSITY
        drawn_kg[self.water] += (v_scrub + v_strip) * WATER_DENSITY + dilute
        makeup = p["extractant_loss_kg_per_m3"] * (v_raf + v_strip)
        if self.extractant_idx is not None:
            drawn_kg[self.extractant_idx] += makeup
            raf_kg[self.extractant_idx] += makeup
        stage_m3 = organic * float(c.aqueous_flows().sum())  # m3/s summed over stages
        elec = p["kwh_per_m3_stage"] * stage_m3 * J_PER_KWH * self._energy_factor()
        T = p["T_K"]
        outs = {"raffinate": self.stream(raf_kg, T, feed.P),
                "strip": self.stream(strip_kg, T, feed.P)}
        reagents = self.stream(drawn_kg, T_REF)
        condensate = np.zeros(n)
        condensate[self.water] = evap
        info = self._design_info()
        info.update(self._run_info(feed, outs["strip"], drawn_kg, elec, makeup, organic))
        info["feed_evaporated_kg_s"] = evap
        info["feed_dilution_water_kg_s"] = dilute
        res = self.finish(inlets, outs, reagents=reagents, losses=self.stream(condensate, T),
                          electricity_W=elec, info=info, warnings=self._window(info))
        # multiple-effect evaporation of the feed: steam heat, rejected at the condenser
        steam = evap * H_VAP_WATER / p["evaporator_economy"] / STEAM_BOILER_EFFICIENCY
        res.heat_W += steam
        res.heat_rejected_W += steam
        return res

    def _feed_volume(self, feed: Stream) -> tuple[float, float, float]:
        """Aqueous feed m3/s, water evaporated and dilution water drawn (kg/s).

        With ``V* = REO fed / c`` (``c`` from :meth:`_design_feed_concentration`):
        ``loading``: ``V = V*``, the water above it evaporated (condensate to ``losses``), a
        shortfall drawn; ``cap``: ``V = max(water, V*)``, diluted only; ``water``: ``V`` = the
        feed's water. Each mode is linear in the feed while the feed keeps its side of ``V*``.
        """
        water = float(feed.flows[self.water])
        mode = self.p["feed_volume"]
        if mode == "water":
            return water / WATER_DENSITY, 0.0, 0.0
        el = feed.element_flows()
        reo = sum(el.get(c, 0.0) * reo_per_re(c) for c in RARE_EARTHS)
        target = reo / self.feed_conc * WATER_DENSITY
        dilute = max(target - water, 0.0)
        evap = max(water - target, 0.0) if mode == "loading" else 0.0
        return (water + dilute - evap) / WATER_DENSITY, evap, dilute

    def _window(self, info: dict[str, Any]) -> list[str]:
        """Operating-window warnings: a phase ratio above ~20:1, a loading above its limit."""
        out = []
        for name in ("oa_extract", "oa_scrub", "oa_strip"):
            v = info.get(name)
            if v is not None and v > MAX_PHASE_RATIO:
                out.append(f"{self.label}: {name} {v:.3g} is above the usual mixer-settler "
                           f"window ({MAX_PHASE_RATIO:g}:1)")
        load = info.get("organic_loading_g_per_L", 0.0)
        if load > self.p["max_loading_g_per_L"] * (1 + 1e-3):  # 0.1 %: composition drift
            out.append(f"{self.label}: loaded organic {load:.3g} g REO/L is above its limit "
                       f"{self.p['max_loading_g_per_L']:g} g/L")
        return out

    def _run_info(self, feed: Stream, strip: Stream, drawn_kg: np.ndarray, elec: float,
                  makeup: float, organic: float) -> dict[str, Any]:
        reg = self.registry
        metals = sorted({s.element for s in self.salts})
        f_el = feed.element_flows()
        s_el = strip.element_flows()
        strip_metal = float(sum(s_el[e] for e in metals))
        ext_set = {e.split("(")[0] for e in self.extract}
        re_strip = float(sum(s_el[e] for e in metals if e in RARE_EARTHS))
        nan = float("nan")

        def per_re(x: float) -> float:
            return x / re_strip if re_strip > 0 else nan

        naoh = float(drawn_kg[reg.idx("NaOH(aq)")]) if "NaOH(aq)" in reg else 0.0
        return {
            "purity": (float(sum(s_el[e] for e in ext_set)) / strip_metal
                       if strip_metal > 0 else nan),
            "recovery": {e: float(s_el[e] / f_el[e]) for e in metals if f_el[e] > 0},
            "RE_to_strip_kg_s": re_strip,
            "NaOH_kg_per_kg_RE": per_re(naoh),
            "HCl_kg_per_kg_RE": per_re(float(drawn_kg[self.hcl])),
            "electricity_kWh_per_kg_RE": per_re(elec / J_PER_KWH),
            "extractant_makeup_kg_s": makeup,
            "extractant_makeup_kg_per_kg_RE": per_re(makeup),
            "organic_flow_m3_s": organic,
            "organic_loading_g_per_L": (sum(s_el[e] * reo_per_re(e) for e in metals
                                            if e in RARE_EARTHS) / organic
                                        if organic > 0 else 0.0),
            "feed_concentration_g_REO_per_L": self.feed_conc,
        }


# --------------------------------------------------------------------------- rapid_sx
@register_unit("rapid_sx")
class RapidSX(SXCascade):
    """Intensified column solvent extraction (Ucore RapidSX type).

    The same chemistry, split fractions and reagents as ``sx_cascade`` (the stage counts are
    *theoretical* equilibrium stages), performed in column contactors: the number of physical
    contactors is ``ceil(n_stages * (1 - stage_reduction))`` and the mixing energy falls in
    the same proportion. The default ``stage_reduction`` of 0.5 is a conservative assumption
    against the vendor's 'up to 85-90% fewer process steps'; the capital-cost figures are
    reported in ``info['capex_note']`` for the economics and do not enter the balances.

    Ports: inlet ``in``; outlets ``raffinate`` and ``strip``.
    """

    params = {
        **SXCascade.params,
        "stage_reduction": Param(0.5, "-", 0.0, 0.9,
                                 doc="fraction of contactors (and mixing energy) saved against "
                                 "mixer-settlers",
                                 source=SRC_RAPIDSX + "; default 0.5 is a conservative "
                                 "assumption"),
        "kwh_per_m3_stage": Param(0.06, "kWh/m3", 0.0, 100.0,
                                  doc="electricity per m3 of aqueous per contactor",
                                  source="assumption: as a mixer-settler stage (" + SRC_MIXER
                                  + ")"),
    }

    def contactors(self) -> int:
        """Physical contactors for the cascade's theoretical stages."""
        return math.ceil(self.cascade.n_stages * (1.0 - self.p["stage_reduction"]) - 1e-9)

    def _energy_factor(self) -> float:
        return 1.0 - self.p["stage_reduction"]

    def _design_info(self) -> dict[str, Any]:
        info = super()._design_info()
        info.update({"theoretical_stages": self.cascade.n_stages,
                     "contactors": self.contactors(),
                     "stage_reduction": self.p["stage_reduction"],
                     "capex_note": SRC_RAPIDSX_CAPEX})
        return info


# --------------------------------------------------------------------------- ion exchange
@register_unit("ion_exchange")
class IonExchange(UnitOperation):
    """Ligand-assisted displacement chromatography (ReElement / Purdue type).

    The rare earths in ``elements`` load onto a cation-exchange resin and are displaced by a
    complexing eluent (EDTA) as adjacent bands in order of their complex stability (strongest
    first), cut into the products of ``products`` (one outlet port per product, e.g. ``Dy``,
    ``Tb``, ``NdPr``). Everything else -- the feed liquor, other metals, spent regenerant --
    leaves through ``rest``.

    Linearity: the band model (:func:`~recyclopt.units.chromatography.split_fractions`) depends
    on the feed *composition*. The split is therefore evaluated once, at construction, for the
    composition ``design_feed`` and then applied to any feed; with ``n_plates`` omitted, the
    plates are sized with :func:`~recyclopt.units.chromatography.required_plates` so that
    every product reaches ``target_purity`` (molar basis) at that composition.

    Chemistry (net, per cycle; every element balances):

    * the rare-earth salt species move unchanged to their product bands, dissolved in the
      eluate water (``eluent_l_per_kg_re`` at the design feed's mean molar mass, drawn as
      H2O(l); isotachic bands share one molar concentration, so each product gets water in
      proportion to its RE moles). The RE leave the column as EDTA complexes; the acid
      recovery of the ligand that returns them to their salts is represented by its net;
    * the eluent cation taken up by the resin (Na+, ``eluent_cation_eq_per_eq`` equivalents
      per RE equivalent, drawn as NaOH(aq)) is displaced on regeneration with HCl(aq) at
      ``1 + regenerant_excess`` times stoichiometric: net ``NaOH + HCl -> NaCl + H2O`` to
      ``rest``, with the excess HCl;
    * the ligand circulates; its make-up (no EDTA species in the registry) is reported in
      ``info`` for costing only.

    Ports: inlet ``in``; outlets: one per product and ``rest``.
    """

    outlet_ports = ("*",)
    params = {
        "ligand": Param("EDTA (LAD)", kind="str", choices=("EDTA (LAD)",),
                        doc="selectivity table rows (ligand-complex stability ratios)",
                        source=SRC_SF),
        "elements": Param(["Dy", "Tb", "Nd", "Pr"], kind="list",
                          doc="rare earths loaded and separated into bands",
                          source="design choice: the NdFeB rare earths"),
        "products": Param({"Dy": ["Dy"], "Tb": ["Tb"], "NdPr": ["Nd", "Pr"]}, kind="any",
                          doc="product port -> contiguous group of elements",
                          source="design choice: Dy, Tb and didymium (NdPr) products"),
        "reference": Param("Nd", kind="str", doc="element the betas refer to",
                           source="design choice"),
        "betas": Param({}, "-", 1e-12, 1e12, kind="dict",
                       doc="element -> selectivity relative to the reference (overrides the "
                       "table)", source=SRC_SF),
        "n_plates": Param(None, "-", 1e-6, 1e9, doc="theoretical plates; sized for "
                          "target_purity if omitted", source="design choice"),
        "target_purity": Param(None, "-", 0.5, 0.999999,
                               doc="purity of every product at the design feed (molar), used "
                               "when n_plates is omitted (default 0.995)", source=SRC_REELEMENT),
        "design_feed": Param({"Nd": 19.1, "Pr": 6.4, "Dy": 4.0, "Tb": 0.5}, "kg", 0.0, 1e12,
                             kind="dict", doc="element -> mass of the design feed",
                             source=SRC_EV),
        "loading_fraction": Param(0.3, "-", 1e-6, 1.0, doc="bed capacity loaded per cycle",
                                  source=SRC_LAD),
        "resin_capacity_eq_per_kg": Param(2.0, "eq/kg", 1e-6, 100.0,
                                          doc="resin exchange capacity", source=SRC_LAD),
        "cycle_time_h": Param(12.0, "h", 1e-6, 1e4, doc="loading-development-elution cycle",
                              source=SRC_LAD),
        "eluent_l_per_kg_re": Param(250.0, "L/kg", 0.0, 1e5,
                                    doc="eluent (as water) per kg of rare earth separated",
                                    source=SRC_LAD),
        "eluent_cation_eq_per_eq": Param(
            1.0, "-", 0.0, 10.0,
            doc="eluent cation (Na+, drawn as NaOH) taken up by the resin per RE equivalent",
            source="assumption: each RE3+ on the resin is replaced by three Na+ of the Na-EDTA "
            "eluent"),
        "regenerant_excess": Param(0.2, "-", 0.0, 10.0,
                                   doc="regenerant HCl above the stoichiometric Na+ to displace",
                                   source="assumption: as the SX strip-acid excess"),
        "ligand_makeup_kg_per_kg_re": Param(
            0.02, "kg/kg", 0.0, 100.0, doc="EDTA make-up (cost-only, info)",
            source="assumption: ~2 kg EDTA circulates per kg RE (1 mol, 292 g, per mol RE, "
            "144 g) with ~1% lost per cycle"),
        "kwh_per_kg_re": Param(0.1, "kWh/kg", 0.0, 1000.0,
                               doc="electricity (pumping) per kg RE separated",
                               source="assumption: 250 L/kg pumped through packed columns at "
                               "~10 bar with 70% pump efficiency = 1e6 Pa x 0.25 m3 / 0.7 = "
                               "0.36 MJ = 0.1 kWh/kg"),
        "T_K": Param(T_REF, "K", 273.15, 373.15, doc="operating temperature of the outlets",
                     source="assumption: columns near ambient"),
    }

    def active_outlets(self) -> tuple[str, ...]:
        return (*self.product_names, "rest")

    def validate(self) -> None:
        reg = self.registry
        p = self.p
        rare = [e for e in reg.elements if e in RARE_EARTHS]
        els = _element_list(self, "elements", rare)
        if len(els) < 2:
            raise InputError(f"{self.label} parameter 'elements': at least two elements are "
                             "needed", field="elements")
        if p["reference"] not in els:
            raise InputError(f"{self.label} parameter 'reference': {p['reference']!r}; allowed: "
                             f"{els}", field="reference")
        unknown = sorted(set(p["betas"]) - set(els))
        if unknown:
            raise InputError(f"{self.label} parameter 'betas': unknown element(s) {unknown}; "
                             f"allowed: {els}", field="betas")
        beta: dict[str, float] = {}
        for e in els:
            b = p["betas"].get(e, separation_factor(e, p["reference"], p["ligand"]))
            if b is None:
                raise InputError(f"{self.label} parameter 'elements': no selectivity for {e} "
                                 f"against {p['reference']} ({p['ligand']}); give one in 'betas'",
                                 field="elements")
            beta[e] = float(b)
        order = sorted(els, key=lambda e: -beta[e])
        alphas = tuple(beta[a] / beta[b] for a, b in zip(order[:-1], order[1:], strict=True))
        groups = self._products(order)
        self.product_names = [name for name, _ in groups]
        feed = p["design_feed"]
        bad = sorted(set(feed) - set(els))
        if bad:
            raise InputError(f"{self.label} parameter 'design_feed': unknown element(s) {bad}; "
                             f"allowed: {els}", field="design_feed")
        em = {e: float(reg.element_masses[reg.element_index[e]]) for e in els}
        z = np.array([feed.get(e, 0.0) / em[e] for e in order])
        if z.sum() <= 0:
            raise InputError(f"{self.label} parameter 'design_feed': no element of {els}",
                             field="design_feed")
        self.mean_molar_mass = float(sum(feed.get(e, 0.0) for e in order) / z.sum())
        kw = dict(products=tuple(tuple(g) for _, g in groups),
                  loading_fraction=p["loading_fraction"],
                  resin_capacity_eq_per_kg=p["resin_capacity_eq_per_kg"],
                  cycle_time_h=p["cycle_time_h"], eluent_l_per_kg_re=p["eluent_l_per_kg_re"])
        if p["n_plates"] is not None and p["target_purity"] is not None:
            raise InputError(f"{self.label}: give either 'n_plates' or 'target_purity', not both",
                             field="n_plates")
        try:
            plates = p["n_plates"]
            self.target_purity = None
            if plates is None:
                self.target_purity = p["target_purity"] or 0.995
                probe = DisplacementDesign(tuple(order), alphas, 1.0, **kw)
                plates = required_plates(probe, z, self.target_purity)
            self.design = DisplacementDesign(tuple(order), alphas, plates, **kw)
        except SeparationInfeasibleError as exc:
            raise SeparationInfeasibleError(f"{self.label} parameter 'target_purity': {exc}"
                                            ) from None
        except InputError as exc:
            raise InputError(f"{self.label} parameter {exc.field!r}: {exc}",
                             field=exc.field) from None
        split = split_fractions(self.design, z)
        split.columns = self.product_names
        self.split = split
        amounts = split.to_numpy() * z[:, None]
        own = [amounts[[order.index(e) for e in g], k].sum() for k, (_, g) in enumerate(groups)]
        tot = amounts.sum(axis=0)
        self.design_purity = {n: float(o / t) if t > 0 else float("nan")
                              for n, o, t in zip(self.product_names, own, tot, strict=True)}
        self.order = order
        self.alphas = alphas
        self.salts = [s for s in metal_salts(reg) if s.element in els]
        for sp in ("H2O(l)", "NaOH(aq)", "HCl(aq)", "NaCl(aq)"):
            self.species_idx(sp, "eluent_cation_eq_per_eq")
        self.water, self.naoh = reg.idx("H2O(l)"), reg.idx("NaOH(aq)")
        self.hcl, self.nacl = reg.idx("HCl(aq)"), reg.idx("NaCl(aq)")
        # eluate water per mol of RE: L/kg at the design feed's mean molar mass, 1 kg/L
        self.water_kg_per_mol = p["eluent_l_per_kg_re"] * self.mean_molar_mass

    def _products(self, order: list[str]) -> list[tuple[str, list[str]]]:
        prods = self.p["products"]
        if not isinstance(prods, Mapping) or not prods:
            raise InputError(f"{self.label} parameter 'products': expected a mapping port -> "
                             f"list of elements, got {prods!r}", field="products")
        groups = []
        for name, members in prods.items():
            if not isinstance(name, str) or not name or name == "rest":
                raise InputError(f"{self.label} parameter 'products': port name {name!r} is not "
                                 "allowed ('rest' is reserved)", field="products")
            if isinstance(members, str) or not isinstance(members, Sequence) or not members:
                raise InputError(f"{self.label} parameter 'products': {name!r} needs a non-empty "
                                 "list of elements", field="products")
            members = [str(m) for m in members]
            stray = [m for m in members if m not in order]
            if stray:
                raise InputError(f"{self.label} parameter 'products': {name!r} names {stray}, "
                                 f"not in 'elements' {order}", field="products")
            groups.append((name, sorted(members, key=order.index)))
        groups.sort(key=lambda g: order.index(g[1][0]))
        return groups

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        reg = self.registry
        p = self.p
        feed = _feed(inlets, reg)
        mol = feed.moles()
        n = len(reg)
        products = {name: np.zeros(n) for name in self.product_names}
        moved = np.zeros(n)
        re_mol = eq = 0.0
        for s in self.salts:
            m = mol[s.idx]
            if m <= 0:
                continue
            re_mol += s.atoms * m
            eq += s.equivalents * m
            for name in self.product_names:
                x = float(self.split.loc[s.element, name]) * m
                products[name][s.idx] += x
                products[name][self.water] += (self.water_kg_per_mol * s.atoms * x
                                               / reg.molar_masses[self.water])
                moved[s.idx] += x
        na = p["eluent_cation_eq_per_eq"] * eq
        hcl = na * (1.0 + p["regenerant_excess"])
        drawn = np.zeros(n)
        drawn[self.naoh] = na
        drawn[self.hcl] = hcl
        drawn[self.water] = sum(v[self.water] for v in products.values())
        rest = mol - moved
        rest[self.nacl] += na
        rest[self.water] += na
        rest[self.hcl] += hcl - na
        mw = reg.molar_masses
        T = p["T_K"]
        outs = {name: self.stream(v * mw, T, feed.P) for name, v in products.items()}
        outs["rest"] = self.stream(rest * mw, T, feed.P)
        re_kg = float(sum(feed.element_flows()[e] for e in self.order))
        elec = p["kwh_per_kg_re"] * re_kg * J_PER_KWH
        # resin: equivalents loaded per cycle over the usable capacity per kg
        resin = float(eq * 3600.0 * p["cycle_time_h"]
                      / (p["loading_fraction"] * p["resin_capacity_eq_per_kg"]))
        info = {
            "band_order": list(self.order), "selectivities": list(self.alphas),
            "n_plates": self.design.n_plates, "target_purity": self.target_purity,
            "design_purity": dict(self.design_purity),
            "split": {e: dict(self.split.loc[e]) for e in self.order},
            "RE_loaded_mol_s": re_mol, "resin_inventory_kg": resin,
            "eluent_m3_h": float(drawn[self.water] * mw[self.water]) * 3600.0 / WATER_DENSITY,
            "NaOH_kg_per_kg_RE": per_kg(na * mw[self.naoh], re_kg, feed.total),
            "HCl_kg_per_kg_RE": per_kg(hcl * mw[self.hcl], re_kg, feed.total),
            "ligand_makeup_kg_s": p["ligand_makeup_kg_per_kg_re"] * re_kg,
            "ligand_note": "EDTA make-up is cost-only: no EDTA species in the registry",
        }
        return self.finish(inlets, outs, reagents=self.stream(drawn * mw, T_REF),
                           electricity_W=elec, info=info)


# --------------------------------------------------------------------------- parameterised
@dataclass
class _SplitDefaults:
    re_recovery: tuple[float, str]
    other_recovery: tuple[float, str]
    kwh: tuple[float, str]
    reagents: tuple[dict[str, float], str]
    reagent_outlet: tuple[str, str]
    extra: dict[str, Param] = field(default_factory=dict)


def _split_params(d: _SplitDefaults) -> dict[str, Param]:
    return {
        "re_recovery": Param(d.re_recovery[0], "-", 0.0, 1.0,
                             doc="fraction of each rare earth to the product", source=d.re_recovery[1]),
        "other_recovery": Param(d.other_recovery[0], "-", 0.0, 1.0,
                                doc="fraction of every other dissolved metal to the product",
                                source=d.other_recovery[1]),
        "recovery": Param({}, "-", 0.0, 1.0, kind="dict",
                          doc="element -> fraction to the product (overrides the two above)",
                          source="design choice"),
        "kwh_per_kg_re": Param(d.kwh[0], "kWh/kg", 0.0, 1000.0,
                               doc="electricity per kg of rare earth in the feed",
                               source=d.kwh[1]),
        "reagents": Param(d.reagents[0], "kg/kg", 0.0, 1e5, kind="dict",
                          doc="species -> kg drawn per kg of rare earth in the feed",
                          source=d.reagents[1]),
        "reagent_outlet": Param(d.reagent_outlet[0], kind="str", choices=("product", "residue"),
                                doc="outlet the reagents leave with", source=d.reagent_outlet[1]),
        "T_K": Param(T_REF, "K", 273.15, 373.15, doc="operating temperature of the outlets",
                     source="assumption: near ambient"),
    }


class _SplitSeparation(UnitOperation):
    """Parameterised split of the dissolved metals between ``product`` and ``residue``.

    Each aqueous species containing one metal goes to the product with the recovery of its
    metal (``recovery``, else ``re_recovery`` for rare earths and ``other_recovery`` for the
    rest); all other species (water, acids, solids, gases) go to the residue. Reagents are
    drawn per kg of rare earth in the feed's aqueous species and join ``reagent_outlet``
    unchanged; electricity is ``kwh_per_kg_re`` per kg of that rare earth.

    Ports: inlet ``in``; outlets ``product`` and ``residue``.
    """

    outlet_ports = ("product", "residue")

    def validate(self) -> None:
        reg = self.registry
        p = self.p
        for el in p["recovery"]:
            if el not in reg.element_index or el in NON_METALS:
                raise InputError(f"{self.label} parameter 'recovery': unknown metal {el!r}",
                                 field="recovery")
        frac = np.zeros(len(reg))
        re_mask = np.zeros(len(reg))
        for i, s in enumerate(reg.species):
            metals = [e for e in s.elements if e not in NON_METALS]
            if s.phase != "aq" or len(metals) != 1:
                continue
            el = metals[0]
            default = p["re_recovery"] if el in RARE_EARTHS else p["other_recovery"]
            frac[i] = p["recovery"].get(el, default)
            re_mask[i] = 1.0 if el in RARE_EARTHS else 0.0
        self.frac = frac
        cols = [reg.element_index[e] for e in reg.elements if e in RARE_EARTHS]
        # kg of rare-earth element per kg of each aqueous RE species
        self.re_per_kg = reg.E[:, cols].sum(axis=1) * re_mask
        self.reagent_vec = np.zeros(len(reg))
        for sp, x in p["reagents"].items():
            self.reagent_vec[self.species_idx(sp, "reagents")] = x

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        p = self.p
        feed = _feed(inlets, self.registry)
        product = feed.flows * self.frac
        residue = feed.flows - product
        re_kg = float(self.re_per_kg @ feed.flows)
        drawn = self.reagent_vec * re_kg
        if p["reagent_outlet"] == "product":
            product = product + drawn
        else:
            residue = residue + drawn
        elec = p["kwh_per_kg_re"] * re_kg * J_PER_KWH
        T = p["T_K"]
        outs = {"product": self.stream(product, T, feed.P),
                "residue": self.stream(residue, T, feed.P)}
        f_el = feed.element_flows()
        pr_el = outs["product"].element_flows()
        metals = [e for e in f_el.index if e not in NON_METALS and f_el[e] > 0]
        re_prod = float(sum(pr_el[e] for e in metals if e in RARE_EARTHS))
        all_prod = float(sum(pr_el[e] for e in metals))
        info = {"RE_processed_kg_s": re_kg,
                "recovery": {e: float(pr_el[e] / f_el[e]) for e in metals},
                "RE_purity": re_prod / all_prod if all_prod > 0 else float("nan"),
                "electricity_kWh_per_kg_RE": p["kwh_per_kg_re"]}
        return self.finish(inlets, outs, reagents=self.stream(drawn, T_REF),
                           electricity_W=elec, info=info)


@register_unit("membrane_sx")
class MembraneSX(_SplitSeparation):
    """Membrane-assisted solvent extraction (ORNL / CMI MSX, Momentum Technologies type).

    Hollow-fibre modules hold a neutral extractant (TODGA) in their pores; the feed (RE
    nitrates in nitric acid for selectivity) flows on one side and a strip solution on the
    other, so extraction and stripping happen in one step. The rare earths move to the strip
    solution (``product``) as the salts they were fed as; the strip water is drawn as a
    reagent and leaves with the product. It separates rare earths from non-rare-earths, not
    rare earths from one another.
    """

    params = _split_params(_SplitDefaults(
        re_recovery=(0.99, SRC_MSX_MOMENTUM),
        other_recovery=(0.0, SRC_MSX_KIM + "; for HCl feeds give 'recovery' per element"),
        kwh=(0.2, "assumption: feed and strip (~0.1 m3 per kg RE) recirculated ~50 times "
                  "through the modules at ~1 bar with 70% pump efficiency = 0.1 m3 x 50 x "
                  "1e5 Pa / 0.7 = 0.7 MJ = 0.2 kWh/kg"),
        reagents=({"H2O(l)": 50.0}, "assumption: strip solution of water at 20 g RE/L, the "
                                    "order of the feed concentrations in Kim et al. 2015"),
        reagent_outlet=("product", "design choice: the strip solution is the product liquor"),
    ))


@register_unit("electrochemical_separation")
class ElectrochemicalSeparation(_SplitSeparation):
    """Electrochemical separation of rare earths from a magnet liquor (REEcycle type).

    A parameterised product / residue split: no public performance figures of the REEcycle
    process were found (the reference tables have none), so every default is an assumption
    to replace with vendor or pilot data. The electrolyte make-up (HCl) leaves with the
    residue.
    """

    params = _split_params(_SplitDefaults(
        re_recovery=(0.95, "assumption: no public REEcycle figure; typical of one-step "
                           "hydrometallurgical recoveries"),
        other_recovery=(0.02, "assumption: 2% of the other metals carried into the product"),
        kwh=(5.0, "assumption: electrolytic removal of the ~2.3 kg Fe accompanying each kg RE "
                  "in NdFeB at ~2-2.5 kWh/kg Fe (order of iron electrowinning)"),
        reagents=({"HCl(aq)": 0.1}, "assumption: electrolyte make-up 0.1 kg HCl per kg RE"),
        reagent_outlet=("residue", "design choice: spent electrolyte bleed"),
    ))
