"""The Python façade does what the command line does; its docstring examples and the README's run."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import pipesplit
from pipesplit import Cluster, PipesplitError, Workload

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", ["pipesplit", "pipesplit.api", "pipesplit.workload", "pipesplit.errors",
                                    "pipesplit.graph", "pipesplit.training", "pipesplit.solvers.registry",
                                    "pipesplit.solvers.dp.lattice"])
def test_docstring_examples(module, monkeypatch):
    monkeypatch.chdir(REPO)
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_readme_python_examples_run(monkeypatch):
    monkeypatch.chdir(REPO)
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def chain() -> Workload:
    return Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[4, 1, 1, 4], cpu_time=[40] * 4,
                               edges=[(1, 2), (2, 3), (3, 4)], out_cost={1: 0.5, 2: 0.5, 3: 0.5})


def test_solve_takes_settings_and_refuses_unknown_ones():
    sol = pipesplit.solve(chain(), Cluster(2), "ip", time_limit=30)
    assert sol.optimal and sol.value == 5.5 and "HiGHS" in sol.proof
    with pytest.raises(PipesplitError, match="unknown setting 'timelimit'"):
        pipesplit.solve(chain(), Cluster(2), timelimit=3)
    lat = pipesplit.solve(chain(), Cluster(2, cpus=1), objective="latency")
    assert lat.method == "ip-latency" and lat.latency is not None


def test_compare_rows_and_errors_in_python_terms():
    rows = pipesplit.compare(chain(), Cluster(1), methods=["dp", "greedy"])
    assert rows[0].value == 10.0 and rows[0].ratio == 1.0
    assert rows[1].solution is None and "objective=latency" in rows[1].as_dict()["error"]
    assert "--objective=latency" in rows[1].as_dict(flags=True)["error"]


def test_save_and_load_round_trip(tmp_path):
    w, c = chain(), Cluster(2, memory=1e9, cpus=1)
    for fmt in ("native", "paper"):
        path = tmp_path / f"w-{fmt}.json"
        pipesplit.save_workload(path, w, c, format=fmt)
        w2, c2 = pipesplit.load_workload(path)
        assert c2 == c and np.array_equal(w2.acc_time, w.acc_time) and np.array_equal(w2.src, w.src)
        sol = pipesplit.solve(w2, c2)
        pipesplit.save_split(tmp_path / f"s-{fmt}.json", w2, sol, format=fmt)
        placement = pipesplit.load_split(tmp_path / f"s-{fmt}.json", w2)
        assert pipesplit.evaluate(w2, c2, placement).max_load == pytest.approx(sol.value)


def test_reprice_by_output_bytes():
    w = pipesplit.reprice(chain(), {1: 31.5e6, 2: 0, 3: 0, 4: 0}, "pcie4")
    assert w.out_cost[0] == pytest.approx(1.0) and w.out_cost[1] == 0.0


def test_from_networkx_keys_and_classes():
    nx = pytest.importorskip("networkx")
    g = nx.DiGraph()
    for key, a in (("a", 1.0), (2, 2.0), ((3, "x"), 3.0)):
        g.add_node(key, acc_time=a, cpu_time=10 * a, colocation="c" if key != 2 else None)
    g.add_edge("a", 2)
    g.add_edge(2, (3, "x"))
    w = Workload.from_networkx(g)
    assert w.names == ["a", "2", "(3, 'x')"] and w.class_of[0] == w.class_of[2] != w.class_of[1]
    g.add_node("bad", cpu_time=1.0)
    with pytest.raises(PipesplitError, match="node 'bad' lacks the attribute 'acc_time'"):
        Workload.from_networkx(g)


def test_import_onnx_model_proto():
    pytest.importorskip("onnx")
    from pipesplit.frontends import onnx_models
    imported = pipesplit.import_onnx(onnx_models.mlp([8, 16, 4]), estimate="a100-80gb", profile=(), batch=2)
    assert imported.workload.num_nodes > 0 and len(imported.output_bytes) == imported.workload.num_nodes
    assert pipesplit.solve(imported.workload, Cluster(2)).feasible


def test_import_torch_in_memory_module():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    imported = pipesplit.import_torch(model, torch.zeros(2, 8), granularity="layer", depth=1, estimate="a100-80gb",
                                      profile=())
    assert imported.workload.num_nodes == 3
    with pytest.raises(PipesplitError, match="unknown option 'granularty'"):
        pipesplit.import_torch(model, torch.zeros(2, 8), granularty="op")
