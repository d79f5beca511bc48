"""PyTorch modules to workloads, at operator or layer granularity, for inference or training.

``MODULE:FACTORY`` names a function that returns ``(model, example inputs)`` (a tuple of positional inputs,
one tensor, a dict of keyword inputs, or ``(model, args, kwargs)``). The model is captured with
``torch.export``; operator granularity gives a node per exported operator, layer granularity a node per
submodule at ``depth`` (a maximal run of consecutive operators whose innermost module path, cut to ``depth``
components, is the same: a submodule call, or the glue code between two calls), with data-flow edges
between them. Contracting runs of a topological order keeps the graph acyclic.

Times: each exported operator is timed on its own while the graph runs (warm-up, then the median over runs);
a layer's time is the sum of its operators'. On CUDA, CUDA events bracket each operator. ``training`` adds
a backward node per node, colocated with it, edges mirroring the forward ones; its time is measured with
autograd on the operator alone (its inputs detached), or estimated as twice the forward estimate. Training
memory: weights and stored activations (the node's output tensors) on the forward node, gradients and the
optimizer's state (sgd 0, momentum 1, adam/adamw 2 copies of the weights) on the backward node.

Each node records the exported graph's operator names it stands for (``OpGraph.sources``, written as
``torch_nodes``), which is how ``pipesplit run`` maps a split back onto the model.
"""

from __future__ import annotations

import importlib
import importlib.util
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import PipesplitError
from .catalog import get_device
from .estimate import DTYPE_BYTES, TensorMeta, estimate_ms, op_cost
from .graph import OpGraph, TimingOptions, add_training

EXTRA_HINT = "pip install 'pipesplit[torch]'"
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
BACKWARD_FACTOR = 2.0  # estimated backward time / forward time

_ONNX_NAME = {
    "linear": "MatMul", "matmul": "MatMul", "mm": "MatMul", "bmm": "MatMul", "addmm": "MatMul", "baddbmm": "MatMul",
    "addbmm": "MatMul", "einsum": "Einsum",
    "conv1d": "Conv", "conv2d": "Conv", "conv3d": "Conv", "convolution": "Conv", "_convolution": "Conv",
    "conv_transpose1d": "ConvTranspose", "conv_transpose2d": "ConvTranspose", "conv_transpose3d": "ConvTranspose",
    "scaled_dot_product_attention": "SDPA", "_scaled_dot_product_flash_attention": "SDPA",
    "_scaled_dot_product_efficient_attention": "SDPA", "_scaled_dot_product_flash_attention_for_cpu": "SDPA",
    "layer_norm": "LayerNormalization", "native_layer_norm": "LayerNormalization", "batch_norm": "BatchNormalization",
    "_native_batch_norm_legit_no_training": "BatchNormalization", "_native_batch_norm_legit": "BatchNormalization",
    "native_batch_norm": "BatchNormalization", "group_norm": "GroupNormalization", "rms_norm": "RMSNormalization",
    "instance_norm": "InstanceNormalization",
    "softmax": "Softmax", "_softmax": "Softmax", "log_softmax": "LogSoftmax", "_log_softmax": "LogSoftmax",
    "gelu": "Gelu", "tanh": "Tanh", "sigmoid": "Sigmoid", "exp": "Exp", "erf": "Erf", "silu": "Swish", "pow": "Pow",
    "sqrt": "Sqrt", "rsqrt": "Sqrt", "log": "Log", "sin": "Sin", "cos": "Cos", "hardswish": "HardSwish", "mish": "Mish",
    "mean": "ReduceMean", "sum": "ReduceSum", "amax": "ReduceMax", "amin": "ReduceMin", "max": "ReduceMax",
    "argmax": "ArgMax", "var": "ReduceMean", "adaptive_avg_pool2d": "GlobalAveragePool",
    "adaptive_avg_pool1d": "GlobalAveragePool", "max_pool2d": "MaxPool", "avg_pool2d": "AveragePool",
    "max_pool2d_with_indices": "MaxPool", "max_pool1d": "MaxPool",
    "embedding": "Gather", "index_select": "Gather", "gather": "Gather", "slice": "Reshape", "select": "Reshape",
    "view": "Reshape", "reshape": "Reshape", "_unsafe_view": "Reshape", "expand": "Reshape", "permute": "Reshape",
    "transpose": "Reshape", "t": "Reshape", "unsqueeze": "Reshape", "squeeze": "Reshape", "flatten": "Reshape",
    "unflatten": "Reshape", "alias": "Reshape", "detach": "Reshape", "dropout": "Dropout", "getitem": "Identity",
    "_assert_tensor_metadata": "Identity", "lift_fresh_copy": "Identity", "split": "Reshape", "chunk": "Reshape",
    "unbind": "Reshape", "split_with_sizes": "Reshape", "narrow": "Reshape", "as_strided": "Reshape",
    "arange": "Range", "full": "ConstantOfShape", "zeros": "ConstantOfShape", "ones": "ConstantOfShape",
}


