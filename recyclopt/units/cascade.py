"""Counter-current solvent-extraction cascade (mixer-settlers) at constant distribution ratios.

Model
-----
A train of ideal (equilibrium) mixer-settler stages numbered ``1 .. N`` with three sections::

    stage:    1 ........ n_e | n_e+1 ...... n_e+n_s | n_e+n_s+1 ........ N
    section:  extraction     | scrub                | strip
    organic:  ------------------------------------------------------------->  (left to right)
    aqueous:  <-- raffinate    <-- scrub liquor in      <-- strip acid in
                 out (stage 1)     (stage n_e+n_s)          (stage N)
                                                     strip liquor (product) out at n_e+n_s+1

* The aqueous feed enters at ``feed_stage`` (default ``n_e``, the last extraction stage, next to
  the scrub section) and leaves, with the scrub liquor, as the raffinate from stage 1.
* The scrub liquor enters the last scrub stage and washes the less-extractable (co-extracted)
  components back towards the feed stage.
* The strip acid enters stage ``N`` and leaves from the first strip stage as the loaded strip
  liquor (the *extract* product). The aqueous streams of the strip and scrub sections do not mix.
* With a strip section the organic circulates in a closed loop: the stripped organic leaving
  stage ``N`` returns to stage 1, carrying whatever was not stripped. Without a strip section
  (``n_strip = 0``) fresh organic enters stage 1 and the loaded organic leaving stage ``N`` is
  the extract product.

Every stage is at equilibrium with a *constant* distribution ratio per component and section,
``D_i = y_i / x_i`` (organic over aqueous concentration). This is the standard design
approximation of cascade-extraction theory; it makes every component independent of the others
and the whole cascade *linear in the feed*. Writing ``a_k`` for the aqueous flow of a component
leaving stage ``k`` and ``E_k = D_k O / A_k`` for its extraction factor there, the organic flow
leaving the stage is ``E_k a_k`` and the balance of stage ``k`` is::

    (1 + E_k) a_k  -  E_{k-1} a_{k-1}  -  a_{k+1}  =  f_k

(terms absent at the ends of a section; with the organic loop closed, stage 1 receives
``E_N a_N``). The ``N x N`` system per component is tridiagonal (plus one corner element for
the closed organic loop) and an M-matrix (column diagonally dominant, strictly so at the
outlets), hence always non-singular. It is solved exactly, not iteratively, by a
*subtraction-free* tridiagonal elimination (see :func:`_chain`) for all components at once,
and the organic loop is closed by superposition. A dense LU solve of the same matrix
(:func:`_system`) agrees for well-conditioned cascades, but loses all accuracy once
``E**N`` is large (long sections, large ``D``): the subtraction-free form keeps every flow to
a few ulps of relative accuracy, so the component balances close to round-off (~1e-15).

Flows are per unit time in any consistent unit (mol/s or kg/s, say). Phase ratios are given as
O/A per section; the organic flow is the same in every stage. With ``A_e = O / oa_extract`` the
aqueous flow below the feed stage and ``A_w = O / oa_scrub`` the scrub-liquor flow, the feed
aqueous flow is ``A_e - A_w``: the scrub liquor joins the feed and leaves with the raffinate.

Closed form
-----------
For the feed at stage ``n_e`` the split of one component has a closed form (derived in
:func:`analytic_split`)::

    x  = E_e S_{n_e}(E_e) / S_{n_s+1}(1/E_s),     S_n(r) = 1 + r + ... + r^(n-1)
    fraction to the loaded organic = x / (1 + x)

which reduces to Kremser's equation for ``n_s = 0`` and is extended exactly to the closed
organic loop with an imperfect strip section. It is used by :func:`design_stages` and checked
against the matrix solution in the tests.

References
----------
* Kremser, A. (1930), National Petroleum News 22(21). The equation in the form used here
  (fraction unextracted for counter-current stages and fresh solvent) is given in Treybal,
  *Mass-Transfer Operations*, 3rd ed. (McGraw-Hill, 1980), liquid-extraction chapter (ch. 10),
  and in Seader & Henley, *Separation Process Principles* (Wiley), liquid-liquid extraction
  chapter. Equation numbers and pages were not checked.
* Background (not the source of any number here): Xu Guangxian's theory of countercurrent
  (cascade) extraction of rare earths, which assumes a constant separation factor and a
  constant mixed extraction ratio per section in a loaded organic; Xie, Zhang, Dreisinger,
  Doyle, "A critical review on solvent extraction of rare earths from aqueous solutions",
  Minerals Engineering 56 (2014) 10-28. See :class:`StageDesign` for how the constant-``D``
  model's stage counts compare with the constant-separation-factor theory.

Stage design (:func:`design_stages`)
------------------------------------
1. *Strip section.* Kremser with the stripping factor ``A/(D O)`` of the hardest-to-strip
   component gives the fewest strip stages leaving at most ``strip_tolerance`` of it in the
   recycled organic.
2. *Reflux.* Let ``A`` be the least extractable heavy and ``B`` the most extractable light
   component. With infinitely many stages the split is complete if and only if ``A`` is
   carried up the extraction section (``E_A = D_A oa_extract >= 1``) and ``B`` is washed
   down the scrub section (``E_B' = D_B' oa_scrub <= 1``). Since
   ``oa_scrub / oa_extract = 1 + 1/R`` with ``R = A_w/A_f`` the scrub-to-feed aqueous ratio
   (reflux ratio), this requires ``R >= R_min = 1 / (beta' - 1)``,
   ``beta' = D_A / D_B'``: the minimum reflux. The design runs at
   ``R = reflux_factor * R_min``. ``reflux_factor=None`` leaves ``R`` free: the search then
   runs to infinite reflux (feed flow negligible against the scrub flow) and returns the
   total-reflux lower bound on the stage count -- not an operable design.
3. *Stages.* For a total ``N = n_extract + n_scrub`` every split is scanned and the free
   phase ratio(s) are searched -- ``t = ln E_A / scale`` on a grid (401 points at fixed
   reflux; 41 x 41 with ``ln(oa_scrub/oa_extract)`` when free) then Nelder-Mead -- on the
   exact closed form of :func:`analytic_split` (closed organic loop included), maximising
   the smaller of the two logit margins to the targets. Feasibility grows with ``N``;
   bisection over ``1..max_stages`` gives the smallest feasible ``N`` (the two totals below
   are re-checked). The design with the largest margin at that ``N`` is returned, checked
   with the full stage-by-stage solution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, RecycloptError
from ..io import cache

__all__ = [
    "CascadeDesign",
    "CascadeResult",
    "ReagentParameters",
    "ReagentUse",
    "SeparationInfeasibleError",
    "StageDesign",
    "analytic_split",
    "design_stages",
    "distribution_ratios_from_betas",
    "kremser_fraction",
    "kremser_stages",
    "load_separation_factors",
    "lookup_separation_factor",
    "simulate",
    "split_matrix",
]

OUTLETS = ("raffinate", "extract")

# a tuple, not a set: sums over it run in this (atomic-number) order whatever the hash seed,
# so a solve gives the same bits in every process (cached results equal fresh ones)
RARE_EARTHS = ("Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho",
               "Er", "Tm", "Yb", "Lu")
# Charge of the extracted cation (equivalents of H+/Na+ exchanged per mol). Fe is taken as
# Fe(III), the form an acidic organophosphorus extractant takes up; B is boric acid (0).
ION_CHARGE = {"Fe": 3, "Al": 3, "Co": 2, "Ni": 2, "Cu": 2, "Mn": 2, "Zn": 2, "Ca": 2, "Mg": 2,
              "Na": 1, "B": 0}
M_NAOH = 39.997e-3  # kg/mol
M_HCL = 36.461e-3  # kg/mol

_SF_PATH = Path(__file__).resolve().parents[1] / "data" / "separation_factors.csv"


class SeparationInfeasibleError(RecycloptError, ValueError):
    """A separation target that no cascade within the allowed number of stages can meet."""


# --------------------------------------------------------------------------- Kremser
def kremser_fraction(extraction_factor: float | np.ndarray, n_stages: int | np.ndarray):
    """Fraction of a solute left in the raffinate of a counter-current extraction.

    Kremser's equation for ``N`` equilibrium stages, solvent entering free of solute and a
    constant extraction factor ``E = D O / A``::

        phi = (E - 1) / (E^(N+1) - 1)      (E != 1),       phi = 1 / (N + 1)   (E = 1)

    (Treybal, *Mass-Transfer Operations*, 3rd ed., ch. 10; Seader & Henley, *Separation
    Process Principles*, liquid-liquid extraction chapter.) The same formula gives the fraction
    left *unstripped* in the organic of a strip section with ``E`` replaced by the stripping
    factor ``A / (D O)``.

    Parameters
    ----------
    extraction_factor : float or array
        ``E >= 0``.
    n_stages : int or array
        Number of stages ``N >= 0``.

    Returns
    -------
    float or numpy.ndarray
        Fraction unextracted, in ``(0, 1]``.
    """
    e = np.asarray(extraction_factor, dtype=float)
    n = np.asarray(n_stages)
    if np.any(~np.isfinite(e)) or np.any(e < 0):
        raise InputError("extraction_factor must be finite and >= 0", field="extraction_factor")
    if np.any(n < 0) or np.any(n != np.floor(n)):
        raise InputError("n_stages must be an integer >= 0", field="n_stages")
    log_e = np.log(np.where(e > 0, e, 1.0))
    # phi = 1 / S_{N+1}(E), with S the geometric sum 1 + E + ... + E^N
    with np.errstate(divide="ignore"):
        phi = np.exp(-_log_geometric_sum(log_e, n.astype(int) + 1))
    phi = np.where(e > 0, phi, 1.0)
    return float(phi) if phi.ndim == 0 else phi


def kremser_stages(extraction_factor: float, fraction_unextracted: float) -> float:
    """Number of equilibrium stages for a given fraction left in the raffinate (Kremser).

    Inverts :func:`kremser_fraction`::

        N = ln(1 + (E - 1) / phi) / ln E - 1       (E != 1),      N = 1/phi - 1   (E = 1)

    Parameters
    ----------
    extraction_factor : float
        ``E > 0``.
    fraction_unextracted : float
        Target ``phi`` in ``(0, 1]``.

    Returns
    -------
    float
        The (real) number of stages; round up for a design.

    Raises
    ------
    SeparationInfeasibleError
        For ``E < 1`` and ``phi <= 1 - E``: even infinitely many stages leave ``1 - E``.
    """
    e = float(extraction_factor)
    phi = float(fraction_unextracted)
    if not (math.isfinite(e) and e > 0):
        raise InputError(f"extraction_factor must be > 0 and finite (got {e})",
                         field="extraction_factor")
    if not (0 < phi <= 1):
        raise InputError(f"fraction_unextracted must be in (0, 1] (got {phi})",
                         field="fraction_unextracted")
    if abs(e - 1.0) < 1e-12:
        return 1.0 / phi - 1.0
    if e < 1 and phi <= 1 - e:
        raise SeparationInfeasibleError(
            f"fraction_unextracted = {phi:.6g} is not reachable with extraction factor E = {e:.6g}"
            f" < 1: infinitely many stages leave 1 - E = {1 - e:.6g}"
        )
    return math.log1p((e - 1.0) / phi) / math.log(e) - 1.0


def _log_geometric_sum(log_r, n):
    """``ln(1 + r + ... + r^(n-1))`` for ``r = exp(log_r)``, elementwise, stable for any r.

    ``n`` is an integer array (``n = 0`` gives ``-inf``).
    """
    log_r, n = np.broadcast_arrays(np.asarray(log_r, dtype=float), np.asarray(n))
    nf = n.astype(float)
    out = np.full(log_r.shape, -np.inf)
    tiny = 1e-9
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pos = (log_r >= tiny) & (n > 0)
        neg = (log_r <= -tiny) & (n > 0)
        one = (np.abs(log_r) < tiny) & (n > 0)
        lr = log_r[pos]
        out[pos] = nf[pos] * lr + np.log(-np.expm1(-nf[pos] * lr)) - np.log(np.expm1(lr))
        lr = log_r[neg]
        out[neg] = np.log(-np.expm1(nf[neg] * lr)) - np.log(-np.expm1(lr))
        out[one] = np.log(nf[one]) + (nf[one] - 1.0) * log_r[one] / 2.0
        inf = np.isposinf(log_r) & (n > 0)  # r = infinity: S_1 = 1, S_n = inf for n > 1
        out[inf] = np.where(n[inf] == 1, 0.0, np.inf)
    return out


# --------------------------------------------------------------------------- separation factors
@lru_cache(maxsize=1)
def _sf_table() -> pd.DataFrame:
    return pd.read_csv(_SF_PATH)


@lru_cache(maxsize=1)
def _sf_index() -> dict[tuple[str, str | None, str, str], float]:
    """``(extractant, system, element_i, element_j) -> beta`` of the table's first such row,
    and the same with system None for the first row of any system (a lookup per pair costs
    a dict access instead of four table filters)."""
    t = _sf_table()
    out: dict[tuple[str, str | None, str, str], float] = {}
    for ext, sysname, ei, ej, beta in zip(t["extractant"], t["system"], t["element_i"],
                                          t["element_j"], t["beta"], strict=True):
        out.setdefault((ext, sysname, ei, ej), float(beta))
        out.setdefault((ext, None, ei, ej), float(beta))
    return out


def load_separation_factors() -> pd.DataFrame:
    """The bundled table of separation factors ``beta_{i/j} = D_i / D_j``.

    Columns ``extractant, system, element_i, element_j, beta, low, high, source, confidence,
    notes``; see ``recyclopt/data/separation_factors.csv``. Many P507 rows are marked
    ``assumption``: read the source and notes before relying on a value.

    Returns
    -------
    pandas.DataFrame
        A copy of the table.
    """
    return _sf_table().copy()


def lookup_separation_factor(element_i: str, element_j: str, extractant: str = "P507",
                             system: str | None = None) -> float:
    """``beta_{i/j} = D_i / D_j`` from the bundled table (inverted if stored as ``j/i``).

    Parameters
    ----------
    element_i, element_j : str
        Element symbols.
    extractant : str
        ``extractant`` column value, e.g. ``"P507"`` or ``"D2EHPA"``.
    system : str, optional
        Restrict to one ``system`` value when the extractant has several.

    Returns
    -------
    float
        The separation factor.

    Raises
    ------
    InputError
        When the pair is not tabulated for that extractant.
    """
    index = _sf_index()
    beta = index.get((extractant, system, element_i, element_j))
    if beta is not None:
        return beta
    beta = index.get((extractant, system, element_j, element_i))
    if beta is not None:
        return 1.0 / beta
    raise InputError(
        f"no separation factor {element_i}/{element_j} for extractant {extractant!r}"
        + (f" and system {system!r}" if system else "")
        + " in separation_factors.csv",
        field="element_i/element_j",
    )


def distribution_ratios_from_betas(reference: str, d_reference: float,
                                   betas: Mapping[str, float]) -> dict[str, float]:
    """Distribution ratios of several components from one reference ``D`` and separation factors.

    ``D_i = beta_{i/ref} * D_ref``, as in cascade-extraction design where ``D`` of one element is
    fixed by the acidity and the others follow from tabulated separation factors.

    Parameters
    ----------
    reference : str
        Name of the reference component.
    d_reference : float
        Its distribution ratio (``>= 0``).
    betas : Mapping[str, float]
        ``beta_{i/ref} = D_i / D_ref`` for the other components (``> 0``). A value for the
        reference itself, if given, must be 1.

    Returns
    -------
    dict[str, float]
        ``D`` per component, the reference first.
    """
    if not (math.isfinite(d_reference) and d_reference >= 0):
        raise InputError(f"d_reference must be finite and >= 0 (got {d_reference})",
                         field="d_reference")
    out = {reference: float(d_reference)}
    for name, beta in betas.items():
        if not (math.isfinite(beta) and beta > 0):
            raise InputError(f"betas[{name!r}] must be finite and > 0 (got {beta})",
                             field=f"betas[{name!r}]")
        if name == reference:
            if abs(beta - 1.0) > 1e-12:
                raise InputError(f"betas[{name!r}] is the reference and must be 1 (got {beta})",
                                 field=f"betas[{name!r}]")
            continue
        out[name] = float(beta) * float(d_reference)
    return out


# --------------------------------------------------------------------------- design
def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name} must be an integer >= {low} (got {value!r})", field=name)
    return int(value)


def _check_positive(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number > 0 (got {value!r})", field=name) from None
    if not (math.isfinite(v) and v > 0):
        raise InputError(f"{name} must be > 0 and finite (got {value!r})", field=name)
    return v


def _as_d_vector(name: str, value, components: tuple[str, ...]) -> tuple[float, ...]:
    nc = len(components)
    if isinstance(value, Mapping):
        unknown = set(value) - set(components)
        if unknown:
            raise InputError(f"{name} names components not in the design: {sorted(unknown)}",
                             field=name)
        missing = [c for c in components if c not in value]
        if missing:
            raise InputError(f"{name} is missing components {missing}", field=name)
        arr = np.array([value[c] for c in components], dtype=float)
    elif np.ndim(value) == 0:
        arr = np.full(nc, float(value))
    else:
        arr = np.asarray(value, dtype=float)
        if arr.shape != (nc,):
            raise InputError(f"{name} must have one value per component ({nc}); got shape "
                             f"{arr.shape}", field=name)
    for c, d in zip(components, arr, strict=True):
        if not (math.isfinite(d) and d >= 0):
            raise InputError(f"{name}[{c!r}] must be finite and >= 0 (got {d})",
                             field=f"{name}[{c!r}]")
    return tuple(float(d) for d in arr)


@dataclass(frozen=True, eq=False)
class CascadeDesign:
    """A counter-current extraction / scrub / strip cascade at fixed distribution ratios.

    Parameters
    ----------
    components : sequence of str
        Component names (any, e.g. ``("Fe", "Nd", "Pr", "Dy", "Tb")``).
    n_extract : int
        Extraction stages, ``>= 1``.
    n_scrub : int
        Scrub stages, ``>= 0``.
    n_strip : int
        Strip stages, ``>= 0``. With ``0`` the loaded organic is the extract product and fresh
        organic enters stage 1; otherwise the organic loop is closed.
    d_extract, d_scrub, d_strip : Mapping[str, float], sequence or float
        Distribution ratio ``D = y/x`` per component in each section, ``>= 0`` (a scalar
        applies to every component). ``d_scrub`` defaults to ``d_extract`` (same acidity),
        ``d_strip`` to ``0`` (complete stripping in one stage).
    oa_extract : float
        O/A phase ratio below (and at) the feed stage, ``> 0``.
    oa_scrub : float, optional
        O/A ratio in the scrub section (organic over scrub-liquor flow). Required when
        ``n_scrub > 0`` and then ``> oa_extract`` so that the feed aqueous flow
        ``O/oa_extract - O/oa_scrub`` is positive. Ignored when ``n_scrub = 0``.
    oa_strip : float
        O/A ratio in the strip section, ``> 0``.
    feed_stage : int, optional
        Stage (1-based) receiving the feed, in ``1 .. n_extract + n_scrub``; default
        ``n_extract``.

    Notes
    -----
    ``E = D O / A`` is the extraction factor; :meth:`extraction_factors` gives it per stage.
    """

    components: tuple[str, ...]
    n_extract: int
    n_scrub: int
    n_strip: int
    d_extract: tuple[float, ...]
    d_scrub: tuple[float, ...] | None = None
    d_strip: tuple[float, ...] | float = 0.0
    oa_extract: float = 1.0
    oa_scrub: float | None = None
    oa_strip: float = 1.0
    feed_stage: int | None = None

    def __post_init__(self) -> None:
        comps = tuple(str(c) for c in self.components)
        if not comps:
            raise InputError("components must name at least one component", field="components")
        if len(set(comps)) != len(comps):
            raise InputError(f"components must be unique (got {list(comps)})", field="components")
        set_ = object.__setattr__
        set_(self, "components", comps)
        set_(self, "n_extract", _check_int("n_extract", self.n_extract, 1))
        set_(self, "n_scrub", _check_int("n_scrub", self.n_scrub, 0))
        set_(self, "n_strip", _check_int("n_strip", self.n_strip, 0))
        set_(self, "d_extract", _as_d_vector("d_extract", self.d_extract, comps))
        d_scrub = self.d_extract if self.d_scrub is None else self.d_scrub
        set_(self, "d_scrub", _as_d_vector("d_scrub", d_scrub, comps))
        set_(self, "d_strip", _as_d_vector("d_strip", self.d_strip, comps))
        set_(self, "oa_extract", _check_positive("oa_extract", self.oa_extract))
        set_(self, "oa_strip", _check_positive("oa_strip", self.oa_strip))
        if self.n_scrub > 0:
            if self.oa_scrub is None:
                raise InputError("oa_scrub is required when n_scrub > 0", field="oa_scrub")
            oa_s = _check_positive("oa_scrub", self.oa_scrub)
            if not oa_s > self.oa_extract:
                raise InputError(
                    f"oa_scrub must be > oa_extract (= {self.oa_extract:.6g}) so that the feed "
                    f"aqueous flow O/oa_extract - O/oa_scrub is positive (got {oa_s:.6g})",
                    field="oa_scrub",
                )
            set_(self, "oa_scrub", oa_s)
        elif self.oa_scrub is not None:
            set_(self, "oa_scrub", _check_positive("oa_scrub", self.oa_scrub))
        top = self.n_extract + self.n_scrub
        fs = self.n_extract if self.feed_stage is None else self.feed_stage
        if isinstance(fs, bool) or not isinstance(fs, (int, np.integer)) or not 1 <= fs <= top:
            raise InputError(f"feed_stage must be an integer in 1..{top} (n_extract + n_scrub)"
                             f" (got {self.feed_stage!r})", field="feed_stage")
        if fs != top and self.n_scrub == 0:
            raise InputError("feed_stage below n_extract needs a scrub section (n_scrub > 0) to"
                             " supply the aqueous flow above the feed", field="feed_stage")
        set_(self, "feed_stage", int(fs))

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_stages(self) -> int:
        """Total number of stages ``n_extract + n_scrub + n_strip``."""
        return self.n_extract + self.n_scrub + self.n_strip

    @property
    def sections(self) -> tuple[str, ...]:
        """Section name of each stage (``extract``, ``scrub``, ``strip``)."""
        return (("extract",) * self.n_extract + ("scrub",) * self.n_scrub
                + ("strip",) * self.n_strip)

    def aqueous_flows(self) -> np.ndarray:
        """Aqueous volumetric flow leaving each stage, relative to an organic flow of 1."""
        a = np.empty(self.n_stages)
        top = self.n_extract + self.n_scrub
        a[: self.feed_stage] = 1.0 / self.oa_extract
        if self.n_scrub > 0:
            a[self.feed_stage: top] = 1.0 / self.oa_scrub
        a[top:] = 1.0 / self.oa_strip
        return a

    def feed_aqueous_flow(self) -> float:
        """Feed aqueous volumetric flow relative to an organic flow of 1."""
        if self.n_scrub == 0:
            return 1.0 / self.oa_extract
        return 1.0 / self.oa_extract - 1.0 / self.oa_scrub

    def distribution_ratios(self) -> np.ndarray:
        """``D`` per component and stage, shape ``(n_components, n_stages)``."""
        d = np.concatenate([
            np.repeat(np.asarray(self.d_extract)[:, None], self.n_extract, axis=1),
            np.repeat(np.asarray(self.d_scrub)[:, None], self.n_scrub, axis=1),
            np.repeat(np.asarray(self.d_strip)[:, None], self.n_strip, axis=1),
        ], axis=1)
        return d

    def extraction_factors(self) -> np.ndarray:
        """``E = D O / A`` per component and stage, shape ``(n_components, n_stages)``."""
        return self.distribution_ratios() / self.aqueous_flows()[None, :]

    def separation_factor(self, i: str, j: str, section: str = "extract") -> float:
        """``beta_{i/j} = D_i / D_j`` in a section (``extract``, ``scrub`` or ``strip``)."""
        d = {"extract": self.d_extract, "scrub": self.d_scrub, "strip": self.d_strip}[section]
        ii, jj = self.components.index(i), self.components.index(j)
        return d[ii] / d[jj] if d[jj] > 0 else math.inf


# --------------------------------------------------------------------------- solution
def _system(design: CascadeDesign) -> tuple[np.ndarray, np.ndarray]:
    """Stage-balance matrices ``M`` (n_comp, N, N) and extraction factors (n_comp, N).

    ``M a = f`` are the stage balances of the module docstring; kept as the reference
    formulation for cross-checks (the solver itself is :func:`_solve`).
    """
    e = design.extraction_factors()
    nc, n = e.shape
    top = design.n_extract + design.n_scrub
    m = np.zeros((nc, n, n))
    idx = np.arange(n)
    m[:, idx, idx] = 1.0 + e
    if n > 1:
        m[:, idx[1:], idx[:-1]] = -e[:, :-1]  # organic from the stage before
        aq = idx[:-1][idx[:-1] != top - 1]  # aqueous from the stage after, not across scrub/strip
        m[:, aq, aq + 1] = -1.0
    if design.n_strip > 0:
        m[:, 0, n - 1] -= e[:, n - 1]  # closed organic loop: stripped organic back to stage 1
    return m, e


def _chain(e: np.ndarray, f: np.ndarray, organic_in: np.ndarray) -> np.ndarray:
    """Aqueous flows leaving the stages of one counter-current chain (subtraction-free Thomas).

    The chain's stages ``0..n-1`` receive organic ``organic_in`` at stage 0 and metal-free
    aqueous at stage ``n-1``; the aqueous leaving stage 0 is an outlet. Eliminating from stage 0
    upwards, the stages below ``k`` return to stage ``k`` the organic ``alpha a_k + beta`` and
    send the fraction ``gamma = 1 - alpha`` of ``a_k`` to the outlet, so the pivot
    ``1 + E_k - alpha = E_k + gamma`` and every recursion step are sums, products and quotients
    of non-negative numbers: each flow is obtained to a few ulps *relative* accuracy however
    ill-conditioned the matrix (large ``E**N``), and the balances close to round-off.
    """
    nc, n = e.shape
    den = np.empty((nc, n))
    inp = np.empty((nc, n))
    gamma = np.ones(nc)
    beta = organic_in
    for k in range(n):
        den[:, k] = e[:, k] + gamma
        inp[:, k] = f[:, k] + beta
        beta = e[:, k] * inp[:, k] / den[:, k]
        gamma = gamma / den[:, k]
    a = np.empty((nc, n))
    above = np.zeros(nc)
    for k in range(n - 1, -1, -1):
        above = (above + inp[:, k]) / den[:, k]
        a[:, k] = above
    return a


def _solve_open(design: CascadeDesign, e: np.ndarray, f: np.ndarray,
                organic_in: np.ndarray) -> np.ndarray:
    """Aqueous flows with a given organic inflow at stage 1 (organic loop open)."""
    top = design.n_extract + design.n_scrub
    a = np.empty_like(e)
    a[:, :top] = _chain(e[:, :top], f[:, :top], organic_in)
    if design.n_strip > 0:
        loaded = e[:, top - 1] * a[:, top - 1]
        a[:, top:] = _chain(e[:, top:], f[:, top:], loaded)
    return a


def _solve(design: CascadeDesign, feed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Aqueous and organic component flows leaving every stage, shape (n_comp, N).

    Solves the stage balances exactly (see the module docstring) with a subtraction-free
    tridiagonal elimination per section. The closed organic loop of a cascade with a strip
    section is closed by superposition: the solution is affine in the metal ``G`` returned to
    stage 1, ``G = o_N(0) / (1 - dO_N/dG)`` with ``1 - dO_N/dG`` computed as the (non-negative)
    fractions of a unit ``G`` reaching the two outlets.
    """
    e = design.extraction_factors()
    nc, n = e.shape
    f = np.zeros((nc, n))
    f[:, design.feed_stage - 1] = feed
    zero = np.zeros(nc)
    a = _solve_open(design, e, f, zero)
    if design.n_strip > 0:
        top = design.n_extract + design.n_scrub
        returned = e[:, -1] * a[:, -1]
        a_unit = _solve_open(design, e, np.zeros((nc, n)), np.ones(nc))
        leaves = a_unit[:, 0] + a_unit[:, top]  # = 1 - (fraction of G returned), no cancellation
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.where(leaves > 0, returned / leaves, 0.0)
        a = a + g[:, None] * a_unit
    return a, e * a


