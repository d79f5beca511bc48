"""Analytic cost estimates: FLOPs and bytes moved per operator, turned into time by a roofline.

time = max(FLOPs / peak FLOP/s, bytes moved / memory bandwidth), with the device's matrix peak for matrix
products, convolutions and attention, and its vector peak for everything else. View-like operators
(Reshape, Squeeze, ...) move nothing and cost nothing.

>>> from pipesplit.frontends.catalog import get_device
>>> a, b, y = TensorMeta((64, 128), 4), TensorMeta((128, 32), 4), TensorMeta((64, 32), 4)
>>> c = op_cost("MatMul", [a, b], [y])
>>> c.flops, c.matrix
(524288.0, True)
>>> estimate_ms(c, get_device("a100-80gb"), "fp32") == max(524288 / 19.5e12, c.bytes / 2039e9) * 1e3
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalog import Device

DTYPE_BYTES = {"fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1}

MATMUL = {"MatMul", "Gemm", "MatMulInteger", "QLinearMatMul", "FusedMatMul", "MatMulNBits", "FusedGemm"}
CONV = {"Conv", "ConvInteger", "QLinearConv", "FusedConv", "NhwcConv"}
CONV_TRANSPOSE = {"ConvTranspose"}
ATTENTION = {"Attention", "MultiHeadAttention", "GroupQueryAttention", "SDPA"}
NORM = {"LayerNormalization", "BatchNormalization", "InstanceNormalization", "GroupNormalization",
        "SkipLayerNormalization", "RMSNormalization", "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization",
        "LpNormalization", "MeanVarianceNormalization", "EmbedLayerNormalization"}
SOFTMAX = {"Softmax", "LogSoftmax", "Hardmax"}
TRANSCENDENTAL = {"Gelu", "FastGelu", "BiasGelu", "Erf", "Tanh", "Sigmoid", "Exp", "Log", "Swish", "Softplus",
                  "Softsign", "Pow", "Sqrt", "Reciprocal", "Elu", "Selu", "Celu", "Mish", "HardSwish", "HardSigmoid",
                  "Sin", "Cos", "QuickGelu", "SiLU"}
REDUCE = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
          "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "ArgMax", "ArgMin", "GlobalAveragePool",
          "GlobalMaxPool", "GlobalLpPool", "CumSum", "TopK"}
POOL = {"MaxPool", "AveragePool", "LpPool"}
VIEW = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Shape", "Size", "Constant", "Dropout",
        "Optional", "OptionalGetElement"}
GATHER = {"Gather", "GatherElements", "GatherND", "Slice", "Expand", "Compress", "OneHot", "ConstantOfShape", "Range",
          "NonZero", "EyeLike", "RandomNormalLike", "RandomUniformLike", "Trilu"}
TRANSCENDENTAL_FLOPS = 8.0
NORM_FLOPS = 8.0
SOFTMAX_FLOPS = 5.0


@dataclass(frozen=True)
class TensorMeta:
    """A tensor's shape and bytes per element."""

    shape: tuple
    itemsize: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.numel * self.itemsize


@dataclass(frozen=True)
class OpCost:
    """What an operator computes and moves."""

    flops: float
    bytes: float
    matrix: bool = False


def _nbytes(ts) -> float:
    return float(sum(t.nbytes for t in ts))


def _einsum_flops(equation: str, inputs: list[TensorMeta]) -> float:
    lhs = equation.replace(" ", "").split("->")[0].split(",")
    sizes: dict[str, int] = {}
    for term, t in zip(lhs, inputs):
        letters = [c for c in term if c.isalpha()]
        for c, d in zip(letters[-len(t.shape):] if t.shape else [], t.shape):
            sizes[c] = max(sizes.get(c, 1), int(d))
    return 2.0 * math.prod(sizes.values())


