"""The linearized program on a large operator graph: time and memory at 50,000 nodes.

    python benchmarks/large_graph.py [--nodes 50000] [--accelerators 16] [--cpus 1] [--graph transformer]
                                     [--scaling]

Builds a transformer-like operator graph (or a random layered DAG) of about ``--nodes`` nodes with
``pipesplit.synthetic``, solves it with ``dp_linear_split`` and prints its size, the number of units
and orders tried, the value, the solve time (target: at most 10 s) and the peak memory, and checks
that ``evaluate()`` of the returned placement agrees with the claimed value. The compiled kernels are
loaded by a small solve first, so the time is the solve alone. ``--scaling`` runs the sizes
nodes/4, nodes/2 and nodes, each in a fresh process, to show how time and memory grow.
``--compare`` instead writes the graph to a file and runs ``pipesplit compare`` on it in a fresh process
(``--time-limit``, default 60 s), printing its table, its wall time and its peak memory beside the
4 GiB target.
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import sys
import time

TARGET_S = 10.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(kind: str, nodes: int, width: int, seed: int):
    """A workload of about ``nodes`` nodes."""
    from pipesplit.synthetic import random_layered_dag, transformer_like, transformer_node_count

    if kind == "transformer":
        layers = max(0, math.ceil((nodes - transformer_node_count(0)) / 15))
        return transformer_like(layers)
    return random_layered_dag(nodes, width, seed=seed)


def run(args: argparse.Namespace) -> int:
    from pipesplit.cluster import Cluster, parse_bytes
    from pipesplit.placement import evaluate
    from pipesplit.solvers.dp.linear import LinearOptions, dp_linear_split
    from pipesplit.synthetic import transformer_like

    cluster = Cluster(args.accelerators, parse_bytes(args.memory), args.cpus)
    t = time.perf_counter()
    dp_linear_split(transformer_like(2), cluster)  # loads the compiled kernels
    warmup = time.perf_counter() - t

    t = time.perf_counter()
    workload = build(args.graph, args.nodes, args.width, args.seed)
    built = time.perf_counter() - t
    rss_before = peak_rss_mb()

    t = time.perf_counter()
    sol = dp_linear_split(workload, cluster, options=LinearOptions(orders=args.orders))
    seconds = time.perf_counter() - t
    peak = peak_rss_mb()

    ev = evaluate(workload, cluster, sol.placement, contiguous=True)
    agrees = ev.feasible and abs(ev.max_load - sol.value) <= 1e-9 * max(1.0, abs(sol.value))
    used = sum(1 for d in ev.devices if d.nodes)
    print(f"graph: {args.graph}, {workload.num_nodes:,} nodes, {workload.num_edges:,} edges (built in {built:.2f} s)")
    print(f"cluster: {cluster.accelerators} accelerators of {args.memory}, {cluster.cpus} CPU core(s); "
          f"{used} devices used")
    print(f"units: {sol.stats['units']:,}, orders tried: {sol.stats['orders']}, pairs: {sol.stats['pairs']:,}")
    print(f"value: {sol.value:.6f} {workload.time_unit} per sample")
    print(f"solve time: {seconds:.2f} s (target <= {TARGET_S:g} s: {'met' if seconds <= TARGET_S else 'MISSED'}); "
          f"kernel load before it: {warmup:.2f} s")
    print(f"peak memory: {peak:.0f} MB (process; {rss_before:.0f} MB before solving, +{peak - rss_before:.0f} MB)")
    print(f"evaluate() agrees: {'yes' if agrees else 'NO'} (max load {ev.max_load:.6f}"
          + (f"; violations: {ev.violations}" if ev.violations else "") + ")")
    return 0 if agrees else 1


def scaling(args: argparse.Namespace) -> int:
    """Run the sizes nodes/4, nodes/2, nodes in fresh processes and print one line each."""
    status = 0
    for n in (args.nodes // 4, args.nodes // 2, args.nodes):
        cmd = [sys.executable, __file__, "--nodes", str(n), "--accelerators", str(args.accelerators),
               "--cpus", str(args.cpus), "--memory", args.memory, "--graph", args.graph, "--width", str(args.width),
               "--seed", str(args.seed)] + (["--orders", str(args.orders)] if args.orders else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        status |= proc.returncode
        lines = proc.stdout.splitlines()
        pick = [line for line in lines if line.startswith(("graph:", "solve time:", "peak memory:", "evaluate"))]
        print(f"--- {n:,} nodes\n" + "\n".join(pick or lines or [proc.stderr.strip()]))
    return status


COMPARE_TARGET_MB = 4096


def compare(args: argparse.Namespace) -> int:
    """``pipesplit compare`` on the graph, in a fresh process: its table, wall time and peak memory."""
    import os
    import tempfile

    from pipesplit import save_workload
    from pipesplit.cluster import Cluster, parse_bytes

    workload = build(args.graph, args.nodes, args.width, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "graph.json")
        save_workload(path, workload, Cluster(args.accelerators, parse_bytes(args.memory), args.cpus))
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "pipesplit", "compare", path, "-q",
                                 "--time-limit", str(args.time_limit)], stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
    peak = usage.ru_maxrss / 1024
    print(f"graph: {args.graph}, {workload.num_nodes:,} nodes, {workload.num_edges:,} edges; "
          f"{args.accelerators} accelerators of {args.memory}, {args.cpus} CPU core(s)")
    print(out.rstrip())
    print(f"compare: {seconds:.0f} s, peak memory {peak:.0f} MB (target <= {COMPARE_TARGET_MB} MB: "
          f"{'met' if peak <= COMPARE_TARGET_MB else 'MISSED'})")
    return os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=50_000, help="about this many nodes (default 50000)")
    ap.add_argument("--accelerators", "-k", type=int, default=16, help="accelerators (default 16)")
    ap.add_argument("--cpus", "-l", type=int, default=1, help="CPU cores (default 1)")
    ap.add_argument("--memory", "-m", default="16GiB", help="memory per accelerator (default 16GiB)")
    ap.add_argument("--graph", choices=("transformer", "layered"), default="transformer",
                    help="transformer-like operator graph (default) or random layered DAG")
    ap.add_argument("--width", type=int, default=8, help="layer width of the layered DAG (default 8)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--orders", type=int, help="topological orders to try (default: the solver's)")
    ap.add_argument("--scaling", action="store_true", help="run nodes/4, nodes/2 and nodes in fresh processes")
    ap.add_argument("--compare", action="store_true", help="run pipesplit compare on the graph instead")
    ap.add_argument("--time-limit", type=float, default=60.0, help="with --compare: per method (default 60 s)")
    args = ap.parse_args(argv)
    return compare(args) if args.compare else scaling(args) if args.scaling else run(args)


if __name__ == "__main__":
    sys.exit(main())
