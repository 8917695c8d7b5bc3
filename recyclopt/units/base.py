"""The unit-operation interface: parameters with validation, results with duties.

A unit operation maps named inlet streams to named outlet streams plus *duties*: heat,
electricity, reagents added and material lost. At a fixed design every unit is affine in its
inlet flows, which makes whole flowsheets linearisable for the optimizer.

Energy convention (every unit, checked by the flowsheet)::

    H_in + H_reagents + heat_W + electricity_W = H_out + H_losses + heat_rejected_W

with absolute (formation-based) enthalpies, so heats of reaction are included without being
typed in. ``heat_W`` is heat delivered by a fuel or steam utility, ``electricity_W`` the
electrical power drawn (heating, electrochemistry, motors) and ``heat_rejected_W`` the heat
leaving to the surroundings or cooling water (furnace inefficiency, cooling, dissipated
mechanical work).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..chemistry import T_REF, Registry, default_registry
from ..errors import FlowsheetError, InputError
from ..streams import Stream

# --------------------------------------------------------------------------- parameters
#: Machine-readable confidence of a parameter default.
CONFIDENCE_GRADES = ("sourced", "estimate", "assumption", "design")


@dataclass(frozen=True)
class Param:
    """Specification of one unit parameter.

    Parameters
    ----------
    default : default value (``None`` means required).
    unit : physical unit, for docs and messages.
    low, high : allowed closed range for numbers (or for each value of a mapping).
    kind : ``float``, ``int``, ``str``, ``bool``, ``dict`` (species/element -> float),
        ``list`` or ``any``.
    choices : allowed values for ``str`` parameters.
    doc : description.
    source : where the default comes from (citation, or "assumption: ...").
    confidence : ``sourced`` (a cited figure), ``estimate`` (a cited range or a figure derived
        from sources) or ``assumption``; empty means inferred from ``source``
        (see :attr:`grade`).
    """

    default: Any = None
    unit: str = "-"
    low: float | None = None
    high: float | None = None
    kind: str = "float"
    choices: tuple[str, ...] | None = None
    doc: str = ""
    source: str = ""
    required: bool = False
    confidence: str = ""

    def __post_init__(self) -> None:
        if self.confidence and self.confidence not in CONFIDENCE_GRADES:
            raise ValueError(f"confidence {self.confidence!r}; allowed: {CONFIDENCE_GRADES}")

    @property
    def grade(self) -> str:
        """``sourced``, ``estimate``, ``assumption`` or ``design`` (a user's design choice).

        The declared ``confidence`` if given, else inferred from ``source``: a source starting
        with "assumption" is an assumption, "design choice" a design choice, an empty source an
        assumption and any other (a citation) sourced.
        """
        if self.confidence:
            return self.confidence
        src = self.source.strip().lower()
        if not src or src.startswith("assumption"):
            return "assumption"
        if src.startswith("design choice"):
            return "design"
        if src.startswith("estimate"):
            return "estimate"
        return "sourced"


def _check_number(unit_label: str, name: str, value: Any, spec: Param) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{unit_label} parameter {name!r}: {value!r} is not a number", field=name
        ) from None
    if not np.isfinite(v):
        raise InputError(f"{unit_label} parameter {name!r}: {value!r} is not finite", field=name)
    lo = -np.inf if spec.low is None else spec.low
    hi = np.inf if spec.high is None else spec.high
    if not lo <= v <= hi:
        raise InputError(
            f"{unit_label} parameter {name!r}: {v:g} {spec.unit} is outside the allowed range "
            f"[{_fmt(spec.low)}, {_fmt(spec.high)}]",
            field=name,
        )
    return v


def _fmt(x: float | None) -> str:
    return "-inf" if x is None else f"{x:g}"


def validate_params(unit_label: str, specs: Mapping[str, Param], given: Mapping[str, Any]
                    ) -> dict[str, Any]:
    """Check user parameters against their specs and fill defaults."""
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise InputError(
            f"{unit_label}: unknown parameter(s) {unknown}; allowed: {sorted(specs)}",
            field=unknown[0],
        )
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        if name in given:
            value = given[name]
        elif spec.required:
            raise InputError(f"{unit_label}: missing required parameter {name!r}", field=name)
        else:
            value = spec.default
        if value is None:
            out[name] = None
            continue
        if spec.kind == "float":
            out[name] = _check_number(unit_label, name, value, spec)
        elif spec.kind == "int":
            v = _check_number(unit_label, name, value, spec)
            if v != int(v):
                raise InputError(
                    f"{unit_label} parameter {name!r}: {value!r} must be a whole number",
                    field=name,
                )
            out[name] = int(v)
        elif spec.kind == "bool":
            if not isinstance(value, bool):
                raise InputError(
                    f"{unit_label} parameter {name!r}: {value!r} must be true or false", field=name
                )
            out[name] = value
        elif spec.kind == "str":
            if not isinstance(value, str) or (spec.choices and value not in spec.choices):
                raise InputError(
                    f"{unit_label} parameter {name!r}: {value!r}; allowed: {list(spec.choices or [])}",
                    field=name,
                )
            out[name] = value
        elif spec.kind == "dict":
            if not isinstance(value, Mapping):
                raise InputError(
                    f"{unit_label} parameter {name!r}: expected a mapping, got {type(value).__name__}",
                    field=name,
                )
            out[name] = {
                str(k): _check_number(unit_label, f"{name}.{k}", v, spec) for k, v in value.items()
            }
        elif spec.kind == "list":
            if not isinstance(value, list | tuple):
                raise InputError(
                    f"{unit_label} parameter {name!r}: expected a list, got {type(value).__name__}",
                    field=name,
                )
            out[name] = list(value)
        else:
            out[name] = value
    return out


# --------------------------------------------------------------------------- results
@dataclass
class UnitResult:
    """What a unit returns: outlet streams and duties.

    Attributes
    ----------
    outlets : mapping of outlet port -> Stream
    reagents : Stream of material the unit takes from outside the flowsheet (acid, H2, air...)
    losses : Stream of material leaving the flowsheet to waste inside the unit (dust, fines)
    heat_W : fuel/steam heat supplied (W, >= 0)
    electricity_W : electrical power drawn (W, >= 0)
    heat_rejected_W : heat to surroundings / cooling water (W, >= 0)
    info : design figures worth reporting (conversions, stage counts, kWh/kg...)
    warnings : operating-window warnings (a ratio, loading or temperature outside the range
        where the unit's model or data hold); collected by the flowsheet result
    """

    outlets: dict[str, Stream]
    reagents: Stream
    losses: Stream
    heat_W: float = 0.0
    electricity_W: float = 0.0
    heat_rejected_W: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- registry
UNIT_TYPES: dict[str, type[UnitOperation]] = {}


def register_unit(type_name: str) -> Callable[[type[UnitOperation]], type[UnitOperation]]:
    """Class decorator registering a unit type under the name used in flowsheet files."""

    def deco(cls: type[UnitOperation]) -> type[UnitOperation]:
        if type_name in UNIT_TYPES:
            raise RuntimeError(f"unit type {type_name!r} registered twice")
        cls.type_name = type_name
        UNIT_TYPES[type_name] = cls
        return cls

    return deco


#: the unit families, one module of ``recyclopt.units`` each; loading one registers its units
FAMILIES = ("generic", "mechanical", "hydrogen", "hydromet", "pyromet", "separation", "alloy")


def load_families() -> None:
    """Import every unit family by name (each registers its unit types on import)."""
    for fam in FAMILIES:
        importlib.import_module(f"recyclopt.units.{fam}")


def unit_class(type_name: str) -> type[UnitOperation]:
    """The unit class registered as ``type_name`` (clear error if unknown)."""
    load_families()
    try:
        return UNIT_TYPES[type_name]
    except KeyError:
        raise FlowsheetError(
            f"unknown unit type {type_name!r}; allowed: {sorted(UNIT_TYPES)}", field="type"
        ) from None


class UnitOperation(ABC):
    """Base type of all unit operations.

    Subclasses declare ``inlet_ports``, ``outlet_ports`` and ``params`` (name -> :class:`Param`)
    and implement :meth:`run`.
    """

    type_name: ClassVar[str] = "unit"
    inlet_ports: ClassVar[tuple[str, ...]] = ("in",)
    optional_inlets: ClassVar[tuple[str, ...]] = ()
    outlet_ports: ClassVar[tuple[str, ...]] = ("out",)
    params: ClassVar[dict[str, Param]] = {}

    def __init__(self, name: str, registry: Registry | None = None, **params: Any) -> None:
        self.name = name
        self.registry = registry or default_registry()
        self.given = dict(params)
        self.p = validate_params(self.label, self.params, params)
        self.validate()

    @property
    def label(self) -> str:
        return f"unit {self.name!r} ({self.type_name})"

    def active_outlets(self) -> tuple[str, ...]:
        """Outlet ports this unit produces with its current parameters."""
        return self.outlet_ports

    def assumption_params(self) -> list[str]:
        """Parameters whose value in use is an assumption-grade default (not set by the user)."""
        return [n for n, spec in self.params.items()
                if n not in self.given and spec.default not in (None, {}, [])
                and spec.grade == "assumption"]

    def validate(self) -> None:  # noqa: B027 - an optional hook, deliberately a no-op here
        """Extra cross-parameter checks (species names...). Override as needed."""

    @abstractmethod
    def run(self, inlets: Mapping[str, Stream]) -> UnitResult:
        """Outlet streams and duties for the given inlet streams (each unit type defines it)."""

    # -- helpers for subclasses ------------------------------------------------------------
    def species_idx(self, name: str, field_name: str) -> int:
        try:
            return self.registry.idx(name)
        except InputError as exc:
            raise InputError(f"{self.label} parameter {field_name!r}: {exc}", field=field_name) from None

    def zero(self, T: float = T_REF) -> Stream:
        return Stream(np.zeros(len(self.registry)), T, registry=self.registry)

    def stream(self, flows: np.ndarray, T: float, P: float | None = None, name: str = "") -> Stream:
        # clip round-off negatives produced by subtractions of equal quantities
        scale = max(float(np.abs(flows).sum()), 1e-300)
        f = np.where((flows < 0) & (flows > -1e-11 * scale), 0.0, flows)
        return Stream(f, T, P if P is not None else 101_325.0, self.registry, name)

    def finish(
        self,
        inlets: Mapping[str, Stream],
        outlets: dict[str, Stream],
        *,
        reagents: Stream | None = None,
        losses: Stream | None = None,
        electricity_W: float = 0.0,
        heating: str = "electric",
        efficiency: float = 1.0,
        info: dict[str, Any] | None = None,
        warnings: list[str] | None = None,
    ) -> UnitResult:
        """Close the energy balance and turn the net heat need into utilities.

        ``electricity_W`` is power drawn for work (motors, electrolysis); the remaining heat
        need ``Q = H_out + H_losses - H_in - H_reagents - electricity_W`` is met by
        ``heating`` (``electric`` or ``fuel``) at ``efficiency`` if positive, or rejected if
        negative.
        """
        reagents = reagents if reagents is not None else self.zero()
        losses = losses if losses is not None else self.zero()
        h_in = sum(s.enthalpy() for s in inlets.values()) + reagents.enthalpy()
        h_out = sum(s.enthalpy() for s in outlets.values()) + losses.enthalpy()
        q = h_out - h_in - electricity_W
        # absolute enthalpies are large: a need below 1e-10 of them is round-off, not a duty
        if abs(q) <= 1e-10 * (abs(h_in) + abs(h_out) + electricity_W):
            q = 0.0
        heat_W = 0.0
        rejected = 0.0
        elec = electricity_W
        if q > 0:
            supplied = q / efficiency
            if heating == "electric":
                elec += supplied
            elif heating == "fuel":
                heat_W = supplied
            else:
                raise InputError(f"{self.label}: heating {heating!r}; allowed: electric, fuel")
            rejected = supplied - q
        else:
            rejected = max(-q, 0.0)
        return UnitResult(outlets, reagents, losses, heat_W, elec, rejected, info or {},
                          list(warnings or []))
