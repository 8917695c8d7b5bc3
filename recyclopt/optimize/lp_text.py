"""A built model as deterministic LP-format text, for review and the approved-model test.

The text is written from the builder's arrays (:class:`recyclopt.optimize.model.MatrixBuilder`)
in column and row order: one line per variable bound, one line per constraint row, names made
from the block or group name and the row/column label, numbers written with ``repr`` (the
shortest string that reads back to the same float). Two builds of the same case give the same
text, so a change in the formulation shows as a readable diff
(``tests/optimize/test_approved_model.py``). The text is CPLEX LP format (a row with two
finite sides is written as two rows, ``_lo`` and ``_hi``); a user's own Pyomo components added
after the build are not in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from .model import OptModel

_BAD = re.compile(r"[^A-Za-z0-9_.,()]")


def _name(block: str, label: object) -> str:
    """``block(label)`` with the label's parts comma-separated and LP-unsafe characters
    replaced by ``_``."""
    parts = label if isinstance(label, tuple) else (label,)
    inner = ",".join(str(p) for p in parts)
    return _BAD.sub("_", f"{block}({inner})")


def _num(v: float) -> str:
    return repr(float(v))


def _terms(coefs: np.ndarray, cols: np.ndarray, names: list[str]) -> str:
    out = []
    for v, j in zip(coefs.tolist(), cols.tolist(), strict=True):
        out.append(f"{'+' if v >= 0 else '-'} {_num(abs(v))} {names[j]}")
    return " ".join(out) if out else "0.0 " + names[0]


def _column_names(om: OptModel) -> list[str]:
    names: list[str] = []
    for b in sorted(om.builder.blocks.values(), key=lambda b: b.offset):
        names.extend(_name(b.name, lab) for lab in b.labels)
    return names


def _rows(om: OptModel, names: list[str]) -> Iterator[str]:
    for g in om.builder.groups:
        data, indices, indptr = g.csr
        for i in range(g.shape[0]):
            a, b = int(indptr[i]), int(indptr[i + 1])
            lhs = _terms(np.asarray(data[a:b]), np.asarray(indices[a:b]), names)
            row = _name(g.name, g.labels[i])
            lo, hi = float(g.lo[i]), float(g.hi[i])
            if lo == hi:
                yield f" {row}: {lhs} = {_num(hi)}"
                continue
            if np.isfinite(lo):
                yield f" {row}_lo: {lhs} >= {_num(lo)}"
            if np.isfinite(hi):
                yield f" {row}_hi: {lhs} <= {_num(hi)}"


def _bounds(om: OptModel, names: list[str]) -> Iterator[str]:
    for b in sorted(om.builder.blocks.values(), key=lambda b: b.offset):
        for i in range(b.size):
            n, lo, hi = names[b.offset + i], float(b.lb[i]), float(b.ub[i])
            if np.isfinite(lo) and np.isfinite(hi):
                yield f" {_num(lo)} <= {n} <= {_num(hi)}"
            elif np.isfinite(lo):
                yield f" {n} >= {_num(lo)}"
            elif np.isfinite(hi):
                yield f" -inf <= {n} <= {_num(hi)}"
            else:
                yield f" {n} free"


def lp_text(om: OptModel) -> str:
    """The model ``om`` as CPLEX LP text, deterministic in names, order and numbers.

    Parameters
    ----------
    om : a built model (:func:`recyclopt.optimize.model.build_model`; ``pyomo=False`` is
        enough: only the builder's arrays are read).

    Returns
    -------
    str : the LP text, ending in a newline.
    """
    names = _column_names(om)
    c = np.asarray(om.c, dtype=float)
    nz = np.flatnonzero(c)
    lines = [f"\\ recyclopt model of case {om.case.name!r}: objective {om.objective}",
             "maximize" if om.sense == "max" else "minimize",
             " obj:"]
    # one objective term a line, so a changed coefficient is a one-line diff
    lines.extend(f"   {_terms(c[[j]], np.array([j]), names)}" for j in nz.tolist())
    lines.append("subject to")
    lines.extend(_rows(om, names))
    lines.append("bounds")
    lines.extend(_bounds(om, names))
    blocks = sorted(om.builder.blocks.values(), key=lambda b: b.offset)
    for kind, head in (("I", "general"), ("B", "binary")):
        ints = [names[b.offset + i] for b in blocks if b.kind == kind for i in range(b.size)]
        if ints:
            lines.append(head)
            lines.extend(f" {n}" for n in ints)
    lines.append("end")
    return "\n".join(lines) + "\n"
