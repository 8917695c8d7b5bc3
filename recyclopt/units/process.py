"""Small helpers shared by the reacting unit families (hydromet, pyromet): utility parameters,
phase masks, molar-to-mass flows, the combined feed, the air carrying a given O2 and figures
per kg of product."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..chemistry import Registry
from ..streams import Stream, mix
from .base import Param

#: mol N2 per mol O2 in air (dry air, 79/21 by volume)
AIR_N2_PER_O2 = 79.0 / 21.0

#: A figure per kg of product is NaN when the product is at most this share of the unit's feed:
#: a flow within the mass balances' tolerance (1e-9 relative) is no product to divide by.
PER_KG_MIN_SHARE = 1e-9


def heating_param(default: str, source: str) -> Param:
    """The ``heating`` parameter: which utility (electric or fuel) meets a heat need."""
    return Param(default, kind="str", choices=("electric", "fuel"),
                 doc="utility meeting a positive heat need", source=source)


def efficiency_param(default: float, source: str) -> Param:
    """The ``efficiency`` parameter: fraction of the utility's energy reaching the process."""
    return Param(default, "-", 0.05, 1.0,
                 doc="fraction of the utility's energy that reaches the process", source=source)


def phase_mask(reg: Registry, phases: tuple[str, ...]) -> np.ndarray:
    """Boolean mask of the species in any of ``phases`` ('s', 'l', 'aq', 'g')."""
    return np.array([s.phase in phases for s in reg.species])


def combined_feed(inlets: Mapping[str, Stream], reg: Registry) -> Stream:
    """All inlets mixed into one stream (an empty stream if there are none)."""
    live = list(inlets.values())
    return mix(live) if live else Stream(np.zeros(len(reg)), registry=reg)


def mass_flows(reg: Registry, mol: np.ndarray) -> np.ndarray:
    """Mass flows (kg/s) of molar flows (mol/s)."""
    return mol * reg.molar_masses


def air_flows(reg: Registry, o2_mol: float) -> np.ndarray:
    """Molar flows of air carrying ``o2_mol`` mol/s of O2: ``N2 = O2 x 79/21``."""
    v = np.zeros(len(reg))
    v[reg.idx("O2")] = o2_mol
    v[reg.idx("N2")] = o2_mol * AIR_N2_PER_O2
    return v


def per_kg(value: float, kg: float, feed_kg: float) -> float:
    """``value / kg``: a figure per kg of product, NaN when ``kg`` is at most
    :data:`PER_KG_MIN_SHARE` of ``feed_kg`` (no product made; a product flow of 1e-317 kg/s
    beside 8e-6 kg/s of CO2 from the feed's pre-reduction gave inf kg CO2e per kg)."""
    if kg > 0 and kg > PER_KG_MIN_SHARE * feed_kg:
        return float(value / kg)
    return float("nan")
