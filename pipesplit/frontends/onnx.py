"""ONNX models to workloads, at operator granularity.

Every ONNX node (``Constant`` nodes aside: their values count as weights) becomes a workload node; the
initializers an operator reads count as its memory (in full for each reader, since each device that runs a
reader needs its own copy); edges follow tensors from producer to consumer; a node's output bytes come from
``onnx.shape_inference`` after the graph inputs' symbolic dimensions are bound (``ShapeBinding``).

Times come from onnxruntime's profiler (graph optimizations off, so that profiled names are the model's
nodes; warm-up runs, then the median of the measured runs per node) on the CPU or CUDA, or from the
roofline estimate on a catalog device. ONNX Runtime reports whole microseconds: a node measured at 0 µs in
the median run gets its mean over runs, and one at 0 µs in every run gets half the resolution (0.5 µs).

Plumbing shares its consumer's device (``graph.colocate_plumbing``): a node with one consumer that computes
small tensors from tensor shapes and constants alone (Shape -> Gather -> Unsqueeze -> Concat -> Reshape
chains, a scale 1/sqrt(head size) computed from a shape) or that reads only weights and constants (an
Identity of an initializer) is put in its consumer's colocation class.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import PipesplitError
from .catalog import get_device
from .estimate import DTYPE_BYTES, TensorMeta, estimate_ms, op_cost
from .graph import OpGraph, TimingOptions, colocate_plumbing

EXTRA_HINT = "pip install 'pipesplit[onnx]'"
RESOLUTION_MS = 1e-3  # onnxruntime's profiler reports whole microseconds
PLUMBING_ELEMENTS = 64  # an integer tensor this small is shape arithmetic, not data
SEQ_WORDS = ("seq", "len", "token", "position", "sentence", "time", "step")


def require_onnx():
    """Import onnx (and check onnxruntime), or say which extra to install."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise PipesplitError(f"importing ONNX models needs the onnx extra: {EXTRA_HINT}") from None
    return onnx


def require_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise PipesplitError(f"profiling ONNX models needs onnxruntime: {EXTRA_HINT}") from None
    return onnxruntime


@dataclass
class ShapeBinding:
    """Values for the graph inputs' symbolic dimensions: whole shapes by input name, values by dimension
    name, or the batch size (dimension 0 or a dimension named like 'batch') and sequence length."""

    batch: int | None = None
    seq_len: int | None = None
    input_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    dims: dict[str, int] = field(default_factory=dict)


@dataclass
class OnnxOptions(TimingOptions):
    """How to import: shape binding and plumbing colocation, besides the time sources."""

    binding: ShapeBinding = field(default_factory=ShapeBinding)
    colocate_plumbing: bool = True


@dataclass
class OnnxImport:
    """The imported graph, and what the import measured."""

    graph: OpGraph
    model_cpu_ms: float | None = None
    explained: float | None = None  # median over runs of (sum of node times) / whole-model time
    profile_seconds: float = 0.0
    seconds: float = 0.0


def load_model(path: str | Path):
    """Read an ONNX model; a file that is not one is a one-line error."""
    onnx = require_onnx()
    path = Path(path)
    if not path.is_file():
        raise PipesplitError(f"{path}: no such file")
    try:
        model = onnx.load(str(path))
    except Exception as e:  # protobuf raises DecodeError, RuntimeWarning-ish errors, ...
        raise PipesplitError(f"{path}: not an ONNX model ({e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else 'cannot parse'})") from None
    if model.ir_version <= 0 or len(model.graph.node) == 0:
        raise PipesplitError(f"{path}: not an ONNX model (no graph nodes in it)")
    return model


# ---------------------------------------------------------------------- shapes
def _dim_flag(input_name: str, index: int, symbol: str, is_int: bool, rank: int) -> str:
    """Which binding a symbolic dimension takes: 'batch', 'seq' or '' (none applies)."""
    s = symbol.lower()
    if "batch" in s or (index == 0 and not any(w in s for w in SEQ_WORDS)):
        return "batch"
    if any(w in s for w in SEQ_WORDS) or (index == 1 and (is_int or rank == 3)):
        return "seq"
    return ""


def bind_inputs(model, binding: ShapeBinding) -> dict[str, tuple[tuple[int, ...], int]]:
    """Fix the graph inputs' dimensions in place; returns input name -> (shape, ONNX element type)."""
    import onnx

    inits = {t.name for t in model.graph.initializer}
    bound: dict[str, tuple[tuple[int, ...], int]] = {}
    for inp in model.graph.input:
        if inp.name in inits:
            continue
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type"):
            raise PipesplitError(f"input '{inp.name}' is not a tensor; only tensor inputs are supported")
        elem = tt.elem_type
        is_int = elem in (onnx.TensorProto.INT64, onnx.TensorProto.INT32, onnx.TensorProto.BOOL)
        if inp.name in binding.input_shapes:
            shape = tuple(int(d) for d in binding.input_shapes[inp.name])
            if tt.HasField("shape") and len(tt.shape.dim) != len(shape):
                raise PipesplitError(f"{{input_shapes}} {inp.name} gives {len(shape)} dimensions; "
                                     f"the input has {len(tt.shape.dim)}")
        else:
            if not tt.HasField("shape"):
                raise PipesplitError(f"input '{inp.name}' has no shape in the model; give it with "
                                     f"{{input_shapes}} {inp.name}=D0,D1,...")
            dims = []
            rank = len(tt.shape.dim)
            for i, d in enumerate(tt.shape.dim):
                if d.HasField("dim_value") and d.dim_value > 0:
                    dims.append(int(d.dim_value))
                    continue
                sym = d.dim_param or "?"
                kind = _dim_flag(inp.name, i, sym, is_int, rank)
                value = binding.dims.get(sym)
                if value is None:
                    value = binding.batch if kind == "batch" else binding.seq_len if kind == "seq" else None
                if value is None:
                    how = {"batch": "{batch} N", "seq": "{seq_len} N"}.get(kind, f"{{dims}} {sym}=N")
                    raise PipesplitError(f"input '{inp.name}' dimension {i} ('{sym}') is symbolic; bind it with {how} "
                                         f"or {{input_shapes}} {inp.name}=D0,D1,...")
                dims.append(int(value))
            shape = tuple(dims)
        if any(d <= 0 for d in shape):
            raise PipesplitError(f"input '{inp.name}' gets shape {shape}; every dimension must be positive")
        tt.ClearField("shape")
        for d in shape:
            tt.shape.dim.add().dim_value = d
        bound[inp.name] = (shape, elem)
    unknown = set(binding.input_shapes) - set(bound)
    if unknown:
        raise PipesplitError(f"{{input_shapes}} names {', '.join(sorted(unknown))}, which the model does not take as "
                             f"input (its inputs: {', '.join(bound) or 'none'})")
    return bound


def _known_shape(type_proto) -> tuple[tuple[int, ...], int] | None:
    if not type_proto.HasField("tensor_type"):
        return None
    tt = type_proto.tensor_type
    if not tt.HasField("shape") or tt.elem_type == 0:
        return None
    dims = []
    for d in tt.shape.dim:
        if not d.HasField("dim_value") or d.dim_value < 0:
            return None
        dims.append(int(d.dim_value))
    return tuple(dims), int(tt.elem_type)


def infer_tensor_shapes(model) -> dict[str, tuple[tuple[int, ...], int]]:
    """Tensor name -> (shape, element type) for every tensor whose shape ``onnx.shape_inference`` knows."""
    import onnx

    for out in model.graph.output:  # outputs may carry stale symbolic dims; let inference fill them
        if out.type.HasField("tensor_type"):
            out.type.tensor_type.ClearField("shape")
    del model.graph.value_info[:]
    light = _without_large_weights(model)
    try:
        inferred = onnx.shape_inference.infer_shapes(light, strict_mode=False, data_prop=True)
    except Exception as e:
        raise PipesplitError(f"ONNX shape inference failed ({str(e).splitlines()[0]}); check the model with "
                             "onnx.checker") from None
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
        s = _known_shape(vi.type)
        if s is not None:
            shapes[vi.name] = s
    for t in model.graph.initializer:
        shapes[t.name] = (tuple(int(d) for d in t.dims), int(t.data_type))
    for node in inferred.graph.node:
        if node.op_type == "Constant" and node.output:
            for a in node.attribute:
                if a.name == "value":
                    shapes[node.output[0]] = (tuple(int(d) for d in a.t.dims), int(a.t.data_type))
    return shapes


