"""Export: the layer-stack mapping, each format against its documented grammar (always) and against the
engine's own parser or loader where it is installed, and ``pipesplit export``."""

from __future__ import annotations

import doctest
import importlib
import json
import re

import pytest

from pipesplit import Cluster, evaluate
from pipesplit.cli import main
from pipesplit.errors import PipesplitError
from pipesplit.export import FORMATS, export_split, layer_stack
from pipesplit.export.megatron import compress
from pipesplit.formats.native import split_to_native, workload_to_native
from transformers_fixture import split, transformer

STARTS = [7, 13, 19]  # 24 layers on 4 stages: 0-6, 7-12, 13-18, 19-23


# ---------------------------------------------------------------- grammars, from the engines' documentation


def megatron_layout(text: str) -> list[str]:
    """Megatron's layout grammar: commas are cosmetic, ``(...)*n`` repeats a group, ``x*n`` a symbol, ``|``
    splits stages; symbols E, t, m, L."""
    text = text.replace(",", "")
    text = re.sub(r"\(([^()]+)\)\*(\d+)", lambda m: m.group(1) * int(m.group(2)), text)
    text = re.sub(r"(.)\*(\d+)", lambda m: m.group(1) * int(m.group(2)), text)
    stages = text.split("|")
    assert all(set(s) <= set("EtmL") for s in stages), text
    return stages


def check_megatron(text: str, stages: int, layers: int) -> list[str]:
    flags = dict(re.findall(r"--([a-z-]+) (\"[^\"]*\"|\S+)", text.splitlines()[0]))
    assert int(flags["pipeline-model-parallel-size"]) == stages and int(flags["num-layers"]) == layers
    parsed = megatron_layout(flags["pipeline-model-parallel-layout"].strip('"'))
    flat = "".join(parsed)
    assert len(parsed) == stages and flat[0] == "E" and flat[-1] == "L"
    assert flat.count("E") == flat.count("L") == 1 and flat.count("t") == layers
    return parsed


def check_vllm(text: str, stages: int, layers: int) -> list[tuple[int, int]]:
    """vLLM: comma-separated integers, one per stage, summing to the layer count; stage r gets a range."""
    value = re.search(r"^export VLLM_PP_LAYER_PARTITION=(\S+)$", text, re.M).group(1)
    counts = [int(x) for x in value.split(",")]
    assert len(counts) == stages and sum(counts) == layers and min(counts) >= 0
    return [(sum(counts[:r]), sum(counts[: r + 1])) for r in range(stages)]


