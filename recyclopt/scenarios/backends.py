"""Where a sweep's scenarios are solved: in-process, a local process pool, or Dask.

Every backend runs the same :class:`~recyclopt.scenarios.engine.SweepEngine` on chunks of
scenarios; each worker process builds its engine once, when it starts (from a pickled
:class:`SweepSpec` holding the driver's superstructure and design, sent once per worker), and
keeps it for every chunk it gets. Chunks are sized by guided scheduling
(:func:`~recyclopt.scenarios.pool.chunk_size`: large at first, smaller as the sweep ends, so
the workers finish together). Results come back to the driver and are written to the
:class:`~recyclopt.scenarios.store.ResultStore` there in sweep order (one transaction per
chunk), so a killed sweep loses at most the chunks in flight, and a resumed one solves exactly
the scenarios not yet stored.

``serial``
    in this process.
``processes``
    a :class:`concurrent.futures.ProcessPoolExecutor` (``forkserver`` start method where the
    platform has it, else ``spawn``: workers never inherit a solver's threads); the fork
    server is started first (:func:`~recyclopt.scenarios.pool.start_early`), so its imports
    overlap the driver's set-up.
``dask``
    a ``dask.distributed`` client: a :class:`~distributed.LocalCluster` of ``workers``
    single-threaded worker processes by default (started by the command line in a background
    thread before its own set-up, :func:`~recyclopt.scenarios.pool.start_early`), or the
    cluster at ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``), whose workers need
    recyclopt installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import progress as progress_report
from ..errors import InputError
from ..optimize.case import Case
from ..optimize.superstructure import Superstructure, build
from .definition import Scenario
from .engine import EngineOptions, SweepEngine
from .params import BACKENDS
from .pool import chunk_size, local_cluster, mp_context, start_early, take_early_cluster
from .store import ResultStore


@dataclass
class SweepSpec:
    """Everything a worker needs to build its engine (pickled once per worker).

    ``sup`` is the driver's superstructure of ``case`` when it has one: a worker then starts
    without re-running the flowsheets (seconds per worker). It is derived from ``case``, so
    it is not part of :attr:`key`.
    """

    case: Case
    options: EngineOptions = field(default_factory=EngineOptions)
    levers: dict[str, Any] = field(default_factory=dict)
    design: np.ndarray | None = None
    sup: Superstructure | None = None

    @property
    def key(self) -> str:
        return hashlib.sha256(pickle.dumps((self.case, self.options, sorted(self.levers.items()),
                                            None if self.design is None
                                            else self.design.tobytes()))).hexdigest()[:20]

    def engine(self) -> SweepEngine:
        from .policy import resolve_settings

        return SweepEngine(self.case, self.options,
                           resolve_settings(self.case, self.levers), design=self.design,
                           sup=self.sup)


_ENGINES: dict[str, SweepEngine] = {}  # per worker process: spec key -> engine


def _engine_for(spec: SweepSpec) -> SweepEngine:
    key = spec.key
    eng = _ENGINES.get(key)
    if eng is None:
        _ENGINES.clear()  # one sweep per worker at a time
        eng = _ENGINES[key] = spec.engine()
        eng.warm_up()
    return eng


def run_chunk(spec: SweepSpec, chunk: list[Scenario]) -> list[dict[str, Any]]:
    """Solve a chunk of scenarios on this process's engine for ``spec``."""
    eng = _engine_for(spec)
    return [eng.solve(s).row for s in chunk]


_WORKER_ENGINE: SweepEngine | None = None  # per worker process of the process pool
_WATCHED: set[int] = set()  # per worker process: the driver pids being watched