def _without_large_weights(model, max_elements: int = 64):
    """A copy of the model whose large initializers are typed graph inputs instead (shape inference
    needs only their shapes; small ones, such as Reshape targets, keep their values)."""
    import onnx

    light = onnx.ModelProto(ir_version=model.ir_version)
    light.opset_import.extend(model.opset_import)
    light.functions.extend(model.functions)
    g = light.graph
    g.name = model.graph.name
    g.node.extend(model.graph.node)
    g.input.extend(model.graph.input)
    g.output.extend(model.graph.output)
    declared = {i.name for i in model.graph.input}
    for t in model.graph.initializer:
        if np.prod(t.dims, dtype=np.int64) <= max_elements:
            g.initializer.append(t)
        elif t.name not in declared:
            g.input.append(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    return light


def _itemsize(elem: int, dtype: str | None) -> int:
    import onnx

    np_type = onnx.helper.tensor_dtype_to_np_dtype(elem)
    size = np.dtype(np_type).itemsize if np_type != object else 8
    if dtype and np.issubdtype(np_type, np.floating):
        return DTYPE_BYTES[dtype]
    return size


def _subgraph_inputs(node) -> list[str]:
    """Outer-scope tensors that a node's subgraphs (If, Loop, Scan) read."""
    import onnx

    names: list[str] = []
    for a in node.attribute:
        graphs = [a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs) if a.type == onnx.AttributeProto.GRAPHS else []
        for g in graphs:
            local = {i.name for i in g.input} | {t.name for t in g.initializer}
            for n in g.node:
                local.update(n.output)
            for n in g.node:
                for x in list(n.input) + _subgraph_inputs(n):
                    if x and x not in local:
                        names.append(x)
    return names


def _attrs(node) -> dict:
    import onnx

    out = {}
    for a in node.attribute:
        if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.FLOAT, onnx.AttributeProto.STRING,
                      onnx.AttributeProto.INTS):
            v = onnx.helper.get_attribute_value(a)
            out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def name_nodes(model) -> None:
    """Give every node a unique name (in place), so that profiled names map back to nodes."""
    seen: set[str] = set()
    for k, node in enumerate(model.graph.node):
        name = node.name or f"{node.op_type}_{k}"
        while name in seen:
            name = f"{name}_{k}"
        node.name = name
        seen.add(name)


# ---------------------------------------------------------------------- profiling
def _random_feeds(inputs: dict[str, tuple[tuple[int, ...], int]]) -> dict[str, np.ndarray]:
    import onnx

    rng = np.random.default_rng(0)
    feeds = {}
    for name, (shape, elem) in inputs.items():
        np_type = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem))
        if np_type == np.bool_:
            feeds[name] = np.ones(shape, dtype=bool)
        elif np.issubdtype(np_type, np.integer):
            fill = 1 if "mask" in name.lower() else 0
            feeds[name] = np.full(shape, fill, dtype=np_type)
        else:
            feeds[name] = rng.standard_normal(shape).astype(np_type)
    return feeds


def _session_options(ort, threads: int, profile_prefix: str | None = None):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    if profile_prefix:
        so.enable_profiling = True
        so.profile_file_prefix = profile_prefix
    return so


def _providers(ort, device: str) -> list[str]:
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        raise PipesplitError("{profile} cuda needs onnxruntime's CUDA provider (pip install onnxruntime-gpu, on a "
                             "machine with an NVIDIA GPU); use {estimate} DEVICE for hardware you do not have")
    return ["CUDAExecutionProvider", "CPUExecutionProvider"]


