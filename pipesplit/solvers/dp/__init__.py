"""Dynamic programs over the ideals of the DAG: the exact one (``exact``) and the linearized one
(``linear``), on the contracted unit graph (``contract``), the ideal lattice (``lattice``), the DP table
(``table``) and the compiled inner loops (``kernels``)."""

from .exact import AUTO_MAX_IDEALS, DPOptions, auto_split, dp_split
from .linear import LinearOptions, dp_linear_split

__all__ = ["AUTO_MAX_IDEALS", "DPOptions", "LinearOptions", "auto_split", "dp_linear_split", "dp_split"]
