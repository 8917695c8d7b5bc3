"""``.plot``/``.iplot`` on results, attached by :mod:`recyclopt.report` (the accessor
pattern): the same figures as the report functions, and a clear error before it is imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from recyclopt.report import iplot, plot


def test_accessors_draw_what_the_report_functions_draw(rlo, empty_plan):
    # the accessor is a thin door to report.plot/iplot: same chart type and trace count
    a, b = rlo.iplot(), iplot(rlo)
    assert a.data[0].type == b.data[0].type == "sankey"
    assert len(a.data) == len(b.data)
    assert rlo.iplot.distribution().data[0].type == iplot(rlo, "distribution").data[0].type
    assert rlo.plot("distribution").axes and plot(rlo, "distribution").axes
    assert len(empty_plan.plot.cash_flow().axes) == len(plot(empty_plan, "cash_flow").axes)


def test_results_do_not_import_report_and_say_how_to_get_charts():
    code = ("import sys\n"
            "from recyclopt.flowsheet import load_flowsheet\n"
            "res = load_flowsheet('demo_recycle').solve()\n"
            "assert 'recyclopt.report' not in sys.modules\n"
            "try:\n"
            "    res.plot\n"
            "except AttributeError as exc:\n"
            "    print(exc)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "attached by recyclopt.report: import it first" in r.stdout


def test_unknown_attributes_still_raise_attribute_error(rlo):
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        rlo.nonexistent  # noqa: B018
