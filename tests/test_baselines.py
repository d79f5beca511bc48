"""Baselines: every value is what an independent evaluation says of its split."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from pipesplit import Cluster, PipesplitError, evaluate
from pipesplit.cli import main
from pipesplit.solvers import heuristics as B
from randomdag import random_dag as shared_random_dag

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PAPER = SHARED / "workloads" / "paper"


def independent_max_load(w, cluster, device):
    """A plain re-implementation of the cost model, node by node."""
    K = cluster.accelerators
    loads = {}
    for d in set(device.tolist()):
        on = device == d
        if d >= K:
            loads[d] = float(w.cpu_time[on].sum())
            continue
        load = float(w.acc_time[on].sum())
        senders_out = {int(u) for u, v in zip(w.src, w.dst) if on[u] and not on[v]}
        senders_in = {int(u) for u, v in zip(w.src, w.dst) if not on[u] and on[v]}
        loads[d] = load + sum(w.out_cost[u] for u in senders_out) + sum(w.out_cost[u] for u in senders_in)
    return max(loads.values())


def random_dag(rng, n):
    return shared_random_dag(rng, n, density=0.3, acc_high=5, cpu=(3, 30))


METHODS = [B.pipedream_split, B.metis_split, B.local_search_split, B.one_accelerator_split]


@pytest.mark.parametrize("seed", range(4))
def test_values_match_an_independent_evaluation(seed):
    pytest.importorskip("pymetis")
    rng = np.random.default_rng(seed)
    w = random_dag(rng, 14)
    cluster = Cluster(3, memory=float(w.memory.sum()) / 2, cpus=1)
    for fn in METHODS:
        sol = fn(w, cluster)
        assert sol.value == pytest.approx(independent_max_load(w, cluster, sol.placement.device))
    ls = B.local_search_split(w, cluster)
    assert ls.evaluation.feasible  # memory limits respected
    pd = B.pipedream_split(w, cluster)
    assert not any("contiguous" in v for v in evaluate(w, cluster, pd.placement, contiguous=True).violations)


def test_missing_pymetis_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymetis", None)
    w = random_dag(np.random.default_rng(0), 5)
    with pytest.raises(PipesplitError, match=r"pipesplit\[metis\]"):
        B.metis_split(w, Cluster(2))


@pytest.mark.skipif(not PAPER.is_dir(), reason="paper workloads not available")
def test_paper_baselines_and_expert():
    from pipesplit.formats import load_workload
    ref = json.loads((SHARED / "reference" / "paper-throughput.json").read_text())["workloads"]
    w, c = load_workload(PAPER / "throughput" / "LayerGraphs" / "bert24_training.json")
    ex = B.expert_split(w, c, options=B.ExpertOptions(str(PAPER / "experts" / "bert24_training_expert.json")))
    assert ex.value == pytest.approx(ref["LayerGraphs/bert24_training.json"]["expert"]["maxLoad"], abs=1e-3)
    one = B.one_accelerator_split(w, c)
    assert one.value == pytest.approx(ref["LayerGraphs/bert24_training.json"]["oneFpga"]["maxLoad"], abs=1e-3)
    ls = B.local_search_split(w, c)
    assert ls.value == pytest.approx(independent_max_load(w, c, ls.placement.device))
    assert ls.value <= ref["LayerGraphs/bert24_training.json"]["dp"]["maxLoad"]


@pytest.mark.skipif(not PAPER.is_dir(), reason="paper workloads not available")
def test_compare_prints_one_table(capsys):
    path = str(PAPER / "throughput" / "LayerGraphs" / "bert24_inference.json")
    assert main(["compare", path, "--methods", "dp,one-accelerator,local-search", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["method"]: r for r in out["results"]}
    assert rows["dp"]["optimal"] and rows["dp"]["ratio"] >= 1 - 1e-9 or rows["local-search"]["ratio"] == 1.0
    assert rows["one-accelerator"]["ratio"] > 4
    assert main(["compare", path, "--methods", "dp,nonsense"]) == 2