def _outlets(design: CascadeDesign, a: np.ndarray, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    raffinate = a[:, 0]
    if design.n_strip > 0:
        extract = a[:, design.n_extract + design.n_scrub]
    else:
        extract = o[:, -1]
    return raffinate, extract


def split_matrix(design: CascadeDesign) -> pd.DataFrame:
    """Fraction of each component's feed reporting to each outlet.

    The cascade is linear at fixed ``D``: these fractions do not depend on the feed, and
    ``outlet_flow = fraction * feed_flow`` component by component.

    Parameters
    ----------
    design : CascadeDesign

    Returns
    -------
    pandas.DataFrame
        Index ``components``, columns ``raffinate`` and ``extract``; rows sum to 1.
    """
    a, o = _solve(design, np.ones(len(design.components)))
    raf, ext = _outlets(design, a, o)
    return pd.DataFrame({"raffinate": raf, "extract": ext},
                        index=pd.Index(design.components, name="component"))


def _strip_unstripped(design: CascadeDesign) -> np.ndarray:
    """Fraction of the organic metal left unstripped by the strip section (Kremser)."""
    if design.n_strip == 0:
        return np.zeros(len(design.components))
    e_strip = np.asarray(design.d_strip) * design.oa_strip
    with np.errstate(divide="ignore"):
        s = np.where(e_strip > 0, 1.0 / np.where(e_strip > 0, e_strip, 1.0), np.inf)
    out = np.zeros_like(s)
    finite = np.isfinite(s)
    out[finite] = kremser_fraction(s[finite], np.full(finite.sum(), design.n_strip))
    return out


def _log_extract_fraction(log_e_ext, log_e_scr, n_ext, n_scr, log_rho):
    """Closed-form ``ln p`` and ``ln(1 - p)`` of the fraction ``p`` reaching the extract.

    Arguments broadcast; ``log_rho`` is ``ln`` of the unstripped fraction (``-inf`` for a
    perfect strip or no strip section). Feed at the last extraction stage. Both logs are
    formed from sums of non-negative terms, so small fractions keep their relative accuracy.
    """
    log_e_ext = np.asarray(log_e_ext, dtype=float)
    ls_n = _log_geometric_sum(log_e_ext, n_ext)
    ls_n1 = _log_geometric_sum(log_e_ext, np.asarray(n_ext) - 1)
    log_u = _log_geometric_sum(-np.asarray(log_e_scr, dtype=float), np.asarray(n_scr) + 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_x = log_e_ext + ls_n - log_u
        log_p0 = -np.logaddexp(0.0, -log_x)  # x / (1 + x)
        log_q0 = -np.logaddexp(0.0, log_x)  # 1 / (1 + x)
        log_den_g = np.logaddexp(log_u, log_e_ext + ls_n)  # U + E S_n
        # metal entering stage 1 with the organic: fraction 1 - g = E^n / (U + E S_n) reaches
        # the loaded organic; g - 1/(1+x) = E S_(n-1) / (U + E S_n)
        log_1mg = n_ext * log_e_ext - log_den_g
        log_gmq = log_e_ext + ls_n1 - log_den_g
        log_rho = np.asarray(log_rho, dtype=float)
        log_den = np.log(-np.expm1(log_rho + log_1mg))  # 1 - rho (1 - g)
        log_p = np.log(-np.expm1(log_rho)) + log_p0 - log_den
        # 1 - p = [1/(1+x) + rho (g - 1/(1+x))] / (1 - rho (1 - g))
        log_q = np.logaddexp(log_q0, log_rho + log_gmq) - log_den
    return log_p, log_q


def analytic_split(design: CascadeDesign) -> pd.DataFrame:
    """Closed-form split fractions, for the feed at stage ``n_extract``.

    Derivation (one component; ``E``/``E'`` extraction factors in extraction/scrub, ``n``/``m``
    stages, ``S_k(r) = 1 + r + ... + r^(k-1)``). With no metal in the organic entering stage 1,
    the extraction-section balances give ``a_k = R S_k(E)`` (``R`` the raffinate); with no metal
    in the scrub liquor, the scrub section gives ``o_n = P S_{m+1}(1/E')`` for the organic
    entering it (``P`` the loaded organic leaving it). Equating ``o_n = E a_n`` gives
    ``P/R = x = E S_n(E) / S_{m+1}(1/E')``. Metal entering stage 1 in the organic reaches the
    loaded organic with fraction ``1 - g = E^n / (S_{m+1}(1/E') + E S_n(E))``. A strip section
    leaving ``rho`` unstripped (Kremser) and a closed organic loop then give the extract fraction
    ``(1 - rho) [x/(1+x)] / (1 - rho (1 - g))``.

    Parameters
    ----------
    design : CascadeDesign
        Must have ``feed_stage == n_extract``.

    Returns
    -------
    pandas.DataFrame
        Same layout as :func:`split_matrix`.
    """
    if design.feed_stage != design.n_extract:
        raise InputError("analytic_split needs feed_stage == n_extract", field="feed_stage")
    e = design.extraction_factors()
    with np.errstate(divide="ignore"):
        le = np.log(e[:, 0])
        ls = np.log(e[:, design.n_extract]) if design.n_scrub > 0 else np.zeros(len(le))
        log_rho = np.log(_strip_unstripped(design))
    log_p, log_q = _log_extract_fraction(le, ls, design.n_extract, design.n_scrub, log_rho)
    p = np.exp(log_p)
    return pd.DataFrame({"raffinate": np.exp(log_q), "extract": p},
                        index=pd.Index(design.components, name="component"))


# --------------------------------------------------------------------------- reagents
@dataclass(frozen=True)
class ReagentParameters:
    """Reagent-use parameters of an acidic organophosphorus (P507/PC88A) circuit.

    Parameters
    ----------
    saponification_degree : float
        Fraction of the exchanged protons pre-neutralised with NaOH (0..1). NaOH use is
        ``z * saponification_degree`` mol per mol of cation of charge ``z`` extracted (3 for
        RE3+). Default 0.4: assumption, mid-range of the 30-50 % usually cited for industrial
        saponified circuits (no primary source retrieved).
    strip_acid_excess : float
        HCl used beyond the stoichiometric ``z`` mol per mol stripped, as a fraction (``>= 0``);
        scrub acid drawn from the strip acid is counted here. Default 0.2: assumption.
    extractant_loss_kg_per_m3 : float
        Extractant lost by entrainment and solubility, kg per m3 of aqueous leaving the circuit
        (raffinate + strip liquor). Default 0.01 kg/m3: assumption (about 30 ppm v/v organic
        entrainment of a ~30 % P507 solvent); needs a plant figure.
    """

    saponification_degree: float = 0.4
    strip_acid_excess: float = 0.2
    extractant_loss_kg_per_m3: float = 0.01

    def __post_init__(self) -> None:
        if not 0 <= self.saponification_degree <= 1:
            raise InputError("saponification_degree must be in [0, 1] (got "
                             f"{self.saponification_degree})", field="saponification_degree")
        if not (math.isfinite(self.strip_acid_excess) and self.strip_acid_excess >= 0):
            raise InputError(f"strip_acid_excess must be >= 0 (got {self.strip_acid_excess})",
                             field="strip_acid_excess")
        if not (math.isfinite(self.extractant_loss_kg_per_m3)
                and self.extractant_loss_kg_per_m3 >= 0):
            raise InputError("extractant_loss_kg_per_m3 must be >= 0 (got "
                             f"{self.extractant_loss_kg_per_m3})",
                             field="extractant_loss_kg_per_m3")


@dataclass(frozen=True)
class ReagentUse:
    """Reagents per kg of rare earth (element basis) reaching the extract product.

    Attributes
    ----------
    re_extracted_kg, re_extracted_mol : float
        RE in the extract per unit time.
    naoh_kg_per_kg_re, hcl_kg_per_kg_re : float
        Saponification NaOH and strip HCl.
    extractant_kg_per_kg_re : float
        Extractant make-up; NaN unless ``feed_volume_flow`` was given.
    """

    re_extracted_kg: float
    re_extracted_mol: float
    naoh_kg_per_kg_re: float
    hcl_kg_per_kg_re: float
    extractant_kg_per_kg_re: float


@dataclass(frozen=True, eq=False)
class CascadeResult:
    """Result of :func:`simulate`.

    Attributes
    ----------
    design : CascadeDesign
    feed, raffinate, extract : numpy.ndarray
        Component flows (feed units) in the feed and the two outlets. The extract is the
        loaded strip liquor (or the loaded organic when ``n_strip = 0``).
    split : pandas.DataFrame
        Fraction of each component's feed to each outlet (= recovery to that outlet).
    purity : pandas.DataFrame
        Fraction of each outlet's total flow that is each component.
    profiles : pandas.DataFrame
        One row per stage: ``section``, aqueous (``aq_<c>``) and organic (``org_<c>``) component
        flows leaving the stage, and, when ``feed_volume_flow`` was given, volumetric flows
        (``aq_volume``, ``org_volume``) and concentrations ``x_<c>``/``y_<c>`` (feed unit per
        volume unit).
    reagents : ReagentUse or None
        None when a component in the extract has no known molar mass.
    balance_error : float
        Largest ``|raffinate + extract - feed| / max(feed)`` over components.
    """

    design: CascadeDesign
    feed: np.ndarray
    raffinate: np.ndarray
    extract: np.ndarray
    split: pd.DataFrame
    purity: pd.DataFrame
    profiles: pd.DataFrame
    reagents: ReagentUse | None
    balance_error: float
    basis: str = "mol"
    outlets: tuple[str, ...] = field(default=OUTLETS)

    def recovery(self, component: str, outlet: str = "extract") -> float:
        """Fraction of ``component``'s feed reaching ``outlet``."""
        return float(self.split.loc[component, outlet])

    def outlet_purity(self, components: Sequence[str], outlet: str = "extract") -> float:
        """Fraction of ``outlet``'s total flow made of ``components``."""
        return float(self.purity.loc[list(components), outlet].sum())


def element_molar_mass(symbol: str, overrides: Mapping[str, float] | None) -> float | None:
    """kg/mol, from ``overrides`` (kg/mol) or the IUPAC table in ``chemicals``."""
    if overrides and symbol in overrides:
        return float(overrides[symbol])
    try:
        from chemicals.elements import periodic_table

        return periodic_table[symbol].MW / 1000.0
    except (KeyError, ImportError):
        return None


def _feed_vector(design: CascadeDesign, feed) -> np.ndarray:
    comps = design.components
    if isinstance(feed, Mapping):
        unknown = set(feed) - set(comps)
        if unknown:
            raise InputError(f"feed names components not in the design: {sorted(unknown)}",
                             field="feed")
        f = np.array([float(feed.get(c, 0.0)) for c in comps])
    else:
        f = np.asarray(feed, dtype=float)
        if f.shape != (len(comps),):
            raise InputError(f"feed must have one flow per component ({len(comps)}); got shape "
                             f"{f.shape}", field="feed")
    for c, v in zip(comps, f, strict=True):
        if not (math.isfinite(v) and v >= 0):
            raise InputError(f"feed[{c!r}] must be finite and >= 0 (got {v})",
                             field=f"feed[{c!r}]")
    return f


def simulate(design: CascadeDesign, feed, *, basis: str = "mol",
             feed_volume_flow: float | None = None,
             reagents: ReagentParameters | None = None,
             molar_masses: Mapping[str, float] | None = None) -> CascadeResult:
    """Solve the cascade for a feed: outlet flows, stage profiles, splits, purities, reagents.

    Parameters
    ----------
    design : CascadeDesign
    feed : Mapping[str, float] or array
        Aqueous feed component flows (``>= 0``), per unit time; components not named are 0.
    basis : {"mol", "kg"}
        Unit of the flows, used only for the reagent figures.
    feed_volume_flow : float, optional
        Aqueous feed volumetric flow (m3 per the same time unit). Enables concentrations in
        the profiles and the extractant make-up figure.
    reagents : ReagentParameters, optional
        Defaults to ``ReagentParameters()``.
    molar_masses : Mapping[str, float], optional
        kg/mol for components that are not element symbols.

    Returns
    -------
    CascadeResult
    """
    if basis not in ("mol", "kg"):
        raise InputError(f"basis must be 'mol' or 'kg' (got {basis!r})", field="basis")
    if feed_volume_flow is not None:
        feed_volume_flow = _check_positive("feed_volume_flow", feed_volume_flow)
    reagents = ReagentParameters() if reagents is None else reagents
    f = _feed_vector(design, feed)
    comps = design.components
    a, o = _solve(design, f)
    raf, ext = _outlets(design, a, o)
    scale = max(float(np.max(f)), 1e-300)
    balance_error = float(np.max(np.abs(raf + ext - f)) / scale)

    split = split_matrix(design)
    totals = np.array([raf.sum(), ext.sum()])
    with np.errstate(invalid="ignore", divide="ignore"):
        purity = pd.DataFrame({"raffinate": raf / totals[0], "extract": ext / totals[1]},
                              index=pd.Index(comps, name="component"))

    prof: dict[str, object] = {"section": list(design.sections)}
    for k, c in enumerate(comps):
        prof[f"aq_{c}"] = a[k]
        prof[f"org_{c}"] = o[k]
    vol_scale = None
    if feed_volume_flow is not None:
        vol_scale = feed_volume_flow / design.feed_aqueous_flow()  # organic volumetric flow
        aq_vol = design.aqueous_flows() * vol_scale
        prof["aq_volume"] = aq_vol
        prof["org_volume"] = np.full(design.n_stages, vol_scale)
        for k, c in enumerate(comps):
            prof[f"x_{c}"] = a[k] / aq_vol
            prof[f"y_{c}"] = o[k] / vol_scale
    profiles = pd.DataFrame(prof, index=pd.RangeIndex(1, design.n_stages + 1, name="stage"))

    reagent_use = _reagent_use(design, ext, basis, reagents, molar_masses, vol_scale)
    return CascadeResult(design=design, feed=f, raffinate=raf, extract=ext, split=split,
                         purity=purity, profiles=profiles, reagents=reagent_use,
                         balance_error=balance_error, basis=basis)


def _reagent_use(design, ext, basis, params: ReagentParameters, molar_masses, vol_scale):
    mol = np.zeros(len(ext))
    kg_re = 0.0
    mol_re = 0.0
    eq = 0.0
    for k, c in enumerate(design.components):
        if ext[k] == 0.0:
            continue
        mm = element_molar_mass(c, molar_masses)
        if mm is None:
            return None
        mol[k] = ext[k] if basis == "mol" else ext[k] / mm
        is_re = c in RARE_EARTHS
        z = 3 if is_re else ION_CHARGE.get(c, 3)
        eq += z * mol[k]
        if is_re:
            mol_re += mol[k]
            kg_re += mol[k] * mm
    if kg_re <= 0:
        nan = float("nan")
        return ReagentUse(0.0, 0.0, nan, nan, nan)
    naoh = eq * params.saponification_degree * M_NAOH / kg_re
    hcl = eq * (1.0 + params.strip_acid_excess) * M_HCL / kg_re
    if vol_scale is None:
        extractant = float("nan")
    else:
        aq_out = (1.0 / design.oa_extract + (1.0 / design.oa_strip if design.n_strip else 0.0))
        extractant = params.extractant_loss_kg_per_m3 * aq_out * vol_scale / kg_re
    return ReagentUse(re_extracted_kg=float(kg_re), re_extracted_mol=float(mol_re),
                      naoh_kg_per_kg_re=float(naoh), hcl_kg_per_kg_re=float(hcl),
                      extractant_kg_per_kg_re=float(extractant))


# --------------------------------------------------------------------------- design mode
@dataclass(frozen=True, eq=False)
class StageDesign:
    """Result of :func:`design_stages`.

    Attributes
    ----------
    design : CascadeDesign
        The cascade found (feed at the last extraction stage).
    n_extract, n_scrub, n_strip : int
    separation_stages : int
        ``n_extract + n_scrub``, the quantity minimised.
    total_stages : int
        Including the strip section.
    purity, recovery : float
        Extract purity (heavy set) and key-component recovery to the extract, from
        :func:`split_matrix` of ``design`` (the full stage-by-stage solution).
    key_heavy, key_light : str
        The least-extractable heavy and the most-extractable light component.
    beta_key : float
        ``D_key_heavy / D_key_light`` in the extraction section.
    reflux_ratio : float
        Scrub-liquor over feed aqueous flow, ``A_w / A_f`` (``inf`` for the total-reflux
        bound, ``0`` without a scrub section).
    min_reflux_ratio : float
        ``1 / (beta' - 1)`` with ``beta' = D_key_heavy,extract / D_key_light,scrub``.
    e_key_extract : float
        Extraction factor of the key heavy component in the extraction section.
    e_light_scrub : float
        Extraction factor of the key light component in the scrub section.
    fenske_min_stages : float
        For comparison: ``ln S / ln beta_key`` with ``S`` the key-pair separation
        ``(A/B)_extract / (A/B)_raffinate`` implied by the targets (impurity counted as the key
        light component). This is the total-reflux stage count of the constant-separation-factor
        theory of loaded (saturated) organic cascades (Xu Guangxian), where every stage enriches
        the ratio by ``beta``. The constant-``D`` model used here has no competition for the
        extractant, enriches by about ``sqrt(beta)`` per stage near the optimum and therefore
        needs up to about twice as many stages: read its stage counts as conservative for
        concentrated, loaded circuits.
    split : pandas.DataFrame
        Split fractions of ``design``.
    """

    design: CascadeDesign
    n_extract: int
    n_scrub: int
    n_strip: int
    separation_stages: int
    total_stages: int
    purity: float
    recovery: float
    key_heavy: str
    key_light: str
    beta_key: float
    reflux_ratio: float
    min_reflux_ratio: float
    e_key_extract: float
    e_light_scrub: float
    fenske_min_stages: float
    split: pd.DataFrame


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


class _Evaluator:
    """Vectorised closed-form evaluation of purity/recovery margins for the design search.

    Operating point: ``ln oa_extract = -ln D_key_heavy + t * scale`` (so ``t = 0`` is
    ``E_key_heavy = 1``) and ``ln(oa_scrub / oa_extract) = w * scale``; ``w`` is fixed when the
    reflux ratio is fixed.
    """

    def __init__(self, heavy_mask, f, d_e, d_s, log_rho, key_idx, heavy_key_idx,
                 light_key_idx, target_purity, target_recovery, w_fixed=None):
        self.heavy = heavy_mask
        with np.errstate(divide="ignore"):
            self.log_f = np.log(f)
            self.log_de = np.log(d_e)
            self.log_ds = np.log(d_s)
        self.log_rho = log_rho
        self.key = key_idx
        self.lp_target = _logit(target_purity)
        self.lr_target = _logit(target_recovery)
        log_beta = self.log_de[heavy_key_idx] - self.log_de[light_key_idx]
        self.scale = max(abs(log_beta), 0.1)
        self.base = -self.log_de[heavy_key_idx]
        self.w_fixed = w_fixed

    def oa(self, t, w):
        log_oa_e = self.base + np.asarray(t, dtype=float) * self.scale
        return log_oa_e, log_oa_e + np.asarray(w, dtype=float) * self.scale

    def margins(self, n_ext, n_scr, t, w):
        """Purity and recovery logit margins; all arguments broadcast."""
        log_oa_e, log_oa_s = self.oa(t, w)
        le = self.log_de + log_oa_e[..., None]
        ls = self.log_ds + log_oa_s[..., None]
        log_p, log_q = _log_extract_fraction(le, ls, np.asarray(n_ext)[..., None],
                                             np.asarray(n_scr)[..., None], self.log_rho)
        lfp = self.log_f + log_p
        with np.errstate(divide="ignore", invalid="ignore"):
            heavy = _logsumexp(np.where(self.heavy, lfp, -np.inf))
            light = _logsumexp(np.where(self.heavy, -np.inf, lfp))
            m_p = heavy - light - self.lp_target
            m_r = log_p[..., self.key] - log_q[..., self.key] - self.lr_target
        return np.nan_to_num(m_p, nan=-np.inf), np.nan_to_num(m_r, nan=-np.inf)

    def grid(self):
        if self.w_fixed is None:
            t, w = np.meshgrid(np.linspace(-0.5, 1.5, 41), np.linspace(0.01, 2.0, 41),
                               indexing="ij")
        else:
            t = np.linspace(-0.5, 1.5, 401)[:, None]
            w = np.full_like(t, self.w_fixed)
        return t.ravel(), w.ravel()

    def refine(self, n_ext: int, n_scr: int, t0: float, w0: float) -> tuple[float, float, float]:
        """Local maximisation of the smaller margin from a grid point (Nelder-Mead)."""
        ne, ns = np.array(n_ext), np.array(n_scr)
        if self.w_fixed is None:
            def neg(x):
                mp, mr = self.margins(ne, ns, x[0], max(x[1], 1e-9))
                return -float(min(mp, mr))
            x0 = [t0, w0]
        else:
            def neg(x):
                mp, mr = self.margins(ne, ns, x[0], self.w_fixed)
                return -float(min(mp, mr))
            x0 = [t0]
        from scipy.optimize import minimize  # only for a design search (its result is cached)

        res = minimize(neg, x0=x0, method="Nelder-Mead",
                       options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 800})
        t = float(res.x[0])
        w = self.w_fixed if self.w_fixed is not None else max(float(res.x[1]), 1e-9)
        return -float(res.fun), t, w


def _logsumexp(x):
    mx = np.max(x, axis=-1, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(x - mx), axis=-1)) + mx[..., 0]


