"""Property tests: the dynamic programs against a brute force over every contiguous placement.

The brute force enumerates every assignment of groups (colocation classes, or the DP's contracted
units) to devices, up to renaming devices of one kind, and returns the least max load among those
that ``evaluate(..., contiguous=True)`` finds feasible. To stay fast it orders the assignments by a
vectorised computation of their max load and walks them in that order, asking ``evaluate`` about each
one that passes cheap necessary checks; every load it asks about must agree with ``evaluate``.

The DP contracts the graph first; every step of the contraction is lossless for the instance at hand,
so in every case (zero-time nodes holding memory or barred from accelerators, backward-only
colocation classes, accelerators slower than CPU cores) the DP must equal the brute force over all
classes. The brute force orders splits by the same rule as ``evaluate(contiguous=True)``: forward
edges, and the backward edges of classes without forward nodes, mirrored.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from pipesplit import Cluster, PipesplitError, Placement, Workload, evaluate
from pipesplit.solvers.dp import dp_split
from pipesplit.solvers.dp.linear import dp_linear_split
from pipesplit.solvers.dp.contract import contract
from pipesplit.solvers.mip.throughput import IPOptions, ip_split, slot_windows

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SCALE = float(os.environ.get("PIPESPLIT_EXAMPLES_SCALE", "1"))  # e.g. 20 for a long hunt
REL = 1e-9


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


# ---------------------------------------------------------------- random instances


@st.composite
def instances(draw, training: bool | None = None, zero_time: str = "harmless", cpus=(0, 2),
              tight: bool = False, slow_accelerators: bool = False) -> tuple[Workload, Cluster]:
    """A random small DAG with costs and a cluster.

    ``zero_time``: "none" (every node has time), "harmless" (zero-time nodes need no memory and may
    run on an accelerator) or "any". ``training``: mirror the forward DAG into colocated backward nodes
    (None: either). ``tight``: memory that often binds and accelerator-only nodes that often cannot fit.
    ``slow_accelerators``: CPU times below the accelerator times (a CPU core is the faster device).
    """
    if training is None:
        training = draw(st.booleans())
    n = draw(st.integers(2, 6) if training else st.integers(3, 8))
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if draw(st.sampled_from([True, False, False]))]
    # colocation: most forward nodes alone, some share one of two classes (may create cycles to fuse)
    group = [draw(st.sampled_from([-1, -1, -1, -1, 0, 1])) for _ in range(n)]
    color = [n + g if g >= 0 else (i if training else -1) for i, g in enumerate(group)]
    ids, backward = list(range(1, n + 1)), [False] * n
    all_edges = list(edges)
    if training:
        ids += [101 + i for i in range(n)]
        backward += [True] * n
        color += color[:n]
        all_edges += [(n + j, n + i) for i, j in edges]  # gradients flow back
        all_edges += [(i, n + i) for i in range(n) if draw(st.booleans())]  # activations kept for the gradient
        all_edges += [(i, n + j) for i, j in edges if draw(st.booleans())]  # inputs kept for the gradient
        # backward-only classes: some backward nodes leave their forward node's class (e.g. a loss or an
        # optimizer step); the split orders them by their backward edges, mirrored
        for j in range(n):
            if draw(st.integers(0, 3)) == 0:
                color[n + j] = 2 * n + 10 + j
    size = len(ids)
    k = draw(st.sampled_from([2, 3, 1]))
    l = draw(st.sampled_from(list(range(cpus[1], cpus[0] - 1, -1))))
    acc, cpu, mem, ok, out = [], [], [], [], []
    for _ in range(size):
        zero = zero_time != "none" and draw(st.integers(0, 4)) == 0
        acc.append(0.0 if zero else draw(st.integers(1, 8)) * 0.5)
        cpu.append(0.0 if zero else (acc[-1] * draw(st.integers(1, 4)) / 5 if slow_accelerators
                                     else draw(st.integers(1, 40)) * 0.5))
        harmless = zero and zero_time == "harmless"
        mem.append(0 if harmless else draw(st.integers(0, 6)))
        # accelerator-only nodes are rarer without CPU cores, where one of them makes the instance hopeless
        ok.append(True if harmless else draw(st.integers(0, 2 if tight else (5 if l else 30))) > 0)
        out.append(draw(st.integers(0, 6)) * 0.25)
    total, biggest = sum(mem), max(mem)
    if tight:
        limit = float(draw(st.integers(max(1, biggest // 2), max(1, biggest + total // k))))
    else:  # no limit, or one between the biggest node and the total that often binds
        share = draw(st.sampled_from([None, 0.0, 0.2, 0.4, 0.7, 1.0]))
        limit = math.inf if share is None else float(max(biggest, 1) + round(share * max(0, total // k - biggest)))
    w = Workload.from_lists(ids=ids, acc_time=acc, cpu_time=cpu, memory=mem, acc_ok=ok, backward=backward,
                            color=color, edges=[(ids[u], ids[v]) for u, v in all_edges],
                            out_cost=dict(zip(ids, out)))
    cluster = Cluster(accelerators=k, memory=limit, cpus=l)
    note(describe(w, cluster))
    return w, cluster


def describe(w: Workload, cluster: Cluster) -> str:
    """The instance spelled out, to rebuild it from a failure report."""
    return (f"Workload.from_lists(ids={w.ids.tolist()}, acc_time={w.acc_time.tolist()}, "
            f"cpu_time={w.cpu_time.tolist()}, memory={w.memory.tolist()}, acc_ok={w.acc_ok.tolist()}, "
            f"backward={w.backward.tolist()}, color={w.color.tolist()}, "
            f"edges={[(int(w.ids[u]), int(w.ids[v])) for u, v in zip(w.src, w.dst)]}, "
            f"out_cost={dict(zip(w.ids.tolist(), w.out_cost.tolist()))}); {cluster}")


# ---------------------------------------------------------------- brute force


def canonical_assignments(groups: int, accelerators: int, cpus: int) -> np.ndarray:
    """Every map of ``groups`` groups to devices, one per renaming of the accelerators among themselves
    and of the CPU cores among themselves (first uses of the devices of a kind come in device order)."""
    D = accelerators + cpus
    A = np.indices((D,) * groups, dtype=np.int8).reshape(groups, -1).T
    first = np.full((len(A), D), groups)
    for g in range(groups - 1, -1, -1):
        first[np.arange(len(A)), A[:, g]] = g
    keep = np.ones(len(A), dtype=bool)
    for lo, hi in ((0, accelerators), (accelerators, D)):
        for d in range(lo, hi - 1):
            keep &= first[:, d] <= first[:, d + 1]
    return A[keep]


def vector_loads(w: Workload, K: int, L: int, dev: np.ndarray) -> np.ndarray:
    """Max load of each row of ``dev`` (rows: a device per node), straight from DESIGN.md."""
    rows = len(dev)
    on_acc = dev < K
    time = np.where(on_acc, w.acc_time, w.cpu_time)
    load = np.stack([(time * (dev == d)).sum(1) for d in range(K + L)], axis=1) if rows else np.zeros((0, K + L))
    succs = [w.dst[w.src == u] for u in range(w.num_nodes)]
    for u, s in enumerate(succs):
        if not len(s) or w.out_cost[u] == 0:
            continue
        du, ds = dev[:, u], dev[:, s]
        for d in range(K):
            sends = (du == d) & (ds != d).any(1)
            receives = (du != d) & (ds == d).any(1)
            load[:, d] += w.out_cost[u] * (sends.astype(float) + receives)
    return load.max(1)


def order_edges(w: Workload) -> tuple[np.ndarray, np.ndarray]:
    """Forward edges, and backward edges touching a class without forward nodes, reversed (README)."""
    has_fwd = {int(c) for c in w.class_of[~w.backward]}
    src, dst = [], []
    for u, v in zip(w.src.tolist(), w.dst.tolist()):
        if not w.backward[u] and not w.backward[v]:
            src.append(u), dst.append(v)
        elif w.backward[u] and w.backward[v] and not {int(w.class_of[u]), int(w.class_of[v])} <= has_fwd:
            src.append(v), dst.append(u)
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


def device_graph_acyclic(w: Workload, device: np.ndarray) -> bool:
    src, dst = order_edges(w)
    pairs = {(a, b) for a, b in zip(device[src].tolist(), device[dst].tolist()) if a != b}
    nodes = {x for p in pairs for x in p}
    indeg = {x: 0 for x in nodes}
    for _, b in pairs:
        indeg[b] += 1
    ready = [x for x in nodes if indeg[x] == 0]
    seen = 0
    while ready:
        x = ready.pop()
        seen += 1
        for a, b in pairs:
            if a == x:
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
    return seen == len(nodes)


def brute_force(w: Workload, cluster: Cluster, group_of: np.ndarray) -> tuple[float, np.ndarray | None]:
    """Least max load over contiguous placements that keep each group on one device (and the
    placement), or (inf, None) when no such placement is feasible."""
    K, L = cluster.accelerators, cluster.cpus
    G = int(group_of.max()) + 1
    A = canonical_assignments(G, K, L)
    dev = A[:, group_of].astype(np.int64)
    # necessary conditions evaluate() also checks: accelerator-only nodes, memory per accelerator
    possible = ~((dev < K) & ~w.acc_ok).any(1)
    for d in range(K):
        possible &= (w.memory * (dev == d)).sum(1) <= cluster.memory
    dev = dev[possible]
    values = vector_loads(w, K, L, dev)
    for r in np.argsort(values, kind="stable"):
        if not device_graph_acyclic(w, dev[r]):
            continue
        placement = Placement(dev[r], accelerators=K, cpus=L)
        e = evaluate(w, cluster, placement, contiguous=True)
        assert math.isclose(e.max_load, values[r], rel_tol=REL, abs_tol=1e-12), (dev[r], e.max_load, values[r])
        if e.feasible:
            return e.max_load, dev[r]
        raise AssertionError(f"brute force prefilter let through an infeasible placement: {e.violations}")
    return math.inf, None


def solve_or_inf(solver, w: Workload, cluster: Cluster):
    """The solver's solution, or None when it reports that no split fits."""
    try:
        return solver(w, cluster)
    except PipesplitError as e:
        assert "\n" not in str(e)
        return None


