"""``pipesplit import onnx|torch``: a workload from a real model, with profiled or estimated costs."""

from __future__ import annotations

import argparse
import math

from ..cluster import Cluster, format_bytes, parse_bytes
from ..errors import PipesplitError, as_flags
from ..formats import check_output_path
from .common import add_preset_flags

TIME_HELP = ("time sources: --profile cpu (default when no source is given) measures CPU times; --profile cuda "
             "measures accelerator times on a CUDA GPU; --estimate DEVICE estimates accelerator times on a catalog "
             "device. Missing CPU times are estimated on the catalog's CPU core; missing accelerator times equal "
             "the CPU times.")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="make a workload from an ONNX model or a PyTorch module",
                       description="Make a workload from a real model.")
    kinds = p.add_subparsers(dest="frontend", required=True, metavar="FRONTEND")

    o = kinds.add_parser("onnx", help="an ONNX model at operator granularity", description=TIME_HELP)
    o.add_argument("model", metavar="MODEL.onnx")
    _common_flags(o)
    o.add_argument("--batch", type=int, metavar="N", help="bind the inputs' batch dimension")
    o.add_argument("--seq-len", type=int, metavar="N", help="bind the inputs' sequence dimension")
    o.add_argument("--input-shape", action="append", default=[], metavar="NAME=DIMS",
                   help="the whole shape of one input, e.g. input_ids=1,128 (repeatable)")
    o.add_argument("--dim", action="append", default=[], metavar="SYMBOL=N",
                   help="bind one symbolic dimension by name, e.g. height=224 (repeatable)")
    o.add_argument("--threads", type=int, default=1, metavar="N",
                   help="onnxruntime threads while profiling (default 1: the cost model's CPU device is one core)")
    o.add_argument("--no-colocate-plumbing", dest="colocate_plumbing", action="store_false",
                   help="do not keep shape arithmetic and weight-only nodes on their consumer's device")
    o.set_defaults(run=run_onnx)

    t = kinds.add_parser("torch", help="a PyTorch module at layer or operator granularity", description=TIME_HELP)
    t.add_argument("factory", metavar="MODULE:FACTORY",
                   help="a function (module path or file.py, colon, name) returning (model, example inputs)")
    _common_flags(t)
    t.add_argument("--granularity", choices=("layer", "op"), default="layer",
                   help="layer: a node per submodule at --depth; op: a node per torch.export operator")
    t.add_argument("--depth", type=int, default=2, metavar="N", help="module depth of layer nodes (default 2)")
    t.add_argument("--training", action="store_true",
                   help="add backward nodes colocated with their forward nodes, and training memory")
    t.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch threads while profiling (default 1: the cost model's CPU device is one core)")
    t.add_argument("--optimizer", default="adam", choices=("sgd", "momentum", "adam", "adamw"),
                   help="optimizer whose state counts as training memory (default adam)")
    t.set_defaults(run=run_torch)


def _common_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, metavar="WORKLOAD.json", help="write the workload here")
    p.add_argument("--format", choices=("native", "paper"), default="native",
                   help="native (default) or the paper's workload JSON")
    p.add_argument("--profile", action="append", choices=("cpu", "cuda"), default=[],
                   help="measure times on this device (repeatable)")
    p.add_argument("--estimate", metavar="DEVICE", help="estimate accelerator times on a catalog device, e.g. a100-80gb")
    p.add_argument("--dtype", choices=("fp32", "tf32", "fp16", "bf16", "fp8", "int8"),
                   help="precision of the estimate (and bytes of float tensors); default: the model's own")
    p.add_argument("--runs", type=int, default=10, metavar="N", help="measured runs per profile (default 10)")
    p.add_argument("--warmup", type=int, default=3, metavar="N", help="warm-up runs before measuring (default 3)")
    g = p.add_argument_group("cluster written into the workload")
    g.add_argument("--accelerators", "-k", type=int, default=4, metavar="K", help="number of accelerators (default 4)")
    g.add_argument("--cpus", "-l", type=int, default=1, metavar="L", help="number of CPU cores (default 1)")
    g.add_argument("--memory", "-m", metavar="SIZE",
                   help="memory per accelerator (default: the --accelerator or --estimate device's, else unlimited)")
    add_preset_flags(g)