def _alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie, killed but not yet reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def watch_driver(driver_pid: int, period_s: float = 0.5) -> None:
    """In a worker process on the driver's machine: exit as soon as the sweep's driver dies
    (SIGKILL included), so no worker outlives its sweep.

    Linux also gets ``PR_SET_PDEATHSIG`` (the kernel kills the worker when its parent, the
    pool's fork server or Dask's nanny, exits). Everywhere, a daemon thread polls the driver
    every ``period_s``; when the driver is gone it also kills this worker's parent if that
    parent is one of the driver's children (a local Dask nanny, which would restart the worker)
    and then exits. Idempotent; does nothing in the driver itself.
    """
    import threading
    import time

    if driver_pid == os.getpid() or driver_pid in _WATCHED:
        return
    _WATCHED.add(driver_pid)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    parent = os.getppid()
    helper = parent if parent != driver_pid and _parent_of(parent) == driver_pid else None

    def watch() -> None:
        while _alive(driver_pid) and os.getppid() == parent:
            time.sleep(period_s)
        if helper is not None:
            with contextlib.suppress(OSError):
                os.kill(helper, signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="recyclopt-driver-watch", daemon=True).start()


def _init_worker(spec_bytes: bytes, driver_pid: int) -> None:
    """A pool worker's start: the spec arrives once, and the engine is built here, before
    the first chunk (the base plan solved too, so every chunk only solves scenarios)."""
    global _WORKER_ENGINE
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides when to stop
    watch_driver(driver_pid)
    _WORKER_ENGINE = pickle.loads(spec_bytes).engine()
    _WORKER_ENGINE.warm_up()


def _pool_chunk(chunk: list[Scenario]) -> list[dict[str, Any]]:
    assert _WORKER_ENGINE is not None
    return [_WORKER_ENGINE.solve(s).row for s in chunk]


def _chunks(items: Iterable[Scenario], total: int, workers: int,
            fixed: int | None = None) -> Iterator[list[Scenario]]:
    """``items`` (``total`` of them) in chunks sized by :func:`~.pool.chunk_size` for
    ``workers``, drawn lazily (a large sample is never held whole)."""
    it = iter(items)
    left = total
    while chunk := list(itertools.islice(it, chunk_size(left, workers, fixed))):
        left -= len(chunk)
        yield chunk


def in_sweep_order(done: Iterable[tuple[int, list[dict[str, Any]]]]
              ) -> Iterator[list[dict[str, Any]]]:
    """Chunks' rows in sweep order from ``(chunk number, rows)`` in the order they finish
    (the ones that finish early wait for the ones before them)."""
    ready: dict[int, list[dict[str, Any]]] = {}
    nxt = 0
    for k, rows in done:
        ready[k] = rows
        while nxt in ready:
            yield ready.pop(nxt)
            nxt += 1


#: Chunks in flight per worker on the parallel backends: enough to keep workers busy, few
#: enough that a large sweep's scenarios are generated as they are solved.
IN_FLIGHT_PER_WORKER = 4


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while a sweep runs, so pools shut down cleanly
    (rows already committed stay; the chunks in flight are solved again on resume)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _iter_serial(spec: SweepSpec, chunks: Iterable[list[Scenario]],
                 eng: SweepEngine | None = None) -> Iterator[list[dict[str, Any]]]:
    eng = eng if eng is not None else spec.engine()
    for ch in chunks:
        yield [eng.solve(s).row for s in ch]


