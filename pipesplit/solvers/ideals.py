"""The lattice of ideals (down-sets) of the unit DAG, for the exact dynamic program."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PipesplitError
from .contract import Units


@dataclass
class Lattice:
    """Ideals numbered by size (a sub-ideal always has a smaller number); ideal 0 is empty.

    ``masks[I]`` is ideal I as a bit set of units; ``down_x[e], down_j[e]`` for e in
    ``down_ptr[I]:down_ptr[I+1]`` list each maximal unit x of I with the ideal I minus x.
    """

    masks: list[int]
    down_ptr: np.ndarray
    down_x: np.ndarray
    down_j: np.ndarray

    @property
    def num_ideals(self) -> int:
        return len(self.masks)


def ideal_lattice(units: Units, max_ideals: int = 3_000_000) -> Lattice:
    """Enumerate all ideals breadth-first, each ideal growing by the units whose predecessors it holds.

    Raises a one-line error when the DAG has more than ``max_ideals`` ideals (a very wide graph): the
    linearized program (``--method dp-linear``) handles those.
    """
    n = units.num_units
    pred_mask = [0] * n
    succ: list[list[int]] = [[] for _ in range(n)]
    for u, v in zip(units.src.tolist(), units.dst.tolist()):
        pred_mask[v] |= 1 << u
        succ[u].append(v)
    masks = [0]
    index = {0: 0}
    addable: list[list[int] | None] = [[x for x in range(n) if pred_mask[x] == 0]]
    down: list[list[tuple[int, int]]] = [[]]
    i = 0
    while i < len(masks):
        ideal, ready = masks[i], addable[i]
        addable[i] = None
        for x in ready:
            bigger = ideal | (1 << x)
            j = index.get(bigger)
            if j is None:
                j = len(masks)
                if j >= max_ideals:
                    raise PipesplitError(
                        f"the graph has over {max_ideals:,} ideals (contiguous cut sets), too many for the exact "
                        "program; use --method dp-linear")
                index[bigger] = j
                masks.append(bigger)
                addable.append([y for y in ready if y != x]
                               + [s for s in succ[x] if pred_mask[s] & ~bigger == 0])
                down.append([])
            down[j].append((x, i))
        i += 1
    sizes = np.fromiter((len(d) for d in down), dtype=np.int64, count=len(down))
    ptr = np.zeros(len(down) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    flat = np.array([e for d in down for e in d], dtype=np.int64).reshape(-1, 2)
    return Lattice(masks=masks, down_ptr=ptr, down_x=flat[:, 0].copy(), down_j=flat[:, 1].copy())


def units_between(small: int, big: int) -> list[int]:
    """Units of ideal ``big`` that are not in ideal ``small`` (both as bit sets)."""
    diff, out = big & ~small, []
    while diff:
        low = diff & -diff
        out.append(low.bit_length() - 1)
        diff ^= low
    return out
