"""Species, formulas, the species-by-element matrix, molar masses and enthalpies.

The registry is built from two bundled tables:

* ``data/species.csv`` -- name, formula, phase and where the thermochemistry comes from;
* ``data/thermo_table.csv`` -- standard enthalpy of formation and Shomate heat-capacity
  coefficients with valid temperature ranges and a source per row, for every species whose
  ``thermo_source`` is ``table`` (the solids, the aqueous species).

Gases and liquid water (``thermo_source = chemicals``) take their enthalpy of formation from
``chemicals.reaction`` and their heat capacity from ``thermo`` with the correlation chosen
explicitly (never thermo's default) and its validity range checked on every use.

Conventions
-----------
* Enthalpy is the absolute (formation-based) enthalpy: ``H(T) = dHf(298.15 K) + int Cp dT``.
  Mixing, heat of reaction and phase change then all follow from one sum over species.
* Aqueous species carry their standard enthalpy of formation at infinite dilution and a heat
  capacity of zero: the sensible heat of a solution is carried by its water. This slightly
  underestimates the heat capacity of concentrated liquors (by roughly the solute mass fraction)
  and neglects heats of dilution; it is the convention of the bundled ``thermo_table.csv``.
* Internally everything is SI: kg, K, Pa, J, W; molar masses in kg/mol.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import FormulaError, InputError, TemperatureRangeError, UnknownSpeciesError

T_REF = 298.15  # K, reference temperature of the standard enthalpies of formation
P_REF = 101_325.0  # Pa

PHASES = ("s", "l", "g", "aq")
HYDRATE_SEPARATORS = ("·", "*", "•")

# Heat-capacity correlations chosen explicitly for the species taken from thermo/chemicals.
# TRCIG: the TRC ideal-gas polynomial fits (valid 50-5000 K for these gases); Ar has no TRC fit
# and is monatomic (Cp = 5/2 R), so the NIST WebBook Shomate fit (298-6000 K) is used; liquid
# water uses the Zabransky spline (273.6-644.6 K). thermo's defaults are never relied upon.
CHEMICALS_CP_METHOD = {
    "H2": "TRCIG",
    "O2": "TRCIG",
    "N2": "TRCIG",
    "Ar": "WEBBOOK_SHOMATE",
    "H2O(g)": "TRCIG",
    "HCl(g)": "TRCIG",
    "Cl2": "TRCIG",
    "CF4": "TRCIG",
    "C2F6": "TRCIG",
    "CO": "TRCIG",
    "CO2": "TRCIG",
    "H2O(l)": "ZABRANSKY_SPLINE_C",
}


# --------------------------------------------------------------------------- formulas
_TOKEN = re.compile(r"([A-Z][a-z]?)|(\()|(\))|(\d+(?:\.\d+)?)|(\s+)")


@cache
def atomic_masses() -> dict[str, float]:
    """Standard atomic weights by element symbol, g/mol."""
    from chemicals.elements import periodic_table

    # chemicals' periodic table holds the IUPAC standard atomic weights (g/mol)
    return {el.symbol: el.MW for el in periodic_table}


def _parse_part(text: str, formula: str) -> dict[str, float]:
    stack: list[dict[str, float]] = [{}]
    pos = 0
    last: dict[str, float] | str | None = None  # what a following count multiplies
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(
                f"formula {formula!r}: unexpected character {text[pos]!r} at position {pos}"
            )
        sym, open_, close, num, space = m.groups()
        if space:
            pass
        elif sym:
            if sym not in atomic_masses():
                raise FormulaError(f"formula {formula!r}: unknown element symbol {sym!r}")
            stack[-1][sym] = stack[-1].get(sym, 0.0) + 1.0
            last = sym
        elif open_:
            stack.append({})
            last = None
        elif close:
            if len(stack) == 1:
                raise FormulaError(f"formula {formula!r}: unbalanced ')' at position {pos}")
            group = stack.pop()
            for k, v in group.items():
                stack[-1][k] = stack[-1].get(k, 0.0) + v
            last = group
        elif num:
            count = float(num)
            if last is None:
                raise FormulaError(
                    f"formula {formula!r}: number {num!r} at position {pos} follows nothing"
                )
            if isinstance(last, str):
                stack[-1][last] += count - 1.0
            else:
                for k, v in last.items():
                    stack[-1][k] += v * (count - 1.0)
            last = None
        pos = m.end()
    if len(stack) != 1:
        raise FormulaError(f"formula {formula!r}: unbalanced '('")
    return stack[0]


def parse_formula(formula: str) -> dict[str, float]:
    """Parse a chemical formula into element counts.

    Handles nested parentheses, non-integer counts (``NdH2.7``) and hydrates or adducts
    joined by a middle dot (``Nd2(C2O4)3·10H2O``; ``*`` is accepted too).

    Parameters
    ----------
    formula : str
        The formula, without phase tags or charges.

    Returns
    -------
    dict[str, float]
        Atoms of each element per formula unit.

    Raises
    ------
    FormulaError
        On an unknown element symbol, unbalanced parentheses or a stray character.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError(f"formula {formula!r}: must be a non-empty string")
    total: dict[str, float] = {}
    for i, part in enumerate(re.split("|".join(map(re.escape, HYDRATE_SEPARATORS)), formula)):
        part = part.strip()
        if not part:
            raise FormulaError(f"formula {formula!r}: empty part {i} around a hydrate dot")
        m = re.match(r"^(\d+(?:\.\d+)?)(?=[A-Z(])", part)
        mult = 1.0
        if m and i > 0:
            mult = float(m.group(1))
            part = part[m.end() :]
        elif m:
            raise FormulaError(f"formula {formula!r}: a leading count is only allowed after '·'")
        for k, v in _parse_part(part, formula).items():
            total[k] = total.get(k, 0.0) + mult * v
    if not total:
        raise FormulaError(f"formula {formula!r}: no elements")
    return total


