"""The prediction of a run: the one cost model, ``evaluate``, with relay transfers along the stage order.

Every stage is a process treated as an accelerator whose node times are the workload's CPU-measured
times; each node's transfer costs the measured link's latency plus its output bytes over the measured
bandwidth. The run's workload adds a node per model input (no time, on the first stage, feeding the
operators that read it) and one sink (no time, on the last stage) fed by the nodes whose output is a
model output: the engine carries both through the stages like any other tensor.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..cluster import Cluster
from ..placement import Evaluation, Placement, evaluate
from ..workload import NO_CLASS, Workload
from .calibrate import Link


@dataclasses.dataclass
class ModelEnds:
    """Model inputs (bytes per micro-batch, workload node indices that read it) and output producers."""

    inputs: list[tuple[float, list[int]]]
    outputs: list[int]


def run_workload(workload: Workload, out_bytes: np.ndarray, link: Link, ends: ModelEnds, batch: int) -> Workload:
    """The workload of the run: CPU times as accelerator times (times ``batch``), transfers priced on
    ``link``, plus the input and sink nodes (appended in that order)."""
    w, n = workload, workload.num_nodes
    k = len(ends.inputs)
    cpu = np.concatenate([w.cpu_time * batch, np.zeros(k + 1)])
    cost = [link.transfer_ms(b * batch) for b in np.asarray(out_bytes, float)]
    cost += [link.transfer_ms(b) for b, _ in ends.inputs] + [0.0]
    src = list(w.src) + [n + j for j, (_, readers) in enumerate(ends.inputs) for _ in readers] + list(ends.outputs)
    dst = list(w.dst) + [v for _, readers in ends.inputs for v in readers] + [n + k] * len(ends.outputs)
    first = int(w.ids.max()) + 1 if n else 0
    return Workload(
        ids=np.concatenate([w.ids, np.arange(first, first + k + 1)]), acc_time=cpu, cpu_time=cpu,
        memory=np.concatenate([w.memory, np.zeros(k + 1)]), acc_ok=np.ones(n + k + 1, bool),
        backward=np.concatenate([w.backward, np.zeros(k + 1, bool)]),
        color=np.concatenate([w.color, np.full(k + 1, NO_CLASS)]), out_cost=np.array(cost),
        src=np.array(src, dtype=np.int64), dst=np.array(dst, dtype=np.int64),
        names=list(w.names) + [f"(input {j})" for j in range(k)] + ["(outputs)"], time_unit=w.time_unit)


def predict(workload: Workload, stage: np.ndarray, out_bytes: np.ndarray, link: Link, ends: ModelEnds,
            batch: int = 1) -> Evaluation:
    """Per-stage loads of one micro-batch (``batch`` samples) for ``stage[v]``, the stage index of node v."""
    num_stages = int(stage.max()) + 1
    w = run_workload(workload, out_bytes, link, ends, batch)
    device = np.concatenate([stage, np.zeros(len(ends.inputs), np.int64), [num_stages - 1]])
    cluster = Cluster(accelerators=num_stages, memory=math.inf)
    return evaluate(w, cluster, Placement(device, accelerators=num_stages, cpus=0), transfers="relay",
                    order=list(range(num_stages)))
