"""matplotlib, optional (the ``plot`` extra), and saving figures."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..errors import PipesplitError
from ..formats import check_output_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def pyplot() -> ModuleType:
    """matplotlib's pyplot, on the non-interactive Agg backend unless pyplot is already in use; a one-line
    error names the extra to install."""
    try:
        import matplotlib
    except ImportError:
        raise PipesplitError("drawing needs matplotlib: pip install 'pipesplit[plot]'") from None
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Figure, path: str | Path, inputs: tuple[str | Path, ...] = ()) -> None:
    """Write the figure as PNG (or the format the suffix names), then close it."""
    plt = pyplot()
    try:
        check_output_path(path, inputs)
        fig.savefig(path, dpi=130, bbox_inches="tight")
    finally:
        plt.close(fig)
