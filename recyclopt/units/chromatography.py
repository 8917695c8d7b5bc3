"""Ion-exchange / ligand-assisted displacement chromatography as a parameterised linear split.

Model
-----
Ligand-assisted displacement (LAD) chromatography -- the route of the Purdue group (N.-H. L.
Wang and co-workers) commercialised by ReElement -- loads the rare earths onto a
cation-exchange resin and displaces them with a complexing eluent (EDTA, say) behind a
barrier ion. The components arrange themselves into an *isotachic train* of adjacent bands
moving at one speed, in the order of their affinity for the ligand: the component forming the
strongest complex leaves first. Every band carries the same molar concentration, so a band's
length is proportional to the amount of its component; the boundaries between adjacent bands
sharpen until they reach a *constant pattern* whose width does not grow any further.

This module represents that behaviour with a small, physically motivated model:

1. **Band lengths.** The column has ``n_plates`` theoretical plates; the feed occupies the
   fraction ``loading_fraction`` of the bed capacity, i.e. a train ``L = loading_fraction *
   n_plates`` plates long; band ``k`` is ``n_k = L z_k`` plates long (``z_k`` the mole fraction
   of component ``k`` in the feed).
2. **Boundaries.** Across the boundary between band ``k`` (front) and ``k+1`` (rear) the mole
   fraction of the rear component follows a logistic profile whose log-odds rise by
   ``ln alpha_k`` per plate -- each ideal plate multiplies the ratio of the two components by
   their selectivity ``alpha_k``, as in a constant-separation-factor cascade. The profile is
   the constant pattern: its width (~ 1/ln alpha plates) does not depend on the band lengths.
3. **Cuts.** Products are cut at the boundaries between product groups, at an offset ``c``
   (plates) from the boundary midpoint (positive towards the rear band). Integrating the
   logistic profile, the rear component collected in the front product is
   ``u = ln(1 + exp(s c)) / s`` and the front component collected in the rear product is
   ``v = ln(1 + exp(-s c)) / s`` (plate units, ``s = ln alpha``); at a midpoint cut
   ``u = v = ln 2 / ln alpha``.
4. **Split.** Component ``k`` sends ``u_(k-1)/n_k`` to the product in front of it,
   ``v_k/n_k`` to the product behind it and the rest to its own product. Only adjacent bands
   mix. When the two crossings exceed the band (``u + v > n_k``: boundaries overlap, the
   column is far too short) both are scaled down to the band, so the balance still closes.

The result is a *linear split at fixed design and feed composition*: the fractions depend on
the composition (through the band lengths) but not on the feed rate, which only sizes the
resin inventory and the eluent flow. Purity rises with plates (longer bands, fixed crossings)
and with selectivity (narrower boundaries).

Assumptions (not sourced; replace with plant or rate-model data where available)
--------------------------------------------------------------------------------
* the constant pattern is reached within the column (the development length needed for it,
  the subject of the Purdue constant-pattern design method, is not modelled);
* selectivity = ratio of ligand-complex stability constants (resin-affinity differences
  neglected); see the ``EDTA (LAD)`` rows of ``data/separation_factors.csv``;
* the default resin capacity, loading fraction, cycle time and eluent use are assumptions
  (see :class:`DisplacementDesign`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from .cascade import SeparationInfeasibleError, element_molar_mass

__all__ = [
    "ChromatographyResult",
    "DisplacementDesign",
    "required_plates",
    "selectivity_from_log_k",
    "simulate",
    "split_fractions",
]


def _positive(name: str, value, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number (got {value!r})", field=name) from None
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        rng = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be {rng} and finite (got {value!r})", field=name)
    return v


def selectivity_from_log_k(log_k: Mapping[str, float]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Band order and adjacent selectivities from ligand-complex stability constants.

    The strongest complex elutes first; ``alpha_k = 10**(log K_k - log K_(k+1))``.

    Parameters
    ----------
    log_k : Mapping[str, float]
        ``log10`` stability constant of each component's complex with the eluent ligand.

    Returns
    -------
    tuple
        ``(components in band order, adjacent selectivities)``.
    """
    order = sorted(log_k, key=lambda c: -float(log_k[c]))
    alphas = tuple(10 ** (float(log_k[a]) - float(log_k[b]))
                   for a, b in zip(order[:-1], order[1:], strict=True))
    return tuple(order), alphas


