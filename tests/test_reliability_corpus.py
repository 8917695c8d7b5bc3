"""The reliability corpus (issue 21): each input gives exactly the expected stderr line and exit
code, leaves nothing behind, and changes no input file (``tests/corpus/reliability/``;
regenerate with its ``build.py``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from recyclopt.cli import main

CORPUS = Path(__file__).parent / "corpus"
HERE = CORPUS / "reliability"
ENTRIES = yaml.safe_load((HERE / "manifest.yaml").read_text(encoding="utf-8"))["entries"]


def _snapshot() -> dict[str, str]:
    """Every file of the corpus (the inputs) by content, symlinks by target."""
    out = {}
    for p in sorted(CORPUS.rglob("*")):
        if p.is_symlink():
            out[str(p)] = "-> " + str(p.readlink())
        elif p.is_file():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_corpus_covers_each_class() -> None:
    names = [e["name"] for e in ENTRIES]
    assert len(names) == len(set(names)) >= 20
    for word in ("is_case", "symlink", "price_history", "folder", "plan_without", "excel",
                 "binary_history", "damaged"):
        assert any(word in n for n in names), word


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_reliability_entry(entry: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    before = _snapshot()

    def sub(s: str) -> str:
        return s.replace("{corpus}", str(CORPUS)).replace("{tmp}", str(tmp_path))

    code = main([sub(a) for a in entry["argv"]])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == entry["exit"], (code, err)
    assert lines == [sub(entry["line"])], err
    assert list(tmp_path.iterdir()) == [], "an error left files behind"
    assert _snapshot() == before, "an input file changed"