def _session(ort, model_bytes: bytes, so, providers):
    try:
        return ort.InferenceSession(model_bytes, sess_options=so, providers=providers)
    except Exception as e:
        raise PipesplitError(f"onnxruntime cannot load the model ({str(e).splitlines()[0][:300]})") from None


def _run(sess, feeds):
    try:
        return sess.run(None, feeds)
    except Exception as e:
        raise PipesplitError(f"onnxruntime cannot run the model with the bound input shapes "
                             f"({str(e).splitlines()[0][:300]}); check {{batch}}, {{seq_len}} and {{input_shapes}}") from None


def profile_nodes(model_bytes: bytes, feeds: dict, node_names: list[str], device: str = "cpu", warmup: int = 3,
                  runs: int = 10, threads: int = 1) -> tuple[np.ndarray, int, float, float]:
    """Per-node time in ms from onnxruntime's profiler: the median over ``runs`` after ``warmup`` runs.

    Each profiled run alternates with a run of a second session without the profiler, so that the
    whole-model time (their median, the third result) sees the same machine load; the fourth result is the
    median over runs of (sum of the run's node times) / (the whole-model time next to it), robust to a
    machine load that drifts. The second result counts the nodes the profile did not mention (they get half
    the resolution)."""
    import json

    ort = require_onnxruntime()
    providers = _providers(ort, device)
    whole = []
    with tempfile.TemporaryDirectory() as tmp:
        sess = _session(ort, model_bytes, _session_options(ort, threads, os.path.join(tmp, "profile")), providers)
        plain = _session(ort, model_bytes, _session_options(ort, threads), providers)
        for r in range(warmup + runs):
            _run(sess, feeds)
            t = time.perf_counter()
            _run(plain, feeds)
            if r >= warmup:
                whole.append((time.perf_counter() - t) * 1e3)
        events = json.loads(Path(sess.end_profiling()).read_text())
    run_spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in events
                       if e.get("cat") == "Session" and e.get("name") == "model_run")
    measured = run_spans[warmup:]
    starts = np.array([s for s, _ in measured])
    index = {name: k for k, name in enumerate(node_names)}
    per_run = np.zeros((len(node_names), len(measured)))
    seen = np.zeros(len(node_names), bool)
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        k = index.get(e["name"][: -len("_kernel_time")])
        if k is None or not len(starts):
            continue
        r = int(np.searchsorted(starts, e["ts"], side="right")) - 1
        if r < 0:
            continue  # a warm-up run
        per_run[k, r] += e["dur"] / 1e3
        seen[k] = True
    times = np.median(per_run, axis=1) if len(measured) else np.zeros(len(node_names))
    mean = per_run.mean(axis=1) if len(measured) else times
    times = np.where(times > 0, times, mean)
    times = np.where(times > 0, times, RESOLUTION_MS / 2)
    paired = statistics.median(per_run.sum(axis=0)[:len(whole)] / np.asarray(whole[:per_run.shape[1]])) \
        if whole and len(measured) else math.nan
    return times, int((~seen).sum()), statistics.median(whole) if whole else math.nan, float(paired)


def runtime_shapes(model, feeds: dict, names: list[str]) -> dict[str, tuple[tuple[int, ...], int]]:
    """Shapes of the named tensors from one onnxruntime run (for those shape inference cannot give)."""
    import onnx

    ort = require_onnxruntime()
    m = onnx.ModelProto()
    m.CopyFrom(model)
    present = {o.name for o in m.graph.output}
    for name in names:
        if name not in present:
            m.graph.output.append(onnx.ValueInfoProto(name=name))
    sess = _session(ort, m.SerializeToString(), _session_options(ort, 1), ["CPUExecutionProvider"])
    values = _run(sess, feeds)
    out = {}
    for vi, v in zip(sess.get_outputs(), values):
        if isinstance(v, np.ndarray):
            out[vi.name] = (tuple(int(d) for d in v.shape), int(onnx.helper.np_dtype_to_tensor_dtype(v.dtype)))
    return out


