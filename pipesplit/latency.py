"""Single-sample latency of a split (the paper's latency model).

CPU nodes run as soon as their inputs are ready, on unlimited cores: a CPU node finishes at the
latest finish of its predecessors plus its CPU time. Each accelerator runs its nodes as one call, or
as several calls in a fixed order: a call starts when every input from outside the call is ready
(and the accelerator's previous call has ended), lasts its load (accelerator time of its nodes plus
the transfer cost of every node sending into or out of the call, once per node and direction) and
all its nodes finish when it ends. The latency is the largest finish time.

A call must be convex (no path leaves it and comes back), or it could never start. When the calls
are not given, each accelerator's nodes are cut into the fewest ordered convex calls (a node's call
is one more than the largest call on its accelerator that reaches it through other devices) — one
call whenever the accelerator's set is convex, and in general the decomposition the paper's
evaluator uses.

>>> from pipesplit.workload import Workload
>>> from pipesplit.placement import Placement
>>> from pipesplit.cluster import Cluster
>>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1, 1, 1], cpu_time=[4, 4, 4],
...                         edges=[(1, 2), (2, 3)], out_cost={1: 0.5, 2: 0.5})
>>> e = evaluate_latency(w, Cluster(1, cpus=1), Placement([0, 1, 0], accelerators=1, cpus=1))
>>> e.latency, e.calls_used, [c.start for c in e.calls]
(7.0, 2, [0.0, 5.5])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .cluster import Cluster
from .graph import csr, topological_sort, unique_pairs
from .placement import Placement, evaluate
from .workload import Workload


@dataclass
class Call:
    """One accelerator call: its device, its position among that device's calls, timing and load."""

    accelerator: int
    index: int
    nodes: int
    start: float
    end: float
    compute: float
    transfer_in: float
    transfer_out: float

    @property
    def load(self) -> float:
        return self.compute + self.transfer_in + self.transfer_out


@dataclass
class LatencyEvaluation:
    """The latency, every node's finish time, the accelerator calls and what the split violates."""

    latency: float
    finish: np.ndarray
    calls: list[Call]
    call_of: np.ndarray  # call index of each node on its accelerator, -1 on CPU
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def calls_used(self) -> int:
        return len(self.calls)

    @property
    def max_calls_per_accelerator(self) -> int:
        return 1 + int(self.call_of.max()) if len(self.call_of) and self.call_of.max() >= 0 else 0


def fewest_calls(workload: Workload, device: np.ndarray, accelerators: int) -> np.ndarray:
    """Call index (from 0) of every accelerator node in the fewest ordered convex calls; -1 on CPUs."""
    w = workload
    n, K = w.num_nodes, accelerators
    level = np.zeros((n, max(K, 1)), dtype=np.int64)  # level[v, d]: latest call of d reaching v (1-based)
    ptr, pred = w.preds_csr
    on_acc = (device >= 0) & (device < K)
    for v in w.topological_order.tolist():
        ps = pred[ptr[v]:ptr[v + 1]]
        if len(ps):
            row = level[ps].max(axis=0)
            level[v] = row
        if on_acc[v]:
            d = int(device[v])
            best = 1
            for u in ps.tolist():
                best = max(best, int(level[u, d]) + (0 if device[u] == d else 1))
            level[v, d] = best
    out = np.full(n, -1, dtype=np.int64)
    out[on_acc] = level[np.flatnonzero(on_acc), device[on_acc]] - 1
    return out