def molar_mass(formula: str | Mapping[str, float]) -> float:
    """Molar mass in kg/mol of a formula (string or parsed element counts)."""
    counts = parse_formula(formula) if isinstance(formula, str) else formula
    masses = atomic_masses()
    return sum(n * masses[el] for el, n in counts.items()) / 1000.0


# --------------------------------------------------------------------------- thermo
@dataclass(frozen=True)
class ShomateRange:
    """One temperature range of a Shomate heat-capacity fit (Cp in J/mol/K, t = T/1000)."""

    T_min: float
    T_max: float
    coeffs: tuple[float, float, float, float, float]
    dH_transition: float = 0.0  # J/mol absorbed at T_min

    def cp(self, T: float) -> float:
        A, B, C, D, E = self.coeffs
        t = T / 1000.0
        return A + B * t + C * t**2 + D * t**3 + E / t**2

    def h_integral(self, T1: float, T2: float) -> float:
        """Integral of Cp dT from T1 to T2 in J/mol."""
        A, B, C, D, E = self.coeffs

        def prim(T: float) -> float:
            t = T / 1000.0
            # d(T) = 1000 dt, so int Cp dT = 1000 * int Cp dt
            return 1000.0 * (A * t + B * t**2 / 2 + C * t**3 / 3 + D * t**4 / 4 - E / t)

        return prim(T2) - prim(T1)


