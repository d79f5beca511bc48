"""The ONNX frontend on tiny models built here: structure, bytes, profiled times, estimates, errors, solving."""

from __future__ import annotations

import re

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from pipesplit.cli import main  # noqa: E402
from pipesplit.cluster import Cluster  # noqa: E402
from pipesplit.errors import PipesplitError  # noqa: E402
from pipesplit.formats import load_workload  # noqa: E402
from pipesplit.frontends import onnx_models  # noqa: E402
from pipesplit.frontends.catalog import get_device, get_link, transfer_ms  # noqa: E402
from pipesplit.frontends.graph import to_workload  # noqa: E402
from pipesplit.frontends.onnx import OnnxOptions, ShapeBinding, import_onnx  # noqa: E402
from pipesplit.placement import evaluate  # noqa: E402
from pipesplit.solvers import solve  # noqa: E402

FAST = dict(warmup=1, runs=3)


def save(model, tmp_path, name="m.onnx"):
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def producer_edges(model) -> set[tuple[str, str]]:
    """(producer, consumer) node-name pairs of a model, counted independently of the frontend."""
    made = {o: n.name for n in model.graph.node if n.op_type != "Constant" for o in n.output}
    return {(made[x], n.name) for n in model.graph.node if n.op_type != "Constant" for x in n.input if x in made}


def test_mlp_structure_bytes_and_times(tmp_path):
    model = onnx_models.mlp([8, 16, 4])
    r = import_onnx(save(model, tmp_path), OnnxOptions(binding=ShapeBinding(batch=3), **FAST))
    g = r.graph
    assert g.names == [n.name for n in model.graph.node]
    assert g.op_types == ["MatMul", "Add", "Relu", "MatMul", "Add"]
    assert len(set(g.edges)) == 4
    assert g.out_bytes.tolist() == [3 * 16 * 4] * 3 + [3 * 4 * 4] * 2
    assert g.memory.tolist() == [8 * 16 * 4, 16 * 4, 0, 16 * 4 * 4, 4 * 4]
    assert (g.cpu_ms > 0).all() and r.model_cpu_ms > 0


def test_convnet_bytes_follow_shapes(tmp_path):
    model = onnx_models.convnet([3, 8, 16], image=16, classes=10)
    g = import_onnx(save(model, tmp_path), OnnxOptions(binding=ShapeBinding(batch=2), **FAST)).graph
    assert g.num_nodes == len(model.graph.node)
    assert len(set(g.edges)) == len(producer_edges(model))
    by_name = dict(zip(g.names, g.out_bytes))
    convs = [n.name for n in model.graph.node if n.op_type == "Conv"]
    pools = [n.name for n in model.graph.node if n.op_type == "MaxPool"]
    assert by_name[convs[0]] == 2 * 8 * 16 * 16 * 4
    assert by_name[pools[0]] == 2 * 8 * 8 * 8 * 4
    assert by_name[convs[1]] == 2 * 16 * 8 * 8 * 4
    assert g.memory[g.names.index(convs[1])] == (16 * 8 * 9 + 16) * 4


def test_transformer_block_counts_and_attention_bytes(tmp_path):
    model = onnx_models.transformer_encoder(layers=1, hidden=32, heads=4, vocab=50)
    r = import_onnx(save(model, tmp_path), OnnxOptions(binding=ShapeBinding(batch=2, seq_len=8), **FAST))
    g = r.graph
    assert g.num_nodes == len(model.graph.node)
    assert set(g.edges) == {(g.names.index(a), g.names.index(b)) for a, b in producer_edges(model)}
    softmax = g.op_types.index("Softmax")
    assert g.out_bytes[softmax] == 2 * 4 * 8 * 8 * 4  # batch x heads x seq x seq floats
    emb = g.names.index(next(n.name for n in model.graph.node if "input_ids" in n.input and n.op_type == "Gather"))
    assert g.memory[emb] == 50 * 32 * 4
    assert (g.cpu_ms > 0).all()
    assert (g.acc_ms == g.cpu_ms).all() and any("accelerator time = CPU time" in x for x in g.notes)


