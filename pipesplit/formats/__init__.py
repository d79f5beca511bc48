"""Reading and writing workloads and splits: the paper's JSON formats and pipesplit's native one."""

from __future__ import annotations

import json
import math
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

__all__ = ["read_json", "load_workload", "load_split", "workload_from_json", "split_from_json", "write_json",
           "write_text", "check_output_path", "dump_json"]


def read_json(path: str | Path) -> object:
    """Parse a JSON file; a missing or malformed file is a one-line error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipesplitError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PipesplitError(f"{path}: cannot read it ({e.__class__.__name__}: {e})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise PipesplitError(f"{path}: not JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise PipesplitError(f"{path}: not a workload or split (its JSON is nested too deeply)") from None
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise PipesplitError(f"{path}: cannot read its JSON ({str(e).split(';')[0]})") from None


def _format_of(data: object) -> object:
    return data.get("format") if isinstance(data, dict) else None


def _in_file(path: str | Path, e: PipesplitError) -> PipesplitError:
    """``e`` with the file named first (its braced settings kept for the command line)."""
    return PipesplitError(f"{path}: {e.args[0] if e.args else e}")


def workload_from_json(data: object) -> tuple[Workload, Cluster]:
    """A parsed workload document in either format (told apart by its ``format`` field) and its cluster."""
    fmt = _format_of(data)
    if fmt == WORKLOAD_FORMAT:
        return workload_from_native(data)
    if fmt == SPLIT_FORMAT:
        raise PipesplitError("this is a split, not a workload; give the workload file")
    if fmt is not None:
        raise PipesplitError(f"unknown format {fmt!r:.40}; expected '{WORKLOAD_FORMAT}' or the paper's "
                             "workload JSON (no 'format' field)")
    return workload_from_paper(data)


def split_from_json(data: object, workload: Workload) -> Placement:
    """A parsed split document in either format, for ``workload``."""
    fmt = _format_of(data)
    if fmt == SPLIT_FORMAT:
        return split_from_native(data, workload)
    if fmt == WORKLOAD_FORMAT or (isinstance(data, dict) and "nodes" in data and "edges" in data):
        raise PipesplitError("this is a workload, not a split; give a split file (as pipesplit solve -o writes)")
    if fmt is not None:
        raise PipesplitError(f"unknown format {fmt!r:.40}; expected '{SPLIT_FORMAT}' or the paper's split "
                             "JSON (no 'format' field)")
    return split_from_paper(data, workload)


def load_workload(path: str | Path) -> tuple[Workload, Cluster]:
    """Read a workload in either format (detected from its content) with the cluster it names."""
    data = read_json(path)
    try:
        return workload_from_json(data)
    except PipesplitError as e:
        raise _in_file(path, e) from None


def load_split(path: str | Path, workload: Workload) -> Placement:
    """Read a split in either format for the given workload."""
    data = read_json(path)
    try:
        return split_from_json(data, workload)
    except PipesplitError as e:
        raise _in_file(path, e) from None


def check_output_path(path: str | Path, inputs: tuple[str | Path, ...] = ()) -> None:
    """Refuse an output that is one of ``inputs``, a directory, in a missing folder, or that cannot be
    written (tried by creating and removing a temporary file beside it)."""
    path = Path(path)
    try:
        for source in inputs:
            if path.exists() and Path(source).exists() and path.resolve() == Path(source).resolve():
                raise PipesplitError(f"{path} is an input file; choose another output file")
        if path.is_dir():
            raise PipesplitError(f"{path} is a directory; give a file name for the output")
        folder = _folder(path)
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise PipesplitError(f"{path}: the folder {folder} {what}; write the output into an existing folder")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as e:  # e.g. a name too long, a folder without write permission
        raise _unwritable(path, e) from None
    os.close(fd)
    os.unlink(tmp)


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _unwritable(path: Path, e: OSError) -> PipesplitError:
    return PipesplitError(f"cannot write {path} ({e.strerror or e.__class__.__name__}); "
                          "choose an output file in a folder you can write to")


def json_safe(data: object) -> object:
    """``data`` with every non-finite float (inf, NaN) as None, so that it is valid JSON."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(v) for v in data]
    return data


def dump_json(data: object, indent: int | None = None) -> str:
    """Strict JSON text of ``data``: infinities and NaN become null (``json_safe``)."""
    return json.dumps(json_safe(data), indent=indent, allow_nan=False)


def write_json(path: str | Path, data: object, inputs: tuple[str | Path, ...] = ()) -> None:
    """Write strict JSON (``dump_json``) atomically, as ``write_text`` does."""
    write_text(path, dump_json(data, indent=1) + "\n", inputs)


def write_text(path: str | Path, text: str, inputs: tuple[str | Path, ...] = ()) -> None:
    """Write text atomically: a temporary file renamed into place, never over one of ``inputs``;
    nothing is left behind when it fails or is interrupted."""
    check_output_path(path, inputs)
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=_folder(path))
    except OSError as e:
        raise _unwritable(path, e) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it the usual mode
        os.replace(tmp, path)
    except OSError as e:
        _remove(tmp)
        raise _unwritable(path, e) from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    if os.path.exists(tmp):
        os.unlink(tmp)
