"""Alloy making for the long loop (oxide -> metal -> alloy -> magnet): strip casting.

``strip_casting`` melts rare-earth metal with iron and boron in a vacuum induction furnace and
casts the melt onto a water-cooled copper wheel into thin flakes of RE2Fe14B matrix with a
rare-earth-rich grain-boundary phase, the starting alloy of sintered magnets (hydrogen
decrepitation, jet milling and sintering follow).

Mass balance: a fixed fraction ``matrix_fraction`` of the rare-earth atoms fed as metal is
bound as ``RE2Fe14B`` (``2 RE + 14 Fe + B -> RE2Fe14B``), with the Fe and B drawn as
reagents; the rest stays as RE metal (the grain-boundary phase). Other metals fed pass into
the alloy unchanged; non-metallic species (oxides, salts, gases) are skimmed off as
``dross``. At a fixed design the unit is therefore linear in its feed.

Energy balance: the charge (metals fed plus the Fe and B drawn) is brought to the pouring
temperature ``T_pour_K``. The melting energy is the enthalpy rise of the charge elements
from the species data, plus the fusion enthalpy (from the species data: the latent heat of
the highest-temperature transition of its table) of every element whose melting point lies
above ``T_pour_K`` (iron, 13.8 kJ/mol at 1809 K: it dissolves in the RE-rich melt below its
own melting point). The induction furnace delivers it at ``efficiency``; the flakes leave
at ``T_out_K``, and the heat of the melt and the heat of alloy formation are rejected to the
wheel's cooling water (closed by :meth:`~recyclopt.units.base.UnitOperation.finish`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..chemistry import T_REF, Registry
from ..constants import J_PER_KWH
from ..streams import Stream, mix
from ._reacting import NON_METALS, RARE_EARTHS
from .base import Param, UnitOperation, UnitResult, register_unit
from .process import per_kg

SRC_ALLOY_RE = ("Advanced Magnets, sintered NdFeB process flow (http://www.advancedmagnets.com/"
                "about/process-flows/): sintered grades hold 28-35 wt% RE against 26.7 wt% in "
                "stoichiometric Nd2Fe14B")
SRC_INDUCTION = ("aboutfoundry.com, Energy consumption (https://aboutfoundry.com/en/"
                 "energy-energy-consumption): crucible induction furnaces melt iron to 1,550 C "
                 "at 560-640 kWh/t in practice; the melting enthalpy of Fe to 1,550 C (JANAF, "
                 "~77 kJ/mol = 0.38 kWh/kg) over that gives an efficiency of 0.60-0.68; "
                 "induction-furnace steel melting at 500-650 kWh/t with 70-75 % electrical "
                 "conversion and 12-20 % wall losses (taourl.com/read-3064536.html) agrees")
SRC_POUR = ("assumption: NdFeB strip-casting melts are poured at about 1,400-1,500 C, above "
            "the liquidus of the RE-rich alloy (Nd2Fe14B forms peritectically at ~1,180 C); "
            "the bundled Nd, Pr and B data end at 1,800 K")


def fusion_enthalpy(registry: Registry, species: str) -> tuple[float, float]:
    """Melting point (K) and enthalpy of fusion (J/mol) of a species, from its species data.

    The fusion is taken as the latent heat of the highest-temperature range of the species'
    Shomate table (the liquid row of the bundled metals: Fe 13.807 kJ/mol at 1809 K, JANAF).
    Returns ``(inf, 0.0)`` when the table shows no such transition (e.g. B, solid to 1800 K)
    or the species' thermodynamics are not tabulated.
    """
    thermo = registry.thermo(registry.idx(species))
    ranges = getattr(thermo, "ranges", None)
    if not ranges or len(ranges) < 2 or not ranges[-1].dH_transition:
        return float("inf"), 0.0
    return float(ranges[-1].T_min), float(ranges[-1].dH_transition)


def _metal_of(registry: Registry, i: int) -> str | None:
    """The element of an elemental metal species (solid or liquid), else ``None``."""
    s = registry.species[i]
    el = [e for e in s.elements if s.elements[e] > 0]
    if len(el) != 1 or el[0] in NON_METALS or s.phase not in ("s", "l"):
        return None
    return el[0]


@register_unit("strip_casting")
class StripCasting(UnitOperation):
    """Vacuum induction melting and strip casting of RE metal with Fe and B to alloy flakes.

    ``RE2Fe14B`` formation, Fe and B draw, dross, melting energy and heat rejection are
    described in the module docstring. Per mol/s of RE metal fed and a matrix fraction
    ``phi``: ``phi/2`` mol/s of RE2Fe14B, ``7 phi`` mol/s of Fe and ``phi/2`` mol/s of B drawn.
    Electricity: ``[sum_i n_i (H_i(T_pour) - H_i(T_in)) + sum_{T_m,i > T_pour} n_i dH_fus,i]
    / efficiency`` over the charge's elements ``i``.

    Ports: inlet ``in`` (RE metal, e.g. from electrolysis); outlets ``alloy`` and ``dross``.
    """

    outlet_ports = ("alloy", "dross")
    params = {
        "matrix_fraction": Param(
            0.82, "-", 0.5, 1.0,
            doc="fraction of the RE atoms bound as RE2Fe14B (the rest is RE-rich grain-boundary "
            "metal)",
            source="assumption, range 0.7-0.95: 0.82 gives 30.7 wt% RE for an Nd alloy, inside "
            "the 28-35 wt% of sintered grades (" + SRC_ALLOY_RE + ")"),
        "T_pour_K": Param(1723.15, "K", 1473.15, 1800.0, doc="melt temperature at pouring",
                          source=SRC_POUR + "; default 1,450 C, range 1,400-1,527 C"),
        "T_out_K": Param(T_REF, "K", 250.0, 1000.0, doc="temperature of the flakes and dross "
                         "leaving", source="assumption: flakes cooled on the wheel and in the "
                         "collection chamber to ambient (range 298-400 K)"),
        "efficiency": Param(0.65, "-", 0.05, 1.0,
                            doc="fraction of the furnace electricity reaching the melt",
                            source=SRC_INDUCTION + "; default 0.65, range 0.55-0.75"),
    }

    def validate(self) -> None:
        reg = self.registry
        self.fe = self.species_idx("Fe", "matrix_fraction")
        self.b = self.species_idx("B", "matrix_fraction")
        n = len(reg)
        self.metal = np.zeros(n, dtype=bool)
        self.re = np.zeros(n, dtype=bool)
        self.phase_of = np.full(n, -1)  # RE metal species -> its RE2Fe14B species
        for i in range(n):
            el = _metal_of(reg, i)
            if el is None:
                continue
            self.metal[i] = True
            if el in RARE_EARTHS:
                self.re[i] = True
                name = f"{el}2Fe14B"
                if name in reg:
                    self.phase_of[i] = reg.idx(name)
        self.fusion = np.array([fusion_enthalpy(reg, reg.names[i]) if self.metal[i]
                                else (float("inf"), 0.0) for i in range(n)])

    def melt_energy_W(self, charge: Stream) -> float:
        """Enthalpy (W) to bring a charge of metals to ``T_pour_K`` and melt it.

        ``H(T_pour) - H(T_charge)`` from the species data, plus the fusion enthalpy of each
        element melting above ``T_pour`` (it dissolves into the melt).
        """
        reg = self.registry
        Tp = self.p["T_pour_K"]
        mol = charge.moles()
        latent = float(np.sum(np.where(self.fusion[:, 0] > Tp, mol * self.fusion[:, 1], 0.0)))
        return reg.enthalpy_flow(charge.flows, Tp) - charge.enthalpy() + latent

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        reg = self.registry
        live = list(inlets.values())
        feed = mix(live) if live else Stream(np.zeros(len(reg)), registry=reg)
        phi = self.p["matrix_fraction"]
        mol = feed.moles()
        metals = np.where(self.metal, feed.flows, 0.0)
        dross = feed.flows - metals
        bound = np.where(self.re & (self.phase_of >= 0), mol * phi, 0.0)  # RE mol/s in matrix
        n_phase = bound / 2.0
        drawn = np.zeros(len(reg))
        drawn[self.fe] = 14.0 * n_phase.sum() * reg.molar_masses[self.fe]
        drawn[self.b] = n_phase.sum() * reg.molar_masses[self.b]
        alloy = metals - bound * reg.molar_masses
        for i in np.flatnonzero(n_phase):
            alloy[self.phase_of[i]] += n_phase[i] * reg.molar_masses[self.phase_of[i]]
        reagents = self.stream(drawn, T_REF)
        charge_in = self.stream(metals, feed.T, feed.P)
        melt = self.melt_energy_W(charge_in) + self.melt_energy_W(reagents)
        power = max(melt, 0.0) / self.p["efficiency"]
        To = self.p["T_out_K"]
        outs = {"alloy": self.stream(alloy, To, feed.P), "dross": self.stream(dross, To, feed.P)}
        kg = outs["alloy"].total
        re_kg = float(sum(outs["alloy"].element_flows().get(e, 0.0) for e in RARE_EARTHS))
        fed = feed.total
        info = {"kWh_per_kg_alloy": per_kg(power / J_PER_KWH, kg, fed),
                "melt_enthalpy_kWh_per_kg": per_kg(melt / J_PER_KWH, kg, fed),
                "RE_wt_pct": per_kg(100.0 * re_kg, kg, fed),
                "Fe_kg_per_kg_alloy": per_kg(drawn[self.fe], kg, fed),
                "B_kg_per_kg_alloy": per_kg(drawn[self.b], kg, fed)}
        return self.finish(inlets, outs, reagents=reagents, electricity_W=power,
                           heating="electric", info=info)


__all__ = ["StripCasting", "fusion_enthalpy"]
