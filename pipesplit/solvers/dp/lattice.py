"""The lattice of ideals (down-sets) of the unit DAG, for the exact dynamic program."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ...errors import PipesplitError
from .contract import Units


class TooManyIdeals(PipesplitError):
    """The DAG is too wide for the exact program: it has more ideals than allowed."""


@dataclass
class Lattice:
    """Ideals numbered by size (a sub-ideal always has a smaller number); ideal 0 is empty.

    ``masks[I]`` is ideal I as a bit set of units (64 per word); ``down_x[e], down_j[e]`` for e in
    ``down_ptr[I]:down_ptr[I+1]`` list each maximal unit x of I with the ideal I minus x.
    """

    masks: np.ndarray
    down_ptr: np.ndarray
    down_x: np.ndarray
    down_j: np.ndarray

    @property
    def num_ideals(self) -> int:
        return len(self.masks)

    def units_between(self, small: int, big: int) -> list[int]:
        """Units of ideal ``big`` that are not in ideal ``small``."""
        out = []
        for word, (b, s) in enumerate(zip(self.masks[big].tolist(), self.masks[small].tolist())):
            diff = b & ~s
            while diff:
                low = diff & -diff
                out.append(64 * word + low.bit_length() - 1)
                diff ^= low
        return out


def ideal_lattice(units: Units, max_ideals: int = 3_000_000, max_edges: int | None = None) -> Lattice:
    """Enumerate all ideals breadth-first, each ideal growing by the units whose predecessors it holds.

    Raises ``TooManyIdeals`` (one line) when the DAG has more than ``max_ideals`` ideals or more than
    ``max_edges`` lattice edges (a very wide graph): the linearized program (``dp-linear``) handles
    those. Hopeless graphs are refused before enumerating, by ``count_ideals`` (which stops as soon as a
    prefix of the graph has more ideals than allowed) and the depth-level lower bound.
    """
    n = units.num_units
    exact, lower = count_ideals(units, max_ideals=max_ideals)
    if exact is None:
        lower = max(lower, ideal_count_lower_bound(units))
        if lower > max_ideals:
            raise _too_many(max_ideals, f"at least {lower:.3g}")
    words = max(1, (n + 63) // 64)
    pred = np.zeros((n, words), dtype=np.uint64)
    np.bitwise_or.at(pred, (units.dst, units.src // 64), np.left_shift(np.uint64(1), (units.src % 64).astype(np.uint64)))
    order = np.argsort(units.src, kind="stable")
    succ_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(units.src, minlength=n), out=succ_ptr[1:])
    succ = units.dst[order].astype(np.int64)
    limit = np.iinfo(np.int64).max if max_edges is None else int(max_edges)
    masks, up_x, up_from, up_to = _enumerate(pred, succ_ptr, succ, n, words, max_ideals, limit)
    if masks.shape[0] == 0:
        raise _too_many(max_ideals, "more than that")
    count = masks.shape[0]
    by = np.argsort(up_to, kind="stable")
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(up_to, minlength=count), out=ptr[1:])
    return Lattice(masks=masks, down_ptr=ptr, down_x=up_x[by], down_j=up_from[by])


def count_ideals(units: Units, max_ideals: int = 3_000_000, max_work: int = 3_000_000) -> tuple[int | None, float]:
    """(the number of ideals, or None if undecided; a lower bound on it), by a sweep over the units in
    topological order that keeps, for each pattern of the *frontier* (units seen that still have unseen
    successors) an ideal of the units seen so far can show, how many ideals show it. Those counts sum to
    the number of ideals of the units seen, a prefix in topological order and so a down-set, whose ideals
    are ideals of the whole graph: the sum bounds the count from below. The sweep stops, undecided, once
    that sum passes ``max_ideals`` (a wide graph is refused in a fraction of a second) or after
    ``max_work`` pattern steps.

    >>> from pipesplit.workload import Workload
    >>> from pipesplit.solvers.dp.contract import contract
    >>> w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[1] * 4, cpu_time=[1] * 4, edges=[(1, 2), (1, 3), (1, 4)])
    >>> count_ideals(contract(w))   # {}, and {1} with any subset of {2, 3, 4}
    (9, 9.0)
    >>> count_ideals(contract(w), max_ideals=4)   # {}, {1}, {1, 2}, {1, 2, 3}, {1, 3}: over 4 already
    (None, 5.0)
    """
    need, bit, clear = _frontier_masks(units)
    states: dict[int, int] = {0: 1}  # frontier pattern (a bit per slot) -> ideals showing it
    work, seen = 0, 1  # seen: the ideals of the units swept so far (the counts' sum)
    for x in range(len(need)):
        nxt: dict[int, int] = {}
        for st, c in states.items():
            nxt[st] = nxt.get(st, 0) + c
            if st & need[x] == need[x]:
                nxt[st | bit[x]] = nxt.get(st | bit[x], 0) + c
                seen += c  # the ideals that take x
        work += len(states)
        if clear[x]:
            merged: dict[int, int] = {}
            for st, c in nxt.items():
                merged[st & ~clear[x]] = merged.get(st & ~clear[x], 0) + c
            nxt = merged
        states = nxt
        if seen > max_ideals or work > max_work:
            return None, float(seen)
    return seen, float(seen)


def _frontier_masks(units: Units) -> tuple[list[int], list[int], list[int]]:
    """Per unit x in order: the frontier slots of its predecessors, its own slot (0: it leaves at once)
    and the slots freed after it, as bit masks."""
    n = units.num_units
    preds: list[list[int]] = [[] for _ in range(n)]
    last = list(range(n))  # the last successor of each unit, in unit order (units are numbered topologically)
    for u, v in zip(units.src.tolist(), units.dst.tolist()):
        preds[v].append(u)
        last[u] = max(last[u], v)
    retire: list[list[int]] = [[] for _ in range(n)]
    for u in range(n):
        retire[last[u]].append(u)
    slot: dict[int, int] = {}
    free: list[int] = []
    need, bit, clear = [0] * n, [0] * n, [0] * n
    for x in range(n):
        for u in preds[x]:
            need[x] |= 1 << slot[u]
        if last[x] != x:  # x stays in the frontier: give it a slot
            k = free.pop() if free else len(slot)
            slot[x], bit[x] = k, 1 << k
        for u in retire[x]:
            if u in slot:
                clear[x] |= 1 << slot[u]
                free.append(slot.pop(u))
    return need, bit, clear


def _too_many(cap: int, found: str) -> TooManyIdeals:
    return TooManyIdeals(f"the graph has {found} ideals (contiguous cut sets), over the exact program's limit of "
                         f"{cap:,} for this cluster; use {{method}}=dp-linear")


def ideal_count_lower_bound(units: Units) -> float:
    """1 + sum over depth levels of (2^size - 1): all units of smaller depth with any non-empty subset of
    one level form distinct ideals (units of one level are pairwise incomparable).

    >>> from pipesplit.workload import Workload
    >>> from pipesplit.solvers.dp.contract import contract
    >>> w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[1] * 4, cpu_time=[1] * 4, edges=[(1, 2), (1, 3), (1, 4)])
    >>> ideal_count_lower_bound(contract(w))   # {}, {1}, and {1} with any of the 7 subsets of {2, 3, 4}
    9.0
    """
    n = units.num_units
    depth = np.zeros(n, dtype=np.int64)
    order = np.argsort(units.dst, kind="stable")  # units are numbered topologically: sources first
    for u, v in zip(units.src[order].tolist(), units.dst[order].tolist()):
        if depth[u] + 1 > depth[v]:
            depth[v] = depth[u] + 1
    sizes = np.bincount(depth, minlength=1) if n else np.zeros(0, np.int64)
    return float(1.0 + np.sum(np.exp2(np.minimum(sizes, 1000).astype(np.float64)) - 1.0))


@njit(cache=True)
def _grow(a, size):
    b = np.empty((size,) + a.shape[1:], a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _slot(table, masks, i, words):
    """Where ideal i's mask sits in the open-addressing table (an empty slot if it is new)."""
    h = np.uint64(1469598103934665603)
    for w in range(words):
        h = (h ^ masks[i, w]) * np.uint64(1099511628211)
        h ^= h >> np.uint64(29)
    size = table.shape[0]
    s = np.int64(h & np.uint64(size - 1))
    while table[s] >= 0:
        j = table[s]
        same = True
        for w in range(words):
            if masks[j, w] != masks[i, w]:
                same = False
                break
        if same:
            return s
        s = (s + 1) & (size - 1)
    return s


@njit(cache=True)
def _enumerate(pred, succ_ptr, succ, n, words, max_ideals, max_edges):
    """BFS over ideals with a hash table of bit sets. Returns (masks, up_x, up_from, up_to) where
    ideal up_to = ideal up_from plus unit up_x; empty arrays when there are over max_ideals ideals or
    max_edges such edges."""
    cap = 1024
    masks = np.zeros((cap, words), np.uint64)
    add_ptr = np.zeros(cap + 1, np.int64)
    add_buf = np.empty(4 * cap, np.int64)
    for x in range(n):
        free = True
        for w in range(words):
            if pred[x, w] != 0:
                free = False
        if free:
            add_buf[add_ptr[1]] = x
            add_ptr[1] += 1
    table = np.full(4 * cap, -1, np.int64)
    table[_slot(table, masks, 0, words)] = 0
    ups = 0
    up_x = np.empty(4 * cap, np.int64)
    up_from = np.empty(4 * cap, np.int64)
    up_to = np.empty(4 * cap, np.int64)
    count = 1
    i = 0
    while i < count:
        for e in range(add_ptr[i], add_ptr[i + 1]):
            x = add_buf[e]
            if count + 1 >= masks.shape[0]:
                masks = _grow(masks, 2 * masks.shape[0])
                add_ptr = _grow(add_ptr, 2 * add_ptr.shape[0])
            masks[count, :] = masks[i, :]
            masks[count, x >> 6] |= np.uint64(1) << np.uint64(x & 63)
            s = _slot(table, masks, count, words)
            j = table[s]
            if j < 0:
                j = count
                if j >= max_ideals:
                    return masks[:0], up_x[:0], up_from[:0], up_to[:0]
                table[s] = j
                count += 1
                # the new ideal's addable units: i's except x, and successors of x now free
                start = add_ptr[j]
                need = start + (add_ptr[i + 1] - add_ptr[i]) + succ_ptr[x + 1] - succ_ptr[x]
                if need >= add_buf.shape[0]:
                    add_buf = _grow(add_buf, 2 * need)
                k = start
                for f in range(add_ptr[i], add_ptr[i + 1]):
                    if add_buf[f] != x:
                        add_buf[k] = add_buf[f]
                        k += 1
                for f in range(succ_ptr[x], succ_ptr[x + 1]):
                    y = succ[f]
                    ready = True
                    for w in range(words):
                        if pred[y, w] & ~masks[j, w]:
                            ready = False
                            break
                    if ready:
                        add_buf[k] = y
                        k += 1
                add_ptr[j + 1] = k
                if 2 * count > table.shape[0]:
                    table = np.full(2 * table.shape[0], -1, np.int64)
                    for t in range(count):
                        table[_slot(table, masks, t, words)] = t
            if ups >= max_edges:
                return masks[:0], up_x[:0], up_from[:0], up_to[:0]
            if ups == up_x.shape[0]:
                up_x = _grow(up_x, 2 * ups)
                up_from = _grow(up_from, 2 * ups)
                up_to = _grow(up_to, 2 * ups)
            up_x[ups] = x
            up_from[ups] = i
            up_to[ups] = j
            ups += 1
        i += 1
    return masks[:count].copy(), up_x[:ups].copy(), up_from[:ups].copy(), up_to[:ups].copy()
