"""The device table that ``pipesplit solve`` and ``pipesplit evaluate`` print."""

from __future__ import annotations

from ..cluster import format_bytes
from ..placement import Evaluation


def device_table(evaluation: Evaluation, time_unit: str = "ms") -> str:
    """One row per device (nodes, compute, transfers, memory, load); the bottleneck is starred."""
    header = ("device", "nodes", f"compute {time_unit}", f"in {time_unit}", f"out {time_unit}", "memory",
              f"load {time_unit}")
    rows = []
    for d in evaluation.devices:
        star = " *" if d.nodes and abs(d.load - evaluation.max_load) <= 1e-12 * max(1.0, evaluation.max_load) else ""
        rows.append((d.name, str(d.nodes), f"{d.compute:.4f}", f"{d.transfer_in:.4f}", f"{d.transfer_out:.4f}",
                     format_bytes(d.memory), f"{d.load:.4f}{star}"))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    lines = [fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows]
    return "\n".join(lines)
