"""How well the cost model predicts a real pipeline: predicted against measured time per sample.

For a GPT-2-like and a BERT-like model (``transformers`` configurations: 4 layers, hidden 256, 128 tokens;
random weights, nothing downloaded) and a CNN whose skip connections cross several stages, each imported
with the PyTorch importer at layer and operator granularity (CPU times profiled single-threaded), it
solves for 2 and 3 CPU processes (``pipesplit.solvers.solve``, each process an accelerator whose node
times are the CPU times), runs each split with ``pipesplit run``'s engine and prints the predicted and
measured ms per sample and their ratio (target: within 15%), with the stages' measured busy time (in
forward and backward calls) against their predicted compute, which shows how much slower the stages ran
than the profile did.

    python benchmarks/fidelity.py                      # inference, every case (about 15 minutes on 2 cores)
    python benchmarks/fidelity.py --training --stages 2
    python benchmarks/fidelity.py --only gpt2 --json

The machine's cores are the pipeline's devices: a run is only as quiet as the machine, and 3 processes on
2 cores share cores, so a 3-stage run measures time-sliced stages, not the 3 devices the model predicts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipesplit import Cluster  # noqa: E402
from pipesplit.formats import write_json  # noqa: E402
from pipesplit.formats.native import split_to_native  # noqa: E402
from pipesplit.frontends.catalog import get_link  # noqa: E402
from pipesplit.frontends.graph import to_workload, write_workload  # noqa: E402
from pipesplit.frontends.torch import TorchOptions, import_torch  # noqa: E402
from pipesplit.placement import evaluate  # noqa: E402
from pipesplit.runtime import RunOptions, run_pipeline  # noqa: E402
from pipesplit.runtime.simulate import ScheduleOptions, simulate_stages  # noqa: E402
from pipesplit.runtime.stages import Stage, pipeline_stages  # noqa: E402
from pipesplit.solvers import solve  # noqa: E402

SEQ = 128


def gpt2_like():
    """GPT-2 with 4 layers, hidden 256, 4 heads, vocabulary 4096, 128 tokens."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(n_layer=4, n_embd=256, n_head=4, n_positions=SEQ, vocab_size=4096, bos_token_id=0,
                        eos_token_id=0, attn_implementation="sdpa", use_cache=False)
    return GPT2LMHeadModel(config), {"input_ids": torch.randint(0, 4096, (1, SEQ))}


