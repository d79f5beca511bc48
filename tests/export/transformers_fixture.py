"""Layer-granularity transformer workloads built here, with the module paths an importer records."""

from __future__ import annotations

import numpy as np

from pipesplit import Placement
from pipesplit.workload import Workload

STYLES = {
    # embedding modules, glue (container) path, stack prefix, head modules
    "gpt2": (["transformer.wte", "transformer.wpe"], "transformer", "transformer.h", ["transformer.ln_f", "lm_head"]),
    "llama": (["tok_embeddings"], None, "layers", ["norm", "output"]),
}


def transformer(layers: int = 24, style: str = "gpt2") -> Workload:
    """Embedding modules -> glue -> layers 0..L-1 (each also fed by a mask glue node) -> head modules."""
    emb, glue, prefix, head = STYLES[style]
    names = emb + ["glue", "mask"] + [f"{prefix}.{i}" for i in range(layers)] + head
    paths = emb + [glue, glue] + [f"{prefix}.{i}" for i in range(layers)] + head
    idx = {n: k for k, n in enumerate(names)}
    edges = [(idx[e], idx["glue"]) for e in emb] + [(idx["glue"], idx[f"{prefix}.0"])]
    chain = [f"{prefix}.{i}" for i in range(layers)] + head
    edges += [(idx[a], idx[b]) for a, b in zip(chain, chain[1:])]
    edges += [(idx["mask"], idx[f"{prefix}.{i}"]) for i in range(layers)]
    n = len(names)
    w = Workload.from_lists(ids=list(range(n)), acc_time=[1.0] * n, cpu_time=[10.0] * n, edges=edges,
                            out_cost={k: 0.1 for k in range(n)}, names=names)
    w.layer = paths
    return w


def split(w: Workload, starts: list[int], stage_of: dict[str, int] | None = None) -> Placement:
    """Stage s holds layers starts[s-1]..starts[s]-1; the embedding and glue go on the first stage, the head
    on the last, unless ``stage_of`` says otherwise (by node name)."""
    p = len(starts) + 1
    device = []
    for name, path in zip(w.names, w.layer):
        tail = path.rsplit(".", 1)[-1] if path else ""
        if stage_of and name in stage_of:
            device.append(stage_of[name])
        elif tail.isdigit():
            device.append(sum(int(tail) >= s for s in starts))
        elif name in ("glue", "mask") or name in STYLES["gpt2"][0] + STYLES["llama"][0]:
            device.append(0)
        else:
            device.append(p - 1)
    return Placement(np.array(device), accelerators=p, cpus=0)
