"""Import and profiling times of the frontends, and how much of the whole-model CPU time the per-node
profile explains.

For each bundled model (``examples/models/factories.py``: BERT-large, GPT-2, ResNet-50 from ``transformers``
configurations) it imports the model with ``--profile cpu`` at layer and operator granularity and prints the
import time, the profiling time, the sum of the per-node CPU times (medians over runs) and the measured
whole-model CPU time (an eager forward pass, timed between the profiled passes so that both see the same
machine load; its median), their ratio, and the median over runs of each run's ratio (robust to a machine
load that drifts between runs). For
ONNX it builds a BERT-base-sized encoder (12 layers, hidden 768, symbolic batch and sequence) with
onnx.helper, and, where torch and transformers are installed, exports transformers' BERT-base with
``torch.onnx.export`` (an exporter's graph, with its Shape/Gather/Concat plumbing), then imports each with
``--batch 1 --seq-len 128``: import+profile time, nodes present, nodes timed above zero, and the same
explanation ratio. All profiling is single-threaded (the cost model's CPU device is one core).

    python benchmarks/import.py                  # everything (several minutes)
    python benchmarks/import.py --only onnx      # the ONNX models only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples" / "models"))

BUNDLED = {"bert-large": ("bert_large", 3), "gpt2": ("gpt2", 3), "resnet50": ("resnet50", 6)}


def row(name: str, granularity: str, nodes: int, seconds: float, profile_s: float, node_sum: float,
        whole: float, paired: float, **extra) -> dict:
    r = {"model": name, "granularity": granularity, "nodes": nodes, "import_s": round(seconds, 2),
         "profile_s": round(profile_s, 2), "node_sum_ms": round(node_sum, 3), "whole_model_ms": round(whole, 3),
         "explained": round(node_sum / whole, 3), "explained_per_run": round(paired, 3)}
    r.update(extra)
    return r


def bench_torch(runs: int, warmup: int) -> list[dict]:
    from pipesplit.frontends.torch import TorchOptions, import_torch

    rows = []
    factories = ROOT / "examples" / "models" / "factories.py"
    for name, (factory, depth) in BUNDLED.items():
        for granularity in ("layer", "op"):
            r = import_torch(f"{factories}:{factory}", TorchOptions(granularity=granularity, depth=depth,
                                                                   profile=("cpu",), runs=runs, warmup=warmup))
            rows.append(row(name, granularity, r.graph.num_nodes, r.seconds, r.profile_seconds, r.forward_cpu_ms,
                            r.model_cpu_ms, r.explained))
            print_row(rows[-1])
    return rows


def export_hf_bert_base(path: Path) -> bool:
    """transformers' BERT-base exported by torch.onnx.export, or False without torch/transformers."""
    import importlib.util
    import warnings

    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None:
        return False
    import torch

    import factories

    model, inputs = factories.bert_base()
    model.eval()

    class Wrapped(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    dyn = {"batch": 0, "sequence": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Wrapped(model), (inputs["input_ids"], inputs["attention_mask"]), str(path),
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": {v: k for k, v in dyn.items()},
                                        "attention_mask": {v: k for k, v in dyn.items()}},
                          opset_version=17, dynamo=False)
    return True


def bench_onnx(runs: int, warmup: int) -> list[dict]:
    import onnx

    from pipesplit.frontends import onnx_models
    from pipesplit.frontends.onnx import OnnxOptions, ShapeBinding, import_onnx

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        models = {}
        built = Path(tmp) / "bert_base_like.onnx"
        onnx.save(onnx_models.transformer_encoder(layers=12, hidden=768, heads=12, ffn=3072, vocab=30522), str(built))
        models["onnx bert-base (onnx.helper)"] = built
        exported = Path(tmp) / "hf_bert_base.onnx"
        if export_hf_bert_base(exported):
            models["onnx bert-base (torch.onnx.export)"] = exported
        for name, path in models.items():
            m = onnx.load(str(path), load_external_data=False)
            non_constant = sum(1 for n in m.graph.node if n.op_type != "Constant")
            del m
            t = time.perf_counter()
            r = import_onnx(path, OnnxOptions(binding=ShapeBinding(batch=1, seq_len=128), runs=runs, warmup=warmup))
            seconds = time.perf_counter() - t
            g = r.graph
            rows.append(row(name, "op", g.num_nodes, seconds, r.profile_seconds, float(g.cpu_ms.sum()),
                            r.model_cpu_ms, r.explained, non_constant_onnx_nodes=non_constant,
                            present=round(g.num_nodes / non_constant, 3),
                            timed_above_zero=round(float((g.cpu_ms > 0).mean()), 3),
                            below_resolution=int((g.cpu_ms < 1e-3).sum())))
            print_row(rows[-1])
    return rows


def print_row(r: dict) -> None:
    extra = "".join(f"  {k}={r[k]}" for k in ("present", "timed_above_zero", "below_resolution") if k in r)
    print(f"{r['model']:<36} {r['granularity']:<5} {r['nodes']:>5} nodes  import {r['import_s']:>6.1f} s "
          f"(profile {r['profile_s']:>5.1f} s)  per-node sum {r['node_sum_ms']:>9.2f} ms  whole model "
          f"{r['whole_model_ms']:>9.2f} ms  explained {100 * r['explained']:5.1f}% (per run "
          f"{100 * r['explained_per_run']:5.1f}%){extra}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=("onnx", "torch"), help="only one frontend")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--json", type=Path, help="also write the rows here")
    args = p.parse_args()
    os.environ.setdefault("PIPESPLIT_SEQ_LEN", "128")
    rows = []
    if args.only in (None, "onnx"):
        rows += bench_onnx(args.runs, args.warmup)
    if args.only in (None, "torch"):
        rows += bench_torch(args.runs, args.warmup)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