@dataclass
class TableThermo:
    """Enthalpy of a species from a curated table of Shomate ranges."""

    name: str
    dHf: float  # J/mol at 298.15 K
    ranges: list[ShomateRange]
    source: str = ""

    @property
    def T_min(self) -> float:
        return self.ranges[0].T_min

    @property
    def T_max(self) -> float:
        return self.ranges[-1].T_max

    def _integral_from_ref(self, T: float) -> float:
        # int_{T_REF}^{T} Cp dT including latent heats at range boundaries crossed
        lo, hi, sign = (T_REF, T, 1.0) if T >= T_REF else (T, T_REF, -1.0)
        total = 0.0
        for r in self.ranges:
            a, b = max(lo, r.T_min), min(hi, r.T_max)
            if b > a:
                total += r.h_integral(a, b)
            if r.dH_transition and lo < r.T_min <= hi and r.T_min > self.T_min:
                total += r.dH_transition
        return sign * total

    def enthalpy(self, T: float) -> float:
        """Absolute molar enthalpy in J/mol."""
        return self.dHf + self._integral_from_ref(T)

    def cp(self, T: float) -> float:
        for r in self.ranges:
            if r.T_min <= T <= r.T_max:
                return r.cp(T)
        return self.ranges[-1].cp(T)


@dataclass
class ChemicalsThermo:
    """Enthalpy of a gas or liquid from chemicals/thermo with an explicit Cp method."""

    name: str
    cas: str
    phase: str
    method: str
    dHf: float = field(init=False)
    T_min: float = field(init=False)
    T_max: float = field(init=False)

    def __post_init__(self) -> None:
        import thermo
        from thermo import HeatCapacityGas, HeatCapacityLiquid

        from .io import cache

        cls = HeatCapacityLiquid if self.phase == "l" else HeatCapacityGas
        # thermo reads every heat-capacity database to make the object (~0.1 s); its JSON
        # form, stored once per (species, method, thermo version), gives the same object
        parts = {"cas": self.cas, "phase": self.phase, "method": self.method,
                 "thermo": thermo.__version__}
        hit = cache.lookup("thermo", parts)
        if hit is not None:
            try:
                self._cp = cls.from_json(hit["cp"])
                self.T_min, self.T_max = self._cp.T_limits[self.method]
                self.dHf = float(hit["dHf"])
                return
            except (KeyError, TypeError, ValueError, AttributeError):  # a damaged entry
                pass
        self._make(cls)
        cache.store("thermo", parts, {"cp": self._cp.as_json(), "dHf": self.dHf})

    def _make(self, cls: type) -> None:
        """The heat-capacity object from thermo's databases and the enthalpy of formation."""
        from chemicals.reaction import Hfg, Hfl

        self._cp = cls(CASRN=self.cas)
        if self.method not in self._cp.all_methods:
            raise InputError(
                f"species {self.name!r}: thermo has no heat-capacity method {self.method!r} "
                f"(available: {sorted(self._cp.all_methods)})"
            )
        self._cp.method = self.method
        self.T_min, self.T_max = self._cp.T_limits[self.method]
        hf = Hfl(self.cas) if self.phase == "l" else Hfg(self.cas)
        if hf is None:
            raise InputError(f"species {self.name!r}: chemicals has no enthalpy of formation")
        self.dHf = float(hf)
        # the ranges are checked by the registry; thermo must not extrapolate silently
        self._cp.extrapolation = None

    def enthalpy(self, T: float) -> float:
        if T == T_REF:
            return self.dHf
        return self.dHf + float(
            self._cp.calculate_integral(T_REF, T, self.method)
        )

    def cp(self, T: float) -> float:
        return float(self._cp.calculate(T, self.method))


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Species:
    """A chemical species: a name, a formula and a phase."""

    name: str
    formula: str
    phase: str
    molar_mass: float  # kg/mol
    elements: Mapping[str, float]  # atoms per formula unit
    description: str = ""


def _data_path(name: str) -> Path:
    return Path(str(resources.files("recyclopt.data").joinpath(name)))


