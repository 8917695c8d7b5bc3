"""The plant model's objective terms, objectives and epsilon constraints.

Symbols (per column of the model; see :mod:`recyclopt.optimize.families`):

====================  ==================================================================
``rev[k]``            revenue per unit of pair k (USD; product prices x ``price_factor``)
``byp[k]``            by-product revenue per unit of pair k booked as revenue (USD; not
                      scaled by ``price_factor``, which multiplies product prices only)
``var[k]``            variable cost per unit of pair k (feed, opex per basis, utilities)
``fixed``             fixed opex per year: ``opex_usd_per_yr`` on ``build``, yearly cost
                      per equipment unit on ``units``
``labour``            the wage (USD/h x h/yr) on ``staff``
``bec``, ``direct``   capex: segment intercepts on ``seg_z`` and slopes on ``seg_w``
                      (``bec`` for options costed through the Lang factor, ``direct``
                      otherwise); equipment unit cost on ``units`` (``direct``)
``w_*``               the costing convention's NPV weights (:func:`recyclopt.economics
                      .npv_weights`)
====================  ==================================================================
"""

from __future__ import annotations

import numpy as np

from ..economics import NPVWeights, annuity_factor, capex_start_weights
from .case import CaseError
from .matrix import MatrixBuilder
from .model_data import ModelData
from .phased import fixed_options
from .stockpile import stockpile_cost

#: The objectives :func:`objective_vector` writes.
OBJECTIVES = ("npv", "annual_profit", "recovered_value", "recovered_mass", "min_co2",
              "min_cost")


