"""Output files: checked before the work starts, written atomically, never over an input.

Every writing command calls :func:`check_output` on each output path before it loads or solves
anything heavy, and writes through :func:`atomic_write`. An output that resolves (symlinks
included) to a file the command reads is refused with or without ``--force``; so are a folder,
a missing or read-only folder and a nearly full disk. Errors are :class:`OutputError` lines that
name the user's path, never the temporary file.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from ..errors import OutputError

#: Free space an output folder must have before the work starts (an assumption: plans, reports
#: and exported tables are a few MiB at most; range 1-100 MiB would serve as well).
MIN_FREE_BYTES = 16 * 2**20


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` are the same file (hard or symbolic links included), or would
    be (same resolved path) when one does not exist yet."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output(path: str | Path, *, inputs: Mapping[str, str | Path] | None = None,
                 force: bool = False, option: str = "--output", create_parent: bool = False,
                 min_free: int = MIN_FREE_BYTES) -> Path:
    """Refuse an output path that cannot or must not be written, before any long work.

    Parameters
    ----------
    path : the output file.
    inputs : what the command reads, as ``{description: path}`` (e.g. ``{"case file":
        "plant.yaml"}``); an output resolving to any of them is refused even with ``force``.
    force : an existing (non-input) file may be replaced.
    option : the command-line option that names the output, for the message.
    create_parent : the writer creates a missing folder itself (only its nearest existing
        ancestor must then be writable).
    min_free : bytes that must be free in the output's folder.

    Raises
    ------
    OutputError
        Naming the output path and what to do.
    """
    dest = Path(path)
    for what, inp in (inputs or {}).items():
        if inp is not None and same_file(dest, inp):
            raise OutputError(f"{option} {str(dest)!r} is the {what} {str(inp)!r} that this "
                              "command reads; choose another output path", field=option)
    if dest.is_dir():
        raise OutputError(f"{option} {str(dest)!r} is a folder; give a file name inside it",
                          field=option)
    if (dest.exists() or dest.is_symlink()) and not force:
        raise OutputError(f"output file {str(dest)!r} already exists; use --force to overwrite "
                          "it", field=option)
    folder = dest.parent if str(dest.parent) else Path(".")
    if create_parent:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not folder.exists():
        raise OutputError(f"output folder {str(folder)!r} of {option} {str(dest)!r} does not "
                          "exist; create it first", field=option)
    if not folder.is_dir():
        raise OutputError(f"{option} {str(dest)!r}: {str(folder)!r} is not a folder",
                          field=option)
    _probe_writable(folder, dest, option)
    free = shutil.disk_usage(folder).free
    if free < min_free:
        raise OutputError(f"only {free / 2**20:.1f} MiB free in folder {str(folder)!r} for "
                          f"{option} {str(dest)!r} (needs {min_free / 2**20:.0f} MiB); free "
                          "space or choose another folder", field=option)
    return dest


def _probe_writable(folder: Path, dest: Path, option: str) -> None:
    """Create and remove a file in ``folder``: os.access says yes to root on a read-only
    mount, an actual file says the truth."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".recyclopt-probe-", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write to folder {str(folder)!r} for {option} {str(dest)!r}: "
                          f"{_reason(exc)}; choose another folder", field=option) from None
    os.close(fd)
    os.unlink(probe)


def _reason(exc: OSError, tmp: Path | None = None, dest: Path | None = None) -> str:
    """What went wrong, in words, never naming the temporary file ``tmp`` (``dest`` instead)."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only)"
    if exc.errno == errno.ENOSPC:
        return "No space left on device (disk full); free space or choose another folder"
    text = exc.strerror or str(exc) or type(exc).__name__
    return text.replace(str(tmp), str(dest)) if tmp is not None else text


def atomic_write(path: str | Path, write: Callable[[Path], None], *, force: bool = False) -> Path:
    """Write a file atomically: ``write(tmp)`` into a temporary file beside ``path``, then
    rename it over ``path``. The temporary file is removed on every failure (an exception in
    ``write``, a full disk, an interrupt); the old file, if any, is then left intact.

    Parameters
    ----------
    path : destination.
    write : callable that writes the content to the temporary path it is given.
    force : overwrite an existing file (otherwise an existing file is an error).

    Raises
    ------
    OutputError
        The file exists without ``force``, its folder is missing, or an OS error (permission,
        full disk) occurs while writing; the message names ``path``. Other exceptions of
        ``write`` propagate unchanged after the clean-up.
    """
    dest = Path(path)
    if dest.is_dir():
        raise OutputError(f"output {str(dest)!r} is a folder; give a file name inside it",
                          field="output")
    if dest.exists() and not force:
        raise OutputError(f"output file {str(dest)!r} already exists; use --force to overwrite "
                          "it", field="output")
    if not dest.parent.exists():
        raise OutputError(f"output folder {str(dest.parent)!r} does not exist", field="output")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=dest.suffix, dir=dest.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {str(dest)!r}: {_reason(exc)}", field="output") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        # mkstemp creates the file owner-only (0600); give it the mode a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        write(tmp_path)
        os.replace(tmp_path, dest)
    except OSError as exc:
        raise OutputError(f"cannot write {str(dest)!r}: {_reason(exc, tmp_path, dest)}; the "
                          "previous file (if any) is unchanged", field="output") from None
    finally:
        tmp_path.unlink(missing_ok=True)
    return dest
