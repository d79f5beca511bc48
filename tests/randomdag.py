"""Small random DAG workloads shared by the solver tests."""

from __future__ import annotations

from pipesplit import Workload


def random_dag(rng, n: int, density: float, acc_high: float, cpu: tuple[float, float], memory: bool = True,
               unsupported: float | None = None) -> Workload:
    """n nodes, each edge u -> v (u < v) with probability ``density``; accelerator times in
    [0.5, acc_high), CPU times in ``cpu``, transfer costs in [0, 2), memory in [1, 3) (if ``memory``),
    and a share ``unsupported`` of nodes barred from accelerators (if given). Draws in that order."""
    edges = [(u, v) for v in range(1, n) for u in range(v) if rng.random() < density]
    return Workload.from_lists(ids=list(range(1, n + 1)), acc_time=rng.uniform(0.5, acc_high, n).round(2).tolist(),
                               cpu_time=rng.uniform(*cpu, n).round(2).tolist(),
                               edges=[(u + 1, v + 1) for u, v in edges],
                               out_cost={i + 1: round(float(rng.uniform(0, 2)), 2) for i in range(n)},
                               memory=rng.uniform(1, 3, n).round(1).tolist() if memory else None,
                               acc_ok=(rng.random(n) > unsupported).tolist() if unsupported is not None else None)
