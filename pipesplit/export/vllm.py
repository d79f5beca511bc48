"""vLLM: ``VLLM_PP_LAYER_PARTITION``, the number of transformer layers of each pipeline stage.

vLLM keeps the embedding on the first stage and the final norm and head on the last.
"""

from __future__ import annotations

from ..errors import PipesplitError
from .stack import LayerStack


def layer_partition(stack: LayerStack) -> str:
    """Comma-separated layer counts, one per stage."""
    last = len(stack.stages) - 1
    if stack.embedding_stage != 0 or stack.head_stage != last:
        raise PipesplitError(f"vLLM keeps the embedding on the first stage and the head on the last; this split has "
                             f"the embedding on {stack.stages[stack.embedding_stage].device} and the head on "
                             f"{stack.stages[stack.head_stage].device}")
    return ",".join(str(len(st.layers)) for st in stack.stages)


def render(stack: LayerStack) -> str:
    return (f"# with --pipeline-parallel-size {len(stack.stages)}\n"
            f"export VLLM_PP_LAYER_PARTITION={layer_partition(stack)}\n")
