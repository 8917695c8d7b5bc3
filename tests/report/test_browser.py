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