def _best_for_total(ev: _Evaluator, total: int):
    """Best (smaller margin, n_extract, t, w) over all splits of ``total`` separation stages."""
    n_ext = np.arange(1, total + 1)
    if ev.w_fixed is not None and total > 1:
        n_ext = n_ext[:-1]  # a fixed reflux needs a scrub section
    n_scr = total - n_ext
    t, w = ev.grid()
    m_p, m_r = ev.margins(n_ext[:, None], n_scr[:, None], t[None], w[None])
    flat = np.minimum(m_p, m_r)
    order = np.argsort(flat.max(axis=1))[::-1][:3]
    best = (-np.inf, int(n_ext[0]), 0.0, float(w[0]))
    for i in order:
        j = int(np.argmax(flat[i]))
        cand = [(float(flat[i, j]), float(t[j]), float(w[j]))]
        val, tt, ww = ev.refine(int(n_ext[i]), int(n_scr[i]), float(t[j]), float(w[j]))
        if np.isfinite(val):
            cand.append((val, tt, ww))
        val, tt, ww = max(cand, key=lambda c: c[0])
        if val > best[0]:
            best = (val, int(n_ext[i]), tt, ww)
    return best


def design_stages(light: Sequence[str], heavy: Sequence[str], feed: Mapping[str, float],
                  d_extract: Mapping[str, float], *, target_purity: float,
                  target_recovery: float, key: str | None = None,
                  d_scrub: Mapping[str, float] | None = None,
                  reflux_factor: float | None = 1.5,
                  d_strip: Mapping[str, float] | float = 0.05, oa_strip: float = 2.0,
                  strip_tolerance: float = 1e-4, max_stages: int = 200) -> StageDesign:
    """Fewest extraction + scrub stages meeting an extract purity and a key recovery.

    Binary split: the ``heavy`` set (more extractable) goes to the extract, the ``light`` set
    to the raffinate. The extract purity is the heavy-set fraction of the extract (in the
    feed's units); the recovery is the fraction of the key heavy component reaching it.

    The algorithm (strip section, minimum reflux, stage search) is in the module docstring.

    Parameters
    ----------
    light, heavy, feed
        Component sets for the raffinate and the extract (disjoint, non-empty); the feed
        composition (any consistent unit) of every component of ``light + heavy``.
    d_extract : Mapping[str, float]
        Distribution ratios in the extraction section (> 0); build them from separation
        factors with :func:`distribution_ratios_from_betas`.
    target_purity, target_recovery : float
        Heavy-set fraction of the extract; fraction of the key heavy component to it; (0, 1).
    key, d_scrub : optional
        Heavy component whose recovery is targeted (default the least extractable heavy one);
        scrub-section distribution ratios (default ``d_extract``).
    reflux_factor : float or None
        Operating reflux over minimum reflux (> 1). Default 1.5: assumption, by analogy with the
        ``R / R_min = 1.1-1.5`` rule of thumb for distillation (Seader & Henley). ``None``:
        total-reflux bound (see above).
    d_strip, oa_strip, strip_tolerance, max_stages
        Strip-section distribution ratios (default 0.05: assumption for 4-6 M HCl) and O/A
        (default 2); the largest fraction left unstripped (1e-4); the largest
        ``n_extract + n_scrub`` considered (200).

    Returns
    -------
    StageDesign

    Raises
    ------
    SeparationInfeasibleError
        When the key separation factor is <= 1 or no design within ``max_stages`` meets both
        targets; the message names the targets, the separation factor and the best purity
        achievable at the target recovery.
    """
    pb = _split_problem(light, heavy, feed, d_extract, d_scrub, d_strip, oa_strip,
                        target_purity, target_recovery, strip_tolerance, reflux_factor,
                        max_stages)
    oa_strip = pb.oa_strip
    pb = _with_keys(pb, key)
    n_strip, log_rho = _strip_section(pb, oa_strip, strip_tolerance)
    if not pb.beta_prime > 1.0:
        # no enrichment is possible: the key heavy component is not more extractable
        best = pb.feed_purity if pb.beta_key <= 1.0 else float("nan")
        raise _unreachable(pb, best, " (must be > 1)" if pb.beta_key <= 1 else
                           f" (scrub-section factor D_{pb.key_heavy}/D'_{pb.key_light} = "
                           f"{pb.beta_prime:.6g} must be > 1)")
    inputs = {"light": list(light), "heavy": list(heavy), "feed": dict(feed),
              "d_extract": dict(d_extract), "d_scrub": d_scrub, "key": key,
              "target_purity": target_purity, "target_recovery": target_recovery,
              "reflux_factor": reflux_factor, "d_strip": d_strip, "oa_strip": oa_strip,
              "strip_tolerance": strip_tolerance, "max_stages": max_stages}
    found = _cached_design(pb, inputs, n_strip, oa_strip)
    if found is not None:
        return found
    ev = _Evaluator(pb.heavy_mask, pb.f, pb.d_e, pb.d_s, log_rho, pb.key_idx,
                    pb.heavy_key_idx, pb.light_key_idx, pb.target_purity, pb.target_recovery)
    if reflux_factor is not None:
        ev.w_fixed = math.log1p(1.0 / (reflux_factor * pb.r_min)) / ev.scale
    best = _BestByTotal(ev)
    total = _fewest_feasible_total(pb, ev, best)
    total, n_ext, design, split, purity, recovery = _checked_design(pb, ev, best, total,
                                                                    n_strip, oa_strip)
    cache.store(DESIGN_CACHE, inputs, {"n_extract": n_ext, "n_scrub": total - n_ext,
                                       "oa_extract": design.oa_extract,
                                       "oa_scrub": design.oa_scrub if total > n_ext else None})
    return _stage_design(pb, design, split, total, n_ext, n_strip, purity, recovery)