def check_solution(w: Workload, cluster: Cluster, sol) -> None:
    """(c): the claimed value is what evaluate() says of the placement, which is feasible and contiguous."""
    e = evaluate(w, cluster, sol.placement, contiguous=True)
    assert e.feasible, e.violations
    assert math.isclose(sol.value, e.max_load, rel_tol=REL, abs_tol=1e-12), (sol.value, e.max_load)
    assert math.isclose(sol.evaluation.max_load, e.max_load, rel_tol=REL, abs_tol=1e-12)
    assert (sol.placement.accelerators, sol.placement.cpus) == (cluster.accelerators, cluster.cpus)


def value(sol) -> float:
    return math.inf if sol is None else sol.value


def assert_same(a: float, b: float) -> None:
    assert (math.isinf(a) and math.isinf(b)) or math.isclose(a, b, rel_tol=REL, abs_tol=1e-12), (a, b)


# ---------------------------------------------------------------- (a), (c), (d): exact DP against brute force


def assert_dp_matches_brute_force(case) -> None:
    """The exact DP's value equals the brute force over all contiguous placements of the classes."""
    w, cluster = case
    sol = solve_or_inf(dp_split, w, cluster)
    best, _ = brute_force(w, cluster, w.class_of)
    assert_same(value(sol), best)
    if sol is not None:
        check_solution(w, cluster, sol)


