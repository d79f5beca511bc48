"""The relay transfer rule of evaluate(), on cases computed by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pipesplit import Cluster, Placement, Workload, evaluate
from pipesplit.placement import pipeline_order

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from randomdag import random_dag  # noqa: E402


def skip_chain() -> Workload:
    """1 -> 2 -> 3 and the skip 1 -> 3; sending 1 costs 1, sending 2 costs 2."""
    return Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0, 1.0, 1.0], cpu_time=[5.0, 5.0, 5.0],
                               edges=[(1, 2), (2, 3), (1, 3)], out_cost={1: 1.0, 2: 2.0})


def transfers(e) -> list[tuple[float, float]]:
    """(transfer in, transfer out) per device."""
    return [(d.transfer_in, d.transfer_out) for d in e.devices]


def place(device, accelerators, cpus=0) -> Placement:
    return Placement(np.array(device), accelerators=accelerators, cpus=cpus)


def test_relay_pays_in_and_out_on_every_stage_between():
    w, p = skip_chain(), place([0, 1, 2], 3)
    direct = evaluate(w, Cluster(3), p)
    relay = evaluate(w, Cluster(3), p, transfers="relay")
    assert transfers(direct) == [(0.0, 1.0), (1.0, 2.0), (3.0, 0.0)]
    # 1's output: out on stage 0, in and out on stage 1 (once, though stage 1 also consumes it), in on 2
    assert transfers(relay) == [(0.0, 1.0), (1.0, 3.0), (3.0, 0.0)]
    assert relay.max_load == 5.0 and direct.max_load == 4.0


def test_relay_is_paid_once_per_stage_however_many_consumers():
    # 1 feeds 2, 3 and 4; stages 0 | 2 | 3,4 | 5: 1's output crosses stages 1 and 2 once each
    w = Workload.from_lists(ids=[1, 2, 3, 4, 5], acc_time=[1] * 5, cpu_time=[1] * 5,
                            edges=[(1, 2), (1, 3), (1, 4), (2, 5), (3, 5), (4, 5)], out_cost={1: 1.0})
    e = evaluate(w, Cluster(4), place([0, 1, 2, 2, 3], 4), transfers="relay")
    assert transfers(e) == [(0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]


def test_relay_follows_the_given_order():
    # the same split with the devices numbered backwards: the pipeline order is found from the edges
    w, p = skip_chain(), place([2, 1, 0], 3)
    assert pipeline_order(w, p) == [2, 1, 0]
    e = evaluate(w, Cluster(3), p, transfers="relay")
    assert transfers(e) == [(3.0, 0.0), (1.0, 3.0), (0.0, 1.0)]
    # an explicit order that puts stage 1 last: node 1 goes 2 -> 0 -> 1, node 2 goes 1 -> 0 (backwards)
    e = evaluate(w, Cluster(3), p, transfers="relay", order=[2, 0, 1])
    assert transfers(e) == [(1.0 + 2.0, 1.0), (1.0, 2.0), (0.0, 1.0)]
    with pytest.raises(ValueError, match="every used device"):
        evaluate(w, Cluster(3), p, transfers="relay", order=[2, 1])
    with pytest.raises(ValueError, match="unknown transfer rule"):
        evaluate(w, Cluster(3), p, transfers="nearest")


def test_cpu_cores_relay_for_free():
    # stage 1 is a CPU core: it pays nothing, the accelerators still pay their ends
    w = skip_chain()
    e = evaluate(w, Cluster(2, cpus=1), place([0, 2, 1], 2, cpus=1), transfers="relay", order=[0, 2, 1])
    assert transfers(e) == [(0.0, 1.0), (3.0, 0.0), (0.0, 0.0)]


def test_backward_gradients_relay_towards_earlier_stages():
    # forward 1 -> 2 -> 3 with the skip 1 -> 3; backward nodes 4, 5, 6 of 1, 2, 3 mirror the edges:
    # 6 -> 5 -> 4 and 6 -> 4; each forward node feeds its own backward node; gradients cost 0.5 and 0.25
    w = Workload.from_lists(ids=[1, 2, 3, 4, 5, 6], acc_time=[1] * 6, cpu_time=[1] * 6,
                            edges=[(1, 2), (2, 3), (1, 3), (6, 5), (5, 4), (6, 4), (1, 4), (2, 5), (3, 6)],
                            out_cost={1: 1.0, 2: 2.0, 6: 0.5, 5: 0.25}, backward=[0, 0, 0, 1, 1, 1],
                            color=[0, 1, 2, 0, 1, 2])
    e = evaluate(w, Cluster(3), place([0, 1, 2, 0, 1, 2], 3), transfers="relay")
    assert pipeline_order(w, place([0, 1, 2, 0, 1, 2], 3)) == [0, 1, 2]
    # stage 0: out 1; in 6 (relayed) + 5 = 0.75
    # stage 1: in 1, out 1 + 2; in 6 (from 2), out 6 (to 0) and out 5 = in 1.5, out 3.75
    # stage 2: in 1 + 2; out 6 = 0.5
    assert transfers(e) == [(0.75, 1.0), (1.5, 3.75), (3.0, 0.5)]


def test_relay_never_pays_less_than_direct_and_equals_it_between_neighbours():
    rng = np.random.default_rng(7)
    neighbours_only = 0
    for _ in range(60):
        n = int(rng.integers(3, 12))
        w = random_dag(rng, n, 0.4, 3.0, (1.0, 5.0))
        cuts = np.sort(rng.integers(0, 4, n))  # ids in topological order: a chain of stages
        p = place(cuts, 4)
        direct = evaluate(w, Cluster(4), p)
        relay = evaluate(w, Cluster(4), p, transfers="relay")
        for a, b in zip(direct.devices, relay.devices):
            assert b.transfer_in >= a.transfer_in - 1e-12 and b.transfer_out >= a.transfer_out - 1e-12
        hops = np.abs(cuts[w.dst] - cuts[w.src])
        if (hops <= 1).all():
            neighbours_only += 1
            assert np.allclose(transfers(relay), transfers(direct))
        assert direct.max_load <= relay.max_load + 1e-12
    assert neighbours_only >= 3