# ---------------------------------------------------------------------- import
def import_onnx(path, options: OnnxOptions = OnnxOptions()) -> OnnxImport:
    """Read an ONNX model (a file, or an ``onnx.ModelProto``) into an OpGraph with output bytes, weights
    and times from the chosen sources.

    CPU time comes from ``--profile cpu``, else the catalog CPU's estimate; accelerator time from ``--profile
    cuda``, else the ``estimate`` device, else it equals the CPU time.
    """
    t0 = time.perf_counter()
    require_onnx()
    model = load_model(path) if isinstance(path, (str, Path)) else path
    if options.dtype and options.dtype not in DTYPE_BYTES:
        raise PipesplitError(f"unknown {{dtype}} '{options.dtype}'; choose among {', '.join(DTYPE_BYTES)}")
    bound = bind_inputs(model, options.binding)
    name_nodes(model)
    shapes = infer_tensor_shapes(model)
    nodes = [n for n in model.graph.node if n.op_type != "Constant"]
    constants = {n.output[0] for n in model.graph.node if n.op_type == "Constant" and n.output}
    weights = {t.name for t in model.graph.initializer} | constants
    graph_outputs = {o.name for o in model.graph.output}
    producer: dict[str, int] = {}
    for k, node in enumerate(nodes):
        for o in node.output:
            if o:
                producer[o] = k
    consumed: set[str] = set()
    node_inputs = []
    for node in nodes:
        ins = [x for x in list(node.input) + _subgraph_inputs(node) if x]
        node_inputs.append(ins)
        consumed.update(ins)

    feeds = _random_feeds(bound) if (options.profile or _needs_runtime(nodes, shapes)) else {}
    missing = [o for node in nodes for o in node.output if o and (o in consumed or o in graph_outputs)
               and o not in shapes]
    if missing:
        try:
            require_onnxruntime()
        except PipesplitError:
            k = producer[missing[0]]
            raise PipesplitError(f"node '{nodes[k].name}' ({nodes[k].op_type}) output '{missing[0]}' has an unknown "
                                 f"shape; bind the inputs' dimensions with {{batch}}, {{seq_len}} or {{input_shapes}} "
                                 f"NAME=D0,D1,... (or install onnxruntime: {EXTRA_HINT})") from None
        shapes.update(runtime_shapes(model, feeds, missing))
        still = [o for o in missing if o not in shapes]
        if still:
            k = producer[still[0]]
            raise PipesplitError(f"node '{nodes[k].name}' ({nodes[k].op_type}) output '{still[0]}' has an unknown "
                                 f"shape; give the inputs' shapes with {{input_shapes}} NAME=D0,D1,...")

    def meta(name: str) -> TensorMeta | None:
        s = shapes.get(name)
        return None if s is None else TensorMeta(s[0], _itemsize(s[1], options.dtype))

    n = len(nodes)
    out_bytes, memory = np.zeros(n), np.zeros(n)
    edges = []
    for k, node in enumerate(nodes):
        for o in node.output:
            if o and (o in consumed or o in graph_outputs) and (m := meta(o)) is not None:
                out_bytes[k] += m.nbytes
        for x in dict.fromkeys(node_inputs[k]):
            if x in weights:
                m = meta(x)
                memory[k] += 0 if m is None else m.nbytes
            elif x in producer and producer[x] != k:
                edges.append((producer[x], k))

    notes: list[str] = []
    names = [node.name for node in nodes]
    cpu = acc = None
    model_cpu_ms = explained = None
    t_prof = time.perf_counter()
    if options.profile:
        model_bytes = _serialize(model)
        for device in options.profile:
            times, unseen, whole_ms, paired = profile_nodes(model_bytes, feeds, names, device, options.warmup,
                                                    options.runs, options.threads)
            if unseen:
                notes.append(f"{unseen} nodes did not appear in the {device} profile; they get {RESOLUTION_MS / 2} ms")
            if device == "cpu":
                cpu, model_cpu_ms, explained = times, whole_ms, paired
            else:
                acc = times
    profile_seconds = time.perf_counter() - t_prof

    def estimated(device_name: str) -> np.ndarray:
        dev = get_device(device_name)
        dtype = options.dtype or "fp32"
        out = np.zeros(n)
        for k, node in enumerate(nodes):
            ins = [meta(x) if x else None for x in node.input]
            outs = [m for o in node.output if o and (m := meta(o)) is not None]
            out[k] = estimate_ms(op_cost(node.op_type, ins, outs, _attrs(node)), dev, dtype)
        return out

    if acc is None and options.estimate:
        acc = estimated(options.estimate)
    if cpu is None:
        cpu = estimated("cpu")
        notes.append("CPU times are estimates on the catalog's CPU core (give {profile} cpu to measure them)")
    if acc is None:
        acc = cpu.copy()
        notes.append("no accelerator source: accelerator time = CPU time (give {estimate} DEVICE or {profile} cuda)")
    color = None
    if options.colocate_plumbing:
        plumbing = _plumbing(nodes, node_inputs, weights, shapes, consumed, graph_outputs)
        color = colocate_plumbing(n, edges, plumbing)
    graph = OpGraph(names=names, op_types=[node.op_type for node in nodes], edges=edges, out_bytes=out_bytes,
                    memory=memory, cpu_ms=cpu, acc_ms=acc, color=color, notes=notes)
    return OnnxImport(graph=graph, model_cpu_ms=model_cpu_ms, explained=explained, profile_seconds=profile_seconds,
                      seconds=time.perf_counter() - t0)


def _plumbing(nodes, node_inputs, weights: set, shapes: dict, consumed: set, graph_outputs: set) -> np.ndarray:
    """Per node: it reads only weights and constants, or it computes small tensors (at most
    ``PLUMBING_ELEMENTS`` elements) from tensor shapes (Shape, Size) and constants alone."""
    derived: set[str] = set()
    out = np.zeros(len(nodes), bool)
    for k, node in enumerate(nodes):
        ins = node_inputs[k]
        if ins and all(x in weights for x in ins):
            out[k] = True
            continue
        outs = [o for o in node.output if o and (o in consumed or o in graph_outputs)]
        small = bool(outs) and all(o in shapes and math.prod(shapes[o][0]) <= PLUMBING_ELEMENTS for o in outs)
        from_shapes = node.op_type in ("Shape", "Size") or all(x in weights or x in derived for x in ins)
        if small and from_shapes:
            out[k] = True
            derived.update(outs)
    return out


def _needs_runtime(nodes, shapes) -> bool:
    return any(o and o not in shapes for node in nodes for o in node.output)


def _serialize(model) -> bytes:
    try:
        return model.SerializeToString()
    except ValueError as e:
        raise PipesplitError(f"the model is too large to profile in one piece ({e}); use {{estimate}} DEVICE") from None


def parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """``name=1,128`` (or ``name=1x128``) -> ('name', (1, 128))."""
    m = re.fullmatch(r"\s*([^=]+?)\s*=\s*([0-9]+(?:\s*[,x]\s*[0-9]+)*)\s*", text)
    if not m:
        raise PipesplitError(f"cannot read {{input_shapes}} '{text}'; write NAME=D0,D1,... e.g. input_ids=1,128")
    return m.group(1), tuple(int(d) for d in re.split(r"\s*[,x]\s*", m.group(2)))


def parse_dim(text: str) -> tuple[str, int]:
    """``sequence=128`` -> ('sequence', 128)."""
    m = re.fullmatch(r"\s*([^=]+?)\s*=\s*([0-9]+)\s*", text)
    if not m:
        raise PipesplitError(f"cannot read {{dims}} '{text}'; write SYMBOL=N e.g. sequence=128")
    return m.group(1), int(m.group(2))