#: Kind of the persistent cache entries of :func:`design_stages` (see :mod:`recyclopt.io.cache`).
DESIGN_CACHE = "sx-stage-design"


def _cached_design(pb: _SplitProblem, inputs: dict[str, Any], n_strip: int,
                   oa_strip: float) -> StageDesign | None:
    """The design stored for ``inputs`` (stage numbers and O/A ratios: the search's result),
    rebuilt and re-checked against the targets; None when there is none or it fails."""
    hit = cache.lookup(DESIGN_CACHE, inputs)
    try:
        n_ext, n_scr = int(hit["n_extract"]), int(hit["n_scrub"])
        oa_e = float(hit["oa_extract"])
        oa_s = None if hit["oa_scrub"] is None else float(hit["oa_scrub"])
        if not (n_ext >= 1 and n_scr >= 0 and n_ext + n_scr <= pb.max_stages):
            return None
        design, split, purity, recovery = _design_at(pb, n_ext, n_scr, n_strip, oa_e, oa_s,
                                                     oa_strip)
    except (TypeError, KeyError, ValueError, InputError):
        return None  # no entry, or one that is malformed: search again
    if purity >= pb.target_purity - 1e-9 and recovery >= pb.target_recovery - 1e-9:
        return _stage_design(pb, design, split, n_ext + n_scr, n_ext, n_strip, purity, recovery)
    return None


