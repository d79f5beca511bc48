"""The paper's shared workloads against the figures its own programs printed (reference/paper-throughput.json).

Skipped when ../shared is absent. The exact DP on InceptionV3 (36,596 ideals; the reference gave up
after 15 minutes) takes a few seconds here and runs by default; PIPESPLIT_FAST=1 skips it.
"""

from __future__ import annotations

import json
import math
import os
from functools import cache
from pathlib import Path

import pytest

from pipesplit import evaluate
from pipesplit.formats import load_split, load_workload
from pipesplit.placement import contiguity_violations
from pipesplit.solvers.dp import dp_split
from pipesplit.solvers.dp.linear import dp_linear_split

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PAPER_WORKLOADS = SHARED / "workloads" / "paper"
PAPER_REFERENCE = SHARED / "reference" / "paper-throughput.json"
THROUGHPUT = PAPER_WORKLOADS / "throughput"
EXPERTS = PAPER_WORKLOADS / "experts"
WORKLOADS = sorted(THROUGHPUT.glob("*/*.json")) if THROUGHPUT.is_dir() else []
EXPERT_SPLITS = sorted(EXPERTS.glob("*_expert.json")) if EXPERTS.is_dir() else []
SLOW = {"LayerGraphs/inceptionv3_inference.json"}


def key_of(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@cache
def reference() -> dict:
    if not PAPER_REFERENCE.is_file():
        pytest.skip(f"{PAPER_REFERENCE} not found")
    return json.loads(PAPER_REFERENCE.read_text())["workloads"]


@cache
def solved(path: Path, method: str):
    w, cluster = load_workload(path)
    solver = dp_split if method == "dp" else dp_linear_split
    return w, cluster, solver(w, cluster)


def check_feasible_and_contiguous(path: Path, method: str) -> None:
    w, cluster, sol = solved(path, method)
    e = evaluate(w, cluster, sol.placement, contiguous=True)
    assert e.feasible, e.violations
    assert contiguity_violations(w, sol.placement) == []
    assert math.isclose(sol.value, e.max_load, rel_tol=1e-9)


def test_shared_workloads_are_present(shared_dir):
    assert WORKLOADS, f"no workloads under {THROUGHPUT}"
    assert set(map(key_of, WORKLOADS)) <= set(reference())


@pytest.mark.parametrize("path", WORKLOADS, ids=key_of)
def test_exact_dp_matches_reference(path):
    ref = reference()[key_of(path)]["dp"]
    if key_of(path) in SLOW and os.environ.get("PIPESPLIT_FAST") == "1":
        pytest.skip("PIPESPLIT_FAST=1")
    _, _, sol = solved(path, "dp")
    assert sol.optimal
    if ref.get("finished", True):
        assert abs(sol.value - ref["maxLoad"]) <= 1e-6 * ref["maxLoad"], (sol.value, ref["maxLoad"])
    else:  # the reference did not finish: its linearized value is an upper bound on the optimum
        linear = reference()[key_of(path)]["linearize"]["maxLoad"]
        assert sol.value <= linear * (1 + 1e-9)
    check_feasible_and_contiguous(path, "dp")


@pytest.mark.parametrize("path", WORKLOADS, ids=key_of)
def test_linearized_dp_is_no_worse_than_reference(path):
    ref = reference()[key_of(path)]
    _, _, sol = solved(path, "dp-linear")
    assert sol.value <= ref["linearize"]["maxLoad"] * (1 + 1e-9), (sol.value, ref["linearize"]["maxLoad"])
    if ref["dp"].get("finished", True):
        assert sol.value >= ref["dp"]["maxLoad"] * (1 - 1e-6)  # never below the optimum
    check_feasible_and_contiguous(path, "dp-linear")


@pytest.mark.parametrize("path", EXPERT_SPLITS, ids=lambda p: p.name)
def test_expert_split_value(path):
    name = path.name.removesuffix("_expert.json")
    workload_path = THROUGHPUT / "LayerGraphs" / f"{name}.json"
    if not workload_path.is_file():
        pytest.skip(f"no workload {workload_path.name} for {path.name}")
    w, cluster = load_workload(workload_path)
    placement = load_split(path, w)
    e = evaluate(w, cluster, placement)
    assert e.feasible, e.violations
    expected = reference()[key_of(workload_path)]["expert"]["maxLoad"]
    assert math.isclose(e.max_load, expected, rel_tol=1e-5), (e.max_load, expected)  # printed to 6 digits
