"""Megatron-LM: ``--pipeline-model-parallel-layout`` and, where they fit, the uneven first/last stage flags.

The layout names each stage's layers, ``E`` the embedding, ``t`` a transformer layer, ``L`` the loss
(output layer and loss), stages split by ``|``; ``x*n`` repeats a symbol, ``(...)*n`` a group. Megatron
builds the final norm with the last transformer layer.
"""

from __future__ import annotations

from .stack import LayerStack


def stage_symbols(stack: LayerStack) -> list[str]:
    """Each stage's symbols, uncompressed: ``E`` on the embedding's stage, ``L`` on the head's."""
    e, h = stack.embedding_stage, stack.head_stage
    return [("E" if s == e else "") + "t" * len(st.layers) + ("L" if s == h else "")
            for s, st in enumerate(stack.stages)]


def compress(stages: list[str]) -> str:
    """The layout string: runs of a symbol as ``x*n`` and runs of equal stages as ``(...|)*n``.

    >>> compress(["Etttttt", "tttttt", "tttttt", "ttttttL"])
    'Et*6|(t*6|)*2t*6L'
    >>> compress(["E", "tt", "", "tL"])
    'E|t*2||tL'
    """
    runs = _runs(stages)
    out = []
    for r, (stage, n) in enumerate(runs):
        text = "".join(c if k == 1 else f"{c}*{k}" for c, k in _runs(list(stage)))
        last = r == len(runs) - 1
        if last and n > 2:
            out.append(f"({text}|)*{n - 1}{text}")
        elif last:
            out.append("|".join([text] * n))
        elif n > 1:
            out.append(f"({text}|)*{n}")
        else:
            out.append(text + "|")
    return "".join(out)


def layout(stack: LayerStack) -> str:
    return compress(stage_symbols(stack))


def uneven_flags(stack: LayerStack) -> tuple[int, int] | None:
    """(first, last) stage layer counts when the even-middle flags express the split, else None."""
    counts = [len(st.layers) for st in stack.stages]
    p = len(counts)
    if p < 2 or stack.embedding_stage != 0 or stack.head_stage != p - 1 or min(counts) < 1:
        return None
    return (counts[0], counts[-1]) if len(set(counts[1:-1])) <= 1 else None


def render(stack: LayerStack) -> str:
    """Megatron command-line flags, one alternative per line."""
    p = len(stack.stages)
    common = f"--pipeline-model-parallel-size {p} --num-layers {stack.num_layers}"
    lines = [f"{common} --pipeline-model-parallel-layout \"{layout(stack)}\""]
    flags = uneven_flags(stack)
    if flags:
        lines += ["# or, equivalently:",
                  f"{common} --decoder-first-pipeline-num-layers {flags[0]} --decoder-last-pipeline-num-layers {flags[1]}"]
    return "\n".join(lines) + "\n"


def _runs(items: list) -> list[tuple]:
    out: list[list] = []
    for x in items:
        if out and out[-1][0] == x:
            out[-1][1] += 1
        else:
            out.append([x, 1])
    return [tuple(r) for r in out]
