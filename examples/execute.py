"""Execute the example notebooks in place, storing their outputs (run after editing them).

    python examples/execute.py [NOTEBOOK ...]

Each notebook runs in a fresh kernel from the ``examples/`` folder; interactive plotly charts
are stored with a static matplotlib copy next to them, so the notebooks render on GitHub.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbclient
import nbformat

HERE = Path(__file__).resolve().parent


def execute(path: Path, timeout: int = 120) -> float:
    """Run one notebook in place; returns the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}}).execute()
    took = time.perf_counter() - t0
    nbformat.write(nb, path)
    return took


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(HERE.glob("*.ipynb"))
    for p in paths:
        print(f"{p.name}: {execute(p):.1f} s")