def bert_like():
    """BERT with 4 layers, hidden 256, 4 heads, FFN 1024, 128 tokens."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(num_hidden_layers=4, hidden_size=256, num_attention_heads=4, intermediate_size=1024,
                        vocab_size=4096, max_position_embeddings=SEQ, pad_token_id=0, attn_implementation="sdpa")
    return BertModel(config, add_pooling_layer=False), {"input_ids": torch.randint(0, 4096, (1, SEQ)),
                                                         "attention_mask": torch.ones(1, SEQ, dtype=torch.long)}


def skip_cnn_like():
    """The skip-connection CNN of ``examples/models/factories.py``, width 32, on a 64x64 image."""
    sys.path.insert(0, str(ROOT / "examples" / "models"))
    from factories import SkipCNN

    torch.manual_seed(0)
    return SkipCNN(width=32), (torch.randn(1, 3, 64, 64),)


MODELS = {"gpt2": ("gpt2_like", 3), "bert": ("bert_like", 3), "skip-cnn": ("skip_cnn_like", 1)}


def spec_of(model: str) -> str:
    return f"{Path(__file__).resolve()}:{MODELS[model][0]}"


def imported(model: str, granularity: str, args):
    """The model's graph and workload (CPU times profiled single-threaded, as the cost model's devices)."""
    opts = TorchOptions(granularity=granularity, depth=MODELS[model][1], training=args.training,
                        runs=args.profile_runs, warmup=2)
    graph = import_torch(spec_of(model), opts).graph
    return graph, to_workload(graph, get_link("pcie4"))


def case(tmp: Path, model: str, granularity: str, stages: int, graph, workload, args) -> dict:
    """Solve and run one case; its row."""
    spec = spec_of(model)
    cluster = Cluster(accelerators=stages, cpus=0)
    solution = solve(workload, cluster, "auto")
    wpath, spath = tmp / f"{model}-{granularity}.json", tmp / f"{model}-{granularity}-{stages}.json"
    write_workload(wpath, workload, cluster, graph.out_bytes, sources=graph.sources)
    write_json(spath, split_to_native(workload, solution.placement, evaluate(workload, cluster, solution.placement)))
    report = run_pipeline(spec, spath, wpath, RunOptions(microbatches=args.microbatches, repeats=args.repeats,
                                                         training=args.training, schedule=args.schedule))
    measured, predicted = report.measured_ms_per_sample, report.predicted_ms_per_sample
    steps = {m: statistics.median(t) for m, t in report.step_ms.items()}  # median over the repeats
    simulated = simulated_steps(report, workload, cluster, solution.placement, args)
    ratio = measured / predicted if measured is not None and predicted > 0 else float("nan")
    return {"model": model, "granularity": granularity, "stages": stages, "nodes": workload.num_nodes,
            "outputs_match": report.outputs_match, "checks_match": bool(report.check.get("match")),
            "predicted_ms": predicted, "measured_ms": measured, "ratio": ratio,
            "within_15pct": abs(ratio - 1) <= 0.15,
            "latency_ms": report.link.latency_ms if report.link else None,
            "bandwidth_gb_s": report.link.bandwidth_gb_s if report.link else None,
            "busy_ms": [s.measured_busy_ms for s in report.stages],
            "loads_ms": [s.predicted_load_ms for s in report.stages],
            "compute_ms": [s.predicted_compute_ms for s in report.stages],
            "step_ms": steps, "simulated_step_ms": simulated,
            "simulate_within_10pct": all(abs(simulated[m] / t - 1) <= 0.10 for m, t in steps.items())}


def simulated_steps(report, workload, cluster, placement, args) -> dict[int, float]:
    """The schedule simulator's step time, per micro-batch count the run timed, over the stages' measured
    busy times (forward and backward in the cost model's proportions) plus their predicted transfers."""
    share = [st.forward / st.load if st.load > 0 else 1.0 for st in pipeline_stages(workload, cluster, placement)]
    stages = []
    for k, st in enumerate(report.stages):  # both in pipeline order
        busy = (st.measured_busy_ms or 0.0) + st.predicted_transfer_in_ms + st.predicted_transfer_out_ms
        stages.append(Stage(k, st.device, busy * share[k], busy * (1 - share[k])))
    return {m: simulate_stages(stages, ScheduleOptions(args.schedule, microbatches=m),
                               training=args.training).step_time for m in report.step_ms}


def _ratio(busy: list, compute: list) -> float:
    """Summed measured busy time over summed predicted compute: above 1 when the stages ran slower than
    the profile (a busy or oversubscribed machine)."""
    return sum(b or 0 for b in busy) / sum(compute) if sum(compute) else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=sorted(MODELS), action="append")
    p.add_argument("--stages", type=int, action="append", help="processes (default 2 and 3)")
    p.add_argument("--granularity", choices=("layer", "op"), action="append")
    p.add_argument("--training", action="store_true")
    p.add_argument("--schedule", choices=("gpipe", "1f1b"), default="gpipe")
    p.add_argument("--microbatches", type=int, default=4)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--profile-runs", type=int, default=10)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.only or list(MODELS):
            for granularity in args.granularity or ["layer", "op"]:
                graph, workload = imported(model, granularity, args)
                for stages in args.stages or [2, 3]:
                    r = case(Path(tmp), model, granularity, stages, graph, workload, args)
                    rows.append(r)
                    if not args.json:
                        print(f"{r['model']:<9} {r['granularity']:<5} {r['stages']} stages {r['nodes']:>4} nodes  "
                              f"match {'yes' if r['checks_match'] else 'NO '}  predicted {r['predicted_ms']:8.3f} ms"
                              f"  measured {r['measured_ms'] or float('nan'):8.3f} ms  ratio {r['ratio']:.3f}"
                              f"{'' if r['within_15pct'] else '  (outside 15%)'}  link {r['latency_ms']:.3f} ms + "
                              f"{r['bandwidth_gb_s']:.2f} GB/s  loads {[round(x, 2) for x in r['loads_ms']]}  "
                              f"busy {[round(x or 0, 2) for x in r['busy_ms']]}  busy/compute "
                              f"{_ratio(r['busy_ms'], r['compute_ms']):.2f}", flush=True)
                        print("    step ms, measured / simulated over the measured stage times: " + ", ".join(
                            f"M={m}: {t:.2f} / {r['simulated_step_ms'][m]:.2f}" for m, t in r["step_ms"].items())
                            + ("" if r["simulate_within_10pct"] else "  (outside 10%)"), flush=True)
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