def _check(args: argparse.Namespace, source: str | None) -> None:
    """Refuse bad flag values and an unusable output before any import work."""
    check_output_path(args.output, (source,) if source else ())
    if args.runs < 1 or args.warmup < 0:
        raise PipesplitError("--runs must be at least 1 and --warmup non-negative")
    if args.threads < 1:
        raise PipesplitError(f"--threads must be at least 1, got {args.threads}")
    for flag in ("batch", "seq_len"):
        if getattr(args, flag, None) is not None and getattr(args, flag) < 1:
            raise PipesplitError(f"--{flag.replace('_', '-')} must be at least 1, got {getattr(args, flag)}")
    _cluster(args)
    from ..frontends.catalog import get_link

    get_link(args.link, args.accelerator or args.estimate)
    if not args.profile and not args.estimate:
        args.profile = ["cpu"]


def _cluster(args: argparse.Namespace) -> Cluster:
    if args.memory is not None:
        memory = parse_bytes(args.memory)
    elif args.accelerator or args.estimate:
        from ..frontends.catalog import get_device

        dev = get_device(args.accelerator or args.estimate)
        memory = dev.memory_bytes if dev.kind == "accelerator" else math.inf
    else:
        memory = math.inf
    return Cluster(accelerators=args.accelerators, memory=memory, cpus=args.cpus)


def _write(args: argparse.Namespace, graph, source: str | None, extra: list[str]) -> int:
    from ..frontends.catalog import get_link
    from ..frontends.graph import to_workload, write_workload

    link = get_link(args.link, args.accelerator or args.estimate)
    cluster = _cluster(args)
    workload = to_workload(graph, link)
    write_workload(args.output, workload, cluster, graph.out_bytes, args.format, inputs=(source,) if source else (),
                   sources=graph.sources)
    print(f"{workload.num_nodes} nodes, {workload.num_edges} edges"
          + (f" ({int(workload.backward.sum())} backward)" if workload.is_training else ""))
    print(f"CPU time: {workload.cpu_time.sum():.3f} ms, accelerator time: {workload.acc_time.sum():.3f} ms "
          f"(sums over nodes)")
    print(f"memory: {format_bytes(float(workload.memory.sum()))}; output bytes: "
          f"{format_bytes(float(graph.out_bytes.sum()))}, priced on {link.name} ({link.bandwidth / 1e9:g} GB/s)")
    for line in extra + graph.notes:
        print(as_flags(line))
    print(f"cluster: {cluster.accelerators} accelerators of {format_bytes(cluster.memory)}, {cluster.cpus} CPU cores")
    print(f"workload written to {args.output} ({args.format} format)")
    return 0


def run_onnx(args: argparse.Namespace) -> int:
    _check(args, args.model)
    from ..frontends.onnx import (
        OnnxOptions,
        ShapeBinding,
        import_onnx,
        parse_dim,
        parse_input_shape,
    )

    binding = ShapeBinding(batch=args.batch, seq_len=args.seq_len,
                           input_shapes=dict(parse_input_shape(x) for x in args.input_shape),
                           dims=dict(parse_dim(x) for x in args.dim))
    options = OnnxOptions(binding=binding, profile=tuple(dict.fromkeys(args.profile)), estimate=args.estimate,
                          dtype=args.dtype, warmup=args.warmup, runs=args.runs, threads=args.threads,
                          colocate_plumbing=args.colocate_plumbing)
    result = import_onnx(args.model, options)
    extra = [f"import: {result.seconds:.1f} s ({result.profile_seconds:.1f} s profiling)"]
    if result.model_cpu_ms is not None:
        total = float(result.graph.cpu_ms.sum())
        extra.append(f"whole-model CPU time: {result.model_cpu_ms:.3f} ms (median); the per-node medians sum to "
                     f"{total:.3f} ms; per run, the nodes explain {100 * result.explained:.0f}% of the whole "
                     "(median over runs)")
    return _write(args, result.graph, args.model, extra)


def run_torch(args: argparse.Namespace) -> int:
    _check(args, None)
    from ..frontends.torch import TorchOptions, import_torch

    options = TorchOptions(granularity=args.granularity, depth=args.depth, training=args.training,
                           optimizer=args.optimizer, profile=tuple(dict.fromkeys(args.profile)),
                           estimate=args.estimate, dtype=args.dtype, warmup=args.warmup, runs=args.runs,
                           threads=args.threads)
    result = import_torch(args.factory, options)
    extra = [f"import: {result.seconds:.1f} s ({result.profile_seconds:.1f} s profiling)"]
    if result.model_cpu_ms is not None:
        total = float(result.forward_cpu_ms)
        extra.append(f"whole-model CPU time (eager forward): {result.model_cpu_ms:.3f} ms (median); the per-node "
                     f"medians sum to {total:.3f} ms; per run, the nodes explain {100 * result.explained:.0f}% of "
                     "the whole (median over runs)")
    return _write(args, result.graph, None, extra)