class Registry:
    """The fixed, ordered set of species a stream vector runs over.

    Parameters
    ----------
    species_table : pandas.DataFrame
        Columns ``name, formula, phase, thermo_source, cas, description``.
    thermo_table : pandas.DataFrame
        Columns ``species, T_min_K, T_max_K, dHf_298_kJ_per_mol, A, B, C, D, E,
        dH_transition_kJ_per_mol, source``.
    source : str
        Where the tables came from (used in error messages).
    """

    def __init__(
        self, species_table: pd.DataFrame, thermo_table: pd.DataFrame, source: str = "registry"
    ):
        self.source = source
        required = {"name", "formula", "phase", "thermo_source"}
        missing = required - set(species_table.columns)
        if missing:
            raise InputError(f"species table is missing columns {sorted(missing)}", source=source)
        names = species_table["name"].astype(str).tolist()
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(f"species table: duplicate species names {dup}", source=source)
        self.species: list[Species] = []
        for row in species_table.itertuples(index=False):
            phase = str(row.phase)
            if phase not in PHASES:
                raise InputError(
                    f"species {row.name!r}: field 'phase' is {phase!r}; allowed: {PHASES}",
                    source=source,
                )
            try:
                counts = parse_formula(str(row.formula))
            except FormulaError as exc:
                raise InputError(f"species {row.name!r}: {exc}", source=source) from None
            desc = getattr(row, "description", "")
            self.species.append(
                Species(
                    name=str(row.name),
                    formula=str(row.formula),
                    phase=phase,
                    molar_mass=molar_mass(counts),
                    elements=counts,
                    description="" if pd.isna(desc) else str(desc),
                )
            )
        self.names: list[str] = [s.name for s in self.species]
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        els = sorted({el for s in self.species for el in s.elements})
        self.elements: list[str] = els
        self.element_index = {e: j for j, e in enumerate(els)}
        n, m = len(self.species), len(els)
        self.molar_masses = np.array([s.molar_mass for s in self.species])
        self.atoms = np.zeros((n, m))  # atoms of element per formula unit
        for i, s in enumerate(self.species):
            for el, k in s.elements.items():
                self.atoms[i, self.element_index[el]] = k
        masses = atomic_masses()
        self.element_masses = np.array([masses[e] / 1000.0 for e in els])  # kg/mol
        # kg of element per kg of species: the mass-based species-by-element matrix
        self.E = self.atoms * self.element_masses[None, :] / self.molar_masses[:, None]
        self._thermo: list[TableThermo | ChemicalsThermo | None] = [None] * n
        self._thermo_rows = thermo_table
        self._species_rows = species_table.set_index("name")
        self._h_cache: dict[float, np.ndarray] = {}

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def from_csv(cls, species_csv: str | Path, thermo_csv: str | Path) -> Registry:
        """Build a registry from a species table and a thermo table on disk."""
        return cls(
            pd.read_csv(species_csv, dtype={"cas": str}, keep_default_na=True),
            pd.read_csv(thermo_csv),
            source=f"{species_csv}",
        )

    @classmethod
    def default(cls) -> Registry:
        """The bundled registry (loaded once, then shared)."""
        return _default_registry()

    # -- lookups -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.species)

    def __contains__(self, name: object) -> bool:
        return name in self.index

    def idx(self, name: str) -> int:
        """Index of a species in the stream vector."""
        try:
            return self.index[name]
        except KeyError:
            close = [n for n in self.names if n.lower().startswith(str(name)[:2].lower())][:6]
            hint = f"; similar: {close}" if close else ""
            raise UnknownSpeciesError(
                f"unknown species {name!r} (not in the registry of {len(self.names)} species"
                f"{hint})",
                field="species",
            ) from None

    def get(self, name: str) -> Species:
        return self.species[self.idx(name)]

    def vector(self, masses: Mapping[str, float], *, field_name: str = "flows") -> np.ndarray:
        """A species vector from a ``{name: value}`` mapping (unknown names raise)."""
        v = np.zeros(len(self))
        for name, val in masses.items():
            v[self.idx(name)] += float(val)
        return v

    def element_vector(self, species_masses: np.ndarray) -> np.ndarray:
        """Element mass flows (kg) from species mass flows (kg): ``E.T @ m``."""
        return self.E.T @ species_masses

    def table(self) -> pd.DataFrame:
        """The species table with molar masses (g/mol) and composition."""
        return pd.DataFrame(
            {
                "formula": [s.formula for s in self.species],
                "phase": [s.phase for s in self.species],
                "molar_mass_g_per_mol": self.molar_masses * 1000.0,
            },
            index=pd.Index(self.names, name="species"),
        )

    # -- thermo --------------------------------------------------------------------------
    def thermo(self, i: int) -> TableThermo | ChemicalsThermo:
        t = self._thermo[i]
        if t is None:
            t = self._build_thermo(i)
            self._thermo[i] = t
        return t

    def _build_thermo(self, i: int) -> TableThermo | ChemicalsThermo:
        s = self.species[i]
        row = self._species_rows.loc[s.name]
        src = str(row["thermo_source"])
        if src == "chemicals":
            method = CHEMICALS_CP_METHOD.get(s.name)
            if method is None:
                raise InputError(
                    f"species {s.name!r}: no heat-capacity method chosen for chemicals/thermo; "
                    f"allowed species: {sorted(CHEMICALS_CP_METHOD)}",
                    source=self.source,
                )
            return ChemicalsThermo(s.name, str(row["cas"]), s.phase, method)
        if src != "table":
            raise InputError(
                f"species {s.name!r}: field 'thermo_source' is {src!r}; allowed: table, chemicals",
                source=self.source,
            )
        rows = self._thermo_rows[self._thermo_rows["species"] == s.name]
        if rows.empty:
            raise InputError(
                f"species {s.name!r} has thermo_source 'table' but no rows in the thermo table",
                source=self.source,
            )
        rows = rows.sort_values("T_min_K")
        ranges = []
        for r in rows.itertuples(index=False):
            dht = getattr(r, "dH_transition_kJ_per_mol", 0.0)
            ranges.append(
                ShomateRange(
                    float(r.T_min_K),
                    float(r.T_max_K),
                    tuple(float(getattr(r, c)) for c in "ABCDE"),  # type: ignore[arg-type]
                    0.0 if pd.isna(dht) else float(dht) * 1000.0,
                )
            )
        for a, b in zip(ranges, ranges[1:], strict=False):
            if abs(a.T_max - b.T_min) > 1e-6:
                raise InputError(
                    f"species {s.name!r}: thermo ranges are not contiguous "
                    f"({a.T_max} K then {b.T_min} K)",
                    source=self.source,
                )
        dhf = float(rows["dHf_298_kJ_per_mol"].iloc[0]) * 1000.0
        return TableThermo(s.name, dhf, ranges, str(rows["source"].iloc[0]))

    def valid_range(self, name: str) -> tuple[float, float]:
        """Valid temperature range (K) of a species' enthalpy data."""
        t = self.thermo(self.idx(name))
        return (t.T_min, t.T_max)

    def check_temperature(self, T: float, mask: np.ndarray | None = None, *, where: str = "") -> None:
        """Raise :class:`TemperatureRangeError` if T is outside any masked species' range."""
        idx = range(len(self)) if mask is None else np.flatnonzero(mask)
        for i in idx:
            t = self.thermo(int(i))
            # 0.5 K tolerance: tables quote 298 K for 298.15 K
            if not (t.T_min - 0.5 <= T <= t.T_max + 1e-9):
                loc = f" in {where}" if where else ""
                raise TemperatureRangeError(
                    f"temperature {T:.2f} K{loc} is outside the data range of species "
                    f"{self.names[i]!r}: allowed {t.T_min:.2f}-{t.T_max:.2f} K",
                    field="T",
                )

    def molar_enthalpy(self, name: str, T: float) -> float:
        """Absolute molar enthalpy of one species in J/mol (range checked)."""
        i = self.idx(name)
        self.check_temperature(T, np.eye(len(self), dtype=bool)[i])
        return self._h_mol(i, T)

    def _h_mol(self, i: int, T: float) -> float:
        t = self.thermo(i)
        # within the 0.5 K tolerance below T_min, evaluate at T_min (tables quote 298 K)
        return t.enthalpy(max(T, t.T_min) if isinstance(t, ChemicalsThermo) else T)

    def specific_enthalpy(self, T: float, mask: np.ndarray | None = None) -> np.ndarray:
        """Absolute enthalpy in J/kg of every species at T (zero where ``mask`` is False).

        The temperature is checked against each masked species' data range.
        """
        if mask is None:
            mask = np.ones(len(self), dtype=bool)
        self.check_temperature(T, mask)
        key = float(T)
        cached = self._h_cache.get(key)
        if cached is None:
            cached = np.full(len(self), np.nan)
            if len(self._h_cache) > 4096:
                self._h_cache.clear()
            self._h_cache[key] = cached
        need = mask & np.isnan(cached)
        for i in np.flatnonzero(need):
            cached[i] = self._h_mol(int(i), T) / self.molar_masses[i]
        out = np.where(mask, cached, 0.0)
        return out

    def enthalpy_flow(self, flows: np.ndarray, T: float) -> float:
        """Enthalpy flow in W (J/s) of species mass flows (kg/s) at T."""
        mask = flows != 0.0
        if not mask.any():
            return 0.0
        return float(self.specific_enthalpy(T, mask) @ flows)

    def heat_capacity_flow(self, flows: np.ndarray, T: float) -> float:
        """Heat-capacity flow in W/K of species mass flows at T."""
        total = 0.0
        for i in np.flatnonzero(flows):
            total += self.thermo(int(i)).cp(T) / self.molar_masses[i] * flows[i]
        return float(total)


