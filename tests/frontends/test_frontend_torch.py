"""The PyTorch frontend on tiny models built here: structure, bytes, times, training graph, errors, solving."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from pipesplit.cli import main  # noqa: E402
from pipesplit.cluster import Cluster  # noqa: E402
from pipesplit.errors import PipesplitError  # noqa: E402
from pipesplit.formats import load_workload  # noqa: E402
from pipesplit.frontends.catalog import get_device, get_link  # noqa: E402
from pipesplit.frontends.graph import to_workload  # noqa: E402
from pipesplit.frontends.torch import TorchOptions, import_torch  # noqa: E402
from pipesplit.placement import evaluate  # noqa: E402
from pipesplit.solvers import solve  # noqa: E402

MODELS = textwrap.dedent('''
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, d=16, heads=2):
            super().__init__()
            self.ln = nn.LayerNorm(d)
            self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
            self.fc = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x):
            h = self.ln(x)
            a, _ = self.attn(h, h, h, need_weights=False)
            x = x + a
            return x + self.fc(x)

    class Branchy(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x * 2
            return x

    def mlp():
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)), torch.randn(3, 8)

    def convnet():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(8 * 4 * 4, 10))
        return model, (torch.randn(2, 3, 8, 8),)

    def block():
        torch.manual_seed(0)
        return Block(), (torch.randn(2, 5, 16),)

    def big_linear():
        return nn.Linear(1024, 2048, bias=False), torch.randn(4096, 1024)

    def branchy():
        return Branchy(), torch.randn(3)

    def broken():
        raise RuntimeError("no such checkpoint")
''')

FAST = dict(warmup=1, runs=3)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "tiny_models.py"
    path.write_text(MODELS)
    return str(path)


def test_mlp_operators_bytes_and_times(models):
    r = import_torch(f"{models}:mlp", TorchOptions(granularity="op", **FAST))
    g = r.graph
    assert g.op_types == ["linear", "relu", "linear"]
    assert g.edges == [(0, 1), (1, 2)]
    assert g.out_bytes.tolist() == [3 * 16 * 4, 3 * 16 * 4, 3 * 4 * 4]
    assert g.memory.tolist() == [(8 * 16 + 16) * 4, 0, (16 * 4 + 4) * 4]
    assert (g.cpu_ms > 0).all() and r.model_cpu_ms > 0


def test_convnet_operators_match_the_export(models):
    r = import_torch(f"{models}:convnet", TorchOptions(granularity="op", **FAST))
    g = r.graph
    assert g.op_types == ["conv2d", "relu", "max_pool2d", "flatten", "linear"]
    assert g.out_bytes[0] == 2 * 8 * 8 * 8 * 4 and g.out_bytes[2] == 2 * 8 * 4 * 4 * 4
    assert g.memory[0] == (8 * 3 * 9 + 8) * 4
    layers = import_torch(f"{models}:convnet", TorchOptions(granularity="layer", depth=1, **FAST)).graph
    assert layers.names == ["0", "1", "2", "3", "4"] and len(layers.edges) == 4


def test_transformer_block_layers(models):
    g = import_torch(f"{models}:block", TorchOptions(granularity="layer", depth=1, **FAST)).graph
    assert g.names == ["ln", "attn", "(top)", "fc", "(top)#2"]
    assert g.op_types[:2] == ["LayerNorm", "MultiheadAttention"]
    # x feeds ln and the first residual add (both in the input, not a node); ln -> attn -> add -> fc -> add
    assert g.edges == [(0, 1), (1, 2), (2, 3), (2, 4), (3, 4)]
    d = 16
    assert g.memory[1] == (3 * d * d + 3 * d + d * d + d) * 4
    assert g.out_bytes[1] == 2 * 5 * d * 4
    assert (g.cpu_ms > 0).all()


def test_training_graph_colocation_and_memory(models):
    opts = TorchOptions(granularity="layer", depth=1, training=True, optimizer="adam", **FAST)
    g = import_torch(f"{models}:block", opts).graph
    n = 5
    assert g.num_nodes == 2 * n and g.backward.tolist() == [False] * n + [True] * n
    assert g.color[:n].tolist() == g.color[n:].tolist() and len(set(g.color[:n].tolist())) == n
    fwd = [(u, v) for u, v in g.edges if u < n and v < n]
    for u, v in fwd:
        assert (n + v, n + u) in g.edges
    assert all((i, n + i) in g.edges for i in range(n))
    assert (g.cpu_ms[n:] > 0).all()
    weights = np.array([2 * 16 * 4, (4 * 16 * 16 + 4 * 16) * 4, 0, (16 * 64 * 2 + 64 + 16) * 4, 0])
    assert g.memory[n:].tolist() == (3 * weights).tolist()  # gradients + two Adam moments
    assert (g.memory[:n] >= weights).all()  # weights and stored activations
    w = to_workload(g, get_link("pcie4"))
    sol = solve(w, Cluster(accelerators=2, cpus=1), "dp", progress=False)
    dev = sol.placement.device
    assert all(dev[i] == dev[n + i] for i in range(n))
    assert sol.value == pytest.approx(evaluate(w, Cluster(accelerators=2, cpus=1), sol.placement).max_load)


def test_linear_estimate_matches_flops(models):
    g = import_torch(f"{models}:big_linear", TorchOptions(granularity="op", profile=(), estimate="h100-sxm",
                                                          dtype="bf16")).graph
    dev = get_device("h100-sxm")
    assert g.acc_ms[0] == pytest.approx(1e3 * 2 * 4096 * 1024 * 2048 / dev.matrix["bf16"])
    assert g.memory[0] == 1024 * 2048 * 2


def test_errors_are_one_line(models, capsys, tmp_path):
    with pytest.raises(PipesplitError, match="does not export"):
        import_torch(f"{models}:branchy", TorchOptions(**FAST))
    with pytest.raises(PipesplitError, match="failed .*no such checkpoint"):
        import_torch(f"{models}:broken", TorchOptions(**FAST))
    with pytest.raises(PipesplitError, match="has no function 'nope'"):
        import_torch(f"{models}:nope", TorchOptions(**FAST))
    capsys.readouterr()
    assert main(["import", "torch", "no_such_module_xyz:f", "-o", str(tmp_path / "w.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot import no_such_module_xyz" in err
    assert main(["import", "torch", f"{models}:branchy", "-o", str(tmp_path / "w.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not export" in err


def test_cli_layer_training_solves(models, tmp_path, capsys):
    out = tmp_path / "w.json"
    assert main(["import", "torch", f"{models}:block", "-o", str(out), "--depth", "1", "--training",
                 "--estimate", "a100-80gb", "--runs", "2", "--warmup", "1"]) == 0
    w, cluster = load_workload(out)
    assert w.is_training and cluster.memory == get_device("a100-80gb").memory_bytes
    assert main(["solve", str(out), "-q", "-k", "2", "--link", "nvlink"]) == 0
    assert "max load" in capsys.readouterr().out


def test_workload_records_the_exported_operators_of_each_node(models, tmp_path):
    from pipesplit.formats import read_json
    from pipesplit.frontends.graph import torch_nodes_of

    out = tmp_path / "block.json"
    assert main(["import", "torch", f"{models}:block", "-o", str(out), "--depth", "1", "--training",
                 "--runs", "1", "--warmup", "0"]) == 0
    found = torch_nodes_of(read_json(out))
    names = [found[i] for i in sorted(found)]
    assert len(names) == 10 and all(names[:5]) and names[5:] == [[]] * 5  # backward nodes stand for no operator
    assert names[0] == ["layer_norm"]
    flat = [x for group in names for x in group]
    assert len(flat) == len(set(flat))
    assert torch_nodes_of(read_json(out)) is not None and torch_nodes_of({"nodes": [{"id": 0}]}) is None