def check_torchtitan(text: str, stages: int) -> list[list[str]]:
    """torchtitan: parallelism.module_fqns_per_model_part, a list per model part of module FQN strings."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    parts = tomllib.loads(text)["parallelism"]["module_fqns_per_model_part"]
    assert len(parts) == stages and all(p and all(isinstance(f, str) for f in p) for p in parts)
    flat = [f for p in parts for f in p]
    assert len(flat) == len(set(flat))
    return parts


def check_deepspeed(text: str, stages: int, num_layers: int) -> list[int]:
    """DeepSpeed: parts has stages + 1 non-decreasing boundaries from 0 to the number of LayerSpecs."""
    parts = json.loads(re.search(r"^parts = (\[.*\])$", text, re.M).group(1))
    assert len(parts) == stages + 1 and parts[0] == 0 and parts[-1] == num_layers
    assert parts == sorted(parts)
    return parts


def check_torch(text: str, stages: int) -> dict:
    """torch: Python text binding split_spec to module paths -> SplitPoint.BEGINNING, one per later stage."""
    entries = re.findall(r"^    '([\w.]+)': SplitPoint\.BEGINNING,$", text, re.M)
    assert len(entries) == stages - 1 and "split_spec = {" in text
    return entries


# ---------------------------------------------------------------- a 24-layer transformer over 4 stages


def test_every_format_of_a_24_layer_split_over_4_stages_is_well_formed():
    w = transformer(24)
    placement = split(w, STARTS)
    stack = layer_stack(w, placement)
    assert stack.prefix == "transformer.h" and stack.num_layers == 24
    assert [list(st.layers) for st in stack.stages] == [list(range(0, 7)), list(range(7, 13)),
                                                        list(range(13, 19)), list(range(19, 24))]
    assert stack.stages[0].embedding == ["transformer.wte", "transformer.wpe"]
    assert stack.stages[3].head == ["transformer.ln_f", "lm_head"]
    out = {to: export_split(w, placement, to) for to in FORMATS}
    assert check_torch(out["torch"], 4) == ["transformer.h.7", "transformer.h.13", "transformer.h.19"]
    assert check_megatron(out["megatron"], 4, 24) == ["E" + "t" * 7, "t" * 6, "t" * 6, "t" * 5 + "L"]
    assert "--decoder-first-pipeline-num-layers 7 --decoder-last-pipeline-num-layers 5" in out["megatron"]
    assert check_vllm(out["vllm"], 4, 24) == [(0, 7), (7, 13), (13, 19), (19, 24)]
    parts = check_torchtitan(out["torchtitan"], 4)
    assert parts[0][:3] == ["transformer.wte", "transformer.wpe", "transformer.h.0"]
    assert parts[3][-2:] == ["transformer.ln_f", "lm_head"]
    assert check_deepspeed(out["deepspeed"], 4, 2 + 24 + 2) == [0, 9, 15, 21, 28]


def test_the_bundled_bert_large_split_exports_to_every_format():
    """BERT-large (24 layers, no head) as the exact program splits it over 4 accelerators."""
    from pipesplit.formats import load_workload
    from pipesplit.solvers.dp import dp_split

    w, cluster = load_workload("examples/bert-large/layers-inference.json")
    placement = dp_split(w, Cluster(4, cluster.memory, 0)).placement
    stack = layer_stack(w, placement)
    assert stack.prefix == "encoder.layer" and stack.stages[0].embedding == ["embeddings"]
    out = {to: export_split(w, placement, to) for to in FORMATS}
    counts = [len(st.layers) for st in stack.stages]
    assert [len(s.replace("E", "").replace("L", "")) for s in check_megatron(out["megatron"], 4, 24)] == counts
    assert [b - a for a, b in check_vllm(out["vllm"], 4, 24)] == counts
    assert check_torch(out["torch"], 4) == [f"encoder.layer.{st.layers.start}" for st in stack.stages[1:]]
    assert check_deepspeed(out["deepspeed"], 4, 25)[1] == 1 + counts[0]
    assert check_torchtitan(out["torchtitan"], 4)[0][0] == "embeddings"


def test_head_alone_on_the_last_stage():
    w = transformer(24)
    placement = split(w, [8, 16, 24])  # last stage: ln_f and lm_head only
    out = {to: export_split(w, placement, to) for to in FORMATS}
    assert check_megatron(out["megatron"], 4, 24)[-1] == "L"
    assert "decoder-first" not in out["megatron"]  # the last stage has no decoder layer
    assert check_vllm(out["vllm"], 4, 24)[-1] == (24, 24)
    assert check_torch(out["torch"], 4)[-1] == "transformer.ln_f"


def test_megatron_compression_round_trips():
    for stages in (["Et", "t", "t", "tL"], ["E", "", "t", "tL"], ["Ettt", "ttt", "ttt", "ttt", "tL"],
                   ["EtL"], ["Et", "tt", "tt", "tt", "ttL"], ["E", "t", "t", "L"]):
        assert megatron_layout(compress(stages)) == stages, compress(stages)
    assert compress(["E" + "t" * 6] + ["t" * 6] * 2 + ["t" * 6 + "L"]) == "Et*6|(t*6|)*2t*6L"


# ---------------------------------------------------------------- the engines' own parsers, where installed


def test_megatron_parser_accepts_the_layout():
    layout_mod = pytest.importorskip("megatron.core.transformer.pipeline_parallel_layer_layout")
    from megatron.core.transformer.enums import LayerType

    for starts in (STARTS, [8, 16, 24], [1, 2, 3]):
        w = transformer(24)
        text = export_split(w, split(w, starts), "megatron")
        value = re.search(r'--pipeline-model-parallel-layout "([^"]+)"', text).group(1)
        layout = layout_mod.PipelineParallelLayerLayout(value, 4)
        layout.validate_layer_layout(num_layers=24, mtp_num_layers=0)
        stack = layer_stack(w, split(w, starts))
        for r, st in enumerate(stack.stages):
            assert layout.get_num_layers_to_build(LayerType.decoder, pp_rank=r) == len(st.layers)
            assert layout.get_layer_offset(LayerType.decoder, pp_rank=r) == st.layers.start or not st.layers


def test_torchtitan_splitter_keeps_each_parts_modules():
    pp = pytest.importorskip("torchtitan.distributed.pipeline_parallel")
    import torch.nn as nn

    class Llama(nn.Module):
        def __init__(self, n: int):
            super().__init__()
            self.tok_embeddings = nn.Embedding(8, 4)
            self.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(n))
            self.norm = nn.LayerNorm(4)
            self.output = nn.Linear(4, 8)

    w = transformer(24, style="llama")
    parts = check_torchtitan(export_split(w, split(w, STARTS), "torchtitan"), 4)
    model = Llama(24)
    kept = [pp._split_module(model, names) for names in parts]
    assert [len(k.layers) for k in kept] == [7, 6, 6, 5]
    assert kept[0].tok_embeddings is not None and kept[1].tok_embeddings is None
    assert kept[3].output is not None and kept[2].output is None and kept[3].norm is not None


def test_deepspeed_pipeline_module_uses_the_parts():
    pytest.importorskip("deepspeed.pipe")
    w = transformer(24)
    text = export_split(w, split(w, STARTS), "deepspeed")
    namespace: dict = {}
    exec(text, namespace)
    cls = namespace["SplitPipelineModule"]
    for stage in range(4):
        module = cls.__new__(cls)  # the partitioning alone, without a process group
        module._layer_specs, module.num_stages, module.global_rank = [None] * 28, 4, 0
        module._topo = type("Topo", (), {"get_coord": lambda self, rank, s=stage: type("C", (), {"pipe": s})()})()
        module._partition_layers()
        assert (module._local_start, module._local_stop) == tuple(namespace["parts"][stage:stage + 2])


@pytest.mark.parametrize("starts", [STARTS, [8, 16, 24]])  # the second puts the head alone on the last stage
def test_torch_pipelining_builds_the_stages(starts):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from torch.distributed.pipelining import pipeline

    w = transformer(24)
    text = export_split(w, split(w, starts), "torch")
    namespace: dict = {}
    exec(text, namespace)
    config = transformers.GPT2Config(n_layer=24, n_embd=16, n_head=2, vocab_size=64, n_positions=16,
                                     bos_token_id=0, eos_token_id=0, use_cache=False)
    model = transformers.GPT2LMHeadModel(config).eval()
    pipe = pipeline(model, (torch.randint(0, 64, (1, 8)),), split_spec=namespace["split_spec"])
    assert pipe.num_stages == 4
    held = [sorted(int(m.group(1)) for name, _ in pipe.get_stage_module(s).named_modules()
                   if (m := re.fullmatch(r"transformer\.h\.(\d+)", name))) for s in range(4)]
    bounds = [0, *starts, 24]
    assert held == [list(range(a, b)) for a, b in zip(bounds, bounds[1:])]
    assert "lm_head" in dict(pipe.get_stage_module(3).named_modules())


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("stage_of,fragment", [
    ({"transformer.h.9": 2}, "stage acc1 holds layers 7-8, 10-12: not a run of consecutive layers"),
    ({"transformer.h.6": 2}, "stage acc2 holds layers 6, 13-18: not a run of consecutive layers"),
    ({"transformer.wpe": 1}, "the embedding is split across stages acc0, acc1"),
    ({"lm_head": 2}, "the head module lm_head is on stage acc2, before the head module transformer.ln_f on stage acc3"),
])
def test_a_split_that_is_not_layer_contiguous_is_refused(stage_of, fragment):
    w = transformer(24)
    with pytest.raises(PipesplitError) as e:
        layer_stack(w, split(w, STARTS, stage_of))
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_vllm_refuses_an_embedding_off_the_first_stage():
    w = transformer(24)
    placement = split(w, STARTS, {"transformer.wte": 1, "transformer.wpe": 1, "glue": 1,  # only the mask on acc0
                                  **{f"transformer.h.{i}": 1 for i in range(7)}})
    with pytest.raises(PipesplitError, match="vLLM keeps the embedding on the first stage"):
        export_split(w, placement, "vllm")
    assert check_megatron(export_split(w, placement, "megatron"), 4, 24)[:2] == ["", "E" + "t" * 13]
    with pytest.raises(PipesplitError, match="holds no module"):
        export_split(w, placement, "torch")


def test_a_workload_without_module_paths_is_refused():
    w = transformer(4)
    w.layer = None
    with pytest.raises(PipesplitError, match="no module paths"):
        layer_stack(w, split(transformer(4), [2]))


@pytest.mark.parametrize("module", ["pipesplit.export", "pipesplit.export.megatron", "pipesplit.export.stack"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and result.failed == 0


# ---------------------------------------------------------------- the command


def write_split(tmp_path, w, placement):
    cluster = Cluster(placement.accelerators)
    wpath, spath = tmp_path / "w.json", tmp_path / "s.json"
    wpath.write_text(json.dumps(workload_to_native(w, cluster)))
    spath.write_text(json.dumps(split_to_native(w, placement, evaluate(w, cluster, placement))))
    return wpath, spath


def test_cli_writes_every_format(capsys, tmp_path):
    w = transformer(24)
    wpath, spath = write_split(tmp_path, w, split(w, STARTS))
    for to in FORMATS:
        assert main(["export", str(spath), "--workload", str(wpath), "--to", to]) == 0
        assert capsys.readouterr().out == export_split(w, split(w, STARTS), to)
    out = tmp_path / "layout.txt"
    assert main(["export", str(spath), "--workload", str(wpath), "--to", "vllm", "-o", str(out)]) == 0
    assert check_vllm(out.read_text(), 4, 24)[0] == (0, 7)


def test_cli_refuses_a_non_contiguous_split_in_one_line(capsys, tmp_path):
    w = transformer(24)
    wpath, spath = write_split(tmp_path, w, split(w, STARTS, {"transformer.h.9": 2}))
    out = tmp_path / "spec.py"
    code = main(["export", str(spath), "--workload", str(wpath), "--to", "megatron", "-o", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 2 and stdout == "" and err.count("\n") == 1
    assert err.startswith("pipesplit: error: stage acc1 holds layers 7-8, 10-12") and not out.exists()


def test_cli_refuses_a_bundled_operator_graph_split_inside_a_layer(capsys, tmp_path):
    """The bundled GPT-2 operator graph, split in the middle of block 5."""
    import numpy as np

    from pipesplit import Placement
    from pipesplit.formats import load_workload

    path = "examples/gpt2/ops-inference.json"
    w, _ = load_workload(path)
    order = w.topological_order
    inside = [k for k in order.tolist() if (w.layer[k] or "").startswith("transformer.h.5.")]
    cut = order.tolist().index(inside[len(inside) // 2])
    device = np.zeros(w.num_nodes, dtype=np.int64)
    device[order[cut:]] = 1
    wpath, spath = write_split(tmp_path, w, Placement(device, accelerators=2, cpus=0))
    code = main(["export", str(spath), "--workload", path, "--to", "torch"])
    _, err = capsys.readouterr()
    assert code == 2 and "layer 5 (transformer.h.5) is split across stages acc0, acc1" in err


def test_a_training_split_maps_by_its_forward_nodes():
    """The bundled GPT-2 training layer graph (backward nodes colocated with their forward nodes)."""
    from pipesplit.formats import load_workload
    from pipesplit.solvers.dp import dp_split

    w, cluster = load_workload("examples/gpt2/layers-training.json")
    placement = dp_split(w, Cluster(4, cluster.memory, 0)).placement
    stack = layer_stack(w, placement)
    assert stack.prefix == "transformer.h" and stack.num_layers == 12
    assert stack.stages[0].embedding[0] == "transformer.wte" and stack.stages[-1].head[-1] == "lm_head"
    assert [b - a for a, b in check_vllm(export_split(w, placement, "vllm"), 4, 12)] == \
        [len(st.layers) for st in stack.stages]
