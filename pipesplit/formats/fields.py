"""Typed field access for JSON readers, with one-line errors that name the field."""

from __future__ import annotations

import math

from ..cluster import Cluster
from ..errors import PipesplitError


def number(node: dict, key: str, where: str, default=None) -> float:
    if key not in node:
        if default is not None:
            return default
        raise PipesplitError(f"{where} lacks the field '{key}'")
    x = node[key]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise PipesplitError(f"{where} has '{key}' = {x!r}; expected a number")
    return float(x)


def flag(node: dict, key: str, where: str, default: bool | None = None) -> bool:
    if key not in node:
        if default is not None:
            return default
        raise PipesplitError(f"{where} lacks the field '{key}'")
    x = node[key]
    if x in (0, 1) or isinstance(x, bool):
        return bool(x)
    raise PipesplitError(f"{where} has '{key}' = {x!r}; expected true/false or 0/1")


def count(node: dict, key: str, where: str, default: float) -> int:
    """A number of devices: a whole, non-negative, finite number."""
    x = number(node, key, where, default)
    if not (math.isfinite(x) and x >= 0 and x == int(x)):
        raise PipesplitError(f"{where} has '{key}' = {node.get(key)!r}; expected a whole number of devices")
    return int(x)


def cluster_fields(spec: dict, accelerators: str, memory: str, cpus: str, where: str) -> Cluster:
    """The cluster from a reader's three fields: accelerator count (default 1), memory per accelerator
    in bytes (absent or null: no limit) and CPU cores (default 0)."""
    mem = math.inf if spec.get(memory) is None else number(spec, memory, where)
    return Cluster(accelerators=count(spec, accelerators, where, 1.0), memory=mem, cpus=count(spec, cpus, where, 0.0))
