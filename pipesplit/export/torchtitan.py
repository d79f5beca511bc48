"""torchtitan: ``parallelism.module_fqns_per_model_part``, the module FQNs of each model part.

torchtitan's splitter keeps, per part, the listed top-level modules and entries of top-level module
lists (``tok_embeddings``, ``layers.3``, ``norm``, ``output``), so the paths must be the model's own.
"""

from __future__ import annotations

import json

from ..errors import PipesplitError
from .stack import LayerStack


def module_fqns_per_model_part(stack: LayerStack) -> list[list[str]]:
    for st in stack.stages:
        if st.empty:
            raise PipesplitError(f"stage {st.device} holds no module; torchtitan needs modules in every model part")
    return [stack.modules(st) for st in stack.stages]


def render(stack: LayerStack) -> str:
    """A TOML fragment of torchtitan's job configuration."""
    parts = module_fqns_per_model_part(stack)
    body = ",\n".join(f"  {json.dumps(p)}" for p in parts)
    return (f"[parallelism]\npipeline_parallel_degree = {len(parts)}\n"
            f"module_fqns_per_model_part = [\n{body},\n]\n")
