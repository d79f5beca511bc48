"""A Gantt chart of a simulated pipeline schedule: one row per device, micro-batch numbers in the boxes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..runtime.simulate import Simulation
from .figure import pyplot, save

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORWARD, BACKWARD = "#4C72B0", "#55A868"


def gantt_figure(sim: Simulation, time_unit: str = "ms") -> Figure:
    """The figure: forward boxes blue, backward green, later interleaved chunks lighter."""
    plt = pyplot()
    rows = len(sim.devices)
    fig, ax = plt.subplots(figsize=(min(4 + 0.35 * len(sim.ops) / max(rows, 1), 22), 0.6 * rows + 1.6))
    span = sim.step_time or 1.0
    for op in sim.ops:
        chunk = op.stage // rows
        colour = FORWARD if op.kind == "F" else BACKWARD
        alpha = 1.0 if chunk == 0 else 0.55
        y = rows - 1 - op.device
        ax.broken_barh([(op.start, op.finish - op.start)], (y + 0.1, 0.8), facecolors=colour, alpha=alpha,
                       edgecolor="white", linewidth=0.8)
        width = op.finish - op.start
        if width > span / 250:
            ax.text(op.start + width / 2, y + 0.5, str(op.microbatch), ha="center", va="center", color="white",
                    fontsize=max(5, min(9, 400 * width / span)))
    ax.set_yticks([rows - 1 - d + 0.5 for d in range(rows)], sim.devices)
    ax.set_ylim(0, rows)
    ax.set_xlim(0, span)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_title(f"{sim.schedule}, {sim.microbatches} micro-batches: step {sim.step_time:.4g} {time_unit}, "
                 f"bubble {sim.bubble_fraction:.1%}" + ("; later chunks lighter" if len(sim.stages) > rows else ""),
                 fontsize=10)
    handles = [plt.Rectangle((0, 0), 1, 1, color=FORWARD), plt.Rectangle((0, 0), 1, 1, color=BACKWARD)]
    ax.legend(handles[: 2 if sim.training else 1], ["forward", "backward"][: 2 if sim.training else 1],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def write_gantt(sim: Simulation, path: str | Path, time_unit: str = "ms", inputs: tuple[str | Path, ...] = ()) -> None:
    """Draw the Gantt chart into ``path``."""
    save(gantt_figure(sim, time_unit), path, inputs)
