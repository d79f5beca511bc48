"""``torch.distributed.pipelining``: a ``split_spec`` that starts each later stage at its first module."""

from __future__ import annotations

from ..errors import PipesplitError
from .stack import LayerStack, StageModules


def split_points(stack: LayerStack) -> list[str]:
    """The module path at which each stage after the first begins."""
    for st in stack.stages:
        if st.empty:
            raise PipesplitError(f"stage {st.device} holds no module, which a split_spec cannot express")
    return [stack.modules(st)[0] for st in stack.stages[1:]]


def render(stack: LayerStack) -> str:
    """Python text defining ``split_spec`` for ``pipeline(module, mb_args, split_spec=split_spec)``."""
    points = split_points(stack)
    lines = [f"# {len(stack.stages)} stages: " + "; ".join(_describe(stack, st) for st in stack.stages),
             "from torch.distributed.pipelining import SplitPoint", "", "split_spec = {"]
    lines += [f"    {path!r}: SplitPoint.BEGINNING," for path in points]
    return "\n".join(lines + ["}", ""])


def _describe(stack: LayerStack, st: StageModules) -> str:
    mods = stack.modules(st)
    return f"{st.device} {mods[0]}" + (f" .. {mods[-1]}" if len(mods) > 1 else "")
