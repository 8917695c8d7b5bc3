"""Safe file output: atomic writes and no silent overwrites."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .outputs import atomic_write

if TYPE_CHECKING:  # pandas is imported where tables are written, not with the package
    import pandas as pd

TABLE_FORMATS = (".csv", ".xlsx", ".json")


def parse_yaml(text: str, source: str, error: type[InputError]):
    """Parse an input file's YAML text; a syntax error becomes ``error`` naming the file, the
    line and the column (PyYAML's safe loader: no ``!!python`` tags; size, depth, alias and
    duplicate-key guards of :mod:`recyclopt.io.yaml_input`)."""
    from .yaml_input import load_yaml

    return load_yaml(text, source, error).data


def read_input_text(path: str | Path, what: str) -> str:
    """Read an input file as UTF-8 text (inputs are only ever read).

    Parameters
    ----------
    path : the file.
    what : what it is, for the message (``case file``, ``flowsheet file`` ...).

    Raises
    ------
    InputError
        When the file cannot be read or is not UTF-8 text.
    """
    from .yaml_input import MAX_CHARS

    p = Path(path)
    try:
        if p.stat().st_size > 4 * MAX_CHARS:  # UTF-8: at most 4 bytes per character
            raise InputError(f"{what} is {p.stat().st_size:,} bytes, over the input limit of "
                             f"{MAX_CHARS:,} characters", source=str(p))
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text (byte {exc.start}); save it as UTF-8 "
                         "YAML", source=str(p)) from None
    except OSError as exc:
        raise InputError(f"{what} cannot be read: {exc.strerror or exc}", source=str(p)) from None


def table_files(path: str | Path, names: list[str]) -> list[Path]:
    """The files :func:`write_tables` writes for tables ``names`` at ``path``: the file
    itself, and for ``.csv`` one ``<stem>.<name>.csv`` beside it per table after the first."""
    dest = Path(path)
    if dest.suffix.lower() != ".csv":
        return [dest]
    return [dest, *(dest.with_name(f"{dest.stem}.{n}.csv") for n in names[1:])]


def write_tables(path: str | Path, tables: Mapping[str, pd.DataFrame], *, force: bool = False
                 ) -> Path:
    """Write named tables: ``.xlsx`` one sheet each, ``.json`` one object, ``.csv`` the first
    table (the others beside it as ``<stem>.<name>.csv``, also written atomically)."""
    import pandas as pd

    dest = Path(path)
    suffix = dest.suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise InputError(f"output {str(dest)!r}: unsupported format {suffix!r}; allowed: "
                         f"{', '.join(TABLE_FORMATS)}", field="output")
    items = list(tables.items())
    if suffix == ".csv":
        first_name, first = items[0]
        extra = list(zip(table_files(dest, [n for n, _ in items])[1:],
                         [t for _, t in items[1:]], strict=True))
        clash = [p for p, _ in [(dest, first), *extra] if p.exists()]
        if clash and not force:
            raise InputError(f"output file {str(clash[0])!r} already exists; use --force to "
                             "overwrite it", field="output")
        atomic_write(dest, lambda p: first.to_csv(p), force=True)
        for p, t in extra:
            atomic_write(p, lambda q, t=t: t.to_csv(q), force=True)
        return dest
    if suffix == ".xlsx":
        def _xlsx(p: Path) -> None:
            try:
                with pd.ExcelWriter(p, engine="openpyxl") as xw:
                    for n, t in items:
                        t.to_excel(xw, sheet_name=n[:31])
            except ImportError:
                raise InputError("writing .xlsx needs openpyxl: pip install 'recyclopt[excel]'",
                                 field="output") from None
        return atomic_write(dest, _xlsx, force=force)

    def _json(p: Path) -> None:
        obj = {n: json.loads(t.to_json(orient="split", default_handler=str)) for n, t in items}
        p.write_text(json.dumps(obj, indent=1), encoding="utf-8")

    return atomic_write(dest, _json, force=force)
