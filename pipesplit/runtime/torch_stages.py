"""An exported model cut into pipeline stages that pass the ordered tuple of live tensors.

The exported program is unlifted (weights become attributes), cut by ``torch.fx.passes.split_module``
with one partition per stage, and each partition is wrapped in a ``StageModule`` that owns the weights
it reads and maps "tensors alive after the previous stage" to "tensors alive after this one". A tensor
made on stage s and read on stage t > s + 1 is so carried through every stage between: PyTorch's manual
pipeline stages only talk to their neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.fx.passes.split_module import split_module

from ..errors import PipesplitError


def flat_module(ep) -> torch.fx.GraphModule:
    """The exported program as a plain graph module: weights as attributes, flat tensor inputs and outputs,
    no input guard calls."""
    gm = ep.module()
    for node in list(gm.graph.nodes):
        if node.op == "call_module" and not node.users:
            gm.graph.erase_node(node)
    gm.graph.set_codegen(torch.fx.graph.CodeGen())
    gm.recompile()
    return gm


@dataclass
class StageSpec:
    """One stage: which live values it takes and returns (names of the split graph's values)."""

    index: int
    inputs: list[str]
    outputs: list[str]


def _stage_callback(gm: torch.fx.GraphModule, stage_of: dict[str, int]):
    """Partition of every graph node: its stage when the split names it, else (export's bookkeeping
    operators) the latest stage of its inputs."""
    part: dict[str, int] = {}
    for node in gm.graph.nodes:
        if node.op in ("placeholder", "get_attr", "output"):
            continue
        if node.name in stage_of:
            part[node.name] = stage_of[node.name]
        else:
            ins = [part[a.name] for a in node.all_input_nodes if a.name in part]
            part[node.name] = max(ins, default=0)
    return lambda node: part[node.name]


def split_stages(gm: torch.fx.GraphModule, stage_of: dict[str, int], num_stages: int):
    """``(split module, [StageSpec])``: the graph cut by ``stage_of`` (graph node name -> stage index), and
    each stage's live inputs and outputs. The first stage takes the model's flat inputs; the last returns
    the model's flat outputs."""
    split = split_module(gm, gm, _stage_callback(gm, stage_of), tuple_return=True)
    calls = {n.target: n for n in split.graph.nodes if n.op == "call_module"}
    names = [f"submod_{i}" for i in range(num_stages)]
    if sorted(calls) != sorted(names):
        raise PipesplitError(f"the split gives the graph {len(calls)} non-empty stages, not {num_stages}")
    placeholders = [n.name for n in split.graph.nodes if n.op == "placeholder"]
    output = next(n for n in split.graph.nodes if n.op == "output")
    final = [a.name for a in torch.fx.node.map_aggregate(output.args[0], lambda x: x) if isinstance(a, torch.fx.Node)]
    made: list[list[str]] = [[u.name for u in calls[s].users] for s in names]  # getitems of each stage's tuple
    needs: list[set[str]] = [{a.name for a in calls[s].all_input_nodes if a.op != "get_attr"} for s in names]
    specs, live = [], list(placeholders)
    for i in range(num_stages):
        available = live + [x for x in made[i] if x not in live]
        later = set().union(*needs[i + 1:]) if i + 1 < num_stages else set()
        outputs = [x for x in available if x in later] if i + 1 < num_stages else list(final)
        missing = needs[i] - set(live)
        if missing:
            raise PipesplitError(f"stage {i} reads {sorted(missing)[0]}, which no earlier stage makes; the split "
                                 "is not in pipeline order")
        specs.append(StageSpec(i, list(live), outputs))
        live = outputs
    return split, specs


class StageModule(nn.Module):
    """One stage: the partition's graph with the weights it reads as its own parameters and buffers.

    ``forward(*live_inputs)`` returns the tuple of live outputs (dense, except on stage ``last``, whose outputs
    are the model's); ``param_names`` maps each parameter's
    name here to its name in the model (for comparing gradients)."""

    def __init__(self, split: torch.fx.GraphModule, spec: StageSpec, root: nn.Module, last: int):
        super().__init__()
        self.last = last
        call = next(n for n in split.graph.nodes if n.op == "call_module" and n.target == f"submod_{spec.index}")
        self.graph_module = getattr(split, call.target)
        self.spec = spec
        self.record: list | None = None  # when a list, each call's outputs are appended (detached)
        self.param_names: dict[str, str] = {}
        self._args: list[tuple[str, object]] = []  # ("live", index) or ("attr", local name) per submodule input
        for a in call.args:
            if a.op == "get_attr":
                local = "w_" + a.target.replace(".", "__")
                value = _attr(root, a.target)
                if local not in self._parameters and local not in self._buffers:
                    if isinstance(value, nn.Parameter):
                        self.register_parameter(local, nn.Parameter(value.detach().clone(),
                                                                    requires_grad=value.requires_grad))
                        self.param_names[local] = a.target
                    else:
                        self.register_buffer(local, value.detach().clone(), persistent=False)
                self._args.append(("attr", local))
            else:
                self._args.append(("live", spec.inputs.index(a.name)))
        made = {u.name: u.args[1] for u in call.users}
        self._outs = [("made", made[x]) if x in made else ("live", spec.inputs.index(x)) for x in spec.outputs]

    def forward(self, *live):
        args = [live[k] if kind == "live" else getattr(self, k) for kind, k in self._args]
        result = self.graph_module(*args)
        out = tuple(result[k] if kind == "made" else live[k] for kind, k in self._outs)
        if self.spec.index < self.last:
            out = tuple(t.contiguous() for t in out)  # sends need dense tensors
        if self.record is not None:
            self.record.append([t.detach().cpu() for t in out])
        return out


def _attr(root: nn.Module, target: str):
    obj = root
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj
