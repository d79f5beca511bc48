"""DeepSpeed: the ``parts`` boundaries of a ``PipelineModule`` whose ``_partition_layers`` is overridden.

The layer list is one ``LayerSpec`` per module of the stack, in model order (embedding modules, the
layers, head modules); stage s builds ``layers[parts[s]:parts[s + 1]]``.
"""

from __future__ import annotations

from .stack import LayerStack

SNIPPET = '''
from deepspeed.pipe import PipelineModule


class SplitPipelineModule(PipelineModule):
    """A PipelineModule whose stages are the boundaries in parts."""

    def _partition_layers(self, method="uniform"):
        if len(self._layer_specs) != parts[-1] or self.num_stages != len(parts) - 1:
            raise ValueError(f"parts is for {parts[-1]} layers on {len(parts) - 1} stages")
        self.parts = list(parts)
        stage_id = self._topo.get_coord(self.global_rank).pipe
        self._set_bounds(start=self.parts[stage_id], stop=self.parts[stage_id + 1])
'''


def parts(stack: LayerStack) -> list[int]:
    """Stage boundaries into the layer list: ``len(stages) + 1`` entries from 0 to its length."""
    out = [0]
    for st in stack.stages:
        out.append(out[-1] + len(stack.modules(st)))
    return out


def render(stack: LayerStack) -> str:
    """Python text: the layer list in a comment, ``parts``, and the PipelineModule subclass."""
    names = [m for st in stack.stages for m in stack.modules(st)]
    shown = ", ".join(names) if len(names) <= 8 else ", ".join(names[:4] + ["..."] + names[-3:])
    return (f"# layers = [{shown}] ({len(names)} LayerSpecs, in this order)\n"
            f"parts = {parts(stack)}\n{SNIPPET}")
