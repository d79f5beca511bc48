"""Coverage-guided fuzzing of the file readers with atheris (libFuzzer for Python). Not run in CI.

    pip install atheris
    python benchmarks/fuzz_atheris.py [--runs 100000] [--save crashes/]

Each input is the bytes of a file: its first byte chooses the reader (workload or split, the split
read for the bundled diamond workload) and the rest is the file. The fuzzer starts from valid
documents of both workload formats and both split formats, and from the stored malformed corpus
(``tests/fuzz/corpus``), and mutates them, steered by the readers' coverage. A reader must return or
raise ``PipesplitError``; every other exception is counted and reported at the end with its first
input (written under ``--save`` when given), and the exit status is 1 if there was any.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

import atheris

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "fuzz"))

from documents import dumps, native_split, native_workload, paper_split, paper_workload  # noqa: E402

with atheris.instrument_imports():
    from pipesplit import PipesplitError
    from pipesplit.formats import load_split, load_workload, workload_from_json

READERS = ("workload", "split")
found: collections.Counter = collections.Counter()
first: dict[str, tuple[bytes, str]] = {}


def seeds(folder: Path) -> None:
    """Valid documents, and the workloads and splits of the stored corpus, as the fuzzer's start."""
    docs = [(0, dumps(paper_workload()).encode()), (0, dumps(native_workload()).encode()),
            (1, dumps(paper_split()).encode()), (1, dumps(native_split()).encode())]
    for path in sorted((REPO / "tests" / "fuzz" / "corpus").glob("*.json")):
        case = json.loads(path.read_text())
        for name, entry in case["files"].items():
            if name in ("w.json", "s.json") and not entry.get("folder"):
                content = base64.b64decode(entry["base64"]) if "base64" in entry else entry["text"].encode()
                docs.append((0 if name == "w.json" else 1, content))
    for i, (reader, content) in enumerate(docs):
        (folder / f"seed{i:04d}").write_bytes(bytes([reader]) + content)


def fuzz_one(data: bytes, path: Path, workload) -> None:
    found["runs"] += 1
    if not data:
        return
    reader = READERS[data[0] % 2]
    path.write_bytes(data[1:])
    try:
        if reader == "workload":
            load_workload(path)
        else:
            load_split(path, workload)
    except PipesplitError as e:
        if "\n" in str(e):
            record("multi-line PipesplitError", data, str(e))
    except Exception as e:  # what the readers must never raise
        record(f"{reader}: {e.__class__.__name__}", data, traceback.format_exc(limit=-3))


def record(kind: str, data: bytes, detail: str) -> None:
    found[kind] += 1
    first.setdefault(kind, (data, detail))


def report(save: Path | None) -> None:
    """Print what was found and end the process (libFuzzer would otherwise run on)."""
    runs = found.pop("runs", 0)
    bad = sum(found.values())
    if not bad:
        print(f"fuzz_atheris: {runs} inputs, no exception other than a one-line PipesplitError", file=sys.stderr)
        os._exit(0)
    print(f"fuzz_atheris: {bad} of {runs} inputs raised something other than a one-line PipesplitError:",
          file=sys.stderr)
    for i, (kind, count) in enumerate(found.most_common()):
        data, detail = first[kind]
        print(f"  {count:6d}  {kind}\n{detail}", file=sys.stderr)
        if save:
            save.mkdir(parents=True, exist_ok=True)
            (save / f"crash{i:03d}.bin").write_bytes(data)
    os._exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="inputs to try (default 100000)")
    parser.add_argument("--save", type=Path, help="write the first input of each kind of failure here")
    args, rest = parser.parse_known_args()
    workload = workload_from_json(paper_workload())[0]
    work = Path(tempfile.mkdtemp(prefix="pipesplit-fuzz-"))
    (work / "seeds").mkdir()
    seeds(work / "seeds")
    path = work / "input.json"

    def one_input(data: bytes) -> None:
        fuzz_one(data, path, workload)
        if found["runs"] >= args.runs:
            report(args.save)

    atheris.Setup([sys.argv[0], "-max_len=4096", *rest, str(work / "seeds")], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
