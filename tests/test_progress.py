"""The progress sink: no-op by default, swapped in a block, off when stderr is no terminal."""

from __future__ import annotations

import io
import subprocess
import sys

import yaml

from recyclopt import progress
from tests.optimize.cases import one_plant_case


class Recorder:
    """A fake sink: every task's label, total and steps, in order."""

    def __init__(self) -> None:
        self.tasks: list[dict] = []
        self.open: set[int] = set()

    def start(self, label, total, unit):
        self.tasks.append({"label": label, "total": total, "unit": unit, "steps": 0})
        self.open.add(len(self.tasks) - 1)
        return len(self.tasks) - 1

    def advance(self, task_id, n):
        assert task_id in self.open
        self.tasks[task_id]["steps"] += n

    def finish(self, task_id):
        self.open.remove(task_id)


def test_tasks_go_to_the_sink_in_use_and_nowhere_outside():
    rec = Recorder()
    with progress.task("before", 2) as t:  # the default sink: nothing recorded, no error
        t.advance()
    with progress.using(rec):
        with progress.task("outer", 3, "MILP") as t:
            for _ in range(3):
                t.advance()
            with progress.task("inner") as u:
                u.advance(2)
    assert progress.current() is progress.NULL  # restored after the block
    assert rec.tasks == [{"label": "outer", "total": 3, "unit": "MILP", "steps": 3},
                         {"label": "inner", "total": None, "unit": "", "steps": 2}]
    assert not rec.open  # every task finished


def test_a_task_is_finished_when_its_block_raises():
    rec = Recorder()
    with progress.using(rec):
        try:
            with progress.task("fails", 5):
                raise KeyError("x")
        except KeyError:
            pass
    assert not rec.open


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_only_on_a_terminal_unless_asked():
    assert not progress.wanted(None, io.StringIO())  # a pipe or file: off
    assert progress.wanted(None, _Tty())
    assert not progress.wanted(False, _Tty())  # --no-progress
    assert progress.wanted(True, io.StringIO())  # --progress


def test_optimize_with_stderr_not_a_terminal_prints_no_bar(tmp_path):
    # the one-plant case of the cost-of-recovery tests: --break-even runs a sequence of
    # MILPs, each a progress step when a bar is drawn
    case = one_plant_case({"convention": "simple", "discount_rate": 0.1})
    f = tmp_path / "tiny.yaml"
    f.write_text(yaml.safe_dump(case), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "recyclopt", "optimize", str(f), "--break-even",
                        "oxide:Nd"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Cost of recovery" in r.stdout
    # no bar: none of rich's bar, spinner or task text, nor carriage returns, on stderr
    for mark in ("━", "⠋", "\r", "\x1b[", "cost of recovery", "MILP"):
        assert mark not in r.stderr, (mark, r.stderr)


def test_optimize_draws_the_bar_on_a_terminal_stderr():
    # the positive control of the test above: the bundled case, stderr a pseudo-terminal
    import os
    import pty

    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "recyclopt", "optimize", "--break-even", "all"],
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    try:
        while chunk := os.read(master, 65536):  # read as it comes: a full pty would block
            seen += chunk
    except OSError:  # the child closed the terminal
        pass
    finally:
        os.close(master)
    out = p.stdout.read().decode()
    assert p.wait(timeout=600) == 0
    assert b"cost of recovery" in seen and b"MILP" in seen
    assert out.startswith("Plant plan") and "MILP/s" not in out  # no bar on stdout