@dataclass(frozen=True, eq=False)
class DisplacementDesign:
    """A ligand-assisted displacement chromatography column at fixed design.

    Parameters
    ----------
    components : sequence of str
        Components in band order (first eluted first).
    selectivity : sequence of float
        ``alpha_k`` between bands ``k`` and ``k+1`` (``len(components) - 1`` values, ``> 0``);
        must be ``> 1`` wherever two products are cut apart (a required split).
    n_plates : float
        Theoretical plates of the column (``> 0``).
    products : sequence of sequence of str, optional
        Product groups of contiguous components, in band order; default one product per
        component. Products are named by joining their components with ``+``.
    loading_fraction : float
        Fraction of the bed capacity loaded with feed per cycle, in ``(0, 1]``. Default 0.3:
        assumption (the Purdue design method treats it as a key dimensionless group).
    cut_offsets : sequence of float, optional
        Cut position at each product boundary, in plates from the boundary midpoint (positive
        towards the rear band); default 0 (midpoint).
    resin_capacity_eq_per_kg : float
        Exchange capacity, equivalents per kg of resin. Default 2.0: assumption, order of a
        wet strong-acid sulfonated polystyrene resin (about 4.8-5 eq/kg dry); check the resin.
    cycle_time_h : float
        Time per loading-development-elution cycle. Default 12 h: assumption.
    eluent_l_per_kg_re : float
        Eluent per kg of rare earth separated. Default 250 L/kg: assumption, about one mol EDTA
        per mol RE at ~0.03 mol/L (1 / (0.144 kg/mol x 0.03 mol/L) = 231 L/kg) plus rinses.
    valence : int
        Charge of the exchanged cations (3 for RE3+).
    """

    components: tuple[str, ...]
    selectivity: tuple[float, ...]
    n_plates: float
    products: tuple[tuple[str, ...], ...] | None = None
    loading_fraction: float = 0.3
    cut_offsets: tuple[float, ...] | None = None
    resin_capacity_eq_per_kg: float = 2.0
    cycle_time_h: float = 12.0
    eluent_l_per_kg_re: float = 250.0
    valence: int = 3

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        comps = tuple(str(c) for c in self.components)
        if len(comps) < 2:
            raise InputError("components must name at least two components", field="components")
        if len(set(comps)) != len(comps):
            raise InputError(f"components must be unique (got {list(comps)})", field="components")
        set_(self, "components", comps)
        sel = tuple(float(a) for a in self.selectivity)
        if len(sel) != len(comps) - 1:
            raise InputError(f"selectivity needs len(components) - 1 = {len(comps) - 1} values "
                             f"(got {len(sel)})", field="selectivity")
        for k, a in enumerate(sel):
            _positive(f"selectivity[{comps[k]}/{comps[k + 1]}]", a)
        set_(self, "selectivity", sel)
        products = (tuple((c,) for c in comps) if self.products is None
                    else tuple(tuple(str(c) for c in p) for p in self.products))
        flat = [c for p in products for c in p]
        if flat != list(comps) or any(len(p) == 0 for p in products):
            raise InputError("products must be non-empty groups of contiguous components that "
                             f"list every component once, in band order {list(comps)} (got "
                             f"{[list(p) for p in products]})", field="products")
        set_(self, "products", products)
        for b in self.boundaries():
            a = sel[b]
            if not a > 1:
                raise InputError(
                    f"selectivity[{comps[b]}/{comps[b + 1]}] must be > 1 for the required split "
                    f"between products {self.product_names()[self.product_index()[b]]!r} and "
                    f"{self.product_names()[self.product_index()[b + 1]]!r} (got {a:.6g})",
                    field=f"selectivity[{comps[b]}/{comps[b + 1]}]")
        set_(self, "n_plates", _positive("n_plates", self.n_plates))
        lf = _positive("loading_fraction", self.loading_fraction)
        if lf > 1:
            raise InputError(f"loading_fraction must be in (0, 1] (got {lf})",
                             field="loading_fraction")
        set_(self, "loading_fraction", lf)
        nb = len(self.boundaries())
        offs = (0.0,) * nb if self.cut_offsets is None else tuple(float(c) for c in
                                                                  self.cut_offsets)
        if len(offs) != nb or not all(math.isfinite(c) for c in offs):
            raise InputError(f"cut_offsets needs {nb} finite values, one per product boundary "
                             f"(got {self.cut_offsets!r})", field="cut_offsets")
        set_(self, "cut_offsets", offs)
        for name in ("resin_capacity_eq_per_kg", "cycle_time_h", "eluent_l_per_kg_re"):
            set_(self, name, _positive(name, getattr(self, name), allow_zero=name.startswith("el")))
        if isinstance(self.valence, bool) or not isinstance(self.valence, int) or self.valence < 1:
            raise InputError(f"valence must be an integer >= 1 (got {self.valence!r})",
                             field="valence")

    def product_index(self) -> list[int]:
        """Product index of each component."""
        return [i for i, p in enumerate(self.products) for _ in p]

    def product_names(self) -> list[str]:
        """Product names (components joined with ``+``)."""
        return ["+".join(p) for p in self.products]

    def boundaries(self) -> list[int]:
        """Indices ``b`` of the band boundaries ``b | b+1`` where products are cut apart."""
        idx = self.product_index()
        return [b for b in range(len(self.components) - 1) if idx[b] != idx[b + 1]]