@lru_cache(maxsize=1)
def _default_registry() -> Registry:
    return Registry.from_csv(_data_path("species.csv"), _data_path("thermo_table.csv"))


def default_registry() -> Registry:
    """The bundled species registry."""
    return _default_registry()


def element_matrix(registry: Registry | None = None) -> pd.DataFrame:
    """The mass-based species-by-element matrix (kg element per kg species) as a DataFrame."""
    reg = registry or default_registry()
    return pd.DataFrame(reg.E, index=pd.Index(reg.names, name="species"), columns=reg.elements)


def reaction_enthalpy(
    reactants: Mapping[str, float], products: Mapping[str, float], T: float = T_REF,
    registry: Registry | None = None,
) -> float:
    """Heat of reaction in J per reaction extent (mol), from species enthalpies at T.

    Parameters
    ----------
    reactants, products : mapping of species name to stoichiometric coefficient (mol).
    T : temperature in K.
    """
    reg = registry or default_registry()
    h = sum(n * reg.molar_enthalpy(s, T) for s, n in products.items())
    h -= sum(n * reg.molar_enthalpy(s, T) for s, n in reactants.items())
    return float(h)


def check_element_balance(
    reactants: Mapping[str, float], products: Mapping[str, float], *,
    registry: Registry | None = None, rtol: float = 1e-9, label: str = "reaction",
) -> None:
    """Raise :class:`InputError` if a reaction does not conserve every element."""
    reg = registry or default_registry()
    a = np.zeros(len(reg.elements))
    for s, n in reactants.items():
        a += n * reg.atoms[reg.idx(s)]
    b = np.zeros(len(reg.elements))
    for s, n in products.items():
        b += n * reg.atoms[reg.idx(s)]
    scale = max(np.abs(a).max(), 1.0)
    bad = np.flatnonzero(np.abs(a - b) > rtol * scale)
    if bad.size:
        detail = ", ".join(f"{reg.elements[j]}: {a[j]:g} -> {b[j]:g}" for j in bad)
        raise InputError(f"{label} does not conserve elements ({detail})", field="stoichiometry")


def species_names(names: Iterable[str], registry: Registry | None = None) -> list[str]:
    """Validate a list of species names against the registry (raises on the first unknown)."""
    reg = registry or default_registry()
    for n in names:
        reg.idx(n)
    return list(names)


__all__: Sequence[str] = [
    "T_REF",
    "P_REF",
    "Registry",
    "Species",
    "parse_formula",
    "molar_mass",
    "default_registry",
    "element_matrix",
    "reaction_enthalpy",
    "check_element_balance",
]
