"""The capex segments' extended formulation: each feedstock's flow split by capex segment.

The model charges an option's capex through a multiple-choice piecewise curve
(:func:`~recyclopt.optimize.families.define_piecewise_capex`). Its LP relaxation is the
tightest for one option on its own, but on a network of candidate sites it lets a fraction of
a plant take each feedstock at the unit cost of the curve's largest size, while a real plant
that gets only its catchment pays the unit cost of its own, smaller size. Splitting each
feedstock's flow through an option by the segment it is processed in (the strong form of
facility location with concave costs, a segment acting as a facility with fixed cost
``intercept_s`` and unit cost ``slope_s``) closes most of that gap; measured on the generated
networks in ``benchmarks/RESULTS.md`` ("Capex segments split by feedstock").

For an option o with a curve of two or more segments s, a feedstock f reaching o and a block
B of years (the blocks partition the operating years; one block per year is the strongest,
fewer blocks give a smaller LP)::

    sum_{y in B} sum_{k of f through o} load[k, o] x[k, y]  =  sum_s g[f, o, B, s]   (split)
    g[f, o, B, s]  <=  a[f, o, B, s] z[s],                                        (allowance)
        a[f, o, B, s] = sum_{y in B} min(load_fo avail[f, y], hi_s)
    sum_f g[f, o, B, s]  <=  |B| w[s]                                             (segment load)
    0 <= g[f, o, B, s] <= a[f, o, B, s]

with ``z``, ``w`` the segment switches and capacities of the model. Every integer plan
satisfies them with ``g`` the flow in the chosen segment (zero in the others): a built
plant's yearly flow of f is at most ``load_fo avail[f, y]`` and at most its capacity, which
lies in its segment, below ``hi_s``. Adding them therefore keeps the model's plans and
optimum and only tightens the LP. An allowance row is left out where ``a >= |B| hi_s``: the
segment-load row and ``w[s] <= hi_s z[s]`` imply it there.

The rows add one column per (feedstock, option, block, segment), so the LP grows with the
blocks; :func:`~recyclopt.optimize.solve.solve` uses them only in its start heuristic's LP
(for the bound and the build values that guide the restricted MILPs), with as many blocks as
its measured LP time affords.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["SegmentFlows", "segment_flow_rows", "year_blocks"]


@dataclass
class SegmentFlows:
    """The extended formulation's rows and new columns over a model's builder columns.

    Attributes
    ----------
    A : sparse rows over the builder's columns followed by the ``n_new`` new ``g`` columns.
    lo, hi : the rows' limits.
    col_hi : upper bound of each new column (its allowance ``a``).
    scale_like : for each new column, the builder column (its segment's ``w``) whose units it
        shares, so a scaled model scales it alike.
    n_blocks : number of year blocks written.
    """

    A: sp.csr_array
    lo: np.ndarray
    hi: np.ndarray
    col_hi: np.ndarray
    scale_like: np.ndarray
    n_blocks: int

    @property
    def n_new(self) -> int:
        """Number of new columns."""
        return len(self.col_hi)


def year_blocks(n_years: int, n_blocks: int) -> list[np.ndarray]:
    """Split the year positions ``0..n_years-1`` into ``n_blocks`` contiguous blocks of
    near-equal length (at least one, at most ``n_years``)."""
    n_blocks = int(min(max(n_blocks, 1), max(n_years, 1)))
    return [b for b in np.array_split(np.arange(n_years), n_blocks) if len(b)]


def segment_flow_rows(om, n_blocks: int) -> SegmentFlows | None:
    """The segment-split rows (see the module docstring) of a single-build model ``om``
    (:class:`~recyclopt.optimize.model.OptModel`) with its years in ``n_blocks`` blocks.

    Returns None when the model has no option with a curve of two or more usable segments,
    or is a phased plan (its capacity is bought in blocks by build year).
    """
    d = om.meta.get("data")
    blocks = om.builder.blocks
    if d is None or d.phased or "seg_z" not in blocks:
        return None
    sg, fo, Y = d.seg, d.fo, d.idx.Y
    usable = np.flatnonzero(d.z_ub > 0)
    multi = np.bincount(sg["o"][usable], minlength=d.n_opt) >= 2
    seg_use = usable[multi[sg["o"][usable]]]
    # the (feedstock, option) pairs through a split option, and their (pair, segment) cells
    pair = np.flatnonzero(multi[fo.o] & (d.x_avail[fo.f].sum(axis=1) > 0))
    if not len(pair) or not len(seg_use):
        return None
    seg_of = seg_use[np.argsort(sg["o"][seg_use], kind="stable")]
    opt_sorted = sg["o"][seg_of]
    first = np.searchsorted(opt_sorted, fo.o[pair], side="left")
    count = np.searchsorted(opt_sorted, fo.o[pair], side="right") - first
    cell_pair = np.repeat(np.arange(len(pair)), count)  # position in `pair`
    cell_seg = seg_of[np.repeat(first, count) + _ramp(count)]
    parts = [_block_rows(om.builder, d, b, pair, cell_pair, cell_seg)
             for b in year_blocks(Y, n_blocks)]
    return _stack(parts, om.builder.n)


def _ramp(count: np.ndarray) -> np.ndarray:
    """``0..count[i]-1`` for each i, concatenated."""
    start = np.repeat(np.cumsum(count) - count, count)
    return np.arange(int(count.sum())) - start


def _block_rows(mb, d, years: np.ndarray, pair: np.ndarray, cell_pair: np.ndarray,
                cell_seg: np.ndarray) -> dict:
    """The split, allowance and segment-load rows of one block of years (local row and new
    column numbering; :func:`_stack` places them)."""
    sg, fo, Y = d.seg, d.fo, d.idx.Y
    nB = len(years)
    n_pair, n_cell = len(pair), len(cell_pair)
    # split rows: one per pair; x entries of each option-load entry of the pair, each year
    pos = np.full(len(fo.o), -1)
    pos[pair] = np.arange(n_pair)
    ent = np.flatnonzero(pos[fo.of] >= 0)
    r_x = np.repeat(pos[fo.of[ent]], nB)
    c_x = mb.col("x", (np.repeat(fo.lp[ent] * Y, nB) + np.tile(years, len(ent))))
    v_x = np.repeat(fo.lv[ent], nB)
    # allowance a = sum_{y in B} min(load_fo avail[f, y], hi_s), per (pair, segment) cell
    U = fo.load[pair][:, None] * d.x_avail[fo.f[pair]][:, years]  # n_pair x nB
    a = np.minimum(U[cell_pair], sg["hi"][cell_seg][:, None]).sum(axis=1)
    tight = a < nB * sg["hi"][cell_seg] * (1.0 - 1e-9)
    cell = np.arange(n_cell)
    # segment-load rows: one per segment used in the block
    segs, seg_row = np.unique(cell_seg, return_inverse=True)
    return {
        "split": (np.concatenate((r_x, cell_pair)), np.concatenate((c_x, -1 - cell)),
                  np.concatenate((v_x, -np.ones(n_cell))), n_pair),
        "allow": (np.concatenate((np.arange(int(tight.sum())),) * 2),
                  np.concatenate((-1 - cell[tight], mb.col("seg_z", cell_seg[tight]))),
                  np.concatenate((np.ones(int(tight.sum())), -a[tight])), int(tight.sum())),
        "load": (np.concatenate((seg_row, np.arange(len(segs)))),
                 np.concatenate((-1 - cell, mb.col("seg_w", segs))),
                 np.concatenate((np.ones(n_cell), np.full(len(segs), -float(nB)))), len(segs)),
        "a": a, "w_col": mb.col("seg_w", cell_seg),
    }


def _stack(parts: list[dict], n_builder: int) -> SegmentFlows:
    """Number the blocks' rows and new columns globally (a new column written as ``-1 - j``
    in a block is its cell j there) and stack them into one :class:`SegmentFlows`."""
    rows, cols, vals, lo, hi, col_hi, like = [], [], [], [], [], [], []
    r0 = c0 = 0
    for p in parts:
        for kind in ("split", "allow", "load"):
            r, c, v, n = p[kind]
            rows.append(r + r0)
            cols.append(np.where(c < 0, n_builder + c0 - 1 - c, c))
            vals.append(v)
            lo.append(np.zeros(n) if kind == "split" else np.full(n, -np.inf))
            hi.append(np.zeros(n))
            r0 += n
        col_hi.append(p["a"])
        like.append(p["w_col"])
        c0 += len(p["a"])
    A = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                     shape=(r0, n_builder + c0))
    return SegmentFlows(A, np.concatenate(lo), np.concatenate(hi), np.concatenate(col_hi),
                        np.concatenate(like), len(parts))
