"""Placements and the one cost model, ``evaluate()``, that every solver is checked against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .cluster import Cluster
from .graph import find_cycle, topological_sort, unique_pairs
from .workload import Workload


@dataclass(eq=False)
class Placement:
    """A device for every node: accelerators are devices ``0..accelerators-1``, CPU cores follow.

    >>> p = Placement(np.array([0, 0, 1]), accelerators=1, cpus=1)
    >>> p.device_name(1)
    'cpu0'
    """

    device: np.ndarray
    accelerators: int
    cpus: int

    def __post_init__(self) -> None:
        self.device = np.asarray(self.device, dtype=np.int64)

    @property
    def num_devices(self) -> int:
        return self.accelerators + self.cpus

    def is_accelerator(self, d: int) -> bool:
        return d < self.accelerators

    def device_name(self, d: int) -> str:
        return f"acc{d}" if d < self.accelerators else f"cpu{d - self.accelerators}"

    def nodes_on(self, d: int) -> np.ndarray:
        return np.flatnonzero(self.device == d)


@dataclass
class DeviceLoad:
    """What one device does per sample."""

    name: str
    kind: str  # "accelerator" or "cpu"
    nodes: int
    compute: float
    transfer_in: float
    transfer_out: float
    memory: float

    @property
    def load(self) -> float:
        return self.compute + self.transfer_in + self.transfer_out


@dataclass
class Evaluation:
    """Per-device loads, the objective and every violated constraint."""

    devices: list[DeviceLoad]
    max_load: float
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations


def evaluate(workload: Workload, cluster: Cluster, placement: Placement, contiguous: bool = False,
             transfers: str = "direct", order: Sequence[int] | None = None) -> Evaluation:
    """Loads of every device and the max load, the objective under pipelining.

    An accelerator's load is its compute plus, once per device and direction, the output transfer
    cost of each node sending across its boundary; a CPU core's load is its compute alone.
    With ``contiguous`` the forward nodes must form a chain of ideals (each device's set is convex and
    the devices are ordered without a cycle).

    ``transfers`` says how a node's output reaches its consumers. ``"direct"`` (the default, the
    paper's rule): each device pays once per direction, as above. ``"relay"``: devices only talk to
    their neighbours in the pipeline ``order`` (the used devices, default ``pipeline_order``), so node
    u on stage s whose consumers reach stage t pays c(u) as output on s, as input and output on every
    stage strictly between, and as input on t, once per stage however many consumers. The same
    interval rule holds in whichever direction a consumer lies (a backward node's gradient travels
    towards earlier stages); a node with consumers on both sides sends once each way. CPU cores pay
    nothing under either rule.

    >>> from pipesplit.workload import Workload
    >>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1, 1, 1], cpu_time=[5, 5, 5],
    ...                         edges=[(1, 2), (1, 3)], out_cost={1: 0.5})
    >>> e = evaluate(w, Cluster(2), Placement(np.array([0, 1, 1]), accelerators=2, cpus=0))
    >>> [d.load for d in e.devices], e.max_load
    ([1.5, 2.5], 2.5)
    """
    w, p = workload, placement
    dev, n, k = p.device, w.num_nodes, p.accelerators
    nd = p.num_devices
    violations: list[str] = []
    if len(dev) != n:
        raise ValueError(f"placement has {len(dev)} entries for {n} nodes")
    unplaced = np.flatnonzero((dev < 0) | (dev >= nd))
    if len(unplaced):
        violations.append(f"{len(unplaced)} node(s) not placed on any device, e.g. node {w.label(int(unplaced[0]))}")
    d = np.where((dev < 0) | (dev >= nd), nd, dev)  # unplaced nodes go to a phantom device
    on_acc = d < k

    compute = np.bincount(d, weights=np.where(on_acc, w.acc_time, w.cpu_time), minlength=nd + 1)
    memory = np.bincount(d, weights=w.memory, minlength=nd + 1)
    if transfers == "direct":
        tin, out = _direct_transfers(w, d, nd)
    elif transfers == "relay":
        tin, out = _relay_transfers(w, d, nd, pipeline_order(w, p) if order is None else list(order))
    else:
        raise ValueError(f"unknown transfer rule {transfers!r}; choose direct or relay")
    is_acc = np.arange(nd + 1) < k
    out, tin = np.where(is_acc, out, 0.0), np.where(is_acc, tin, 0.0)
    counts = np.bincount(d, minlength=nd + 1)

    devices = [
        DeviceLoad(p.device_name(j), "accelerator" if j < k else "cpu", int(counts[j]), float(compute[j]),
                   float(tin[j]), float(out[j]), float(memory[j]))
        for j in range(nd)
    ]
    max_load = max((x.load for x in devices), default=0.0)

    # feasibility
    if k > cluster.accelerators and len(np.unique(d[on_acc])) > cluster.accelerators:
        violations.append(f"uses {len(np.unique(d[on_acc]))} accelerators; the cluster has {cluster.accelerators}")
    cpu_used = np.unique(d[(d >= k) & (d < nd)])
    if len(cpu_used) > cluster.cpus:
        violations.append(f"uses {len(cpu_used)} CPU cores; the cluster has {cluster.cpus}")
    bad = np.flatnonzero(on_acc & ~w.acc_ok)
    if len(bad):
        violations.append(f"node {w.label(int(bad[0]))} cannot run on an accelerator but is on "
                          f"{p.device_name(int(d[bad[0]]))}" + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))
    for j in range(k):
        if memory[j] > cluster.memory * (1 + 1e-12):
            violations.append(f"{p.device_name(j)} holds {memory[j]:.6g} bytes, over its memory of {cluster.memory:.6g}")
    cls = w.class_of
    first_dev = np.full(cls.max() + 1 if n else 0, -1)
    first_dev[cls] = d  # any member's device
    split = np.flatnonzero(first_dev[cls] != d)
    if len(split):
        a = int(split[0])
        b = int(np.flatnonzero((cls == cls[a]) & (d != d[a]))[0])
        violations.append(f"colocation class of node {w.label(a)} is split: it is on {_name(p, d[a])} "
                          f"but node {w.label(b)} is on {_name(p, d[b])}")
    if contiguous:
        violations.extend(contiguity_violations(w, p))
    return Evaluation(devices=devices, max_load=max_load, violations=violations)


def _direct_transfers(w: Workload, d: np.ndarray, nd: int) -> tuple[np.ndarray, np.ndarray]:
    """(input, output) transfer time per device (and the phantom one) under the direct rule."""
    cross = d[w.src] != d[w.dst]
    u, v = w.src[cross], w.dst[cross]
    senders = np.unique(u)
    out = np.bincount(d[senders], weights=w.out_cost[senders], minlength=nd + 1)
    pairs = np.unique(np.stack([u, d[v]]), axis=1) if len(u) else np.zeros((2, 0), np.int64)
    tin = np.bincount(pairs[1], weights=w.out_cost[pairs[0]], minlength=nd + 1)
    return tin, out


def _relay_transfers(w: Workload, d: np.ndarray, nd: int, order: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(input, output) transfer time per device under the relay rule along ``order``."""
    used = set(np.unique(d[d < nd]).tolist())
    if len(order) != len(set(order)) or not used <= set(order) or any(not 0 <= x < nd for x in order):
        raise ValueError(f"relay order {order} must list every used device ({sorted(used)}) once")
    pos = np.full(nd + 1, len(order), dtype=np.int64)  # the phantom device (unplaced nodes) comes last
    pos[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    here, to = pos[d], pos[d[w.dst]]
    hi, lo = here.copy(), here.copy()  # farthest consumer stage each way
    np.maximum.at(hi, w.src, to)
    np.minimum.at(lo, w.src, to)
    m = len(order) + 2
    tin, out, between = np.zeros(m), np.zeros(m), np.zeros(m)  # between: a difference array over stages
    for far in (hi, lo):
        k = np.flatnonzero(far != here)
        c = w.out_cost[k]
        np.add.at(out, here[k], c)
        np.add.at(tin, far[k], c)
        np.add.at(between, np.minimum(here[k], far[k]) + 1, c)
        np.add.at(between, np.maximum(here[k], far[k]), -c)
    between = np.maximum(np.cumsum(between), 0.0)  # no rounding below zero
    return (tin + between)[pos], (out + between)[pos]


def pipeline_order(w: Workload, p: Placement) -> list[int]:
    """The used devices in pipeline order: a topological order of the devices along the edges that
    order a contiguous split (``order_edges``), the lowest device index first among ready ones (device
    index order when data flows in a cycle)."""
    import heapq

    d = p.device
    valid = (d >= 0) & (d < p.num_devices)
    used = sorted(set(d[valid].tolist()))
    src, dst = order_edges(w)
    keep = valid[src] & valid[dst]
    pairs = {(int(a), int(b)) for a, b in zip(d[src[keep]], d[dst[keep]]) if a != b}
    indeg = {x: 0 for x in used}
    for _, b in pairs:
        indeg[b] += 1
    ready = [x for x in used if indeg[x] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        x = heapq.heappop(ready)
        order.append(x)
        for a, b in pairs:
            if a == x:
                indeg[b] -= 1
                if indeg[b] == 0:
                    heapq.heappush(ready, b)
    return order if len(order) == len(used) else used


def _name(p: Placement, d: int) -> str:
    return p.device_name(int(d)) if d < p.num_devices else "no device"


def contiguity_violations(w: Workload, p: Placement) -> list[str]:
    """Forward nodes must be split along a chain of ideals: no device cycle through forward edges.
    (Equivalently every device's forward set is convex and the devices can be ordered.) A colocation
    class without forward nodes takes its position in that order from its backward edges, mirrored:
    backward data flows against the pipeline, so a backward edge u -> v into or out of such a class
    orders v's device before u's."""
    d = np.where((p.device < 0) | (p.device >= p.num_devices), p.num_devices, p.device)
    u, v = order_edges(w)
    u, v = d[u], d[v]
    keep = u != v
    if not keep.any():
        return []
    pairs = unique_pairs(u[keep], v[keep])
    nd = p.num_devices + 1
    if topological_sort(nd, pairs[0], pairs[1]) is not None:
        return []
    cycle = find_cycle(nd, pairs[0], pairs[1])
    names = " -> ".join(_name(p, c) for c in cycle + cycle[:1])
    return [f"split is not contiguous: forward data flows around the device cycle {names}"]


def order_edges(w: Workload, group: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The edges that order a contiguous split, between nodes (or between ``group`` labels when given):
    forward edges, and the mirrored backward edges of classes without forward nodes."""
    g = w.class_of if group is None else group
    label = np.arange(w.num_nodes) if group is None else group
    bf = w.backward
    has_fwd = np.zeros(int(g.max()) + 1 if len(g) else 0, dtype=bool)
    has_fwd[g[~bf]] = True
    fwd = ~bf[w.src] & ~bf[w.dst]
    gs, gd = g[w.src], g[w.dst]
    mirror = bf[w.src] & bf[w.dst] & (~has_fwd[gs] | ~has_fwd[gd])
    return (np.concatenate([label[w.src[fwd]], label[w.dst[mirror]]]),
            np.concatenate([label[w.dst[fwd]], label[w.src[mirror]]]))