@dataclass(frozen=True)
class _SplitProblem:
    """The checked inputs of :func:`design_stages` and the key pair they imply."""

    comps: tuple[str, ...]
    heavy: list[str]
    f: np.ndarray  # feed vector over comps
    heavy_mask: np.ndarray
    d_e: np.ndarray
    d_s: np.ndarray
    d_st: np.ndarray
    oa_strip: float
    target_purity: float
    target_recovery: float
    max_stages: int
    heavy_key_idx: int  # least extractable heavy component
    light_key_idx: int  # most extractable light component
    key: str = ""
    key_idx: int = -1

    @property
    def key_heavy(self) -> str:
        return self.comps[self.heavy_key_idx]

    @property
    def key_light(self) -> str:
        return self.comps[self.light_key_idx]

    @property
    def beta_key(self) -> float:
        return float(self.d_e[self.heavy_key_idx] / self.d_e[self.light_key_idx])

    @property
    def beta_prime(self) -> float:
        return float(self.d_e[self.heavy_key_idx] / self.d_s[self.light_key_idx])

    @property
    def r_min(self) -> float:
        """Minimum reflux ratio ``1 / (beta' - 1)`` (infinite when ``beta' <= 1``)."""
        return 1.0 / (self.beta_prime - 1.0) if self.beta_prime > 1 else math.inf

    @property
    def feed_purity(self) -> float:
        return float(self.f[self.heavy_mask].sum() / self.f.sum())


