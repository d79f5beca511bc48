"""The cost model, evaluate(), on cases computed by hand."""

from __future__ import annotations

import doctest
import importlib
import math

import numpy as np
import pytest

from pipesplit import Cluster, Placement, Workload, evaluate
from pipesplit.placement import contiguity_violations


def fan_out() -> Workload:
    """Node 1 feeds nodes 2 and 3; sending 1's output costs 0.5."""
    return Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0, 2.0, 3.0], cpu_time=[10.0, 20.0, 30.0],
                               edges=[(1, 2), (1, 3)], out_cost={1: 0.5})


def loads(e) -> list[tuple[float, float, float]]:
    """(compute, transfer in, transfer out) per device."""
    return [(d.compute, d.transfer_in, d.transfer_out) for d in e.devices]


def place(device, accelerators, cpus=0) -> Placement:
    return Placement(np.array(device), accelerators=accelerators, cpus=cpus)


# ---------------------------------------------------------------- transfers


def test_two_successors_on_one_other_device_pay_once():
    e = evaluate(fan_out(), Cluster(2), place([0, 1, 1], 2))
    assert loads(e) == [(1.0, 0.0, 0.5), (5.0, 0.5, 0.0)]
    assert [d.load for d in e.devices] == [1.5, 5.5]
    assert e.max_load == 5.5
    assert e.feasible


def test_successors_on_two_other_accelerators_pay_in_once_each():
    e = evaluate(fan_out(), Cluster(3), place([0, 1, 2], 3))
    assert loads(e) == [(1.0, 0.0, 0.5), (2.0, 0.5, 0.0), (3.0, 0.5, 0.0)]
    assert e.max_load == 3.5


def test_one_successor_at_home_and_one_away_pays_out_once():
    e = evaluate(fan_out(), Cluster(2), place([0, 0, 1], 2))
    assert loads(e) == [(3.0, 0.0, 0.5), (3.0, 0.5, 0.0)]


def test_all_on_one_device_pays_no_transfer():
    e = evaluate(fan_out(), Cluster(2), place([1, 1, 1], 2))
    assert loads(e) == [(0.0, 0.0, 0.0), (6.0, 0.0, 0.0)]
    assert e.devices[0].nodes == 0 and e.devices[1].nodes == 3


def test_middle_of_a_chain_pays_in_and_out():
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0, 1.0, 1.0], cpu_time=[5.0] * 3,
                            edges=[(1, 2), (2, 3)], out_cost={1: 1.0, 2: 2.0, 3: 9.0})
    e = evaluate(w, Cluster(3), place([0, 1, 2], 3))
    assert loads(e) == [(1.0, 0.0, 1.0), (1.0, 1.0, 2.0), (1.0, 2.0, 0.0)]
    assert e.max_load == 4.0


def test_two_nodes_sending_to_one_device_are_each_paid():
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0, 1.0, 1.0], cpu_time=[5.0] * 3,
                            edges=[(1, 3), (2, 3)], out_cost={1: 0.25, 2: 0.5})
    e = evaluate(w, Cluster(2), place([0, 0, 1], 2))
    assert loads(e) == [(2.0, 0.0, 0.75), (1.0, 0.75, 0.0)]


def test_accelerator_sending_to_cpu_pays_out_and_cpu_pays_nothing():
    e = evaluate(fan_out(), Cluster(1, cpus=1), place([0, 1, 1], 1, 1))
    assert loads(e) == [(1.0, 0.0, 0.5), (50.0, 0.0, 0.0)]
    assert [d.kind for d in e.devices] == ["accelerator", "cpu"]
    assert e.devices[1].name == "cpu0"
    assert e.max_load == 50.0


def test_cpu_sending_to_accelerator_pays_nothing_and_accelerator_pays_in():
    e = evaluate(fan_out(), Cluster(1, cpus=1), place([1, 0, 0], 1, 1))
    assert loads(e) == [(5.0, 0.5, 0.0), (10.0, 0.0, 0.0)]


def test_each_cpu_core_is_its_own_device():
    w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[7.0, 5.0], edges=[(1, 2)],
                            out_cost={1: 3.0})
    e = evaluate(w, Cluster(0, cpus=2), place([0, 1], 0, 2))
    assert [d.load for d in e.devices] == [7.0, 5.0]
    assert e.max_load == 7.0  # the largest core, not the sum of the cores
    assert e.feasible


def test_backward_edges_are_paid_but_not_checked_for_contiguity():
    # forward 1 -> 2; backward 4 (grad of 2) -> 3 (grad of 1); classes {1, 3} and {2, 4}
    w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[1.0, 2.0, 3.0, 4.0], cpu_time=[9.0] * 4,
                            edges=[(1, 2), (2, 4), (4, 3), (1, 3)], out_cost={1: 0.5, 2: 0.25, 4: 2.0},
                            backward=[False, False, True, True], color=[0, 1, 0, 1])
    e = evaluate(w, Cluster(2), place([0, 1, 0, 1], 2), contiguous=True)
    assert e.feasible, e.violations
    assert loads(e) == [(4.0, 2.0, 0.5), (6.0, 0.5, 2.0)]


def test_duplicate_edges_count_once():
    w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[1.0, 1.0], edges=[(1, 2), (1, 2)],
                            out_cost={1: 0.5})
    assert w.num_edges == 1
    assert loads(evaluate(w, Cluster(2), place([0, 1], 2))) == [(1.0, 0.0, 0.5), (1.0, 0.5, 0.0)]


