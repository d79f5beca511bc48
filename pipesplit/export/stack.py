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
    fwd = np.flatnonzero(~w.backward)
    paths = {int(v): w.layer[v] for v in fwd.tolist() if isinstance(w.layer[v], str) and w.layer[v]}
    prefix, count = find_stack_prefix(list(paths.values()))
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)(\.|$)")
    stack_parts = prefix.split(".")
    # latest layer among each node's ancestors (or itself), by a pass in topological order
    layer_of = np.full(w.num_nodes, -1)
    for v, path in paths.items():
        m = pattern.match(path)
        if m:
            layer_of[v] = int(m.group(1))
    latest = layer_of.copy()
    ptr, pred = w.preds_csr
    for v in w.topological_order.tolist():
        for u in pred[ptr[v]:ptr[v + 1]].tolist():
            if not w.backward[u]:
                latest[v] = max(latest[v], latest[u])
    try:
        order, cycle = pipeline_order(w, placement), None
    except PipesplitError as e:  # name the layers that cause it, if any, else say this
        first = {}
        for r, v in enumerate(w.topological_order.tolist()):
            first.setdefault(int(placement.device[v]), r)
        order, cycle = sorted(first, key=first.get), e
    position = {d: s for s, d in enumerate(order)}
    stages = [StageModules(placement.device_name(d)) for d in order]
    layer_stages: dict[int, set[int]] = {}
    blocks: dict[tuple[str, str], set[int]] = {}  # (kind, module) -> stages
    for v, path in paths.items():
        s = position[int(placement.device[v])]
        if layer_of[v] >= 0:
            layer_stages.setdefault(int(layer_of[v]), set()).add(s)
            continue
        parts = path.split(".")
        k = next((j for j in range(1, len(parts) + 1) if parts[:j] != stack_parts[:j]), None)
        if k is None:  # a container of the stack: glue
            continue
        module = ".".join(parts[:k])
        if latest[v] < 0:
            blocks.setdefault(("embedding", module), set()).add(s)
        elif latest[v] == count - 1:
            blocks.setdefault(("head", module), set()).add(s)
        else:
            raise PipesplitError(f"module {module} sits between layers {latest[v]} and {latest[v] + 1}; export maps "
                                 "only an embedding, the layer stack and a head onto stages")
    names = [st.device for st in stages]
    for (kind, module), where in sorted(blocks.items()):
        if len(where) > 1:
            raise PipesplitError(f"module {module} is split across stages {', '.join(names[s] for s in sorted(where))}; "
                                 "every module must sit on one stage")
        getattr(stages[where.pop()], kind).append(module)
    for i in range(count):
        where = layer_stages[i]
        if len(where) > 1:
            raise PipesplitError(f"layer {i} ({prefix}.{i}) is split across stages "
                                 f"{', '.join(names[s] for s in sorted(where))}; export needs whole layers per stage")
    for s, st in enumerate(stages):
        held = [i for i in range(count) if s in layer_stages[i]]
        if held and held != list(range(held[0], held[-1] + 1)):
            raise PipesplitError(f"stage {st.device} holds layers {_ranges(held)}: not a run of consecutive layers")
        st.layers = range(held[0], held[-1] + 1) if held else range(0)
    key = _first_use(w, paths)
    for st in stages:
        st.embedding.sort(key=key)
        st.head.sort(key=key)
    _check_order(stages, key)
    if cycle is not None:
        raise cycle
    return LayerStack(prefix, count, stages)


def _check_order(stages: list[StageModules], key) -> None:
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


def _first_use(w: Workload, paths: dict[int, str]):
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
