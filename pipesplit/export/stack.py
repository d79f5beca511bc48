"""A split of a layer-granularity transformer workload, mapped onto its layer stack.

The workload's ``layer`` fields are module paths (as ``pipesplit import torch`` records them). The
layer stack is the numbered module list with the most entries (``encoder.layer.N``, ``transformer.h.N``);
node ``v`` belongs to layer N when its path is ``PREFIX.N`` or below it. Every other module is the
embedding when no layer precedes it in the graph, else part of the head (final norm, output
projection, pooler, ...) when the last layer does; each is named by its shortest path that is not a
container of the stack (``embeddings``, ``transformer.wte``, ``lm_head``). Nodes of container modules
or with no module (glue such as reshapes and masks) are left out: engines place them themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import PipesplitError
from ..placement import Placement
from ..runtime.stages import pipeline_order
from ..workload import Workload


@dataclass
class StageModules:
    """What one pipeline stage holds: the embedding, a run of consecutive layers, head modules."""

    device: str
    embedding: list[str] = field(default_factory=list)
    layers: range = range(0)
    head: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.embedding or self.layers or self.head)


@dataclass
class LayerStack:
    """The stack's module prefix and layer count, and each stage's share, in pipeline order."""

    prefix: str
    num_layers: int
    stages: list[StageModules]

    def layer_path(self, i: int) -> str:
        return f"{self.prefix}.{i}"

    def modules(self, stage: StageModules) -> list[str]:
        """The stage's module paths in model order."""
        return stage.embedding + [self.layer_path(i) for i in stage.layers] + stage.head

    @property
    def embedding_stage(self) -> int:
        """The stage that holds the embedding (the first layer's stage when the workload has none)."""
        return next((s for s, st in enumerate(self.stages) if st.embedding), self.layer_stage(0))

    @property
    def head_stage(self) -> int:
        """The stage that holds the output head (the last layer's stage when the workload has none)."""
        last = [s for s, st in enumerate(self.stages) if st.head]
        return last[-1] if last else self.layer_stage(self.num_layers - 1)

    def layer_stage(self, i: int) -> int:
        return next(s for s, st in enumerate(self.stages) if i in st.layers)


def find_stack_prefix(paths: list[str]) -> tuple[str, int]:
    """The prefix of the numbered module list with the most entries, and its length.

    >>> find_stack_prefix(["embeddings", "encoder.layer.0", "encoder.layer.1.attention", "pooler"])
    ('encoder.layer', 2)
    """
    seen: dict[str, set[int]] = {}
    for path in set(paths):
        parts = path.split(".")
        for j in range(1, len(parts)):
            if parts[j].isdigit():
                seen.setdefault(".".join(parts[:j]), set()).add(int(parts[j]))
    if not seen:
        raise PipesplitError("no numbered layer stack (such as encoder.layer.N) in the workload's layer fields; "
                             "export needs a transformer workload imported with its module paths")
    prefix = max(sorted(seen), key=lambda p: len(seen[p]))
    count = len(seen[prefix])
    if seen[prefix] != set(range(count)):
        missing = sorted(set(range(max(seen[prefix]) + 1)) - seen[prefix])
        raise PipesplitError(f"the layer stack {prefix} lacks layer {missing[0]}; export needs every layer's nodes")
    return prefix, count


def layer_stack(workload: Workload, placement: Placement) -> LayerStack:
    """Map the split's stages onto the layer stack; refuse a split that is not layer-contiguous."""
    w = workload
    if w.layer is None:
        raise PipesplitError("the workload records no module paths ('layer' fields); export needs a transformer "
                             "workload imported with pipesplit import torch")
    paths = {v: w.layer[v] for v in np.flatnonzero(~w.backward).tolist() if isinstance(w.layer[v], str) and w.layer[v]}
    prefix, count = find_stack_prefix(list(paths.values()))
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)(\.|$)")
    layer_of = np.full(w.num_nodes, -1)
    for v, path in paths.items():
        if m := pattern.match(path):
            layer_of[v] = int(m.group(1))
    latest = _latest_layer(w, layer_of)
    order, cycle = _stage_order(w, placement)
    position = {d: s for s, d in enumerate(order)}
    stages = [StageModules(placement.device_name(d)) for d in order]
    names = [st.device for st in stages]
    layer_stages: dict[int, set[int]] = {i: set() for i in range(count)}
    blocks: dict[tuple[str, str], set[int]] = {}  # (embedding or head, module) -> stages
    for v, path in paths.items():
        s = position[int(placement.device[v])]
        if layer_of[v] >= 0:
            layer_stages[int(layer_of[v])].add(s)
        elif module := _outside_module(path, prefix):
            if 0 <= latest[v] < count - 1:
                raise PipesplitError(f"module {module} sits between layers {latest[v]} and {latest[v] + 1}; export "
                                     "maps only an embedding, the layer stack and a head onto stages")
            blocks.setdefault(("embedding" if latest[v] < 0 else "head", module), set()).add(s)
    for (kind, module), where in sorted(blocks.items()):
        if len(where) > 1:
            raise PipesplitError(f"module {module} is split across stages {_names(names, where)}; every module "
                                 "must sit on one stage")
        getattr(stages[where.pop()], kind).append(module)
    for i, where in layer_stages.items():
        if len(where) > 1:
            raise PipesplitError(f"layer {i} ({prefix}.{i}) is split across stages {_names(names, where)}; export "
                                 "needs whole layers per stage")
    for s, st in enumerate(stages):
        held = [i for i, where in layer_stages.items() if s in where]
        if held and held != list(range(held[0], held[-1] + 1)):
            raise PipesplitError(f"stage {st.device} holds layers {_ranges(held)}: not a run of consecutive layers")
        st.layers = range(held[0], held[-1] + 1) if held else range(0)
    key = _first_use(w, paths)
    for st in stages:
        st.embedding.sort(key=key)
        st.head.sort(key=key)
    _check_order(stages, key)
    if cycle is not None:  # no layer-level cause found: say what is wrong
        raise cycle
    return LayerStack(prefix, count, stages)