def evaluate_latency(workload: Workload, cluster: Cluster, placement: Placement, calls: np.ndarray | None = None,
                     max_calls: int | None = None) -> LatencyEvaluation:
    """The minimum single-sample latency of a split (everything starts as early as it can).

    ``calls`` gives each accelerator node its call index on its accelerator (calls run in index
    order); by default the fewest convex calls. ``max_calls`` (calls per accelerator) turns more
    calls than that into a violation. CPU nodes may be on any CPU device: cores are unlimited.
    """
    w, p = workload, placement
    n, K = w.num_nodes, p.accelerators
    dev = np.asarray(p.device, dtype=np.int64)
    # feasibility by the throughput model (memory, colocation, accelerator-only nodes); CPU cores are unlimited
    base = evaluate(w, Cluster(cluster.accelerators, cluster.memory, max(p.cpus, 1) if cluster.cpus or not
                               ((dev >= K).any()) else 0), p)
    violations = [v for v in base.violations if "CPU cores" not in v]
    if cluster.cpus == 0 and (dev >= K).any():
        k = int(np.flatnonzero(dev >= K)[0])
        violations.append(f"node {w.label(k)} is on a CPU core but the cluster has none")
    if (dev < 0).any() or (dev >= p.num_devices).any():
        return LatencyEvaluation(math.inf, np.full(n, math.inf), [], np.full(n, -1), violations)
    on_acc = dev < K
    call_of = fewest_calls(w, dev, K) if calls is None else np.where(on_acc, np.asarray(calls, np.int64), -1)
    if (call_of[on_acc] < 0).any():
        violations.append("an accelerator node has no call index")
        call_of = np.where(on_acc & (call_of < 0), 0, call_of)
    if max_calls is not None and on_acc.any() and call_of.max() + 1 > max_calls:
        d = int(dev[np.argmax(call_of)])
        violations.append(f"acc{d} needs {int(call_of.max()) + 1} calls (its nodes are not convex), over the "
                          f"limit of {max_calls} per accelerator; allow more calls per accelerator")

    # vertices: CPU nodes stay single, each (accelerator, call) becomes one vertex
    key = np.where(on_acc, dev * (n + 1) + call_of, -1)
    acc_keys, call_idx = np.unique(key[on_acc], return_inverse=True)
    C = len(acc_keys)
    vert = np.empty(n, dtype=np.int64)
    vert[on_acc] = n + call_idx
    vert[~on_acc] = np.flatnonzero(~on_acc)
    call_dev = acc_keys // (n + 1)
    cs, cd = vert[w.src], vert[w.dst]
    cross = cs != cd
    es, ed = [cs[cross]], [cd[cross]]
    same = np.flatnonzero(call_dev[1:] == call_dev[:-1]) if C > 1 else np.zeros(0, np.int64)
    es.append(n + same)
    ed.append(n + same + 1)  # calls on one accelerator run in index order
    es, ed = np.concatenate(es), np.concatenate(ed)
    order = topological_sort(n + C, es, ed)
    if order is None:
        violations.append("the calls are not convex: data leaves an accelerator call and comes back to it "
                          "(split the accelerator's nodes into more calls)")
        return LatencyEvaluation(math.inf, np.full(n, math.inf), [], call_of, violations)

    # call loads: compute plus each node's output once per call boundary and direction
    compute = np.bincount(call_idx, weights=w.acc_time[on_acc], minlength=C)
    vs, vd = vert[w.src], vert[w.dst]
    x = vs != vd
    senders_out = unique_pairs(w.src[x], vs[x])
    senders_in = unique_pairs(w.src[x], vd[x])
    t_out = np.zeros(C)
    t_in = np.zeros(C)
    m = senders_out[1] >= n
    np.add.at(t_out, senders_out[1, m] - n, w.out_cost[senders_out[0, m]])
    m = senders_in[1] >= n
    np.add.at(t_in, senders_in[1, m] - n, w.out_cost[senders_in[0, m]])
    load = compute + t_in + t_out

    # earliest start times along the vertex order
    ready = np.zeros(n + C)  # latest finish among a vertex's inputs
    finish_v = np.zeros(n + C)
    ptr, succ = csr(es, ed, n + C)
    cpu_time = w.cpu_time
    for v in order.tolist():
        f = ready[v] + (load[v - n] if v >= n else cpu_time[v])
        finish_v[v] = f
        for t in succ[ptr[v]:ptr[v + 1]].tolist():
            if f > ready[t]:
                ready[t] = f
    finish = finish_v[vert]
    calls_list = []
    first_idx: dict[int, int] = {}
    for c in range(C):
        d = int(call_dev[c])
        idx = first_idx.setdefault(d, c)
        calls_list.append(Call(d, c - idx, int((call_idx == c).sum()), float(ready[n + c]), float(finish_v[n + c]),
                               float(compute[c]), float(t_in[c]), float(t_out[c])))
    latency = float(finish.max()) if n else 0.0
    return LatencyEvaluation(latency, finish, calls_list, call_of, violations)


def fill_cpu(device: np.ndarray, accelerators: int) -> np.ndarray:
    """CPU nodes all on the first core (cores are unlimited in the latency model)."""
    return np.where(np.asarray(device) >= accelerators, accelerators, device)
