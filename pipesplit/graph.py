"""The graph toolkit every module shares: CSR adjacency, topological order, cycles, components, and
unique vertex pairs. Graphs are ``n`` vertices and parallel ``src``/``dst`` edge arrays.

>>> ptr, succ = csr(np.array([0, 0, 1]), np.array([1, 2, 2]), 3)
>>> succ[ptr[0]:ptr[1]].tolist(), topological_sort(3, np.array([0, 0, 1]), np.array([1, 2, 2])).tolist()
([1, 2], [0, 1, 2])
"""

from __future__ import annotations

import numpy as np


def unique_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The distinct (a[i], b[i]) pairs as a 2 x P array, sorted; 2 x 0 when there are none.

    >>> unique_pairs(np.array([1, 0, 1]), np.array([2, 3, 2])).tolist()
    [[0, 1], [3, 2]]
    """
    if len(a) == 0:
        return np.zeros((2, 0), np.int64)
    return np.unique(np.stack([np.asarray(a, np.int64), np.asarray(b, np.int64)]), axis=1)


def csr(keys: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(ptr, vals) with the values whose key is x in vals[ptr[x]:ptr[x+1]], in input order."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, values[order].astype(np.int64)


def topological_sort(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """Kahn's algorithm; None when the graph has a cycle."""
    ptr, succ = csr(src, dst, n)
    indeg = np.bincount(dst, minlength=n)
    stack = list(np.flatnonzero(indeg == 0)[::-1])
    indeg = indeg.tolist()
    ptr_l, succ_l = ptr.tolist(), succ.tolist()
    order = []
    while stack:
        u = stack.pop()
        order.append(u)
        for v in succ_l[ptr_l[u]:ptr_l[u + 1]]:
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    return np.asarray(order, dtype=np.int64) if len(order) == n else None


def find_cycle(n: int, src: np.ndarray, dst: np.ndarray) -> list[int]:
    """Nodes of one directed cycle, in order (the graph must have one)."""
    ptr, succ = csr(src, dst, n)
    state = [0] * n  # 0 new, 1 on stack, 2 done
    for root in range(n):
        if state[root]:
            continue
        path, iters = [root], [int(ptr[root])]
        state[root] = 1
        while path:
            u = path[-1]
            if iters[-1] < ptr[u + 1]:
                v = int(succ[iters[-1]])
                iters[-1] += 1
                if state[v] == 1:
                    return path[path.index(v):]
                if state[v] == 0:
                    state[v] = 1
                    path.append(v)
                    iters.append(int(ptr[v]))
            else:
                state[u] = 2
                path.pop()
                iters.pop()
    return []


def strong_components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Component label per vertex (Kosaraju, iterative)."""
    ptr, succ = csr(src, dst, n)
    rptr, rsucc = csr(dst, src, n)
    seen = np.zeros(n, dtype=bool)
    finish: list[int] = []
    for root in range(n):
        if seen[root]:
            continue
        seen[root] = True
        stack = [(root, int(ptr[root]))]
        while stack:
            u, i = stack[-1]
            if i < ptr[u + 1]:
                stack[-1] = (u, i + 1)
                v = int(succ[i])
                if not seen[v]:
                    seen[v] = True
                    stack.append((v, int(ptr[v])))
            else:
                finish.append(u)
                stack.pop()
    label = np.full(n, -1, dtype=np.int64)
    c = 0
    for root in reversed(finish):
        if label[root] >= 0:
            continue
        label[root] = c
        stack2 = [root]
        while stack2:
            u = stack2.pop()
            for v in rsucc[rptr[u]:rptr[u + 1]]:
                if label[v] < 0:
                    label[v] = c
                    stack2.append(int(v))
        c += 1
    return label


def connected_components(n: int, pairs) -> np.ndarray:
    """Component of each of n vertices once the given (u, v) pairs are joined (undirected), labelled by
    its smallest vertex.

    >>> connected_components(4, [(3, 1), (1, 0)]).tolist()
    [0, 0, 2, 0]
    """
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in pairs:
        a, b = find(u), find(v)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return np.array([find(x) for x in range(n)], dtype=np.int64)


def biconnected_blocks(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Group of each vertex after contracting every biconnected component of the undirected graph
    with more than one edge; cut vertices (in several components) stay alone."""
    adj: list[list[int]] = [[] for _ in range(n)]
    for e, (u, v) in enumerate(zip(src.tolist(), dst.tolist())):
        adj[u].append(e)
        adj[v].append(e)
    ends = np.stack([src, dst], 1).tolist()
    disc = [-1] * n
    low = [0] * n
    comps: list[list[int]] = []  # edge lists
    timer = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack = [(root, -1, 0)]
        estack: list[int] = []
        while stack:
            u, pe, i = stack[-1]
            if i < len(adj[u]):
                stack[-1] = (u, pe, i + 1)
                e = adj[u][i]
                if e == pe:
                    continue
                a, b = ends[e]
                v = b if a == u else a
                if disc[v] < 0:
                    estack.append(e)
                    disc[v] = low[v] = timer
                    timer += 1
                    stack.append((v, e, 0))
                elif disc[v] < disc[u]:
                    estack.append(e)
                    low[u] = min(low[u], disc[v])
            else:
                stack.pop()
                if stack:
                    p = stack[-1][0]
                    low[p] = min(low[p], low[u])
                    if low[u] >= disc[p]:  # p separates u's subtree: pop one component
                        comp = []
                        while True:
                            e = estack.pop()
                            comp.append(e)
                            if e == pe:
                                break
                        comps.append(comp)
    count = np.zeros(n, np.int64)
    members = []
    for comp in comps:
        vs = np.unique(np.asarray([ends[e] for e in comp]).ravel())
        members.append(vs)
        count[vs] += 1
    pairs = []
    for comp, vs in zip(comps, members):
        if len(comp) < 2:
            continue
        inner = [int(v) for v in vs if count[v] == 1]
        pairs += [(inner[0], v) for v in inner[1:]]
    group = connected_components(n, pairs)
    return np.unique(group, return_inverse=True)[1].astype(np.int64)
