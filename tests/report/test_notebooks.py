"""The example notebooks in ``examples/`` execute from top to bottom (nbclient)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
#: Per-cell limit; every notebook runs in well under 30 s on the CI machine.
CELL_TIMEOUT_S = 120


def test_examples_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01_route_comparison", "02_taiwan_plant", "03_price_sweep"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install nbclient ipykernel")
    pytest.importorskip("ipykernel", reason="pip install ipykernel")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    client.execute()
    took = time.perf_counter() - t0
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    # every chart cell produced a figure (plotly JSON or a PNG)
    kinds = {k for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
             for k in o.get("data", {})}
    assert "application/vnd.plotly.v1+json" in kinds or "image/png" in kinds
    assert took < 90, f"{path.name} took {took:.0f} s"
