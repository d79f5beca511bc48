"""Solvers. Each is one plain function ``(workload, cluster, ..., progress) -> Solution``;
``registry.METHODS`` names them. Importing this package loads no compiled code: the solver
modules (``dp``, ``linear``, ...) load on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable

from ..errors import PipesplitError
from .registry import METHODS

if TYPE_CHECKING:
    from ..cluster import Cluster
    from ..workload import Workload
    from .result import Solution


def get_solver(method: str) -> Callable[..., "Solution"]:
    """The function behind a method name."""
    if method not in METHODS:
        raise PipesplitError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    module, func = METHODS[method].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), func)


def solve(workload: "Workload", cluster: "Cluster", method: str = "dp", progress: bool = False) -> "Solution":
    """Run the named method.

    >>> from pipesplit import Workload, Cluster
    >>> w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[9.0, 9.0], edges=[(1, 2)])
    >>> solve(w, Cluster(2), "dp").value
    1.0
    """
    return get_solver(method)(workload, cluster, progress=progress)


__all__ = ["METHODS", "get_solver", "solve"]
