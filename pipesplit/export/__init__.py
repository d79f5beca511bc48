"""Export a split of a layer-granularity transformer workload to a training or serving engine's settings.

>>> sorted(FORMATS)
['deepspeed', 'megatron', 'torch', 'torchtitan', 'vllm']
"""

from __future__ import annotations

from ..placement import Placement
from ..workload import Workload
from . import deepspeed, megatron, torch_pipelining, torchtitan, vllm
from .stack import LayerStack, layer_stack

FORMATS = {"torch": torch_pipelining.render, "megatron": megatron.render, "torchtitan": torchtitan.render,
           "deepspeed": deepspeed.render, "vllm": vllm.render}

__all__ = ["FORMATS", "LayerStack", "export_split", "layer_stack"]


def export_split(workload: Workload, placement: Placement, to: str) -> str:
    """The split in the named engine's terms, as text; a split that does not map is a one-line error."""
    return FORMATS[to](layer_stack(workload, placement))
