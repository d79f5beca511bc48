"""Compiled inner loops of the dynamic programs, over plain arrays.

The DP runs on *units* (colocation classes after preprocessing, see ``contract.py``) but charges
transfers per original node. ``S`` is the set of units on the device being formed; ``cnt[u]`` counts
the successors of original node u inside S and ``in_s[u]`` marks u in S, so that the transfer cost of
S, ``sum c(u) over u in S with a successor outside S + sum c(u) over u outside S with a successor in
S``, changes by O(in-degree) when one node joins S.

``dp[I, k, l]`` is the best max load covering ideal I with at most k accelerators and l CPU cores;
``choice[I, k, l] = 2 * J + kind`` records the sub-ideal J and whether I \\ J went to an accelerator
(kind 0) or a CPU core (kind 1); ``kfirst[I, l]`` is the fewest accelerators with a finite value.

Pruning against an upper bound ``ub`` (a known split's value). ``wt[x] = min(a(x), theta * p(x))`` is a
work measure with ``wt(X) <= (k + theta * l) * ub`` whenever k accelerators and l cores cover X within
ub, so ``dp[I, k, l]`` can lie on a split within ub only for k in a window ``klo[l]..khi[l]`` fixed by
wt(I) and wt(V \\ I). Entries outside the window are never computed; an ideal with empty windows is
skipped; and S stops growing once its compute reaches the worst current value inside the window.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

# the kernels' arguments, grouped (numba takes these named tuples of arrays and numbers as they are)
UnitArrays = namedtuple("UnitArrays", "a p mem bad ptr nodes")  # per unit; members nodes[ptr[x]:ptr[x+1]]
GraphArrays = namedtuple("GraphArrays", "pred_ptr preds outdeg cost")  # original nodes: transfers
Limits = namedtuple("Limits", "K L mem_limit ub wt theta")  # devices, memory, the upper bound and work measure
Table = namedtuple("Table", "dp choice kfirst")  # the DP table (see above)
Scratch = namedtuple("Scratch", "cnt in_s")  # the set S being grown, per original node
LatticeArrays = namedtuple("LatticeArrays", "down_ptr down_x down_j")  # ideal I minus unit x is ideal J

INF = np.inf


@njit(cache=True, inline="always")
def _add_node(w, pred_ptr, preds, outdeg, cost, cnt, in_s):
    """Put original node w into S; return the change of S's transfer cost."""
    delta = 0.0
    if cnt[w] > 0:
        delta -= cost[w]  # w was an input of S
    in_s[w] = 1
    if cnt[w] < outdeg[w]:
        delta += cost[w]  # w now sends out of S
    for e in range(pred_ptr[w], pred_ptr[w + 1]):
        p = preds[e]
        old = cnt[p]
        cnt[p] = old + 1
        if in_s[p]:
            if old + 1 == outdeg[p]:
                delta -= cost[p]  # p no longer sends out of S
        elif old == 0:
            delta += cost[p]  # p becomes an input of S
    return delta


@njit(cache=True, inline="always")
def _remove_node(w, pred_ptr, preds, cnt, in_s):
    """Take original node w out of S (the counters only; the caller restores the cost)."""
    in_s[w] = 0
    for e in range(pred_ptr[w], pred_ptr[w + 1]):
        cnt[preds[e]] -= 1


@njit(cache=True, inline="always")
def _window(wt_i, wt_total, ub, theta, K, L, klo, khi):
    """Fill the windows of device counts for an ideal of work ``wt_i``; False if all are empty."""
    any_open = False
    for l in range(L + 1):
        lo = 0
        hi = K
        if ub < INF:
            lo = max(0, int(np.ceil(wt_i / ub - theta * l - 1e-7)))
            hi = min(K, int(np.floor(K - (wt_total - wt_i) / ub + theta * (L - l) + 1e-7)))
        klo[l] = lo
        khi[l] = hi
        if lo <= hi:
            any_open = True
    return any_open


@njit(cache=True, inline="always")
def _threshold(dp, I, L, klo, khi):
    """The worst current value inside the windows: a set S whose compute reaches it improves nothing."""
    worst = 0.0
    for l in range(L + 1):
        k = max(klo[l], 1) if l == 0 else klo[l]  # dp[I, 0, 0] takes no transition
        if k <= khi[l]:
            worst = max(worst, dp[I, k, l])
    return worst