@settings(max_examples=examples(80), **SETTINGS)
@given(instances(training=False))
def test_dp_equals_brute_force_inference(case):
    assert_dp_matches_brute_force(case)


@settings(max_examples=examples(60), **SETTINGS)
@given(instances(training=True))
def test_dp_equals_brute_force_training(case):
    assert_dp_matches_brute_force(case)


@settings(max_examples=examples(40), **SETTINGS)
@given(instances(zero_time="none"))
def test_dp_equals_brute_force_without_zero_time_nodes(case):
    w, cluster = case
    assert contract(w).num_units <= w.class_of.max() + 1
    best, _ = brute_force(w, cluster, w.class_of)
    assert_same(value(solve_or_inf(dp_split, w, cluster)), best)


@settings(max_examples=examples(80), **SETTINGS)
@given(instances(zero_time="any"))
def test_dp_equals_brute_force_when_zero_time_nodes_need_memory_or_a_cpu(case):
    """Zero-time nodes that hold memory or cannot run on an accelerator: the contraction must not lose
    the optimum, so the DP still equals the brute force over all classes."""
    assert_dp_matches_brute_force(case)


@settings(max_examples=examples(60), **SETTINGS)
@given(instances(training=True, zero_time="any"))
def test_dp_equals_brute_force_training_with_memory_carrying_zero_time_nodes(case):
    assert_dp_matches_brute_force(case)


