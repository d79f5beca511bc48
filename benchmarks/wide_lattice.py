"""How fast ``--method dp`` refuses a graph whose ideal lattice is too big: time and memory beside the target.

    python benchmarks/wide_lattice.py

Builds wide operator graphs, writes each to a file and runs ``pipesplit solve FILE --method dp`` in a
fresh process (4 accelerators, 1 CPU core, 80 GB), printing its exit status, its one-line message, its
wall time beside the 10 s target and its peak memory. The graphs:

- ``densenet121-slices``: DenseNet-121's shape (blocks of 6, 12, 24 and 16 layers) drawn as memory-
  efficient DenseNet implementations export it, each layer normalizing every earlier feature map of its
  block separately (BatchNorm + ReLU per slice) before concatenating them: millions of ideals.
- ``layered-2000x8``: a random layered DAG of 2,000 nodes, 8 wide (``pipesplit.synthetic``).
- ``layered-500x4``: the same, 500 nodes, 4 wide.

A refusal must say how many ideals the graph has at least and point to ``--method dp-linear``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from pipesplit.workload import Workload  # noqa: E402

TARGET_S = 10.0
BLOCKS = (6, 12, 24, 16)


def densenet_slices() -> Workload:
    """DenseNet-121-shaped operator graph with one BatchNorm+ReLU node per (layer, earlier feature map)."""
    times: list[float] = []
    edges: list[tuple[int, int]] = []

    def node(ms: float, *inputs: int) -> int:
        times.append(ms)
        edges.extend((i, len(times) - 1) for i in inputs)
        return len(times) - 1

    x = node(1.0)  # stem: conv, bn, relu, pool
    for b, layers in enumerate(BLOCKS):
        features = [x]
        for _ in range(layers):
            slices = [node(0.02, f) for f in features]  # per-slice BatchNorm + ReLU
            cat = node(0.01, *slices)
            bottleneck = node(0.3, cat)  # 1x1 conv, bn, relu
            features.append(node(0.4, bottleneck))  # 3x3 conv: the new feature map
        x = node(0.2, node(0.01, *features)) if b < len(BLOCKS) - 1 else node(0.05, *features)  # transition
    x = node(0.05, x)  # pool + classifier
    n = len(times)
    return Workload.from_lists(ids=list(range(n)), acc_time=times, cpu_time=[10 * t for t in times],
                               edges=edges, memory=np.full(n, 1e6), out_cost=dict.fromkeys(range(n), 0.01))


def layered(nodes: int, width: int) -> Workload:
    from pipesplit.synthetic import random_layered_dag

    return random_layered_dag(nodes, width, seed=0)


GRAPHS = {"densenet121-slices": densenet_slices, "layered-2000x8": lambda: layered(2000, 8),
          "layered-500x4": lambda: layered(500, 4)}


def refuse(name: str, folder: Path) -> dict:
    from pipesplit.api import save_workload
    from pipesplit.cluster import Cluster

    w = GRAPHS[name]()
    path = folder / f"{name}.json"
    save_workload(path, w, Cluster(accelerators=4, memory=80e9, cpus=1))
    args = ["solve", str(path), "--method", "dp", "--accelerators", "4", "--cpus", "1", "--memory", "80GB", "-q"]
    # the child reports its own peak memory on its last stderr line, after pipesplit has exited
    child = ("import atexit, resource, runpy, sys\n"
             "atexit.register(lambda: print('peak_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
             " file=sys.stderr))\n"
             f"sys.argv = ['pipesplit'] + {args!r}\n"
             "runpy.run_module('pipesplit', run_name='__main__')\n")
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t
    lines = done.stderr.strip().splitlines()
    peak = int(lines.pop().split()[1]) if lines and lines[-1].startswith("peak_kb") else 0
    lines = lines or done.stdout.strip().splitlines()
    return {"graph": name, "nodes": w.num_nodes, "exit": done.returncode, "seconds": wall,
            "peak_mb": peak / 1024, "message": lines[-1] if lines else ""}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=sorted(GRAPHS), action="append")
    args = p.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or list(GRAPHS):
            r = refuse(name, Path(tmp))
            met = r["exit"] == 2 and r["seconds"] <= TARGET_S
            ok &= met
            print(f"{r['graph']:20s} {r['nodes']:6d} nodes  exit {r['exit']}  {r['seconds']:6.2f} s "
                  f"(target {TARGET_S:.0f} s: {'met' if met else 'MISSED'})  peak {r['peak_mb']:.0f} MB")
            print(f"    {r['message']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
