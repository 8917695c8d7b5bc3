"""Progress of long work (sweeps, MILP sequences, solves), reported to a swappable sink.

Library code opens a :func:`task` and advances it; where the steps go is the current
:class:`Sink`, a no-op unless a caller installs one with :func:`using`. The commands install
:class:`RichSink` through :func:`terminal` (a ``rich`` bar on stderr, only when stderr is a
terminal and progress is not turned off), so stdout stays clean and tests, CI and pipes see
nothing; ``rich`` is imported only when a bar is drawn::

    with progress.task("cost of recovery", unit="MILP") as t:
        ...solve...
        t.advance()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Sink(Protocol):
    """Where progress goes: tasks started, advanced and finished by an id the sink returns."""

    def start(self, label: str, total: int | None, unit: str) -> object:
        """A new task of ``total`` steps (None: not known in advance); returns its id."""

    def advance(self, task_id: object, n: int) -> None:
        """``n`` more steps of the task done."""

    def finish(self, task_id: object) -> None:
        """The task is over (done, failed or interrupted)."""


class NullSink:
    """The default sink: reports nowhere."""

    def start(self, label: str, total: int | None, unit: str) -> object:
        return None

    def advance(self, task_id: object, n: int) -> None:
        pass

    def finish(self, task_id: object) -> None:
        pass


NULL = NullSink()
_SINK: ContextVar[Sink | None] = ContextVar("recyclopt_progress_sink", default=None)


class Task:
    """A running task of the current sink; :meth:`advance` reports steps done."""

    def __init__(self, sink: Sink, task_id: object) -> None:
        self.sink, self.task_id = sink, task_id

    def advance(self, n: int = 1) -> None:
        """``n`` more steps done."""
        if n:
            self.sink.advance(self.task_id, n)


def current() -> Sink:
    """The sink progress goes to in this context (:data:`NULL` unless one is installed)."""
    sink = _SINK.get()
    return NULL if sink is None else sink


@contextmanager
def using(sink: Sink) -> Iterator[Sink]:
    """Send progress to ``sink`` inside the block (the previous sink restored after)."""
    token = _SINK.set(sink)
    try:
        yield sink
    finally:
        _SINK.reset(token)


@contextmanager
def task(label: str, total: int | None = None, unit: str = "") -> Iterator[Task]:
    """A task of ``total`` steps (None: unknown) on the current sink, finished on exit."""
    sink = current()
    t = Task(sink, sink.start(label, total, unit))
    try:
        yield t
    finally:
        sink.finish(t.task_id)


class RichSink:
    """Transient ``rich`` bars on stderr: label, bar (a spinner when the total is unknown),
    steps done / total, rate, elapsed and remaining time. The display runs while a task is
    open, so text printed between tasks is never mixed with it; stdout is not redirected."""

    def __init__(self) -> None:
        self.progress = None
        self.open: set[object] = set()

    def _display(self):  # noqa: ANN202 - a rich Progress, imported here only
        if self.progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                ProgressColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.text import Text

            class Rate(ProgressColumn):
                def render(self, task):  # noqa: ANN001, ANN202
                    unit = task.fields.get("unit") or "step"
                    return Text(f"{task.speed:.3g} {unit}/s" if task.speed else "")

            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                MofNCompleteColumn(), Rate(), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                redirect_stdout=False, redirect_stderr=False)
        if not self.open:
            self.progress.start()
        return self.progress

    def start(self, label: str, total: int | None, unit: str) -> object:
        tid = self._display().add_task(label, total=total, unit=unit)
        self.open.add(tid)
        return tid

    def advance(self, task_id: object, n: int) -> None:
        if task_id in self.open:
            self.progress.advance(task_id, n)

    def finish(self, task_id: object) -> None:
        if task_id not in self.open:
            return
        self.open.discard(task_id)
        self.progress.remove_task(task_id)
        if not self.open:
            self.progress.stop()


def wanted(enabled: bool | None = None, stream: object = None) -> bool:
    """Whether to draw bars: ``enabled`` when given (``--progress``/``--no-progress``), else
    when ``stream`` (default stderr) is a terminal."""
    import sys

    if enabled is not None:
        return enabled
    isatty = getattr(stream if stream is not None else sys.stderr, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def terminal(enabled: bool | None = None) -> Iterator[Sink]:
    """Bars on stderr inside the block when :func:`wanted`; else the current sink as is."""
    if not wanted(enabled):
        yield current()
        return
    with using(RichSink()) as sink:
        yield sink
