"""Small ONNX model builders (onnx.helper) with random weights: an MLP, a convolutional net, a BERT-style
transformer encoder, a GPT-2-style decoder and a ResNet-style net. They follow those architectures' layer
structure (operator by operator, as an exporter writes them) for tests, benchmarks and the bundled examples.

>>> m = mlp([8, 16, 4], batch=2)
>>> [n.op_type for n in m.graph.node]
['MatMul', 'Add', 'Relu', 'MatMul', 'Add']
"""

from __future__ import annotations

import math

import numpy as np

OPSET = 17
IR_VERSION = 8


class _Builder:
    def __init__(self, seed: int = 0):
        from onnx import helper

        self.h = helper
        self.nodes, self.inits = [], []
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def name(self, base: str) -> str:
        self.count += 1
        return f"{base}_{self.count}"

    def weight(self, base: str, shape, scale: float | None = None, dtype=np.float32) -> str:
        from onnx import numpy_helper

        name = self.name(base)
        s = scale if scale is not None else 1.0 / math.sqrt(max(shape[0], 1))
        self.inits.append(numpy_helper.from_array((self.rng.standard_normal(shape) * s).astype(dtype), name))
        return name

    def const(self, base: str, value) -> str:
        from onnx import numpy_helper

        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, inputs, n_out: int = 1, name: str | None = None, **attrs):
        node_name = name or self.name(op_type)
        outs = [f"{node_name}_out{i}" for i in range(n_out)]
        self.nodes.append(self.h.make_node(op_type, list(inputs), outs, name=node_name, **attrs))
        return outs[0] if n_out == 1 else outs

    def model(self, inputs, outputs, graph_name: str):
        g = self.h.make_graph(self.nodes, graph_name, inputs, outputs, self.inits)
        m = self.h.make_model(g, opset_imports=[self.h.make_opsetid("", OPSET)], producer_name="pipesplit")
        m.ir_version = IR_VERSION
        return m


def _f32(name: str, shape):
    from onnx import TensorProto, helper

    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def mlp(sizes: list[int], batch: int | str = "batch", seed: int = 0):
    """Linear layers with ReLU between them: MatMul, Add, Relu, ..., MatMul, Add."""
    b = _Builder(seed)
    x = "x"
    for i in range(len(sizes) - 1):
        x = b.op("MatMul", [x, b.weight("w", [sizes[i], sizes[i + 1]])])
        x = b.op("Add", [x, b.weight("b", [sizes[i + 1]], 0.1)])
        if i < len(sizes) - 2:
            x = b.op("Relu", [x])
    b.nodes[-1].output[0] = "y"
    return b.model([_f32("x", [batch, sizes[0]])], [_f32("y", [batch, sizes[-1]])], "mlp")


