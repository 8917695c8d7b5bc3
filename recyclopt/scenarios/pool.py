"""How a sweep's worker processes are started and how its scenarios are cut into chunks.

Light on purpose (the standard library and the error types only): the command line starts the process pool's
fork server (or a local Dask cluster, in a background thread) here before it imports the
solver stack, so the workers' imports run on the other cores while the driver loads the case
and validates the scenarios.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import threading
from typing import Any

from ..errors import InputError

#: Modules the fork server imports once; every worker forked from it starts with them loaded.
PRELOAD = ["recyclopt.scenarios.backends"]

#: Chunks per worker that guided scheduling aims to leave in the queue: a chunk holds about
#: ``remaining / (CHUNKS_AHEAD * workers)`` scenarios, so chunks shrink as the sweep ends and
#: the workers finish together.
CHUNKS_AHEAD = 4

#: Largest chunk (scenarios): bounds what a killed sweep solves again and the rows in flight.
MAX_CHUNK = 50


def mp_context() -> mp.context.BaseContext:
    """The process pool's start method: ``forkserver`` where the platform has it (workers
    never inherit a solver's threads, and fork from a server that has imported
    :data:`PRELOAD` once), else ``spawn``."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def start_early(backend: str = "processes", workers: int | None = None) -> None:
    """Start the backend's workers now, while this process goes on with its own set-up.

    ``processes``: the fork server (it imports :data:`PRELOAD` in its own process); a no-op
    without ``forkserver`` or when it already runs. ``dask``: a local cluster of ``workers``
    (:func:`local_cluster`) made in a background thread, which
    :func:`take_early_cluster` hands to the sweep and :func:`close_early` closes if no sweep
    took it.
    """
    if backend == "processes" and mp_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
    elif backend == "dask" and workers and "thread" not in _EARLY:
        def make() -> None:
            try:
                _EARLY["cluster"] = local_cluster(workers)
            except BaseException as exc:  # reported when the sweep asks for the cluster
                _EARLY["error"] = exc

        _EARLY.update(workers=workers, thread=threading.Thread(
            target=make, name="recyclopt-dask-start", daemon=True))
        _EARLY["thread"].start()


_EARLY: dict[str, Any] = {}  # the local Dask cluster being started early


def take_early_cluster(workers: int) -> Any:
    """The cluster :func:`start_early` made for ``workers`` (waiting for it), now the
    caller's to close; None when there is none for that count. Re-raises its start's error."""
    if _EARLY.get("workers") != workers:
        return None
    _EARLY.pop("thread").join()
    _EARLY.pop("workers")
    if "error" in _EARLY:
        raise _EARLY.pop("error")
    return _EARLY.pop("cluster")


def early_cluster_pending() -> bool:
    """Whether a cluster :func:`start_early` made is waiting for a sweep to take it."""
    return "thread" in _EARLY


def close_early() -> None:
    """Close a cluster :func:`start_early` made that no sweep took (an input error, say)."""
    if "thread" in _EARLY:
        _EARLY["thread"].join()
        cluster = _EARLY.get("cluster")
        _EARLY.clear()
        if cluster is not None:
            cluster.close()


def chunk_size(remaining: int, workers: int, fixed: int | None = None) -> int:
    """Scenarios in the next chunk when ``remaining`` are left for ``workers`` (guided
    scheduling: ``ceil(remaining / (CHUNKS_AHEAD * workers))`` within 1..:data:`MAX_CHUNK`);
    ``fixed`` when given."""
    if fixed:
        return int(fixed)
    return max(1, min(MAX_CHUNK, math.ceil(max(remaining, 1) / (CHUNKS_AHEAD * workers))))


__all__ = ["CHUNKS_AHEAD", "MAX_CHUNK", "PRELOAD", "chunk_size", "close_early",
           "early_cluster_pending", "mp_context",
           "start_early", "take_early_cluster"]


def local_cluster(workers: int) -> Any:
    """A local Dask cluster of ``workers`` single-threaded worker processes that import the
    solver stack (:data:`PRELOAD`) as they start, not at their first task."""
    try:
        from distributed import LocalCluster
    except ImportError:
        raise InputError("the dask backend needs dask.distributed: pip install "
                         "'dask[distributed]'", field="--backend") from None
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, preload=list(PRELOAD))
