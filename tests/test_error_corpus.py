"""The error corpus: every malformed input gives one clear stderr line and a non-zero exit.

The inputs and their expected messages are data (``tests/corpus/manifest.yaml``; regenerate
with ``tests/corpus/build_corpus.py``). Each entry runs in-process through
:func:`recyclopt.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from recyclopt.cli import main

CORPUS = Path(__file__).parent / "corpus"
ENTRIES = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["entries"]


def test_corpus_is_large_enough() -> None:
    assert len(ENTRIES) >= 60
    kinds = {e["name"].split("/")[0] for e in ENTRIES}
    assert {"case", "flowsheet", "feed", "scenario", "cli"} <= kinds


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_error_entry(entry: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may be written next to the inputs
    argv = [a.replace("{corpus}", str(CORPUS)).replace("{tmp}", str(tmp_path))
            for a in entry["argv"]]
    code = main(argv)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == entry["exit"], (code, err)
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("recyclopt: error:"), line
    assert "Traceback" not in err
    for bad in ("KeyError", "TypeError", "AttributeError", "ValueError:"):
        assert bad not in line, line
    for s in entry["expect"]:
        assert s in line, f"{s!r} not in {line!r}"
    if "exact" in entry:  # the whole line: file, line number, field, message, suggestion
        assert line == "recyclopt: error: " + entry["exact"].replace("{corpus}", str(CORPUS))
    assert list(tmp_path.iterdir()) == [], "an input error left files behind"
