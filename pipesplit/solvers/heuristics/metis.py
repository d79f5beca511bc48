"""A graph partitioner baseline: METIS (via ``pymetis``) cuts the colocation classes into one part
per accelerator, vertex weights accelerator time, edge weights transfer cost. Nodes that cannot run on
accelerators go on a CPU core."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...workload import Workload
from ..result import Solution, cpu_device_or_fail, throughput_solution


@dataclass(frozen=True)
class MetisOptions:
    """``seed`` of METIS and ``ncuts``: partitions tried, the best cut kept."""

    seed: int = 0
    ncuts: int = 8


def metis_split(workload: Workload, cluster: Cluster, *, options: MetisOptions = MetisOptions(),
                progress: bool = False) -> Solution:
    """A METIS partition of the colocation classes into one part per accelerator."""
    try:
        import pymetis
    except ImportError:
        raise PipesplitError("the metis method needs pymetis: pip install 'pipesplit[metis]'")
    started = time.perf_counter()
    w, K = workload, cluster.accelerators
    cls = w.class_of
    m = int(cls.max()) + 1
    device = np.zeros(w.num_nodes, np.int64)
    bad_cls = np.zeros(m, bool)
    bad_cls[cls[~w.acc_ok]] = True
    if bad_cls.any():
        device[bad_cls[cls]] = cpu_device_or_fail(cluster, f"node {w.label(int(np.flatnonzero(~w.acc_ok)[0]))}")
    if K == 0:
        device[:] = cpu_device_or_fail(cluster, "the workload")
        return throughput_solution(w, cluster, device, "metis", started)
    cs, cd = cls[w.src], cls[w.dst]
    keep = (cs != cd) & ~bad_cls[cs] & ~bad_cls[cd]
    weight = w.out_cost[w.src[keep]]
    a, b = np.minimum(cs[keep], cd[keep]), np.maximum(cs[keep], cd[keep])
    key, inv = np.unique(a * m + b, return_inverse=True)
    ew = np.bincount(inv, weights=weight)
    ea, eb = key // m, key % m
    vw = np.bincount(cls, weights=w.acc_time, minlength=m)
    scale = 1e4 / max(vw.max(), ew.max() if len(ew) else 0.0, 1e-12)
    vwi = np.maximum(1, np.rint(vw * scale)).astype(np.int64)
    ewi = np.maximum(1, np.rint(ew * scale)).astype(np.int64)
    xs = np.concatenate([ea, eb])
    xd = np.concatenate([eb, ea])
    xw = np.concatenate([ewi, ewi])
    order = np.argsort(xs, kind="stable")
    xadj = np.zeros(m + 1, np.int64)
    np.cumsum(np.bincount(xs, minlength=m), out=xadj[1:])
    if K == 1:
        part = np.zeros(m, np.int64)
    else:
        opts = pymetis.Options(seed=options.seed, ncuts=options.ncuts)
        graph = pymetis.CSRAdjacency(xadj.tolist(), xd[order].tolist())
        _, part = pymetis.part_graph(K, graph, vweights=vwi.tolist(), eweights=xw[order].tolist(), options=opts)
        part = np.asarray(part, np.int64)
    device = np.where(bad_cls[cls], device, part[cls])
    return throughput_solution(w, cluster, device, "metis", started)
