"""A split's pipeline stages: its used devices in pipeline order, with forward and backward times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cluster import Cluster
from ..errors import PipesplitError
from ..placement import Placement, contiguity_violations, evaluate
from ..placement import pipeline_order as device_order
from ..workload import Workload


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: the device it runs on and its time per micro-batch, forward and backward."""

    device: int
    name: str
    forward: float
    backward: float

    @property
    def load(self) -> float:
        return self.forward + self.backward


def pipeline_order(workload: Workload, placement: Placement) -> list[int]:
    """The used devices in pipeline order (``placement.pipeline_order``); a split whose forward data
    flows around a cycle of devices has no such order, and is refused.

    >>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1, 1, 1], cpu_time=[1, 1, 1], edges=[(1, 2), (2, 3)])
    >>> pipeline_order(w, Placement(np.array([2, 0, 1]), accelerators=3, cpus=0))
    [2, 0, 1]
    """
    if contiguity_violations(workload, placement):
        raise PipesplitError("the split is not contiguous: forward data flows around a cycle of devices, so its "
                             "devices have no pipeline order (solve with a contiguous method such as dp)")
    return device_order(workload, placement)


def forward_part(workload: Workload) -> Workload:
    """The workload's forward nodes and the edges among them."""
    w = workload
    keep = ~w.backward
    index = np.cumsum(keep) - 1
    edges = keep[w.src] & keep[w.dst]
    pick = lambda a: None if a is None else [x for x, k in zip(a, keep) if k]
    return Workload(ids=w.ids[keep], acc_time=w.acc_time[keep], cpu_time=w.cpu_time[keep], memory=w.memory[keep],
                    acc_ok=w.acc_ok[keep], backward=w.backward[keep], color=w.color[keep], out_cost=w.out_cost[keep],
                    src=index[w.src[edges]], dst=index[w.dst[edges]], names=pick(w.names), layer=pick(w.layer),
                    op_type=pick(w.op_type), time_unit=w.time_unit)


def pipeline_stages(workload: Workload, cluster: Cluster, placement: Placement) -> list[Stage]:
    """The split's stages in pipeline order, with times from the cost model, ``evaluate()``.

    A stage's forward time is its device's load on the forward part of the graph (forward compute and
    the transfers of forward edges); its backward time is the rest of the device's load (backward
    compute, and the transfers of edges into backward nodes). Forward plus backward is the device's
    load, so in a steady state the busiest stage sets the time per sample, the max load.

    >>> w = Workload.from_lists(ids=[1, 2], acc_time=[1, 2], cpu_time=[9, 9], edges=[(1, 2)], out_cost={1: 0.5})
    >>> [(s.name, s.forward, s.backward) for s in pipeline_stages(w, Cluster(2), Placement(np.array([0, 1]), 2, 0))]
    [('acc0', 1.5, 0.0), ('acc1', 2.5, 0.0)]
    """
    order = pipeline_order(workload, placement)
    total = evaluate(workload, cluster, placement).devices
    if workload.is_training:
        keep = ~workload.backward
        sub = Placement(placement.device[keep], placement.accelerators, placement.cpus)
        fwd = [d.load for d in evaluate(forward_part(workload), cluster, sub).devices]
    else:
        fwd = [d.load for d in total]
    return [Stage(d, total[d].name, fwd[d], max(0.0, total[d].load - fwd[d])) for d in order]
