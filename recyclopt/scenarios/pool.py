"""How a sweep's worker processes are started and how its scenarios are cut into chunks.

Light on purpose (the standard library only): the command line starts the process pool's
fork server here before it imports the solver stack, so the server's imports run on the
second core while the driver loads the case and validates the scenarios.
"""

from __future__ import annotations

import math
import multiprocessing as mp

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


def start_early() -> None:
    """Start the fork server now (it imports :data:`PRELOAD` in its own process while this one
    goes on); a no-op without ``forkserver`` or when it already runs."""
    if mp_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def chunk_size(remaining: int, workers: int, fixed: int | None = None) -> int:
    """Scenarios in the next chunk when ``remaining`` are left for ``workers`` (guided
    scheduling: ``ceil(remaining / (CHUNKS_AHEAD * workers))`` within 1..:data:`MAX_CHUNK`);
    ``fixed`` when given."""
    if fixed:
        return int(fixed)
    return max(1, min(MAX_CHUNK, math.ceil(max(remaining, 1) / (CHUNKS_AHEAD * workers))))


__all__ = ["CHUNKS_AHEAD", "MAX_CHUNK", "PRELOAD", "chunk_size", "mp_context", "start_early"]
