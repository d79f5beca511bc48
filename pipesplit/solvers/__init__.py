"""Solvers. Each is one plain function ``(workload, cluster, ..., progress) -> Solution``;
``registry.METHODS`` names them."""

from __future__ import annotations

import importlib
from typing import Callable

from ..cluster import Cluster
from ..errors import PipesplitError
from ..workload import Workload
from .dp import DPOptions, dp_split
from .linear import LinearOptions, dp_linear_split
from .registry import METHODS
from .result import Solution


def get_solver(method: str) -> Callable[..., Solution]:
    """The function behind a method name."""
    if method not in METHODS:
        raise PipesplitError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    module, func = METHODS[method].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), func)


def solve(workload: Workload, cluster: Cluster, method: str = "dp", progress: bool = False) -> Solution:
    """Run the named method."""
    return get_solver(method)(workload, cluster, progress=progress)


__all__ = ["DPOptions", "LinearOptions", "Solution", "dp_linear_split", "dp_split", "get_solver", "solve"]
