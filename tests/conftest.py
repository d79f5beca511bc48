"""Shared fixtures: the path of the read-only shared data and small workload files written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PAPER_WORKLOADS = SHARED / "workloads" / "paper"
PAPER_REFERENCE = SHARED / "reference" / "paper-throughput.json"


@pytest.fixture
def shared_dir() -> Path:
    """The shared data folder; tests that need it skip when it is absent."""
    if not PAPER_WORKLOADS.is_dir():
        pytest.skip(f"shared workloads not found under {SHARED}")
    return SHARED


def paper_node(nid: int, acc: float, cpu: float, ok=1, backward=0, size=0.0, color=None, **extra) -> dict:
    """One node of the paper's workload JSON."""
    node = {"id": nid, "name": f"n{nid}", "supportedOnFpga": ok, "cpuLatency": cpu, "fpgaLatency": acc,
            "isBackwardNode": backward, "size": size}
    if color is not None:
        node["colorClass"] = color
    node.update(extra)
    return node


@pytest.fixture
def paper_data() -> dict:
    """A small valid workload in the paper's format (a fresh copy per test, free to mutate).

    A diamond 1 -> {2, 3} -> 4 then 4 -> 5; node 5 cannot run on an accelerator.
    """
    return {
        "maxSizePerFPGA": 100.0, "maxFPGAs": 2, "maxCPUs": 1,
        "nodes": [paper_node(1, 1.0, 10.0, size=10), paper_node(2, 3.0, 30.0, size=20),
                  paper_node(3, 2.0, 20.0, size=20), paper_node(4, 4.0, 40.0, size=30),
                  paper_node(5, 0.0, 1.5, ok=0, size=0)],
        "edges": [{"sourceId": 1, "destId": 2, "cost": 0.5}, {"sourceId": 1, "destId": 3, "cost": 0.5},
                  {"sourceId": 2, "destId": 4, "cost": 0.25}, {"sourceId": 3, "destId": 4, "cost": 0.75},
                  {"sourceId": 4, "destId": 5, "cost": 1.0}],
    }


@pytest.fixture
def write_file(tmp_path):
    """``write_file(name, data)`` writes JSON (or a raw string) under tmp_path and returns the path."""

    def write(name: str, data) -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    return write


@pytest.fixture
def no_matplotlib(monkeypatch):
    """Imports of matplotlib fail, as where the plot extra is not installed."""
    import builtins

    real_import = builtins.__import__

    def guarded(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded)