def _split_problem(light: Sequence[str], heavy: Sequence[str], feed: Mapping[str, float],
                   d_extract: Mapping[str, float], d_scrub: Mapping[str, float] | None,
                   d_strip: Mapping[str, float] | float, oa_strip: float,
                   target_purity: float, target_recovery: float, strip_tolerance: float,
                   reflux_factor: float | None, max_stages: int) -> _SplitProblem:
    """Check :func:`design_stages`' inputs (one :class:`InputError` naming the first bad one)."""
    light = [str(c) for c in light]
    heavy = [str(c) for c in heavy]
    if not light or not heavy:
        raise InputError("light and heavy must both name at least one component",
                         field="light/heavy")
    if set(light) & set(heavy):
        raise InputError(f"light and heavy overlap: {sorted(set(light) & set(heavy))}",
                         field="light/heavy")
    comps = tuple(light + heavy)
    for name, val in (("target_purity", target_purity), ("target_recovery", target_recovery),
                      ("strip_tolerance", strip_tolerance)):
        if not (0 < val < 1):
            raise InputError(f"{name} must be in (0, 1) (got {val})", field=name)
    if reflux_factor is not None and not (math.isfinite(reflux_factor) and reflux_factor > 1):
        raise InputError(f"reflux_factor must be > 1 or None (got {reflux_factor})",
                         field="reflux_factor")
    max_stages = _check_int("max_stages", max_stages, 1)
    d_e = np.array(_as_d_vector("d_extract", d_extract, comps))
    d_s = np.array(_as_d_vector("d_scrub", d_extract if d_scrub is None else d_scrub, comps))
    d_st = np.array(_as_d_vector("d_strip", d_strip, comps))
    oa_strip = _check_positive("oa_strip", oa_strip)
    return _split_problem_feed(comps, light, heavy, feed, d_e, d_s, d_st, oa_strip,
                               target_purity, target_recovery, max_stages)


