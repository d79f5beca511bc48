"""``pipesplit run``: execute a split of a PyTorch model as a pipeline, check it and time it."""

from __future__ import annotations

import argparse
import json

from ..runtime.options import SCHEDULES, RunOptions


def add_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "run", help="run a split of a PyTorch model for real and compare it with the prediction",
        description="Run a split with torch.distributed.pipelining, one process per stage (gloo on 127.0.0.1, "
                    "one thread each; or NCCL, one GPU each). Checks the outputs (and with --training the loss "
                    "and every gradient) against the unsplit model, then times warm steps and prints the "
                    "predicted and measured time per sample.")
    r.add_argument("factory", metavar="MODULE:FACTORY", help="the factory the workload was imported from")
    r.add_argument("--split", required=True, metavar="SPLIT.json", help="a split of the workload (either format)")
    r.add_argument("--workload", required=True, metavar="WORKLOAD.json", help="made by pipesplit import torch")
    r.add_argument("--processes", type=int, metavar="N", help="number of processes (must equal the stages)")
    r.add_argument("--microbatches", type=int, default=4, metavar="M",
                   help="micro-batches per step; timing also runs 2M (default 4)")
    r.add_argument("--batch", type=int, default=1, metavar="B",
                   help="copies of the example inputs in one micro-batch (default 1)")
    r.add_argument("--schedule", choices=SCHEDULES, default="gpipe", help="pipeline schedule (default gpipe)")
    r.add_argument("--training", action="store_true", help="forward, loss and backward (default: forward only)")
    r.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="cpu: gloo processes; cuda: NCCL, one GPU per process (default cpu)")
    r.add_argument("--repeats", type=int, default=5, metavar="R", help="timed steps per micro-batch count")
    r.add_argument("--warmup", type=int, default=2, metavar="W", help="warm-up steps per micro-batch count")
    r.add_argument("--timeout", type=float, default=300.0, metavar="S", help="limit of the whole run in seconds")
    r.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    r.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..runtime.torch_pipeline import run_pipeline

    options = RunOptions(processes=args.processes, microbatches=args.microbatches, batch=args.batch,
                         schedule=args.schedule, training=args.training, device=args.device, warmup=args.warmup,
                         repeats=args.repeats, timeout=args.timeout)
    report = run_pipeline(args.factory, args.split, args.workload, options)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(format_report(report))
    return 0 if report.check.get("match") else 1


def format_report(report) -> str:
    """The report as the lines ``pipesplit run`` prints."""
    o = report.options
    lines = [f"pipeline: {len(report.stages)} stages ({' -> '.join(s.device for s in report.stages)}), "
             f"{len(report.stages)} {'GPU processes (NCCL)' if o.device == 'cuda' else 'CPU processes (gloo, 1 thread each)'}"
             f", {o.schedule}, {'training' if o.training else 'inference'}, micro-batches of {o.batch} sample(s)"]
    if report.link is not None:
        lines.append(f"link (measured, ping-pong between processes 0 and 1): latency {report.link.latency_ms:.4f} ms, "
                     f"bandwidth {report.link.bandwidth_gb_s:.3f} GB/s")
    c = report.check
    lines.append(f"outputs match the unsplit model: {'yes' if c.get('outputs_match') else 'NO'} "
                 f"(max abs difference {c.get('max_output_diff', float('nan')):.3g})")
    if o.training:
        lines.append(f"losses match: {'yes' if c.get('losses_match') else 'NO'}; gradients of "
                     f"{c.get('parameters', 0)} parameters match: {'yes' if c.get('grads_match') else 'NO'} "
                     f"(max abs difference {c.get('max_grad_diff', float('nan')):.3g})")
    lines += [f"problem: {p}" for p in c.get("problems", [])]
    lines.append("")
    lines.append("stage  device  nodes  pred. compute  pred. in  pred. out  pred. load  measured busy   (ms per micro-batch)")
    for s in report.stages:
        busy = "-" if s.measured_busy_ms is None else f"{s.measured_busy_ms:.4f}"
        lines.append(f"{s.index:>5}  {s.device:>6}  {s.nodes:>5}  {s.predicted_compute_ms:>13.4f}  "
                     f"{s.predicted_transfer_in_ms:>8.4f}  {s.predicted_transfer_out_ms:>9.4f}  "
                     f"{s.predicted_load_ms:>10.4f}  {busy:>13}")
    lines.append("")
    lines.append("each process is treated as an accelerator whose node times are the workload's CPU times; "
                 "transfers follow the relay rule, priced on the measured link")
    lines.append(f"predicted: {report.predicted_ms_per_sample:.4f} ms per sample (max stage load)")
    if report.measured_ms_per_sample is not None:
        ratio = report.measured_ms_per_sample / report.predicted_ms_per_sample if report.predicted_ms_per_sample else 0
        lines.append(f"measured:  {report.measured_ms_per_sample:.4f} ms per sample ({report.method})")
        lines.append(f"measured / predicted: {ratio:.3f}")
    else:
        lines.append("measured: not timed (the pipeline does not compute what the model does)")
    return "\n".join(lines)
