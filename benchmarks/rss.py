"""Resident memory of this process, for measurements that are fair between methods.

Freed memory stays resident until the C allocator gives it back, so the resident size after
a step depends on what the process did before it (case generation, a warm-up). Each
measurement therefore starts from :func:`settle` (a full collection, then glibc's
``malloc_trim`` hands free heap pages back) and reads the peak with the kernel's
high-water mark reset at that point (:func:`reset_peak`, Linux ``/proc/self/clear_refs``).
Where the reset is unavailable, the peak is the whole process's (``getrusage``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import resource

_STATUS = "/proc/self/status"
_LIBC: list = []


def _libc():
    if not _LIBC:
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name) if name else None
            _LIBC.append(lib if lib is not None and hasattr(lib, "malloc_trim") else None)
        except OSError:
            _LIBC.append(None)
    return _LIBC[0]


def settle() -> None:
    """Collect garbage and give free heap pages back to the system (glibc only)."""
    gc.collect()
    lib = _libc()
    if lib is not None:
        lib.malloc_trim(0)


def _status_kib(key: str) -> int | None:
    try:
        with open(_STATUS, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mib() -> float:
    """Resident memory of this process now (MiB)."""
    kib = _status_kib("VmRSS")
    if kib is not None:
        return kib / 1024.0
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: psutil where installed
        import psutil

        return psutil.Process().memory_info().rss / 2**20


def reset_peak() -> bool:
    """Reset the kernel's resident high-water mark to the current size; False if not
    possible (not Linux, or not allowed)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def peak_mib() -> float:
    """Resident high-water mark (MiB): since the last :func:`reset_peak` where it worked,
    else since the process started."""
    kib = _status_kib("VmHWM")
    if kib is not None:
        return kib / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
