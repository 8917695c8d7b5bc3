"""Material streams: species mass flows over the registry, temperature and pressure.

A :class:`Stream` is one numpy vector of species mass flows (kg/s) over the fixed species
index of a :class:`~recyclopt.chemistry.Registry`, plus T (K) and P (Pa). Element flows are
``E.T @ m``; enthalpy flows use the registry's absolute (formation-based) enthalpies, so an
energy balance over any unit includes its heat of reaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .chemistry import P_REF, T_REF, Registry, default_registry
from .errors import InputError

#: Relative tolerance for treating tiny negative round-off as zero flow.
NEG_TOL = 1e-12
#: Tolerance for a composition that must sum to one.
COMPOSITION_TOL = 1e-6


@dataclass
class Stream:
    """Species mass flows (kg/s) at a temperature (K) and pressure (Pa).

    Parameters
    ----------
    flows : numpy.ndarray
        Mass flow of each registry species in kg/s (length ``len(registry)``).
    T : float
        Temperature in K.
    P : float
        Pressure in Pa.
    registry : Registry, optional
        The species index; the bundled registry by default.
    name : str, optional
        Label used in error messages and tables.
    """

    flows: np.ndarray
    T: float = T_REF
    P: float = P_REF
    registry: Registry = field(default_factory=default_registry, repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        f = np.asarray(self.flows, dtype=float)
        where = f"stream {self.name!r}" if self.name else "stream"
        if f.shape != (len(self.registry),):
            raise InputError(
                f"{where}: flows must have one entry per registry species "
                f"({len(self.registry)}); got shape {f.shape}",
                field="flows",
            )
        if not np.all(np.isfinite(f)):
            bad = [self.registry.names[i] for i in np.flatnonzero(~np.isfinite(f))]
            raise InputError(f"{where}: non-finite flow for species {bad}", field="flows")
        scale = max(float(np.abs(f).sum()), 1e-300)
        neg = f < 0.0
        if neg.any():
            if np.any(f[neg] < -NEG_TOL * scale):
                i = int(np.argmin(f))
                raise InputError(
                    f"{where}: negative flow {f[i]:.6g} kg/s for species "
                    f"{self.registry.names[i]!r}; allowed range >= 0",
                    field="flows",
                )
            f = np.where(neg, 0.0, f)
        if not (np.isfinite(self.T) and self.T > 0.0):
            raise InputError(f"{where}: temperature {self.T!r} K; allowed > 0 K", field="T")
        if not (np.isfinite(self.P) and self.P > 0.0):
            raise InputError(f"{where}: pressure {self.P!r} Pa; allowed > 0 Pa", field="P")
        self.flows = f

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def from_masses(
        cls,
        masses: Mapping[str, float],
        T: float = T_REF,
        P: float = P_REF,
        registry: Registry | None = None,
        name: str = "",
    ) -> Stream:
        """A stream from ``{species: kg/s}``."""
        reg = registry or default_registry()
        for sp, val in masses.items():
            reg.idx(sp)
            if not np.isfinite(val) or val < 0:
                raise InputError(
                    f"stream {name or '?'}: flow of {sp!r} is {val!r} kg/s; allowed range >= 0",
                    field=f"flows.{sp}",
                )
        return cls(reg.vector(masses), T, P, reg, name)

    @classmethod
    def from_composition(
        cls,
        rate: float,
        fractions: Mapping[str, float],
        T: float = T_REF,
        P: float = P_REF,
        registry: Registry | None = None,
        name: str = "",
    ) -> Stream:
        """A stream of ``rate`` kg/s with mass fractions that must sum to 1.

        Raises
        ------
        InputError
            If a fraction is negative, or they do not sum to 1 within 1e-6.
        """
        where = f"feed {name!r}" if name else "feed"
        if not np.isfinite(rate) or rate < 0:
            raise InputError(f"{where}: rate {rate!r} kg/s; allowed range >= 0", field="rate")
        for sp, x in fractions.items():
            if not np.isfinite(x) or x < 0 or x > 1:
                raise InputError(
                    f"{where}: mass fraction of {sp!r} is {x!r}; allowed range 0-1",
                    field=f"composition.{sp}",
                )
        total = float(sum(fractions.values()))
        if abs(total - 1.0) > COMPOSITION_TOL:
            raise InputError(
                f"{where}: mass fractions sum to {total:.6g}; they must sum to 1 "
                f"(tolerance {COMPOSITION_TOL:g})",
                field="composition",
            )
        return cls.from_masses({k: rate * v for k, v in fractions.items()}, T, P, registry, name)

    @classmethod
    def empty(cls, T: float = T_REF, P: float = P_REF, registry: Registry | None = None) -> Stream:
        reg = registry or default_registry()
        return cls(np.zeros(len(reg)), T, P, reg)

    # -- properties ------------------------------------------------------------------------
    @property
    def total(self) -> float:
        """Total mass flow in kg/s."""
        return float(self.flows.sum())

    def mass(self, species: str) -> float:
        """Mass flow of one species in kg/s."""
        return float(self.flows[self.registry.idx(species)])

    def moles(self) -> np.ndarray:
        """Molar flows in mol/s."""
        return self.flows / self.registry.molar_masses

    def element_flows(self) -> pd.Series:
        """Element mass flows in kg/s."""
        return pd.Series(
            self.registry.element_vector(self.flows), index=self.registry.elements, name=self.name
        )

    def enthalpy(self) -> float:
        """Absolute enthalpy flow in W (formation basis, so it includes chemical energy)."""
        return self.registry.enthalpy_flow(self.flows, self.T)

    def composition(self) -> pd.Series:
        """Mass fractions of the species present."""
        tot = self.total
        nz = np.flatnonzero(self.flows)
        return pd.Series(
            self.flows[nz] / tot if tot else self.flows[nz],
            index=[self.registry.names[i] for i in nz],
            name=self.name,
        )

    def nonzero(self) -> dict[str, float]:
        """``{species: kg/s}`` for the species present."""
        return {self.registry.names[i]: float(self.flows[i]) for i in np.flatnonzero(self.flows)}

    def copy(self, **changes: object) -> Stream:
        kw = dict(flows=self.flows.copy(), T=self.T, P=self.P, registry=self.registry, name=self.name)
        kw.update(changes)
        return Stream(**kw)  # type: ignore[arg-type]

    def scaled(self, factor: float) -> Stream:
        """The same stream with every flow multiplied by ``factor`` (>= 0)."""
        if factor < 0:
            raise InputError(f"scale factor {factor!r}; allowed range >= 0", field="factor")
        return self.copy(flows=self.flows * factor)

    def with_temperature(self, T: float) -> Stream:
        return self.copy(T=T)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v:.4g}" for k, v in list(self.nonzero().items())[:6])
        more = "..." if len(self.nonzero()) > 6 else ""
        return f"Stream({self.name!r}, {self.total:.6g} kg/s, T={self.T:.2f} K, {items}{more})"


# --------------------------------------------------------------------------- operations
def solve_temperature(
    flows: np.ndarray,
    H_target: float,
    registry: Registry,
    T_guess: float = T_REF,
    *,
    T_bounds: tuple[float, float] | None = None,
    tol: float = 1e-13,
) -> float:
    """Temperature at which species flows carry enthalpy ``H_target`` (W).

    Solved by a safeguarded Newton iteration (bisection fallback) inside the common valid
    range of the species present.
    """
    mask = flows != 0.0
    if not mask.any():
        return T_guess
    lo, hi = -np.inf, np.inf
    for i in np.flatnonzero(mask):
        t = registry.thermo(int(i))
        lo, hi = max(lo, t.T_min), min(hi, t.T_max)
    if T_bounds:
        lo, hi = max(lo, T_bounds[0]), min(hi, T_bounds[1])
    if lo > hi:
        raise InputError(
            "no temperature lies in the data range of every species present "
            f"({[registry.names[i] for i in np.flatnonzero(mask)]})",
            field="T",
        )

    def f(T: float) -> float:
        return registry.enthalpy_flow(flows, T) - H_target

    f_lo, f_hi = f(lo), f(hi)
    scale = max(abs(H_target), float(flows.sum()) * 1e3, 1.0)
    if f_lo > 0 or f_hi < 0:
        raise InputError(
            f"the enthalpy balance needs a temperature outside {lo:.1f}-{hi:.1f} K, the common "
            f"data range of the species present (f({lo:.1f} K) = {f_lo:.4g} W, "
            f"f({hi:.1f} K) = {f_hi:.4g} W)",
            field="T",
        )
    T = min(max(T_guess, lo), hi)
    a, b = lo, hi
    for _ in range(200):
        fT = f(T)
        if abs(fT) <= tol * scale:
            return T
        if fT > 0:
            b = T
        else:
            a = T
        cp = registry.heat_capacity_flow(flows, T)
        T_new = T - fT / cp if cp > 0 else 0.5 * (a + b)
        if not (a < T_new < b):
            T_new = 0.5 * (a + b)
        if abs(T_new - T) < 1e-12 * T:
            return T_new
        T = T_new
    return T


def mix(streams: Sequence[Stream], *, T: float | None = None, P: float | None = None,
        name: str = "") -> Stream:
    """Mix streams adiabatically (or at a set T): the outlet T follows from the enthalpy.

    Parameters
    ----------
    streams : sequence of Stream
        At least one stream, all on the same registry.
    T : float, optional
        Outlet temperature; when omitted it is solved from the energy balance.
    P : float, optional
        Outlet pressure; the lowest inlet pressure by default.
    """
    if not streams:
        raise InputError("mix needs at least one stream", field="streams")
    reg = streams[0].registry
    flows = np.sum([s.flows for s in streams], axis=0)
    P_out = P if P is not None else min(s.P for s in streams)
    if T is None:
        live = [s for s in streams if s.total > 0]
        if not live:
            return Stream(flows, streams[0].T, P_out, reg, name)
        H = sum(s.enthalpy() for s in live)
        T_guess = sum(s.T * s.total for s in live) / sum(s.total for s in live)
        if len({s.T for s in live}) == 1:
            return Stream(flows, live[0].T, P_out, reg, name)
        T = solve_temperature(flows, H, reg, T_guess)
    return Stream(flows, T, P_out, reg, name)


def split(stream: Stream, fractions: Sequence[float], names: Sequence[str] | None = None
          ) -> list[Stream]:
    """Split a stream into parts with the same composition and temperature.

    ``fractions`` must be in [0, 1] and sum to 1.
    """
    fr = np.asarray(fractions, dtype=float)
    if np.any(fr < 0) or np.any(fr > 1) or abs(fr.sum() - 1.0) > 1e-12:
        raise InputError(
            f"split fractions {fr.tolist()} must each lie in 0-1 and sum to 1", field="fractions"
        )
    names = names or [f"{stream.name}_{k}" for k in range(len(fr))]
    return [stream.copy(flows=stream.flows * x, name=n) for x, n in zip(fr, names, strict=True)]


def stream_table(streams: Mapping[str, Stream] | Iterable[Stream], *, basis: str = "species",
                 unit: str = "kg/s") -> pd.DataFrame:
    """Stream table: species (or element) rows, one column per stream, totals, T and P.

    Parameters
    ----------
    streams : mapping name -> Stream, or an iterable of named streams
    basis : ``"species"`` or ``"element"``
    unit : ``"kg/s"``, ``"kg/h"`` or ``"t/yr"`` (8000 operating hours per year)
    """
    if not isinstance(streams, Mapping):
        streams = {s.name: s for s in streams}
    factor = {"kg/s": 1.0, "kg/h": 3600.0, "t/yr": 3600.0 * 8000.0 / 1000.0}.get(unit)
    if factor is None:
        raise InputError(f"unit {unit!r}; allowed: kg/s, kg/h, t/yr", field="unit")
    if not streams:
        return pd.DataFrame()
    reg = next(iter(streams.values())).registry
    if basis == "species":
        data = {n: s.flows * factor for n, s in streams.items()}
        df = pd.DataFrame(data, index=pd.Index(reg.names, name="species"))
        df = df.loc[(df != 0).any(axis=1)]
    elif basis == "element":
        data = {n: reg.element_vector(s.flows) * factor for n, s in streams.items()}
        df = pd.DataFrame(data, index=pd.Index(reg.elements, name="element"))
        df = df.loc[(df != 0).any(axis=1)]
    else:
        raise InputError(f"basis {basis!r}; allowed: species, element", field="basis")
    df.loc[f"total [{unit}]"] = [s.total * factor for s in streams.values()]
    df.loc["T [K]"] = [s.T for s in streams.values()]
    df.loc["P [Pa]"] = [s.P for s in streams.values()]
    df.columns.name = "stream"
    return df
