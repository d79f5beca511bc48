"""matplotlib, optional (the ``plot`` extra), and saving figures."""

from __future__ import annotations

from pathlib import Path

from ..errors import PipesplitError
from ..formats import check_output_path


def pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend; a one-line error names the extra to install."""
    try:
        import matplotlib
    except ImportError:
        raise PipesplitError("drawing needs matplotlib: pip install 'pipesplit[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: str | Path, inputs: tuple[str | Path, ...] = ()) -> None:
    """Write the figure as PNG (or the format the suffix names), then close it."""
    plt = pyplot()
    try:
        check_output_path(path, inputs)
        fig.savefig(path, dpi=130, bbox_inches="tight")
    finally:
        plt.close(fig)