def convnet(channels: list[int], image: int = 16, classes: int = 10, batch: int | str = "batch", seed: int = 0):
    """Conv-BatchNorm-ReLU blocks with max pooling, then global pooling and a linear classifier."""
    b = _Builder(seed)
    x = "x"
    for i in range(len(channels) - 1):
        cin, cout = channels[i], channels[i + 1]
        x = b.op("Conv", [x, b.weight("conv", [cout, cin, 3, 3], 0.2), b.weight("cb", [cout], 0.1)],
                 kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        x = _batchnorm(b, x, cout)
        x = b.op("Relu", [x])
        x = b.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.op("GlobalAveragePool", [x])
    x = b.op("Flatten", [x], axis=1)
    x = b.op("Gemm", [x, b.weight("fc", [channels[-1], classes]), b.weight("fcb", [classes], 0.1)])
    b.nodes[-1].output[0] = "y"
    return b.model([_f32("x", [batch, channels[0], image, image])], [_f32("y", [batch, classes])], "convnet")


def _batchnorm(b: _Builder, x: str, c: int) -> str:
    return b.op("BatchNormalization", [x, b.const("gamma", np.ones(c, np.float32)),
                                       b.const("beta", np.zeros(c, np.float32)),
                                       b.const("mean", np.zeros(c, np.float32)),
                                       b.const("var", np.ones(c, np.float32))])


def _layernorm(b: _Builder, x: str, hidden: int) -> str:
    return b.op("LayerNormalization", [x, b.const("ln_g", np.ones(hidden, np.float32)),
                                       b.const("ln_b", np.zeros(hidden, np.float32))], axis=-1, epsilon=1e-5)


def _linear(b: _Builder, x: str, din: int, dout: int) -> str:
    return b.op("Add", [b.op("MatMul", [x, b.weight("w", [din, dout])]), b.weight("bias", [dout], 0.02)])


def _gelu(b: _Builder, x: str) -> str:
    """GELU as exporters write it: x * 0.5 * (1 + erf(x / sqrt(2)))."""
    e = b.op("Erf", [b.op("Div", [x, b.const("sqrt2", np.float32(math.sqrt(2)))])])
    e = b.op("Add", [e, b.const("one", np.float32(1))])
    return b.op("Mul", [b.op("Mul", [x, e]), b.const("half", np.float32(0.5))])


def _attention(b: _Builder, x: str, hidden: int, heads: int, mask: str | None) -> str:
    d = hidden // heads
    split = b.const("heads_shape", np.array([0, 0, heads, d], np.int64))
    q = b.op("Transpose", [b.op("Reshape", [_linear(b, x, hidden, hidden), split])], perm=[0, 2, 1, 3])
    k = b.op("Transpose", [b.op("Reshape", [_linear(b, x, hidden, hidden), split])], perm=[0, 2, 3, 1])
    v = b.op("Transpose", [b.op("Reshape", [_linear(b, x, hidden, hidden), split])], perm=[0, 2, 1, 3])
    s = b.op("Div", [b.op("MatMul", [q, k]), b.const("scale", np.float32(math.sqrt(d)))])
    if mask is not None:
        s = b.op("Add", [s, mask])
    p = b.op("Softmax", [s], axis=-1)
    c = b.op("Transpose", [b.op("MatMul", [p, v])], perm=[0, 2, 1, 3])
    c = b.op("Reshape", [c, b.const("merge_shape", np.array([0, 0, hidden], np.int64))])
    return _linear(b, c, hidden, hidden)


def transformer_encoder(layers: int = 2, hidden: int = 64, heads: int = 4, ffn: int | None = None,
                        vocab: int = 1000, max_positions: int = 512, causal: bool = False, pre_norm: bool = False,
                        seed: int = 0):
    """A BERT-style encoder (post-norm, padding mask) or, with ``causal`` and ``pre_norm``, a GPT-2-style
    decoder; inputs ``input_ids`` and ``attention_mask`` of shape (batch, sequence), both symbolic."""
    from onnx import TensorProto, helper

    ffn = ffn or 4 * hidden
    b = _Builder(seed)
    seq = b.op("Gather", [b.op("Shape", ["input_ids"]), b.const("one_idx", np.int64(1))], axis=0)
    seq1 = b.op("Unsqueeze", [seq, b.const("axes0", np.array([0], np.int64))])
    pos = b.op("Slice", [b.weight("position_embeddings", [max_positions, hidden], 0.02),
                         b.const("zero1", np.array([0], np.int64)), seq1, b.const("axis0", np.array([0], np.int64))])
    x = b.op("Add", [b.op("Gather", [b.weight("word_embeddings", [vocab, hidden], 0.02), "input_ids"], axis=0), pos])
    if not pre_norm:
        x = _layernorm(b, x, hidden)
    m = b.op("Cast", [b.op("Unsqueeze", ["attention_mask", b.const("axes12", np.array([1, 2], np.int64))])],
             to=TensorProto.FLOAT)
    mask = b.op("Mul", [b.op("Sub", [b.const("one_f", np.float32(1)), m]), b.const("neg", np.float32(-10000))])
    if causal:
        tri = b.op("Trilu", [b.op("ConstantOfShape", [b.op("Concat", [seq1, seq1], axis=0)],
                                  value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0]))], upper=0)
        causal_mask = b.op("Mul", [b.op("Sub", [b.const("one_c", np.float32(1)), tri]), b.const("neg_c", np.float32(-10000))])
        mask = b.op("Add", [mask, causal_mask])
    for _ in range(layers):
        if pre_norm:
            x = b.op("Add", [x, _attention(b, _layernorm(b, x, hidden), hidden, heads, mask)])
            h = _linear(b, _gelu(b, _linear(b, _layernorm(b, x, hidden), hidden, ffn)), ffn, hidden)
            x = b.op("Add", [x, h])
        else:
            x = _layernorm(b, b.op("Add", [x, _attention(b, x, hidden, heads, mask)]), hidden)
            h = _linear(b, _gelu(b, _linear(b, x, hidden, ffn)), ffn, hidden)
            x = _layernorm(b, b.op("Add", [x, h]), hidden)
    if pre_norm:
        x = _layernorm(b, x, hidden)
    b.nodes[-1].output[0] = "last_hidden_state"
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])
    am = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])
    out = _f32("last_hidden_state", ["batch", "sequence", hidden])
    return b.model([ids, am], [out], "gpt2_like" if causal else "bert_like")


def resnet(blocks: tuple[int, ...] = (3, 4, 6, 3), width: int = 64, image: int = 224, classes: int = 1000,
           seed: int = 0):
    """A ResNet with bottleneck blocks (ResNet-50 with the defaults); input ``pixel_values`` (batch, 3, H, W)."""
    b = _Builder(seed)

    def conv(x, cin, cout, k, stride=1):
        w = b.weight("conv", [cout, cin, k, k], math.sqrt(2.0 / (cin * k * k)))
        return b.op("Conv", [x, w], kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4)

    x = b.op("Relu", [_batchnorm(b, conv("pixel_values", 3, width, 7, 2), width)])
    x = b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = width
    for stage, n in enumerate(blocks):
        mid = width * 2 ** stage
        cout = mid * 4
        for i in range(n):
            stride = 2 if i == 0 and stage > 0 else 1
            h = b.op("Relu", [_batchnorm(b, conv(x, cin, mid, 1), mid)])
            h = b.op("Relu", [_batchnorm(b, conv(h, mid, mid, 3, stride), mid)])
            h = _batchnorm(b, conv(h, mid, cout, 1), cout)
            skip = _batchnorm(b, conv(x, cin, cout, 1, stride), cout) if i == 0 else x
            x = b.op("Relu", [b.op("Add", [h, skip])])
            cin = cout
    x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    x = b.op("Gemm", [x, b.weight("fc", [cin, classes]), b.weight("fcb", [classes], 0.01)])
    b.nodes[-1].output[0] = "logits"
    return b.model([_f32("pixel_values", ["batch", 3, image, image])], [_f32("logits", ["batch", classes])], "resnet")
