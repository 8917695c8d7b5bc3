"""Flowsheet throughput: feed compositions per second through each bundled route.

Two figures per route, both on random feed compositions around the route's own default feed
(every species flow of that feed scaled by a lognormal factor, sigma 0.3, fixed seed):

* ``solves_per_s``: full flowsheet solves (``Flowsheet.solve``, balances checked), one
  composition at a time;
* ``vectorised_per_s``: the route's linearisation (``Flowsheet.linearize``, exact for mass
  flows because every unit is affine in its feed at fixed design) applied to all compositions
  at once as one matrix product; ``max_rel_err`` compares its element flows in the product
  streams against the full solves of the first compositions.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def route_throughput(route: str, *, n_solve: int = 20, n_vector: int = 100_000,
                     seed: int = 7) -> dict[str, Any]:
    """Measure one bundled route.

    Parameters
    ----------
    route : str
        Bundled flowsheet name.
    n_solve : int
        Compositions solved one by one.
    n_vector : int
        Compositions pushed through the linearisation at once.
    seed : int
        Seed of the composition sampler.

    Returns
    -------
    dict
        ``route``, ``feed_species``, ``solves_per_s``, ``vectorised_per_s``, ``max_rel_err``.
    """
    from recyclopt.flowsheet import load_flowsheet

    fs = load_flowsheet(route)
    if len(fs.feeds) != 1:
        return {"route": route, "status": f"{len(fs.feeds)} feeds (one needed)"}
    port = next(iter(fs.feeds))
    base = fs.feeds[port].stream
    present = np.flatnonzero(base.flows)
    rng = np.random.default_rng(seed)
    factors = rng.lognormal(0.0, 0.3, size=(max(n_solve, 1), len(present)))
    t0 = time.perf_counter()
    solved = []
    for f in factors[:n_solve]:
        flows = base.flows.copy()
        flows[present] *= f
        solved.append(fs.solve({port: base.copy(flows=flows)}))
    t_solve = time.perf_counter() - t0
    lin = fs.linearize(port)
    tab = lin.table
    species = [c for c in tab.columns if c != "per_kg_feed"]
    reg = fs.registry
    sp_idx = np.array([reg.idx(s) for s in species])
    J = tab[species].to_numpy()  # outputs x feed species
    big = rng.lognormal(0.0, 0.3, size=(len(species), n_vector))
    F = base.flows[sp_idx][:, None] * big  # kg/s of each feed species, one column per feed
    t0 = time.perf_counter()
    Y = J @ F
    t_vec = time.perf_counter() - t0
    # check: element flows in product streams, linearisation vs full solves
    rows = [i for i, key in enumerate(tab.index) if key[0] == "product_element"]
    err = 0.0
    for f, res in zip(factors[:n_solve], solved, strict=True):
        flows = base.flows.copy()
        flows[present] *= f
        pred = J[rows] @ flows[sp_idx]
        for r, (_, stream, el) in zip(rows, (tab.index[i] for i in rows), strict=True):
            got = reg.element_vector(res.streams[stream].flows)[reg.element_index[el]]
            p = pred[rows.index(r)]
            err = max(err, abs(p - got) / max(abs(got), 1e-12))
    del Y
    return {"route": route, "status": "ok", "feed_species": len(species),
            "solves_per_s": n_solve / t_solve if t_solve > 0 else float("inf"),
            "vectorised_per_s": n_vector / t_vec if t_vec > 0 else float("inf"),
            "max_rel_err": err}


def all_routes(**kw: Any) -> list[dict[str, Any]]:
    """:func:`route_throughput` for every bundled route (``demo_*`` routes included)."""
    from recyclopt.flowsheet import available_flowsheets

    return [route_throughput(r, **kw) for r in available_flowsheets()]
