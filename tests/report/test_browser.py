"""The report in a real headless browser (Debian's chromium driven by Playwright).

Skips when chromium or Playwright is missing. CI installs them:
``apt-get install -y chromium`` and ``pip install playwright`` (no ``playwright install``:
the Debian browser is used). A screenshot is kept in ``tests/artifacts/`` (git-ignored) and
under pytest's ``tmp_path``. ``RECYCLOPT_CHROMIUM`` names another browser binary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from recyclopt.report import ReportInput, plan_sankey, write_report

CHROMIUM = (os.environ.get("RECYCLOPT_CHROMIUM") or shutil.which("chromium")
            or "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="chromium is not installed (apt-get install -y chromium)"),
]


def _browser():
    sync = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install playwright)")
    return sync.sync_playwright()


def test_report_renders_offline_in_chromium(plan, tmp_path):
    from recyclopt.report.make import route_figures

    out = tmp_path / "report.html"
    write_report(out, ReportInput(plan=plan, case=plan.case, flowsheets=route_figures(plan)))
    expected = plan_sankey(plan)
    errors: list[str] = []
    requests: list[str] = []
    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: errors.append(f"{m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

            def route(r):  # the page must need nothing from the network
                if r.request.url.startswith(("file:", "data:", "blob:")):
                    r.continue_()
                else:
                    requests.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(out.as_uri(), wait_until="load")
            page.wait_for_selector("div[data-chart='plan sankey'] g.sankey-node",
                                   timeout=30_000)
            sankey = page.locator("div[data-chart='plan sankey']")
            n_nodes = sankey.locator("g.sankey-node").count()
            n_links = sankey.locator("path.sankey-link").count()
            widths = sankey.locator("g.sankey-node rect").evaluate_all(
                "els => els.map(e => e.getBBox().height)")
            n_svg = page.locator("div.chart svg.main-svg").count()
            n_charts = page.locator("div.chart").count()
            plotted = page.evaluate(
                "() => [...document.querySelectorAll('div.chart .js-plotly-plot')]"
                ".filter(d => d.data && d.data.length).length")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=False)
            sankey.screenshot(path=str(tmp_path / "plan_sankey.png"))
        finally:
            browser.close()
    assert errors == []
    assert requests == []
    assert n_nodes == len(expected.nodes)
    assert n_links == len(expected.links)
    assert all(w > 0 for w in widths)
    assert plotted == n_charts and n_svg >= n_charts  # every chart drew
    assert shot.stat().st_size > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report.png")
    shutil.copy(tmp_path / "plan_sankey.png", ARTIFACTS / "report_plan_sankey.png")


#: JS: per chart, its name, trace count and the data points its traces carry (x/y/values
#: of bar, scatter, histogram and waterfall traces; link values of a Sankey).
_CHART_DATA = """() => [...document.querySelectorAll('div.chart')].map(c => {
  const d = c.querySelector('.js-plotly-plot');
  const pts = d && d.data ? d.data.map(t => t.type === 'sankey'
      ? (t.link && t.link.value ? t.link.value.length : 0)
      : Math.max((t.x || []).length, (t.y || []).length, (t.values || []).length)) : [];
  return {name: c.dataset.chart, traces: d && d.data ? d.data.length : 0, points: pts};
})"""


def _chart_not_blank(png: Path) -> tuple[int, float]:
    """Distinct colours and the share of non-background pixels in a chart's screenshot."""
    from PIL import Image

    im = Image.open(png).convert("RGB")
    colours = im.getcolors(maxcolors=1 << 20) or []
    background = max(colours)[1] if colours else (255, 255, 255)
    n = im.width * im.height
    other = sum(c for c, rgb in colours if rgb != background)
    return len(colours), other / n


def _render(out: Path, tmp_path: Path) -> dict:
    """Open a report offline in chromium; the charts' data and a screenshot of each."""
    errors: list[str] = []
    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:", "blob:")) else r.abort())
            page.goto(out.as_uri(), wait_until="load")
            charts = page.locator("div.chart")
            if charts.count():
                page.wait_for_selector("body[data-charts-drawn='yes']", timeout=30_000)
            data = page.evaluate(_CHART_DATA)
            shots = []
            for i in range(charts.count()):
                png = tmp_path / f"{out.stem}-chart-{i}.png"
                charts.nth(i).screenshot(path=str(png))
                shots.append(png)
            text = page.inner_text("main")
            page.screenshot(path=str(tmp_path / f"{out.stem}.png"), full_page=False)
        finally:
            browser.close()
    return {"errors": errors, "charts": data, "shots": shots, "text": text}


def _assert_no_empty_chart(r: dict) -> None:
    assert r["errors"] == []
    for c, png in zip(r["charts"], r["shots"], strict=True):
        assert c["traces"] >= 1 and max(c["points"]) > 0, c  # a trace with data
        n_colours, drawn = _chart_not_blank(png)
        # measured: a chart with no data (empty axes, gridlines, labels) covers 1.3 % of its
        # box with non-background pixels; every chart of the 3x plan covers 12-57 %
        assert n_colours > 100 and drawn > 0.05, (c["name"], n_colours, drawn)


def test_screenshots_built_plan_no_empty_chart(plan, tmp_path):
    out = tmp_path / "built.html"
    write_report(out, ReportInput(plan=plan, case=plan.case))
    r = _render(out, tmp_path)
    names = [c["name"] for c in r["charts"]]
    assert {"plan sankey", "magnet sankey", "products", "capacities", "npv waterfall",
            "cash flow", "capex", "opex"} <= set(names)
    _assert_no_empty_chart(r)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "built.png", ARTIFACTS / "report_built.png")


def test_screenshots_nothing_built_shows_break_even_charts(empty_plan, plan, tmp_path):
    # the 3x plan stands in for the break-even plan (the page's job is to draw it)
    out = tmp_path / "empty.html"
    write_report(out, ReportInput(plan=empty_plan, case=empty_plan.case, breakeven=plan,
                                  breakeven_factor=3.0))
    r = _render(out, tmp_path)
    assert len(r["charts"]) >= 8
    assert "No option is built" in r["text"] and "break-even plan" in r["text"]
    _assert_no_empty_chart(r)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "empty.png", ARTIFACTS / "report_nothing_built.png")


def test_screenshots_nothing_built_without_break_even_has_no_chart(empty_plan, tmp_path):
    out = tmp_path / "none.html"
    write_report(out, ReportInput(plan=empty_plan, case=empty_plan.case))
    r = _render(out, tmp_path)
    assert r["charts"] == [] and r["errors"] == []
    assert "No charts: nothing is built" in r["text"]
