"""Generic unit operations: mixer, splitter, separator, heater and stoichiometric reactor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..chemistry import T_REF, check_element_balance
from ..errors import InputError
from ..streams import Stream, mix
from .base import Param, UnitOperation, UnitResult, register_unit

HEATING = Param(
    "electric", kind="str", choices=("electric", "fuel"),
    doc="utility that meets a positive heat need", source="design choice",
)
EFFICIENCY = Param(
    1.0, low=0.05, high=1.0,
    doc="fraction of the utility's energy that reaches the process",
    source="assumption: ideal unless the unit says otherwise",
)


def combined(inlets: Mapping[str, Stream], registry: Any) -> Stream:
    """All inlets mixed into one stream (an empty stream if there are none)."""
    live = [s for s in inlets.values()]
    return mix(live) if live else Stream(np.zeros(len(registry)), registry=registry)


@register_unit("mixer")
class Mixer(UnitOperation):
    """Adiabatic mixer of any number of inlets (outlet T from the enthalpy balance), or at T_K."""

    inlet_ports = ("*",)
    params = {"T_K": Param(None, "K", 200.0, 3000.0, doc="outlet temperature; adiabatic if omitted")}

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        out = mix(list(inlets.values()), T=self.p["T_K"])
        return self.finish(inlets, {"out": out})


@register_unit("splitter")
class Splitter(UnitOperation):
    """Divide a stream into outlets of equal composition; ``fractions`` maps port -> share."""

    outlet_ports = ("*",)
    params = {"fractions": Param(None, "-", 0.0, 1.0, kind="dict", required=True,
                                 doc="share of the inlet sent to each outlet port; sums to 1")}

    def active_outlets(self) -> tuple[str, ...]:
        return tuple(self.p["fractions"])

    def validate(self) -> None:
        tot = sum(self.p["fractions"].values())
        if abs(tot - 1.0) > 1e-9:
            raise InputError(
                f"{self.label} parameter 'fractions' sums to {tot:g}; it must sum to 1",
                field="fractions",
            )

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        outs = {port: feed.copy(flows=feed.flows * f) for port, f in self.p["fractions"].items()}
        return self.finish(inlets, outs)


@register_unit("separator")
class Separator(UnitOperation):
    """Component separator: each species splits between outlets ``top`` and ``bottom``.

    The fraction of a species to ``top`` is taken from ``split`` (by species name), else from
    ``phase_split`` (by phase s/l/g/aq), else ``default_split``.
    """

    outlet_ports = ("top", "bottom")
    params = {
        "split": Param({}, "-", 0.0, 1.0, kind="dict", doc="species -> fraction to top"),
        "phase_split": Param({}, "-", 0.0, 1.0, kind="dict", doc="phase -> fraction to top"),
        "default_split": Param(0.0, "-", 0.0, 1.0, doc="fraction to top of other species"),
        "T_K": Param(None, "K", 200.0, 3000.0, doc="outlet temperature; inlet T if omitted"),
        "heating": HEATING,
        "efficiency": EFFICIENCY,
    }

    def validate(self) -> None:
        reg = self.registry
        frac = np.full(len(reg), self.p["default_split"])
        for ph, x in self.p["phase_split"].items():
            if ph not in ("s", "l", "g", "aq"):
                raise InputError(
                    f"{self.label} parameter 'phase_split': phase {ph!r}; allowed: s, l, g, aq",
                    field="phase_split",
                )
            frac[[i for i, s in enumerate(reg.species) if s.phase == ph]] = x
        for sp, x in self.p["split"].items():
            frac[self.species_idx(sp, "split")] = x
        self.frac_top = frac

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        T = self.p["T_K"] or feed.T
        top = self.stream(feed.flows * self.frac_top, T, feed.P)
        bottom = self.stream(feed.flows - top.flows, T, feed.P)
        return self.finish(inlets, {"top": top, "bottom": bottom},
                           heating=self.p["heating"], efficiency=self.p["efficiency"])


@register_unit("heater")
class Heater(UnitOperation):
    """Heat or cool a stream to ``T_K``; the duty follows from the enthalpies."""

    params = {
        "T_K": Param(None, "K", 200.0, 3000.0, required=True),
        "heating": HEATING,
        "efficiency": EFFICIENCY,
    }

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        return self.finish(inlets, {"out": feed.with_temperature(self.p["T_K"])},
                           heating=self.p["heating"], efficiency=self.p["efficiency"])


# --------------------------------------------------------------------------- reactions
_TERM = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s+)?(\S+)\s*$")


def parse_equation(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """Parse ``"4 Fe + 3 O2 -> 2 Fe2O3"`` into reactant and product coefficient maps.

    Terms are separated by `` + `` (spaces required, so names like ``Nd2(C2O4)3·10H2O`` work);
    a coefficient is a number followed by a space.
    """
    if not isinstance(text, str) or text.count("->") != 1:
        raise InputError(f"reaction {text!r}: expected one '->' between reactants and products",
                         field="equation")
    left, right = text.split("->")
    sides = []
    for side in (left, right):
        terms: dict[str, float] = {}
        for term in re.split(r"\s\+\s", side.strip()):
            m = _TERM.match(term)
            if not m:
                raise InputError(f"reaction {text!r}: cannot read term {term!r}", field="equation")
            coef = float(m.group(1)) if m.group(1) else 1.0
            terms[m.group(2)] = terms.get(m.group(2), 0.0) + coef
        sides.append(terms)
    return sides[0], sides[1]


class Reactions:
    """A list of reactions with key species and conversions, applied in sequence.

    Each reaction is ``{"equation": str, "key": species, "conversion": 0..1}``; species listed
    in ``reagents`` are drawn from outside as needed (times ``1 + excess``), so the extent is
    set by the key species only and the unit stays linear in its feed: reagents are drawn in
    full for every reaction, and any of a reagent species already in the feed passes through.
    """

    def __init__(self, label: str, registry: Any, reactions: list[Mapping[str, Any]],
                 reagents: Mapping[str, float]):
        self.label = label
        self.reg = registry
        self.reagent_excess = dict(reagents)
        n = len(registry)
        self.items: list[tuple[int, float, float, np.ndarray]] = []
        for k, r in enumerate(reactions):
            if not isinstance(r, Mapping) or "equation" not in r:
                raise InputError(f"{label} reaction {k}: needs 'equation', 'key' and 'conversion'",
                                 field="reactions")
            unknown = set(r) - {"equation", "key", "conversion"}
            if unknown:
                raise InputError(f"{label} reaction {k}: unknown field(s) {sorted(unknown)}",
                                 field="reactions")
            reac, prod = parse_equation(r["equation"])
            for sp in list(reac) + list(prod):
                try:
                    registry.idx(sp)
                except InputError as exc:
                    raise InputError(f"{label} reaction {r['equation']!r}: {exc}",
                                     field="reactions") from None
            check_element_balance(reac, prod, registry=registry,
                                  label=f"{label} reaction {r['equation']!r}")
            key = r.get("key") or next(iter(reac))
            if key not in reac:
                raise InputError(f"{label} reaction {r['equation']!r}: key {key!r} is not a reactant",
                                 field="reactions.key")
            conv = float(r.get("conversion", 1.0))
            if not 0.0 <= conv <= 1.0:
                raise InputError(
                    f"{label} reaction {r['equation']!r}: conversion {conv:g} is outside the "
                    "allowed range [0, 1]", field="reactions.conversion")
            nu = np.zeros(n)  # mol per mol extent, products positive
            for sp, c in reac.items():
                nu[registry.idx(sp)] -= c
            for sp, c in prod.items():
                nu[registry.idx(sp)] += c
            self.items.append((registry.idx(key), reac[key], conv, nu))
        for sp, x in self.reagent_excess.items():
            registry.idx(sp)
            if x < 0:
                raise InputError(f"{label} parameter 'reagents': excess of {sp!r} is {x:g}; "
                                 "allowed range >= 0", field="reagents")
        self.reagent_idx = np.array([registry.idx(s) for s in self.reagent_excess], dtype=int)

    def apply(self, flows: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[float]]:
        """Return (outlet mass flows, reagent mass flows drawn, extents in mol/s)."""
        mw = self.reg.molar_masses
        mol = flows / mw
        drawn = np.zeros_like(mol)
        extents = []
        is_reagent = np.zeros(len(mol), dtype=bool)
        is_reagent[self.reagent_idx] = True
        for key, nu_key, conv, nu in self.items:
            xi = conv * mol[key] / nu_key
            need = -np.minimum(nu, 0.0) * xi
            # reagents are always drawn in full for the reaction (any already in the feed
            # passes through), so the unit stays linear in its feed
            drawn[is_reagent] += need[is_reagent]
            mol[is_reagent] += need[is_reagent]
            short = np.where(is_reagent, 0.0, need - mol)
            for j in np.flatnonzero(short > 1e-12 * max(need.max(), 1e-300)):
                raise InputError(
                    f"{self.label}: reaction with key {self.reg.names[key]!r} needs "
                    f"{need[j]:.4g} mol/s of {self.reg.names[j]!r} but only {mol[j]:.4g} "
                    "mol/s is present; list it under 'reagents' or lower the conversion",
                    field="reactions")
            mol = mol + nu * xi
            extents.append(xi)
        # excess reagent passes through unreacted
        for j, sp in zip(self.reagent_idx, self.reagent_excess, strict=True):
            extra = drawn[j] * self.reagent_excess[sp]
            drawn[j] += extra
            mol[j] += extra
        # a key species consumed at conversion 1 may come out as -1e-17 of its flow: clip
        mol = np.where((mol < 0.0) & (mol > -1e-12 * max(np.abs(mol).max(), 1e-300)), 0.0, mol)
        return mol * mw, drawn * mw, extents


@register_unit("stoich_reactor")
class StoichReactor(UnitOperation):
    """Stoichiometric reactor: reactions at fixed conversions, outlet at ``T_K``.

    The heat of reaction is not an input: it follows from the species enthalpies through the
    unit energy balance. Gas-phase products may leave through a separate ``gas`` outlet.
    """

    outlet_ports = ("out", "gas")
    params = {
        "reactions": Param(None, kind="list", required=True,
                           doc="list of {equation, key, conversion}"),
        "reagents": Param({}, "-", 0.0, 100.0, kind="dict",
                          doc="species drawn from outside as needed -> fractional excess"),
        "reagent_T_K": Param(T_REF, "K", 200.0, 3000.0, doc="temperature of the reagents"),
        "T_K": Param(None, "K", 200.0, 3000.0, doc="outlet temperature; adiabatic if omitted"),
        "separate_gas": Param(False, kind="bool", doc="send gas-phase species to port 'gas'"),
        "heating": HEATING,
        "efficiency": EFFICIENCY,
    }

    def active_outlets(self) -> tuple[str, ...]:
        return ("out", "gas") if self.p["separate_gas"] else ("out",)

    def validate(self) -> None:
        if not isinstance(self.p["reactions"], list) or not self.p["reactions"]:
            raise InputError(f"{self.label} parameter 'reactions': a non-empty list is required",
                             field="reactions")
        self.rx = Reactions(self.label, self.registry, self.p["reactions"], self.p["reagents"])
        self.gas_mask = np.array([s.phase == "g" for s in self.registry.species])

    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        feed = combined(inlets, self.registry)
        out_flows, drawn, extents = self.rx.apply(feed.flows)
        reagents = self.stream(drawn, self.p["reagent_T_K"])
        T = self.p["T_K"]
        if T is None:
            h = feed.enthalpy() + reagents.enthalpy()
            from ..streams import solve_temperature

            T = solve_temperature(out_flows, h, self.registry, feed.T)
        if self.p["separate_gas"]:
            gas = self.stream(np.where(self.gas_mask, out_flows, 0.0), T, feed.P)
            liq = self.stream(np.where(self.gas_mask, 0.0, out_flows), T, feed.P)
            outs = {"out": liq, "gas": gas}
        else:
            outs = {"out": self.stream(out_flows, T, feed.P)}
        return self.finish(inlets, outs, reagents=reagents, heating=self.p["heating"],
                           efficiency=self.p["efficiency"], info={"extents_mol_s": extents})
