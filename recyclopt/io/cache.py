"""A persistent cache of results that are slow to compute and fixed by their inputs.

Design-mode searches (SX stage numbers) and the per-feedstock flowsheet solves behind the
optimizer's coefficients depend only on their inputs and on the package's code and bundled
tables. They are stored as JSON files under the user cache folder, one file per entry, named by
the SHA-256 of a canonical form of the inputs plus a fingerprint of the package (its version and
the bytes of every source and data file in it), so any change to an input, the code or a table
gives a new key: stale entries are never read, only orphaned.

* Folder: ``RECYCLOPT_CACHE_DIR`` if set; else ``platformdirs.user_cache_dir("recyclopt")``
  when platformdirs is installed; else ``$XDG_CACHE_HOME/recyclopt`` or ``~/.cache/recyclopt``.
* ``RECYCLOPT_CACHE=off`` (or ``0``/``no``/``false``) disables reading and writing.
* Entries are written atomically (temporary file, then rename); an unreadable, corrupt or
  mismatched entry is ignored (the caller recomputes and overwrites it), and a folder that
  cannot be written is ignored too: the cache only ever saves time.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..constants import __version__

#: Bumped when the layout of stored entries changes.
FORMAT = 1
_OFF = {"off", "0", "no", "false"}


def enabled() -> bool:
    """Whether the cache is on (``RECYCLOPT_CACHE`` is not ``off``)."""
    return os.environ.get("RECYCLOPT_CACHE", "").strip().lower() not in _OFF


def cache_dir() -> Path:
    """The folder entries live in (see the module docstring for the order of choice)."""
    explicit = os.environ.get("RECYCLOPT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "recyclopt"
    return Path(user_cache_dir("recyclopt", appauthor=False))


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the package version and of every ``.py``/``.csv``/``.yaml``/``.json`` file of
    the installed package (code, species and thermo tables, separation factors, catalogue),
    so editing any of them invalidates every entry."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{__version__}|{FORMAT}".encode())
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".csv", ".yaml", ".json") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def canonical(value: Any) -> Any:
    """A JSON-ready form of ``value`` that is equal for equal inputs: mappings with sorted
    string keys, sequences and arrays as lists, floats as exact hex (so 0.1 and
    0.1000000000000001 differ), numpy scalars as Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return canonical(value.tolist())
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value.hex() if math.isfinite(value) else repr(value)
    raise TypeError(f"cache key part of unsupported type {type(value).__name__}")


def key(kind: str, parts: Mapping[str, Any]) -> str:
    """The entry name of ``parts`` for a cache of ``kind``: a SHA-256 hex digest."""
    text = json.dumps([kind, code_fingerprint(), canonical(parts)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _path(kind: str, digest: str) -> Path:
    return cache_dir() / kind / f"{digest}.json"


def lookup(kind: str, parts: Mapping[str, Any]) -> Any | None:
    """The value stored for ``parts``, or None (cache off, no entry, or an entry that cannot
    be read or parsed, or that was stored for other inputs)."""
    if not enabled():
        return None
    digest = key(kind, parts)
    try:
        entry = json.loads(_path(kind, digest).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != digest or "value" not in entry:
        return None
    return entry["value"]


def store(kind: str, parts: Mapping[str, Any], value: Any) -> None:
    """Store the JSON-serialisable ``value`` for ``parts``, atomically; failures to write
    (read-only or full disk) are ignored."""
    if not enabled():
        return
    from ..errors import OutputError
    from .outputs import atomic_write

    digest = key(kind, parts)
    dest = _path(kind, digest)
    text = json.dumps({"key": digest, "kind": kind, "value": value}, allow_nan=True)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(dest, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=True)
    except (OSError, OutputError):
        return
