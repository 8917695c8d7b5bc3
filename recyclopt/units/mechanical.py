"""Liberation units: disassembly, shredding, demagnetisation, coating removal, sieving, jet milling.

Every unit is affine in its feed at fixed parameters: material is split species by species with
fixed fractions, oxidation runs at a fixed fraction of the rare earth through
:class:`~recyclopt.units.generic.Reactions` (O2 drawn from air as a reagent), and work inputs are
fixed energies per kg (or per end-of-life unit, counted from the magnet content of the feed).
Heats of oxidation and sensible heats follow from the species enthalpies; electricity for
motors ends up as rejected heat.

Species-level limitation: a stream vector does not know where an atom came from, so free Fe,
Al or Cu in a feed cannot be told apart as magnet alloy or as product casing/PCB. The default
classifications (see :data:`~recyclopt.units.magnet.MAGNET_EXTRAS`) treat free Fe, Al and Cu as
non-magnet material; override them with the ``magnet_species`` parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..chemistry import T_REF
from ..errors import InputError
from ..streams import Stream
from . import magnet as mg
from .base import Param, UnitOperation, UnitResult, register_unit
from .generic import Reactions, combined

_LALIWALA = ("Laliwala & Torres HDD superstructure inputs (FOCAPD 2024, doi:10.69997/sct.123161) "
             "as coded in PrOMMiS v1, github prommis/prommis commit 1ca0d030: src/prommis/"
             "superstructures/version1/hard_disk_drives/hdds_superstructure_v1.py")
_MAGNET_PER_HDD = ("data/feedstocks.csv HDD_VCM magnet_mass_kg_per_unit (PrOMMiS HD flowsheet, "
                   "Laliwala & Torres, Habib et al. 2014)")
_HOURS = 8000.0  # operating hours per year of the Laliwala/PrOMMiS labour basis (8000 h/yr)

# mode-dependent defaults of the disassembly unit
_DISASSEMBLY = {
    "manual": {"units_per_year": 181_132.0, "magnet_recovery": 0.98, "carryover": 0.0054},
    "robotic": {"units_per_year": 523_636.0, "magnet_recovery": 0.95, "carryover": 0.0124},
}


def _electric_work(unit: UnitOperation, inlets: Mapping[str, Stream], outlets: dict[str, Stream],
                   power_W: float, *, reagents: Stream | None = None,
                   losses: Stream | None = None, info: dict[str, Any] | None = None
                   ) -> UnitResult:
    """Finish a unit whose only utility is motor work (dissipated, so it leaves as heat)."""
    return unit.finish(inlets, outlets, reagents=reagents, losses=losses,
                       electricity_W=power_W, info=info)


# --------------------------------------------------------------------------- disassembly
@register_unit("disassembly")
class Disassembly(UnitOperation):
    """Manual or robotic removal of magnets from end-of-life products.

    Inlet ``in`` is the product stream (magnet plus everything else). Outlet ``magnet`` takes
    ``magnet_recovery`` of every magnet species plus ``carryover`` of every other species
    (backing plates, glue, fragments still attached); outlet ``rest`` takes the remainder.
    Units processed per hour are counted from the magnet content of the feed
    (``magnet_kg_per_unit``); workers or robots needed and the impurity fraction of the magnet
    stream are reported in ``info``. Robots draw ``robot_power_kW`` each; manual work draws no
    electricity.
    """

    outlet_ports = ("magnet", "rest")
    params = {
        "mode": Param("manual", kind="str", choices=("manual", "robotic"),
                      doc="manual or robotic disassembly", source="design choice"),
        "magnet_recovery": Param(
            None, "-", 0.0, 1.0,
            doc="fraction of the magnet material recovered; default by mode: manual 0.98, "
                "robotic 0.95",
            source="assumption: manual near-complete per Sprecher et al., ES&T 48 (2014) 3951 "
                   "('manual disassembly allows in principle for all magnetic material to be "
                   "recovered'), 2% left as chipped fragments; robotic 0.95 for imperfect "
                   "grasping"),
        "carryover": Param(
            None, "-", 0.0, 1.0,
            doc="fraction of the non-magnet material leaving with the magnets; default by "
                "mode: manual 0.0054, robotic 0.0124",
            source="derived: LIFE RECYMAGNET extracted streams hold ~45% (manual) and ~65% "
                   "(automated) impurities (http://life-recymagnet.eu/en/results.html); with "
                   "3.317 g magnet per drive (data/feedstocks.csv) that is 2.7 g and 6.2 g of "
                   "other material per drive, over an assumed 0.5 kg drive"),
        "magnet_species": Param(
            None, kind="list",
            doc="species counted as magnet material; default: solids containing a rare earth "
                "or B, plus Co and Ni", source="design choice"),
        "units_per_year": Param(
            None, "units/yr per worker or robot", 1.0, 1e9,
            doc="throughput of one worker (manual) or robot; default by mode: HDD manual "
                "181,132, robotic 523,636 (EV: 7,868 and 52,800)", source=_LALIWALA),
        "hours_per_year": Param(_HOURS, "h/yr", 1.0, 8784.0,
                                doc="operating hours behind units_per_year",
                                source="PrOMMiS superstructure documentation (8000 h/yr)"),
        "magnet_kg_per_unit": Param(0.003317, "kg", 1e-6, 1e4,
                                    doc="magnet mass per end-of-life unit (counts units)",
                                    source=_MAGNET_PER_HDD),
        "robot_power_kW": Param(
            3.0, "kW", 0.0, 1000.0, doc="average electrical draw of one robot cell",
            source="assumption: mid-size 6-axis industrial robot with screwdriving/gripper "
                   "tooling and cell conveyors, ~2-4 kW average draw"),
    }

    def validate(self) -> None:
        d = _DISASSEMBLY[self.p["mode"]]
        self.recovery = d["magnet_recovery"] if self.p["magnet_recovery"] is None \
            else self.p["magnet_recovery"]
        self.carry = d["carryover"] if self.p["carryover"] is None else self.p["carryover"]
        self.per_year = d["units_per_year"] if self.p["units_per_year"] is None \
            else self.p["units_per_year"]
        self.mask = mg.magnet_mask(self, self.p["magnet_species"], "magnet_species")
        self.frac = np.where(self.mask, self.recovery, self.carry)

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        mag = self.stream(feed.flows * self.frac, feed.T, feed.P)
        rest = self.stream(feed.flows - mag.flows, feed.T, feed.P)
        units_s = float(feed.flows[self.mask].sum()) / self.p["magnet_kg_per_unit"]
        units_h = units_s * mg.SECONDS_PER_HOUR
        per_h = self.per_year / self.p["hours_per_year"]
        n_cells = units_h / per_h
        robotic = self.p["mode"] == "robotic"
        power = n_cells * self.p["robot_power_kW"] * 1e3 if robotic else 0.0
        magnet_out = float(mag.flows[self.mask].sum())
        info = {
            "mode": self.p["mode"],
            "magnet_recovery": self.recovery,
            "units_per_h": units_h,
            "units_per_h_per_cell": per_h,
            ("robots" if robotic else "workers"): n_cells,
            "electricity_kWh_per_unit": (self.p["robot_power_kW"] / per_h) if robotic else 0.0,
            "impurity_mass_fraction": 1.0 - magnet_out / mag.total if mag.total else 0.0,
        }
        return _electric_work(self, inlets, {"magnet": mag, "rest": rest}, power, info=info)


# --------------------------------------------------------------------------- shredding
@register_unit("shredding")
class Shredding(UnitOperation):
    """Shredding of whole products: rare earth lost to oxidised fines, the rest partly oxidised.

    A fraction ``re_loss`` of every rare-earth bearing solid leaves as fines (to ``losses``, or
    to outlet ``fines`` with ``fines_outlet: true``); a fraction ``fines_oxidation`` of the rare
    earth in the fines and ``oxidation`` of the rare earth recovered in outlet ``out`` is
    converted to RE2O3 (``Nd2Fe14B + 1.5 O2 -> Nd2O3 + 14 Fe + B``, hydrides release H2),
    with O2 drawn from air. The shredder's electricity is ``specific_energy_kWh_per_t`` per
    tonne of feed.
    """

    outlet_ports = ("out", "fines")
    params = {
        "re_loss": Param(
            0.739, "-", 0.0, 1.0,
            doc="fraction of the rare-earth bearing material lost to fines",
            source="Habibzadeh, Kucuker, Gokelma, Effect of mechanical pre-treatment on recovery "
                   "of REE and gold from discarded HDDs, J Mater Cycles Waste Manag 2024: 73.9% "
                   "of REE lost versus manual disassembly"),
        "oxidation": Param(
            0.05, "-", 0.0, 1.0,
            doc="fraction of the rare earth in the recovered shred converted to oxide",
            source="assumption: fresh fracture surfaces of mm-size magnet fragments oxidise in "
                   "air; a few % of the rare earth"),
        "fines_oxidation": Param(
            1.0, "-", 0.0, 1.0, doc="fraction of the rare earth in the fines converted to oxide",
            source="assumption: dust-size NdFeB fines are pyrophoric and oxidise fully in air "
                   "(the lost REE are described as oxidised fines)"),
        "fines_outlet": Param(False, kind="bool",
                              doc="send the fines to outlet 'fines' instead of to losses",
                              source="design choice"),
        "specific_energy_kWh_per_t": Param(
            14.71 / (2700.0 * 0.5) * 1000.0, "kWh/t", 0.0, 1e4,
            doc="shredder electricity per tonne of feed (default 10.9 kWh/t = 0.00545 kWh per "
                "drive)",
            source="derived: shredder 14.71 kW at 2,700 drives/h (PrOMMiS costing, Laliwala HDD "
                   "superstructure v2 notebook, github prommis/prommis commit fabb048e) with "
                   "assumption 0.5 kg per drive (3.5-inch desktop HDD datasheet masses "
                   "0.4-0.7 kg)"),
        "lost_species": Param(None, kind="list",
                              doc="species lost to fines; default every rare-earth bearing solid",
                              source="design choice"),
    }

    def active_outlets(self) -> tuple[str, ...]:
        return ("out", "fines") if self.p["fines_outlet"] else ("out",)

    def validate(self) -> None:
        reg = self.registry
        self.loss_mask = (mg.re_mask(reg) if self.p["lost_species"] is None
                          else mg.names_mask(self, self.p["lost_species"], "lost_species"))
        eqs, self.not_oxidised = mg.oxidation_reactions(reg, mg.re_mask(reg), 1.0)
        self.ox_rec = Reactions(self.label, reg, [dict(e, conversion=self.p["oxidation"])
                                                  for e in eqs], {"O2": 0.0})
        self.ox_fines = Reactions(self.label, reg, [dict(e, conversion=self.p["fines_oxidation"])
                                                    for e in eqs], {"O2": 0.0})

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        lost = np.where(self.loss_mask, feed.flows * self.p["re_loss"], 0.0)
        kept = feed.flows - lost
        kept_out, o2_a, _ = self.ox_rec.apply(kept)
        fines_out, o2_b, _ = self.ox_fines.apply(lost)
        reagents = self.stream(o2_a + o2_b, T_REF)
        out = self.stream(kept_out, feed.T, feed.P)
        fines = self.stream(fines_out, feed.T, feed.P)
        power = feed.total * self.p["specific_energy_kWh_per_t"] / 1000.0 * mg.J_PER_KWH
        re_in = float(feed.flows[mg.re_mask(self.registry)].sum())
        info = {
            "specific_energy_kWh_per_t": self.p["specific_energy_kWh_per_t"],
            "re_material_lost_kg_s": float(lost.sum()),
            "re_material_in_kg_s": re_in,
            "O2_consumed_kg_s": reagents.total,
            "not_oxidised_species": self.not_oxidised,
        }
        if self.p["fines_outlet"]:
            return _electric_work(self, inlets, {"out": out, "fines": fines}, power,
                                  reagents=reagents, info=info)
        return _electric_work(self, inlets, {"out": out}, power, reagents=reagents, losses=fines,
                              info=info)


# --------------------------------------------------------------------------- demagnetisation
@register_unit("demagnetisation")
class Demagnetisation(UnitOperation):
    """Thermal demagnetisation: heat the load above the Curie point, hold, cool.

    The load is heated from its inlet temperature to ``T_K`` (Nd2Fe14B's Curie point is
    ~585 K), optionally oxidising a fraction of the rare earth (O2 from air), and cooled to
    ``T_out_K``. The furnace duty is the enthalpy rise of the load to ``T_K`` (sensible heat
    plus any heat of reaction, from the species data) over ``efficiency``; the heat given up on
    cooling is rejected. ``hold_min`` is reported only (holding losses of the furnace shell are
    folded into ``efficiency``).
    """

    params = {
        "T_K": Param(623.15, "K", 450.0, 1000.0, doc="demagnetisation temperature",
                     source="Belfqueh et al., J Rare Earths 41 (2023) 621-631: 350 C, 30 min "
                            "(330-400 C)"),
        "hold_min": Param(30.0, "min", 0.0, 1440.0, doc="hold time (reported)",
                          source="Belfqueh et al., J Rare Earths 41 (2023) 621-631"),
        "T_out_K": Param(T_REF, "K", 250.0, 1000.0, doc="outlet temperature after cooling",
                         source="assumption: parts cool to ambient before the next step"),
        "oxidation": Param(0.0, "-", 0.0, 1.0,
                           doc="fraction of the rare earth oxidised in air during the hold",
                           source="assumption: negligible at 350 C for 30 min on coated "
                                  "magnets (Belfqueh report O pick-up only at 400 C for longer "
                                  "holds)"),
        "heating": mg.HEATING,
        "efficiency": mg.electric_efficiency(),
    }

    def validate(self) -> None:
        if self.p["T_out_K"] > self.p["T_K"]:
            raise InputError(f"{self.label} parameter 'T_out_K': {self.p['T_out_K']:g} K is above "
                             f"the demagnetisation temperature T_K = {self.p['T_K']:g} K; "
                             "allowed range <= T_K", field="T_out_K")
        eqs, self.not_oxidised = mg.oxidation_reactions(self.registry, mg.re_mask(self.registry),
                                                        self.p["oxidation"])
        self.rx = Reactions(self.label, self.registry, eqs, {"O2": 0.0})

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        flows, o2, _ = self.rx.apply(feed.flows)
        reagents = self.stream(o2, T_REF)
        hot = self.stream(flows, self.p["T_K"], feed.P)
        duty = hot.enthalpy() - feed.enthalpy() - reagents.enthalpy()
        out = hot.with_temperature(self.p["T_out_K"])
        info = {"T_K": self.p["T_K"], "hold_min": self.p["hold_min"],
                "load_heat_kWh_per_kg": duty / mg.J_PER_KWH / feed.total if feed.total else 0.0,
                "O2_consumed_kg_s": reagents.total}
        return mg.finish_heated(self, inlets, {"out": out}, duty_W=duty, reagents=reagents,
                                heating=self.p["heating"], efficiency=self.p["efficiency"],
                                info=info)


# --------------------------------------------------------------------------- coating removal
@register_unit("coating_removal")
class CoatingRemoval(UnitOperation):
    """Mechanical stripping of the Ni-Cu-Ni coating (abrasive tumbling / shot blasting).

    Mechanical abrasion is chosen over acid stripping: it is dry, adds no reagent or liquor to
    treat, and does not dissolve rare earth (an acid strip attacks the NdFeB under the coating).
    A fraction ``removal`` of each coating species goes to outlet ``coating`` together with a
    fraction ``magnet_loss`` of everything else (abraded magnet surface); the rest goes to
    ``out``. Electricity is ``specific_energy_kWh_per_t`` per tonne of feed.
    """

    outlet_ports = ("out", "coating")
    params = {
        "method": Param("abrasion", kind="str", choices=("abrasion",),
                        doc="stripping method (mechanical abrasion)", source="design choice"),
        "coating_species": Param(list(mg.COATING_SPECIES), kind="list",
                                 doc="species that make up the coating",
                                 source="SM Magnetics (Guthrie), Recycling rare earth magnet "
                                        "materials: Ni-Cu-Ni typical NdFeB coating"),
        "removal": Param(0.95, "-", 0.0, 1.0, doc="fraction of the coating removed",
                         source="assumption: tumbling/blasting strips most of a 10-20 um "
                                "coating, some remains in corners and recesses"),
        "magnet_loss": Param(0.01, "-", 0.0, 1.0,
                             doc="fraction of the non-coating material abraded into the coating "
                                 "outlet",
                             source="assumption: a few um of magnet surface on mm-size magnets "
                                    "(~1 wt%)"),
        "specific_energy_kWh_per_t": Param(
            10.0, "kWh/t", 0.0, 1e4, doc="electricity per tonne of feed",
            source="assumption: tumbling mill / shot blaster, of the order of the HDD shredder "
                   "(10.9 kWh/t derived from PrOMMiS)"),
    }

    def validate(self) -> None:
        self.mask = mg.names_mask(self, self.p["coating_species"], "coating_species")
        self.frac = np.where(self.mask, self.p["removal"], self.p["magnet_loss"])

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        coat = self.stream(feed.flows * self.frac, feed.T, feed.P)
        out = self.stream(feed.flows - coat.flows, feed.T, feed.P)
        power = feed.total * self.p["specific_energy_kWh_per_t"] / 1000.0 * mg.J_PER_KWH
        left = float(out.flows[self.mask].sum())
        info = {"method": self.p["method"],
                "coating_left_mass_fraction": left / out.total if out.total else 0.0}
        return _electric_work(self, inlets, {"out": out, "coating": coat}, power, info=info)


# --------------------------------------------------------------------------- sieving
@register_unit("sieving")
class Sieving(UnitOperation):
    """Size classification of decrepitated or crushed material.

    Outlet ``powder`` (undersize) takes ``magnet_to_powder`` of each magnet species,
    ``coating_to_powder`` of each coating species and ``default_to_powder`` of everything else
    (steel, Al, plastic fragments); ``split`` overrides any species. Outlet ``coarse`` takes
    the rest. Electricity is ``specific_energy_kWh_per_t`` per tonne of feed.
    """

    outlet_ports = ("powder", "coarse")
    params = {
        "magnet_to_powder": Param(0.98, "-", 0.0, 1.0,
                                  doc="fraction of magnet material passing the sieve",
                                  source="assumption: HD powder is mostly < 1 mm; ~2% stays on "
                                         "the sieve with coating flakes"),
        "coating_to_powder": Param(
            0.035, "-", 0.0, 1.0, doc="fraction of coating species passing the sieve",
            source="derived: Walton et al., J Cleaner Prod 104 (2015) 236: Ni < 330 ppm in the "
                   "sieved HD powder; with 0.9 wt% Ni-Cu-Ni coating (data/feedstocks.csv "
                   "HDD_VCM) at most 330/9000 = 3.7% of the coating passes"),
        "default_to_powder": Param(0.0, "-", 0.0, 1.0,
                                   doc="fraction of other species passing the sieve",
                                   source="assumption: steel, Al and plastic parts are not "
                                          "decrepitated and stay coarse"),
        "split": Param({}, "-", 0.0, 1.0, kind="dict",
                       doc="species -> fraction to powder (overrides the classes)",
                       source="design choice"),
        "magnet_species": Param(None, kind="list",
                                doc="magnet species; default solids containing a rare earth or "
                                    "B, plus Co", source="design choice"),
        "coating_species": Param(list(mg.COATING_SPECIES), kind="list",
                                 doc="coating species", source="SM Magnetics (Guthrie): Ni-Cu-Ni"),
        "specific_energy_kWh_per_t": Param(
            1.0, "kWh/t", 0.0, 1e4, doc="electricity per tonne of feed",
            source="assumption: vibratory screen motors of 0.5-2 kW at 0.5-2 t/h"),
    }

    def validate(self) -> None:
        mag = mg.magnet_mask(self, self.p["magnet_species"], "magnet_species", extras=("Co",))
        coat = mg.names_mask(self, self.p["coating_species"], "coating_species")
        frac = np.full(len(self.registry), self.p["default_to_powder"])
        frac[mag] = self.p["magnet_to_powder"]
        frac[coat] = self.p["coating_to_powder"]
        for sp, x in self.p["split"].items():
            frac[self.species_idx(sp, "split")] = x
        self.frac = frac
        self.coat = coat

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        powder = self.stream(feed.flows * self.frac, feed.T, feed.P)
        coarse = self.stream(feed.flows - powder.flows, feed.T, feed.P)
        power = feed.total * self.p["specific_energy_kWh_per_t"] / 1000.0 * mg.J_PER_KWH
        ni = powder.mass("Ni") if "Ni" in self.registry else 0.0
        info = {"Ni_ppm_in_powder": 1e6 * ni / powder.total if powder.total else 0.0,
                "coating_ppm_in_powder": (1e6 * float(powder.flows[self.coat].sum())
                                          / powder.total) if powder.total else 0.0}
        return _electric_work(self, inlets, {"powder": powder, "coarse": coarse}, power,
                              info=info)


# --------------------------------------------------------------------------- jet milling
@register_unit("jet_milling")
class JetMilling(UnitOperation):
    """Nitrogen jet milling of HD powder to a few micrometres.

    Electricity ``specific_energy_kWh_per_kg`` per kg of feed (compressor work, dissipated as
    heat), nitrogen make-up ``n2_kg_per_kg`` drawn as a reagent and vented through outlet
    ``offgas`` together with any gas released; oxygen pick-up oxidises a fraction
    ``oxidation`` of the rare earth (O2 drawn as a reagent; the O pick-up in kg O per kg is
    reported in ``info``). Solids leave through ``out`` at ``T_out_K``.
    """

    outlet_ports = ("out", "offgas")
    params = {
        "specific_energy_kWh_per_kg": Param(
            1.5, "kWh/kg", 0.0, 100.0, doc="electricity per kg of powder milled",
            source="assumption (no public figure, reference unit_ops.csv jet_milling): "
                   "closed-loop N2 fluidised-bed jet mills circulate ~15 kg gas per kg powder "
                   "at ~7 bar; isothermal compression 8.314*298/0.028*ln 8 = 0.18 MJ/kg gas at "
                   "70% efficiency is ~1.1 kWh/kg powder, plus classifier and auxiliaries"),
        "n2_kg_per_kg": Param(0.3, "kg/kg", 0.0, 100.0, doc="nitrogen make-up per kg powder",
                              source="assumption: ~2% purge/leak make-up of ~15 kg circulating "
                                     "N2 per kg powder"),
        "oxidation": Param(0.01, "-", 0.0, 1.0,
                           doc="fraction of the rare earth oxidised by O picked up in the mill",
                           source="assumption: ~1% of the rare earth, i.e. ~0.05 wt% O pick-up "
                                  "for a 30 wt% RE powder (residual O2 in the milling N2)"),
        "T_out_K": Param(T_REF, "K", 250.0, 600.0, doc="outlet temperature",
                         source="assumption: mill gas cooled to ambient"),
    }

    def validate(self) -> None:
        reg = self.registry
        eqs, self.not_oxidised = mg.oxidation_reactions(reg, mg.re_mask(reg), self.p["oxidation"])
        self.rx = Reactions(self.label, reg, eqs, {"O2": 0.0})
        self.gas = mg.gas_mask(reg)
        self.i_n2 = self.species_idx("N2", "n2_kg_per_kg")

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        flows, o2, _ = self.rx.apply(feed.flows)
        drawn = o2.copy()
        drawn[self.i_n2] += self.p["n2_kg_per_kg"] * feed.total
        flows[self.i_n2] += self.p["n2_kg_per_kg"] * feed.total
        reagents = self.stream(drawn, T_REF)
        T = self.p["T_out_K"]
        out = self.stream(np.where(self.gas, 0.0, flows), T, feed.P)
        gas = self.stream(np.where(self.gas, flows, 0.0), T, feed.P)
        power = feed.total * self.p["specific_energy_kWh_per_kg"] * mg.J_PER_KWH
        info = {"specific_energy_kWh_per_kg": self.p["specific_energy_kWh_per_kg"],
                "O_pickup_kg_per_kg": float(o2.sum()) / feed.total if feed.total else 0.0,
                "N2_kg_s": self.p["n2_kg_per_kg"] * feed.total}
        return _electric_work(self, inlets, {"out": out, "offgas": gas}, power,
                              reagents=reagents, info=info)