def _iter_processes(spec: SweepSpec, chunks: Iterable[list[Scenario]], workers: int
                    ) -> Iterator[list[dict[str, Any]]]:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ex = ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(),
                             initializer=_init_worker, initargs=(pickle.dumps(spec), os.getpid()))

    def finished() -> Iterator[tuple[int, list[dict[str, Any]]]]:
        todo = enumerate(chunks)
        futs = {ex.submit(_pool_chunk, ch): k
                for k, ch in itertools.islice(todo, IN_FLIGHT_PER_WORKER * workers)}
        while futs:
            done, _ = wait(futs, return_when=FIRST_COMPLETED)
            for f in done:
                k = futs.pop(f)
                nxt = next(todo, None)
                if nxt is not None:  # the worker gets its next chunk before the store writes
                    futs[ex.submit(_pool_chunk, nxt[1])] = nxt[0]
                yield k, f.result()

    try:
        yield from in_sweep_order(finished())
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _iter_dask(spec: SweepSpec, chunks: Iterable[list[Scenario]], workers: int,
               scheduler: str | None) -> Iterator[list[dict[str, Any]]]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("the dask backend needs dask.distributed: pip install "
                         "'dask[distributed]'", field="--backend") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler!r}: cannot reach the Dask scheduler "
                             f"({exc})", field="--scheduler") from None
    else:
        cluster = take_early_cluster(workers) or local_cluster(workers)
        client = Client(cluster)
    try:
        if cluster is not None:  # local workers die with this driver; remote ones are not ours
            client.run(watch_driver, os.getpid())
        spec_f = client.scatter(spec, broadcast=True)  # once per worker, not per task
        todo = enumerate(chunks)
        order: dict[Any, int] = {}

        def submit(k: int, ch: list[Scenario]) -> Any:
            f = client.submit(run_chunk, spec_f, ch, pure=False)
            order[f.key] = k
            return f

        ac = as_completed([submit(k, ch) for k, ch in
                           itertools.islice(todo, IN_FLIGHT_PER_WORKER * workers)])

        def finished() -> Iterator[tuple[int, list[dict[str, Any]]]]:
            for f in ac:
                nxt = next(todo, None)
                if nxt is not None:
                    ac.add(submit(*nxt))
                yield order.pop(f.key), f.result()

        yield from in_sweep_order(finished())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_sweep(case: Case, scenarios: Iterable[Scenario], store: ResultStore, *,
              backend: str = "serial", workers: int | None = None, scheduler: str | None = None,
              options: EngineOptions | None = None, levers: dict[str, Any] | None = None,
              chunk_size: int | None = None,
              on_chunk: Callable[[int], None] | None = None, total: int | None = None) -> int:
    """Solve every scenario not yet in ``store`` and store its row; returns how many were
    solved now.

    Parameters
    ----------
    backend : ``serial``, ``processes`` or ``dask``.
    workers : worker processes (default: the CPU count) for ``processes`` and a local Dask
        cluster.
    scheduler : address of an existing Dask scheduler (``dask`` only).
    chunk_size : scenarios per task (default: guided, :func:`~.pool.chunk_size`).
    on_chunk : called with the number of rows after each stored chunk.
    total : number of ``scenarios`` when they are an iterator (drawn as they are solved).

    Progress (:mod:`recyclopt.progress`): a task "sweep" of ``total`` steps, the already
    stored ones reported done at the start, then each stored chunk's rows.
    """
    if backend not in BACKENDS:
        raise InputError(f"--backend {backend!r}; allowed: {list(BACKENDS)}", field="--backend")
    if scheduler and backend != "dask":
        raise InputError("--scheduler needs --backend dask", field="--scheduler")
    workers = int(workers or os.cpu_count() or 1)
    if workers < 1:
        raise InputError(f"--workers {workers}; allowed range >= 1", field="--workers")
    options = options or EngineOptions()
    done = store.done_ids()
    if total is None:
        scenarios = list(scenarios)
        total = len(scenarios)
    n_pending = max(total - len(done), 0)
    pending = (s for s in scenarios if s.id not in done)
    first = next(pending, None)
    if first is None:
        return 0
    if backend == "processes":
        start_early()  # the fork server imports while the driver builds below
    spec = SweepSpec(case, options, dict(levers or {}))
    driver = None
    if options.fixed_design or backend == "serial":
        driver = spec.engine()
    # the workers start from the driver's superstructure instead of each re-running the
    # flowsheets (once here, not once per worker)
    spec.sup = driver.sup if driver is not None else build(case)
    if options.fixed_design:  # one design for every worker: the driver's base plan
        spec.design = driver.design
    n_par = 1 if backend == "serial" else workers
    chunks = _chunks(itertools.chain([first], pending), n_pending, n_par, chunk_size)
    n = 0
    with progress_report.task("sweep", total, "scenario") as bar, _sigterm_as_interrupt():
        bar.advance(total - n_pending)
        if backend == "serial":
            it: Iterable[list[dict[str, Any]]] = _iter_serial(spec, chunks, driver)
        elif backend == "processes":
            it = _iter_processes(spec, chunks, workers)
        else:
            it = _iter_dask(spec, chunks, workers, scheduler)
        for rows in it:
            k = store.write(rows)
            n += k
            bar.advance(k)
            if on_chunk is not None:
                on_chunk(k)
    return n
