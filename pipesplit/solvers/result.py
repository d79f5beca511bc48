"""What every solver returns, and the shared ways of wrapping a placement into one (for either
objective)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..cluster import Cluster
from ..errors import PipesplitError
from ..latency import LatencyEvaluation, evaluate_latency, fill_cpu
from ..placement import Evaluation, Placement, evaluate
from ..workload import Workload


@dataclass
class Solution:
    """A placement with its evaluation (by the one cost model) and how it was found.

    ``value`` is what the solver claims; ``run_method`` checks it against the cost model. ``proof`` says
    how optimality was established and over which splits (empty for a heuristic).
    """

    placement: Placement
    evaluation: Evaluation
    method: str
    value: float
    optimal: bool
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)
    proof: str = ""
    latency: LatencyEvaluation | None = None  # for the latency objective: the latency model's evaluation

    @property
    def violations(self) -> list[str]:
        """What the split violates, by the model of its objective."""
        return self.latency.violations if self.latency is not None else self.evaluation.violations

    @property
    def feasible(self) -> bool:
        return not self.violations


def throughput_solution(workload: Workload, cluster: Cluster, device: np.ndarray, method: str, started: float,
                        stats: dict | None = None, contiguous: bool = False) -> Solution:
    """Wrap a heuristic's device array: value = ``evaluate()``'s max load, not claimed optimal."""
    placement = Placement(device, accelerators=cluster.accelerators, cpus=cluster.cpus)
    evaluation = evaluate(workload, cluster, placement, contiguous=contiguous)
    return Solution(placement=placement, evaluation=evaluation, method=method, value=evaluation.max_load,
                    optimal=False, seconds=time.perf_counter() - started, stats=stats or {})


def cpu_device_or_fail(cluster: Cluster, what: str) -> int:
    """The first CPU core's device number, for ``what`` that cannot go on an accelerator."""
    if cluster.cpus == 0:
        raise PipesplitError(f"{what} cannot run on an accelerator and the cluster has no CPU cores; add {{cpus}}")
    return cluster.accelerators


@dataclass(frozen=True)
class LatencyOptions:
    """``calls_per_accelerator``: how many ordered calls an accelerator may run (the paper's q)."""

    calls_per_accelerator: int = 1

    def __post_init__(self) -> None:
        if self.calls_per_accelerator < 1:
            raise PipesplitError("{calls_per_accelerator} must be at least 1")


def latency_placement(workload: Workload, cluster: Cluster, device: np.ndarray,
                      accelerators: int | None = None) -> Placement:
    """A placement for the latency model: CPU nodes share the first core (cores are unlimited).
    ``accelerators`` (default the cluster's) is how many accelerator devices the split numbers."""
    k = cluster.accelerators if accelerators is None else accelerators
    return Placement(fill_cpu(device, k), accelerators=k, cpus=max(cluster.cpus, 1))


def latency_solution(workload: Workload, cluster: Cluster, placement: Placement, method: str, optimal: bool,
                     started: float, stats: dict | None = None, calls: np.ndarray | None = None,
                     max_calls: int | None = None) -> Solution:
    """Wrap a latency split: value = its latency by ``evaluate_latency`` (with ``calls`` if given)."""
    placement = latency_placement(workload, cluster, placement.device, max(cluster.accelerators, placement.accelerators))
    lat = evaluate_latency(workload, cluster, placement, calls=calls, max_calls=max_calls)
    evaluation = evaluate(workload, Cluster(cluster.accelerators, cluster.memory, placement.cpus), placement)
    stats = dict(stats or {})
    stats.update(objective="latency", latency=lat.latency, calls_used=lat.calls_used)
    if calls is not None and lat.max_calls_per_accelerator > 1:
        stats["calls"] = lat.call_of.tolist()
    return Solution(placement=placement, evaluation=evaluation, method=method, value=lat.latency, optimal=optimal,
                    seconds=time.perf_counter() - started, stats=stats, latency=lat)
