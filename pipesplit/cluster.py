"""The cluster: k accelerators with M bytes of memory each, and l CPU cores."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import PipesplitError

# more pipeline stages than this is no real cluster, and the solvers' tables grow with the counts
MAX_DEVICES = 65536

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


@dataclass(frozen=True)
class Cluster:
    """``accelerators`` devices with ``memory`` bytes each (``math.inf`` for no limit) and ``cpus`` cores.

    >>> Cluster(accelerators=4, memory=parse_bytes("16GiB"), cpus=1).num_devices
    5
    """

    accelerators: int
    memory: float = math.inf
    cpus: int = 0

    def __post_init__(self) -> None:
        for name in ("accelerators", "cpus"):
            x = getattr(self, name)
            if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
                raise PipesplitError(f"the number of {{{name}}} must be a whole number, got {x!r}")
            if not 0 <= x <= MAX_DEVICES:
                raise PipesplitError(f"the numbers of accelerators and CPU cores must be non-negative and at most "
                                     f"{MAX_DEVICES}; got {x} for {{{name}}}")
            object.__setattr__(self, name, int(x))
        if self.accelerators + self.cpus == 0:
            raise PipesplitError("the cluster has no devices; give {accelerators} or {cpus}")
        if isinstance(self.memory, bool) or not isinstance(self.memory, (int, float, np.number)):
            raise PipesplitError(f"accelerator {{memory}} must be a number of bytes, got {self.memory!r}")
        if not self.memory >= 0:
            raise PipesplitError(f"accelerator {{memory}} must be non-negative, got {self.memory}")
        object.__setattr__(self, "memory", float(self.memory))

    @property
    def num_devices(self) -> int:
        return self.accelerators + self.cpus

    def with_overrides(self, accelerators: int | None = None, memory: float | None = None,
                       cpus: int | None = None) -> "Cluster":
        """A copy with the given fields replaced (command-line flags override a file's cluster)."""
        return Cluster(
            accelerators=self.accelerators if accelerators is None else accelerators,
            memory=self.memory if memory is None else memory,
            cpus=self.cpus if cpus is None else cpus,
        )


def parse_bytes(text: str) -> float:
    """Parse a memory size such as ``16GiB``, ``512MB``, ``1e9`` or ``inf`` into bytes.

    >>> parse_bytes("1.5KiB")
    1536.0
    """
    s = str(text).strip()
    if s.lower() in ("inf", "unlimited", "none"):
        return math.inf
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)", s)
    if not m or m.group(2).upper() not in _UNITS:
        raise PipesplitError(f"cannot read memory size '{text}'; write e.g. 16GiB, 512MB or 17179869184")
    return float(m.group(1)) * _UNITS[m.group(2).upper()]


def format_bytes(x: float) -> str:
    """Bytes as a short human-readable string (binary units)."""
    if math.isinf(x):
        return "unlimited"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(x) >= scale:
            return f"{x / scale:.2f} {unit}"
    return f"{x:.0f} B"