def require_torch():
    try:
        import torch
    except ImportError:
        raise PipesplitError(f"importing PyTorch modules needs the torch extra: {EXTRA_HINT}") from None
    return torch


@dataclass
class TorchOptions(TimingOptions):
    """Granularity, depth of layer nodes, training, time sources, precision and profiling runs."""

    granularity: str = "layer"
    depth: int = 2
    training: bool = False
    optimizer: str = "adam"


@dataclass
class TorchImport:
    """The imported graph, and what the import measured."""

    graph: OpGraph
    model_cpu_ms: float | None = None
    explained: float | None = None  # median over runs of (summed operator times) / whole-model time
    forward_cpu_ms: float = 0.0
    profile_seconds: float = 0.0
    seconds: float = 0.0


# ---------------------------------------------------------------------- loading
def load_factory(spec: str):
    """The function ``MODULE:FACTORY`` names (MODULE: a dotted module path or a .py file)."""
    if ":" not in spec:
        raise PipesplitError(f"'{spec}' is not MODULE:FACTORY; write e.g. mypackage.models:make_model or "
                             "models.py:make_model")
    module_name, _, attr = spec.rpartition(":")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise PipesplitError(f"{path}: no such file")
            mod_spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(mod_spec)
            sys.modules.setdefault(path.stem, module)
            mod_spec.loader.exec_module(module)
        else:
            if "" not in sys.path and "." not in sys.path:
                sys.path.insert(0, "")
            module = importlib.import_module(module_name)
    except PipesplitError:
        raise
    except BaseException as e:  # an import runs arbitrary code
        raise PipesplitError(f"cannot import {module_name} ({e.__class__.__name__}: {_first_line(e)})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise PipesplitError(f"{module_name} has no function '{attr}'")
    return factory


def call_factory(factory, spec: str):
    """(model, args tuple, kwargs dict) from the factory."""
    torch = require_torch()
    try:
        result = factory()
    except BaseException as e:
        raise PipesplitError(f"{spec} failed ({e.__class__.__name__}: {_first_line(e)})") from None
    if not isinstance(result, (tuple, list)) or len(result) not in (2, 3):
        raise PipesplitError(f"{spec} must return (model, example inputs); it returned {type(result).__name__}")
    model, args = result[0], result[1]
    kwargs = dict(result[2]) if len(result) == 3 else {}
    if not isinstance(model, torch.nn.Module):
        raise PipesplitError(f"{spec} returned {type(model).__name__} as the model; expected a torch.nn.Module")
    if isinstance(args, dict):
        args, kwargs = (), {**args, **kwargs}
    elif isinstance(args, torch.Tensor):
        args = (args,)
    return model, tuple(args), kwargs


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else "no message"


def export_model(model, args: tuple, kwargs: dict):
    """``torch.export.export`` of the model; failure is one line (export's own logging is silenced)."""
    import contextlib
    import io
    import logging
    import warnings

    torch = require_torch()
    previous = logging.root.manager.disable
    try:
        logging.disable(logging.CRITICAL)  # export logs whole graphs when it fails; the error says enough
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            return torch.export.export(model, args, kwargs=kwargs, strict=False)
    except Exception as e:
        raise PipesplitError(f"the model does not export with torch.export ({e.__class__.__name__}: "
                             f"{_first_line(e)})") from None
    finally:
        logging.disable(previous)


# ---------------------------------------------------------------------- graph facts
def _opname(node) -> str:
    target = node.target
    name = getattr(target, "__name__", str(target))
    return name.split(".")[0]


def _flat(value) -> list:
    import torch.utils._pytree as pytree

    return pytree.tree_flatten(value)[0]


def _metas(value, dtype: str | None) -> list[TensorMeta]:
    torch = require_torch()
    out = []
    for t in _flat(value):
        if isinstance(t, torch.Tensor):
            size = DTYPE_BYTES[dtype] if dtype and t.is_floating_point() else t.element_size()
            out.append(TensorMeta(tuple(int(d) for d in t.shape), size))
    return out


def _arg_nodes(node) -> list:
    from torch.fx.node import Node

    return [a for a in _flat((node.args, node.kwargs)) if isinstance(a, Node)]


def _module_key(node, depth: int) -> tuple[str, str]:
    """(module path cut to ``depth`` components, its class name) of an operator."""
    stack = node.meta.get("nn_module_stack") or {}
    path, cls = "", ""
    for value in stack.values():
        p, c = value[0], value[1]
        parts = [x for x in str(p).split(".") if x]
        if len(parts) <= depth:
            path, cls = ".".join(parts), str(c if isinstance(c, str) else getattr(c, "__name__", c))
    return path, cls.rsplit(".", 1)[-1]


def _estimate_op(node, dtype: str | None, device) -> float:
    op = _opname(node)
    kind = _ONNX_NAME.get(op, op)
    ins = [m for a in _arg_nodes(node) for m in _metas(a.meta.get("val"), dtype)]
    if op in ("addmm", "baddbmm", "addbmm") and len(ins) == 3:
        ins = ins[1:] + ins[:1]
    outs = _metas(node.meta.get("val"), dtype)
    attrs = {}
    if kind in ("MaxPool", "AveragePool") and len(node.args) > 1 and isinstance(node.args[1], (list, tuple)):
        attrs["kernel_shape"] = list(node.args[1])
    return estimate_ms(op_cost(kind, ins, outs, attrs), device, dtype or "fp32")


# ---------------------------------------------------------------------- timing
def _placeholder_values(ep, args: tuple, kwargs: dict, device: str) -> list:
    from torch.export.graph_signature import InputKind

    torch = require_torch()
    user = iter(_flat((args, kwargs)))
    values = []
    for spec in ep.graph_signature.input_specs:
        if spec.kind == InputKind.USER_INPUT:
            v = next(user)
        elif spec.target in ep.state_dict:
            v = ep.state_dict[spec.target]
        else:
            v = ep.constants[spec.target]
        if isinstance(v, torch.Tensor):
            v = v.detach().to(device)
        values.append(v)
    return values


class _Timer:
    """Brackets operators: wall clock on the CPU, CUDA events on a GPU."""

    def __init__(self, device: str):
        self.torch = require_torch()
        self.cuda = device == "cuda"
        self.pending: list = []

    def start(self):
        if self.cuda:
            e = self.torch.cuda.Event(enable_timing=True)
            e.record()
            return e
        return time.perf_counter()

    def stop(self, begin, sink: list, k: int) -> None:
        if self.cuda:
            e = self.torch.cuda.Event(enable_timing=True)
            e.record()
            self.pending.append((begin, e, sink, k))
        else:
            sink[k] += (time.perf_counter() - begin) * 1e3

    def flush(self) -> None:
        if self.cuda and self.pending:
            self.torch.cuda.synchronize()
            for b, e, sink, k in self.pending:
                sink[k] += b.elapsed_time(e)
            self.pending.clear()


def _run_graph(ep, values: list, ops: list, timer: _Timer, training: bool):
    """One pass over the exported graph, timing each operator; with ``training`` each operator's backward
    is also run and timed alone (inputs detached). Returns (forward ms per op, backward ms per op)."""
    torch = require_torch()
    import torch.utils._pytree as pytree

    graph = ep.graph_module.graph
    op_index = {n: k for k, n in enumerate(ops)}
    fwd, bwd = [0.0] * len(ops), [0.0] * len(ops)
    env: dict = {}
    inputs_of: dict = {}
    placeholders = iter(values)
    params = {spec.arg.name for spec in ep.graph_signature.input_specs if spec.kind.name == "PARAMETER"}
    output_node = None
    for node in graph.nodes:
        if node.op == "placeholder":
            env[node] = next(placeholders)
            continue
        if node.op == "output":
            output_node = node
            continue
        if node.op != "call_function":
            continue
        leaves = []

        def fetch(n, leaves=leaves):
            v = env[n]
            if not training or (n.op == "placeholder" and n.name not in params):
                return v
            flat, spec = pytree.tree_flatten(v)
            new = []
            for j, t in enumerate(flat):
                if isinstance(t, torch.Tensor) and t.is_floating_point():
                    t = t.detach().requires_grad_(True)
                    leaves.append((n, j, t))
                new.append(t)
            return pytree.tree_unflatten(new, spec)

        a, kw = torch.fx.node.map_arg((node.args, node.kwargs), fetch)
        k = op_index.get(node)
        begin = timer.start()
        with torch.set_grad_enabled(training):
            out = node.target(*a, **kw)
        if k is not None:
            timer.stop(begin, fwd, k)
        env[node] = out
        inputs_of[node] = leaves
    timer.flush()
    if not training:
        return fwd, bwd
    grads: dict = {}
    for leaf in _flat(output_node.args):
        if isinstance(leaf, torch.fx.Node) and leaf.op == "call_function":
            flat = _flat(env[leaf])
            grads[leaf] = {j: torch.ones_like(t) for j, t in enumerate(flat)
                           if isinstance(t, torch.Tensor) and t.is_floating_point()}
    for node in reversed(ops):
        g = grads.pop(node, None)
        leaves = inputs_of[node]
        if not g or not leaves:
            continue
        flat = _flat(env[node])
        outs = [(flat[j], gj) for j, gj in g.items()
                if isinstance(flat[j], torch.Tensor) and flat[j].requires_grad]
        if not outs:
            continue
        begin = timer.start()
        gin = torch.autograd.grad([o for o, _ in outs], [t for _, _, t in leaves], [gj for _, gj in outs],
                                  allow_unused=True)
        timer.stop(begin, bwd, op_index[node])
        for (src, j, _), gi in zip(leaves, gin):
            if gi is not None and src.op == "call_function":
                slot = grads.setdefault(src, {})
                slot[j] = gi if j not in slot else slot[j] + gi
        env[node] = None
    timer.flush()
    return fwd, bwd


def profile_ops(ep, args, kwargs, ops, device: str, warmup: int, runs: int, training: bool, model=None):
    """Median per-operator forward and backward ms over ``runs`` after ``warmup`` passes, and (given the
    eager ``model``) the median ms of a whole eager forward pass, each run right after a timed pass so that
    both see the same machine load (NaN without ``model``), and the median over runs of (the run's summed
    operator times) / (the whole-model time next to it)."""
    torch = require_torch()
    if device == "cuda" and not torch.cuda.is_available():
        raise PipesplitError("{profile} cuda needs a CUDA GPU and a CUDA build of torch; use {estimate} DEVICE "
                             "for hardware you do not have")
    values = _placeholder_values(ep, args, kwargs, device)
    timer = _Timer(device)
    samples_f, samples_b, whole = [], [], []
    try:
        for r in range(warmup + runs):
            f, b = _run_graph(ep, values, ops, timer, training)
            if model is not None:
                ms = _eager_ms(model, args, kwargs, device)
            if r >= warmup:
                samples_f.append(f)
                samples_b.append(b)
                if model is not None:
                    whole.append(ms)
    except PipesplitError:
        raise
    except Exception as e:
        raise PipesplitError(f"running the exported graph failed ({e.__class__.__name__}: {_first_line(e)})") from None
    f = np.array(samples_f)
    paired = statistics.median(f.sum(axis=1) / np.array(whole)) if whole else float("nan")
    return (np.median(f, axis=0), np.median(np.array(samples_b), axis=0),
            statistics.median(whole) if whole else float("nan"), float(paired))


def _profile_on_device(model, args, kwargs, ops, device: str, options: "TorchOptions"):
    """Profile on a GPU: the exported graph fixes devices (e.g. of ``arange``), so the model is exported
    again on the device; its operators must be the CPU export's, in the same order."""
    torch = require_torch()
    if device == "cuda" and not torch.cuda.is_available():
        raise PipesplitError("{profile} cuda needs a CUDA GPU and a CUDA build of torch; use {estimate} DEVICE "
                             "for hardware you do not have")
    try:
        model.to(device)
        args_d, kwargs_d = _to(args, device), _to(kwargs, device)
        ep_d = export_model(model, args_d, kwargs_d)
        ops_d = [n for n in ep_d.graph_module.graph.nodes
                 if n.op == "call_function" and (n.users or n.meta.get("val") is not None)]
        if [n.name for n in ops_d] != [n.name for n in ops]:
            raise PipesplitError(f"the model exports to different operators on {device} than on the CPU; "
                                 "profile one device at a time or use {estimate}")
        return profile_ops(ep_d, args_d, kwargs_d, ops_d, device, options.warmup, options.runs, options.training,
                           model)
    finally:
        model.to("cpu")


def _to(value, device: str):
    import torch.utils._pytree as pytree

    torch = require_torch()
    return pytree.tree_map(lambda t: t.to(device) if isinstance(t, torch.Tensor) else t, value)


def _eager_ms(model, args, kwargs, device: str) -> float:
    """ms of one eager forward pass of the whole model (no grad)."""
    torch = require_torch()
    with torch.no_grad():
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        model(*args, **kwargs)
        if device == "cuda":
            torch.cuda.synchronize()
    return (time.perf_counter() - t) * 1e3


# ---------------------------------------------------------------------- import
def import_torch(spec: str, options: TorchOptions = TorchOptions()) -> TorchImport:
    """Build the factory's model, export it and turn it into an OpGraph (see the module docstring)."""
    t0 = time.perf_counter()
    require_torch()
    if options.granularity not in ("layer", "op"):
        raise PipesplitError(f"unknown granularity '{options.granularity}'; choose layer or op")
    if options.depth < 0:
        raise PipesplitError("{depth} must be non-negative")
    if options.optimizer not in OPTIMIZER_STATES:
        raise PipesplitError(f"unknown optimizer '{options.optimizer}'; choose among {', '.join(OPTIMIZER_STATES)}")
    return import_module(*call_factory(load_factory(spec), spec), options=options, t0=t0)


def import_module(model, args: tuple, kwargs: dict, options: TorchOptions = TorchOptions(),
                  t0: float | None = None) -> TorchImport:
    """Export an in-memory model called as ``model(*args, **kwargs)`` and turn it into an OpGraph."""
    t0 = time.perf_counter() if t0 is None else t0
    model.eval()
    ep = export_model(model, args, kwargs)
    return graph_from_export(ep, model, args, kwargs, options, t0)


def graph_from_export(ep, model, args, kwargs, options: TorchOptions, t0: float | None = None) -> TorchImport:
    """The OpGraph of an exported program (``model``/``args`` for whole-model timing)."""
    t0 = time.perf_counter() if t0 is None else t0
    torch = require_torch()
    graph = ep.graph_module.graph
    # operators that return nothing and feed nothing (export's shape and dtype assertions) are not work
    ops = [n for n in graph.nodes if n.op == "call_function" and (n.users or n.meta.get("val") is not None)]
    if not ops:
        raise PipesplitError("the exported model has no operators")
    params = {spec.arg.name for spec in ep.graph_signature.input_specs if spec.kind.name in ("PARAMETER", "BUFFER",
                                                                                           "CONSTANT_TENSOR")}
    dtype = options.dtype
    if dtype and dtype not in DTYPE_BYTES:
        raise PipesplitError(f"unknown {{dtype}} '{dtype}'; choose among {', '.join(DTYPE_BYTES)}")

    # groups: an operator per node, or runs of operators with the same module path cut to depth
    if options.granularity == "op":
        group = list(range(len(ops)))
        names = [n.name for n in ops]
        kinds = [_opname(n) for n in ops]
        layers = [_module_key(n, 10**6)[0] or None for n in ops]
    else:
        group, names, kinds, layers = [], [], [], []
        last = None
        used: dict[str, int] = {}
        for n in ops:
            key = _module_key(n, options.depth)
            if key != last:
                label = key[0] or "(top)"
                used[label] = used.get(label, 0) + 1
                names.append(label if used[label] == 1 else f"{label}#{used[label]}")
                kinds.append(key[1] or "glue")
                layers.append(key[0] or None)
                last = key
            group.append(len(names) - 1)
    g_of = {n: group[k] for k, n in enumerate(ops)}
    m = len(names)
    out_bytes, weights, activations = np.zeros(m), np.zeros(m), np.zeros(m)
    edges = set()
    weight_seen: list[set] = [set() for _ in range(m)]
    sent: list[set] = [set() for _ in range(m)]
    graph_outputs = {a for a in _flat(next(n for n in graph.nodes if n.op == "output").args)
                     if isinstance(a, torch.fx.Node)}
    for n in ops:
        gv = g_of[n]
        activations[gv] += sum(t.nbytes for t in _metas(n.meta.get("val"), dtype))
        for a in _arg_nodes(n):
            if a.op == "placeholder":
                if a.name in params and a.name not in weight_seen[gv]:
                    weight_seen[gv].add(a.name)
                    weights[gv] += sum(t.nbytes for t in _metas(a.meta.get("val"), dtype))
            elif a in g_of and g_of[a] != gv:
                edges.add((g_of[a], gv))
                if a not in sent[g_of[a]]:
                    sent[g_of[a]].add(a)
                    out_bytes[g_of[a]] += sum(t.nbytes for t in _metas(a.meta.get("val"), dtype))
    for a in graph_outputs:
        if a in g_of and a not in sent[g_of[a]]:
            sent[g_of[a]].add(a)
            out_bytes[g_of[a]] += sum(t.nbytes for t in _metas(a.meta.get("val"), dtype))

    def per_group(values) -> np.ndarray:
        out = np.zeros(m)
        np.add.at(out, np.asarray(group), np.asarray(values, float))
        return out

    notes: list[str] = []
    t_prof = time.perf_counter()
    measured: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if options.profile:
        torch.set_num_threads(options.threads)
    model_ms: dict[str, float] = {}
    paired: dict[str, float] = {}
    for device in sorted(options.profile, key=lambda d: d != "cpu"):
        if device == "cpu":
            f, b, model_ms[device], paired[device] = profile_ops(ep, args, kwargs, ops, device, options.warmup,
                                                                 options.runs, options.training, model)
        else:
            f, b, model_ms[device], paired[device] = _profile_on_device(model, args, kwargs, ops, device, options)
        measured[device] = (per_group(f), per_group(b))
    model_cpu_ms = model_ms.get("cpu")
    profile_seconds = time.perf_counter() - t_prof

    def estimated(device_name: str) -> tuple[np.ndarray, np.ndarray]:
        dev = get_device(device_name)
        f = per_group([_estimate_op(n, dtype, dev) for n in ops])
        return f, BACKWARD_FACTOR * f

    cpu = measured.get("cpu")
    if cpu is None:
        cpu = estimated("cpu")
        notes.append("CPU times are estimates on the catalog's CPU core (give {profile} cpu to measure them)")
    acc = measured.get("cuda") or (estimated(options.estimate) if options.estimate else None)
    if acc is None:
        acc = cpu
        notes.append("no accelerator source: accelerator time = CPU time (give {estimate} DEVICE or {profile} cuda)")
    forward_cpu = float(cpu[0].sum())
    sources: list[list[str]] = [[] for _ in range(m)]
    for k, n in enumerate(ops):
        sources[group[k]].append(n.name)
    g = OpGraph(names=names, op_types=kinds, edges=sorted(edges), out_bytes=out_bytes,
                memory=weights.copy(), cpu_ms=cpu[0], acc_ms=acc[0], layer=layers, notes=notes, sources=sources)
    if options.training:
        preds: list[set] = [set() for _ in range(m)]
        for u, v in edges:
            preds[v].add(u)
        grad_bytes = np.array([sum(out_bytes[u] for u in preds[v]) for v in range(m)])
        g.memory = weights + activations
        bwd_memory = weights * (1 + OPTIMIZER_STATES[options.optimizer])
        g = add_training(g, cpu[1], acc[1], bwd_memory, grad_bytes)
        if "cpu" not in measured or ("cuda" not in measured and acc is not cpu):
            notes.append(f"estimated backward times are {BACKWARD_FACTOR:g}x the forward estimates")
    return TorchImport(graph=g, model_cpu_ms=model_cpu_ms, explained=paired.get("cpu"), forward_cpu_ms=forward_cpu,
                       profile_seconds=profile_seconds, seconds=time.perf_counter() - t0)
