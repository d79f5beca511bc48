"""The held-back malformed inputs (``heldback.py``) keep the promise the stored corpus keeps."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import heldback  # noqa: E402
from check import run_case  # noqa: E402

CASES = heldback.build()


def test_there_are_about_a_hundred():
    assert 90 <= len(CASES) <= 110


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}" for i in range(len(CASES))])
def test_held_back_case_ends_in_one_error_line(case, tmp_path, capsys, monkeypatch):
    run_case(case, tmp_path, capsys, monkeypatch)
