"""The device and link catalog shipped with pipesplit (``devices.json``, ``links.json``), and cluster presets.

>>> get_device("a100").name, get_link("nvlink", accelerator="a100-80gb").name
('a100-80gb', 'nvlink3')
>>> round(transfer_ms(31.5e6, get_link("pcie4")), 6)
1.0
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import PipesplitError

_HERE = Path(__file__).resolve().parent
ALIASES = {"v100": "v100-32gb", "a100": "a100-80gb", "h100": "h100-sxm", "h100-80gb": "h100-sxm",
           "nvlink": None}  # "nvlink": the accelerator's own NVLink generation (nvlink4 without one)
DEFAULT_LINK = "pcie4"


@dataclass(frozen=True)
class Device:
    """A catalog device: peak FLOP/s per dtype for matrix products and other arithmetic, bytes/s, bytes."""

    name: str
    kind: str
    memory_bytes: float
    memory_bandwidth: float
    matrix: dict
    vector: dict
    nvlink: str | None
    source: str

    def peak(self, dtype: str, matrix: bool) -> float:
        """Peak FLOP/s for ``dtype``; a dtype the device lacks falls back to fp32 (for vector work too)."""
        table = self.matrix if matrix else self.vector
        if dtype in table:
            return float(table[dtype])
        if matrix and dtype == "tf32":
            return float(table["fp32"])
        if not matrix and dtype in self.matrix:  # e.g. int8/fp8 element-wise work runs at the fp16 or fp32 rate
            return float(table.get("fp16", table["fp32"]))
        raise PipesplitError(f"the catalog has no {dtype} figure for {self.name}; "
                             f"choose {{dtype}} among {', '.join(sorted(self.matrix))}")


@dataclass(frozen=True)
class Link:
    """A link preset: bandwidth of one direction in bytes/s."""

    name: str
    bandwidth: float
    source: str


@lru_cache(maxsize=None)
def _catalog(file: str) -> dict:
    return json.loads((_HERE / file).read_text())


def device_names() -> list[str]:
    return sorted(_catalog("devices.json")["devices"])


def link_names() -> list[str]:
    return sorted(_catalog("links.json")["links"]) + ["nvlink"]


def get_device(name: str) -> Device:
    """A catalog device by name or alias (``a100`` = ``a100-80gb``)."""
    key = ALIASES.get(name.lower(), name.lower()) or name.lower()
    spec = _catalog("devices.json")["devices"].get(key)
    if spec is None:
        raise PipesplitError(f"unknown device '{name}'; the catalog has {', '.join(device_names())} "
                             f"(aliases: v100, a100, h100)")
    mem = spec["memory_bytes"]
    return Device(name=key, kind=spec["kind"], memory_bytes=math.inf if mem is None else float(mem),
                  memory_bandwidth=float(spec["memory_bandwidth"]), matrix=spec["matrix"], vector=spec["vector"],
                  nvlink=spec.get("nvlink"), source=spec["source"])


def get_link(name: str | None = None, accelerator: str | None = None) -> Link:
    """A link preset; ``nvlink`` means the accelerator's own generation (``nvlink4`` without one)."""
    key = (name or DEFAULT_LINK).lower()
    if key == "nvlink":
        gen = get_device(accelerator).nvlink if accelerator else "nvlink4"
        if gen is None:
            raise PipesplitError(f"{accelerator} has no NVLink; choose {{link}} among {', '.join(link_names())}")
        key = gen
    spec = _catalog("links.json")["links"].get(key)
    if spec is None:
        raise PipesplitError(f"unknown link '{name}'; choose among {', '.join(link_names())}")
    return Link(name=key, bandwidth=float(spec["bandwidth"]), source=spec["source"])


def transfer_ms(num_bytes: float, link: Link) -> float:
    """Milliseconds to send ``num_bytes`` over ``link``."""
    return 1e3 * float(num_bytes) / link.bandwidth