@njit(cache=True, inline="always")
def _relax(dp, choice, kfirst, I, J, acc_ok, acc_load, cpu_load, K, L, klo, khi):
    """Offer S = I \\ J on an accelerator (if ``acc_ok``) and on a CPU core to dp[I, k, l] for k in the
    window. A k-loop stops once dp[I, k, l] is no worse than S's own load: within the bound the
    values are non-increasing in k, so no larger k can improve either.
    """
    for l in range(L + 1):
        if acc_ok:
            for k in range(max(1, kfirst[J, l] + 1, klo[l]), khi[l] + 1):
                cur = dp[I, k, l]
                if cur <= acc_load:
                    break
                v = max(dp[J, k - 1, l], acc_load)
                if v < cur:
                    dp[I, k, l] = v
                    choice[I, k, l] = 2 * J
        if l >= 1:
            for k in range(max(kfirst[J, l - 1], klo[l]), khi[l] + 1):
                cur = dp[I, k, l]
                if cur <= cpu_load:
                    break
                v = max(dp[J, k, l - 1], cpu_load)
                if v < cur:
                    dp[I, k, l] = v
                    choice[I, k, l] = 2 * J + 1


@njit(cache=True, inline="always")
def _finish_ideal(dp, kfirst, I, K, L):
    for l in range(L + 1):
        kfirst[I, l] = K + 1
        for k in range(K + 1):
            if dp[I, k, l] < INF:
                kfirst[I, l] = k
                break


@njit(cache=True)
def lattice_dp(lo, hi, lattice, units, graph, limits, table, scratch, wt_ideal):
    """Fill dp for ideals lo..hi-1 (ideals are numbered so that sub-ideals come first; units are
    numbered topologically). For each ideal I the sets S = I \\ J are enumerated by reverse search:
    S grows by a maximal unit x of J whose number is below every unit already in S, so each S is met
    exactly once, and a branch stops when S can improve nothing (see the module docstring).
    ``wt_ideal[I]`` receives wt(I). Returns the number of (I, J) pairs examined."""
    down_ptr, down_x, down_j = lattice
    unit_a, unit_p, unit_mem, unit_bad, unit_ptr, unit_nodes = units
    pred_ptr, preds, outdeg, cost = graph
    K, L, mem_limit, ub, wt, theta = limits
    dp, choice, kfirst = table
    cnt, in_s = scratch
    depth_max = unit_a.shape[0] + 1
    wt_total = wt.sum()
    klo = np.empty(L + 1, np.int64)
    khi = np.empty(L + 1, np.int64)
    st_j = np.empty(depth_max, np.int64)
    st_pos = np.empty(depth_max, np.int64)
    st_x = np.empty(depth_max, np.int64)
    st_a = np.empty(depth_max)
    st_p = np.empty(depth_max)
    st_m = np.empty(depth_max)
    st_bad = np.empty(depth_max, np.int64)
    st_comm = np.empty(depth_max)
    pairs = 0
    for I in range(lo, hi):
        e0 = down_ptr[I]
        wt_ideal[I] = wt_ideal[down_j[e0]] + wt[down_x[e0]]
        dp[I, :, :] = INF
        if not _window(wt_ideal[I], wt_total, ub, theta, K, L, klo, khi):
            _finish_ideal(dp, kfirst, I, K, L)
            continue
        thr = INF
        st_j[0] = I
        st_pos[0] = e0
        st_x[0] = depth_max
        st_a[0] = 0.0
        st_p[0] = 0.0
        st_m[0] = 0.0
        st_bad[0] = 0
        st_comm[0] = 0.0
        depth = 0
        while depth >= 0:
            J = st_j[depth]
            pos = st_pos[depth]
            if pos == down_ptr[J + 1]:
                if depth > 0:
                    x = st_x[depth]
                    for e in range(unit_ptr[x], unit_ptr[x + 1]):
                        _remove_node(unit_nodes[e], pred_ptr, preds, cnt, in_s)
                depth -= 1
                continue
            st_pos[depth] = pos + 1
            x = down_x[pos]
            if x >= st_x[depth]:
                continue
            a = st_a[depth] + unit_a[x]
            p = st_p[depth] + unit_p[x]
            m = st_m[depth] + unit_mem[x]
            bad = st_bad[depth] + unit_bad[x]
            acc_ok = K > 0 and bad == 0 and m <= mem_limit
            if not ((acc_ok and a <= ub and a < thr) or (L > 0 and p <= ub and p < thr)):
                continue
            comm = st_comm[depth]
            for e in range(unit_ptr[x], unit_ptr[x + 1]):
                comm += _add_node(unit_nodes[e], pred_ptr, preds, outdeg, cost, cnt, in_s)
            J2 = down_j[pos]
            pairs += 1
            _relax(dp, choice, kfirst, I, J2, acc_ok, a + comm, p, K, L, klo, khi)
            thr = _threshold(dp, I, L, klo, khi)
            depth += 1
            st_j[depth] = J2
            st_pos[depth] = down_ptr[J2]
            st_x[depth] = x
            st_a[depth] = a
            st_p[depth] = p
            st_m[depth] = m
            st_bad[depth] = bad
            st_comm[depth] = comm
        _finish_ideal(dp, kfirst, I, K, L)
    return pairs


