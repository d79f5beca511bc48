"""Throughput integer programs: against the DP, brute force and the reference figures."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("highspy")

from pipesplit import Cluster, Placement, PipesplitError, Workload, evaluate
from pipesplit.solvers.dp import dp_split
from pipesplit.solvers.mip.throughput import IPOptions, ip_noncontig_split, ip_split, split_objective_value
from randomdag import random_dag as shared_random_dag

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PAPER = SHARED / "workloads" / "paper" / "throughput"


def random_dag(rng, n, memory=False):
    return shared_random_dag(rng, n, density=0.35, acc_high=5, cpu=(3, 30), memory=memory, unsupported=0.1)


def brute_force(w, cluster):
    D = cluster.accelerators + cluster.cpus
    best = np.inf
    for dev in itertools.product(range(D), repeat=w.num_nodes):
        e = evaluate(w, cluster, Placement(np.array(dev), cluster.accelerators, cluster.cpus))
        if e.feasible:
            best = min(best, e.max_load)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_contiguous_ip_equals_dp_and_noncontig_is_never_worse(seed):
    rng = np.random.default_rng(seed)
    w = random_dag(rng, int(rng.integers(5, 10)), memory=seed % 2 == 0)
    cluster = Cluster(int(rng.integers(2, 4)), memory=float(w.memory.sum()) / 1.7 if seed % 2 == 0 else np.inf, cpus=1)
    try:
        dp = dp_split(w, cluster)
    except PipesplitError:
        return
    opts = IPOptions(time_limit=60, warm_start=seed % 3 != 0)  # also solve without a warm start
    ip = ip_split(w, cluster, options=opts)
    assert ip.optimal
    assert ip.value == pytest.approx(dp.value, rel=1e-6)
    ev = evaluate(w, cluster, ip.placement, contiguous=True)
    assert ev.feasible and ev.max_load == pytest.approx(ip.value)
    nc = ip_noncontig_split(w, cluster, options=opts)
    assert nc.value <= ip.value * (1 + 1e-6)
    assert evaluate(w, cluster, nc.placement).max_load == pytest.approx(nc.value)


@pytest.mark.parametrize("seed", range(5))
def test_noncontig_ip_equals_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    w = random_dag(rng, 6, memory=True)
    cluster = Cluster(2, memory=float(w.memory.sum()) / 1.6, cpus=1)
    best = brute_force(w, cluster)
    sol = ip_noncontig_split(w, cluster, options=IPOptions(time_limit=60))
    assert sol.value == pytest.approx(best, rel=1e-6)
    assert sol.evaluation.feasible


def test_split_objective_is_reported_by_its_own_evaluation():
    # forward chain 1-2-3 and backward chain 6-5-4, classes pair them
    w = Workload.from_lists(ids=[1, 2, 3, 4, 5, 6], acc_time=[2, 1, 2, 3, 1, 3], cpu_time=[20] * 6,
                            edges=[(1, 2), (2, 3), (3, 6), (6, 5), (5, 4)], out_cost={1: 0.5, 2: 0.5, 6: 0.5, 5: 0.5},
                            backward=[0, 0, 0, 1, 1, 1], color=[1, 2, 3, 1, 2, 3])
    sol = ip_split(w, Cluster(2), options=IPOptions(objective="fwd+bwd"))
    assert sol.value == pytest.approx(split_objective_value(w, Cluster(2), sol.placement))
    assert sol.value <= split_objective_value(w, Cluster(2), dp_split(w, Cluster(2)).placement) + 1e-9


def test_infeasible_memory_is_one_line():
    w = Workload.from_lists(ids=[1, 2], acc_time=[1, 1], cpu_time=[1, 1], edges=[(1, 2)], memory=[5, 5])
    with pytest.raises(PipesplitError) as e:
        ip_noncontig_split(w, Cluster(1, memory=6))
    assert "\n" not in str(e.value)


@pytest.mark.skipif(not PAPER.is_dir(), reason="paper workloads not available")
def test_paper_layer_graph_proven_and_time_limit_returns_best():
    from pipesplit.formats import load_workload
    ref = json.loads((SHARED / "reference" / "paper-throughput.json").read_text())["workloads"]
    w, c = load_workload(PAPER / "LayerGraphs" / "bert24_inference.json")
    sol = ip_split(w, c, options=IPOptions(time_limit=120))
    assert sol.optimal and sol.stats["gap"] <= 1e-4
    assert sol.value == pytest.approx(ref["LayerGraphs/bert24_inference.json"]["dp"]["maxLoad"], rel=1e-6)
    # a time limit too short to prove anything still returns a split with its gap
    w, c = load_workload(PAPER / "LayerGraphs" / "gnmt_inference.json")
    sol = ip_noncontig_split(w, c, options=IPOptions(time_limit=1))
    assert sol.evaluation.feasible and sol.value <= 32.9107 + 1e-3
    assert sol.optimal or sol.stats["gap"] > 0


@pytest.mark.skipif(not PAPER.is_dir(), reason="paper workloads not available")
def test_noncontig_gains_on_a_training_graph():
    synthetic = pytest.importorskip("pipesplit.synthetic")
    from pipesplit.formats import load_workload
    w, c = load_workload(PAPER / "LayerGraphs" / "bert24_inference.json")
    train = synthetic.add_backward(w)
    contiguous = ip_split(train, c, options=IPOptions(time_limit=60))
    free = ip_noncontig_split(train, c, options=IPOptions(time_limit=20))
    assert contiguous.optimal
    assert contiguous.value == pytest.approx(dp_split(train, c).value, rel=1e-6)
    assert free.value <= contiguous.value * (1 + 1e-9)
    assert evaluate(train, c, free.placement).max_load == pytest.approx(free.value)
