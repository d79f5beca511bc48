"""Solvers by name. Each is one plain function ``(workload, cluster, ..., progress) -> Solution``."""

from __future__ import annotations

from typing import Callable

from ..cluster import Cluster
from ..errors import PipesplitError
from ..workload import Workload
from .dp import DPOptions, dp_split
from .linear import LinearOptions, dp_linear_split
from .result import Solution

METHODS: dict[str, Callable[..., Solution]] = {
    "dp": dp_split,
    "dp-linear": dp_linear_split,
}


def solve(workload: Workload, cluster: Cluster, method: str = "dp", progress: bool = False) -> Solution:
    """Run the named method; see ``METHODS``."""
    if method not in METHODS:
        raise PipesplitError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    return METHODS[method](workload, cluster, progress=progress)


__all__ = ["METHODS", "DPOptions", "LinearOptions", "Solution", "dp_linear_split", "dp_split", "solve"]
