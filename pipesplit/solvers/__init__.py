"""Solvers. Each is one plain function ``(workload, cluster, *, options=..., progress=False) -> Solution``;
``registry`` names them and ``run.run_method`` runs any of them for either objective. Importing this
package loads no compiled code: the solver modules load on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import METHODS

if TYPE_CHECKING:
    from ..cluster import Cluster
    from ..workload import Workload
    from .result import Solution


def solve(workload: "Workload", cluster: "Cluster", method: str = "auto", progress: bool = False) -> "Solution":
    """Run the named throughput method with its default options.

    >>> from pipesplit import Workload, Cluster
    >>> w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[9.0, 9.0], edges=[(1, 2)])
    >>> solve(w, Cluster(2), "dp").value
    1.0
    """
    from .run import run_method

    return run_method(workload, cluster, method, progress=progress)


__all__ = ["METHODS", "solve"]