def _composition(design: DisplacementDesign, feed_mol: np.ndarray) -> np.ndarray:
    total = feed_mol.sum()
    if total <= 0:
        raise InputError("feed must contain at least one component", field="feed")
    return feed_mol / total


def split_fractions(design: DisplacementDesign, composition: Mapping[str, float] | Sequence[float]
                    ) -> pd.DataFrame:
    """Fraction of each component reaching each product, for a feed composition.

    Parameters
    ----------
    design : DisplacementDesign
    composition : Mapping[str, float] or sequence
        Molar amounts or fractions of the components (normalised here).

    Returns
    -------
    pandas.DataFrame
        Index components, columns product names; rows sum to 1. A component absent from the
        feed is assigned to its own product.
    """
    z = _composition(design, _vector(design, composition, "composition"))
    comps = design.components
    n = len(comps)
    prod = design.product_index()
    names = design.product_names()
    split = np.zeros((n, len(names)))
    for k in range(n):
        split[k, prod[k]] = 1.0
    present = [k for k in range(n) if z[k] > 0]
    offsets = dict(zip(design.boundaries(), design.cut_offsets, strict=True))
    band = design.loading_fraction * design.n_plates * z
    # crossings at each boundary between consecutive present components
    cross: list[tuple[int, int, float, float]] = []  # (front k, rear j, u, v)
    for k, j in zip(present[:-1], present[1:], strict=True):
        if prod[k] == prod[j]:
            continue
        cut_b = next(b for b in range(k, j) if prod[b] != prod[b + 1])
        s = math.log(math.prod(design.selectivity[k:j]))
        c = offsets[cut_b]
        u = float(np.logaddexp(0.0, s * c)) / s  # rear component into the front product
        v = float(np.logaddexp(0.0, -s * c)) / s  # front component into the rear product
        cross.append((k, j, u, v))
    lost = np.zeros(n)
    for k, j, u, v in cross:
        lost[j] += u
        lost[k] += v
    # crossings larger than the band (overlapping boundaries) are scaled down to the band
    room = np.maximum(band, lost)
    moved = np.zeros(n)
    for k, j, u, v in cross:
        split[j, prod[k]] += u / room[j]
        split[k, prod[j]] += v / room[k]
        moved[j] += u / room[j]
        moved[k] += v / room[k]
    for k in present:
        split[k, prod[k]] = max(1.0 - moved[k], 0.0)
    return pd.DataFrame(split, index=pd.Index(comps, name="component"), columns=names)


def _vector(design: DisplacementDesign, values, name: str) -> np.ndarray:
    comps = design.components
    if isinstance(values, Mapping):
        unknown = set(values) - set(comps)
        if unknown:
            raise InputError(f"{name} names components not in the design: {sorted(unknown)}",
                             field=name)
        v = np.array([float(values.get(c, 0.0)) for c in comps])
    else:
        v = np.asarray(values, dtype=float)
        if v.shape != (len(comps),):
            raise InputError(f"{name} must have one value per component ({len(comps)})",
                             field=name)
    for c, x in zip(comps, v, strict=True):
        if not (math.isfinite(x) and x >= 0):
            raise InputError(f"{name}[{c!r}] must be finite and >= 0 (got {x})",
                             field=f"{name}[{c!r}]")
    return v


@dataclass(frozen=True, eq=False)
class ChromatographyResult:
    """Result of :func:`simulate`.

    Attributes
    ----------
    design : DisplacementDesign
    feed : numpy.ndarray
        Feed, kg/h per component.
    products : pandas.DataFrame
        kg/h of each component (rows) in each product (columns).
    split : pandas.DataFrame
        Fraction of each component to each product.
    purity : pandas.Series
        Mass fraction of each product made of its own components.
    recovery : pandas.Series
        Fraction of each component reaching its own product.
    re_per_kg_resin_per_cycle : float
        kg RE loaded per kg resin per cycle.
    resin_inventory_kg : float
        Resin needed for the throughput.
    eluent_m3_per_h : float
        Eluent flow.
    balance_error : float
        Largest ``|sum over products - feed| / max(feed)``.
    """

    design: DisplacementDesign
    feed: np.ndarray
    products: pd.DataFrame
    split: pd.DataFrame
    purity: pd.Series
    recovery: pd.Series
    re_per_kg_resin_per_cycle: float
    resin_inventory_kg: float
    eluent_m3_per_h: float
    balance_error: float