@settings(max_examples=examples(60), **SETTINGS)
@given(instances(tight=True, cpus=(0, 1)))
def test_infeasible_instances_raise(case):
    """(d), on instances where memory and accelerator-only nodes often leave no split."""
    w, cluster = case
    best, _ = brute_force(w, cluster, w.class_of)
    if math.isinf(best):
        with pytest.raises(PipesplitError, match="no contiguous split fits|cannot run on an accelerator|needs"):
            dp_split(w, cluster)
        with pytest.raises(PipesplitError):
            dp_linear_split(w, cluster)
    else:
        sol = dp_split(w, cluster)
        assert_same(sol.value, best)
        check_solution(w, cluster, sol)


# ---------------------------------------------------------------- (b), (c): the linearized program


@settings(max_examples=examples(80), **SETTINGS)
@given(instances(zero_time="any"))
def test_linear_is_never_below_exact_and_matches_evaluate(case):
    w, cluster = case
    exact = solve_or_inf(dp_split, w, cluster)
    linear = solve_or_inf(dp_linear_split, w, cluster)
    if exact is None:
        assert linear is None
        return
    check_solution(w, cluster, exact)
    assert exact.optimal
    if linear is not None:
        check_solution(w, cluster, linear)
        assert not linear.optimal
        assert linear.value >= exact.value * (1 - REL)


@settings(max_examples=examples(40), **SETTINGS)
@given(instances(training=False, zero_time="none"))
def test_linear_is_exact_on_chains(case):
    """On a path every ideal is a prefix, so the linearized program is exact."""
    w, cluster = case
    n = w.num_nodes
    chain = Workload.from_lists(ids=w.ids.tolist(), acc_time=w.acc_time, cpu_time=w.cpu_time, memory=w.memory,
                                acc_ok=w.acc_ok, edges=[(int(w.ids[i]), int(w.ids[i + 1])) for i in range(n - 1)],
                                out_cost=dict(zip(w.ids.tolist(), w.out_cost.tolist())))
    assert_same(value(solve_or_inf(dp_linear_split, chain, cluster)), value(solve_or_inf(dp_split, chain, cluster)))


# ---------------------------------------------------------------- the brute force itself


def test_canonical_assignments_cover_each_partition_once():
    # 4 groups on 2 accelerators and 1 core: each group is on the core or not; the rest split into at
    # most 2 unordered blocks. Sum over core subsets S of S(4 - |S|, <= 2).
    A = canonical_assignments(4, 2, 1)
    assert len({tuple(r) for r in A.tolist()}) == len(A)
    at_most_two_blocks = {0: 1, 1: 1, 2: 2, 3: 4, 4: 8}
    assert len(A) == sum(math.comb(4, s) * at_most_two_blocks[4 - s] for s in range(5))


def test_brute_force_on_a_hand_computed_case():
    # 1 -> 2, 1 -> 3 with c(1) = 1: {1, 3} | {2} costs max(2 + 2 + 1, 3 + 1) = 5, the best
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[2.0, 3.0, 2.0], cpu_time=[20.0, 30.0, 20.0],
                            edges=[(1, 2), (1, 3)], out_cost={1: 1.0})
    best, dev = brute_force(w, Cluster(2), w.class_of)
    assert best == 5.0 and dev[0] == dev[2] != dev[1]
    assert dp_split(w, Cluster(2)).value == 5.0
    # with one accelerator the only choice is everything together
    assert brute_force(w, Cluster(1), w.class_of)[0] == 7.0


