"""Error type and small validation helpers shared by the economics modules.

Every message names the field, the offending value and the allowed range, e.g.
``"QGESSCosting.atwacc: must be in [0, 1); got 1.2"``.
"""

from __future__ import annotations

import math

import numpy as np

from recyclopt.errors import InputError

__all__ = ["EconomicsInputError"]


class EconomicsInputError(InputError):
    """Bad economic input: a rate, factor, curve point or horizon outside its allowed range.

    Subclasses :class:`recyclopt.errors.InputError`, hence also :class:`ValueError`.
    """


def _fmt(x: float) -> str:
    """Format a bound for a message (``1`` rather than ``1.0`` where exact)."""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


def check_real(field: str, value: object) -> float:
    """Return ``value`` as a finite float or raise naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise EconomicsInputError(
            f"{field}: must be a real number; got {value!r} of type {type(value).__name__}",
            field=field,
        )
    out = float(value)
    if not math.isfinite(out):
        raise EconomicsInputError(f"{field}: must be finite; got {out}", field=field)
    return out


def check_range(
    field: str,
    value: object,
    lo: float,
    hi: float,
    *,
    lo_closed: bool = True,
    hi_closed: bool = False,
) -> float:
    """Return ``value`` as float after checking it lies in the interval ``lo..hi``.

    Parameters
    ----------
    field : str
        Name used in the error message.
    value : object
        Value to check.
    lo, hi : float
        Interval bounds (may be infinite).
    lo_closed, hi_closed : bool
        Whether each bound is included.

    Raises
    ------
    EconomicsInputError
        If ``value`` is not a finite real or lies outside the interval.
    """
    x = check_real(field, value)
    ok_lo = x >= lo if lo_closed else x > lo
    ok_hi = x <= hi if hi_closed else x < hi
    if not (ok_lo and ok_hi):
        left = "[" if lo_closed else "("
        right = "]" if hi_closed else ")"
        raise EconomicsInputError(
            f"{field}: must be in {left}{_fmt(lo)}, {_fmt(hi)}{right}; got {x:g}", field=field
        )
    return x


def check_int(field: str, value: object, minimum: int | None = None) -> int:
    """Return ``value`` as int after checking it is an integer (``>= minimum`` if given)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        need = "an integer" if minimum is None else f"an integer >= {minimum}"
        raise EconomicsInputError(f"{field}: must be {need}; got {value!r}", field=field)
    if minimum is not None and value < minimum:
        raise EconomicsInputError(f"{field}: must be >= {minimum}; got {value}", field=field)
    return int(value)


def as_year_array(field: str, value: object, n: int) -> np.ndarray:
    """Broadcast a scalar or a length-``n`` 1-D array to a finite float array of length ``n``."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise EconomicsInputError(
            f"{field}: must be a scalar or a 1-D array of length {n} (one value per operating "
            f"year); got {value!r}",
            field=field,
        ) from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    elif arr.ndim != 1 or arr.size != n:
        raise EconomicsInputError(
            f"{field}: must be a scalar or a 1-D array of length {n} (one value per operating "
            f"year); got shape {arr.shape}",
            field=field,
        )
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise EconomicsInputError(
            f"{field}: values must be finite; got {arr[i]} at index {i}", field=field
        )
    return arr
