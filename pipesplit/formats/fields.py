"""Typed field access for JSON readers, with one-line errors that name the field.

Node ids (and edge ends, split entries and colocation classes) must be JSON integers: ``1``, not
``1.0``, ``"1"`` or ``true``, so that ids that look alike never collide after conversion.
"""

from __future__ import annotations

import json
import math

from ..cluster import MAX_DEVICES, Cluster
from ..errors import PipesplitError

INT64_MAX = 2**63 - 1
EDGE_HINT = "every edge must join two listed nodes"


def show(x: object, width: int = 40) -> str:
    """``x`` as JSON (else its repr), cut to ``width`` characters, for messages about a bad value."""
    try:
        text = json.dumps(x, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(x)
    return text if len(text) <= width else text[: width - 3] + "..."


def is_integer(x: object) -> bool:
    """Whether ``x`` is a JSON integer (not a bool) that fits in 64 bits."""
    return isinstance(x, int) and not isinstance(x, bool) and -INT64_MAX - 1 <= x <= INT64_MAX


def number(node: dict, key: str, where: str, default: float | None = None) -> float:
    """A number field (``default`` when absent; required when ``default`` is None)."""
    if key not in node:
        if default is not None:
            return default
        raise PipesplitError(f"{where} lacks the field '{key}'")
    x = node[key]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise PipesplitError(f"{where} has '{key}' = {show(x)}; expected a number")
    try:
        return float(x)
    except OverflowError:
        raise PipesplitError(f"{where} has '{key}' = {show(x)}, too large a number; "
                             "give a value below 1e308") from None


def flag(node: dict, key: str, where: str, default: bool | None = None) -> bool:
    """A true/false field, also written 0/1."""
    if key not in node:
        if default is not None:
            return default
        raise PipesplitError(f"{where} lacks the field '{key}'")
    x = node[key]
    if isinstance(x, bool) or (isinstance(x, (int, float)) and x in (0, 1)):
        return bool(x)
    raise PipesplitError(f"{where} has '{key}' = {show(x)}; expected true/false or 0/1")


def count(node: dict, key: str, where: str, default: float) -> int:
    """A number of devices: a whole, non-negative, finite number, at most ``MAX_DEVICES``."""
    x = number(node, key, where, default)
    if not (math.isfinite(x) and 0 <= x <= MAX_DEVICES and x == int(x)):
        raise PipesplitError(f"{where} has '{key}' = {show(node.get(key))}; expected a whole number of devices "
                             f"from 0 to {MAX_DEVICES}")
    return int(x)


def integer(node: dict, key: str, where: str) -> int | None:
    """An optional non-negative integer field (absent or null: None), e.g. a colocation class."""
    x = node.get(key)
    if x is not None and not (is_integer(x) and x >= 0):
        raise PipesplitError(f"{where} has '{key}' = {show(x)}; expected a non-negative integer or null")
    return x


def node_id(x: object, where: str) -> int:
    """A node id as written in a file: a JSON integer."""
    if not is_integer(x):
        raise PipesplitError(f"{where} has id {show(x)}; node ids must be integers (write 1, not 1.0 or \"1\") "
                             f"between {-INT64_MAX - 1} and {INT64_MAX}")
    return x


def endpoint(x: object, index: dict[int, int], where: str, hint: str) -> int:
    """The position of the node an edge end or a split entry names; ``hint`` says what to do when the
    workload lacks it."""
    if not is_integer(x):
        raise PipesplitError(f"{where} names node {show(x)}; node ids are integers (write 1, not 1.0 or \"1\")")
    if x not in index:
        raise PipesplitError(f"{where} refers to unknown node {x}; {hint}")
    return index[x]


def text(node: dict, key: str, where: str, default: str | None = None) -> str | None:
    """An optional string field (absent or null: ``default``)."""
    x = node.get(key)
    if x is None:
        return default
    if not isinstance(x, str):
        raise PipesplitError(f"{where} has '{key}' = {show(x)}; expected a string")
    return x


def label(node: dict, key: str, where: str) -> int | str | None:
    """An optional tag such as a layer: an integer, a string or null."""
    x = node.get(key)
    if x is not None and not (is_integer(x) or isinstance(x, str)):
        raise PipesplitError(f"{where} has '{key}' = {show(x)}; expected an integer, a string or null")
    return x


def section(data: dict, key: str, where: str) -> dict:
    """An optional object field (absent: empty)."""
    x = data.get(key, {})
    if not isinstance(x, dict):
        raise PipesplitError(f"{where} has '{key}' = {show(x)}; expected an object, or leave the field out")
    return x


def cluster_fields(spec: dict, accelerators: str, memory: str, cpus: str, where: str) -> Cluster:
    """The cluster from a reader's three fields: accelerator count (default 1), memory per accelerator
    in bytes (absent or null: no limit) and CPU cores (default 0)."""
    mem = math.inf if spec.get(memory) is None else number(spec, memory, where)
    if not mem >= 0:
        raise PipesplitError(f"{where} has '{memory}' = {show(spec.get(memory))}; expected a non-negative number "
                             "of bytes, or null for no limit")
    k, l = count(spec, accelerators, where, 1.0), count(spec, cpus, where, 0.0)
    if k + l == 0:
        raise PipesplitError(f"{where} has no devices ('{accelerators}' and '{cpus}' are 0); "
                             "give {accelerators} or {cpus}")
    return Cluster(accelerators=k, memory=mem, cpus=l)