def test_contiguity_alone_can_make_an_instance_infeasible():
    # sizes 5, 10, 5 on two accelerators of 10: only {1, 3} | {2} fits, and it is not contiguous
    w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1.0] * 3, cpu_time=[9.0] * 3, edges=[(1, 2), (2, 3)],
                            memory=[5.0, 10.0, 5.0])
    cluster = Cluster(2, memory=10.0)
    assert evaluate(w, cluster, Placement(np.array([0, 1, 0]), 2, 0)).feasible
    assert brute_force(w, cluster, w.class_of) == (math.inf, None)
    for solver in (dp_split, dp_linear_split):
        with pytest.raises(PipesplitError, match="no contiguous split fits"):
            solver(w, cluster)


@pytest.mark.parametrize("memory,acc_ok,cpus,expected", [
    ([1.0, 1.0], [True, False], 0, "cannot run on an accelerator"),
    ([1.0, 20.0], [True, True], 0, "more than an accelerator's memory"),
    ([8.0, 8.0], [True, True], 0, "needs 16 bytes"),
])
def test_hopeless_instances_say_why(memory, acc_ok, cpus, expected):
    w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[2.0, 2.0], edges=[(1, 2)],
                            memory=memory, acc_ok=acc_ok)
    cluster = Cluster(1, memory=10.0, cpus=cpus)
    assert brute_force(w, cluster, w.class_of)[0] == math.inf
    for solver in (dp_split, dp_linear_split):
        with pytest.raises(PipesplitError, match=expected):
            solver(w, cluster)


# ---------------------------------------------------------------- accelerators slower than cores


@settings(max_examples=examples(40), **SETTINGS)
@given(instances(slow_accelerators=True, cpus=(1, 2)))
def test_dp_and_ip_equal_brute_force_when_accelerators_are_slower_than_cores(case):
    w, cluster = case
    assert_dp_matches_brute_force(case)
    best, _ = brute_force(w, cluster, w.class_of)
    ip = solve_or_inf(lambda w, c: ip_split(w, c, options=IPOptions(time_limit=20)), w, cluster)
    assert_same(value(ip), best)
    if ip is not None:
        assert ip.optimal and ip.proof
        check_solution(w, cluster, ip)


def slots_of(w: Workload, dev: np.ndarray, unit_of: np.ndarray, num_units: int) -> np.ndarray:
    """Each unit's position in the pipeline order (a topological order of the used devices)."""
    from pipesplit.graph import topological_sort
    src, dst = order_edges(w)
    used = np.unique(dev)
    pos = {int(d): i for i, d in enumerate(used)}
    pairs = {(pos[int(a)], pos[int(b)]) for a, b in zip(dev[src], dev[dst]) if a != b}
    ps = np.array([p[0] for p in pairs], dtype=np.int64)
    pd = np.array([p[1] for p in pairs], dtype=np.int64)
    rank = np.empty(len(used), dtype=np.int64)
    rank[topological_sort(len(used), ps, pd)] = np.arange(len(used))
    slot = np.zeros(num_units, dtype=np.int64)
    slot[unit_of] = rank[[pos[int(d)] for d in dev]]
    return slot


def assert_windows_hold_the_optimum(w: Workload, cluster: Cluster, windows=slot_windows) -> None:
    """The contiguous program's slot windows, for a cutoff equal to the optimum, admit an optimal split."""
    best, dev = brute_force(w, cluster, w.class_of)
    if dev is None or cluster.num_devices < 2:
        return
    units = contract(w, keep_memory=True)
    lo, hi = windows(units.a, units.p, units.bad, units.src, units.dst, cluster.accelerators, cluster.cpus, best)
    slot = slots_of(w, dev, units.unit_of, units.num_units)
    assert np.all(lo <= slot) and np.all(slot <= hi), (lo.tolist(), slot.tolist(), hi.tolist())