def op_cost(op_type: str, inputs: list[TensorMeta], outputs: list[TensorMeta], attrs: dict | None = None) -> OpCost:
    """FLOPs and bytes moved by one operator (ONNX operator names; ``SDPA`` is attention given Q, K, V)."""
    attrs = attrs or {}
    ins = [t for t in inputs if t is not None]
    out_elems = float(sum(t.numel for t in outputs))
    moved = _nbytes(ins) + _nbytes(outputs)
    if op_type in VIEW:
        return OpCost(0.0, 0.0)
    if op_type in MATMUL and len(ins) >= 2:
        a = ins[0]
        if op_type in ("Gemm", "FusedGemm"):
            k = a.shape[0] if attrs.get("transA", 0) else a.shape[-1]
        else:
            k = a.shape[-1] if a.shape else 1
        return OpCost(2.0 * out_elems * k + (out_elems if len(ins) > 2 else 0.0), moved, True)
    if op_type in CONV and len(ins) >= 2:
        w = ins[1]
        return OpCost(2.0 * out_elems * math.prod(w.shape[1:]), moved, True)
    if op_type in CONV_TRANSPOSE and len(ins) >= 2:
        return OpCost(2.0 * ins[0].numel * math.prod(ins[1].shape[1:]), moved, True)
    if op_type == "Einsum":
        return OpCost(_einsum_flops(str(attrs.get("equation", "")), ins), moved, True)
    if op_type in ATTENTION and ins:
        return _attention_cost(op_type, ins, outputs, attrs, moved)
    if op_type in NORM:
        return OpCost(NORM_FLOPS * ins[0].numel if ins else out_elems, moved)
    if op_type in SOFTMAX:
        return OpCost(SOFTMAX_FLOPS * out_elems, moved)
    if op_type in TRANSCENDENTAL:
        return OpCost(TRANSCENDENTAL_FLOPS * out_elems, moved)
    if op_type in REDUCE:
        return OpCost(float(ins[0].numel) if ins else out_elems, moved)
    if op_type in POOL:
        kernel = math.prod(attrs.get("kernel_shape", [1]))
        return OpCost(out_elems * kernel, moved)
    if op_type in GATHER:  # reads what it writes (plus indices), not the whole table
        small = _nbytes(ins[1:]) if op_type.startswith("Gather") else 0.0
        return OpCost(0.0, 2.0 * _nbytes(outputs) + small)
    # element-wise and data movement (Add, Mul, Relu, Where, Transpose, Concat, Cast, ...): one FLOP per output
    return OpCost(out_elems, moved)


def _attention_cost(op_type: str, ins: list[TensorMeta], outputs: list[TensorMeta], attrs: dict,
                    moved: float) -> OpCost:
    q = ins[0]
    if op_type == "SDPA":  # q (..., S, D), k (..., L, D)
        k = ins[1] if len(ins) > 1 else q
        batch = math.prod(q.shape[:-2])
        s, d, l = q.shape[-2], q.shape[-1], k.shape[-2]
        return OpCost(4.0 * batch * s * l * d + SOFTMAX_FLOPS * batch * s * l, moved, True)
    heads = int(attrs.get("num_heads", attrs.get("q_num_heads", 1)) or 1)
    flops = 0.0
    if op_type == "Attention" and len(ins) >= 2 and len(q.shape) == 3 and len(ins[1].shape) == 2:  # fused QKV
        b, s, din = q.shape
        dqkv = ins[1].shape[1]
        flops += 2.0 * b * s * din * dqkv
        hidden = dqkv // 3
    else:
        b, s = (q.shape[0], q.shape[-2]) if len(q.shape) >= 3 else (1, q.shape[0])
        hidden = q.shape[-1] * (q.shape[1] if len(q.shape) == 4 else 1)
    l = ins[1].shape[-2] if op_type != "Attention" and len(ins) > 1 and len(ins[1].shape) >= 2 else s
    flops += 4.0 * b * s * l * hidden + SOFTMAX_FLOPS * b * heads * s * l
    return OpCost(flops, moved, True)


def estimate_ms(cost: OpCost, device: Device, dtype: str = "fp32", overhead: float = 0.0) -> float:
    """Roofline time in milliseconds of ``cost`` on ``device`` at precision ``dtype``, plus a fixed
    ``overhead`` in seconds per operator (e.g. a kernel launch). The one roofline of pipesplit."""
    compute = cost.flops / device.peak(dtype, cost.matrix) if cost.flops else 0.0
    memory = cost.bytes / device.memory_bandwidth if cost.bytes else 0.0
    return 1e3 * (max(compute, memory) + overhead)
