"""HiGHS's thread scheduler is process-wide: recyclopt's thread setting must survive runs
made outside it."""

from __future__ import annotations

import importlib

import numpy as np

# the module (the package re-exports a function of the same name)
highs_mod = importlib.import_module("recyclopt.optimize.highs")


def _tiny(h) -> None:
    # max x + y  s.t.  x + 2y <= 4,  3x + y <= 6,  0 <= x, y, x integer:
    # by hand the LP optimum is (1.6, 1.2) -> 2.8; with x integer, x = 1, y = 1.5 -> 2.5
    # and x = 2, y = 0 -> 2.0, so the MILP optimum is 2.5
    import highspy

    h.setOptionValue("output_flag", False)
    h.passModel(2, 2, 4, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMaximize),
                0.0, np.array([1.0, 1.0]), np.zeros(2), np.full(2, np.inf),
                np.full(2, -np.inf), np.array([4.0, 6.0]), np.array([0, 2, 4], dtype=np.int32),
                np.array([0, 1, 0, 1], dtype=np.int32), np.array([1.0, 3.0, 2.0, 1.0]),
                np.array([1, 0], dtype=np.int32))


def test_explicit_threads_after_a_foreign_run(monkeypatch):
    import highspy

    foreign = highspy.Highs()  # run with HiGHS's own default, as appsi or user code would
    _tiny(foreign)
    foreign.run()
    monkeypatch.setitem(highs_mod._SCHEDULER, "threads", None)  # recyclopt has not set it yet
    h = highs_mod.new_highs()
    _tiny(h)
    highs_mod.set_threads(h, 1)
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    assert h.getInfo().objective_function_value == 2.5
