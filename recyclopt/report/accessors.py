"""``.plot`` and ``.iplot`` on results (:class:`recyclopt.io.accessors.Result`): registered when
:mod:`recyclopt.report` is imported.

``result.plot()`` draws the default chart, ``result.plot("cash_flow")`` or
``result.plot.cash_flow()`` a named one (the kinds of :func:`recyclopt.report.plot`).
"""

from __future__ import annotations

from typing import Any

from ..io.accessors import register_accessor


class _Charts:
    interactive = False

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __call__(self, kind: str | None = None, **kw: Any) -> Any:
        # deferred: registering the accessors must not load the plotting stack
        from .dispatch import iplot, plot

        return (iplot if self.interactive else plot)(self._obj, kind, **kw)

    def __getattr__(self, kind: str) -> Any:
        if kind.startswith("_"):
            raise AttributeError(kind)
        return lambda **kw: self(kind, **kw)


@register_accessor("plot")
class StaticCharts(_Charts):
    """``result.plot(kind, **kw)``: a static matplotlib chart (:func:`recyclopt.report.plot`)."""


@register_accessor("iplot")
class InteractiveCharts(_Charts):
    """``result.iplot(kind, **kw)``: an interactive plotly chart
    (:func:`recyclopt.report.iplot`)."""

    interactive = True
