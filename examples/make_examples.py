"""Write the bundled example workloads (native format, times in ms, memory in bytes).

    python examples/make_examples.py            # writes next to this script
    python examples/make_examples.py OUT_DIR

The workloads come from ``pipesplit.synthetic``: costs are roofline estimates for a BERT-base-like
encoder (hidden 768, 12 heads, sequence 128, batch 8) on 60 TFLOP/s accelerators linked at 12 GB/s.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipesplit.cluster import Cluster, parse_bytes
from pipesplit.formats import write_json
from pipesplit.formats.native import workload_to_native
from pipesplit.synthetic import transformer_like
from pipesplit.training import add_backward
from pipesplit.workload import Workload


def examples() -> dict[str, tuple[Workload, Cluster]]:
    """File name -> (workload, cluster) of every example."""
    gpus = Cluster(accelerators=4, memory=parse_bytes("16GiB"), cpus=1)
    bert = transformer_like(12)
    return {
        "transformer-12l-inference.json": (bert, gpus),
        "transformer-12l-training.json": (add_backward(bert), gpus),
        "transformer-2l-tiny.json": (transformer_like(2, hidden=256, heads=4, seq_len=64, batch=4),
                                     Cluster(accelerators=2, memory=parse_bytes("1GiB"), cpus=1)),
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent
    for name, (workload, cluster) in examples().items():
        path = out / name
        write_json(path, workload_to_native(workload, cluster))
        print(f"{path}: {workload.num_nodes} nodes, {workload.num_edges} edges, {cluster.accelerators} accelerators, "
              f"{cluster.cpus} CPU core(s), {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
