"""The stored malformed-input corpus: every case ends in one error line and exit status 2, in every
reader and subcommand it reaches, and the corpus is what ``make_corpus.py`` writes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_corpus  # noqa: E402
from check import run_case  # noqa: E402

FILES = sorted(make_corpus.CORPUS.glob("*.json"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_case_ends_in_one_error_line(path, tmp_path, capsys, monkeypatch):
    run_case(json.loads(path.read_text()), tmp_path, capsys, monkeypatch)


def test_corpus_is_what_the_generator_writes():
    cases = make_corpus.build()
    assert [p.name for p in FILES] == make_corpus.file_names(cases), "run python tests/fuzz/make_corpus.py"
    for path, case in zip(FILES, cases):
        assert path.read_text() == make_corpus.encode(case), f"{path.name} differs; run make_corpus.py"


def test_corpus_size_and_descriptions():
    cases = [json.loads(p.read_text()) for p in FILES]
    assert len(cases) >= 300
    assert sum(p.stat().st_size for p in FILES) < 1_000_000
    kinds = {c["kind"] for c in cases}
    assert kinds == {"workload", "split", "argv", "onnx"}
    for c in cases:
        assert c["description"] and "\n" not in c["description"] and c["commands"]
