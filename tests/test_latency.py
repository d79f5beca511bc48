"""The latency model, the greedy baseline and the latency integer program."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from pipesplit import Cluster, Placement, Workload
from pipesplit.latency import evaluate_latency, fewest_calls
from randomdag import random_dag as shared_random_dag

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PAPER = SHARED / "workloads" / "paper" / "latency"


def chain(acc, cpu, cost, memory=None):
    n = len(acc)
    return Workload.from_lists(ids=list(range(1, n + 1)), acc_time=acc, cpu_time=cpu,
                               edges=[(i, i + 1) for i in range(1, n)], out_cost={i + 1: c for i, c in enumerate(cost)},
                               memory=memory)


def test_chain_on_cpu_and_accelerator_by_hand():
    w = chain([1, 1, 1], [4, 4, 4], [0.5, 0.5, 0])
    c = Cluster(1, cpus=1)
    # everything on the accelerator: one call, no transfers
    assert evaluate_latency(w, c, Placement([0, 0, 0], 1, 1)).latency == pytest.approx(3.0)
    # acc, cpu, acc: call 1 = 1 + out 0.5; cpu 4; call 2 = in 0.5 + 1
    e = evaluate_latency(w, c, Placement([0, 1, 0], 1, 1))
    assert e.latency == pytest.approx(7.0) and e.calls_used == 2
    assert e.violations == []
    e1 = evaluate_latency(w, c, Placement([0, 1, 0], 1, 1), max_calls=1)
    assert e1.violations and "calls" in e1.violations[0]
    # all on CPU
    assert evaluate_latency(w, c, Placement([1, 1, 1], 1, 1)).latency == pytest.approx(12.0)


def test_parallel_branches_run_at_once():
    # 1 -> 2, 1 -> 3, 2 -> 4, 3 -> 4; branches 2 and 3 on two accelerators, 1 and 4 on CPU
    w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[1, 3, 5, 1], cpu_time=[2, 30, 50, 2],
                            edges=[(1, 2), (1, 3), (2, 4), (3, 4)], out_cost={1: 1.0, 2: 0.5, 3: 0.25})
    e = evaluate_latency(w, Cluster(2, cpus=1), Placement([2, 0, 1, 2], 2, 1))
    # acc0: start 2, load in 1 + 3 + out 0.5 = 4.5 -> 6.5; acc1: 2 + 1 + 5 + 0.25 -> 8.25; node 4: 8.25 + 2
    assert [c.end for c in e.calls] == pytest.approx([6.5, 8.25])
    assert e.latency == pytest.approx(10.25)


def test_given_calls_order_and_cycles():
    w = chain([1, 1, 1], [4, 4, 4], [0.5, 0.5, 0])
    c = Cluster(1, cpus=1)
    p = Placement([0, 1, 0], 1, 1)
    assert fewest_calls(w, p.device, 1).tolist() == [0, -1, 1]
    bad = evaluate_latency(w, c, p, calls=np.array([0, -1, 0]))  # one non-convex call cannot start
    assert not bad.feasible and bad.latency == np.inf
    swapped = evaluate_latency(w, c, p, calls=np.array([1, -1, 0]))  # calls in the wrong order: a cycle
    assert not swapped.feasible


def test_memory_and_accelerator_only_nodes_are_violations():
    w = chain([1, 1], [4, 4], [0.5, 0], memory=[2, 2])
    e = evaluate_latency(w, Cluster(1, memory=3, cpus=1), Placement([0, 0], 1, 1))
    assert any("memory" in v for v in e.violations)


def brute_force_latency(w, cluster):
    K = cluster.accelerators
    best = np.inf
    for dev in itertools.product(range(K + 1), repeat=w.num_nodes):
        e = evaluate_latency(w, cluster, Placement(np.array(dev), K, 1), max_calls=1)
        if e.feasible:
            best = min(best, e.latency)
    return best


def random_dag(rng, n):
    return shared_random_dag(rng, n, density=0.4, acc_high=4, cpu=(1, 12))


@pytest.mark.parametrize("seed", range(6))
def test_latency_ip_equals_brute_force_and_beats_greedy(seed):
    pytest.importorskip("highspy")
    from pipesplit.solvers.heuristics.latency import greedy_latency_split
    from pipesplit.solvers.mip.throughput import IPOptions
    from pipesplit.solvers.mip.latency import ip_latency_split
    rng = np.random.default_rng(seed)
    w = random_dag(rng, 6)
    cluster = Cluster(2, memory=float(w.memory.sum()) / 2.5, cpus=1)
    best = brute_force_latency(w, cluster)
    sol = ip_latency_split(w, cluster, options=IPOptions(time_limit=60))
    assert sol.value == pytest.approx(best, rel=1e-6)
    e = evaluate_latency(w, cluster, sol.placement, max_calls=1)
    assert e.feasible and e.latency == pytest.approx(sol.value)
    assert sol.value <= greedy_latency_split(w, cluster).value + 1e-9


def test_two_calls_are_never_worse_than_one():
    pytest.importorskip("highspy")
    from pipesplit.solvers.result import LatencyOptions
    from pipesplit.solvers.mip.latency import ip_latency_split
    w = random_dag(np.random.default_rng(7), 6)
    cluster = Cluster(1, memory=float(w.memory.sum()) / 1.5, cpus=1)
    one = ip_latency_split(w, cluster)
    two = ip_latency_split(w, cluster, latency=LatencyOptions(calls_per_accelerator=2))
    assert two.value <= one.value + 1e-9
    calls = np.asarray(two.stats["calls"]) if "calls" in two.stats else None
    assert evaluate_latency(w, cluster, two.placement, calls=calls, max_calls=2).latency == pytest.approx(two.value)


@pytest.mark.skipif(not PAPER.is_dir(), reason="paper workloads not available")
def test_paper_latency_program_no_worse_than_baselines_and_expert_matches_reference():
    pytest.importorskip("highspy")
    from pipesplit.formats import load_split, load_workload
    from pipesplit.solvers.heuristics.latency import dp_latency_split, greedy_latency_split
    from pipesplit.solvers.mip.throughput import IPOptions
    from pipesplit.solvers.mip.latency import ip_latency_split
    ref = json.loads((SHARED / "reference" / "paper-latency.json").read_text())["workloads"]
    w, c = load_workload(PAPER / "LayerGraphs" / "bert24_inference.json")
    expert = load_split(SHARED / "workloads" / "paper" / "experts" / "bert24_inference_expert.json", w)
    assert evaluate_latency(w, c, expert).latency == pytest.approx(ref["LayerGraphs/bert24_inference.json"]["expert_latency"], abs=1e-3)
    g = greedy_latency_split(w, c)
    assert g.value == pytest.approx(ref["LayerGraphs/bert24_inference.json"]["greedy"], abs=1e-3)
    sol = ip_latency_split(w, c, options=IPOptions(time_limit=5))
    assert sol.value <= g.value + 1e-9 and sol.value <= dp_latency_split(w, c).value + 1e-9
    assert evaluate_latency(w, c, sol.placement, max_calls=1).latency == pytest.approx(sol.value)