# ---------------------------------------------------------------- violations


def test_memory_violation_names_the_device():
    w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[1.0, 1.0], edges=[(1, 2)],
                            memory=[10.0, 20.0])
    e = evaluate(w, Cluster(2, memory=25.0), place([0, 0], 2))
    assert not e.feasible
    assert len(e.violations) == 1 and "acc0" in e.violations[0] and "memory" in e.violations[0]
    assert e.devices[0].memory == 30.0
    assert evaluate(w, Cluster(2, memory=25.0), place([0, 1], 2)).feasible
    assert evaluate(w, Cluster(2, memory=30.0), place([0, 0], 2)).feasible  # the limit itself fits


def test_cpu_memory_is_not_limited():
    w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[1.0, 1.0], edges=[(1, 2)],
                            memory=[10.0, 20.0])
    assert evaluate(w, Cluster(1, memory=5.0, cpus=1), place([1, 1], 1, 1)).feasible


def test_colocation_violation_names_both_nodes():
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0] * 3, cpu_time=[1.0] * 3, edges=[(1, 2), (2, 3)],
                            color=[7, -1, 7])
    e = evaluate(w, Cluster(2), place([0, 0, 1], 2))
    assert len(e.violations) == 1
    v = e.violations[0]
    assert "colocation" in v and "1" in v and "3" in v and "acc0" in v and "acc1" in v
    assert evaluate(w, Cluster(2), place([0, 0, 0], 2)).feasible


def test_unsupported_node_on_accelerator():
    w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[1.0, 1.0], edges=[(1, 2)],
                            acc_ok=[True, False], names=["conv", "nms"])
    e = evaluate(w, Cluster(1, cpus=1), place([0, 0], 1, 1))
    assert len(e.violations) == 1
    assert "nms" in e.violations[0] and "cannot run on an accelerator" in e.violations[0]
    assert evaluate(w, Cluster(1, cpus=1), place([0, 1], 1, 1)).feasible


def test_too_many_accelerators():
    e = evaluate(fan_out(), Cluster(2), place([0, 1, 2], 3))
    assert len(e.violations) == 1 and "uses 3 accelerators" in e.violations[0] and "has 2" in e.violations[0]
    # a placement listing more accelerators than the cluster has is fine while it uses few enough
    assert evaluate(fan_out(), Cluster(2), place([0, 2, 2], 3)).feasible


def test_too_many_cpu_cores():
    e = evaluate(fan_out(), Cluster(1, cpus=1), place([0, 1, 2], 1, 2))
    assert len(e.violations) == 1 and "uses 2 CPU cores" in e.violations[0] and "has 1" in e.violations[0]


def test_unplaced_node():
    e = evaluate(fan_out(), Cluster(2), place([0, -1, 1], 2))
    assert len(e.violations) == 1 and "not placed" in e.violations[0]


def test_non_contiguous_split_names_the_device_cycle():
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0] * 3, cpu_time=[1.0] * 3, edges=[(1, 2), (2, 3)])
    p = place([0, 1, 0], 2)
    assert evaluate(w, Cluster(2), p).feasible  # contiguity only checked on request
    e = evaluate(w, Cluster(2), p, contiguous=True)
    assert len(e.violations) == 1
    assert "not contiguous" in e.violations[0] and "acc0 -> acc1 -> acc0" in e.violations[0]
    assert contiguity_violations(w, place([0, 0, 1], 2)) == []


def test_convex_devices_in_a_cycle_are_not_contiguous():
    # 1 -> 2 and 3 -> 4 are independent; {1, 4} and {2, 3} are each convex but need each other first
    w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[1.0] * 4, cpu_time=[1.0] * 4, edges=[(1, 2), (3, 4)])
    e = evaluate(w, Cluster(1, cpus=1), place([0, 1, 1, 0], 1, 1), contiguous=True)
    assert len(e.violations) == 1 and "acc0" in e.violations[0] and "cpu0" in e.violations[0]
    assert evaluate(w, Cluster(1, cpus=1), place([0, 1, 0, 1], 1, 1), contiguous=True).feasible


def test_several_violations_are_all_listed():
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0] * 3, cpu_time=[1.0] * 3, edges=[(1, 2), (2, 3)],
                            memory=[5.0, 5.0, 5.0], acc_ok=[True, True, False], color=[1, -1, 1])
    e = evaluate(w, Cluster(2, memory=6.0), place([0, 1, 0], 2), contiguous=True)
    text = " | ".join(e.violations)
    assert len(e.violations) == 3, text
    assert "cannot run on an accelerator" in text and "memory" in text and "not contiguous" in text


def test_empty_devices_have_zero_load():
    e = evaluate(fan_out(), Cluster(4, cpus=2), place([2, 2, 2], 4, 2))
    assert len(e.devices) == 6
    assert [d.load for d in e.devices] == [0.0, 0.0, 6.0, 0.0, 0.0, 0.0]
    assert e.max_load == 6.0 and not math.isnan(e.max_load)


@pytest.mark.parametrize("module", ["pipesplit.cluster", "pipesplit.workload", "pipesplit.placement",
                                    "pipesplit.solvers.dp.exact", "pipesplit.solvers.dp.linear"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
