"""Flowsheets: graphs of unit operations joined by named streams.

A flowsheet is defined as data (a YAML file or a dict)::

    name: demo
    feeds:
      feed: {rate_kg_per_h: 100, T_K: 298.15, composition: {Fe: 0.7, Nd: 0.3}}
    units:
      mixer: {type: mixer, inlets: {a: feed, b: recycle}, outlets: {out: s1}}
      ...
    products: {product: product, purge: waste}     # optional: stream -> kind

It is solved in dependency order; recycle loops (strongly connected groups of units) are
converged on tear streams with Wegstein's method. After a solve the result gives the stream
table, per-unit duties, element/energy balances per unit and overall, and the linearisation:
coefficients per kg of each feed species that the optimizer consumes. Because every unit is
affine in its feed at fixed design, the mass coefficients are exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .chemistry import T_REF, Registry, default_registry
from .constants import J_PER_KWH
from .errors import BalanceError, ConvergenceError, FlowsheetError, InputError
from .io.accessors import Result
from .io.route_files import flowsheet_file, flowsheet_root  # noqa: F401 - flowsheet_file re-exported
from .streams import Stream, stream_table
from .units.base import UnitOperation, UnitResult, unit_class

PRODUCT_KINDS = ("product", "byproduct", "waste", "emission", "recycle_out")
SECONDS_PER_HOUR = 3600.0


# --------------------------------------------------------------------------- definition
@dataclass
class UnitSpec:
    name: str
    unit: UnitOperation
    inlets: dict[str, str]  # port -> stream
    outlets: dict[str, str]  # port -> stream


@dataclass
class FeedSpec:
    name: str
    stream: Stream
    feedstock: str | None = None


def feed_from_dict(name: str, d: Mapping[str, Any], registry: Registry, where: str) -> FeedSpec:
    """A feed from its mapping in a flowsheet or feed file (``where``: the key path, for
    errors)."""
    allowed = {"rate_kg_per_h", "rate_kg_per_s", "T_K", "P_Pa", "composition", "flows_kg_per_h",
               "feedstock", "description"}
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise FlowsheetError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(allowed)}",
                             field=unknown[0])
    T = _float(d.get("T_K", T_REF), f"{where}.T_K", "K", lo=0.0, lo_open=True)
    P = _float(d.get("P_Pa", 101_325.0), f"{where}.P_Pa", "Pa", lo=0.0, lo_open=True)
    if "feedstock" in d and "composition" not in d and "flows_kg_per_h" not in d:
        from .feedstock import feed_stream  # the catalogue (flowsheet modules issue)

        rate = _rate(d, where)
        return FeedSpec(name, feed_stream(str(d["feedstock"]), rate, T=T, registry=registry,
                                          name=name), str(d["feedstock"]))
    if "flows_kg_per_h" in d:
        flows = d["flows_kg_per_h"]
        if not isinstance(flows, Mapping):
            raise FlowsheetError(f"{where}.flows_kg_per_h: expected a mapping species -> kg/h",
                                 field="flows_kg_per_h")
        try:
            s = Stream.from_masses({k: _float(v, f"{where}.flows_kg_per_h.{k}", "kg/h",
                                              lo=0.0) / SECONDS_PER_HOUR
                                    for k, v in flows.items()},
                                   T, P, registry, name)
        except InputError as exc:
            raise FlowsheetError(f"{where}: {exc}", field="flows_kg_per_h") from None
        return FeedSpec(name, s)
    if "composition" not in d:
        raise FlowsheetError(f"{where}: give 'composition' (mass fractions) with a rate, "
                             "'flows_kg_per_h', or 'feedstock'", field="composition")
    comp = d["composition"]
    if not isinstance(comp, Mapping):
        raise FlowsheetError(f"{where}.composition: expected a mapping species -> mass fraction",
                             field="composition")
    try:
        s = Stream.from_composition(_rate(d, where),
                                    {k: _float(v, f"{where}.composition.{k}", "(mass fraction)",
                                               lo=0.0) for k, v in comp.items()},
                                    T, P, registry, name)
    except InputError as exc:
        raise FlowsheetError(f"{where}: {exc}", field="composition") from None
    return FeedSpec(name, s)


def _float(v: Any, where: str, unit: str, *, lo: float | None = None,
           lo_open: bool = False) -> float:
    """``v`` as a finite float, or a :class:`FlowsheetError` naming ``where`` and the range.

    Parameters
    ----------
    v : the value read from the file.
    where : the field, as ``feeds.<name>.<key>``.
    unit : the unit shown in the message.
    lo : lower bound of the allowed range (None: unbounded).
    lo_open : exclude ``lo`` itself.
    """
    rng = "any finite number" if lo is None else f"{'>' if lo_open else '>='} {lo:g} {unit}"
    try:
        x = float(v) if not isinstance(v, bool) else float("nan")
    except (TypeError, ValueError):
        raise FlowsheetError(f"{where}: {v!r} is not a number; allowed range {rng}",
                             field=where) from None
    if not np.isfinite(x) or (lo is not None and (x < lo or (lo_open and x <= lo))):
        raise FlowsheetError(f"{where}: {v!r}; allowed range {rng}", field=where)
    return x


def _rate(d: Mapping[str, Any], where: str) -> float:
    if "rate_kg_per_s" in d:
        r = _float(d["rate_kg_per_s"], f"{where}.rate_kg_per_s", "kg/s")
    elif "rate_kg_per_h" in d:
        r = _float(d["rate_kg_per_h"], f"{where}.rate_kg_per_h", "kg/h") / SECONDS_PER_HOUR
    else:
        raise FlowsheetError(f"{where}: missing 'rate_kg_per_h'", field="rate_kg_per_h")
    if not np.isfinite(r) or r < 0:
        raise FlowsheetError(f"{where}: rate {r!r}; allowed range >= 0", field="rate_kg_per_h")
    return r


class Flowsheet:
    """A graph of unit operations joined by named streams.

    Build one with :meth:`from_dict` or :func:`load_flowsheet`; solve it with :meth:`solve`.
    """

    def __init__(self, name: str, feeds: dict[str, FeedSpec], units: dict[str, UnitSpec],
                 products: dict[str, str] | None = None, *, description: str = "",
                 tears: list[str] | None = None, registry: Registry | None = None,
                 accepts: dict[str, Any] | None = None, source: str = "",
                 meta: dict[str, Any] | None = None):
        self.name = name
        self.description = description
        self.registry = registry or default_registry()
        self.feeds = feeds
        self.units = units
        self.accepts = accepts or {}
        self.source = source
        self.meta = meta or {}
        self._user_tears = list(tears or [])
        self._connect(products or {})

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str = "<dict>",
                  registry: Registry | None = None) -> Flowsheet:
        """Build a flowsheet from its data definition (see module docstring)."""
        reg = registry or default_registry()
        if not isinstance(d, Mapping):
            raise FlowsheetError("a flowsheet definition must be a mapping", source=source)
        allowed = {"name", "description", "feeds", "units", "products", "tear", "accepts",
                   "meta"}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise FlowsheetError(f"unknown top-level field(s) {unknown}; allowed: {sorted(allowed)}",
                                 source=source, field=unknown[0])
        for key in ("feeds", "units"):
            if not isinstance(d.get(key), Mapping) or not d.get(key):
                raise FlowsheetError(f"field {key!r} must be a non-empty mapping", source=source,
                                     field=key)
        try:
            feeds = {str(n): feed_from_dict(str(n), f if isinstance(f, Mapping) else {}, reg,
                                             f"feeds.{n}")
                     for n, f in d["feeds"].items()}
            units: dict[str, UnitSpec] = {}
            for uname, u in d["units"].items():
                where = f"units.{uname}"
                if not isinstance(u, Mapping):
                    raise FlowsheetError(f"{where}: expected a mapping", field=where)
                extra = sorted(set(u) - {"type", "inlets", "outlets", "params", "description"})
                if extra:
                    raise FlowsheetError(f"{where}: unknown field(s) {extra}; allowed: type, "
                                         "inlets, outlets, params, description", field=extra[0])
                if "type" not in u:
                    raise FlowsheetError(f"{where}: missing field 'type'", field=f"{where}.type")
                try:
                    ucls = unit_class(str(u["type"]))
                    params = u.get("params") or {}
                    if not isinstance(params, Mapping):
                        raise FlowsheetError(f"{where}.params: expected a mapping")
                    unit = ucls(str(uname), registry=reg, **params)
                except InputError as exc:
                    raise FlowsheetError(f"{where}: {exc}", field=exc.field) from None
                inl, outl = u.get("inlets") or {}, u.get("outlets") or {}
                if not isinstance(inl, Mapping) or not isinstance(outl, Mapping):
                    raise FlowsheetError(f"{where}: 'inlets' and 'outlets' map port -> stream")
                units[str(uname)] = UnitSpec(str(uname), unit,
                                             {str(k): str(v) for k, v in inl.items()},
                                             {str(k): str(v) for k, v in outl.items()})
            products = d.get("products") or {}
            if isinstance(products, list):
                products = {str(p): "product" for p in products}
            fs = cls(str(d.get("name", "flowsheet")), feeds, units,
                     {str(k): str(v) for k, v in products.items()},
                     description=str(d.get("description", "")),
                     tears=list(d.get("tear") or []), registry=reg,
                     accepts=dict(d.get("accepts") or {}), source=source,
                     meta=dict(d.get("meta") or {}))
        except InputError as exc:
            if exc.source:
                raise
            raise FlowsheetError(str(exc), source=source, field=exc.field) from None
        return fs

    def _connect(self, products: dict[str, str]) -> None:
        self.stream_source: dict[str, tuple[str, str]] = {}  # stream -> (unit|'<feed>', port)
        self.stream_sink: dict[str, tuple[str, str]] = {}
        for f in self.feeds:
            self.stream_source[f] = ("<feed>", f)
        for u in self.units.values():
            ports_ok = u.unit.active_outlets()
            for port, s in u.outlets.items():
                if "*" not in u.unit.outlet_ports and port not in u.unit.outlet_ports:
                    raise FlowsheetError(f"units.{u.name}.outlets: unknown port {port!r}; "
                                         f"allowed: {list(ports_ok)}", field="outlets")
                if s in self.stream_source:
                    other = self.stream_source[s][0]
                    raise FlowsheetError(f"stream {s!r} has two sources ({other} and {u.name})",
                                         field="outlets")
                self.stream_source[s] = (u.name, port)
            missing = [p for p in ports_ok if p not in u.outlets]
            if missing:
                raise FlowsheetError(f"units.{u.name}: outlet port(s) {missing} are not connected "
                                     "to a stream", field="outlets")
            declared_in = u.unit.inlet_ports
            for port, s in u.inlets.items():
                if "*" not in declared_in and port not in declared_in + u.unit.optional_inlets:
                    raise FlowsheetError(f"units.{u.name}.inlets: unknown port {port!r}; allowed: "
                                         f"{list(declared_in + u.unit.optional_inlets)}",
                                         field="inlets")
                if s in self.stream_sink:
                    raise FlowsheetError(f"stream {s!r} feeds two units ({self.stream_sink[s][0]} "
                                         f"and {u.name}); add a splitter", field="inlets")
                self.stream_sink[s] = (u.name, port)
            if "*" not in declared_in:
                need = [p for p in declared_in if p not in u.inlets]
                if need:
                    raise FlowsheetError(f"units.{u.name}: inlet port(s) {need} are not connected",
                                         field="inlets")
            if not u.inlets:
                raise FlowsheetError(f"units.{u.name}: no inlet streams", field="inlets")
        for s, (uname, _) in self.stream_sink.items():
            if s not in self.stream_source:
                raise FlowsheetError(f"dangling stream {s!r}: unit {uname!r} takes it as an inlet "
                                     "but no feed or unit outlet produces it", field="inlets")
        for f in self.feeds:
            if f not in self.stream_sink:
                raise FlowsheetError(f"feed {f!r} is not connected to any unit", field="feeds")
        self.terminal = [s for s in self.stream_source if s not in self.stream_sink]
        for s, kind in products.items():
            if s not in self.stream_source:
                raise FlowsheetError(f"products: stream {s!r} does not exist", field="products")
            if s in self.stream_sink:
                raise FlowsheetError(f"products: stream {s!r} is not a terminal stream (it feeds "
                                     f"{self.stream_sink[s][0]!r})", field="products")
            if kind not in PRODUCT_KINDS:
                raise FlowsheetError(f"products: kind {kind!r} of stream {s!r}; allowed: "
                                     f"{list(PRODUCT_KINDS)}", field="products")
        self.products = {s: products.get(s, "product") for s in self.terminal}
        for t in self._user_tears:
            if t not in self.stream_sink or self.stream_source.get(t, ("<feed>",))[0] == "<feed>":
                raise FlowsheetError(f"tear: stream {t!r} is not an internal stream", field="tear")
        self._plan()

    # -- ordering ----------------------------------------------------------------------------
    def _plan(self) -> None:
        """Strongly connected components in topological order, with tear streams."""
        names = list(self.units)
        succ: dict[str, list[tuple[str, str]]] = {n: [] for n in names}  # unit -> (unit, stream)
        for s, (src, _) in self.stream_source.items():
            if src != "<feed>" and s in self.stream_sink:
                succ[src].append((self.stream_sink[s][0], s))
        sccs = strongly_connected_components({n: [w for w, _ in succ[n]] for n in names})
        self.groups: list[tuple[list[str], list[str]]] = []  # (ordered units, tear streams)
        for comp in sccs:
            cset = set(comp)
            internal = [s for u in comp for (w, s) in succ[u] if w in cset]
            if not internal:
                self.groups.append((comp, []))
                continue
            tears = [t for t in self._user_tears if t in internal]
            if not tears:
                tears = self._choose_tears(comp, succ)
            order = self._order_without(comp, succ, set(tears))
            self.groups.append((order, tears))

    def _choose_tears(self, comp: list[str], succ: dict[str, list[tuple[str, str]]]) -> list[str]:
        cset = set(comp)
        # start from a unit fed from outside the loop (the loop's entry), then DFS back edges
        entry = next((u for u in comp for s in self.units[u].inlets.values()
                      if self.stream_source[s][0] not in cset), comp[0])
        tears: list[str] = []
        state: dict[str, int] = {}
        stack = [(entry, iter(succ[entry]))]
        state[entry] = 1
        while stack:
            v, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[v] = 2
                stack.pop()
                continue
            w, s = nxt
            if w not in cset:
                continue
            if state.get(w) == 1:
                tears.append(s)
            elif w not in state:
                state[w] = 1
                stack.append((w, iter(succ[w])))
        for u in comp:  # units not reached from the entry
            if u not in state:
                tears.extend(self._choose_tears([x for x in comp if x not in state], succ))
                break
        return tears

    def _order_without(self, comp: list[str], succ: dict[str, list[tuple[str, str]]],
                       tears: set[str]) -> list[str]:
        cset = set(comp)
        indeg = {u: 0 for u in comp}
        for u in comp:
            for w, s in succ[u]:
                if w in cset and s not in tears:
                    indeg[w] += 1
        ready = [u for u in comp if indeg[u] == 0]
        order = []
        while ready:
            u = ready.pop(0)
            order.append(u)
            for w, s in succ[u]:
                if w in cset and s not in tears:
                    indeg[w] -= 1
                    if indeg[w] == 0:
                        ready.append(w)
        if len(order) != len(comp):
            raise FlowsheetError(f"the tear streams {sorted(tears)} do not break every loop among "
                                 f"units {sorted(comp)}", field="tear")
        return order

    # -- solving -----------------------------------------------------------------------------
    def feed_streams(self) -> dict[str, Stream]:
        return {n: f.stream for n, f in self.feeds.items()}

    def solve(self, feeds: Mapping[str, Stream] | None = None, *, tol: float = 1e-12,
              max_iter: int = 500, check: bool = True) -> FlowsheetResult:
        """Solve the flowsheet.

        Parameters
        ----------
        feeds : mapping feed name -> Stream, optional
            Replaces the flowsheet's own feeds (the others keep their defaults).
        tol : float
            Recycle convergence: largest relative change of any species flow in a tear stream.
        max_iter : int
            Iteration limit per recycle loop.
        check : bool
            Raise :class:`BalanceError` if an element or energy balance fails to close to 1e-9.
        """
        streams: dict[str, Stream] = {}
        given = dict(feeds or {})
        for n in given:
            if n not in self.feeds:
                raise FlowsheetError(f"unknown feed {n!r}; this flowsheet's feeds are "
                                     f"{sorted(self.feeds)}", field="feed")
        for n, f in self.feeds.items():
            s = given.get(n, f.stream)
            streams[n] = s.copy(name=n)
        scale = max(sum(s.total for n, s in streams.items()), 1e-300)
        results: dict[str, UnitResult] = {}
        iterations: dict[str, int] = {}
        for order, tears in self.groups:
            if not tears:
                for u in order:
                    self._run_unit(u, streams, results)
                continue
            iterations[",".join(tears)] = self._converge(order, tears, streams, results, scale,
                                                          tol, max_iter)
        res = FlowsheetResult(self, streams, results, iterations)
        if check:
            res.check_balances()
        return res

    def _run_unit(self, u: str, streams: dict[str, Stream], results: dict[str, UnitResult]) -> None:
        spec = self.units[u]
        inlets = {port: streams[s] for port, s in spec.inlets.items()}
        try:
            r = spec.unit.run(inlets)
        except InputError as exc:
            raise type(exc)(f"units.{u}: {exc}", source=self.source or None,
                            field=exc.field) from None
        for port, s in spec.outlets.items():
            if port not in r.outlets:
                raise FlowsheetError(f"units.{u}: produced no stream at port {port!r}")
            streams[s] = r.outlets[port].copy(name=s)
        extra = [p for p, st in r.outlets.items() if p not in spec.outlets and st.total > 0]
        if extra:
            raise FlowsheetError(f"units.{u}: material leaves through unconnected port(s) {extra}")
        results[u] = r

    def _converge(self, order: list[str], tears: list[str], streams: dict[str, Stream],
                  results: dict[str, UnitResult], scale: float, tol: float, max_iter: int) -> int:
        reg = self.registry
        n = len(reg)
        for t in tears:
            if t not in streams:
                streams[t] = Stream(np.zeros(n), T_REF, registry=reg, name=t)

        def pack() -> np.ndarray:
            return np.concatenate([np.append(streams[t].flows, streams[t].T) for t in tears])

        def unpack(x: np.ndarray) -> None:
            for k, t in enumerate(tears):
                seg = x[k * (n + 1):(k + 1) * (n + 1)]
                streams[t] = Stream(np.maximum(seg[:n], 0.0), float(seg[n]), streams[t].P, reg, t)

        def g(x: np.ndarray) -> np.ndarray:
            unpack(x)
            for u in order:
                self._run_unit(u, streams, results)
            return pack()

        is_T = np.zeros((n + 1) * len(tears), dtype=bool)
        is_T[n::n + 1] = True
        x = pack()
        gx = g(x)
        x_prev, gx_prev = x, gx
        x = gx
        history = []
        for it in range(1, max_iter + 1):
            gx = g(x)
            r = gx - x
            # per-component relative change, so trace species converge as tightly as major ones
            ref = np.maximum(np.maximum(np.abs(x), np.abs(gx)), 1e-250 * scale)[~is_T]
            err_flow = (np.abs(r[~is_T]) / ref).max()
            err_T = np.abs(r[is_T]).max()
            history.append(err_flow)
            if err_flow <= tol and err_T <= 1e-7:
                unpack(gx)
                for u in order:  # final pass so every stream is consistent with the tears
                    self._run_unit(u, streams, results)
                return it
            dx = x - x_prev
            dg = gx - gx_prev
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.where(np.abs(dx) > 1e-300, dg / dx, 0.0)
                q = np.clip(np.where(np.abs(s - 1.0) > 1e-12, s / (s - 1.0), -5.0), -5.0, 0.0)
            x_prev, gx_prev = x, gx
            x = q * x + (1.0 - q) * gx
            x[~is_T] = np.maximum(x[~is_T], 0.0)
            if it >= 30 and history[-1] > 0.5 * history[-20]:
                break
        # diagnose: estimate the loop gain by plain substitution from the current point
        g1 = g(x)
        g2 = g(g1)
        d1 = np.abs(g1 - x)[~is_T].sum()
        d2 = np.abs(g2 - g1)[~is_T].sum()
        gain = d2 / d1 if d1 > 0 else float("nan")
        raise ConvergenceError(
            f"recycle loop through units {order} (tear stream(s) {tears}) did not converge: "
            f"relative residual {history[-1]:.3g} after {len(history)} iterations (tolerance "
            f"{tol:g}); estimated loop gain {gain:.3g} - a loop that returns all of a species "
            "(gain >= 1) has no steady state: add a purge or bleed"
        )

    # -- convenience -------------------------------------------------------------------------
    def linearize(self, feed: str | None = None, base: Stream | None = None,
                  species: list[str] | None = None) -> Linearization:
        """Coefficients per kg of each feed species (see :class:`Linearization`)."""
        return linearize(self, feed, base, species)

    def assumption_params(self) -> list[str]:
        """``unit.parameter`` of every assumption-grade default this flowsheet uses."""
        return [f"{u}.{p}" for u, spec in self.units.items()
                for p in spec.unit.assumption_params()]

    def describe(self) -> pd.DataFrame:
        """One row per unit: type, inlets, outlets, parameters."""
        rows = []
        for u in self.units.values():
            rows.append({"unit": u.name, "type": u.unit.type_name,
                         "inlets": ", ".join(f"{k}={v}" for k, v in u.inlets.items()),
                         "outlets": ", ".join(f"{k}={v}" for k, v in u.outlets.items())})
        return pd.DataFrame(rows).set_index("unit")


# --------------------------------------------------------------------------- results
@dataclass
class FlowsheetResult(Result):
    """A solved flowsheet: streams, per-unit results and balances.

    ``.plot()``/``.iplot()`` charts are attached by :mod:`recyclopt.report` when imported."""

    flowsheet: Flowsheet
    streams: dict[str, Stream]
    units: dict[str, UnitResult]
    iterations: dict[str, int] = field(default_factory=dict)

    @property
    def registry(self) -> Registry:
        return self.flowsheet.registry

    def stream_table(self, basis: str = "species", unit: str = "kg/h") -> pd.DataFrame:
        """Species (or element) rows, one column per stream, in the order streams were made."""
        return stream_table(self.streams, basis=basis, unit=unit)

    @property
    def warnings(self) -> list[str]:
        """Operating-window warnings of every unit (``units.<name>: ...``), in solve order."""
        return [f"units.{u}: {w}" for u, r in self.units.items() for w in r.warnings]

    def product_streams(self, kind: str | None = None) -> dict[str, Stream]:
        return {s: self.streams[s] for s, k in self.flowsheet.products.items()
                if kind is None or k == kind}

    def reagents(self) -> pd.DataFrame:
        """Reagent use per unit and species in kg/s."""
        reg = self.registry
        data = {u: r.reagents.flows for u, r in self.units.items()}
        df = pd.DataFrame(data, index=reg.names).T
        return df.loc[:, (df != 0).any(axis=0)]

    def duties(self) -> pd.DataFrame:
        """Per-unit duties: heat and electricity (W), heat rejected, reagents and losses (kg/s)."""
        rows = []
        for u, r in self.units.items():
            rows.append({
                "unit": u,
                "type": self.flowsheet.units[u].unit.type_name,
                "heat_W": r.heat_W,
                "electricity_W": r.electricity_W,
                "heat_rejected_W": r.heat_rejected_W,
                "reagents_kg_s": r.reagents.total,
                "losses_kg_s": r.losses.total,
            })
        df = pd.DataFrame(rows).set_index("unit")
        df.loc["total"] = ["", *df.iloc[:, 1:].sum().tolist()]
        return df

    def totals(self) -> dict[str, float]:
        """Plant totals: feed, product, reagent and loss kg/s; heat and electricity W."""
        feed = sum(self.streams[f].total for f in self.flowsheet.feeds)
        return {
            "feed_kg_s": feed,
            "heat_W": sum(r.heat_W for r in self.units.values()),
            "electricity_W": sum(r.electricity_W for r in self.units.values()),
            "heat_rejected_W": sum(r.heat_rejected_W for r in self.units.values()),
            "reagents_kg_s": sum(r.reagents.total for r in self.units.values()),
            "losses_kg_s": sum(r.losses.total for r in self.units.values()),
        }

    def _unit_io(self, u: str) -> tuple[list[Stream], list[Stream], UnitResult]:
        spec = self.flowsheet.units[u]
        r = self.units[u]
        ins = [self.streams[s] for s in spec.inlets.values()] + [r.reagents]
        outs = [self.streams[s] for s in spec.outlets.values()] + [r.losses]
        return ins, outs, r

    def balance(self) -> pd.DataFrame:
        """Element, total-mass and energy balances per unit and for the whole flowsheet.

        Returns a DataFrame indexed by (scope, quantity) with columns ``in``, ``out``,
        ``abs_error`` and ``rel_error`` (kg/s for mass, W for energy). Energy includes the
        utilities: in = H_in + heat + electricity, out = H_out + heat rejected.
        """
        reg = self.registry
        rows = []

        def add(scope: str, ins: list[Stream], outs: list[Stream], e_in: float, e_out: float
                ) -> None:
            ein = sum(reg.element_vector(s.flows) for s in ins)
            eout = sum(reg.element_vector(s.flows) for s in outs)
            m_in = sum(s.total for s in ins)
            m_out = sum(s.total for s in outs)
            # relative to the element's own flow; the 1e-200 x throughput floor only keeps
            # denormal round-off (flows ~1e-300) from dividing by zero
            floor = 1e-200 * max(m_in, m_out, 1e-300)
            for j, el in enumerate(reg.elements):
                a, b = float(ein[j]), float(eout[j])
                if a == 0 and b == 0:
                    continue
                rows.append((scope, el, a, b, b - a, abs(b - a) / max(abs(a), abs(b), floor)))
            rows.append((scope, "mass", m_in, m_out, m_out - m_in,
                         abs(m_out - m_in) / max(m_in, m_out, 1e-300)))
            ref = max(abs(e_in), abs(e_out), 1e-300)
            rows.append((scope, "energy", e_in, e_out, e_out - e_in, abs(e_out - e_in) / ref))

        tot_in: list[Stream] = [self.streams[f] for f in self.flowsheet.feeds]
        tot_out: list[Stream] = [self.streams[s] for s in self.flowsheet.terminal]
        q_in = q_out = 0.0
        for u in self.flowsheet.units:
            ins, outs, r = self._unit_io(u)
            e_in = sum(s.enthalpy() for s in ins) + r.heat_W + r.electricity_W
            e_out = sum(s.enthalpy() for s in outs) + r.heat_rejected_W
            add(u, ins, outs, e_in, e_out)
            tot_in.append(r.reagents)
            tot_out.append(r.losses)
            q_in += r.heat_W + r.electricity_W
            q_out += r.heat_rejected_W
        add("flowsheet", tot_in, tot_out, sum(s.enthalpy() for s in tot_in) + q_in,
            sum(s.enthalpy() for s in tot_out) + q_out)
        df = pd.DataFrame(rows, columns=["scope", "quantity", "in", "out", "abs_error",
                                         "rel_error"])
        return df.set_index(["scope", "quantity"])

    def check_balances(self, rtol: float = 1e-9) -> pd.DataFrame:
        """Raise :class:`BalanceError` if any balance fails to close to ``rtol`` relative.

        Relative errors are taken against the larger side; for energy the absolute
        (formation-based) enthalpies are large, so the energy check is additionally scaled by
        the throughput: |error| <= rtol * max(|H|, 1 MJ/kg x feed).
        """
        bal = self.balance()
        feed = max(sum(self.streams[f].total for f in self.flowsheet.feeds), 1e-300)
        bad = []
        for (scope, q), row in bal.iterrows():
            ref = max(abs(row["in"]), abs(row["out"]))
            if q == "energy":
                ref = max(ref, 1e6 * feed)
            if q != "energy":
                ref = max(ref, 1e-200 * feed)
            if abs(row["abs_error"]) > rtol * ref:
                bad.append(f"{scope}/{q}: in {row['in']:.10g}, out {row['out']:.10g}")
        if bad:
            raise BalanceError("balance does not close to {:g}: {}".format(rtol, "; ".join(bad[:5])))
        return bal

    def balance_summary(self) -> pd.DataFrame:
        """Worst relative error per scope (unit or flowsheet) for elements, mass and energy."""
        bal = self.balance().reset_index()
        bal["group"] = np.where(bal["quantity"].isin(["mass", "energy"]), bal["quantity"],
                                "elements")
        return bal.pivot_table(index="scope", columns="group", values="rel_error",
                               aggfunc="max", sort=False)

    def report(self) -> str:
        """Text report: stream table (kg/h), duties, the balance summary and the warnings."""
        with pd.option_context("display.width", 160, "display.max_columns", 30,
                               "display.float_format", "{:.6g}".format):
            parts = [
                f"Flowsheet {self.flowsheet.name}: {self.flowsheet.description}".strip(),
                "", "Stream table [kg/h]", self.stream_table().to_string(),
                "", "Duties", self.duties().to_string(),
                "", "Balance (worst relative error)", self.balance_summary().to_string(),
            ]
            if self.iterations:
                parts += ["", "Recycle iterations: " + ", ".join(
                    f"{k}: {v}" for k, v in self.iterations.items())]
            if self.warnings:
                parts += ["", "Operating-window warnings", *(f"- {w}" for w in self.warnings)]
        return "\n".join(parts)


# --------------------------------------------------------------------------- linearisation
@dataclass
class Linearization:
    """Coefficients of a flowsheet per kg of each feed species.

    ``table`` rows are outputs, indexed by (kind, stream-or-unit, item):

    * ``("product", stream, species)`` and ``("product_element", stream, element)``: kg per kg
    * ``("reagent", "total", species)``: kg drawn per kg
    * ``("loss", "total", element)``: kg lost per kg
    * ``("energy", unit or "total", "electricity_kWh" | "heat_kWh")``: kWh per kg

    Columns are the feed species; ``per_kg_feed`` gives the coefficients per kg of the base feed
    composition. Prediction for any feed vector f (kg/s) is ``table[species] @ f``.
    """

    flowsheet: str
    feed: str
    table: pd.DataFrame
    base: Stream

    def per_kg_feed(self) -> pd.Series:
        return self.table["per_kg_feed"]

    def predict(self, stream: Stream) -> pd.Series:
        """Predicted outputs (kg/s, kW... per the row kind) for a feed stream."""
        cols = [c for c in self.table.columns if c != "per_kg_feed"]
        f = pd.Series({c: stream.mass(c) for c in cols})
        present = stream.nonzero()
        missing = [sp for sp in present if sp not in cols]
        if missing:
            raise InputError(f"linearisation of {self.flowsheet!r} has no coefficients for "
                             f"species {missing}", field="feed")
        return self.table[cols] @ f


def _outputs(res: FlowsheetResult) -> pd.Series:
    reg = res.registry
    vals: dict[tuple[str, str, str], float] = {}
    for s in res.flowsheet.terminal:
        st = res.streams[s]
        for i in np.flatnonzero(st.flows):
            vals[("product", s, reg.names[i])] = st.flows[i]
        ev = reg.element_vector(st.flows)
        for j in np.flatnonzero(ev):
            vals[("product_element", s, reg.elements[j])] = ev[j]
    reag = sum(r.reagents.flows for r in res.units.values())
    for i in np.flatnonzero(reag):
        vals[("reagent", "total", reg.names[i])] = reag[i]
    loss = sum(reg.element_vector(r.losses.flows) for r in res.units.values())
    for j in np.flatnonzero(loss):
        vals[("loss", "total", reg.elements[j])] = loss[j]
    elec = heat = 0.0
    for u, r in res.units.items():
        if r.electricity_W:
            vals[("energy", u, "electricity_kWh")] = r.electricity_W / J_PER_KWH
        if r.heat_W:
            vals[("energy", u, "heat_kWh")] = r.heat_W / J_PER_KWH
        elec += r.electricity_W
        heat += r.heat_W
    vals[("energy", "total", "electricity_kWh")] = elec / J_PER_KWH
    vals[("energy", "total", "heat_kWh")] = heat / J_PER_KWH
    return pd.Series(vals, dtype=float)


def linearize(fs: Flowsheet, feed: str | None = None, base: Stream | None = None,
              species: list[str] | None = None) -> Linearization:
    """Linearise a flowsheet around a base feed.

    For each feed species j the flowsheet is re-solved with that species' flow doubled
    (``base + b_j e_j``); the coefficient is the change in every output divided by b_j. Units
    are affine at fixed design, so mass coefficients are exact and ``J @ base`` reproduces the
    base solution; energy coefficients are exact up to the (small) temperature dependence of
    mixing heat capacities. Rates: outputs in kg/s per kg/s of feed, energy in kWh per kg.

    Parameters
    ----------
    fs : Flowsheet
    feed : name of the feed to perturb (the only feed by default)
    base : base feed stream (the flowsheet's own feed by default)
    species : feed species to linearise for (those present in ``base`` by default); a species
        absent from the base is probed with 1% of the base total.
    """
    if feed is None:
        if len(fs.feeds) != 1:
            raise InputError(f"flowsheet {fs.name!r} has feeds {sorted(fs.feeds)}: name one",
                             field="feed")
        feed = next(iter(fs.feeds))
    if feed not in fs.feeds:
        raise InputError(f"unknown feed {feed!r}; allowed: {sorted(fs.feeds)}", field="feed")
    base = base if base is not None else fs.feeds[feed].stream
    if base.total <= 0:
        raise InputError("linearisation needs a base feed with a positive flow", field="feed")
    reg = fs.registry
    y0 = _outputs(fs.solve({feed: base}))
    names = species or list(base.nonzero())
    cols: dict[str, pd.Series] = {}
    for sp in names:
        i = reg.idx(sp)
        h = base.flows[i] if base.flows[i] > 0 else 0.01 * base.total
        pert = base.flows.copy()
        pert[i] += h
        y = _outputs(fs.solve({feed: base.copy(flows=pert)}))
        y, y0a = y.align(y0, fill_value=0.0)
        cols[sp] = (y - y0a) / h
    table = pd.DataFrame(cols).fillna(0.0)
    table = table.reindex(table.index.union(y0.index), fill_value=0.0)
    # per kg of the base feed: divide the base outputs by the feed total (exact for linear maps)
    table["per_kg_feed"] = y0.reindex(table.index, fill_value=0.0) / base.total
    table.index.names = ["kind", "where", "item"]
    table = table.sort_index()
    return Linearization(fs.name, feed, table, base)


def single_unit(unit_type: str, params: Mapping[str, Any] | None,
                flows_kg_h: Mapping[str, float], T: float = T_REF) -> Flowsheet:
    """A one-unit flowsheet: ``unit_type`` with ``params`` fed ``flows_kg_h`` (species -> kg/h)
    at ``T``, every active outlet port to a stream named ``s_<port>``. Handy for studying or
    testing a single unit with the full balance report."""
    params = dict(params or {})
    unit = unit_class(unit_type)("u", **params)
    outs = {p: f"s_{p}" for p in unit.active_outlets()}
    return Flowsheet.from_dict({
        "name": unit_type,
        "feeds": {"feed": {"flows_kg_per_h": dict(flows_kg_h), "T_K": T}},
        "units": {"u": {"type": unit_type, "inlets": {"in": "feed"}, "outlets": outs,
                        "params": params}},
    })


# --------------------------------------------------------------------------- loading
def available_flowsheets() -> list[str]:
    """Names of the bundled flowsheets."""
    root = flowsheet_root()
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def load_flowsheet(name_or_path: str | Path, registry: Registry | None = None) -> Flowsheet:
    """Load a flowsheet by bundled name or from a YAML file path."""
    from .io import parse_yaml

    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise FlowsheetError(f"flowsheet file {str(p)!r} does not exist", field="flowsheet")
        from .io import read_input_text

        try:
            text = read_input_text(p, "flowsheet file")
        except InputError as exc:
            raise FlowsheetError(str(exc), field="flowsheet") from None
        source = str(p)
    else:
        f = flowsheet_root().joinpath(f"{name_or_path}.yaml")
        if not f.is_file():
            raise FlowsheetError(f"unknown flowsheet {str(name_or_path)!r}; bundled: "
                                 f"{available_flowsheets()} (or give a path to a .yaml file)",
                                 field="flowsheet")
        text = f.read_text(encoding="utf-8")
        source = f"{name_or_path}.yaml"
    data = parse_yaml(text, source, FlowsheetError)
    return Flowsheet.from_dict(data, source=source, registry=registry)


def strongly_connected_components(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The strongly connected components of a directed graph, in topological order (a
    component comes before every component it points to).

    Tarjan's algorithm, iterative (no recursion limit on long chains). ``graph`` maps every
    node to its successors, each of which is a node of ``graph``; the nodes are visited in
    the mapping's order, so the result is deterministic for an ordered mapping.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    sccs: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = len(index)
                stack.append(v)
                on.add(v)
            succ = graph[v]
            for j in range(i, len(succ)):
                w = succ[j]
                if w not in index:
                    work += [(v, j + 1), (w, 0)]
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                if low[v] == index[v]:  # v is the root of a component: pop it
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    sccs.append(comp)
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
    sccs.reverse()  # Tarjan emits them in reverse topological order
    return sccs
