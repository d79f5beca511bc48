"""Run one malformed-input case (see ``make_corpus.py``) through the readers and the command line, in
process, and check the promise: exit status 2, one line ``pipesplit: error: ...`` on stderr, nothing on
stdout, no traceback, no file written, the inputs unchanged."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from documents import dumps, paper_split, paper_workload  # noqa: E402

from pipesplit import Cluster, PipesplitError, Workload  # noqa: E402
from pipesplit.cli import main  # noqa: E402
from pipesplit.formats import load_split, load_workload  # noqa: E402

DEFAULT_FILES = {"w.json": {"text": dumps(paper_workload())}, "split.json": {"text": dumps(paper_split())}}


def write_files(folder: Path, files: dict[str, dict]) -> None:
    """The case's files (and the default valid workload and split it does not replace) under ``folder``."""
    for name, entry in {**DEFAULT_FILES, **files}.items():
        path = folder / name
        if entry.get("folder"):
            path.mkdir()
        elif "base64" in entry:
            path.write_bytes(base64.b64decode(entry["base64"]))
        else:
            path.write_bytes(entry["text"].encode("utf-8"))


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for a folder)."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


def check_readers(case: dict) -> None:
    """The file readers raise PipesplitError (with a one-line message), or read a valid document when the
    case says it is well-formed."""
    kind, expected = case["kind"], case["reader"]
    if kind not in ("workload", "split"):
        return
    try:
        if kind == "workload":
            result = load_workload("w.json")
            assert isinstance(result[0], Workload) and isinstance(result[1], Cluster)
        else:
            load_split("s.json", load_workload("w.json")[0])
    except PipesplitError as e:
        assert expected == "error", f"{case['description']}: the reader refused a well-formed document: {e}"
        assert "\n" not in str(e) and str(e).strip(), str(e)
        return
    assert expected == "ok", f"{case['description']}: the reader accepted it"


def check_command(argv: list[str], capsys, description: str) -> None:
    """One command line ends with exit status 2 and one error line, and writes nothing."""
    before = snapshot(Path("."))
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse's own exits must not escape main
        pytest.fail(f"{description}: {argv} raised SystemExit({e.code})")
    out, err = capsys.readouterr()
    assert code == 2, f"{description}: {argv} exited {code}\nstdout: {out[:500]}\nstderr: {err[:2000]}"
    lines = err.split("\n")
    assert len(lines) == 2 and lines[1] == "", f"{description}: {argv} printed {len(lines) - 1} lines:\n{err}"
    assert lines[0].startswith("pipesplit: error: ") and len(lines[0]) > len("pipesplit: error: "), err
    assert "Traceback" not in err and out == "", (description, out, err)
    assert snapshot(Path(".")) == before, f"{description}: {argv} changed the folder"


def run_case(case: dict, folder: Path, capsys, monkeypatch) -> None:
    """Write the case's files into ``folder`` and check its readers and commands there."""
    write_files(folder, case["files"])
    monkeypatch.chdir(folder)
    capsys.readouterr()
    check_readers(case)
    for argv in case["commands"]:
        check_command(argv, capsys, case["description"])