def _split_problem_feed(comps: tuple[str, ...], light: list[str], heavy: list[str],
                        feed: Mapping[str, float], d_e: np.ndarray, d_s: np.ndarray,
                        d_st: np.ndarray, oa_strip: float, target_purity: float,
                        target_recovery: float, max_stages: int) -> _SplitProblem:
    """The distribution ratios' signs and the feed checked; the key pair found."""
    for name, d in (("d_extract", d_e), ("d_scrub", d_s)):
        for c, v in zip(comps, d, strict=True):
            if v <= 0:
                raise InputError(f"{name}[{c!r}] must be > 0 for the design search (got {v})",
                                 field=f"{name}[{c!r}]")
    missing = [c for c in comps if c not in feed]
    if missing:
        raise InputError(f"feed is missing components {missing}", field="feed")
    f = _feed_vector(CascadeDesign(comps, 1, 0, 0, d_e), {c: feed[c] for c in comps})
    heavy_mask = np.array([c in heavy for c in comps])
    if f[heavy_mask].sum() <= 0:
        raise InputError("feed has no heavy component", field="feed")
    hi = [comps.index(c) for c in heavy]
    li = [comps.index(c) for c in light]
    return _SplitProblem(comps, heavy, f, heavy_mask, d_e, d_s, d_st, oa_strip,
                         float(target_purity),
                         float(target_recovery), max_stages,
                         min(hi, key=lambda i: d_e[i]), max(li, key=lambda i: d_e[i]))