def test_constant_nodes_are_weights(tmp_path):
    w = numpy_helper.from_array(np.ones((4, 4), np.float32), "w")
    nodes = [helper.make_node("Constant", [], ["c"], name="const", value=w),
             helper.make_node("MatMul", ["x", "c"], ["y"], name="mm")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    r = import_onnx(save(m, tmp_path), OnnxOptions(**FAST))
    assert r.graph.names == ["mm"] and r.graph.memory.tolist() == [64.0]


def test_data_dependent_shapes_come_from_a_run(tmp_path):
    nodes = [helper.make_node("NonZero", ["x"], ["nz"], name="nz"),
             helper.make_node("Transpose", ["nz"], ["t"], name="t", perm=[1, 0]),
             helper.make_node("Cast", ["t"], ["y"], name="cast", to=TensorProto.FLOAT)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    r = import_onnx(save(m, tmp_path), OnnxOptions(**FAST))
    # random normal input: all 15 entries are non-zero, so NonZero gives 2 x 15 int64
    assert r.graph.out_bytes.tolist() == [2 * 15 * 8, 15 * 2 * 8, 15 * 2 * 4]


def test_matmul_estimate_matches_flops_on_catalog_figures(tmp_path):
    m_, k_, n_ = 512, 1024, 2048
    model = onnx_models.mlp([k_, n_], batch=m_)
    g = import_onnx(save(model, tmp_path), OnnxOptions(profile=(), estimate="a100-80gb", dtype="fp16")).graph
    dev = get_device("a100-80gb")
    flops = 2 * m_ * k_ * n_
    assert dev.matrix["fp16"] == 312e12
    assert g.acc_ms[0] == pytest.approx(1e3 * flops / dev.matrix["fp16"])
    assert g.memory[0] == k_ * n_ * 2  # fp16 weights
    # the Add is memory bound: read and write m x n halves plus the bias
    assert g.acc_ms[1] == pytest.approx(1e3 * (2 * m_ * n_ * 2 + n_ * 2) / dev.memory_bandwidth)
    assert any("estimates on the catalog's CPU" in x for x in g.notes)


def test_binding_errors_name_the_flag(tmp_path):
    path = save(onnx_models.transformer_encoder(layers=1, hidden=16, heads=2, vocab=10), tmp_path)
    # the library names the setting, the command line its flag
    with pytest.raises(PipesplitError, match=r"'batch'.*bind it with batch N") as e:
        import_onnx(path, OnnxOptions(binding=ShapeBinding(seq_len=4), **FAST))
    assert re.search(r"'batch'.*--batch N", e.value.for_command_line())
    with pytest.raises(PipesplitError, match=r"'sequence'.*bind it with seq_len N") as e:
        import_onnx(path, OnnxOptions(binding=ShapeBinding(batch=1), **FAST))
    assert re.search(r"'sequence'.*--seq-len N", e.value.for_command_line())
    with pytest.raises(PipesplitError, match="does not take as input"):
        import_onnx(path, OnnxOptions(binding=ShapeBinding(batch=1, seq_len=4, input_shapes={"nope": (1,)}), **FAST))
    r = import_onnx(path, OnnxOptions(binding=ShapeBinding(input_shapes={"input_ids": (1, 4),
                                                                         "attention_mask": (1, 4)}), **FAST))
    assert r.graph.num_nodes == len(onnx.load(str(path)).graph.node)


def test_imported_workloads_solve(tmp_path):
    model = onnx_models.transformer_encoder(layers=2, hidden=32, heads=4, vocab=50)
    g = import_onnx(save(model, tmp_path), OnnxOptions(binding=ShapeBinding(batch=1, seq_len=8),
                                                       estimate="v100", **FAST)).graph
    w = to_workload(g, get_link("pcie3"))
    assert w.out_cost[0] == pytest.approx(transfer_ms(g.out_bytes[0], get_link("pcie3")))
    cluster = Cluster(accelerators=2, memory=get_device("v100").memory_bytes, cpus=1)
    sol = solve(w, cluster, "dp", progress=False)
    assert sol.evaluation.feasible
    assert sol.value == pytest.approx(evaluate(w, cluster, sol.placement).max_load)
    assert sol.value <= min(w.acc_time.sum(), w.cpu_time.sum()) + 1e-12


def test_cli_import_formats_presets_and_errors(tmp_path, capsys):
    path = save(onnx_models.mlp([8, 16, 4]), tmp_path)
    out = tmp_path / "w.json"
    assert main(["import", "onnx", str(path), "-o", str(out), "--batch", "2", "--runs", "2", "--warmup", "1",
                 "--estimate", "t4", "--format", "paper"]) == 0
    data = json.loads(out.read_text())
    assert len(data["nodes"]) == 5 and data["nodes"][0]["outputBytes"] == 2 * 16 * 4
    w, cluster = load_workload(out)
    assert cluster.memory == get_device("t4").memory_bytes and w.num_nodes == 5
    # --link reprices transfers from the recorded bytes; --accelerator sets the memory
    assert main(["solve", str(out), "-q", "--json", "--accelerator", "a100-80gb", "--link", "nvlink"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.onnx"
    bad.write_text("not a model")
    assert main(["import", "onnx", str(bad), "-o", str(tmp_path / "x.json")]) == 2
    assert "not an ONNX model" in capsys.readouterr().err
    assert main(["import", "onnx", str(path), "-o", str(tmp_path / "x.json")]) == 2
    assert "--batch N" in capsys.readouterr().err


def test_link_needs_recorded_bytes(tmp_path, capsys):
    doc = {"maxSizePerFPGA": 1e9, "maxFPGAs": 1, "maxCPUs": 0,
           "nodes": [{"id": 1, "supportedOnFpga": 1, "cpuLatency": 1, "fpgaLatency": 1}], "edges": []}
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc))
    assert main(["solve", str(path), "-q", "--link", "pcie4"]) == 2
    assert "output bytes" in capsys.readouterr().err


def test_an_exporters_transformer_imports_whole(tmp_path):
    """transformers' BERT (tiny configuration) exported by torch.onnx.export: Shape/Gather/Concat plumbing,
    Constant nodes and symbolic batch and sequence dimensions."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import warnings

    config = transformers.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=64, vocab_size=100, attn_implementation="eager")
    model = transformers.BertModel(config, add_pooling_layer=False).eval()

    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = model

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.zeros(1, 8, dtype=torch.long)
    path = tmp_path / "bert.onnx"
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Wrapped(), (ids, torch.ones_like(ids)), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["out"], dynamic_axes={"input_ids": axes, "attention_mask": axes},
                          opset_version=17, dynamo=False)
    exported = onnx.load(str(path))
    non_constant = [n for n in exported.graph.node if n.op_type != "Constant"]
    r = import_onnx(path, OnnxOptions(binding=ShapeBinding(batch=2, seq_len=16), **FAST))
    g = r.graph
    assert g.num_nodes == len(non_constant)
    assert (g.cpu_ms > 0).all()
    softmax = g.op_types.index("Softmax")
    assert g.out_bytes[softmax] == 2 * 4 * 16 * 16 * 4
    # shape plumbing shares its consumer's class: every Shape op is in a class, some with the Reshape it feeds
    shape_nodes = [k for k, t in enumerate(g.op_types) if t == "Shape"]
    assert shape_nodes and all(g.color[k] >= 0 for k in shape_nodes)
    assert any("Reshape" in [g.op_types[m] for m in np.flatnonzero(g.color == g.color[k])] for k in shape_nodes)
    assert (g.color[[k for k, t in enumerate(g.op_types) if t == "MatMul"]] < 0).all()
    w = to_workload(g, get_link("pcie4"))
    sol = solve(w, Cluster(accelerators=2, cpus=1), "dp-linear", progress=False)
    assert sol.evaluation.feasible
    plain = import_onnx(path, OnnxOptions(binding=ShapeBinding(batch=2, seq_len=16), colocate_plumbing=False,
                                          **FAST)).graph
    assert plain.color is None


def test_plumbing_classes_in_a_built_transformer(tmp_path):
    model = onnx_models.transformer_encoder(layers=1, hidden=16, heads=2, vocab=10)
    g = import_onnx(save(model, tmp_path), OnnxOptions(binding=ShapeBinding(batch=1, seq_len=4), **FAST)).graph
    by_name = {n.name: n for n in model.graph.node}
    classes = {}
    for k, name in enumerate(g.names):
        if g.color[k] >= 0:
            classes.setdefault(int(g.color[k]), []).append(by_name[name].op_type)
    # Shape(input_ids) -> Gather -> Unsqueeze end in the Slice of the position table
    assert any({"Shape", "Gather", "Unsqueeze", "Slice"} <= set(c) for c in classes.values())
    # float data ops (MatMul, Softmax, LayerNormalization) stay free
    free = {g.op_types[k] for k in range(g.num_nodes) if g.color[k] < 0}
    assert {"MatMul", "Softmax", "LayerNormalization"} <= free
