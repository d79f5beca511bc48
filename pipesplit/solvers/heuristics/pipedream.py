"""PipeDream's partitioner: each biconnected component of the (undirected) unit graph is
contracted, its cut vertices kept apart, which turns a DAG of branches and residual blocks into a
chain; the dynamic program then splits that chain. Inputs with no cost (no predecessor, zero time)
are left out of the components."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...graph import biconnected_blocks
from ...workload import Workload
from ..dp.contract import contract
from ..result import Solution, throughput_solution


def pipedream_split(workload: Workload, cluster: Cluster, *, options=None, progress: bool = False) -> Solution:
    """PipeDream-style: contract biconnected components into a chain, then split it by the DP.

    >>> w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[1, 2, 2, 1], cpu_time=[9] * 4,
    ...                         edges=[(1, 2), (1, 3), (2, 4), (3, 4)])
    >>> pipedream_split(w, Cluster(2)).value   # the diamond is one biconnected block
    6.0
    """
    from ..dp.exact import dp_split
    from ..dp.linear import dp_linear_split
    started = time.perf_counter()
    w = workload
    units = contract(w)
    n = units.num_units
    # graph inputs that cost nothing (e.g. a mask read by every layer) would tie the whole graph together
    free_source = (units.a + units.p == 0) & (np.bincount(units.dst, minlength=n) == 0)
    keep = ~free_source[units.src]
    group = biconnected_blocks(n, units.src[keep], units.dst[keep])[units.unit_of]
    # colocate each contracted group (keeping the classes it joins together)
    chain = replace(w, color=group, names=list(w.names))
    try:
        sol = dp_split(chain, cluster)
    except PipesplitError:
        sol = dp_linear_split(chain, cluster)
    out = throughput_solution(w, cluster, sol.placement.device, "pipedream", started,
                    {"blocks": int(group.max()) + 1 if len(group) else 0})
    return out