def _with_keys(pb: _SplitProblem, key: str | None) -> _SplitProblem:
    """The problem with its recovery key (default: the least extractable heavy component)."""
    key = pb.key_heavy if key is None else key
    if key not in pb.heavy:
        raise InputError(f"key must be one of heavy {pb.heavy} (got {key!r})", field="key")
    return replace(pb, key=key, key_idx=pb.comps.index(key))


def _strip_section(pb: _SplitProblem, oa_strip: float, strip_tolerance: float
                   ) -> tuple[int, np.ndarray]:
    """Fewest strip stages (Kremser on the hardest-to-strip component) and the log of the
    fraction each component leaves unstripped."""
    e_strip = pb.d_st * oa_strip
    n_strip = max([1] + [math.ceil(kremser_stages(1.0 / e, strip_tolerance) - 1e-9)
                         for e in e_strip if e > 0])
    probe = CascadeDesign(pb.comps, 1, 0, n_strip, pb.d_e, d_strip=pb.d_st, oa_strip=oa_strip)
    with np.errstate(divide="ignore"):
        log_rho = np.log(_strip_unstripped(probe))
    return n_strip, log_rho


def _unreachable(pb: _SplitProblem, best_purity: float, why: str = ""
                 ) -> SeparationInfeasibleError:
    """The error for targets no design within ``max_stages`` meets."""
    return SeparationInfeasibleError(
        f"target extract purity {pb.target_purity:.6g} with {pb.key} recovery "
        f"{pb.target_recovery:.6g} is not reachable for separation factor "
        f"beta {pb.key_heavy}/{pb.key_light} = {pb.beta_key:.6g}{why} within max_stages = "
        f"{pb.max_stages} extraction + scrub stages; best achievable purity at that recovery "
        f"is {best_purity:.6g}"
    )


class _BestByTotal:
    """:func:`_best_for_total` of an evaluator, computed once per total."""

    def __init__(self, ev: _Evaluator) -> None:
        self.ev = ev
        self.cache: dict[int, tuple] = {}

    def __call__(self, total: int) -> tuple:
        if total not in self.cache:
            self.cache[total] = _best_for_total(self.ev, total)
        return self.cache[total]


def _best_purity_at(pb: _SplitProblem, ev: _Evaluator, total: int) -> float:
    """Best extract purity at the target recovery with ``total`` stages (for the message)."""
    n_ext = np.arange(1, total + 1)
    t, w = ev.grid()
    m_p, m_r = ev.margins(n_ext[:, None], (total - n_ext)[:, None], t[None], w[None])
    lp = np.where(m_r >= 0, m_p, -np.inf).max() + ev.lp_target
    return pb.feed_purity if not np.isfinite(lp) else float(1.0 / (1.0 + math.exp(-lp)))


def _fewest_feasible_total(pb: _SplitProblem, ev: _Evaluator, best: _BestByTotal) -> int:
    """Smallest extraction + scrub total meeting both targets on the closed form: bisection
    over ``1..max_stages``, the two totals below re-checked."""
    if best(pb.max_stages)[0] < 0:
        raise _unreachable(pb, _best_purity_at(pb, ev, pb.max_stages))
    lo, hi_n = 0, pb.max_stages  # best(hi_n) feasible; lo infeasible or 0
    while hi_n - lo > 1:
        mid = (lo + hi_n) // 2
        if best(mid)[0] >= 0:
            hi_n = mid
        else:
            lo = mid
    total = hi_n
    for smaller in (total - 1, total - 2):
        if smaller >= 1 and best(smaller)[0] >= 0:
            total = smaller
    return total


def _checked_design(pb: _SplitProblem, ev: _Evaluator, best: _BestByTotal, total: int,
                    n_strip: int, oa_strip: float) -> tuple:
    """The best design at ``total`` checked with the stage-by-stage solution (one more stage
    while they disagree at round-off): ``(total, n_ext, design, split, purity, recovery)``."""
    while True:
        _, n_ext, t, w = best(total)
        log_oa_e, log_oa_s = ev.oa(t, w)
        n_scr = total - n_ext
        design, split, purity, recovery = _design_at(
            pb, n_ext, n_scr, n_strip, float(np.exp(log_oa_e)),
            float(np.exp(log_oa_s)) if n_scr else None, oa_strip)
        tol = 1e-9
        if purity >= pb.target_purity - tol and recovery >= pb.target_recovery - tol:
            return total, n_ext, design, split, purity, recovery
        total += 1  # closed form and stage solution disagree at round-off: one more stage
        if total > pb.max_stages:
            raise _unreachable(pb, purity)


def _design_at(pb: _SplitProblem, n_ext: int, n_scr: int, n_strip: int, oa_e: float,
               oa_s: float | None, oa_strip: float) -> tuple:
    """The cascade with these stage numbers and O/A ratios, its stage-by-stage split, extract
    purity and key recovery: ``(design, split, purity, recovery)``."""
    design = CascadeDesign(pb.comps, n_ext, n_scr, n_strip, pb.d_e, pb.d_s, pb.d_st,
                           oa_extract=oa_e, oa_scrub=oa_s, oa_strip=oa_strip)
    split = split_matrix(design)
    ext = split["extract"].to_numpy() * pb.f
    purity = float(ext[pb.heavy_mask].sum() / ext.sum())
    recovery = float(split["extract"].iloc[pb.key_idx])
    return design, split, purity, recovery


def _stage_design(pb: _SplitProblem, design: CascadeDesign, split: pd.DataFrame, total: int,
                  n_ext: int, n_strip: int, purity: float, recovery: float) -> StageDesign:
    """The result with its reflux, extraction factors and Fenske minimum stages."""
    n_scr = total - n_ext
    if n_scr == 0:
        reflux_out = 0.0
    else:
        a_f = design.feed_aqueous_flow()
        reflux_out = (1.0 / design.oa_scrub) / a_f if a_f > 0 else math.inf
    f_a, f_b = pb.f[pb.heavy_key_idx], pb.f[pb.light_key_idx]
    a_ext = pb.target_recovery * f_a
    b_ext = min(a_ext * (1.0 - pb.target_purity) / pb.target_purity, f_b * (1 - 1e-12))
    sep = (a_ext / b_ext) / ((f_a - a_ext) / (f_b - b_ext)) if b_ext > 0 else math.inf
    fenske = math.log(sep) / math.log(pb.beta_key) if sep > 1 else 0.0
    e_key = float(pb.d_e[pb.heavy_key_idx] * design.oa_extract)
    e_light_scrub = float(pb.d_s[pb.light_key_idx] * (design.oa_scrub or design.oa_extract))
    return StageDesign(design=design, n_extract=n_ext, n_scrub=n_scr, n_strip=n_strip,
                       separation_stages=total, total_stages=total + n_strip, purity=purity,
                       recovery=recovery, key_heavy=pb.key_heavy, key_light=pb.key_light,
                       beta_key=pb.beta_key, reflux_ratio=reflux_out, min_reflux_ratio=pb.r_min,
                       e_key_extract=e_key, e_light_scrub=e_light_scrub,
                       fenske_min_stages=fenske, split=split)
