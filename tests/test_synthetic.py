"""The synthetic workload generators: valid DAGs, deterministic, correct training graphs, solvable."""

from __future__ import annotations

import numpy as np
import pytest

from pipesplit.cluster import Cluster, parse_bytes
from pipesplit.errors import PipesplitError
from pipesplit.placement import evaluate
from pipesplit.solvers.dp import dp_split
from pipesplit.solvers.dp.linear import dp_linear_split
from pipesplit.synthetic import add_backward, random_layered_dag, transformer_like, transformer_node_count
from pipesplit.graph import topological_sort
from pipesplit.workload import NO_CLASS, Workload


def same(a: Workload, b: Workload) -> bool:
    return (a.names == b.names and np.array_equal(a.src, b.src) and np.array_equal(a.dst, b.dst)
            and all(np.array_equal(getattr(a, f), getattr(b, f))
                    for f in ("ids", "acc_time", "cpu_time", "memory", "out_cost", "acc_ok", "backward", "color")))


def assert_valid_dag(w: Workload) -> None:
    assert topological_sort(w.num_nodes, w.src, w.dst) is not None
    assert len(np.unique(w.ids)) == w.num_nodes
    for arr in (w.acc_time, w.cpu_time, w.memory, w.out_cost):
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0)
    assert not np.any(w.src == w.dst)


@pytest.mark.parametrize("layers", [0, 1, 3, 12])
def test_transformer_is_a_connected_dag_of_the_announced_size(layers):
    w = transformer_like(layers)
    assert_valid_dag(w)
    assert w.num_nodes == transformer_node_count(layers)
    # one source per embedding table, one sink (the classifier), every other node on a path between
    indeg = np.bincount(w.dst, minlength=w.num_nodes)
    assert [w.names[k] for k in np.flatnonzero(indeg == 0)] == ["embed.words", "embed.positions"]
    assert [w.names[k] for k in np.flatnonzero(w.out_degree == 0)] == ["classifier"]
    assert np.all(w.acc_time > 0) and w.cpu_time.sum() > 10 * w.acc_time.sum()


def test_transformer_costs_follow_the_model_size():
    small, big = transformer_like(2, hidden=256, heads=4), transformer_like(2, hidden=1024, heads=16)
    mm = [k for k, n in enumerate(small.names) if n.endswith("mlp.up")]
    assert np.all(big.acc_time[mm] > small.acc_time[mm])
    assert np.all(big.memory[mm] > 10 * small.memory[mm])  # weights grow as hidden^2
    assert big.memory.sum() > small.memory.sum()


def test_transformer_rejects_bad_shapes():
    with pytest.raises(PipesplitError, match="multiple"):
        transformer_like(2, hidden=100, heads=12)
    with pytest.raises(PipesplitError):
        transformer_like(-1)


def test_generators_are_deterministic():
    assert same(transformer_like(3), transformer_like(3))
    assert same(add_backward(transformer_like(2)), add_backward(transformer_like(2)))
    assert same(random_layered_dag(500, 5, seed=7), random_layered_dag(500, 5, seed=7))
    assert not same(random_layered_dag(500, 5, seed=7), random_layered_dag(500, 5, seed=8))


@pytest.mark.parametrize("n,width,fan_in", [(1, 1, 1), (100, 1, 1), (1000, 7, 3), (5000, 50, 2)])
def test_random_layered_dag_is_valid(n, width, fan_in):
    w = random_layered_dag(n, width, seed=3, fan_in=fan_in, skip=0.2, cpu_only=0.1)
    assert_valid_dag(w)
    assert w.num_nodes == n
    layer = np.asarray(w.layer)
    assert np.all(layer[w.src] < layer[w.dst])
    # every node after the first layer reads at least one node of the layer just before it
    prev = np.zeros(n, dtype=bool)
    prev[w.dst[layer[w.src] == layer[w.dst] - 1]] = True
    assert np.all(prev[layer > 0])
    assert np.all(np.bincount(w.dst, minlength=n) <= fan_in + 1)


def test_add_backward_mirrors_the_forward_graph():
    f = transformer_like(2, hidden=64, heads=4, seq_len=16)
    w = add_backward(f)
    n = f.num_nodes
    assert_valid_dag(w)
    assert w.num_nodes == 2 * n and w.is_training
    assert not w.backward[:n].any() and w.backward[n:].all()
    # each backward node shares exactly its forward node's class, and classes are otherwise distinct
    assert np.array_equal(w.color[:n], w.color[n:])
    assert np.all(w.color != NO_CLASS) and len(np.unique(w.color[:n])) == n
    assert np.array_equal(w.class_of[:n], w.class_of[n:])
    np.testing.assert_allclose(w.acc_time[n:], 2 * f.acc_time)
    np.testing.assert_allclose(w.cpu_time[n:], 2 * f.cpu_time)
    edges = set(zip(w.src.tolist(), w.dst.tolist()))
    for u, v in zip(f.src.tolist(), f.dst.tolist()):
        assert (u, v) in edges and (v + n, u + n) in edges and (u, v + n) in edges
    assert all((v, v + n) in edges for v in range(n))
    assert len(edges) == 3 * f.num_edges + n


def test_add_backward_keeps_existing_classes_and_refuses_training_graphs():
    f = Workload.from_lists(ids=[10, 11, 12], acc_time=[1, 1, 1], cpu_time=[5, 5, 5], edges=[(10, 11), (11, 12)],
                            color=np.array([4, 4, NO_CLASS]))
    w = add_backward(f)
    assert w.color.tolist() == [4, 4, 5, 4, 4, 5]
    assert w.ids.tolist() == [10, 11, 12, 23, 24, 25]
    with pytest.raises(PipesplitError, match="already has backward"):
        add_backward(w)


CASES = {
    "transformer": (transformer_like(3, hidden=128, heads=4, seq_len=32), Cluster(3, parse_bytes("16GiB"), 1)),
    "training": (add_backward(transformer_like(2, hidden=128, heads=4, seq_len=32)), Cluster(3, float("inf"), 1)),
    "layered": (random_layered_dag(60, 2, seed=5, cpu_only=0.05), Cluster(4, 2e9, 2)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_generated_graphs_solve_and_match_evaluate(name):
    w, cluster = CASES[name]
    exact = dp_split(w, cluster)
    linear = dp_linear_split(w, cluster)
    for sol in (exact, linear):
        ev = evaluate(w, cluster, sol.placement, contiguous=True)
        assert ev.feasible, ev.violations
        assert ev.max_load == pytest.approx(sol.value, rel=1e-9)
    assert exact.value <= linear.value * (1 + 1e-9)
    # splitting over several devices beats a single accelerator
    one = evaluate(w, cluster, type(exact.placement)(np.zeros(w.num_nodes, int), cluster.accelerators, cluster.cpus))
    if one.feasible:
        assert exact.value < one.max_load