def pair_money(d: ModelData, price_factor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit of each pair: product revenue (prices x ``price_factor``), by-product revenue
    booked as revenue (not scaled: not a product price) and variable cost, USD."""
    pairs = d.sup.pairs
    byp = (d.sup.column("pairs", "byproduct_revenue_usd_per_unit")
           if "byproduct_revenue_usd_per_unit" in pairs else np.zeros(d.K))
    return (d.sup.column("pairs", "revenue_usd_per_unit") * price_factor, byp,
            d.sup.column("pairs", "var_cost_usd_per_unit"))


def _flow_columns(mb: MatrixBuilder, d: ModelData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flow columns, k-major, with the pair and the year position of each."""
    ar = np.arange(d.K)
    return mb.col("x", d.idx.cells(ar)), d.idx.each(ar), d.idx.year_of(d.K)


def objective_pieces(mb: MatrixBuilder, d: ModelData, price_factor: float) -> dict:
    """The undiscounted cost and revenue terms per column: ``revenue``, ``var_cost``
    (per unit and year of flow), ``fixed``, ``labour`` (per year), ``bec``, ``direct``
    (once)."""
    options = d.options
    xcol, kflat, _ = _flow_columns(mb, d)
    pieces = {k: np.zeros(mb.n) for k in ("revenue", "var_cost", "fixed", "labour", "bec",
                                           "direct")}
    pieces["revenue"][xcol] = (d.sup.column("pairs", "revenue_usd_per_unit")
                               * price_factor)[kflat]
    pieces["var_cost"][xcol] = d.sup.column("pairs", "var_cost_usd_per_unit")[kflat]
    pieces["fixed"][mb.col("build", np.arange(d.n_opt))] = [o.opex_usd_per_yr for o in options]
    sg = d.seg
    if len(sg["o"]):
        lang = np.array([o.capex_lang for o in options])
        tgt_z = np.where(lang[sg["o"]], "bec", "direct")
        for key in ("bec", "direct"):
            m_ = tgt_z == key
            pieces[key][mb.col("seg_z", np.flatnonzero(m_))] = sg["intercept"][m_]
            pieces[key][mb.col("seg_w", np.flatnonzero(m_))] = sg["slope"][m_]
    if d.eq_opts:
        ucol = mb.col("units", np.arange(len(d.eq_opts)))
        pieces["direct"][ucol] = [options[o].equipment.cost_usd for o in d.eq_opts]
        pieces["fixed"][ucol] = [options[o].equipment.yearly_cost_usd for o in d.eq_opts]
    if d.staffed:
        pieces["labour"][mb.col("staff", 0)] = d.case.wage_usd_per_operator_yr
    return pieces


def objective_vector(mb: MatrixBuilder, d: ModelData, objective: str, pieces: dict,
                     price_factor: float, w: NPVWeights) -> tuple[np.ndarray, str]:
    """The objective's cost vector and sense.

    * ``npv`` (max): ``sum_y w_rev[y] rev x - w_var[y] var x - sum_y w_fix[y] fixed -
      sum_y w_lab[y] labour - w_bec bec - w_tpc direct``;
    * ``annual_profit`` (max): ``(rev - var) x / Y - fixed - labour - crf (lang bec +
      direct)``, ``crf`` the capital recovery factor at the discount rate (1/Y at 0);
    * ``recovered_value`` (max): ``rev x`` summed over the years;
    * ``recovered_mass`` (max): ``rec_tot x``;  ``min_co2`` (min): ``co2 / 1000 x`` (t);
    * ``min_cost`` (min): the NPV's cost terms, ``sum_y w_var[y] var x + sum_y w_fix[y] fixed
      + sum_y w_lab[y] labour + w_bec bec + w_tpc direct`` (the tie-break of
      :func:`recyclopt.optimize.plan.optimize`).

    ``rev`` includes ``byp`` in ``npv`` and ``annual_profit``.
    """
    case = d.case
    xcol, kflat, yflat = _flow_columns(mb, d)
    rev, byp, var = pair_money(d, price_factor)
    c = np.zeros(mb.n)
    if objective == "npv":
        c[xcol] = _npv_flow_terms(w, rev, byp, var, kflat, yflat)
        c -= w.w_fixed_opex.sum() * pieces["fixed"] + w.w_labour.sum() * pieces["labour"]
        c -= w.w_bec * pieces["bec"] + w.w_direct_tpc * pieces["direct"]
        c -= stockpile_cost(mb, d, w.w_variable_opex)
        return c, "max"
    if objective == "annual_profit":
        Y = d.idx.Y
        r = case.costing.factors().discount_rate
        crf = 1.0 / annuity_factor(r, Y) if r > 0 else 1.0 / Y
        lang_f = case.costing.factors().lang_factor
        c[xcol] = (rev[kflat] + byp[kflat] - var[kflat]) / Y
        c -= pieces["fixed"] + pieces["labour"] + crf * (lang_f * pieces["bec"] + pieces["direct"])
        c -= stockpile_cost(mb, d, np.full(Y, 1.0 / Y))
        return c, "max"
    if objective == "recovered_value":
        return pieces["revenue"].copy(), "max"
    if objective == "recovered_mass":
        c[xcol] = d.rec_tot[kflat]
        return c, "max"
    if objective == "min_co2":
        c[xcol] = d.co2[kflat] / 1000.0
        return c, "min"
    if objective == "min_cost":
        c[xcol] = w.w_variable_opex[yflat] * var[kflat]
        c += w.w_fixed_opex.sum() * pieces["fixed"] + w.w_labour.sum() * pieces["labour"]
        c += w.w_bec * pieces["bec"] + w.w_direct_tpc * pieces["direct"]
        return c, "min"
    raise CaseError(f"objective {objective!r}; allowed: {', '.join(OBJECTIVES)}",
                    field="objective")


def _npv_flow_terms(w: NPVWeights, rev: np.ndarray, byp: np.ndarray, var: np.ndarray,
                    kflat: np.ndarray, yflat: np.ndarray) -> np.ndarray:
    """The NPV per unit of flow of each flow column: ``w_rev[y] (rev + byp) - w_var[y] var``."""
    return (w.w_revenue[yflat] * (rev[kflat] + byp[kflat])
            - w.w_variable_opex[yflat] * var[kflat])


def repriced_npv_vector(c: np.ndarray, mb: MatrixBuilder, d: ModelData, price_factor: float,
                        w: NPVWeights) -> np.ndarray:
    """A copy of the single-build ``npv`` objective ``c`` (:func:`objective_vector`) with
    its flow columns written again from the pair money of ``d`` (a superstructure whose pair
    revenue differs): only they hold product prices, so this is the vector
    :func:`objective_vector` writes for ``d``, number for number."""
    xcol, kflat, yflat = _flow_columns(mb, d)
    rev, byp, var = pair_money(d, price_factor)
    out = c.copy()
    out[xcol] = _npv_flow_terms(w, rev, byp, var, kflat, yflat)
    return out


def epsilon_metrics(mb: MatrixBuilder, d: ModelData, pieces: dict) -> dict[str, np.ndarray]:
    """Horizon totals per column that epsilon constraints can limit: ``co2_t``,
    ``recovered_kg``, ``recovered_value_usd``."""
    xcol, kflat, _ = _flow_columns(mb, d)
    metrics = {"co2_t": np.zeros(mb.n), "recovered_kg": np.zeros(mb.n),
               "recovered_value_usd": pieces["revenue"]}
    metrics["co2_t"][xcol] = d.co2[kflat] / 1000.0
    metrics["recovered_kg"][xcol] = d.rec_tot[kflat]
    return metrics


def define_epsilon_limits(mb: MatrixBuilder, metrics: dict[str, np.ndarray],
                          extra: list | None) -> None:
    """Epsilon constraints (group ``epsilon_<i>_<metric>``, one row each)::

        lo_i  <=  sum_j metric[j] col[j]  <=  hi_i

    for each ``(metric, coef, lo, hi)`` of ``extra``: with ``coef`` None the row is one of
    ``metrics``; otherwise ``coef`` is the row's own coefficient vector over the builder's
    columns (e.g. another objective's vector, for a lexicographic solve) named ``metric``.
    """
    for k, (metric, coef, lo, hi) in enumerate(extra or []):
        if coef is None and metric not in metrics:
            raise CaseError(f"epsilon constraint on {metric!r}; allowed: {sorted(metrics)}",
                            field="extra")
        v = metrics[metric] if coef is None else np.asarray(coef, dtype=float)
        nz = np.flatnonzero(v)
        mb.add_group(f"epsilon_{k}_{metric}", np.zeros(len(nz), dtype=int), nz, v[nz], 1, lo, hi,
                     labels=[metric])


def phased_objective(mb: MatrixBuilder, d: ModelData, objective: str, price_factor: float,
                     w: NPVWeights) -> tuple[np.ndarray, str, dict, np.ndarray]:
    """Objective of the time-phased plant (:mod:`recyclopt.optimize.phased`).

    The NPV (max), with ``W[t]`` the NPV per USD of TPC online from build year t
    (:func:`recyclopt.economics.capex_start_weights`; ``lang`` the Lang factor for options
    costed through it, 1 otherwise) and ``F[t] = sum_{y >= t} w_fix[y]``::

        sum_y w_rev[y] (rev + byp) x - w_var[y] var x
        - sum_{s, t} lang W[t] (intercept_s z[s, t] + slope_s w[s, t])
        - sum_{e, t} (W[t] cost_e + F[t] yearly_e) buy[e, t]
        - sum_{o, y} w_fix[y] opex_o act[o, y] - sum_y w_lab[y] wage staff[y]

    ``recovered_value``, ``recovered_mass`` and ``min_co2`` are :func:`objective_vector`'s;
    ``annual_profit`` (an annualised single plant) has no phased form.

    Returns
    -------
    c, sense : the objective.
    pieces : ``revenue`` per column (for the epsilon metrics).
    npv_c : the NPV vector (the plan reader's NPV, whatever the objective).
    """
    case = d.case
    xcol, kflat, yflat = _flow_columns(mb, d)
    rev, byp, var = pair_money(d, price_factor)
    pieces = {"revenue": np.zeros(mb.n)}
    pieces["revenue"][xcol] = rev[kflat]
    c = np.zeros(mb.n)
    c[xcol] = (w.w_revenue[yflat] * (rev[kflat] + byp[kflat])
               - w.w_variable_opex[yflat] * var[kflat])
    W = capex_start_weights(case.costing, case.horizon)[d.starts]
    F = np.cumsum(w.w_fixed_opex[::-1])[::-1][d.starts]
    T, Y = len(d.starts), d.idx.Y
    sg = d.seg
    if len(sg["o"]):
        lang = np.where([d.options[o].capex_lang for o in sg["o"].tolist()],
                        case.costing.factors().lang_factor, 1.0)
        S = len(sg["o"])
        c[mb.col("bseg_z", np.arange(S * T))] = -np.outer(lang * sg["intercept"], W).ravel()
        c[mb.col("bseg_w", np.arange(S * T))] = -np.outer(lang * sg["slope"], W).ravel()
    if d.eq_opts:
        eqs = [d.options[o].equipment for o in d.eq_opts]
        cost = np.array([e.cost_usd for e in eqs])
        yearly = np.array([e.yearly_cost_usd for e in eqs])
        c[mb.col("buy", np.arange(len(eqs) * T))] = -(np.outer(cost, W)
                                                       + np.outer(yearly, F)).ravel()
    fx = fixed_options(d)
    if fx:
        opex = np.array([d.options[o].opex_usd_per_yr for o in fx])
        c[mb.col("act", np.arange(len(fx) * Y))] = -np.outer(opex, w.w_fixed_opex).ravel()
    if d.staffed:
        c[mb.col("staff", np.arange(Y))] = -case.wage_usd_per_operator_yr * w.w_labour
    c -= stockpile_cost(mb, d, w.w_variable_opex)
    if objective == "npv":
        return c, "max", pieces, c
    if objective == "annual_profit":
        raise CaseError("objective 'annual_profit' annualises a single plant; with "
                        "planning: phased use npv", field="objective")
    if objective == "min_cost":  # the NPV's cost terms: the NPV vector less its revenue
        cost = -c
        cost[xcol] += w.w_revenue[yflat] * (rev[kflat] + byp[kflat])
        return cost, "min", pieces, c
    cc, sense = objective_vector(mb, d, objective, pieces, price_factor, w)
    return cc, sense, pieces, c