def _latest_layer(w: Workload, layer_of: np.ndarray) -> np.ndarray:
    """For each node, the latest layer among itself and its forward ancestors (-1 for none)."""
    latest = layer_of.copy()
    ptr, pred = w.preds_csr
    for v in w.topological_order.tolist():
        for u in pred[ptr[v]:ptr[v + 1]].tolist():
            if not w.backward[u]:
                latest[v] = max(latest[v], latest[u])
    return latest


def _stage_order(w: Workload, placement: Placement) -> tuple[list[int], PipesplitError | None]:
    """The pipeline order of the devices; without one, the order of their first nodes, and why."""
    try:
        return pipeline_order(w, placement), None
    except PipesplitError as e:
        first: dict[int, int] = {}
        for r, v in enumerate(w.topological_order.tolist()):
            first.setdefault(int(placement.device[v]), r)
        return sorted(first, key=first.get), e


def _outside_module(path: str, prefix: str) -> str | None:
    """The shortest prefix of ``path`` that does not contain the stack (None for a container of it).

    >>> _outside_module("transformer.ln_f.weight", "transformer.h"), _outside_module("transformer", "transformer.h")
    ('transformer.ln_f', None)
    """
    parts, stack = path.split("."), prefix.split(".")
    k = next((j for j in range(1, len(parts) + 1) if parts[:j] != stack[:j]), None)
    return None if k is None else ".".join(parts[:k])


def _names(names: list[str], stages: set[int]) -> str:
    return ", ".join(names[s] for s in sorted(stages))


def _check_order(stages: list[StageModules], key: Callable[[str], int]) -> None:
    """The embedding on one stage, then the layers, then the head modules, in pipeline order."""
    names = [st.device for st in stages]
    emb = sorted({s for s, st in enumerate(stages) if st.embedding})
    if len(emb) > 1:
        raise PipesplitError(f"the embedding is split across stages {', '.join(names[s] for s in emb)}; "
                             "export needs it on one stage")
    seq = [(s, f"the embedding ({', '.join(stages[s].embedding)})") for s in emb]
    seq += sorted(((s, f"layer {i}") for s, st in enumerate(stages) for i in st.layers),
                  key=lambda item: int(item[1].split()[1]))
    seq += sorted(((s, f"the head module {m}") for s, st in enumerate(stages) for m in st.head),
                  key=lambda item: key(item[1].split()[-1]))
    for (s0, a), (s1, b) in zip(seq, seq[1:]):
        if s1 < s0:
            raise PipesplitError(f"{b} is on stage {names[s1]}, before {a} on stage {names[s0]}; the stages "
                                 "must hold the model in order")


def _first_use(w: Workload, paths: dict[int, str]) -> Callable[[str], int]:
    """Sort key of a module: the topological rank of its first node."""
    rank = {v: r for r, v in enumerate(w.topological_order.tolist())}
    first: dict[str, int] = {}
    for v, path in paths.items():
        for m in [path] + [path[:i] for i, c in enumerate(path) if c == "."]:
            first[m] = min(first.get(m, rank[v]), rank[v])
    return lambda module: first.get(module, 0)


def _ranges(indices: list[int]) -> str:
    """``[0, 1, 2, 5]`` as ``0-2, 5``."""
    out, start = [], indices[0]
    for a, b in zip(indices, indices[1:] + [None]):
        if b != a + 1:
            out.append(f"{start}-{a}" if a > start else str(a))
            start = b
    return ", ".join(out)
