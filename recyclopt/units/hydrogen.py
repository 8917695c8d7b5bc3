"""Hydrogen short loop (HPMS / HyProMag, Noveon, Hitachi type): decrepitation, degassing, sintering.

* ``hydrogen_decrepitation`` -- H2 absorbed by every R2Fe14B matrix phase (Nd, Pr, Dy, Tb ->
  R2Fe14BH2.7) and by the
  Nd-rich grain boundary (Nd -> NdH2 -> NdH2.7; Pr -> PrH2, Dy -> DyH2); the magnets crumble
  to a powder, non-magnet items leave as scrap. H2 is drawn only for the shortfall left by an
  optional recycle inlet ``h2_recycle``.
* ``degassing`` -- vacuum heating desorbs the matrix hydrogen (partial) or all hydrogen (full);
  the released H2 leaves through ``h2`` and can be looped back to the decrepitation unit.
* ``resintering`` -- blend with virgin material and grain-boundary additions, sinter, anneal.

Heats of absorption and desorption are never typed in: they follow from the species enthalpies
(``thermo_table.csv``) through the unit energy balances.

Species simplification: the registry has no Tb hydride, so free Tb metal (rare: Tb sits in the
2:14:1 matrix) passes through decrepitation unhydrided; the unit lists such species in
``info["unhydrided_species"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..chemistry import T_REF, Registry
from ..constants import J_PER_KWH
from ..errors import InputError
from ..streams import Stream
from . import magnet as mg
from .base import Param, UnitOperation, UnitResult, register_unit
from .generic import Reactions

_PROMMIS_HD = ("PrOMMiS hydrogen decrepitation flowsheet (Paul & Ojo), github prommis/prommis "
               "(commit 9beba554): src/prommis/hydrogen_decrepitation/"
               "hydrogen_decrepitation_flowsheet.py")
SRC_MACHINING = (
    "estimate: 20-30 % of sintered magnet material is scrapped in manufacturing, mostly as "
    "grinding swarf (Binnemans et al., Recycling of rare earths: a critical review, J. Clean. "
    "Prod. 51 (2013) 1-22); 0.15 taken for blocks pressed near net shape (range 0.1-0.3)")
#: Faraday constant, C/mol (CODATA 2018, exact)
FARADAY = 96485.33212
#: vacuum permeability, H/m (CODATA 2018)
MU_0 = 1.25663706212e-6
#: sintered NdFeB density, kg/m3 (7.4-7.6 g/cm3, MMPA 0100-00)
MAGNET_DENSITY = 7500.0
_WALTON = ("Walton et al., The use of hydrogen to separate and recycle NdFeB-type magnets from "
           "electronic waste, J Cleaner Prod 104 (2015) 236-241")


def _matrix_phases(reg: Registry) -> list[str]:
    """R2Fe14B-type phases without hydrogen (solid, contain a rare earth, Fe and B, no O/H)."""
    return [s.name for s in reg.species
            if s.phase == "s" and mg.RARE_EARTHS & set(s.elements) and "Fe" in s.elements
            and "B" in s.elements and not ({"H", "O"} & set(s.elements))]


def _re_metals(reg: Registry) -> list[str]:
    return [s.name for s in reg.species
            if s.phase == "s" and len(s.elements) == 1 and next(iter(s.elements)) in mg.RARE_EARTHS]


def _chain(reg: Registry, parent: str) -> list[tuple[str, str, float, float]]:
    """Hydriding steps from ``parent`` upward: (lower, higher, H per formula lower, higher)."""
    up = {lo: hi for hi, lo, _ in mg.hydride_pairs(reg)}
    steps = []
    cur = parent
    while cur in up:
        nxt = up[cur]
        steps.append((cur, nxt, mg.h_content(reg, cur), mg.h_content(reg, nxt)))
        cur = nxt
    return steps


def _lever(target: float, lo: float, hi: float) -> float:
    """Conversion of a lower hydride step that gives an average H content ``target``."""
    if target >= hi:
        return 1.0
    if target <= lo:
        return 0.0
    return (target - lo) / (hi - lo)


# --------------------------------------------------------------------------- decrepitation
@register_unit("hydrogen_decrepitation")
class HydrogenDecrepitation(UnitOperation):
    """Hydrogen decrepitation of magnets in end-of-life parts (HPMS vessel).

    A fraction ``liberation`` of the magnet material (RE/B-bearing solids plus Co and Ni by
    default) is reached by hydrogen, absorbs it and crumbles to powder; the rest stays with the
    non-magnet items in outlet ``scrap`` (unreacted). Reactions on the liberated material:

    * matrix ``R2Fe14B + 1.35 H2 -> R2Fe14BH2.7`` (R = Nd, Pr, Dy, Tb) at conversion
      ``matrix_H_per_fu / 2.7``
      (a lever-rule mixture of the bundled hydride and unhydrided matrix gives the average H
      per formula unit);
    * grain boundary ``Nd + H2 -> NdH2`` then ``NdH2 + 0.35 H2 -> NdH2.7`` up to
      ``gb_H_per_atom`` (other rare-earth metals up to their highest bundled hydride: PrH2,
      DyH2).

    The stoichiometric H2 times ``1 + h2_excess`` is charged; H2 from the optional inlet
    ``h2_recycle`` is used first and only the shortfall is drawn as a reagent. The unabsorbed
    H2 (and any other gas) is vented to ``losses`` or, with ``excess_h2: recover``, leaves
    through outlet ``h2_out``. A fraction ``handling_loss`` of the powder is lost. Outlets
    leave at the vessel temperature ``T_K`` and pressure ``P_Pa``. Batch operation: the
    charge and the gas are heated to ``T_K`` (furnace duty over ``efficiency``) and the heat of
    absorption released afterwards (from the species enthalpies) is removed by vessel cooling,
    so it is rejected rather than netted against the heat-up. This keeps the duties affine in
    the feed.

    The unit is affine in its feed while the recycled H2 does not exceed the charge; a surplus
    is vented with the excess (never happens when the recycle is the degassing hydrogen).
    """

    optional_inlets = ("h2_recycle",)
    outlet_ports = ("powder", "scrap", "h2_out")
    params = {
        "T_K": Param(443.15, "K", 298.15, 673.15, doc="vessel temperature",
                     source=f"{_PROMMIS_HD} (443 K model default); window 25-400 C from "
                            "Habibzadeh et al., ACS Omega 8 (2023) 17431 via the PrOMMiS furnace "
                            "model"),
        "P_Pa": Param(101_325.0, "Pa", 500.0, 1.5e7, doc="H2 pressure (outlet pressure)",
                      source=f"{_PROMMIS_HD}; window 0.5-15,000 kPa (PrOMMiS furnace model)"),
        "matrix_H_per_fu": Param(
            2.7, "H per R2Fe14B", 0.0, 2.7,
            doc="average H absorbed per R2Fe14B formula unit (bounded by the bundled "
                "R2Fe14BH2.7 phases)",
            source="~2.7 H per formula unit: the hydrided matrix phase of data/thermo_table.csv "
                   "(Nd2Fe14BH2.7); PrOMMiS assumes 1 H2 per Nd2Fe14B (2 H/fu, 0.19 wt%)"),
        "gb_H_per_atom": Param(
            2.7, "H per RE atom", 0.0, 2.7,
            doc="H absorbed per grain-boundary rare-earth atom (Nd -> NdH2 -> NdH2.7; capped at "
                "the highest bundled hydride of other rare earths)",
            source="NdH2.7 grain-boundary hydride of HD (data/species.csv); NdH2.7 -> NdH2 -> Nd "
                   "on degassing (Meisner & Panchanathan, reference unit_ops.csv)"),
        "liberation": Param(0.90, "-", 0.0, 1.0,
                            doc="fraction of the magnet material extracted as powder",
                            source=f"{_WALTON}: 90% (85-95%) of the magnet extracted from HDDs"),
        "handling_loss": Param(0.01, "-", 0.0, 1.0,
                               doc="fraction of the powder lost in the furnace and handling",
                               source="assumption: ~1% dust and residue in vessel, rotating "
                                      "drum and transfer"),
        "h2_excess": Param(
            0.01, "-", 0.0, 10.0, doc="H2 charged beyond the stoichiometric uptake (fraction)",
            source="assumption: head-space H2 left when the vessel is evacuated (PrOMMiS "
                   "geometry chamber:sample volume 2, sample density 7,500 kg/m3 -> 0.3% of the "
                   "uptake at 443 K, 1 atm) plus line purges, ~1%"),
        "excess_h2": Param("vent", kind="str", choices=("vent", "recover"),
                           doc="unabsorbed H2 vented (to losses) or recovered (outlet h2_out)",
                           source="design choice"),
        "magnet_species": Param(None, kind="list",
                                doc="species counted as magnet material; default solids with a "
                                    "rare earth or B, plus Co and Ni (coating flakes go with "
                                    "the powder and are sieved out)", source="design choice"),
        "heating": mg.HEATING,
        "efficiency": mg.electric_efficiency(),
    }

    def active_outlets(self) -> tuple[str, ...]:
        if self.p["excess_h2"] == "recover":
            return ("powder", "scrap", "h2_out")
        return ("powder", "scrap")

    def validate(self) -> None:
        reg = self.registry
        self.mask = mg.magnet_mask(self, self.p["magnet_species"], "magnet_species")
        self.gas = mg.gas_mask(reg)
        self.i_h2 = self.species_idx("H2", "h2_excess")
        reactions: list[dict[str, Any]] = []
        unhydrided: list[str] = []
        for ph in _matrix_phases(reg):
            steps = _chain(reg, ph)
            if not steps:
                unhydrided.append(ph)
                continue
            lo, hi, h_lo, h_hi = steps[0]
            x = self.p["matrix_H_per_fu"]
            if x > h_hi + 1e-12:
                raise InputError(
                    f"{self.label} parameter 'matrix_H_per_fu': {x:g} H per formula unit is above "
                    f"the bundled hydride {hi} ({h_hi:g} H); allowed range [0, {h_hi:g}]",
                    field="matrix_H_per_fu")
            reactions.append({"equation": f"{lo} + {mg.num((h_hi - h_lo) / 2)} H2 -> {hi}",
                              "key": lo, "conversion": _lever(x, h_lo, h_hi)})
        capped: list[str] = []
        for metal in _re_metals(reg):
            steps = _chain(reg, metal)
            if not steps:
                unhydrided.append(metal)
                continue
            if steps[-1][3] < self.p["gb_H_per_atom"] - 1e-12:
                capped.append(steps[-1][1])
            for lo, hi, h_lo, h_hi in steps:
                reactions.append({"equation": f"{lo} + {mg.num((h_hi - h_lo) / 2)} H2 -> {hi}",
                                  "key": lo,
                                  "conversion": _lever(self.p["gb_H_per_atom"], h_lo, h_hi)})
        self.unhydrided = unhydrided
        self.capped = capped
        self.rx = Reactions(self.label, reg, reactions, {"H2": 0.0})
        self.hydrided = [r["equation"] for r in reactions]

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        reg = self.registry
        feed = inlets["in"]
        rec = inlets.get("h2_recycle")
        T, P = self.p["T_K"], self.p["P_Pa"]
        f = feed.flows
        gas_in = np.where(self.gas, f, 0.0)
        solids = f - gas_in
        lib = np.where(self.mask, solids * self.p["liberation"], 0.0)
        scrap = solids - lib
        hyd, drawn, _ = self.rx.apply(lib)
        need = float(drawn[self.i_h2])  # kg/s H2 absorbed
        demand = need * (1.0 + self.p["h2_excess"])
        rec_flows = rec.flows if rec is not None else np.zeros(len(reg))
        rec_h2 = float(rec_flows[self.i_h2])
        buy = max(demand - rec_h2, 0.0)
        reagents = self.zero()
        if buy > 0:
            v = np.zeros(len(reg))
            v[self.i_h2] = buy
            reagents = self.stream(v, T_REF)
        # every gas leaves: unabsorbed H2 (charge minus uptake) plus other gases fed
        spent = gas_in + rec_flows
        left = gas_in[self.i_h2] + rec_h2 + buy - need
        # with no excess the charge equals the uptake: the difference is round-off, which can
        # come out a few ulps below zero (found by hypothesis: -1.3e-23 kg/s on ~1e-7)
        scale = max(gas_in[self.i_h2] + rec_h2 + buy, need)
        spent[self.i_h2] = 0.0 if left < 0.0 and -left <= 1e-12 * scale else left
        offgas = self.stream(spent, T, P)
        lost = hyd * self.p["handling_loss"]
        powder = self.stream(hyd - lost, T, P)
        outlets = {"powder": powder, "scrap": self.stream(scrap, T, P)}
        loss_flows = lost.copy()
        if self.p["excess_h2"] == "recover":
            outlets["h2_out"] = offgas
        else:
            loss_flows = loss_flows + offgas.flows
        losses = self.stream(loss_flows, T, P)
        lib_total = float(lib.sum())
        info: dict[str, Any] = {
            "H2_absorbed_kg_s": need,
            "H2_uptake_wt_pct_of_magnet": 100.0 * need / lib_total if lib_total else 0.0,
            "H2_charged_kg_s": demand,
            "H2_from_recycle_kg_s": min(rec_h2, demand),
            "H2_purchased_kg_s": buy,
            "H2_vented_or_recovered_kg_s": float(spent[self.i_h2]),
            "liberated_magnet_kg_s": lib_total,
            "unhydrided_species": self.unhydrided,
            "gb_hydride_capped_at": self.capped,
            "reactions": self.hydrided,
        }
        if need > 0:
            # heat of absorption at the vessel temperature from the species enthalpies
            h_prod = reg.enthalpy_flow(hyd, T)
            h2 = np.zeros(len(reg))
            h2[self.i_h2] = need
            h_reac = reg.enthalpy_flow(lib, T) + reg.enthalpy_flow(h2, T)
            mol_h2 = need / reg.molar_masses[self.i_h2]
            info["heat_of_absorption_kJ_per_mol_H2"] = float((h_prod - h_reac) / mol_h2 / 1e3)
            info["heat_of_absorption_kJ_per_kg_magnet"] = float((h_prod - h_reac) / lib_total / 1e3)
        # batch vessel: the charge (and the gas admitted) is heated to T_K; the heat of
        # absorption released afterwards is removed by the vessel cooling, not credited
        charge = [*inlets.values(), reagents]
        duty = mg.enthalpy_at(charge, T) - mg.enthalpy_at(charge)
        info["heat_up_kWh_per_kg_feed"] = duty / J_PER_KWH / feed.total if feed.total else 0.0
        return mg.finish_heated(self, inlets, outlets, duty_W=duty, reagents=reagents,
                                losses=losses, heating=self.p["heating"],
                                efficiency=self.p["efficiency"], info=info)


# --------------------------------------------------------------------------- degassing
_DEGAS_T = {"partial": 623.15, "full": 873.15}


@register_unit("degassing")
class Degassing(UnitOperation):
    """Vacuum degassing of HD powder.

    ``partial``: the matrix hydride gives up its hydrogen (Nd2Fe14BH2.7 -> Nd2Fe14B) and the
    grain-boundary trihydride-type phase drops to the dihydride (NdH2.7 -> NdH2), as at
    ~300-400 C. ``full``: every hydride is reduced to the metal (NdH2 -> Nd, PrH2 -> Pr,
    DyH2 -> Dy), which needs > 580 C. A fraction ``desorption`` of each step proceeds. The powder
    is heated to ``T_K`` and cooled to ``T_out_K``; the released H2 is pumped off and leaves
    through ``h2`` at ``h2_T_K`` (loop it back to ``hydrogen_decrepitation.h2_recycle``). The
    endothermic heat of desorption follows from the species enthalpies.
    """

    outlet_ports = ("powder", "h2")
    params = {
        "mode": Param("partial", kind="str", choices=("partial", "full"),
                      doc="desorb the matrix H only (partial) or all H (full)",
                      source="design choice"),
        "T_K": Param(None, "K", 373.15, 1000.0,
                     doc="degassing temperature; default partial 623.15 K (350 C), full "
                         "873.15 K (600 C)",
                     source="Meisner & Panchanathan (reference unit_ops.csv degassing): H fully "
                            "desorbed > 580 C, NdH2 -> Nd 630-780 C; partial 300-400 C "
                            "(matrix H desorbs ~420-600 K, data/thermo_table.csv note)"),
        "desorption": Param(1.0, "-", 0.0, 1.0,
                            doc="fraction of each desorption step that proceeds",
                            source="assumption: complete at the chosen temperature under vacuum"),
        "T_out_K": Param(T_REF, "K", 250.0, 1000.0, doc="powder outlet temperature",
                         source="assumption: powder cooled under vacuum/Ar before handling"),
        "h2_T_K": Param(T_REF, "K", 250.0, 1000.0, doc="temperature of the released H2",
                        source="assumption: H2 cooled after the vacuum pump"),
        "heating": mg.HEATING,
        "efficiency": mg.electric_efficiency(),
    }

    def validate(self) -> None:
        reg = self.registry
        self.T = self.p["T_K"] if self.p["T_K"] is not None else _DEGAS_T[self.p["mode"]]
        if self.p["T_out_K"] > self.T:
            raise InputError(f"{self.label} parameter 'T_out_K': {self.p['T_out_K']:g} K is above "
                             f"the degassing temperature {self.T:g} K; allowed range <= T_K",
                             field="T_out_K")
        pairs = sorted(mg.hydride_pairs(reg), key=lambda p: -mg.h_content(reg, p[0]))
        reactions = []
        for hi, lo, n_h2 in pairs:
            to_metal = mg.h_content(reg, lo) == 0 and lo in _re_metals(reg)
            if self.p["mode"] == "partial" and to_metal:
                continue
            reactions.append({"equation": f"{hi} -> {lo} + {mg.num(n_h2)} H2", "key": hi,
                              "conversion": self.p["desorption"]})
        self.rx = Reactions(self.label, reg, reactions, {})
        self.reactions = [r["equation"] for r in reactions]
        self.gas = mg.gas_mask(reg)
        self.i_h2 = self.species_idx("H2", "mode")

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        reg = self.registry
        feed = inlets["in"]
        flows, _, _ = self.rx.apply(feed.flows)
        gas = np.where(self.gas, flows, 0.0)
        solid = flows - gas
        duty = reg.enthalpy_flow(flows, self.T) - feed.enthalpy()
        powder = self.stream(solid, self.p["T_out_K"], feed.P)
        h2 = self.stream(gas, self.p["h2_T_K"], 101_325.0)
        released = float(gas[self.i_h2]) - float(np.where(self.gas, feed.flows, 0.0)[self.i_h2])
        info: dict[str, Any] = {"mode": self.p["mode"], "T_K": self.T,
                                "H2_released_kg_s": released,
                                "H2_released_wt_pct_of_feed":
                                    100.0 * released / feed.total if feed.total else 0.0,
                                "reactions": self.reactions}
        if released > 0:
            # heat of desorption at T from the species enthalpies
            h_react = reg.enthalpy_flow(feed.flows, self.T)
            info["heat_of_desorption_kJ_per_mol_H2"] = float(
                (reg.enthalpy_flow(flows, self.T) - h_react)
                / (released / reg.molar_masses[self.i_h2]) / 1e3)
        return mg.finish_heated(self, inlets, {"powder": powder, "h2": h2}, duty_W=duty,
                                heating=self.p["heating"], efficiency=self.p["efficiency"],
                                info=info)


# --------------------------------------------------------------------------- re-sintering
@register_unit("resintering")
class Resintering(UnitOperation):
    """Re-sintering of recycled powder into magnets (keeps Dy and Tb in the alloy).

    The recycled powder (inlet ``in``) is blended with virgin material to a blend fraction
    ``virgin_fraction`` (of the blend, composition ``virgin_composition``; drawn as a
    reagent), then ``gbd_fraction`` (kg per kg of blend) of a grain-boundary additive
    ``gbd_species`` is added (drawn as a reagent). At the sintering temperature every hydride
    gives up its hydrogen (pumped off through ``offgas``). The compact is heated to
    ``sinter_T_K``, cooled, then annealed at each of ``anneal_T_K`` in turn (heating only when a
    stage is hotter than the load) and cooled to ``T_out_K``. Furnace duty = enthalpy rises of
    the load (heats of reaction included) over ``efficiency``.

    Finishing: a fraction ``machining_loss`` of the sintered block is ground off (outlet
    ``swarf``, at ``machining_kWh_per_kg``), the finished magnet is Ni-plated
    (``coating_fraction`` kg Ni drawn per kg, electricity by Faraday's law
    :func:`plating_energy`) and magnetised (:func:`magnetising_energy`).
    """

    outlet_ports = ("magnet", "offgas", "swarf")
    params = {
        "virgin_fraction": Param(
            0.10, "-", 0.0, 0.9, doc="mass fraction of virgin material in the blend",
            source="FunMAG (Fraunhofer), Electric Motor Engineering: 10-20% fresh material to "
                   "offset oxygen pick-up (low end)"),
        "virgin_composition": Param(
            {"Nd2Fe14B": 0.94, "Nd": 0.06}, "kg/kg", 0.0, 1.0, kind="dict",
            doc="mass fractions of the virgin material (e.g. {NdH2: 1} for a hydride addition)",
            source="estimate: stoichiometric matrix plus Nd-rich grain-boundary metal to "
                   "31 wt% RE, inside the 28-35 wt% RE of sintered grades (Advanced Magnets, "
                   "sintered NdFeB process flow, http://www.advancedmagnets.com/about/"
                   "process-flows/); range 28-35 wt% RE", confidence="estimate"),
        "gbd_species": Param("DyH2", kind="str", doc="grain-boundary additive species",
                             source="DyF3 is used in the reference (Materials 2019, 12(9):1498); "
                                    "DyH2 is the bundled Dy species closest to it"),
        "gbd_fraction": Param(0.0, "kg/kg", 0.0, 0.2,
                              doc="grain-boundary additive per kg of blend",
                              source="assumption: off by default; 1-2 wt% DyF3 raises "
                                     "coercivity 830 -> 1407 kA/m (Materials 2019, "
                                     "12(9):1498)"),
        "sinter_T_K": Param(1323.15, "K", 1173.15, 1400.0, doc="sintering temperature",
                            source="Advanced Magnets process flow: sintering 1000-1100 C; "
                                   "kekemagnet.com: 1053-1124 C (75-80% of the melting point)"),
        "anneal_T_K": Param([1173.15, 773.15], "K", kind="list",
                            doc="annealing stages (K), in order; [] for none",
                            source="Advanced Magnets process flow: two-stage anneal 850-950 C "
                                   "and 400-600 C"),
        "T_out_K": Param(T_REF, "K", 250.0, 1000.0, doc="outlet temperature of magnet and gas",
                         source="assumption: furnace cooled to ambient"),
        "machining_loss": Param(
            0.15, "-", 0.0, 0.5, doc="fraction of the sintered block ground off to shape "
            "(leaves as outlet swarf)", source=SRC_MACHINING, confidence="estimate"),
        "machining_kWh_per_kg": Param(
            0.5, "kWh/kg", 0.0, 5.0, doc="grinding/slicing electricity per kg of finished magnet",
            source="assumption: diamond-wheel grinding and wire slicing, 0.5 kWh/kg (range "
                   "0.2-2)"),
        "coating_fraction": Param(
            0.009, "kg/kg", 0.0, 0.05, doc="Ni coating per kg of finished magnet (Ni-Cu-Ni "
            "plating taken as Ni)", source="HDD_VCM coating_wt_pct 0.9 (recyclopt/data/"
            "feedstocks.csv: Ni-Cu-Ni plating of an end-of-life magnet)"),
        "plating_cell_V": Param(3.0, "V", 0.5, 12.0, doc="electroplating cell voltage",
                                source="assumption: Watts Ni bath at 2-6 V"),
        "plating_current_efficiency": Param(
            0.95, "-", 0.1, 1.0, doc="cathode current efficiency of Ni plating",
            source="estimate: Watts nickel baths plate at 93-97 % cathode efficiency (ASM "
                   "Handbook Vol. 5, Surface Engineering (1994), nickel plating)"),
        "magnetising_field_T": Param(
            3.0, "T", 0.5, 10.0, doc="pulse field that saturates the magnet",
            source="estimate: sintered NdFeB needs >= 2.5-3 T (about 3x its intrinsic "
                   "coercivity) to saturate (Magnetic Materials Producers Association MMPA "
                   "0100-00 standard specifications)"),
        "magnetiser_volume_ratio": Param(
            10.0, "-", 1.0, 100.0, doc="pulsed field volume per magnet volume, over the "
            "capacitor-to-field efficiency", source="assumption: 10 (range 3-50)"),
        "heating": mg.HEATING,
        "efficiency": Param(
            0.3, "-", 0.05, 1.0, doc="fraction of the furnace energy that reaches the load",
            source="assumption: vacuum batch furnace; trays/retorts of mass comparable to the "
                   "load are heated every cycle and wall losses accrue over multi-hour holds"),
    }

    def validate(self) -> None:
        reg = self.registry
        comp = self.p["virgin_composition"]
        tot = sum(comp.values())
        if comp and abs(tot - 1.0) > 1e-6:
            raise InputError(f"{self.label} parameter 'virgin_composition' sums to {tot:g}; it "
                             "must sum to 1", field="virgin_composition")
        if self.p["virgin_fraction"] > 0 and not comp:
            raise InputError(f"{self.label} parameter 'virgin_composition': empty while "
                             "virgin_fraction > 0", field="virgin_composition")
        self.virgin = np.zeros(len(reg))
        for sp, x in comp.items():
            self.virgin[self.species_idx(sp, "virgin_composition")] += x
        self.i_gbd = self.species_idx(self.p["gbd_species"], "gbd_species")
        stages = self.p["anneal_T_K"]
        if not isinstance(stages, Sequence) or isinstance(stages, str):
            raise InputError(f"{self.label} parameter 'anneal_T_K': expected a list of "
                             f"temperatures in K, got {stages!r}", field="anneal_T_K")
        self.stages = []
        for t in stages:
            try:
                v = float(t)
            except (TypeError, ValueError):
                raise InputError(f"{self.label} parameter 'anneal_T_K': {t!r} is not a number",
                                 field="anneal_T_K") from None
            if not 300.0 <= v <= self.p["sinter_T_K"]:
                raise InputError(f"{self.label} parameter 'anneal_T_K': {v:g} K is outside the "
                                 f"allowed range [300, sinter_T_K = {self.p['sinter_T_K']:g}]",
                                 field="anneal_T_K")
            self.stages.append(v)
        pairs = sorted(mg.hydride_pairs(reg), key=lambda p: -mg.h_content(reg, p[0]))
        self.rx = Reactions(self.label, reg,
                            [{"equation": f"{hi} -> {lo} + {mg.num(n)} H2", "key": hi,
                              "conversion": 1.0} for hi, lo, n in pairs], {})
        self.gas = mg.gas_mask(reg)
        self.i_ni = self.species_idx("Ni", "coating_fraction")

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        reg = self.registry
        feed = inlets["in"]
        vf = self.p["virgin_fraction"]
        virgin = self.virgin * feed.total * vf / (1.0 - vf)
        gbd = np.zeros(len(reg))
        gbd[self.i_gbd] = self.p["gbd_fraction"] * (feed.total + float(virgin.sum()))
        reagents = self.stream(virgin + gbd, T_REF)
        flows, _, _ = self.rx.apply(feed.flows + reagents.flows)
        gas = np.where(self.gas, flows, 0.0)
        solid = flows - gas
        Ts, To = self.p["sinter_T_K"], self.p["T_out_K"]
        duty = reg.enthalpy_flow(flows, Ts) - feed.enthalpy() - reagents.enthalpy()
        T_load = To
        anneal = 0.0
        for t in self.stages:
            if t > T_load:
                anneal += reg.enthalpy_flow(solid, t) - reg.enthalpy_flow(solid, T_load)
            T_load = t
        swarf = solid * self.p["machining_loss"]
        block = solid - swarf
        coat = np.zeros(len(reg))
        coat[self.i_ni] = self.p["coating_fraction"] * float(block.sum())
        reagents = self.stream(reagents.flows + coat, T_REF)
        magnet = self.stream(block + coat, To, feed.P)
        offgas = self.stream(gas, To, 101_325.0)
        mass = magnet.total
        finishing = {
            "machining": self.p["machining_kWh_per_kg"] * J_PER_KWH * float(block.sum()),
            "plating": plating_energy(self.p["plating_cell_V"],
                                      self.p["plating_current_efficiency"]) * float(coat.sum()),
            "magnetising": magnetising_energy(self.p["magnetising_field_T"],
                                              self.p["magnetiser_volume_ratio"]) * mass,
        }
        info = {"virgin_kg_s": float(virgin.sum()), "gbd_kg_s": float(gbd.sum()),
                "sinter_heat_kWh_per_kg": duty / J_PER_KWH / mass if mass else 0.0,
                "anneal_heat_kWh_per_kg": anneal / J_PER_KWH / mass if mass else 0.0,
                "H2_released_kg_s": float(gas[reg.idx("H2")]) if "H2" in reg else 0.0,
                "swarf_kg_s": float(swarf.sum()),
                **{f"{k}_kWh_per_kg": v / J_PER_KWH / mass if mass else 0.0
                   for k, v in finishing.items()}}
        outlets = {"magnet": magnet, "offgas": offgas,
                   "swarf": self.stream(swarf, To, feed.P)}
        return mg.finish_heated(self, inlets, outlets, duty_W=duty + anneal, reagents=reagents,
                                electricity_W=sum(finishing.values()),
                                heating=self.p["heating"], efficiency=self.p["efficiency"],
                                info=info)


def plating_energy(cell_V: float, current_efficiency: float, *, n_electrons: int = 2,
                   molar_mass_kg: float = 0.0586934) -> float:
    """Electricity to plate 1 kg of metal, J/kg: ``n F V / (M * CE)`` (Ni2+ + 2 e- -> Ni)."""
    return n_electrons * FARADAY * cell_V / (molar_mass_kg * current_efficiency)


def magnetising_energy(field_T: float, volume_ratio: float,
                       density: float = MAGNET_DENSITY) -> float:
    """Pulse energy to magnetise 1 kg of magnet, J/kg: ``B^2 / (2 mu0) * ratio / rho``.

    The field energy density ``B^2/(2 mu0)`` fills ``volume_ratio`` times the magnet's volume
    (coil bore over magnet, divided by the capacitor-to-field efficiency).
    """
    return field_T ** 2 / (2.0 * MU_0) * volume_ratio / density


# --------------------------------------------------------------------------- vs primary
#: Energy saving of the hydrogen short loop against primary magnet production.
LITERATURE_SAVING = 0.88
LITERATURE_SAVING_SOURCE = (
    "Innovation News Network (Walton), A bright vision for the recycling of rare earth magnets "
    "(2022), https://www.innovationnewsnetwork.com/bright-vision-recycling-rare-earth-magnets/"
    "19023/ : SUSMAGPRO HPMS magnets need 12% of the energy of primary magnets (88% less)")
#: Absolute primary-route energy per kg of sintered magnet: not bundled. Sprecher et al.,
#: ES&T 48 (2014) 3951 (doi:10.1021/es404596q) and Marx et al., ACS Sust. Chem. Eng. 6 (2018)
#: 5858 report cradle-to-gate inventories for 1 kg of primary NdFeB magnet, but their energy
#: figures could not be read from public pages, so no number is typed in here.
PRIMARY_KWH_PER_KG: float | None = None


def energy_vs_primary(result: Any, *, product: str | None = None,
                      primary_kWh_per_kg: float | None = PRIMARY_KWH_PER_KG) -> dict[str, Any]:
    """Energy of a recycling route per kg of magnet, against the primary route.

    Parameters
    ----------
    result : float, UnitResult or FlowsheetResult
        The route's energy in kWh per kg of magnet (a number), or a solved unit / flowsheet
        whose electricity plus fuel heat is divided by the mass of ``product``.
    product : str, optional
        The outlet port (unit; default ``magnet``) or stream (flowsheet; default its only
        terminal ``product`` stream) holding the magnet product.
    primary_kWh_per_kg : float, optional
        Primary magnet production's energy per kg on the same scope, if known (no sourced
        figure is bundled: :data:`PRIMARY_KWH_PER_KG`).

    Returns
    -------
    dict
        ``route_kWh_per_kg``; ``literature_saving`` (0.88, sourced), ``literature_route_share``
        (0.12); ``implied_primary_kWh_per_kg`` (the primary energy at which this route saves
        exactly 88%: an implication); ``saving_vs_primary`` if ``primary_kWh_per_kg``; notes.

    Notes
    -----
    The '>90%' saving often claimed for hydrogen decrepitation is not confirmed by the sources
    found (88%, SUSMAGPRO/Walton); a result covers only the process energy of the units
    modelled, the literature saving life-cycle energy: compare like with like.
    """
    if isinstance(result, int | float):
        kwh = float(result)
    elif hasattr(result, "streams") and hasattr(result, "flowsheet"):
        fs = result.flowsheet
        if product is None:
            cands = [s for s, k in fs.products.items() if k == "product"]
            if len(cands) != 1:
                raise InputError(f"energy_vs_primary: name the product stream; product streams "
                                 f"are {cands}", field="product")
            product = cands[0]
        if product not in result.streams:
            raise InputError(f"energy_vs_primary: unknown stream {product!r}", field="product")
        mass = result.streams[product].total
        t = result.totals()
        kwh = (t["electricity_W"] + t["heat_W"]) / J_PER_KWH / mass if mass else float("nan")
    elif isinstance(result, UnitResult):
        port = product or "magnet"
        if port not in result.outlets:
            raise InputError(f"energy_vs_primary: unit result has no outlet {port!r}; outlets "
                             f"are {sorted(result.outlets)}", field="product")
        mass = result.outlets[port].total
        kwh = ((result.electricity_W + result.heat_W) / J_PER_KWH / mass
               if mass else float("nan"))
    else:
        raise InputError(f"energy_vs_primary: expected kWh/kg, a UnitResult or a "
                         f"FlowsheetResult, got {type(result).__name__}", field="result")
    if not np.isfinite(kwh) or kwh < 0:
        raise InputError(f"energy_vs_primary: route energy {kwh!r} kWh/kg; allowed >= 0",
                         field="result")
    out: dict[str, Any] = {
        "route_kWh_per_kg": kwh,
        "literature_saving": LITERATURE_SAVING,
        "literature_route_share": 1.0 - LITERATURE_SAVING,
        "literature_source": LITERATURE_SAVING_SOURCE,
        "implied_primary_kWh_per_kg": kwh / (1.0 - LITERATURE_SAVING),
        "primary_kWh_per_kg": primary_kWh_per_kg,
        "saving_vs_primary": None,
        "notes": [
            "'>90%' energy saving in the project's source documents is not confirmed; sources "
            "give ~88% (SUSMAGPRO, Walton)",
            "implied_primary_kWh_per_kg is what an 88% saving would imply, not a measured "
            "primary-route figure",
            "unit/flowsheet energy covers modelled process duties only, not life-cycle energy",
        ],
    }
    if primary_kWh_per_kg is not None:
        if primary_kWh_per_kg <= 0:
            raise InputError(f"energy_vs_primary: primary_kWh_per_kg {primary_kWh_per_kg!r}; "
                             "allowed > 0", field="primary_kWh_per_kg")
        out["saving_vs_primary"] = 1.0 - kwh / primary_kWh_per_kg
    return out


__all__ = ["HydrogenDecrepitation", "Degassing", "Resintering", "energy_vs_primary",
           "LITERATURE_SAVING", "PRIMARY_KWH_PER_KG"]