@njit(cache=True)
def chain_dp(lo, hi, units, graph, limits, table, scratch):
    """The same dynamic program when units are in a linear order whose ideals are its n+1 prefixes:
    ideal i holds units 0..i-1 and S = units j..i-1. Returns the number of pairs examined."""
    unit_a, unit_p, unit_mem, unit_bad, unit_ptr, unit_nodes = units
    pred_ptr, preds, outdeg, cost = graph
    K, L, mem_limit, ub, wt, theta = limits
    dp, choice, kfirst = table
    cnt, in_s = scratch
    wt_total = wt.sum()
    klo = np.empty(L + 1, np.int64)
    khi = np.empty(L + 1, np.int64)
    wt_prefix = 0.0
    for x in range(lo - 1):
        wt_prefix += wt[x]
    pairs = 0
    for i in range(lo, hi):
        wt_prefix += wt[i - 1]
        dp[i, :, :] = INF
        if not _window(wt_prefix, wt_total, ub, theta, K, L, klo, khi):
            _finish_ideal(dp, kfirst, i, K, L)
            continue
        thr = INF
        a = 0.0
        p = 0.0
        m = 0.0
        bad = 0
        comm = 0.0
        j = i
        while j > 0:
            x = j - 1
            a += unit_a[x]
            p += unit_p[x]
            m += unit_mem[x]
            bad += unit_bad[x]
            acc_ok = K > 0 and bad == 0 and m <= mem_limit
            if not ((acc_ok and a <= ub and a < thr) or (L > 0 and p <= ub and p < thr)):
                break
            for e in range(unit_ptr[x], unit_ptr[x + 1]):
                comm += _add_node(unit_nodes[e], pred_ptr, preds, outdeg, cost, cnt, in_s)
            j = x
            pairs += 1
            _relax(dp, choice, kfirst, i, j, acc_ok, a + comm, p, K, L, klo, khi)
            thr = _threshold(dp, i, L, klo, khi)
        for x in range(j, i):
            for e in range(unit_ptr[x], unit_ptr[x + 1]):
                _remove_node(unit_nodes[e], pred_ptr, preds, cnt, in_s)
        _finish_ideal(dp, kfirst, i, K, L)
    return pairs


@njit(cache=True)
def chain_greedy_fits(T, units, graph, K, mem_limit, scratch):
    """Whether a greedy cut of the unit chain into accelerator segments of load <= T needs at most K
    segments (each segment as long as it can be). A quick upper bound for the chain DP's pruning."""
    unit_a, _, unit_mem, unit_bad, unit_ptr, unit_nodes = units
    pred_ptr, preds, outdeg, cost = graph
    cnt, in_s = scratch
    n = unit_a.shape[0]
    s = 0
    used = 0
    while s < n:
        used += 1
        if used > K:
            return False
        a = 0.0
        m = 0.0
        comm = 0.0
        best = -1
        e_end = s
        while e_end < n:
            a += unit_a[e_end]
            m += unit_mem[e_end]
            if unit_bad[e_end] > 0 or m > mem_limit or a > T:
                break
            for e in range(unit_ptr[e_end], unit_ptr[e_end + 1]):
                comm += _add_node(unit_nodes[e], pred_ptr, preds, outdeg, cost, cnt, in_s)
            e_end += 1
            if a + comm <= T:
                best = e_end
        for x in range(s, e_end):
            for e in range(unit_ptr[x], unit_ptr[x + 1]):
                _remove_node(unit_nodes[e], pred_ptr, preds, cnt, in_s)
        if best < 0:
            return False
        s = best
    return True
