"""How fast the simulated time per sample approaches the max load as micro-batches grow.

    python benchmarks/simulate.py [--accelerators 4] [WORKLOAD.json ...]

Solves each workload (default: the bundled BERT-large and GPT-2 training layer graphs) with the exact
program on ``--accelerators`` accelerators and no CPU core, then prints, for GPipe and 1F1B, the
simulated time per sample over the max load for M = 1, 2, 4, ..., 256 micro-batches, and the bound
1 + (p - 1) / M that 1F1B always meets. GPipe tends to max forward + max backward instead, which is
above the max load when different stages are the forward and the backward bottleneck.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipesplit import Cluster
from pipesplit.formats import load_workload
from pipesplit.runtime.simulate import ScheduleOptions, simulate_stages
from pipesplit.runtime.stages import pipeline_stages

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEFAULT = [EXAMPLES / "bert-large" / "layers-training.json", EXAMPLES / "gpt2" / "layers-training.json"]
MICROBATCHES = [2**i for i in range(9)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workloads", nargs="*", type=Path, default=DEFAULT)
    p.add_argument("--accelerators", "-k", type=int, default=4)
    args = p.parse_args()
    from pipesplit.solvers.dp import dp_split

    for path in args.workloads:
        workload, cluster = load_workload(path)
        cluster = Cluster(args.accelerators, cluster.memory, 0)
        solution = dp_split(workload, cluster)
        stages = pipeline_stages(workload, cluster, solution.placement)
        print(f"{path.relative_to(EXAMPLES) if path.is_relative_to(EXAMPLES) else path}: {len(stages)} stages, "
              f"max load {solution.value:.6f} {workload.time_unit}")
        print(f"  {'M':>4}  {'gpipe':>8}  {'1f1b':>8}  {'1+(p-1)/M':>9}")
        for m in MICROBATCHES:
            ratios = [simulate_stages(stages, ScheduleOptions(s, m), workload.is_training).time_per_sample
                      / solution.value for s in ("gpipe", "1f1b")]
            print(f"  {m:>4}  {ratios[0]:>8.4f}  {ratios[1]:>8.4f}  {1 + (len(stages) - 1) / m:>9.4f}")


if __name__ == "__main__":
    main()
