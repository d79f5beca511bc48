"""Solver names, cheap to import (the command line lists them without loading compiled code).

Each entry maps a method name to ``"module:function"`` under ``pipesplit.solvers``; the function takes
``(workload, cluster, progress=...)`` and returns a ``Solution``.
"""

from __future__ import annotations

METHODS: dict[str, str] = {
    "dp": "dp:dp_split",
    "dp-linear": "linear:dp_linear_split",
}

METHOD_NAMES = tuple(METHODS)