@settings(max_examples=examples(60), **SETTINGS)
@given(instances(zero_time="none", cpus=(1, 2)), st.booleans())
def test_slot_windows_admit_an_optimal_split(case, slow):
    w, cluster = case
    if slow:  # the same graph with the cores faster than the accelerators
        w = Workload.from_lists(ids=w.ids.tolist(), acc_time=w.acc_time, cpu_time=w.acc_time / 3, memory=w.memory,
                                acc_ok=w.acc_ok, backward=w.backward, color=w.color,
                                edges=[(int(w.ids[u]), int(w.ids[v])) for u, v in zip(w.src, w.dst)],
                                out_cost=dict(zip(w.ids.tolist(), w.out_cost.tolist())))
    assert_windows_hold_the_optimum(w, cluster)


# ---------------------------------------------------------------- planted bugs are caught


def test_planted_bug_merging_a_weight_that_holds_memory_is_caught(monkeypatch):
    """The paper's merge of a zero-time weight into its reader loses the optimum when memory binds:
    the weight alone fits one accelerator and its reader another, the two together fit none."""
    w = Workload.from_lists(ids=[1, 2], acc_time=[0.0, 1.0], cpu_time=[0.0, 10.0], edges=[(1, 2)],
                            memory=[5.0, 5.0], out_cost={1: 0.5})
    cluster = Cluster(2, memory=6.0, cpus=1)
    best, _ = brute_force(w, cluster, w.class_of)
    assert best == 1.5 and dp_split(w, cluster).value == 1.5
    import pipesplit.solvers.dp.exact as exact
    monkeypatch.setattr(exact, "memory_may_bind", lambda workload, cluster: False)  # the planted bug
    assert dp_split(w, cluster).value == 10.0  # ... which the brute-force comparison catches


def test_planted_bug_slot_windows_that_assume_fast_accelerators_are_caught():
    """Windows that give every slot beyond the accelerators only theta * cutoff (right when theta <= 1)
    cut off the optimum when cores are faster than accelerators."""
    def windows_assuming_theta_at_most_one(a, p, bad, src, dst, K, L, cutoff):
        from pipesplit.solvers.dp.table import work_measure
        from pipesplit.solvers.mip.throughput import closure_work
        wt, theta = work_measure(a, p, bad, L)
        w_anc, w_desc = closure_work(wt, src, dst)
        slots = np.arange(1, K + L + 1)
        cap = (np.minimum(slots, K) + np.maximum(0, slots - K) * theta) * cutoff * (1 + 1e-9)
        return np.searchsorted(cap, w_anc - 1e-12), K + L - 1 - np.searchsorted(cap, w_desc - 1e-12)

    # a chain of four equal nodes; cores three times faster: the optimum puts work on both cores first
    w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[3.0] * 4, cpu_time=[1.0] * 4,
                            edges=[(1, 2), (2, 3), (3, 4)])
    cluster = Cluster(1, cpus=2)
    assert_windows_hold_the_optimum(w, cluster)
    with pytest.raises(AssertionError):
        assert_windows_hold_the_optimum(w, cluster, windows_assuming_theta_at_most_one)


# ---------------------------------------------------------------- counting ideals


@settings(max_examples=examples(60), **SETTINGS)
@given(instances(zero_time="none"))
def test_ideal_count_is_exact(case):
    from pipesplit.solvers.dp.lattice import count_ideals, ideal_count_lower_bound, ideal_lattice
    units = contract(case[0])
    n = units.num_units
    closed = 0
    for mask in range(1 << n):  # every subset closed under predecessors is an ideal
        closed += all(not (mask >> int(v)) & 1 or (mask >> int(u)) & 1 for u, v in zip(units.src, units.dst))
    exact, lower = count_ideals(units)
    assert exact == closed == ideal_lattice(units).num_ideals
    assert lower <= closed and ideal_count_lower_bound(units) <= closed
    undecided, bound = count_ideals(units, max_ideals=1)
    assert bound <= closed and (undecided is None and bound > 1 if closed > 1 else undecided == closed)