def simulate(design: DisplacementDesign, feed_kg_per_h: Mapping[str, float] | Sequence[float],
             *, molar_masses: Mapping[str, float] | None = None) -> ChromatographyResult:
    """Products, purities, resin inventory and eluent use for a feed.

    Parameters
    ----------
    design : DisplacementDesign
    feed_kg_per_h : Mapping[str, float] or sequence
        Feed of each component, kg/h (element basis).
    molar_masses : Mapping[str, float], optional
        kg/mol for components that are not element symbols.

    Returns
    -------
    ChromatographyResult
    """
    feed = _vector(design, feed_kg_per_h, "feed_kg_per_h")
    mm = []
    for c in design.components:
        m = element_molar_mass(c, molar_masses)
        if m is None:
            raise InputError(f"no molar mass for component {c!r}; pass molar_masses",
                             field="molar_masses")
        mm.append(m)
    mm_arr = np.array(mm)
    mol = feed / mm_arr
    split = split_fractions(design, mol)
    products = split.mul(feed, axis=0)
    balance_error = float(np.max(np.abs(products.sum(axis=1).to_numpy() - feed))
                          / max(float(feed.max()), 1e-300))
    idx = design.product_index()
    totals = products.sum(axis=0)
    own = [products.iloc[[k for k in range(len(idx)) if idx[k] == p], p].sum()
           for p in range(len(design.products))]
    with np.errstate(invalid="ignore", divide="ignore"):
        purity = pd.Series(np.array(own) / totals.to_numpy(), index=split.columns,
                           name="purity")
        recovery = pd.Series([split.iloc[k, idx[k]] for k in range(len(idx))],
                             index=split.index, name="recovery")
    mean_m = feed.sum() / mol.sum() if mol.sum() > 0 else float("nan")
    q = design.loading_fraction * design.resin_capacity_eq_per_kg / design.valence * mean_m
    resin = feed.sum() * design.cycle_time_h / q
    eluent = design.eluent_l_per_kg_re * feed.sum() / 1000.0
    return ChromatographyResult(design=design, feed=feed, products=products, split=split,
                                purity=purity, recovery=recovery,
                                re_per_kg_resin_per_cycle=float(q),
                                resin_inventory_kg=float(resin), eluent_m3_per_h=float(eluent),
                                balance_error=balance_error)


def _min_purity(design: DisplacementDesign, composition: np.ndarray) -> float:
    split = split_fractions(design, composition).to_numpy()
    amounts = split * composition[:, None]
    idx = design.product_index()
    pur = []
    for p in range(len(design.products)):
        tot = amounts[:, p].sum()
        if tot > 0:
            pur.append(sum(amounts[k, p] for k in range(len(idx)) if idx[k] == p) / tot)
    return min(pur)


def required_plates(design: DisplacementDesign, composition: Mapping[str, float] | Sequence[float],
                    target_purity: float, *, max_plates: float = 1e7) -> float:
    """Fewest theoretical plates for every product to reach ``target_purity``.

    Purity is computed on a molar basis (the band-length basis of the model); the design's
    ``n_plates`` is ignored. Purity rises monotonically with plates, so a bisection on
    ``ln(plates)`` finds the answer.

    Parameters
    ----------
    design : DisplacementDesign
        Supplies the order, selectivities, products, loading fraction and cuts.
    composition : Mapping[str, float] or sequence
        Feed composition (molar).
    target_purity : float
        In ``(0, 1)``.
    max_plates : float
        Upper limit of the search.

    Returns
    -------
    float

    Raises
    ------
    SeparationInfeasibleError
        When even ``max_plates`` plates do not reach the target.
    """
    if not 0 < target_purity < 1:
        raise InputError(f"target_purity must be in (0, 1) (got {target_purity})",
                         field="target_purity")
    z = _composition(design, _vector(design, composition, "composition"))

    def purity(n: float) -> float:
        d = DisplacementDesign(design.components, design.selectivity, n, design.products,
                               design.loading_fraction, design.cut_offsets,
                               design.resin_capacity_eq_per_kg, design.cycle_time_h,
                               design.eluent_l_per_kg_re, design.valence)
        return _min_purity(d, z)

    best = purity(max_plates)
    if best < target_purity:
        worst = min(design.selectivity[b] for b in design.boundaries())
        raise SeparationInfeasibleError(
            f"target purity {target_purity:.6g} needs more than max_plates = {max_plates:.6g} "
            f"plates (smallest required selectivity {worst:.6g}); best achievable purity is "
            f"{best:.6g}")
    lo, hi = math.log(1e-6), math.log(max_plates)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if purity(math.exp(mid)) >= target_purity:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-10:
            break
    return math.exp(hi)
