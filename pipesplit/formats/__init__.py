"""Reading and writing workloads and splits: the paper's JSON formats and pipesplit's native one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..cluster import Cluster
from ..errors import PipesplitError
from ..placement import Placement
from ..workload import Workload
from .native import (
    SPLIT_FORMAT,
    WORKLOAD_FORMAT,
    split_from_native,
    workload_from_native,
)
from .paper import split_from_paper, workload_from_paper

__all__ = ["read_json", "load_workload", "load_split", "write_json", "write_text", "check_output_path"]


def read_json(path: str | Path) -> object:
    """Parse a JSON file; a missing or malformed file is a one-line error."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise PipesplitError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PipesplitError(f"{path}: cannot read it ({e.__class__.__name__}: {e})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise PipesplitError(f"{path}: not JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None


def load_workload(path: str | Path) -> tuple[Workload, Cluster]:
    """Read a workload in either format (detected from its content) with the cluster it names."""
    data = read_json(path)
    try:
        if isinstance(data, dict) and data.get("format") == WORKLOAD_FORMAT:
            return workload_from_native(data)
        return workload_from_paper(data)
    except PipesplitError as e:
        raise PipesplitError(f"{path}: {e}") from None


def load_split(path: str | Path, workload: Workload) -> Placement:
    """Read a split in either format for the given workload."""
    data = read_json(path)
    try:
        if isinstance(data, dict) and data.get("format") == SPLIT_FORMAT:
            return split_from_native(data, workload)
        return split_from_paper(data, workload)
    except PipesplitError as e:
        raise PipesplitError(f"{path}: {e}") from None


def check_output_path(path: str | Path, inputs: tuple[str | Path, ...] = ()) -> None:
    """Refuse an output that is one of ``inputs``, a directory, or in a missing folder."""
    path = Path(path)
    for source in inputs:
        if path.exists() and Path(source).exists() and path.resolve() == Path(source).resolve():
            raise PipesplitError(f"{path} is an input file; choose another output file")
    if path.is_dir():
        raise PipesplitError(f"{path} is a directory; give a file name for the output")
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise PipesplitError(f"{path}: the folder {path.parent} does not exist")


def write_json(path: str | Path, data: object, inputs: tuple[str | Path, ...] = ()) -> None:
    """Write JSON atomically (a temporary file renamed into place); never over one of ``inputs``."""
    write_text(path, json.dumps(data, indent=1) + "\n", inputs)


def write_text(path: str | Path, text: str, inputs: tuple[str | Path, ...] = ()) -> None:
    """Write text atomically (a temporary file renamed into place); never over one of ``inputs``."""
    check_output_path(path, inputs)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else Path("."))
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
